"""The self-evaluation fixture renderer (eval.render_forms): deterministic PDFs whose gold says what is printed
where — every gold number and indicator name on the record's pages, titles on the first page, pages exact."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path

import pymupdf
import pytest
import yaml

from eval.render import FIXTURES, fixture_variants, render_fixture
from eval.render_forms import is_forms_spec
from extraction.records import ExtractionResult

ROOT = Path(__file__).resolve().parents[1]
FORMS = [
    (d, v) for d, v in fixture_variants(forms=True) if is_forms_spec(yaml.safe_load((d / "spec.yaml").read_text()))
]
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
SKIP_KEYS = {"pages", "level", "page", "sources", "issues"}
TITLE_STEMS = ("项目支出绩效自评表", "部门整体支出绩效自评表", "部门评价表")


def ids(pairs):
    return [f"{d.name}-{v}" for d, v in pairs]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[tuple[str, str], tuple[Path, dict, pymupdf.Document]]:
    out = tmp_path_factory.mktemp("forms")
    got = {}
    for d, v in FORMS:
        pdf, gold = render_fixture(d, out, v)
        got[(d.name, v)] = (pdf, json.loads(gold.read_text(encoding="utf-8")), pymupdf.open(pdf))
    return got


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_text(doc: pymupdf.Document, pages: list[int]) -> str:
    return "".join(flat(doc[p - 1].get_text()) for p in pages)


def page_numbers(doc: pymupdf.Document, pages: list[int]) -> set[Decimal]:
    """Every number printed on the pages (inside words too: ≥98% → 98, 250000元 → 250000, 1,234.50 → 1234.50)."""
    out = set()
    for p in pages:
        for m in NUMBER.finditer(doc[p - 1].get_text()):
            out.add(Decimal(m.group().replace(",", "").rstrip(".,")))
    return out


def gold_numbers(obj, path: str = "") -> list[tuple[str, Decimal]]:
    """(field path, value) of every number a record holds (bools, levels and page lists left out)."""
    if isinstance(obj, dict):
        return [x for k, v in obj.items() if k not in SKIP_KEYS for x in gold_numbers(v, f"{path}.{k}")]
    if isinstance(obj, list):
        return [x for i, v in enumerate(obj) for x in gold_numbers(v, f"{path}[{i}]")]
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return [(path, Decimal(str(obj)))]
    return []


def test_forms_fixtures_are_registered():
    names = {(d.name, v) for d, v in FORMS}
    for n in range(5):
        assert {(f"seed00{n}_se", "original"), (f"seed00{n}_se", "alt")} <= names
    assert not {d.name for d, _ in fixture_variants()} & {d.name for d, _ in FORMS}  # FA tests stay FA-only


@pytest.mark.parametrize(("fixture_dir", "variant"), FORMS, ids=ids(FORMS))
def test_gold_pages_match_the_pdf(fixture_dir, variant, rendered):
    pdf, gold, doc = rendered[(fixture_dir.name, variant)]
    ExtractionResult.model_validate({k: v for k, v in gold.items() if k != "findings"})  # + the labelled findings
    assert gold["document"]["id"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert gold["document"]["file_name"] == "document.pdf"
    assert gold["document"]["pages"] == doc.page_count
    source = json.loads((fixture_dir / "source.json").read_text(encoding="utf-8"))
    assert len(gold["records"]) == len(source["records"])
    used = set()
    for rec in gold["records"]:
        pages = rec["pages"]
        assert pages and pages == list(range(pages[0], pages[-1] + 1)), rec.get("title") or rec.get("heading_path")
        assert pages[0] >= 1 and pages[-1] <= doc.page_count
        used |= set(pages)
    assert used <= set(range(1, doc.page_count + 1))


@pytest.mark.parametrize(("fixture_dir", "variant"), FORMS, ids=ids(FORMS))
def test_every_gold_number_is_printed_on_its_pages(fixture_dir, variant, rendered):
    _, gold, doc = rendered[(fixture_dir.name, variant)]
    checked = 0
    for rec in gold["records"]:
        if rec["kind"] == "report_section":
            continue
        printed = page_numbers(doc, rec["pages"])
        for path, value in gold_numbers(rec):
            assert value in printed, (rec.get("project_name") or rec.get("title") or rec.get("form_label"), path, value)
            checked += 1
    assert checked


@pytest.mark.parametrize(("fixture_dir", "variant"), FORMS, ids=ids(FORMS))
def test_indicator_names_and_texts_are_on_their_pages(fixture_dir, variant, rendered):
    _, gold, doc = rendered[(fixture_dir.name, variant)]
    for rec in gold["records"]:
        text = page_text(doc, rec["pages"])
        name = rec.get("project_name") or rec.get("title") or rec.get("heading_path")
        for ind in rec.get("indicators", []):
            for f in ("level1", "level2", "level3", "target", "actual", "deviation_note"):
                if ind.get(f):
                    assert flat(ind[f]) in text, (name, f, ind[f])
        for node in rec.get("nodes", []):
            assert flat(node["name"]) in text, (name, node["path"])
        for f in ("project_name", "department", "implementing_unit", "goal_text", "result_text", "other_notes"):
            if rec.get(f) and rec["kind"] != "scoring_table":
                assert flat(rec[f]) in text, (name, f)
        if rec["kind"] == "scoring_table":  # its project name and evaluators are printed with the form / on the cover
            whole = page_text(doc, list(range(1, doc.page_count + 1)))
            assert all(flat(x) in whole for x in [rec.get("project_name") or "", *rec["evaluators"]]), name
        for key, value in rec.get("analysis", {}).items():
            assert flat(value) in text, (name, key)
        if rec["kind"] == "report_section":
            assert flat(rec["heading_path"][-1]) in text and flat(rec["text"]) in text, rec["heading_path"]


@pytest.mark.parametrize(("fixture_dir", "variant"), FORMS, ids=ids(FORMS))
def test_each_form_starts_with_its_title(fixture_dir, variant, rendered):
    _, gold, doc = rendered[(fixture_dir.name, variant)]
    for rec in gold["records"]:
        first = flat(doc[rec["pages"][0] - 1].get_text())
        if rec["kind"] in ("project_self_evaluation", "dept_self_evaluation"):
            assert any(stem in first for stem in TITLE_STEMS), rec.get("project_name") or rec.get("form_label")
            if rec.get("form_label"):
                assert rec["form_label"] in first
            if rec["kind"] == "project_self_evaluation":
                assert flat(rec["project_name"]) in first
                if rec["fiscal_year"]:
                    assert str(rec["fiscal_year"]) in first
        elif rec["kind"] in ("scoring_table", "final_accounts_table"):
            assert flat(rec["title"]) in first


def test_unprinted_fund_units_are_null_in_the_gold(rendered):
    """项目资金 without a unit (seed000, seed002): the gold holds null; the source's inferred unit is not printed."""
    for name, unit in (("seed000_se", "万元"), ("seed002_se", "元")):
        source = json.loads((FIXTURES / name / "source.json").read_text(encoding="utf-8"))
        for variant in ("original", "alt"):
            _, gold, doc = rendered[(name, variant)]
            for src, rec in zip(source["records"], gold["records"], strict=True):
                if rec["kind"] == "project_self_evaluation":
                    assert src["funds"]["unit"] == unit and rec["funds"]["unit"] is None
                    first = flat(doc[rec["pages"][0] - 1].get_text())
                    assert (
                        "项目资金" in first and f"项目资金（{unit}）" not in first and f"项目资金({unit})" not in first
                    )
    _, gold, doc = rendered[("seed004_se", "original")]
    rec = gold["records"][0]
    assert rec["funds"]["unit"] == "万元" and "(万元)" in doc[rec["pages"][0] - 1].get_text()


