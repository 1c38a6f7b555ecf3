"""Boilerplate rules BP-001..004 against an in-memory corpus (tests/corpus_fakes.py): each fires where it must and
stays quiet where it must not. "Ours" is the 000 self-evaluation (西山区政府办 2024) or the 普陀区财政局 final
accounts; the other reports are cut from the same records with another department, year or wording."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from checks.engine import Config, load_config, run_checks
from checks.model import Finding
from eval.runner import load_gold
from extraction.records import (
    AnyRecord,
    DeptSelfEvaluation,
    Document,
    ExtractionResult,
    ProjectSelfEvaluation,
    ReportSection,
    Source,
)
from tests.corpus_fakes import FakeCorpus

FIXTURES = Path(__file__).resolve().parents[1] / "eval" / "fixtures"
XISHAN = "昆明市西山区人民政府办公室"
WUHUA = "昆明市五华区人民政府办公室"


@cache
def _seed() -> ExtractionResult:
    return ExtractionResult.model_validate_json((FIXTURES / "seed000_se" / "expected-original.json").read_text("utf-8"))


@cache
def _putuo() -> ExtractionResult:
    return load_gold(FIXTURES / "real_putuo")[1]


def ours() -> ExtractionResult:
    d = _seed().document.model_copy(update={"id": "ours", "file_name": "西山区2024.pdf"})
    return _seed().model_copy(update={"document": d})


def report(doc_id: str, records: list[AnyRecord], department: str | None = WUHUA, year: int | None = 2024,
           region: str | None = None) -> ExtractionResult:
    doc = Document(id=doc_id, file_name=f"{doc_id}.pdf", department=department, region=region, fiscal_year=year)
    return ExtractionResult(document=doc, records=records)


def form(name: str, **update: object) -> ProjectSelfEvaluation:
    rec = next(r for r in _seed().records if isinstance(r, ProjectSelfEvaluation) and r.project_name == name)
    return rec.model_copy(update=update)


def section(prefix: str, text: str | None = None, heading: str | None = None) -> ReportSection:
    rec = next(r for r in _seed().records if isinstance(r, ReportSection) and r.heading_path[-1].startswith(prefix))
    src = Source(page=2, bbox=(50.0, 100.0, 540.0, 160.0), raw=(text or rec.text)[:40])
    return rec.model_copy(update={"text": text or rec.text, "sources": {"text": src},
                                  "heading_path": [heading] if heading else rec.heading_path})


def bp(res: ExtractionResult, *others: ExtractionResult, config: Config | None = None) -> list[Finding]:
    return [f for f in run_checks(res, config, corpus=FakeCorpus(others)) if f.rule_id.startswith("BP-")]


def ids(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.rule_id, f.evidence[0].record + "." + f.evidence[0].path) for f in findings)


def config(**rules: Mapping[str, object]) -> Config:
    c = load_config()
    for rid, conf in rules.items():
        c.rules[rid] = {**c.rules.get(rid, {}), **conf}
    return c


GENERIC = ("注重绩效自评结果应用，对照绩效评价工作中发现的问题提出整改意见，进一步完善预算管理机制，增强支出责任，"
           "规范资金使用，强化资金管理水平，提升资金使用效率。")


# -- wiring ---------------------------------------------------------------------------------------------------------

def test_without_a_corpus_the_bp_rules_say_nothing() -> None:
    copy = report("o1", [form("车辆购置专项经费")])
    assert not [f for f in run_checks(ours()) if f.rule_id.startswith("BP-")]
    assert bp(ours()) == [] and bp(copy) == []  # an empty corpus: nothing to compare with


def test_one_batched_query_per_passage_group_never_one_per_passage() -> None:
    corpus = FakeCorpus([report("o1", [form("车辆购置专项经费")])])
    run_checks(ours(), corpus=corpus)
    assert len(corpus.calls) == 2  # narrative text (BP-004, BP-003, BP-001 share it), indicator sets (BP-002)
    assert all(c.n_texts > 1 and c.exclude_document == "ours" for c in corpus.calls)
    assert {c.kinds for c in corpus.calls} == {("indicator_set",), (
        "goal_text", "result_text", "deviation_note", "section", "paragraph")}


def plain(record: str) -> str:
    """An other-report evidence record without its document id: other:{file name}:{record}."""
    return "other:" + record.split(":", 2)[2] if record.startswith("other:") else record


# -- BP-001 -----------------------------------------------------------------------------------------------------------

def test_bp001_a_goal_copied_from_another_department() -> None:
    goal = form("车辆购置专项经费").goal_text or ""
    other = report("o1", [form("差旅经费", project_name="公务用车运行经费", goal_text=goal.replace("9辆", "9台"),
                               result_text="完成。", indicators=[])])
    fs = bp(ours(), other)
    assert ids(fs) == [("BP-001", "form[32]:车辆购置专项经费.goal_text")]
    f = fs[0]
    assert f.severity == "warning" and WUHUA in f.message and "2024年度" in f.message and "o1.pdf" in f.message
    assert "另一部门" in f.message and "相似度" in f.message
    mine, theirs = f.evidence
    assert mine.path == "goal_text" and mine.quote.startswith("根据市财政")
    assert plain(theirs.record) == "other:o1.pdf:form[0]:公务用车运行经费" and theirs.path == "goal_text"
    assert theirs.page is not None


def test_bp001_same_wording_with_other_figures_is_still_a_copy() -> None:
    result = form("安防服务人员项目经费").result_text or ""
    changed = result.replace("52名", "48名").replace("10名", "12名")
    other = report("o1", [form("安防服务人员项目经费", result_text=changed, goal_text="另写的年度目标，内容与本单位无关。",
                               indicators=[])], department=XISHAN, year=2023)
    fs = bp(ours(), other)
    assert ids(fs) == [("BP-001", "form[38]:安防服务人员项目经费.result_text")]
    assert "数字不同、文字相同" in fs[0].message and "本部门往年" in fs[0].message


def test_bp001_quiet_for_the_same_department_and_year_rewritten_or_short_text() -> None:
    same = report("o1", [form("车辆购置专项经费")], department=XISHAN, year=2024)  # the form published twice
    rewritten = report("o2", [form("车辆购置专项经费", goal_text="购置新能源公务用车两辆，替换报废车辆，保障应急值守用车需求。",
                                   result_text="完成采购并投入使用。")])
    assert not [f for f in bp(ours(), same, rewritten) if f.rule_id == "BP-001"]
    brief = "已完成，已验收，已支付。"  # 9 characters without punctuation: says nothing about copying
    mine = report("ours", [form("差旅经费", result_text=brief, goal_text=None, indicators=[])], department=XISHAN)
    assert bp(mine, report("o3", [form("差旅经费", result_text=brief, goal_text=None, indicators=[])])) == []


def test_bp001_unknown_department_and_year_is_never_called_a_copy() -> None:
    anonymous = report("o1", [form("车辆购置专项经费")], department=None, year=None)
    assert bp(ours(), anonymous) == []


def test_bp001_one_finding_per_passage_with_the_best_match() -> None:
    goal = form("政府采购专项经费").goal_text or ""
    near = report("o1", [form("差旅经费", goal_text=goal.replace("严格执行", "认真执行"))])
    exact = report("o2", [form("差旅经费", goal_text=goal)], department="昆明市官渡区人民政府办公室")
    fs = [f for f in bp(ours(), near, exact) if f.evidence[0].record.startswith("form[37]")]
    assert len(fs) == 1 and plain(fs[0].evidence[1].record).startswith("other:o2.pdf:") and "1.00" in fs[0].message


def test_bp001_a_copied_section_is_one_finding_a_copied_paragraph_is_its_own() -> None:
    two = "本单位坚持问题导向，逐项梳理绩效目标完成情况，形成问题清单。\n" + GENERIC.replace("注重", "高度重视")
    own = "一、坚持统筹协调，各科室分工负责，按月调度项目进度，及时解决执行中发现的问题，形成工作合力。\n"
    mine = report("ours", [section("六、主要经验", text=two), section("七、其他", text=own + two.split("\n")[1])],
                  department=XISHAN)
    other = report("o1", [section("六、主要经验", text=two)])
    fs = bp(mine, other)
    assert ids(fs) == [("BP-001", "section[0]:六、主要经验及做法.text"), ("BP-001", "section[1]:七、其他需说明的情况.text#p1")]


def test_bp001_standard_text_and_a_filled_in_template_are_not_copies() -> None:
    def renumber(r: AnyRecord) -> AnyRecord:
        if not isinstance(r, ReportSection):
            return r
        text = re.sub(r"\d+\.\d+", lambda m: f"{float(m.group()) * 1.37 + 1:.2f}", r.text)
        return r.model_copy(update={"text": text.replace("普陀区财政局", "普陀区民政局")})

    mine = _putuo().model_copy(update={"document": _putuo().document.model_copy(update={"id": "ours"})})
    template_only = [renumber(r) for r in _putuo().records if isinstance(r, ReportSection)
                     and r.heading_path[-1][:2] in ("二、", "三、", "六、", "七、", "八、", "九、")]
    glossary = [ReportSection(heading_path=["十二、名词解释"], text="财政拨款收入：指本年度从本级财政部门取得的财政拨款。"
                              "事业收入：指事业单位开展专业业务活动及其辅助活动取得的收入。")]
    mine = mine.model_copy(update={"records": [*mine.records, *glossary]})
    other = report("mz", [*template_only, *glossary], department="上海市普陀区民政局")
    assert bp(mine, other) == []
    same_reason = report("mz", [renumber(r) for r in _putuo().records if isinstance(r, ReportSection)
                                and r.heading_path[-1].startswith("一、")], department="上海市普陀区民政局")
    fs = bp(mine, same_reason)  # the reason (主要原因) is the department's own text: copied, it is a copy
    assert ("BP-001", "section[108]:一、收入支出决算总体情况说明.text") in ids(fs)


# -- BP-002 -----------------------------------------------------------------------------------------------------------

def test_bp002_indicator_set_copied_from_another_project() -> None:
    inds = [x.model_copy(update={"target": "2" if x.target == "1" else x.target})
            for x in form("车辆购置专项经费").indicators]
    other = report("o1", [form("差旅经费", project_name="春节走访慰问经费", indicators=inds,
                               goal_text="走访慰问困难群众。", result_text="完成走访。")])
    fs = bp(ours(), other)
    assert ids(fs) == [("BP-002", "form[32]:车辆购置专项经费.indicators")]
    assert "另一项目“春节走访慰问经费”" in fs[0].message and "5项" in fs[0].message
    assert plain(fs[0].evidence[1].record) == "other:o1.pdf:form[0]:春节走访慰问经费"


def test_bp002_the_same_project_copied_from_last_year() -> None:
    last = report("o1", [form("党建活动经费", goal_text="上年目标。", result_text="上年完成。")], department=XISHAN,
                  year=2023)
    fs = bp(ours(), last)
    assert ids(fs) == [("BP-002", "form[35]:党建活动经费.indicators")]
    assert "同一项目2023年度" in fs[0].message and "指标值也相同" in fs[0].message


def test_bp002_quiet_for_the_same_form_twice_and_other_sets() -> None:
    twice = report("o1", [form("党建活动经费")], department=XISHAN, year=2024)
    other_set = report("o2", [form("差旅经费", project_name="另一项目", goal_text="另写。", result_text="另写。",
                                   indicators=form("车辆购置专项经费").indicators[:2] + form("党建活动经费").indicators[:3])])
    assert not [f for f in bp(ours(), twice, other_set) if f.rule_id == "BP-002"]


def test_bp002_department_forms_compare_with_department_forms_only() -> None:
    dept = next(r for r in _seed().records if isinstance(r, DeptSelfEvaluation))
    copied = report("o3", [dept.model_copy(update={"goal_text": "另一部门的目标。"})], department=WUHUA)
    fs = [f for f in bp(ours(), copied) if f.rule_id == "BP-002"]
    assert ids(fs) == [("BP-002", f"form[28]:{XISHAN}.indicators")] and "另一部门的部门整体自评表" in fs[0].message
    as_project = report("o4", [form("差旅经费", project_name="综合保障经费", goal_text="另写。", result_text="另写。",
                                    indicators=dept.indicators)])
    assert not [f for f in bp(ours(), as_project) if f.rule_id == "BP-002"]


# -- BP-003 -----------------------------------------------------------------------------------------------------------

def _last_year(*records: AnyRecord, year: int = 2023) -> ExtractionResult:
    return report(f"xs{year}", list(records), department=XISHAN, year=year)


def test_bp003_problems_section_unchanged_from_last_year() -> None:
    fs = bp(ours(), _last_year(section("四、存在的问题")))
    assert ids(fs) == [("BP-003", "section[24]:四、存在的问题和整改情况.text")]
    assert "2023年度" in fs[0].message and "几乎未变" in fs[0].message
    assert plain(fs[0].evidence[1].record) == "other:xs2023.pdf:section[0]:四、存在的问题和整改情况"
    assert fs[0].evidence[1].bbox == (50.0, 100.0, 540.0, 160.0)


def test_bp003_only_figures_updated_still_unchanged() -> None:
    mine = _putuo().model_copy(update={"document": _putuo().document.model_copy(update={"id": "ours"})})
    first = next(r for r in _putuo().records if isinstance(r, ReportSection) and r.heading_path[-1].startswith("一、"))
    last = first.model_copy(update={"text": first.text.replace("2995.39", "3052.34").replace("56.95", "20.10")})
    fs = bp(mine, report("p23", [last], department="上海市普陀区财政局", year=2023))
    assert ids(fs) == [("BP-003", "section[108]:一、收入支出决算总体情况说明.text"),  # and 四 repeats the same reason
                       ("BP-003", "section[111]:四、财政拨款收入支出决算总体情况说明.text")]
    assert "除数字外几乎未变" in fs[0].message


def test_bp003_quiet_for_rewritten_older_or_standard_sections() -> None:
    rewritten = _last_year(section("四、存在的问题", text="部分项目绩效目标设置不够细化，个别指标难以量化考核，下一步将加强培训。"))
    profile = _last_year(section("（一）部门概况"))  # the mandate is quoted from the 三定方案: rightly the same
    assert bp(ours(), rewritten, profile) == []
    older = _last_year(section("四、存在的问题"), year=2022)
    assert ids(bp(ours(), older)) == [("BP-001", "section[24]:四、存在的问题和整改情况.text")]  # a copy, not last year's
    fs = bp(ours(), older, config=config(**{"BP-003": {"max_years_back": 2}}))
    assert ids(fs) == [("BP-003", "section[24]:四、存在的问题和整改情况.text")]


def test_bp003_a_paragraph_kept_from_last_year() -> None:
    kept = "部分项目前期论证不充分，预算编制与实际执行存在差距，个别项目资金执行进度缓慢。"
    mine = report("ours", [section("四、存在的问题", text=kept + "\n本年新增问题：档案管理不够规范，资料归集不及时。")],
                  department=XISHAN)
    last = _last_year(section("四、存在的问题", text=kept + "\n上年的另一问题：内控制度执行不到位，审批流程不完善。"))
    assert ids(bp(mine, last)) == [("BP-003", "section[0]:四、存在的问题和整改情况.text#p0")]


def test_bp003_and_bp001_on_one_passage_each_with_its_counterpart() -> None:
    fs = bp(ours(), _last_year(section("四、存在的问题")), report("o1", [section("四、存在的问题")]))
    assert ids(fs) == [("BP-001", "section[24]:四、存在的问题和整改情况.text"),
                       ("BP-003", "section[24]:四、存在的问题和整改情况.text")]
    assert {f.rule_id: plain(f.evidence[1].record).split(":")[1] for f in fs} == {"BP-001": "o1.pdf", "BP-003": "xs2023.pdf"}


def test_bp004_takes_precedence_over_bp003() -> None:
    others = [report(f"d{n}", [section("五、绩效自评结果应用")], department=f"部门{n}") for n in range(2)]
    fs = bp(ours(), _last_year(section("五、绩效自评结果应用")), *others)
    assert ids(fs) == [("BP-004", "section[25]:五、绩效自评结果应用情况.text")]


# -- BP-004 -----------------------------------------------------------------------------------------------------------

def test_bp004_generic_text_in_many_reports_is_reported_once() -> None:
    others = [report(f"d{n}", [section("五、绩效自评结果应用", heading="六、结果应用")], department=f"部门{n}")
              for n in range(3)]
    fs = bp(ours(), *others)
    assert ids(fs) == [("BP-004", "section[25]:五、绩效自评结果应用情况.text")]
    f = fs[0]
    assert f.severity == "info" and "另外3份报告" in f.message and "4个部门" in f.message and "进一步" in f.message
    assert len(f.evidence) == 4 and all(plain(e.record).startswith("other:d") for e in f.evidence[1:])


def test_bp004_a_generic_goal_is_a_warning() -> None:
    goal = form("党建活动经费").goal_text  # 加强、夯实、推动、持续、强化、提高: stock words all the way
    others = [report(f"d{n}", [form("差旅经费", project_name=f"项目{n}", goal_text=goal, indicators=[],
                                   result_text=f"第{n}项。")], department=f"部门{n}") for n in range(3)]
    fs = bp(ours(), *others)
    assert ids(fs) == [("BP-004", "form[35]:党建活动经费.goal_text")]
    assert fs[0].severity == "warning"


def test_bp004_quiet_when_not_widespread_or_measurable_bp001_reports_instead() -> None:
    one = report("d1", [section("五、绩效自评结果应用")], department="部门1")  # two departments in all
    assert [f.rule_id for f in bp(ours(), one)] == ["BP-001"]
    own = [_last_year(section("五、绩效自评结果应用"), year=y) for y in (2019, 2020, 2021)]  # one department only
    assert [f.rule_id for f in bp(ours(), *own)] == ["BP-001"]
    measurable = [report(f"d{n}", [section("四、存在的问题", text=section("（三）部门整体收支").text)],
                         department=f"部门{n}") for n in range(3)]
    assert {f.rule_id for f in bp(ours(), *measurable)} == {"BP-001"}


def test_bp004_switched_off_leaves_the_passage_to_bp001() -> None:
    others = [report(f"d{n}", [section("五、绩效自评结果应用")], department=f"部门{n}") for n in range(3)]
    fs = bp(ours(), *others, config=config(**{"BP-004": {"enabled": False}}))
    assert ids(fs) == [("BP-001", "section[25]:五、绩效自评结果应用情况.text")]


# -- findings ---------------------------------------------------------------------------------------------------------

def test_fingerprints_are_stable_and_findings_capped() -> None:
    copy = report("o1", [form(n) for n in ("车辆购置专项经费", "党建活动经费", "政府采购专项经费")])
    first, again = bp(ours(), copy), bp(ours(), copy)
    assert [f.fingerprint for f in first] == [f.fingerprint for f in again]
    assert len({f.fingerprint for f in first}) == len(first)
    capped = [f for f in bp(ours(), copy, config=config(**{"BP-001": {"max_findings": 2}})) if f.rule_id == "BP-001"]
    assert len(capped) == 2 and "另有" in capped[-1].message


def test_same_department_with_and_without_the_province_in_the_region() -> None:
    from checks.boilerplate import same_department
    from extraction.passages import Passage

    def p(region: str | None, dept: str = "昆明市西山区人民政府办公室") -> Passage:
        return Passage(id="x", document_id="d", department=dept, region=region, kind="section", text="t")

    assert same_department(p("昆明市西山区"), p("云南省昆明市西山区"))
    assert same_department(p(None), p("云南省昆明市西山区"))
    assert not same_department(p("昆明市五华区"), p("云南省昆明市西山区"))
    assert not same_department(p("昆明市西山区", "曲靖市人民政府办公室"), p("昆明市西山区"))
