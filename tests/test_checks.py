"""Rules on small records built here: each fires where it must and stays quiet where it must not."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pymupdf
import pytest

from checks.engine import load_config, risk_score, run_checks
from checks.registry import REGISTRY
from extraction.errors import ConfigError
from extraction.pipeline import extract_file
from extraction.records import STD_NAMES, Document, ExtractionResult, FinalAccountsRow, FinalAccountsTable, Source

D = Decimal


def row(label: str, section: str | None = None, code: str | None = None, **cells: str | None) -> FinalAccountsRow:
    return FinalAccountsRow(section=section, code=code, label=label,
                            cells={k: (D(v) if v is not None else None) for k, v in cells.items()})


def table(std: str, rows: list[FinalAccountsRow]) -> FinalAccountsTable:
    t = FinalAccountsTable(std_name=std, title=std, unit="万元", pages=[1], rows=rows)
    for i, r in enumerate(rows):
        for col in r.cells:
            t.sources[f"rows[{i}].cells.{col}"] = Source(page=1, bbox=(10, 10 + i * 12, 60, 20 + i * 12),
                                                         raw=str(r.cells[col]))
    return t


def doc(*tables: FinalAccountsTable) -> ExtractionResult:
    return ExtractionResult(document=Document(id="d1", file_name="x.pdf"), records=list(tables))


def overview(income_total: str = "110.00", spend_total: str = "110.00") -> FinalAccountsTable:
    return table("收入支出决算总表", [
        row("本年收入合计", "收入", 决算数="100.00"), row("使用非财政拨款结余", "收入", 决算数=None),
        row("年初结转和结余", "收入", 决算数="10.00"), row("总计", "收入", 决算数=income_total),
        row("本年支出合计", "支出", 决算数="105.00"), row("结余分配", "支出", 决算数=None),
        row("年末结转和结余", "支出", 决算数="5.00"), row("总计", "支出", 决算数=spend_total)])


def ids(result: ExtractionResult, rule: str) -> list[str]:
    return [f.severity for f in run_checks(result) if f.rule_id == rule]


def test_fa010_quiet_when_balanced() -> None:
    assert ids(doc(overview()), "FA-010") == []


def test_fa010_fires_with_numbers() -> None:
    fs = [f for f in run_checks(doc(overview(income_total="111.00"))) if f.rule_id == "FA-010"]
    assert [f.severity for f in fs] == ["error", "error"]
    assert "111.00" in fs[0].message and "110.00" in fs[0].message and "1.00" in fs[0].message
    assert "收入总计111.00与支出总计110.00不相等" in fs[1].message.replace(",", "")


def test_fa010_rounding_is_info() -> None:
    fs = [f for f in run_checks(doc(overview(income_total="110.01", spend_total="110.01"))) if f.rule_id == "FA-010"]
    assert {f.severity for f in fs} == {"info"} and "四舍五入" in fs[0].message


def classified(total: str, class_value: str, items: tuple[str, str]) -> FinalAccountsTable:
    return table("支出决算表", [row("合计", 本年支出合计=total), row("一般公共服务支出", code="201", 本年支出合计=class_value),
                                row("财政事务", code="20106", 本年支出合计=class_value),
                                row("行政运行", code="2010601", 本年支出合计=items[0]),
                                row("一般行政管理事务", code="2010602", 本年支出合计=items[1])])


def test_fa020_quiet_when_sums_hold() -> None:
    assert ids(doc(classified("30.00", "30.00", ("10.00", "20.00"))), "FA-020") == []


def test_fa020_fires_on_a_broken_kuan() -> None:
    fs = [f for f in run_checks(doc(classified("30.00", "30.00", ("10.00", "25.00")))) if f.rule_id == "FA-020"]
    assert len(fs) == 1 and fs[0].severity == "error" and "20106" in fs[0].message
    assert fs[0].expected == "35.00" and fs[0].found == "30.00"
    assert len(fs[0].evidence) == 3 and fs[0].evidence[0].path == "rows[2].cells.本年支出合计"


def test_fa001_missing_tables_and_silent_empty_table() -> None:
    present = [table(n, [row("合计", 金额="1.00")]) for n in STD_NAMES[:-1]]
    present.append(table(STD_NAMES[-1], [row("合计", 金额=None)]))
    fs = [f for f in run_checks(doc(*present)) if f.rule_id == "FA-001"]
    assert [(f.severity, f.found) for f in fs] == [("info", "空表无说明")]
    fs = [f for f in run_checks(doc(*present[:3])) if f.rule_id == "FA-001"]
    assert len(fs) == 6 and all(f.found == "缺失" for f in fs)
    present[-1].empty_statement = "本表无数据"
    assert ids(doc(*present), "FA-001") == []


def test_fingerprints_are_stable_and_distinct() -> None:
    a = run_checks(doc(overview(income_total="111.00")))
    b = run_checks(doc(overview(income_total="112.00")))
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]
    assert len({f.fingerprint for f in a}) == len(a)


def test_config_overrides_and_unknown_rules(tmp_path: Path) -> None:
    cfg = tmp_path / "rules.yaml"
    cfg.write_text("rules:\n  FA-010: {enabled: false}\n  FA-020: {severity: warning}\n", encoding="utf-8")
    config = load_config(cfg)
    res = doc(overview(income_total="111.00"), classified("30.00", "30.00", ("10.00", "25.00")))
    fs = run_checks(res, config)
    assert {f.rule_id for f in fs} == {"FA-001", "FA-020"}
    assert {f.severity for f in fs if f.rule_id == "FA-020"} == {"warning"}
    assert risk_score(fs, config) == 3 * sum(f.severity == "warning" for f in fs)
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  XX-999: {enabled: false}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown rule XX-999"):
        load_config(bad)


def test_every_rule_has_metadata() -> None:
    for r in REGISTRY.values():
        assert r.id and r.title and r.family and r.explanation and r.severity in ("error", "warning", "info")


def test_evidence_points_at_the_compared_numbers(rendered_fixtures: dict) -> None:
    pdf, _ = rendered_fixtures[("seed004_fa", "printed")]
    fs = [f for f in run_checks(extract_file(pdf)) if f.rule_id in ("FA-010", "FA-020")]
    assert fs
    with pymupdf.open(pdf) as d:
        for f in fs:
            for e in f.evidence:
                if e.bbox is None or not e.quote:
                    continue
                words = d[e.page - 1].get_text("words", clip=pymupdf.Rect(e.bbox) + (-1, -1, 1, 1))
                assert "".join(e.quote.split()) in "".join(w[4] for w in words), (f.rule_id, e)


def _cross(ov_value: str, ex_value: str) -> ExtractionResult:
    ov = table("收入支出决算总表", [row("一、一般公共服务支出", "支出", 决算数=ov_value)])
    ex = table("支出决算表", [row("合计", 本年支出合计=ex_value), row("一般公共服务支出", code="201", 本年支出合计=ex_value)])
    return doc(ov, ex)


def test_fa040_same_class_same_amount() -> None:
    assert ids(_cross("10.00", "10.00"), "FA-040") == []
    fs = [f for f in run_checks(_cross("12.00", "10.00")) if f.rule_id == "FA-040"]
    assert [f.severity for f in fs] == ["error"] and "201一般公共服务支出" in fs[0].message
    assert ids(_cross("10.01", "10.00"), "FA-040") == ["info"]  # a 尾差 of one last digit


def _totals(ov_carry: str, fo_carry: str) -> ExtractionResult:
    ov = table("收入支出决算总表", [row("本年收入合计", "收入", 决算数="100.00"), row("年初结转和结余", "收入", 决算数=ov_carry)])
    fo = table("财政拨款收入支出决算总表", [row("本年收入合计", "收入", 决算数="100.00"),
                                    row("年初财政拨款结转和结余", "收入", 决算数=fo_carry)])
    return doc(ov, fo)


def test_fa042_carryover_differs_when_all_income_is_fiscal() -> None:
    assert ids(_totals("11.59", "11.59"), "FA-042") == []
    fs = [f for f in run_checks(_totals("11.59", "10.59")) if f.rule_id == "FA-042"]
    assert [f.severity for f in fs] == ["warning"] and "11.59" in fs[0].message and "10.59" in fs[0].message


def test_fa041_fiscal_overview_vs_general_budget_table() -> None:
    def res(fo_value: str) -> ExtractionResult:
        fo = table("财政拨款收入支出决算总表", [row("一、一般公共服务支出", "支出", 合计=fo_value, 一般公共预算财政拨款=fo_value)])
        gp = table("一般公共预算财政拨款支出决算表", [row("一般公共服务支出", code="201", 合计="8.00")])
        return doc(fo, gp)

    assert ids(res("8.00"), "FA-041") == []
    assert ids(res("9.00"), "FA-041") == ["error"]


def test_dq001_surfaces_the_shifted_form(rendered_fixtures: dict) -> None:
    pdf, _ = rendered_fixtures[("seed000_se", "original")]
    fs = [f for f in run_checks(extract_file(pdf)) if f.rule_id == "DQ-001"]
    assert len(fs) == 6 and all(f.found == "column_shift" and "考核单位数" in fs[0].message for f in fs)


def test_readme_anomalies_are_found(rendered_fixtures: dict) -> None:
    """../shared/README.md lists what a careful reader sees in the seeds; the rules find these with the numbers.
    (002's 三公 text vs tables needs the seed's two halves in one file: tests/test_checks_text.py.)"""
    cache: dict[tuple[str, str], list] = {}

    def msgs(key: tuple[str, str], rule_id: str) -> list[str]:
        if key not in cache:
            cache[key] = run_checks(extract_file(rendered_fixtures[key][0]))
        return [f.message for f in cache[key] if f.rule_id == rule_id]

    s0, s1, s2 = ("seed000_se", "original"), ("seed001_se", "original"), ("seed002_se", "original")
    low = msgs(s0, "SE-005")  # 000: 执行率 10.69 / 16.90 / 11.20 % graded 优
    assert any("10.69%" in m for m in low) and any("16.90%" in m for m in low) and any("11.20%" in m for m in low)
    assert any("部门整体" in m and "8/9" in m and "77.63%" in m for m in msgs(s0, "SE-006"))  # 部门整体 on target
    assert sum("无" in m for m in msgs(s0, "SE-006")) >= 10  # every indicator 无/无偏差
    assert any("指标值 column" in m for m in msgs(s0, "DQ-001"))  # 附件2-3-11 shifted by one column
    zero = msgs(s1, "SE-016")  # 001: 0 points yet the narrative says achieved
    assert any("咨询台新建数量" in m for m in zero) and any("免费刻制印章数量" in m for m in zero)
    assert any("100%" in m and "293.08" in m for m in msgs(s1, "SE-019"))  # 到位率 100 % though 293.08 of 397.80
    assert any("决策" in m and "40.00" in m for m in msgs(s1, "SE-012"))
    assert any("12项中11项" in m and "9.00" in m for m in msgs(s1, "SE-017"))  # the problem list is all 无
    assert any("131,640.00" in m and "131,599.77" in m for m in msgs(s2, "SE-007"))
    assert any("春节走访慰问经费" in m for m in msgs(s2, "SE-009"))
    assert any("编印期数" in m for m in msgs(s2, "SE-010"))
    assert len(msgs(s2, "SE-008")) == 3 and all("100.00%" in m for m in msgs(s2, "SE-008"))
    assert any("26,103,420.59" in m and "26,071,780.59" in m for m in msgs(("seed002_fa", "yuan"), "FA-042"))
    s3 = ("seed003_se", "original")
    assert any("1,470.37" in m and "1,470.38" in m for m in msgs(s3, "FA-076"))
    assert any("129.14" in m and "129.13" in m for m in msgs(s3, "FA-076"))
    assert any("2080801" in m and "职业年金" in m and "死亡抚恤" in m for m in msgs(s3, "FA-080"))
    assert any("96.27" in m and "良好" in m for m in msgs(s3, "SE-018"))  # 94.25 优 in one place, 良好等次 in 底稿
    carry = msgs(("seed004_fa", "printed"), "FA-042")
    assert any("4,195.37" in m and "4,194.37" in m for m in carry) and any("11.59" in m for m in carry)
    idle = msgs(("seed004_se", "original"), "SE-021")  # 004: 0 % execution, score 0
    assert any("19.58" in m and "总分0.00" in m for m in idle)


def test_fa030_row_identity_across_columns() -> None:
    ok = table("支出决算表", [row("合计", 本年支出合计="30.00", 基本支出="20.00", 项目支出="10.00")])
    bad = table("支出决算表", [row("合计", 本年支出合计="30.00", 基本支出="20.00", 项目支出="11.00")])
    assert ids(doc(ok), "FA-030") == []
    fs = [f for f in run_checks(doc(bad)) if f.rule_id == "FA-030"]
    assert len(fs) == 1 and fs[0].severity == "error" and "31.00" in fs[0].message


def test_fa070_narrative_total_vs_table() -> None:
    from extraction.records import NarrativeClaim

    def res(raw: str, value: str) -> ExtractionResult:
        claim = NarrativeClaim(claim_kind="total", sentence="收入支出总计", metric="收入支出总计", raw=raw,
                               value=D(value), unit="万元", page=2)
        return doc(overview(), claim)  # type: ignore[arg-type]

    assert ids(res("110.00万元", "110.00"), "FA-070") == []
    assert ids(res("110万元", "110"), "FA-070") == []  # printed to the unit: rounding allowed
    fs = [f for f in run_checks(res("0.3万元", "0.3")) if f.rule_id == "FA-070"]
    assert len(fs) == 1 and "0.3万元" in fs[0].message and "110.00" in fs[0].message


def test_fa050_basic_expenditure_groups() -> None:
    def res(staff_total: str) -> ExtractionResult:
        return doc(table("一般公共预算财政拨款基本支出决算表", [
            row("工资福利支出", code="301", 决算数="80.00"), row("基本工资", code="30101", 决算数="80.00"),
            row("对个人和家庭的补助", code="303", 决算数="20.00"), row("退休费", code="30302", 决算数="20.00"),
            row("人员经费合计", 决算数=staff_total)]))

    assert ids(res("100.00"), "FA-050") == []
    fs = [f for f in run_checks(res("90.00")) if f.rule_id == "FA-050"]
    assert len(fs) == 1 and "人员经费合计" in fs[0].message and "100.00" in fs[0].message


def test_fa060_sangong_both_layouts() -> None:
    by_cols = table("一般公共预算财政拨款“三公”经费支出决算表", [row("", **{
        "合计/决算数": "10.00", "因公出国（境）费/决算数": "1.00", "公务用车购置及运行维护费/小计/决算数": "6.00",
        "公务用车购置及运行维护费/公务用车购置费/决算数": "2.00", "公务用车购置及运行维护费/公务用车运行维护费/决算数": "4.00",
        "公务接待费/决算数": "3.00"})])
    assert ids(doc(by_cols), "FA-060") == []
    by_cols.rows[0].cells["公务接待费/决算数"] = D("4.00")
    assert ids(doc(by_cols), "FA-060") == ["error"]
    by_rows = table("一般公共预算财政拨款“三公”经费支出决算表", [
        row("（一）支出合计", 决算统计数="10.00"), row("1.因公出国（境）费", 决算统计数="1.00"),
        row("2.公务用车购置及运行维护费", 决算统计数="6.00"), row("（1）公务用车购置费", 决算统计数="2.00"),
        row("（2）公务用车运行维护费", 决算统计数="5.00"), row("3.公务接待费", 决算统计数="3.00")])
    fs = [f for f in run_checks(doc(by_rows)) if f.rule_id == "FA-060"]
    assert [f.severity for f in fs] == ["error"] and "公务用车购置及运行维护费" in fs[0].message


def test_fa071_share_against_its_amounts() -> None:
    from extraction.records import NarrativeClaim

    def claim(kind: str, metric: str, raw: str, value: str, unit: str) -> NarrativeClaim:
        yuan = D(value) * 10000 if unit == "万元" else None
        return NarrativeClaim(claim_kind=kind, sentence="s", metric=metric, raw=raw, value=D(value), unit=unit,  # type: ignore[arg-type]
                              amount_yuan=yuan, page=1, section="二、收入决算情况说明")

    def res(share: str) -> ExtractionResult:
        return doc(claim("total", "本年收入合计", "2946.25万元", "2946.25", "万元"),  # type: ignore[arg-type]
                   claim("total", "财政拨款收入", "2940.05万元", "2940.05", "万元"),
                   claim("share", "财政拨款收入", f"{share}%", share, "%"))

    assert ids(res("99.79"), "FA-071") == []
    fs = [f for f in run_checks(res("98.79")) if f.rule_id == "FA-071"]
    assert len(fs) == 1 and "99.79%" in fs[0].message and "98.79%" in fs[0].message and len(fs[0].evidence) == 3


def test_fa072_completion_rate() -> None:
    from extraction.records import NarrativeClaim

    sent = "年初预算为100.00万元，支出决算为98.00万元，完成年初预算的X"

    def claim(kind: str, metric: str, raw: str, value: str, unit: str) -> NarrativeClaim:
        return NarrativeClaim(claim_kind=kind, sentence=sent, metric=metric, raw=raw, value=D(value), unit=unit,  # type: ignore[arg-type]
                              page=1, section="（三）")

    def res(budget: str, rate: str) -> ExtractionResult:
        return doc(claim("total", "年初预算", f"{budget}万元", budget, "万元"),  # type: ignore[arg-type]
                   claim("total", "支出决算", "98.00万元", "98.00", "万元"),
                   claim("completion_rate", "年初预算", f"{rate}%", rate, "%"))

    assert ids(res("100.00", "98.00"), "FA-072") == []
    assert ids(res("100.00", "89.00"), "FA-072") == ["warning"]
    fs = [f for f in run_checks(res("0", "98.00")) if f.rule_id == "FA-072"]
    assert len(fs) == 1 and "年初预算为0万元" in fs[0].message


def test_fa061_sangong_not_below_basic_lines() -> None:
    basic = table("一般公共预算财政拨款基本支出决算表", [row("公务接待费", code="30217", 决算数="3.00")])

    def sg(actual: str) -> FinalAccountsTable:
        return table("一般公共预算财政拨款“三公”经费支出决算表", [row("", **{"公务接待费/决算数": actual})])

    assert ids(doc(basic, sg("5.00")), "FA-061") == []
    fs = [f for f in run_checks(doc(basic, sg("2.00"))) if f.rule_id == "FA-061"]
    assert len(fs) == 1 and "30217" in fs[0].message and "2.00" in fs[0].message


def test_fa073_running_costs_vs_public_funds() -> None:
    from extraction.records import NarrativeClaim

    basic = table("一般公共预算财政拨款基本支出决算表", [row("公用经费合计", 决算数="184.65")])

    def claim(value: str) -> NarrativeClaim:
        return NarrativeClaim(claim_kind="total", sentence="s", metric="机关运行经费支出", raw=f"{value}万元",
                              value=D(value), unit="万元", page=24)

    assert ids(doc(basic, claim("184.65")), "FA-073") == []  # type: ignore[arg-type]
    assert ids(doc(basic, claim("209.46")), "FA-073") == ["info"]  # type: ignore[arg-type]


def test_fa070_names_a_unit_confusion() -> None:
    from extraction.records import NarrativeClaim

    claim = NarrativeClaim(claim_kind="total", sentence="s", metric="收入支出总计", raw="1100000元", value=D("1100000"),
                           unit="万元", page=2)  # printed 元 figure with a 万元 unit: 10000 times the table
    fs = [f for f in run_checks(doc(overview(), claim)) if f.rule_id == "FA-070"]  # type: ignore[arg-type]
    assert len(fs) == 1 and "元与万元混用" in fs[0].message


def test_check_cli_reads_jsonl_and_survives_a_bad_line(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from budgetlens.cli import app

    good = doc(overview(income_total="111.00"))
    src = tmp_path / "records.jsonl"
    src.write_text(good.model_dump_json() + "\n" + '{"document": 42}\n', encoding="utf-8")
    out = tmp_path / "findings.jsonl"
    res = CliRunner().invoke(app, ["check", str(src), "--out", str(out)])
    assert res.exit_code == 1  # the bad line counts as a failed document
    assert "records.jsonl:2" in res.output
    findings = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert {f["rule_id"] for f in findings} >= {"FA-010"} and all(f["document_id"] == "d1" for f in findings)
