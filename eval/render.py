"""Render labelled fixtures (hand-transcribed gold records) to realistic 部门决算公开 PDFs.

Why: the seeds are text exports; the PDF pipeline needs PDFs whose every printed value is known.
Each fixture directory holds `source.json` (an `ExtractionResult` with placeholder pages/id) and
`spec.yaml` (table layouts and render variants). `render_fixture` lays the document out first, so
the gold page numbers are exact, then writes `document.pdf` and `gold.json` (pages filled in,
document.id = sha256 of the PDF bytes). Output is byte-identical for the same input and environment.

Fixtures whose spec.yaml says `kind: forms` (the self-evaluation seeds, *_se) are drawn by
`eval.render_forms` through the same `render_fixture` and CLI.

    python -m eval.render [--out build/fixtures] [--fixture seed002_fa] [--variant yuan]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
from dataclasses import fields
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

from eval.metrics_findings import gold_json
from eval.render_forms import is_forms_spec, render_forms_fixture
from eval.render_layout import Planner, Style, load_fonts, paint
from eval.render_table import plan_table
from eval.render_text import cn_number, plan_cover, plan_narrative, plan_toc
from extraction.records import ExtractionResult

FIXTURES = Path(__file__).parent / "fixtures"
RENDER_MODULES = ["render.py", "render_layout.py", "render_grid.py", "render_table.py", "render_text.py"]
FIXED_DATE = "D:20250601000000+08'00'"
CENT = Decimal("0.01")


def load_fixture(fixture_dir: Path) -> tuple[dict, dict]:
    """source.json with exact decimals (31640.00 keeps its two places) and the parsed spec.yaml."""
    source = json.loads((fixture_dir / "source.json").read_text(encoding="utf-8"), parse_float=Decimal)
    ExtractionResult.model_validate(source)
    spec = yaml.safe_load((fixture_dir / "spec.yaml").read_text(encoding="utf-8"))
    return source, spec


def variant_style(spec: dict, variant: str) -> Style:
    """The variant's Style: defaults overridden by the keys of spec.yaml `variants.<variant>`."""
    if variant not in spec["variants"]:
        raise KeyError(f"unknown variant {variant!r}; spec has {sorted(spec['variants'])}")
    known = {f.name for f in fields(Style)}
    return Style(**{k: v for k, v in spec["variants"][variant].items() if k in known})


def to_wanyuan(value: Decimal | int | None) -> Decimal | int | None:
    """元 → 万元, two decimals, half up; integers are counts (车辆, 批次) and stay as they are."""
    if value is None or isinstance(value, int) or int(value.as_tuple().exponent) >= 0:
        return value
    return (value / 10000).quantize(CENT, rounding=ROUND_HALF_UP)


def convert(source: dict, spec: dict, how: str | None) -> tuple[dict, dict]:
    """A converted copy of the records and spec (unit lines too); the input stays untouched."""
    source, spec = copy.deepcopy(source), copy.deepcopy(spec)
    if how is None:
        return source, spec
    if how != "wanyuan":
        raise ValueError(f"unknown conversion {how!r}")
    for rec in source["records"]:
        if rec["kind"] == "final_accounts_table" and rec["unit"] == "元":
            rec["unit"] = "万元"
            for row in rec["rows"]:
                row["cells"] = {k: to_wanyuan(v) for k, v in row["cells"].items()}
    for tspec in spec["tables"].values():
        if tspec["unit_label"].endswith("：元"):
            tspec["unit_label"] = tspec["unit_label"][:-1] + "万元"
    return source, spec


def charset(source: dict, spec: dict) -> str:
    """Every character the document can print: the fixture's texts plus this renderer's own labels."""
    chars = set(json.dumps(source, ensure_ascii=False, default=str)) | set(json.dumps(spec, ensure_ascii=False))
    for name in RENDER_MODULES:
        chars |= set((Path(__file__).parent / name).read_text(encoding="utf-8"))
    chars |= {chr(c) for c in range(32, 127)}
    return "".join(sorted(c for c in chars if c.isprintable()))