def test_seed000_column_shift_is_printed_as_the_gold_says(rendered):
    for variant in ("original", "alt"):
        _, gold, doc = rendered[("seed000_se", variant)]
        rec = next(r for r in gold["records"] if r.get("form_label") == "附件2-3-11")
        assert [i["code"] for i in rec["issues"]] == ["column_shift"]
        text = page_text(doc, rec["pages"])
        assert "数量指标数量指标考核单位数＝67家672020" in text
        assert "时效指标时效指标完成时间≤1年1年内2020" in text  # 分值 column prints 1年内 (gold weight null)
        assert [i["weight"] for i in rec["indicators"]] == [67, 100, None, 100, 100, 67]


def test_variants_differ_in_geometry_and_fonts(rendered):
    for n in range(5):
        _, _, a = rendered[(f"seed00{n}_se", "original")]
        _, _, b = rendered[(f"seed00{n}_se", "alt")]
        assert {tuple(p.rect) for p in a} != {tuple(p.rect) for p in b}
        fa = {f[3] for p in a for f in p.get_fonts()}
        fb = {f[3] for p in b for f in p.get_fonts()}
        assert fa != fb
    _, _, d = rendered[("seed004_se", "original")]
    assert all(p.rect.width > p.rect.height for p in d)  # the 大同 forms are landscape


