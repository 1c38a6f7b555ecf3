"""Narrative rules (三公 text vs table, year-on-year arithmetic, one code one amount) and the 总表 class comparison,
on small records built here; the seed 002 anomaly on the real combined document."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pymupdf

from checks.engine import run_checks
from extraction.numbers import to_yuan
from extraction.pipeline import extract_file
from extraction.records import ExtractionResult, NarrativeClaim, Source
from tests.test_checks import doc, row, table

D = Decimal


def claim(kind: str, metric: str, raw: str, value: str, unit: str, sentence: str = "s", page: int = 2,
          direction: str | None = None, zone: str | None = "final_accounts", section: str = "一") -> NarrativeClaim:
    c = NarrativeClaim(claim_kind=kind, sentence=sentence, metric=metric, raw=raw, value=D(value), unit=unit,  # type: ignore[arg-type]
                       amount_yuan=to_yuan(D(value), unit) if unit in ("元", "万元") else None, page=page,
                       direction=direction, zone=zone, section=section)  # type: ignore[arg-type]
    c.sources["value"] = Source(page=page, bbox=(100, 200, 160, 212), raw=raw)
    return c


def with_claims(*records: object) -> ExtractionResult:
    return doc(*records)  # type: ignore[arg-type]


def found(result: ExtractionResult, rule_id: str) -> list[str]:
    return [f"{f.severity}:{f.message}" for f in run_checks(result) if f.rule_id == rule_id]


def sangong_table() -> object:
    return table("一般公共预算财政拨款“三公”经费支出决算表", [row("", **{
        "合计/预算数": "12.00", "合计/决算数": "10.00", "因公出国（境）费/决算数": "1.00",
        "公务用车购置及运行维护费/小计/决算数": "6.00", "公务用车购置及运行维护费/公务用车购置费/决算数": "2.00",
        "公务用车购置及运行维护费/公务用车运行维护费/决算数": "4.00", "公务接待费/决算数": "3.00"})])


def test_fa074_sangong_text_against_the_table() -> None:
    t = sangong_table()
    ok = [claim("total", "“三公”经费支出决算", "10.00万元", "10.00", "万元"),
          claim("total", "“三公”经费支出预算", "12万元", "12", "万元"),
          claim("total", "公务接待费", "30,000.00元", "30000.00", "元")]
    assert found(with_claims(t, *ok), "FA-074") == []
    bad = [claim("total", "本年度三公经费总支出", "110,000.00元", "110000.00", "元", zone="self_evaluation"),
           claim("total", "公务用车运行维护费", "5.00万元", "5.00", "万元")]
    msgs = found(with_claims(t, *bad), "FA-074")
    assert len(msgs) == 2 and all(m.startswith("error:") for m in msgs)
    assert "110,000.00元" in msgs[0] and "10.00万元" in msgs[0] and "4.00" in msgs[1]


def test_fa075_year_on_year_arithmetic_and_direction() -> None:
    s = "三公经费1,400,987.54元，较上年减少960,031.26元，下降40.66%"
    base = [claim("total", "三公经费", "1,400,987.54元", "1400987.54", "元", s),
            claim("yoy_change", "三公经费", "960,031.26元", "960031.26", "元", s, direction="减少")]
    assert found(with_claims(*base, claim("yoy_pct", "三公经费", "40.66%", "40.66", "%", s, direction="减少")),
                 "FA-075") == []
    wrong = found(with_claims(*base, claim("yoy_pct", "三公经费", "68.53%", "68.53", "%", s, direction="减少")), "FA-075")
    assert len(wrong) == 1 and "40.66%" in wrong[0] and "2,361,018.80" in wrong[0] and "68.53%" in wrong[0]
    flipped = found(with_claims(*base, claim("yoy_pct", "三公经费", "40.66%", "40.66", "%", s, direction="增加")), "FA-075")
    assert len(flipped) == 1 and "减少" in flipped[0] and "增加" in flipped[0]
    rounded = [claim("total", "x", "110万元", "110", "万元", "t"),
               claim("yoy_change", "x", "10万元", "10", "万元", "t", direction="增加"),
               claim("yoy_pct", "x", "10.2%", "10.2", "%", "t", direction="增加")]
    assert found(with_claims(*rounded), "FA-075") == []  # 10/100 with amounts printed to the unit: 9.5 … 10.6


def test_fa076_one_code_one_amount_in_text_and_table() -> None:
    a = claim("total", "政府办公厅（室）及相关机构事务支出20103款支出", "1,470.37万元", "1470.37", "万元", page=10)
    b = claim("total", "政府办公厅（室）及相关机构事务支出20103款支出", "1,470.38万元", "1470.38", "万元", page=14)
    same = claim("total", "政府办公厅（室）及相关机构事务支出20103款支出", "1,470.37万元", "1470.37", "万元", page=14)
    assert found(with_claims(a, same), "FA-076") == []
    msgs = found(with_claims(a, b), "FA-076")
    assert len(msgs) == 1 and "1,470.37万元" in msgs[0] and "1,470.38万元" in msgs[0] and "第14页" in msgs[0]
    spend = table("支出决算表", [row("政府办公厅（室）及相关机构事务", code="20103", 本年支出合计="1470.40")])
    msgs = found(with_claims(spend, a), "FA-076")
    assert msgs == ["error:情况说明称政府办公厅（室）及相关机构事务支出20103款支出1,470.37万元，支出决算表科目20103为1,470.40万元"]


def test_fa070_reads_only_final_accounts_text() -> None:
    spend = table("支出决算表", [row("合计", 本年支出合计="100.00", 基本支出="60.00", 项目支出="40.00")])
    budget_text = claim("total", "基本支出", "70.00万元", "70.00", "万元", zone="self_evaluation")
    assert found(with_claims(spend, budget_text), "FA-070") == []
    assert len(found(with_claims(spend, claim("total", "基本支出", "70.00万元", "70.00", "万元")), "FA-070")) == 1


def test_fa071_share_base_is_the_whole_it_belongs_to() -> None:
    s = "2024年全年预算收入总额100.00万元（其中：财政拨款100.00万元，占比100%），2023年全年预算收入总额200.00万元（其中：财政拨款150.00万元，占比75.00%"
    cs = [claim("total", "全年预算收入总额", "100.00万元", "100.00", "万元", s),
          claim("total", "财政拨款", "100.00万元", "100.00", "万元", s), claim("share", "财政拨款", "100%", "100", "%", s),
          claim("total", "全年预算收入总额", "200.00万元", "200.00", "万元", s),
          claim("total", "财政拨款", "150.00万元", "150.00", "万元", s)]
    assert found(with_claims(*cs, claim("share", "财政拨款", "75.00%", "75.00", "%", s)), "FA-071") == []
    assert len(found(with_claims(*cs, claim("share", "财政拨款", "80.00%", "80.00", "%", s)), "FA-071")) == 1


def test_fa042_classes_of_the_two_overviews() -> None:
    def overviews(fiscal_class: str) -> ExtractionResult:
        ov = table("收入支出决算总表", [row("本年收入合计", "收入", 决算数="100.00"),
                                    row("一、一般公共服务支出", "支出", 决算数="90.00"), row("总计", "支出", 决算数="100.00")])
        fo = table("财政拨款收入支出决算总表", [row("本年收入合计", "收入", 决算数="100.00"),
                                        row("一般公共服务支出", "支出", 合计=fiscal_class), row("总计", "支出", 合计="100.00")])
        return doc(ov, fo)

    assert found(overviews("90.00"), "FA-042") == []
    msgs = found(overviews("87.00"), "FA-042")
    assert len(msgs) == 1 and "一般公共服务支出" in msgs[0] and "90.00" in msgs[0] and "87.00" in msgs[0]


def test_fingerprints_survive_a_shift_in_record_order() -> None:
    s = "三公经费1,400,987.54元，较上年减少960,031.26元，下降68.53%"
    cs = [claim("total", "三公经费", "1,400,987.54元", "1400987.54", "元", s),
          claim("yoy_change", "三公经费", "960,031.26元", "960031.26", "元", s, direction="减少"),
          claim("yoy_pct", "三公经费", "68.53%", "68.53", "%", s, direction="减少")]
    first = [f.fingerprint for f in run_checks(with_claims(*cs)) if f.rule_id == "FA-075"]
    shifted = [f.fingerprint for f in run_checks(with_claims(table("收入决算表", []), *cs)) if f.rule_id == "FA-075"]
    assert first and first == shifted


def test_seed002_sangong_in_the_self_evaluation_vs_the_tables(rendered_fixtures: dict, tmp_path: Path) -> None:
    """Seed 002 is one document: its 决算公开 tables and its 部门整体自评 text. Put the two renders back together."""
    out = pymupdf.open()
    for key in (("seed002_fa", "yuan"), ("seed002_se", "original")):
        with pymupdf.open(rendered_fixtures[key][0]) as part:
            out.insert_pdf(part)
    out.save(tmp_path / "seed002.pdf")
    findings = run_checks(extract_file(tmp_path / "seed002.pdf"))
    msgs = [f.message for f in findings if f.rule_id == "FA-074"]
    assert any("1,400,987.54" in m and "1,301,809.72" in m for m in msgs), msgs
    assert not [f for f in findings if f.rule_id == "FA-070"]  # the report's budget figures are not 决算
    assert any("26,103,420.59" in f.message and "26,071,780.59" in f.message for f in findings if f.rule_id == "FA-042")


def test_fa043_fiscal_part_not_above_the_total_and_unit_slips() -> None:
    def pair(fiscal: str, fiscal_unit: str = "万元") -> ExtractionResult:
        total = table("支出决算表", [row("行政运行", code="2010301", 本年支出合计="100.00")])
        part = table("一般公共预算财政拨款支出决算表", [row("行政运行", code="2010301", 合计=fiscal)])
        part.unit = fiscal_unit  # type: ignore[assignment]
        return doc(total, part)

    assert found(pair("90.00"), "FA-043") == [] and found(pair("900000.00", "元"), "FA-043") == []
    [bigger] = found(pair("120.00"), "FA-043")
    assert bigger.startswith("error:") and "120.00" in bigger and "不应大于" in bigger
    [slip] = found(pair("100.00", "元"), "FA-043")  # same digits, one table says 元
    assert "元与万元" in slip


def test_cross_table_rules_compare_in_one_unit() -> None:
    ov = table("收入支出决算总表", [row("一般公共服务支出", "支出", 决算数="90.00")])
    ex = table("支出决算表", [row("一般公共服务支出", code="201", 本年支出合计="900000.00")])
    ex.unit = "元"
    assert found(doc(ov, ex), "FA-040") == []
    ex.rows[0].cells["本年支出合计"] = D("90.00")  # the digits of 万元 under a 元 header
    [slip] = found(doc(ov, ex), "FA-040")
    assert slip.startswith("error:") and "元与万元" in slip
    ex.rows[0].cells["本年支出合计"] = D("950000.00")
    [gap] = found(doc(ov, ex), "FA-040")
    assert "95.00" not in gap and "950,000.00元" in gap and "元与万元" not in gap


def test_fa071_names_shares_forced_to_one_hundred() -> None:
    s = "财政拨款支出100.00万元，其中：甲支出60.00万元，占60.10%；乙支出40.00万元，占39.90%"
    cs = [claim("total", "财政拨款支出合计", "100.00万元", "100.00", "万元", s),
          claim("total", "甲支出", "60.00万元", "60.00", "万元", s), claim("share", "甲支出", "60.10%", "60.10", "%", s),
          claim("total", "乙支出", "40.00万元", "40.00", "万元", s), claim("share", "乙支出", "39.90%", "39.90", "%", s)]
    msgs = found(with_claims(*cs), "FA-071")
    assert len(msgs) == 2 and all("恰为100%" in m for m in msgs)
