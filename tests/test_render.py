"""The fixture renderer: deterministic PDFs whose gold pages and numbers match what is printed."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pymupdf
import pytest
import yaml

from eval.render import FIXTURES, fixture_variants, render_fixture
from extraction.records import ExtractionResult

VARIANTS = fixture_variants()
COUNT_LABEL = re.compile(r"[（(](个|人|辆)[）)]$")


@pytest.fixture(scope="module")
def rendered(rendered_fixtures) -> dict[tuple[str, str], tuple[Path, dict]]:
    return {k: (pdf, json.loads(gold.read_text(encoding="utf-8"))) for k, (pdf, gold) in rendered_fixtures.items()}


def ids(pairs):
    return [f"{d.name}-{v}" for d, v in pairs]


def page_numbers(page: pymupdf.Page) -> set[Decimal]:
    """Every word on the page that reads as a number (thousands separators dropped)."""
    out = set()
    for w in page.get_text("words"):
        try:
            out.add(Decimal(w[4].replace(",", "")))
        except InvalidOperation:
            continue
    return out


def dec(x) -> Decimal:
    return Decimal(str(x))


def test_fixtures_exist():
    names = {d.name for d, _ in VARIANTS}
    assert {"seed002_fa", "seed004_fa"} <= names
    assert ("seed002_fa", "wanyuan") in {(d.name, v) for d, v in VARIANTS}


ALL_VARIANTS = fixture_variants(forms=True)


@pytest.mark.parametrize(("fixture_dir", "variant"), ALL_VARIANTS, ids=ids(ALL_VARIANTS))
def test_render_is_byte_deterministic(fixture_dir, variant, rendered_fixtures, tmp_path):
    """Final-accounts and self-evaluation fixtures alike: rendering again gives the same bytes and gold."""
    import eval.render_layout as layout

    pdf, gold = rendered_fixtures[(fixture_dir.name, variant)]
    layout._noto_subset.cache_clear()  # subset the fonts again too
    again, again_gold = render_fixture(fixture_dir, tmp_path, variant)
    assert again.read_bytes() == pdf.read_bytes()
    assert again_gold.read_text(encoding="utf-8") == gold.read_text(encoding="utf-8")


@pytest.mark.parametrize(("fixture", "variant"), [("seed004_fa", "printed"), ("seed000_se", "original")])
def test_render_is_deterministic_across_processes(fixture, variant, rendered_fixtures, tmp_path):
    """Another interpreter (other hash seed, later clock) writes the same bytes: no timestamps, no set order."""
    cmd = [sys.executable, "-m", "eval.render", "--out", str(tmp_path), "--fixture", fixture, "--variant", variant]
    subprocess.run(cmd, check=True, cwd=Path(__file__).parents[1], capture_output=True)
    pdf, _ = rendered_fixtures[(fixture, variant)]
    assert (tmp_path / f"{fixture}-{variant}" / "document.pdf").read_bytes() == pdf.read_bytes()


@pytest.mark.parametrize(("fixture_dir", "variant"), VARIANTS, ids=ids(VARIANTS))
def test_gold_describes_the_pdf(fixture_dir, variant, rendered):
    pdf, gold = rendered[(fixture_dir.name, variant)]
    ExtractionResult.model_validate({k: v for k, v in gold.items() if k != "findings"})  # + the labelled findings
    doc = pymupdf.open(pdf)
    assert gold["document"]["id"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert gold["document"]["file_name"] == "document.pdf"
    assert gold["document"]["pages"] == doc.page_count
    for rec in gold["records"]:
        pages = rec["pages"] if "pages" in rec else [rec["page"]]
        assert pages and all(1 <= p <= doc.page_count for p in pages), rec.get("title") or rec.get("raw")
        assert pages == sorted(pages) and pages == list(range(pages[0], pages[-1] + 1))
    fonts = {f[3] for page in doc for f in page.get_fonts()}
    assert all(f[1] in ("ttf", "otf", "cff") for page in doc for f in page.get_fonts()), fonts


@pytest.mark.parametrize(("fixture_dir", "variant"), VARIANTS, ids=ids(VARIANTS))
def test_every_table_number_is_a_word_on_its_pages(fixture_dir, variant, rendered):
    pdf, gold = rendered[(fixture_dir.name, variant)]
    doc = pymupdf.open(pdf)
    for t in (r for r in gold["records"] if r["kind"] == "final_accounts_table"):
        printed = set().union(*(page_numbers(doc[p - 1]) for p in t["pages"]))
        first_text = re.sub(r"\s+", "", doc[t["pages"][0] - 1].get_text())
        assert t["title"] in first_text and t["number"] in first_text
        for row in t["rows"]:
            assert set(row["cells"]) <= set(t["columns"]), row["label"]
            for col, value in row["cells"].items():
                if value is not None:
                    assert dec(value) in printed, (t["number"], row["label"], col, value)
        if t["empty"]:
            assert re.sub(r"\s+", "", t["empty_statement"]) in re.sub(r"\s+", "", doc[t["pages"][-1] - 1].get_text())


@pytest.mark.parametrize(("fixture_dir", "variant"), VARIANTS, ids=ids(VARIANTS))
def test_narrative_claims_and_sections_sit_on_their_pages(fixture_dir, variant, rendered):
    pdf, gold = rendered[(fixture_dir.name, variant)]
    doc = pymupdf.open(pdf)
    for rec in gold["records"]:
        if rec["kind"] == "narrative_claim":
            assert rec["raw"] in doc[rec["page"] - 1].get_text(), (rec["page"], rec["raw"], rec["metric"])
        elif rec["kind"] == "report_section":
            text = "".join(re.sub(r"-\d+-$", "", re.sub(r"\s+", "", doc[p - 1].get_text())) for p in rec["pages"])
            assert re.sub(r"\s+", "", rec["heading_path"][-1]) in text
            assert re.sub(r"\s+", "", rec["text"]) in text


@pytest.mark.parametrize(("fixture_dir", "variant"), VARIANTS, ids=ids(VARIANTS))
def test_some_table_continues_on_a_next_page(fixture_dir, variant, rendered):
    pdf, gold = rendered[(fixture_dir.name, variant)]
    doc = pymupdf.open(pdf)
    continued = [t for t in gold["records"] if t["kind"] == "final_accounts_table" and len(t["pages"]) > 1]
    assert continued
    spec = yaml.safe_load((fixture_dir / "spec.yaml").read_text(encoding="utf-8"))
    marker = spec["variants"][variant].get("continued_marker")
    for t in continued:
        for p in t["pages"][1:]:
            text = doc[p - 1].get_text()
            assert t["title"] not in re.sub(r"\s+", "", text)  # the title is not repeated, the header is
            assert (marker in text) if marker else ("续表" not in text)


def test_wanyuan_gold_is_yuan_gold_converted(rendered):
    _, yuan = rendered[("seed002_fa", "yuan")]
    _, wan = rendered[("seed002_fa", "wanyuan")]
    tables = [
        (a, b) for a, b in zip(yuan["records"], wan["records"], strict=True) if a["kind"] == "final_accounts_table"
    ]
    assert tables
    for a, b in tables:
        assert (a["unit"], b["unit"]) == ("元", "万元")
        assert (a["columns"], a["title"], len(a["rows"])) == (b["columns"], b["title"], len(b["rows"]))
        for ra, rb in zip(a["rows"], b["rows"], strict=True):
            assert (ra["label"], ra["code"], ra["cells"].keys()) == (rb["label"], rb["code"], rb["cells"].keys())
            for col, v in ra["cells"].items():
                w = rb["cells"][col]
                if v is None or COUNT_LABEL.search(ra["label"]):
                    assert w == v, (a["number"], ra["label"], col)
                else:
                    expected = (dec(v) / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                    assert dec(w) == expected, (a["number"], ra["label"], col, v, w)


def test_wanyuan_pdf_prints_wanyuan(rendered):
    pdf, _ = rendered[("seed002_fa", "wanyuan")]
    text = pymupdf.open(pdf)[1].get_text()
    assert "金额单位：万元" in text and "3,324.76" in text and "33,247,561.93" not in text


def test_sources_keep_anomalies_as_printed():
    """Gold is what is printed, not what should be: the seeds' visible disagreements survive."""
    src = {
        n: json.loads((FIXTURES / n / "source.json").read_text(encoding="utf-8")) for n in ("seed002_fa", "seed004_fa")
    }
    t002 = {t["number"]: t for t in src["seed002_fa"]["records"] if t["kind"] == "final_accounts_table"}
    assert t002["公开01表"]["rows"][12]["cells"]["金额"] == 26103420.59
    assert t002["公开04表"]["rows"][9]["cells"]["合计"] == 26071780.59
    t004 = {t["number"]: t for t in src["seed004_fa"]["records"] if t["kind"] == "final_accounts_table"}
    assert t004["公开01表"]["rows"][11]["cells"]["金额"] == 4195.37
    assert t004["公开04表"]["rows"][8]["cells"]["金额"] == 4194.37


def test_renders_without_noto_fonts(monkeypatch, tmp_path):
    """Without fonts-noto-cjk the built-in CJK font is embedded (subset) instead, and the text still extracts."""
    import eval.render_layout as layout

    monkeypatch.setattr(layout, "NOTO_DIR", tmp_path / "no-fonts")
    layout._noto_subset.cache_clear()
    try:
        pdf, _ = render_fixture(FIXTURES / "seed004_fa", tmp_path, "printed")
    finally:
        layout._noto_subset.cache_clear()
    doc = pymupdf.open(pdf)
    fonts = {f[3] for page in doc for f in page.get_fonts()}
    assert fonts and not any("Noto" in f for f in fonts)
    assert "4183.78" in doc[2].get_text() and "收入支出决算总表" in doc[2].get_text()
