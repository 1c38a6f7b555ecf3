"""Exports from a real SQLite store: findings as CSV/XLSX with their decisions, the annotated PDF, and the correction
loop (a reviewer's corrections become an eval fixture that scores the extractor)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pymupdf
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import budgetlens.intake as intake_mod
from budgetlens.cli import app
from budgetlens.corrections import correct
from budgetlens.intake import intake_file
from budgetlens.review import decide, findings_of
from budgetlens.settings import get_settings
from budgetlens.store import DocumentRow, FindingRow, Store, StoreError
from eval.runner import evaluate_fixture, load_gold, score_result
from extraction.pipeline import extract_file
from extraction.records import ExtractionResult
from review_app.export import (
    HEADERS,
    annotated_pdf,
    corrections_fixture,
    findings_table,
    resolve_document,
    to_csv,
    to_xlsx,
)
from review_app.render import COLOURS

PRINTED = Decimal("33247561.93")  # 本年收入合计 of 收入支出决算总表 as printed on page 2 (seed002_fa, 元)
MISREAD = Decimal("33247516.93")  # the same with two digits swapped: what our pretend extractor reads
PATH = "rows[8].cells.金额"
H = HEADERS


def misread(path: Path, **kw: object) -> ExtractionResult:
    """The real extractor, except that it gets one total wrong (the mistake a reviewer then corrects)."""
    res = extract_file(path, **kw)  # type: ignore[arg-type]
    row = res.records[0].rows[8]  # type: ignore[union-attr]
    assert row.label == "本年收入合计" and row.cells["金额"] == PRINTED
    row.cells["金额"] = MISREAD
    return res


@dataclass
class Reviewed:
    store: Store
    doc_id: str
    gold: Path  # the hand-labelled gold.json of the rendered fixture


@pytest.fixture
def reviewed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rendered_fixtures: dict) -> Iterator[Reviewed]:
    """A store holding seed002_fa (元) read with one misread total: FA-010 accepted, then the total corrected (FA-010
    goes inactive, two FA-042 appear), one FA-042 dismissed, one left open."""
    monkeypatch.setenv("BUDGETLENS_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    settings = get_settings()
    store = Store(settings.store_url())
    pdf, gold = rendered_fixtures[("seed002_fa", "yuan")]
    monkeypatch.setattr(intake_mod, "extract_file", misread)
    doc_id = intake_file(store, pdf, settings).document_id
    monkeypatch.setattr(intake_mod, "extract_file", extract_file)
    (fa010,) = findings_of(store, doc_id)  # the misread total hides the cross-table checks
    assert fa010.rule_id == "FA-010"
    decide(store, fa010.id, fa010.version, "accept", "王审计", "合计与明细不符")
    fixed = correct(store, doc_id, 0, PATH, "33,247,561.93", 1, "李审计", "第2页印的是33,247,561.93")
    assert fixed.disappeared == [fa010.fingerprint] and len(fixed.appeared) == 2
    fa042 = findings_of(store, doc_id)[0]
    assert fa042.rule_id == "FA-042"
    decide(store, fa042.id, fa042.version, "dismiss", "王审计", "差额为年初结转，属正常")
    yield Reviewed(store, doc_id, gold)
    store.close()
    get_settings.cache_clear()


def _by_rule(rows: list[dict], rule: str, status: str) -> dict:
    return next(r for r in rows if r[H["rule_id"]] == rule and r[H["status"]] == status)


def test_findings_table_has_every_finding_with_its_last_decision(reviewed: Reviewed) -> None:
    rows = findings_table(reviewed.store)
    assert len(rows) == len(findings_of(reviewed.store, reviewed.doc_id, include_inactive=True)) == 3
    assert list(rows[0]) == list(HEADERS.values())
    gone = _by_rule(rows, "FA-010", "accepted")
    assert gone[H["active"]] == "否 no"  # fixed by the correction, kept with its decision
    assert (gone[H["action"]], gone[H["reviewer"]], gone[H["reason"]]) == ("accept", "王审计", "合计与明细不符")
    assert gone[H["decided_at"]][:2] == "20" and gone[H["pages"]] == "2"
    dismissed = _by_rule(rows, "FA-042", "dismissed")
    assert dismissed[H["active"]] == "是 yes" and dismissed[H["reason"]] == "差额为年初结转，属正常"
    assert dismissed[H["pages"]] in {"2, 5", "2, 6"} and dismissed[H["family"]] == "final_accounts.cross_table"
    assert dismissed[H["department"]].startswith("曲靖市人民政府办公室") and dismissed[H["fiscal_year"]] == 2024
    untouched = _by_rule(rows, "FA-042", "open")
    assert untouched[H["action"]] == untouched[H["reviewer"]] == ""
    assert findings_table(reviewed.store, ["no-such-document"]) == []
    assert len(findings_table(reviewed.store, [reviewed.doc_id])) == 3


def test_csv_opens_in_excel_and_parses_back(reviewed: Reviewed) -> None:
    rows = findings_table(reviewed.store)
    data = to_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    back = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert back == [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]
    assert _by_rule(back, "FA-010", "accepted")[H["reviewer"]] == "王审计"


def test_xlsx_has_a_usable_header_and_coloured_severities(reviewed: Reviewed) -> None:
    rows = findings_table(reviewed.store)
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx(rows))).active
    header = [c.value for c in ws[1]]
    assert header == list(HEADERS.values()) and all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:T{len(rows) + 1}"
    back = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    assert back == [{k: None if v == "" else v for k, v in r.items()} for r in rows]
    sev = header.index(H["severity"]) + 1
    for r in range(2, len(rows) + 2):
        cell = ws.cell(r, sev)
        assert cell.fill.fgColor.rgb.endswith("FBD7A6" if cell.value == "warning" else "F2AFAF")
    assert 10 < ws.column_dimensions["J"].width <= 60 and ws["J2"].alignment.wrap_text  # 说明 message: capped, wraps


def test_spreadsheet_cells_never_run_as_formulas() -> None:
    rows = [{"a": "=HYPERLINK(\"http://x\")", "b": "-31,640.00", "c": "+cmd", "d": None, "e": 3, "f": "-1+cmd|' /C"}]
    assert next(csv.reader(io.StringIO(to_csv(rows).decode("utf-8-sig").splitlines()[1]))) == [
        "'=HYPERLINK(\"http://x\")", "-31,640.00", "'+cmd", "", "3", "'-1+cmd|' /C"]
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx(rows))).active
    assert [c.data_type for c in ws[2]][:3] == ["s", "s", "s"] and ws["A2"].value.startswith("'=")
    assert openpyxl.load_workbook(io.BytesIO(to_xlsx([]))).active.max_row == 1  # no findings: the header only


def _intersects(a: pymupdf.Rect, b: tuple[float, float, float, float]) -> bool:
    return a.intersects(pymupdf.Rect(b))


def test_annotated_pdf_boxes_every_active_finding_on_its_evidence(reviewed: Reviewed) -> None:
    with pymupdf.open(reviewed.gold.parent / "document.pdf") as original:
        pages = original.page_count
    pdf = pymupdf.open(stream=annotated_pdf(reviewed.store, reviewed.doc_id), filetype="pdf")
    assert pdf.page_count == pages + 1
    summary = pdf[0].get_text()
    assert "审核发现汇总" in summary and summary.count("FA-042") == 2 and "FA-010" not in summary  # active only
    assert "dismissed" in summary and "王审计" in summary
    active = findings_of(reviewed.store, reviewed.doc_id)
    for f in active:
        for e in f.evidence:
            page = pdf[e["page"]]  # shifted by the summary page
            annots = [a for a in page.annots() if a.info["title"] == f.rule_id and f.message in a.info["content"]]
            assert any(_intersects(a.rect * page.rotation_matrix, e["bbox"]) for a in annots), (f.rule_id, e)
            assert all(a.colors["stroke"] == pytest.approx(list(COLOURS[f.severity]), abs=0.01) for a in annots)
    links = [link["page"] for link in pdf[0].get_links()]
    assert set(links) <= {e["page"] for f in active for e in f.evidence} and links  # summary → evidence page
    assert any("dismiss" in a.info["content"] and "王审计" in a.info["content"] for p in pdf for a in p.annots())


def test_evidence_without_a_box_gets_a_note_at_the_page_top(reviewed: Reviewed) -> None:
    with reviewed.store.session() as s:
        f = s.scalars(select(FindingRow).where(FindingRow.status == "open")).one()
        f.evidence = [{**e, "bbox": None} for e in f.evidence]
        rule, pages = f.rule_id, [e["page"] for e in f.evidence]
    pdf = pymupdf.open(stream=annotated_pdf(reviewed.store, reviewed.doc_id), filetype="pdf")
    for p in pages:
        page = pdf[p]  # keep the page alive while its annotations are read (PyMuPDF crashes otherwise)
        notes = [a for a in page.annots() if a.info["title"] == rule and a.type[1] == "Text"]
        assert notes and all(a.rect.y1 < 60 for a in notes)


def test_annotated_pdf_without_the_stored_copy_says_so(reviewed: Reviewed) -> None:
    with reviewed.store.session() as s:
        Path(s.get(DocumentRow, reviewed.doc_id).pdf_path).unlink()
    with pytest.raises(StoreError, match="stored copy of document.pdf is missing"):
        annotated_pdf(reviewed.store, reviewed.doc_id)
    with pytest.raises(StoreError, match="missing"):
        corrections_fixture(reviewed.store, reviewed.doc_id, Path("/nonexistent"))
    with pytest.raises(StoreError, match="not in the store"):
        annotated_pdf(reviewed.store, "0" * 64)


def test_corrections_become_a_fixture_that_eval_scores(reviewed: Reviewed, tmp_path: Path) -> None:
    folder = corrections_fixture(reviewed.store, reviewed.doc_id, tmp_path / "fixtures")
    assert folder.parent == tmp_path / "fixtures" and folder.name == f"document-{reviewed.doc_id[:8]}"
    assert (folder / "document.pdf").read_bytes()[:5] == b"%PDF-"
    raw = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    assert raw["records"][0]["rows"][8]["cells"]["金额"] == float(PRINTED)  # the corrected value is the gold
    assert PATH not in raw["records"][0]["sources"] and "rows[0].cells.金额" in raw["records"][0]["sources"]
    _, gold = load_gold(folder)
    _, labelled = load_gold(reviewed.gold.parent)
    tables, _ = score_result(labelled, gold)  # the corrected extraction equals the hand-made gold, cell by cell
    assert sum(t.correct for t in tables) == sum(t.labelled for t in tables) == 261
    result = evaluate_fixture(folder, tmp_path, extract_file)
    s = result.summary()
    assert result.skipped is None and result.pdf == folder / "document.pdf"
    assert (s["values_labelled"], s["values_correct"], s["values_wrong"]) == (261, 261, 0)


def test_a_wrong_reading_of_the_corrected_value_is_scored_wrong(reviewed: Reviewed, tmp_path: Path) -> None:
    folder = corrections_fixture(reviewed.store, reviewed.doc_id, tmp_path)
    s = evaluate_fixture(folder, tmp_path, misread).summary()
    assert (s["values_labelled"], s["values_correct"], s["values_wrong"]) == (261, 260, 1)
    assert [t["table"] for t in s["per_table"] if t["wrong"]] == ["收入支出决算总表"]


def test_a_correction_survives_reading_the_document_again(
        reviewed: Reviewed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rendered_fixtures: dict) -> None:
    pdf = rendered_fixtures[("seed002_fa", "yuan")][0]
    monkeypatch.setattr(intake_mod, "extract_file", misread)
    intake_file(reviewed.store, pdf, get_settings())  # read again, misread again: the logged correction is re-applied
    folder = corrections_fixture(reviewed.store, reviewed.doc_id, tmp_path / "again")
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    assert Decimal(str(gold["records"][0]["rows"][8]["cells"]["金额"])) == PRINTED


def test_notes_list_every_correction(reviewed: Reviewed, tmp_path: Path) -> None:
    correct(reviewed.store, reviewed.doc_id, 0, "rows[10].cells.金额", "31,640", 2, "赵审计", "")
    notes = (corrections_fixture(reviewed.store, reviewed.doc_id, tmp_path) / "NOTES.md").read_text(encoding="utf-8")
    assert "## Corrections (2)" in notes
    first, second = (line for line in notes.splitlines() if line.startswith("| 1 ") or line.startswith("| 2 "))
    assert "李审计" in first and f"`{PATH}`" in first and f"{MISREAD} → {PRINTED}" in first
    assert "第2页印的是33,247,561.93" in first and "[0] final_accounts_table 收入支出决算总表" in first
    assert "赵审计" in second and "rows[10].cells.金额" in second and second.endswith("| — |")


def test_resolve_document_takes_the_short_id(reviewed: Reviewed) -> None:
    assert resolve_document(reviewed.store, reviewed.doc_id[:12]) == reviewed.doc_id
    assert resolve_document(reviewed.store, reviewed.doc_id) == reviewed.doc_id
    for bad in ("", "zz", "%"):
        with pytest.raises(StoreError, match="match"):
            resolve_document(reviewed.store, bad)


def test_cli_export_and_export_fixture(reviewed: Reviewed, tmp_path: Path) -> None:
    runner, short = CliRunner(), reviewed.doc_id[:12]
    res = runner.invoke(app, ["export"])
    assert res.exit_code == 0, res.output
    assert len(list(csv.DictReader(io.StringIO(res.stdout)))) == 3 and "王审计" in res.stdout
    res = runner.invoke(app, ["export", "--format", "xlsx", "--out", str(tmp_path / "f.xlsx"), "--doc", short])
    assert res.exit_code == 0, res.output
    assert openpyxl.load_workbook(tmp_path / "f.xlsx").active.max_row == 4
    res = runner.invoke(app, ["export", "--format", "pdf", "--out", str(tmp_path / "a.pdf"), "--doc", short])
    assert res.exit_code == 0, res.output
    assert "审核发现汇总" in pymupdf.open(tmp_path / "a.pdf")[0].get_text()
    assert runner.invoke(app, ["export", "--format", "xlsx"]).exit_code == 2  # binary needs --out
    assert runner.invoke(app, ["export", "--format", "pdf", "--out", str(tmp_path / "b.pdf")]).exit_code == 2
    res = runner.invoke(app, ["export-fixture", short, "--out", str(tmp_path / "fx")])
    assert res.exit_code == 0, res.output
    folder = Path(res.stdout.strip())
    assert (folder / "gold.json").is_file() and (folder / "NOTES.md").is_file()
    res = runner.invoke(app, ["eval", str(folder), "--json", str(tmp_path / "report.json")])
    assert res.exit_code == 0, res.output
    overall = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["overall"]
    assert (overall["scored"], overall["values_correct"], overall["values_labelled"]) == (1, 261, 261)
    res = runner.invoke(app, ["export-fixture", "ffffnothere", "--out", str(tmp_path / "fx")])
    assert res.exit_code == 1 and "match" in res.output