def plan_document(pl: Planner, source: dict, spec: dict, style: Style) -> None:
    """Cover, contents, tables, narrative; fills pages into the records as they are placed."""
    if spec.get("cover"):
        plan_cover(pl, spec["cover"], style)
    toc_page = pl.new_page(style.page(style.text_page, False))
    head = {"dept_line": spec["dept_line"], "year_line": spec.get("year_line")}
    ctx = {
        "thousands": style.thousands,
        "split_codes": style.split_codes,
        "code_header": spec["code_header"],
        "code_cols": spec["code_cols"],
    }
    entries = []
    tables = [r for r in source["records"] if r["kind"] == "final_accounts_table"]
    for i, rec in enumerate(tables, 1):
        tspec = spec["tables"][rec["number"]]
        rec["pages"] = plan_table(pl, rec, tspec, style, ctx, head)
        entries.append((f"{cn_number(i)}、{rec['title']}", rec["pages"][0], 1))
    if spec["toc"].get("tables_heading") and entries:
        entries.insert(0, (spec["toc"]["tables_heading"], entries[0][1], 0))
    first_text = plan_narrative(pl, source["records"], spec.get("narrative"), style)
    if first_text and spec["toc"].get("narrative_heading"):
        entries.append((spec["toc"]["narrative_heading"], first_text, 0))
    plan_toc(pl, toc_page, entries, style)
    add_folios(pl, 2 if spec.get("cover") else 1)


def add_folios(pl: Planner, first: int) -> None:
    """Page numbers at the foot of every page from `first` on (the cover carries none)."""
    for pno in range(first, len(pl.pages) + 1):
        page = pl.pages[pno - 1]
        pl.text(pno, 0, page.height - 34, f"- {pno} -", 9, "body", "c", page.width, 12)


def gold_result(source: dict, pdf: bytes, pages: int) -> ExtractionResult:
    """The variant's gold: records with pages, document id = sha256 of the PDF, file name document.pdf."""
    gold = copy.deepcopy(source)
    gold["document"].update(id=hashlib.sha256(pdf).hexdigest(), file_name="document.pdf", pages=pages)
    return ExtractionResult.model_validate(gold)


def render_fixture(fixture_dir: Path | str, out_dir: Path | str, variant: str) -> tuple[Path, Path]:
    """Render one variant of one fixture into `<out_dir>/<fixture>-<variant>/`; returns (pdf, gold)."""
    fixture_dir, out_dir = Path(fixture_dir), Path(out_dir)
    if is_forms_spec(yaml.safe_load((fixture_dir / "spec.yaml").read_text(encoding="utf-8"))):
        return render_forms_fixture(fixture_dir, out_dir, variant)
    source, spec = load_fixture(fixture_dir)
    style = variant_style(spec, variant)
    source, spec = convert(source, spec, spec["variants"][variant].get("convert"))
    planner = Planner(load_fonts(charset(source, spec)))
    plan_document(planner, source, spec, style)
    meta = {
        "title": spec["title"],
        "author": source["document"].get("department") or "",
        "subject": "部门决算公开",
        "keywords": "",
        "creator": "budgetlens eval.render",
        "producer": "budgetlens eval.render",
        "creationDate": FIXED_DATE,
        "modDate": FIXED_DATE,
    }
    pdf = paint(planner.pages, planner.fonts, meta)
    target = out_dir / f"{fixture_dir.name}-{variant}"
    target.mkdir(parents=True, exist_ok=True)
    pdf_path, gold_path = target / "document.pdf", target / "gold.json"
    pdf_path.write_bytes(pdf)
    gold = gold_result(source, pdf, len(planner.pages))
    gold_path.write_text(gold_json(gold, fixture_dir), encoding="utf-8")
    return pdf_path, gold_path


def fixture_variants(root: Path = FIXTURES, forms: bool = False) -> list[tuple[Path, str]]:
    """Every (fixture directory, variant name) pair under eval/fixtures that this renderer can draw:
    a source.json beside a spec.yaml with `variants` and `tables` (other fixtures are left alone).

    `forms=True` adds the self-evaluation fixtures (spec.yaml `kind: forms`, eval.render_forms). They are
    off by default because the final-accounts tests (test_render, test_golden) iterate over this list and
    check final-accounts properties; tests/test_render_forms.py covers the forms."""
    out = []
    for spec_path in sorted(root.glob("*/spec.yaml")):
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
        if not (isinstance(spec, dict) and (spec_path.parent / "source.json").exists()):
            continue
        if {"variants", "tables"} <= spec.keys() or (forms and is_forms_spec(spec)):
            out += [(spec_path.parent, name) for name in spec["variants"]]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.render", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="build/fixtures", help="output directory (default: build/fixtures)")
    parser.add_argument("--fixture", help="only this fixture (directory name)")
    parser.add_argument("--variant", help="only this variant")
    args = parser.parse_args(argv)
    for fixture_dir, variant in fixture_variants(forms=True):
        if args.fixture not in (None, fixture_dir.name) or args.variant not in (None, variant):
            continue
        pdf, gold = render_fixture(fixture_dir, args.out, variant)
        print(f"{pdf}  {gold}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
