"""FA-080 科目编码与名称不符: fires on a label that names another item, quiet on printing variants; the shipped
classification list is well-formed."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest

import checks.rules_fa_codes  # noqa: F401  (registers FA-080)
from checks.engine import run_checks
from checks.model import Finding
from checks.rules_fa_codes import classification, normalise, same_item
from extraction.pipeline import extract_file
from extraction.records import ExtractionResult, FinalAccountsTable, Source
from tests.test_checks import doc, row, table


def coded(*rows: tuple[str, str]) -> ExtractionResult:
    t = table("支出决算表", [row("合计", 本年支出合计="10.00")] +
              [row(label, code=code, 本年支出合计="1.00") for code, label in rows])
    for i, (code, label) in enumerate(rows, start=1):
        t.sources[f"rows[{i}].label"] = Source(page=3, bbox=(80, 10 + i * 12, 160, 20 + i * 12), raw=label)
        t.sources[f"rows[{i}].code"] = Source(page=3, bbox=(20, 10 + i * 12, 60, 20 + i * 12), raw=code)
    return doc(t)


def fa080(result: ExtractionResult) -> list[Finding]:
    return [f for f in run_checks(result) if f.rule_id == "FA-080"]


def test_fires_on_death_pension_printed_as_occupational_annuity() -> None:
    fs = fa080(coded(("2080505", "机关事业单位基本养老保险缴费支出"), ("2080801", "职业年金")))
    assert len(fs) == 1
    f = fs[0]
    assert f.severity == "warning" and f.title == "科目编码与名称不符"
    assert f.message.startswith("科目2080801印为“职业年金”，《2024年政府收支分类科目》中2080801为“死亡抚恤”")
    assert "2080506" in f.message  # the item the label does name
    assert f.expected == "死亡抚恤" and f.found == "职业年金"
    ev = f.evidence[0]
    assert ev.path == "rows[2].label" and ev.page == 3 and ev.bbox == (80, 34, 160, 44) and ev.quote == "职业年金"
    assert f.evidence[1].path == "rows[2].code" and f.evidence[1].quote == "2080801"


@pytest.mark.parametrize("label", [
    "死亡抚恤", " 死 亡 抚 恤 ", "2080801死亡抚恤", "2080801 死亡抚恤", "（一）死亡抚恤", "1.死亡抚恤", "其中：死亡抚恤",
    "死亡抚恤（项）",
])
def test_quiet_on_the_official_name_however_printed(label: str) -> None:
    assert fa080(coded(("2080801", label))) == []


@pytest.mark.parametrize(("code", "label"), [
    ("30213", "维修(护)费"), ("30212", "因公出国（境）费用"), ("309", "资本性支出(基本建设)"),
    ("208", "一、社会保障和就业支出"), ("20805", "行政事业单位养老支出（款）"),
    ("2080505", "养老保险缴费"),  # an abbreviation inside the official name
    ("30108", "机关事业单位基本养老保"),  # a label cut by the column edge
    ("30399", "其他个人和家庭的补助支出"),  # a near variant (SequenceMatcher ≥ 0.8)
    ("20103", "政府办公厅(室)及相关机构事务"),
])
def test_quiet_on_printing_variants(code: str, label: str) -> None:
    assert fa080(coded((code, label))) == []


@pytest.mark.parametrize(("code", "label"), [
    ("20805", "行政事业单位离退休"), ("2080599", "其他行政事业单位离退休支出"), ("207", "文化体育与传媒支出"),
    ("210", "医疗卫生与计划生育支出"), ("21301", "农业"),
])
def test_quiet_on_an_older_official_name(code: str, label: str) -> None:
    assert code in classification() and label in classification()[code].aliases
    assert fa080(coded((code, label))) == []


def test_no_hint_when_the_label_names_many_items() -> None:
    fs = fa080(coded(("2080801", "行政运行")))
    assert len(fs) == 1 and "对应的是" not in fs[0].message


def test_a_local_wording_is_info_a_label_of_another_item_a_warning() -> None:
    [local] = fa080(coded(("2101101", "医疗保险")))  # seed003: the code is right, the name is informal
    [other] = fa080(coded(("2080801", "职业年金")))
    assert (local.severity, other.severity) == ("info", "warning") and "不规范" in local.message


def test_quiet_on_unknown_codes_and_empty_labels() -> None:
    assert "20921" not in classification()
    assert fa080(coded(("20921", "文物和陈列品购置"), ("9999999", "随便什么"), ("2080801", ""))) == []
    assert fa080(doc(table("支出决算表", [row("职业年金", code=None, 本年支出合计="1.00")]))) == []


def test_fires_without_located_sources() -> None:
    fs = fa080(doc(table("一般公共预算财政拨款基本支出决算表", [row("办公费", code="30201"), row("差旅费", code="30205")])))
    assert [(f.expected, f.found) for f in fs] == [("水费", "差旅费")]
    assert [e.path for e in fs[0].evidence] == ["rows[1].label"] and fs[0].evidence[0].quote == "差旅费"


def test_normalise_and_match() -> None:
    assert normalise("一、一般公共服务支出（类）") == "一般公共服务支出"
    assert normalise("2210201 住房公积金", "2210201") == "住房公积金"
    assert normalise("维修（护）费") == normalise("维修(护)费") == "维修护费"
    assert same_item("养老保险缴费", "机关事业单位基本养老保险缴费支出")
    assert not same_item("职业年金", "死亡抚恤") and not same_item("年金", "职业年金缴费") and not same_item("", "x")


def _csv_rows() -> list[dict[str, str]]:
    text = resources.files("checks").joinpath("data/gov_classification.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_classification_csv_is_well_formed() -> None:
    rows = _csv_rows()
    assert rows and list(rows[0]) == ["code", "name", "source", "aliases"]
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)), "one row per code"
    assert codes == sorted(codes)
    known = set(codes)
    for r in rows:
        code = r["code"]
        assert code.isdigit() and len(code) in (3, 5, 7), code
        assert r["name"].strip() == r["name"] and r["name"], code
        assert r["source"].strip(), code
        assert all(a.strip() and a != r["name"] for a in r["aliases"].split("|") if r["aliases"]), code
        if len(code) >= 5:
            assert code[:3] in known, f"{code}: 类 {code[:3]} missing"
        if len(code) == 7:
            assert code[:5] in known, f"{code}: 款 {code[:5]} missing"
    assert classification()["2080801"].name == "死亡抚恤"
    assert classification()["2080506"].name == "机关事业单位职业年金缴费支出"


def test_classification_covers_the_requested_items() -> None:
    ref = classification()
    wanted = ["2080501", "2080502", "2080503", "2080505", "2080506", "2080507", "2080599", "2080801", "2080802",
              "2101101", "2101102", "2101103", "2101199", "2210201", "2210202", "2210203", "30101", "30399", "31002"]
    assert [c for c in wanted if c not in ref] == []
    for cls in ("201", "205", "206", "207", "208", "210", "211", "212", "213", "214", "221", "224", "229"):
        assert sum(1 for c in ref if len(c) == 5 and c.startswith(cls)) >= 3, cls


@pytest.mark.shared
def test_no_fa080_on_the_real_putuo_report(putuo: Path) -> None:
    """Every code the 普陀区财政局 report prints is labelled with its official name (checked by hand)."""
    result = extract_file(putuo)
    printed = {r.code for t in result.records if isinstance(t, FinalAccountsTable) for r in t.rows if r.code}
    assert {"2010601", "2010607", "2010608", "2080506", "2210203", "30213"} <= printed
    assert printed <= set(classification())  # every printed code is checked, none skipped as unknown
    assert fa080(result) == []
