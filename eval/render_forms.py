"""Render the self-evaluation fixtures (绩效自评表, 评价表, 评价报告) to PDFs close to the published forms.

Same contract as the final-accounts renderer (`eval.render`): each fixture directory holds `source.json`
(the hand-transcribed gold) and `spec.yaml` (`kind: forms`: the document's parts in printed order, per-form
layout details, render variants, gold adjustments); `render_extra.json`, when present, holds printed text
that no record carries. The document is planned first (so every record's `pages` is exact), then painted
in one deterministic pass. The written gold is what an extractor can read from this PDF: source.json with
pages filled in and the spec's `gold_adjust` applied (e.g. a fund unit the form does not print → null).
"""

from __future__ import annotations

import copy
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import yaml

from eval import render_forms_datong, render_forms_dept, render_forms_report, render_forms_scoring, render_forms_yunnan
from eval.metrics_findings import gold_json
from eval.render_forms_doc import Ctx, Pool, form_style, part_narrative
from eval.render_forms_grid import Cursor
from eval.render_layout import Planner, load_fonts, paint
from extraction.records import ExtractionResult

FORM_MODULES = [
    "render_forms.py",
    "render_forms_doc.py",
    "render_forms_grid.py",
    "render_forms_text.py",
    "render_forms_yunnan.py",
    "render_forms_dept.py",
    "render_forms_datong.py",
    "render_forms_report.py",
    "render_forms_scoring.py",
]
FIXED_DATE = "D:20250601000000+08'00'"
PARTS = {
    "narrative": part_narrative,
    "yunnan_dept": render_forms_dept.part_dept,
    "yunnan_projects": render_forms_yunnan.part_projects,
    "datong_projects": render_forms_datong.part_projects,
    "evaluation_form": render_forms_scoring.part_evaluation_form,
    "problem_list": render_forms_scoring.part_problem_list,
    "cover": render_forms_report.part_cover,
    "toc": render_forms_report.part_toc,
    "framework": render_forms_report.part_framework,
    "questionnaire": render_forms_report.part_questionnaire,
    "work_paper": render_forms_report.part_work_paper,
    "accounts_table": render_forms_report.part_accounts_table,
}


def is_forms_spec(spec: object) -> bool:
    return isinstance(spec, dict) and spec.get("kind") == "forms" and "variants" in spec and "parts" in spec


def load(fixture_dir: Path) -> tuple[dict, dict, dict]:
    """source.json with exact decimals (35.00 keeps its places), spec.yaml, render_extra.json (or {})."""
    source = json.loads((fixture_dir / "source.json").read_text(encoding="utf-8"), parse_float=Decimal)
    ExtractionResult.model_validate(source)
    spec = yaml.safe_load((fixture_dir / "spec.yaml").read_text(encoding="utf-8"))
    extra_path = fixture_dir / "render_extra.json"
    extra = json.loads(extra_path.read_text(encoding="utf-8"), parse_float=Decimal) if extra_path.exists() else {}
    return source, spec, extra


def charset(*data: object) -> str:
    """Every character the document can print: the fixture's texts plus the renderer's own labels."""
    chars: set[str] = set()
    for d in data:
        chars |= set(json.dumps(d, ensure_ascii=False, default=str))
    for name in FORM_MODULES:
        chars |= set((Path(__file__).parent / name).read_text(encoding="utf-8"))
    chars |= {chr(c) for c in range(32, 127)} | set("—■□√")
    return "".join(sorted(c for c in chars if c.isprintable()))


def set_path(obj: dict, path: str, value: object) -> None:
    *head, last = path.split(".")
    for key in head:
        obj = obj[key]
    obj[last] = value


def adjust_gold(records: list[dict], rules: list[dict]) -> None:
    """spec `gold_adjust`: [{kind, where: {field: value}, set: {dotted.path: value}, why}] applied to the copy
    written as gold.json; every rule must match a record (a stale rule is an error)."""
    for rule in rules or []:
        hits = [
            r
            for r in records
            if r["kind"] == rule["kind"] and all(r.get(k) == v for k, v in (rule.get("where") or {}).items())
        ]
        if not hits:
            raise ValueError(f"gold_adjust rule matches no record: {rule}")
        for rec in hits:
            for path, value in rule["set"].items():
                set_path(rec, path, value)


def plan(source: dict, spec: dict, extra: dict, variant: str) -> tuple[Planner, list[dict]]:
    """Lay the document out part by part; returns the planner and the records with their pages."""
    style = form_style(spec, variant)
    records = copy.deepcopy(source["records"])
    fonts = load_fonts(charset(source, spec, extra), style.faces)
    pl = Planner(fonts)
    ctx = Ctx(Cursor(pl, style.page(style.table_page, False), style.margin), style, spec, extra, Pool(records))
    for part in spec["parts"]:
        PARTS[part["type"]](ctx, part)
    if ctx.pool.left():
        raise ValueError(f"records not placed by the spec's parts: {ctx.pool.left()}")
    stale = set(spec.get("forms") or {}) - {render_forms_yunnan.form_key(r) for r in records}
    if stale:
        raise ValueError(f"spec.yaml forms: entries that name no form: {sorted(stale)}")
    return pl, records


def render_forms_fixture(fixture_dir: Path | str, out_dir: Path | str, variant: str) -> tuple[Path, Path]:
    """Render one variant into `<out_dir>/<fixture>-<variant>/` (document.pdf, gold.json)."""
    fixture_dir, out_dir = Path(fixture_dir), Path(out_dir)
    source, spec, extra = load(fixture_dir)
    pl, records = plan(source, spec, extra, variant)
    meta = {
        "title": spec["title"],
        "author": source["document"].get("department") or "",
        "subject": spec.get("subject", "绩效自评"),
        "keywords": "",
        "creator": "budgetlens eval.render",
        "producer": "budgetlens eval.render",
        "creationDate": FIXED_DATE,
        "modDate": FIXED_DATE,
    }
    pdf = paint(pl.pages, pl.fonts, meta)
    adjust_gold(records, spec.get("gold_adjust"))
    gold = {"document": copy.deepcopy(source["document"]), "records": records}
    gold["document"].update(id=hashlib.sha256(pdf).hexdigest(), file_name="document.pdf", pages=len(pl.pages))
    result = ExtractionResult.model_validate(gold)
    target = out_dir / f"{fixture_dir.name}-{variant}"
    target.mkdir(parents=True, exist_ok=True)
    pdf_path, gold_path = target / "document.pdf", target / "gold.json"
    pdf_path.write_bytes(pdf)
    gold_path.write_text(gold_json(result, fixture_dir), encoding="utf-8")
    return pdf_path, gold_path
