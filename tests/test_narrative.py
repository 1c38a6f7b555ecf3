"""Narrative claims from 情况说明 running text: kinds, metrics, raw text, values and boxes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from extraction.layout.model import Glyph, TextLine
from extraction.narrative import extract_claims
from extraction.records import NarrativeClaim, Source

D = Decimal
X0, W, Y0, H = 50.0, 10.0, 100.0, 20.0


def line(text: str, row: int = 0, page: int = 1) -> TextLine:
    """A printed line with one 10-pt-wide box per glyph; row r sits at y = 100 + 20 r."""
    y0 = Y0 + H * row
    glyphs = [Glyph(c, page, (X0 + W * i, y0, X0 + W * (i + 1), y0 + 12)) for i, c in enumerate(text)]
    return TextLine(page=page, bbox=(X0, y0, X0 + W * len(text), y0 + 12), glyphs=glyphs)


def lines(*texts: str, page: int = 1) -> list[TextLine]:
    return [line(t, row, page) for row, t in enumerate(texts)]


def box(text: str, raw: str, row: int = 0) -> tuple[float, float, float, float]:
    i = text.index(raw)
    return (X0 + W * i, Y0 + H * row, X0 + W * (i + len(raw)), Y0 + H * row + 12)


def summary(claims: list[NarrativeClaim]) -> list[tuple]:
    return [(c.claim_kind, c.metric, c.raw, c.value, c.unit, c.direction) for c in claims]


S1 = "上海市普陀区财政局2024年度收入支出总计2995.39万元。与2023年度相比，收入支出总计减少56.95万元，下降1.87%。"


def test_total_and_year_on_year() -> None:
    claims = extract_claims(lines(S1), "一、收入支出决算总体情况说明")
    assert summary(claims) == [
        ("total", "收入支出总计", "2995.39万元", D("2995.39"), "万元", None),
        ("yoy_change", "收入支出总计", "56.95万元", D("56.95"), "万元", "减少"),
        ("yoy_pct", "收入支出总计", "1.87%", D("1.87"), "%", "减少"),
    ]
    first, change, pct = claims
    assert first.amount_yuan == D("29953900") and change.amount_yuan == D("569500") and pct.amount_yuan is None
    assert first.sentence == "上海市普陀区财政局2024年度收入支出总计2995.39万元"
    assert change.sentence == pct.sentence == "与2023年度相比，收入支出总计减少56.95万元，下降1.87%"
    assert all(c.section == "一、收入支出决算总体情况说明" and c.page == 1 and not c.issues for c in claims)
    assert first.sources == {"value": Source(page=1, bbox=(260.0, 100.0, 350.0, 112.0), raw="2995.39万元")}
    assert change.sources["value"].bbox == box(S1, "56.95万元")


def test_shares_with_a_sentence_broken_over_two_lines() -> None:
    l1, l2 = "本年收入合计2946.25万元，其中：财政拨款收入2940.05万元，占99.79%；其他", "收入6.2万元，占0.21%；"
    claims = extract_claims(lines(l1, l2), None)
    assert summary(claims) == [
        ("total", "本年收入合计", "2946.25万元", D("2946.25"), "万元", None),
        ("total", "财政拨款收入", "2940.05万元", D("2940.05"), "万元", None),
        ("share", "财政拨款收入", "99.79%", D("99.79"), "%", None),
        ("total", "其他收入", "6.2万元", D("6.2"), "万元", None),
        ("share", "其他收入", "0.21%", D("0.21"), "%", None),
    ]
    other = claims[3]
    assert other.sentence == "其他收入6.2万元，占0.21%"
    assert other.amount_yuan == D("62000")
    assert other.sources["value"].bbox == (70.0, 120.0, 120.0, 132.0) == box(l2, "6.2万元", row=1)
    assert claims[4].sources["value"].bbox == box(l2, "0.21%", row=1)
    assert claims[2].sources["value"].bbox == box(l1, "99.79%")
    assert claims[0].section is None


def test_sangong_budget_execution_and_completion_rates() -> None:
    s = (
        "“三公”经费财政拨款支出年初预算为0.95万元，支出决算为0.00万元，完成预算的0%，其中：因公出国（境）费决算为"
        "0.00万元，完成预算的0%；"
    )
    claims = extract_claims(lines(s), "七、财政拨款“三公”经费支出决算情况说明")
    assert summary(claims) == [
        ("total", "“三公”经费财政拨款支出年初预算", "0.95万元", D("0.95"), "万元", None),
        ("total", "“三公”经费财政拨款支出决算", "0.00万元", D("0.00"), "万元", None),
        ("completion_rate", "“三公”经费财政拨款支出", "0%", D("0"), "%", None),
        ("total", "因公出国（境）费决算", "0.00万元", D("0.00"), "万元", None),
        ("completion_rate", "因公出国（境）费", "0%", D("0"), "%", None),
    ]
    assert claims[1].amount_yuan == D("0")
    assert claims[4].sources["value"].bbox == (X0 + W * (len(s) - 3), Y0, X0 + W * (len(s) - 1), Y0 + 12)


def test_comparison_with_a_named_year() -> None:
    s = "机关运行经费支出184.65万元，比2023年度增加2.55万元，增长1.40%。"
    assert summary(extract_claims(lines(s))) == [
        ("total", "机关运行经费支出", "184.65万元", D("184.65"), "万元", None),
        ("yoy_change", "机关运行经费支出", "2.55万元", D("2.55"), "万元", "增加"),
        ("yoy_pct", "机关运行经费支出", "1.40%", D("1.40"), "%", "增加"),
    ]


def test_counts_dates_and_thresholds() -> None:
    s = (
        "截至2024年12月31日，上海市普陀区财政局共有车辆0辆，其中：部级领导干部用车0辆、…单价100万元（含）以上设备"
        "（不含车辆）2台（套）。"
    )
    claims = extract_claims(lines(s))
    assert summary(claims) == [
        ("count", "车辆", "0辆", D("0"), "辆", None),
        ("count", "部级领导干部用车", "0辆", D("0"), "辆", None),
        ("count", "单价100万元（含）以上设备（不含车辆）", "2台（套）", D("2"), "台（套）", None),
    ]
    assert all(c.amount_yuan is None for c in claims)
    assert claims[2].sources["value"].bbox == box(s, "2台（套）")


@pytest.mark.parametrize(
    ("text", "metric", "raw", "value", "unit"),
    [
        ("投资额50万元以上的项目3个。", "投资额50万元以上的项目", "3个", D("3"), "个"),
        ("采购单价超过10万元的设备2台。", "采购单价超过10万元的设备", "2台", D("2"), "台"),
    ],
)
def test_thresholds_are_not_amounts(text: str, metric: str, raw: str, value: Decimal, unit: str) -> None:
    assert summary(extract_claims(lines(text))) == [("count", metric, raw, value, unit, None)]


def test_ocr_text_with_half_width_commas() -> None:
    s = (
        "社会保障和就业支出年初预算402.24万元,支出决算588.97万元,完成年初预算的146.42%,…较上年决算增加69.36万元,"
        "增长13.35%,主要原因是人员经费增加。"
    )
    assert summary(extract_claims(lines(s))) == [
        ("total", "社会保障和就业支出年初预算", "402.24万元", D("402.24"), "万元", None),
        ("total", "社会保障和就业支出决算", "588.97万元", D("588.97"), "万元", None),
        ("completion_rate", "社会保障和就业支出", "146.42%", D("146.42"), "%", None),
        ("yoy_change", "社会保障和就业支出决算", "69.36万元", D("69.36"), "万元", "增加"),
        ("yoy_pct", "社会保障和就业支出决算", "13.35%", D("13.35"), "%", "增加"),
    ]


def test_template_placeholders() -> None:
    s = "上海市XX 局2024 年度收入支出总计XXX 万元。与2023 年度相比，收入支出总计增加（减少）XXX 万元，增长（下降）XX%。"
    claims = extract_claims(lines(s))
    assert summary(claims) == [
        ("total", "收入支出总计", "XXX 万元", None, "万元", None),
        ("yoy_change", "收入支出总计", "XXX 万元", None, "万元", None),
        ("yoy_pct", "收入支出总计", "XX%", None, "%", None),
    ]
    assert [[i.code for i in c.issues] for c in claims] == [["placeholder"]] * 3
    assert all(c.amount_yuan is None for c in claims)
    assert claims[0].sources["value"] == Source(page=1, bbox=box(s, "XXX 万元"), raw="XXX 万元")


def test_number_broken_over_two_lines_keeps_the_first_part_box() -> None:
    l1, l2 = "一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元，完成年初预算的98.", "20%。"
    claims = extract_claims(lines(l1, l2))
    assert summary(claims)[2] == ("completion_rate", "一般公共预算财政拨款支出", "98.20%", D("98.20"), "%", None)
    rate = claims[2]
    assert rate.sources["value"].bbox == box(l1, "98.")
    assert rate.issues == []  # a split number is read whole; only its box is partial
    assert not claims[0].issues and not claims[1].issues


def test_number_broken_over_two_pages_is_on_the_first_page() -> None:
    page3 = line("机关运行经费支出184.65万元，比2023年度增加2.", row=40, page=3)
    page4 = line("55万元，增长1.40%。", row=0, page=4)
    change = extract_claims([page3, page4])[1]
    assert (change.raw, change.value, change.page, change.direction) == ("2.55万元", D("2.55"), 3, "增加")
    assert change.sources["value"] == Source(page=3, bbox=(310.0, 900.0, 330.0, 912.0), raw="2.55万元")
    assert change.issues == []


def test_item_heading_names_the_budget_lines() -> None:
    s = "1、一般公共服务支出（类）财政事务（款）行政运行（项）。主要用于：局本部人员经费及公用经费等的基本支出。年初预算为1560.05 万元，支出决算为1511.89万元。"
    assert summary(extract_claims(lines(s))) == [
        (
            "total",
            "一般公共服务支出（类）财政事务（款）行政运行（项）年初预算",
            "1560.05 万元",
            D("1560.05"),
            "万元",
            None,
        ),
        (
            "total",
            "一般公共服务支出（类）财政事务（款）行政运行（项）支出决算",
            "1511.89万元",
            D("1511.89"),
            "万元",
            None,
        ),
    ]


def test_full_width_digits_and_thousands() -> None:
    s = "基本支出2,381.36万元,占比56.83%；其他收入６．２万元。"
    claims = extract_claims(lines(s))
    assert summary(claims) == [
        ("total", "基本支出", "2,381.36万元", D("2381.36"), "万元", None),
        ("share", "基本支出", "56.83%", D("56.83"), "%", None),
        ("total", "其他收入", "６．２万元", D("6.2"), "万元", None),
    ]
    assert claims[2].amount_yuan == D("62000")


def test_unreadable_number_is_never_zero() -> None:
    claims = extract_claims(lines("本年收入合计2.38.135万元。"))
    assert summary(claims) == [("total", "本年收入合计", "2.38.135万元", None, "万元", None)]
    assert [i.code for i in claims[0].issues] == ["unreadable_number"]


@pytest.mark.parametrize(
    "text",
    [
        "2024年度“三公”经费财政拨款支出决算数与2023年度持平。",
        "决算数比预算数增加10万元。",  # not a year-on-year comparison
        "召开第3次会议，执行率为98%，于2024年12月31日完成。",
        "1、一般公共服务支出（类）财政事务（款）行政运行（项）。",
        "人员经费比上年下降1.5个百分点。",
        "投入10余万元对会议系统进行了更新改造。",
    ],
)
def test_sentences_without_claims(text: str) -> None:
    assert extract_claims(lines(text)) == []


def test_claims_serialise() -> None:
    claim = extract_claims(lines("其他收入6.2万元。"))[0]
    dumped = claim.model_dump(mode="json")
    assert (dumped["kind"], dumped["value"], dumped["amount_yuan"]) == ("narrative_claim", 6.2, 62000.0)


REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real" / "上海市普陀区财政局2024年度部门决算.pdf"


@pytest.mark.shared
@pytest.mark.skipif(not REAL.exists(), reason="needs ../shared/corpus/real (the real 普陀区 disclosure)")
def test_real_disclosure_page_24() -> None:
    pymupdf = pytest.importorskip("pymupdf")
    with pymupdf.open(REAL) as doc:
        raw = doc[23].get_text("rawdict")
    text_lines = [
        TextLine(24, tuple(ln["bbox"]), [Glyph(c["c"], 24, tuple(c["bbox"])) for s in ln["spans"] for c in s["chars"]])
        for b in raw["blocks"]
        for ln in b.get("lines", [])
    ]
    claims = extract_claims([ln for ln in text_lines if ln.glyphs], None)
    assert summary(claims)[:3] == [
        ("total", "机关运行经费支出", "184.65万元", D("184.65"), "万元", None),
        ("yoy_change", "机关运行经费支出", "2.55万元", D("2.55"), "万元", "增加"),
        ("yoy_pct", "机关运行经费支出", "1.40%", D("1.40"), "%", "增加"),
    ]
    assert summary(claims)[-1] == (
        "count",
        "单价100万元（含）以上设备（不含车辆）",
        "2台（套）",
        D("2"),
        "台（套）",
        None,
    )
    assert not [c for c in claims if c.raw == "100万元"]
    first = claims[0].sources["value"]
    assert first.page == 24 and first.bbox[2] > first.bbox[0] and first.bbox[3] > first.bbox[1]


def test_numbered_headings_nest_in_the_order_the_report_uses_them() -> None:
    """1., (1) and ① nest as the document uses them; 一、 and （一） rank fixed and close them all."""
    from extraction.narrative_sections import split_sections

    secs = split_sections(lines("一、部门概况", "（五）部门资金来源及使用情况", "1.资金总体情况", "全年收入合计100万元。",
                                "2.资金收支具体情况", "（1）收入情况：", "收入100万元。", "(3)预算资金管理情况",
                                "①预算管理状况", "按规定编制预算。", "②制度建设及执行状况", "制度健全。",
                                "（六）政府采购情况", "无。", "二、绩效目标", "（1）总目标", "1.具体目标", "完成。"))
    paths = [" > ".join(s.path) for s in secs if s.lines]
    assert paths == [
        "一、部门概况 > （五）部门资金来源及使用情况 > 1.资金总体情况",
        "一、部门概况 > （五）部门资金来源及使用情况 > 2.资金收支具体情况 > （1）收入情况：",
        "一、部门概况 > （五）部门资金来源及使用情况 > 2.资金收支具体情况 > (3)预算资金管理情况 > ①预算管理状况",
        "一、部门概况 > （五）部门资金来源及使用情况 > 2.资金收支具体情况 > (3)预算资金管理情况 > ②制度建设及执行状况",
        "一、部门概况 > （六）政府采购情况",
        "二、绩效目标 > （1）总目标 > 1.具体目标",  # here (1) comes first, so 1. nests beneath it
    ]


def test_the_last_item_of_a_list_in_the_text_is_not_a_heading() -> None:
    """(3)…。 ends the list (1)…；(2)…； it follows; without the full stop, after an open (2) heading, (3) is the next
    heading; a number that does not follow the list's last item is a heading as before."""
    from extraction.narrative_sections import split_sections

    secs = split_sections(lines("（2）项目绩效目标", "2.具体目标", "（1）优化营商环境；", "（2）提升政务服务能力；",
                                "（3）进一步加强疫情防控工作。", "（3）项目组织管理", "1.制度建设", "（1）建章；",
                                "（2）立制；", "（4）项目实施情况", "①前期准备", "（1）招标；", "（2）签约；", "③验收",
                                "通过。"))
    by_path = {" > ".join(s.path): " ".join(x.text for x in s.lines) for s in secs if s.lines}
    assert by_path == {
        "（2）项目绩效目标 > 2.具体目标": "（1）优化营商环境； （2）提升政务服务能力； （3）进一步加强疫情防控工作。",
        "（3）项目组织管理 > 1.制度建设": "（1）建章； （2）立制；",
        "（4）项目实施情况 > ①前期准备": "（1）招标； （2）签约；",
        "（4）项目实施情况 > ③验收": "通过。",
    }
    run = split_sections(lines("（2）项目绩效目标", "（1）优化营商环境；", "（2）提升政务服务能力；", "（3）项目组织管理",
                               "制度健全。"))
    assert [" > ".join(s.path) for s in run if s.lines] == ["（2）项目绩效目标", "（3）项目组织管理"]