ALL = fixture_variants(forms=True)  # the final-accounts fixtures too: no table of any family sets text outside a cell


def horizontal_rulings(page: pymupdf.Page) -> list[tuple[float, float, float]]:
    """(y, x0, x1) of every horizontal ruling drawn on the page (cell rectangles' top and bottom edges, lines)."""
    out = []
    for drawing in page.get_drawings():
        for item in drawing["items"]:
            if item[0] == "re":
                r = item[1]
                out += [(r.y0, r.x0, r.x1), (r.y1, r.x0, r.x1)]
            elif item[0] == "qu":
                q = item[1].rect
                out += [(q.y0, q.x0, q.x1), (q.y1, q.x0, q.x1)]
            elif item[0] == "l" and abs(item[1].y - item[2].y) < 0.1:
                out.append((item[1].y, min(item[1].x, item[2].x), max(item[1].x, item[2].x)))
    return out


def words_across_rulings(doc: pymupdf.Document, tol: float = 2.0) -> list[tuple[int, str, float]]:
    """(page, word, ruling y) for every word whose box a horizontal ruling crosses by more than `tol` points:
    text drawn outside its cell (e.g. a merged cell's text starting above the cell's top line)."""
    bad = []
    for page in doc:
        rulings = horizontal_rulings(page)
        for x0, y0, x1, y1, word, *_ in page.get_text("words"):
            for y, lx0, lx1 in rulings:
                if min(y - y0, y1 - y) > tol and min(x1, lx1) - max(x0, lx0) > tol:
                    bad.append((page.number + 1, word, round(y, 1)))
                    break
    return bad


@pytest.mark.parametrize(("fixture_dir", "variant"), ALL, ids=ids(ALL))
def test_no_text_crosses_a_ruling(fixture_dir, variant, rendered_fixtures):
    pdf, _ = rendered_fixtures[(fixture_dir.name, variant)]
    doc = pymupdf.open(pdf)
    assert sum(len(horizontal_rulings(p)) for p in doc)  # the scan sees the tables' rulings
    assert words_across_rulings(doc) == []


def test_a_merged_cell_broken_by_a_page_holds_its_text():
    """A merged cell whose text is taller than its rows on the page where a break falls: the part there
    grows into the room left on the page, or (no room) its last part grows; never is the text centred on a
    part too short for it (starting above the cell's top line). Swept over where the table starts."""
    from eval.render_forms_grid import Cursor, Row, Table, place_table
    from eval.render_forms_yunnan import C
    from eval.render_layout import Planner, load_fonts, paint

    long = "说明" * 100
    fonts = load_fonts("".join(sorted(set(long + "行0123456789"))))
    held_on = set()
    for lead_in in range(0, 330, 10):
        pl = Planner(fonts)
        cur = Cursor(pl, (300.0, 400.0), 30.0)
        cur.need(0)
        cur.y += lead_in
        rows = [Row([C(0, f"行{i}")] + ([C(1, long, rowspan=4)] if i == 0 else []), (i,)) for i in range(4)]
        rows.append(Row([C(0, "行"), C(1, "行")], (4,)))
        pages = place_table(cur, Table([1.0, 1.0], rows, 8.0), fonts)
        doc = pymupdf.open(stream=paint(pl.pages, fonts, {}), filetype="pdf")
        assert words_across_rulings(doc) == [], lead_in
        holding = [p.number + 1 for p in doc if long in flat(p.get_text())]
        assert len(holding) == 1, lead_in
        assert all(p.rect.height == 400.0 for p in doc)
        for ref in range(5):
            assert all(f"行{ref}" in flat(doc[n - 1].get_text()) for n in pages[ref] if ref < 4), lead_in
        held_on.add((len(doc), holding[0], pages[3] == {holding[0]}))
    # all on one page; broken, held on the first page; broken, held by the last part on the next page
    assert {(1, 1, True), (2, 1, False), (2, 2, True)} <= held_on