def test_a_long_numbered_heading_is_a_list_of_nouns_not_a_sentence() -> None:
    from extraction.classify import heading_level

    assert heading_level("（3）绩效评价原则、依据、评价指标体系、评价方法、评价标准、评价抽样等。") == 4
    assert heading_level("①预算管理状况") == 5 and heading_level("2.资金收支具体情况") == 3
    assert heading_level("3.协助县人民政府领导组织起草或审核以县人民政府、县人民政府办公室名义发布的公文。") is None
    assert heading_level("（1）持续对标国际、国内一流标准，全面优化提升营商环境、政务服务能力、协同机制；") is None
    assert heading_level("(2)一般公共服务支出（类）财政事务（款）行政运行（项）支出100万元，主要用于") is None


def test_an_attachment_of_running_text_is_a_zone_headed_by_its_title() -> None:
    from extraction.narrative_sections import find_zones, narrative_records

    texts = ["附件 2", "部门职能分解及2023年工作完成情况", "2023年，县政府办公室较好地发挥了参谋助手作用。",
             "1、围绕中心、履职尽责", "统筹协调职能全面加强。", "附件 3", "部门整体支出绩效评价共性指标体系框架",
             "附件 4", "寻甸回族彝族自治县人民政府办公室", "2023年部门整体支出绩效评价调查问卷（受益人群）",
             "发放问卷：73 份 收回问卷：70 份 有效问卷：70 份", "附件 5", "2023年项目收入支出决算表"]
    zones = find_zones([(1, (0.0, 20.0 * i, 100.0, 20.0 * i + 12), t) for i, t in enumerate(texts)])
    assert [(z.kind, z.titled, z.start[1] // 20) for z in zones] == [("self_evaluation", True, 1),
                                                                     ("self_evaluation", True, 9)]
    secs = narrative_records(lines(*texts[1:5]), titled=True)
    got = [(" > ".join(s.heading_path), s.text) for s in secs if hasattr(s, "heading_path")]
    assert got == [("部门职能分解及2023年工作完成情况", "2023年，县政府办公室较好地发挥了参谋助手作用。"),
                   ("部门职能分解及2023年工作完成情况 > 1、围绕中心、履职尽责", "统筹协调职能全面加强。")]
    assert narrative_records(lines(texts[6]), titled=True) == []  # a table's title alone: the grid readers have it


def test_a_label_and_its_value_name_the_metric() -> None:
    claims = extract_claims(lines("发放问卷：73 份 收回问卷：70 份 有效问卷：70 份"))
    assert [(c.metric, c.value, c.claim_kind) for c in claims] == [
        ("发放问卷", Decimal(73), "count"), ("收回问卷", Decimal(70), "count"), ("有效问卷", Decimal(70), "count")]


def test_wan_alone_is_wan_yuan_before_punctuation_and_a_multiplier_before_a_word() -> None:
    """国内公务接待支出X万（含外宾接待支出X万元） is a line of the official template: 万 there is 万元."""
    from extraction.narrative import extract_claims

    got = [(c.metric, c.raw, c.value, c.unit, c.amount_yuan)
           for c in extract_claims(lines("国内公务接待支出3.2万（含外宾接待支出0万元），服务群众3万人次，共计1.5亿。"))]
    assert got[:2] == [("国内公务接待支出", "3.2万", Decimal("3.2"), "万元", Decimal("32000")),
                       ("（含外宾接待支出", "0万元", Decimal("0"), "万元", Decimal("0"))]
    assert got[2][1:] == ("1.5亿", Decimal("1.5"), "亿元", Decimal("150000000"))  # 3万人次 is no amount
    assert len(got) == 3
    placeholder = extract_claims(lines("国内公务接待支出XX万（含外宾接待支出XX万元）。"))[0]
    assert placeholder.raw == "XX万" and placeholder.value is None and placeholder.unit == "万元"
    assert [i.code for i in placeholder.issues] == ["placeholder"]
