"""Check labelled fixture folders before they are scored, and say for every problem what to do about it.

    python -m eval.validate eval/fixtures eval/bp_corpus build/fixtures [--shared ../shared]

Three kinds of folder (eval/README.md):
- a gold fixture: `gold.json` + `document.pdf` beside it or a `source` path into the shared dir (eval/fixtures/real_*,
  the folders `python -m eval.render` writes, the ones `budgetlens export-fixture` writes);
- a generator fixture: `spec.yaml` + `source.json` (+ `render_extra.json`), `NOTES.md`, one `expected-<variant>.json`
  per variant (eval/fixtures/seed*);
- a labelled corpus for the boilerplate rules: report JSON files + `labels.json` (eval/bp_corpus).

Only the renderer's loaders and its table-grid builder run (no fonts, no PDF): a spec that loads but fails later,
while laying out pages, is found by `python -m eval.render`. Pure except for reading files.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from eval import render, render_forms
from eval.render_forms_yunnan import form_key
from eval.render_grid import BUILDERS, build_grid, expand
from eval.validate_bp import validate_bp_corpus
from eval.validate_findings import label_problems
from eval.validate_json import JsonFile, Problem, model_problems, read_json
from eval.validate_records import corrected_paths, has_sources, record_problems
from extraction.records import ExtractionResult

__all__ = ["Problem", "find_fixture_folders", "validate_fixture", "validate_many"]

GOLD_META = ("source", "name", "findings", "family")  # keys of gold.json the runner reads besides the ExtractionResult
FA_SPEC_KEYS = ("title", "dept_line", "code_header", "code_cols", "toc")
GOLDEN = "write it with BUDGETLENS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py -k {name} and review the diff"
EXTRACTOR_SOURCES = ("the extractor ties every value it reads to its page and box; regenerate the golden file ("
                     + GOLDEN + ") or find out why the extractor lost the sources")
EXPORT_SOURCES = ("this gold keeps the extractor's sources, so a value without one is a correction: list it in "
                  "NOTES.md's corrections table (budgetlens export-fixture writes it) or restore its source")


def fixture_kind(folder: Path) -> str | None:
    """corpus | generator | gold | incomplete (fixture files, but neither gold.json nor spec.yaml/source.json)."""
    if (folder / "labels.json").is_file():
        return "corpus"
    if (folder / "spec.yaml").is_file() or (folder / "source.json").is_file():
        return "generator"
    if (folder / "gold.json").is_file() or (folder / "document.pdf").is_file():
        return "gold"
    if (folder / "NOTES.md").is_file() or any(folder.glob("expected*.json")):
        return "incomplete"
    return None


def find_fixture_folders(root: Path) -> list[Path]:
    """`root` if it is a fixture folder, else the fixture folders under it (not looking inside a fixture)."""
    if not root.is_dir():
        return []
    if fixture_kind(root):
        return [root]
    return [f for sub in sorted(p for p in root.iterdir() if p.is_dir()) for f in find_fixture_folders(sub)]


def validate_many(paths: Iterable[Path], shared: Path = Path("../shared")) -> dict[Path, list[Problem]]:
    """Problems by fixture folder, for every fixture folder given or found under a folder given (an empty list:
    that fixture is fine). A path that is no folder, or holds no fixture, is a key with its problem."""
    out: dict[Path, list[Problem]] = {}
    for path in map(Path, paths):
        folders = find_fixture_folders(path)
        if not path.is_dir():
            out[path] = [Problem(path, "no such folder: give fixture folders or folders holding them")]
        elif not folders:
            out[path] = [Problem(path, "holds no fixture: a fixture folder has gold.json (+ document.pdf or a "
                                       "`source`), or spec.yaml + source.json, or labels.json (eval/README.md)")]
        for folder in folders:
            out[folder] = validate_fixture(folder, shared)
    return out


def validate_fixture(folder: Path, shared: Path) -> list[Problem]:
    """Every problem of one fixture folder; `shared` is where a gold.json `source` path points into."""
    kind = fixture_kind(folder) if folder.is_dir() else None
    if kind == "corpus":
        return validate_bp_corpus(folder)
    if kind == "generator":
        return validate_generator(folder)
    if kind == "gold":
        return validate_gold(folder, shared)
    if not folder.is_dir():
        return [Problem(folder, "no such folder")]
    return [Problem(folder, "not a complete fixture: add gold.json (with document.pdf or a `source`) or spec.yaml + "
                            "source.json, or labels.json for a corpus (eval/README.md says what each holds)")]


# --- gold fixtures --------------------------------------------------------------------------------------------


def validate_gold(folder: Path, shared: Path) -> list[Problem]:
    problems: list[Problem] = []
    gold = read_json(folder / "gold.json", problems, "gold.json: the labelled records (an ExtractionResult) that "
                                                     "`budgetlens eval` scores the extractor against")
    raw = gold.data if gold is not None and isinstance(gold.data, dict) else None
    if gold is not None and raw is None:
        problems.append(gold.problem((), "gold.json must be an object: {document, records, …}"))
    if gold is not None and raw is not None:
        problems += model_problems(gold, ExtractionResult, {k: v for k, v in raw.items() if k not in GOLD_META})
        notes = folder / "NOTES.md"
        excused = corrected_paths(notes.read_text(encoding="utf-8")) if notes.is_file() else set()
        problems += record_problems(gold, has_sources(gold), excused, EXPORT_SOURCES)
    if raw is not None and raw.get("source") and not (folder / "NOTES.md").is_file():
        problems.append(Problem(folder / "NOTES.md", "missing: say where the gold comes from (the PDF, its sha256), "
                                                     "how it was made and checked, and every labelling decision"))
    if raw is not None and "findings" in raw:
        labelled = ExtractionResult.model_validate({"document": raw["document"], "records": raw.get("records", [])}) \
            if not any(p.path == folder / "gold.json" for p in problems) else None
        problems += label_problems(folder / "gold.json", raw["findings"], labelled, rendered=False)
    problems += _pdf_problems(folder, gold, shared)
    if (folder / "expected.json").is_file():
        problems += _expected_problems(folder / "expected.json", folder.name, _doc_id(raw))
    return problems


def _doc_id(raw: dict[str, Any] | None) -> str | None:
    doc = raw.get("document") if raw else None
    return doc.get("id") if isinstance(doc, dict) else None


def _pdf_problems(folder: Path, gold: JsonFile | None, shared: Path) -> list[Problem]:
    """The PDF the gold labels: beside it, or at `source` under the shared dir; a PDF whose sha256 is the gold's
    document.id."""
    raw = gold.data if gold is not None and isinstance(gold.data, dict) else {}
    src = raw.get("source")
    pdf = folder / "document.pdf"
    if not pdf.is_file() and gold is not None and src:
        pdf = shared / str(src)
        if not shared.is_dir():
            return [gold.problem(("source",), f"points into the shared dir {shared}, which does not exist: pass the "
                                              "shared dir (--shared, BUDGETLENS_SHARED_DIR; default ../shared)")]
        if not pdf.is_file():
            return [gold.problem(("source",), f"{src!r} is not in the shared dir ({pdf} is missing): put the PDF "
                                              "there, or correct the path (relative to the shared dir)")]
    if not pdf.is_file():
        return [Problem(pdf, "missing: the PDF this gold labels; put it here as document.pdf, or give gold.json a "
                             "`source` path relative to the shared dir (eval skips the fixture otherwise)")]
    data = pdf.read_bytes()
    if not data.startswith(b"%PDF-"):
        return [Problem(pdf, "is not a PDF (it does not start with %PDF-): replace it with the labelled document")]
    doc_id = _doc_id(raw)
    if gold is not None and doc_id and doc_id != hashlib.sha256(data).hexdigest():
        return [gold.problem(("document", "id"), f"is not the sha256 of {pdf}: the gold was written for another "
                                                 "version of the file; re-render (python -m eval.render) or re-export "
                                                 "it, or check the labels against this PDF and set document.id")]
    return []


def _expected_problems(path: Path, name: str, gold_id: str | None = None) -> list[Problem]:
    """A golden file: the extractor's whole output, with a source for every value it read."""
    problems: list[Problem] = []
    f = read_json(path, problems, "the extractor's full output on this fixture (golden file); "
                                  + GOLDEN.format(name=name))
    if f is None:
        return problems
    errors = model_problems(f, ExtractionResult)
    problems += errors + record_problems(f, True, set(), EXTRACTOR_SOURCES.format(name=name))
    doc = f.data.get("document") if isinstance(f.data, dict) else None
    if not errors and gold_id and isinstance(doc, dict) and doc.get("id") != gold_id:
        problems.append(f.problem(("document", "id"), "differs from gold.json's document.id: the two describe "
                                                      "different files; " + GOLDEN.format(name=name)))
    return problems


# --- generator fixtures (spec.yaml + source.json) ---------------------------------------------------------------


def validate_generator(folder: Path) -> list[Problem]:
    problems: list[Problem] = []
    if not (folder / "NOTES.md").is_file():
        problems.append(Problem(folder / "NOTES.md", "missing: say where the gold comes from (the seed and its "
                                                     "lines), how it was checked, and every labelling decision"))
    source = read_json(folder / "source.json", problems, "source.json: the hand-transcribed gold records (an "
                                                         "ExtractionResult; pages are filled in by the renderer)")
    if source is not None:
        problems += model_problems(source, ExtractionResult) + record_problems(source, sources_expected=False)
    if (folder / "render_extra.json").is_file():
        read_json(folder / "render_extra.json", problems, "")
    if (folder / "findings.yaml").is_file():
        labels = _read_yaml(folder / "findings.yaml", problems)
        gold = ExtractionResult.model_validate(source.data) if source is not None and not problems else None
        problems += label_problems(folder / "findings.yaml", labels, gold, rendered=True)
    spec = _read_yaml(folder / "spec.yaml", problems)
    variants = _variants(folder / "spec.yaml", spec, problems)
    if variants and not any(p.path.name in ("source.json", "spec.yaml", "render_extra.json") for p in problems):
        problems += _render_problems(folder)
    for variant in variants:
        problems += _expected_problems(folder / f"expected-{variant}.json", folder.name)
    for path in sorted(folder.glob("expected*.json")):
        if path.stem.removeprefix("expected-") not in variants:
            problems.append(Problem(path, "names no variant of spec.yaml, so tests/test_golden.py never compares "
                                          "it: delete it, or add the variant to spec.yaml"))
    return problems


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    if not path.is_file():
        problems.append(Problem(path, "missing: the render spec (layout per table or form part, and the variants) "
                                      "that python -m eval.render draws source.json with"))
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem(path, f"not valid YAML: {getattr(exc, 'problem', None) or exc}; fix the syntax "
                                      "(indentation, a `:` or quote)", line))
        return None


def _variants(path: Path, spec: Any, problems: list[Problem]) -> list[str]:
    """The spec's variant names ([] with a problem when the spec is not one the renderer draws)."""
    if spec is None:
        return []
    fa = isinstance(spec, dict) and {"variants", "tables"} <= spec.keys()
    if not (fa or render_forms.is_forms_spec(spec)):
        problems.append(Problem(path, "neither a final-accounts spec (`variants` and `tables`) nor a forms spec "
                                      "(`kind: forms`, `variants`, `parts`): python -m eval.render skips it, so "
                                      "no PDF and no gold.json are made"))
        return []
    variants = spec["variants"]
    if not isinstance(variants, dict) or not variants or not all(isinstance(v, dict) for v in variants.values()):
        problems.append(Problem(path, "`variants` must map each variant name to its style keys (an empty mapping "
                                      "`{}` for the defaults)"))
        return []
    missing = [k for k in FA_SPEC_KEYS if k not in spec] if fa else ([] if "title" in spec else ["title"])
    if missing:
        problems.append(Problem(path, f"lacks {', '.join(missing)}: the renderer reads them (see a sibling "
                                      "fixture's spec.yaml)"))
    return [str(v) for v in variants]


def _render_problems(folder: Path) -> list[Problem]:
    """What the renderer's own loader and cheap steps say about the fixture (no fonts, no PDF)."""
    spec_path = folder / "spec.yaml"
    try:
        if render_forms.is_forms_spec(yaml.safe_load(spec_path.read_text(encoding="utf-8"))):
            source, spec, _ = render_forms.load(folder)
            return _forms_problems(spec_path, source, spec)
        source, spec = render.load_fixture(folder)
        return _table_problems(spec_path, source, spec)
    except Exception as exc:  # whatever the renderer trips on is the problem to report
        return [Problem(spec_path, f"the renderer cannot load this fixture: {type(exc).__name__}: {exc}")]


def _table_problems(path: Path, source: dict, spec: dict) -> list[Problem]:
    """Final-accounts spec: a `tables` entry for every table of source.json, none for no table, and a grid the
    renderer can build for every table in every variant."""
    out: dict[str, Problem] = {}
    numbers = {r.get("number") for r in source["records"] if r["kind"] == "final_accounts_table"}
    for stale in sorted(set(spec["tables"]) - numbers):
        out[stale] = Problem(path, f"tables.{stale} names no table of source.json: remove it or correct the number",
                             _yaml_line(path, stale))
    for variant in spec["variants"]:
        style = render.variant_style(spec, variant)
        src, sp = render.convert(source, spec, spec["variants"][variant].get("convert"))
        ctx = {"thousands": style.thousands, "split_codes": style.split_codes, "code_header": sp["code_header"],
               "code_cols": sp["code_cols"]}
        for i, rec in enumerate(src["records"]):
            number = rec.get("number")
            if rec["kind"] != "final_accounts_table":
                continue
            if number not in sp["tables"]:
                out.setdefault(f"{number}", Problem(path, f"no tables.{number} entry for source.json records[{i}] "
                                                          f"({rec['title']}): add its layout (family, unit_label …)"))
                continue
            message = _grid_problem(rec, sp["tables"][number], ctx)
            if message:
                out.setdefault(f"{number}:{message}", Problem(
                    path, f"tables.{number} (variant {variant}, source.json records[{i}]): {message}",
                    _yaml_line(path, number)))
    return list(out.values())


def _grid_problem(rec: dict, tspec: dict, ctx: dict) -> str | None:
    """Why the renderer's grid builder cannot lay the table out with its spec entry (None: it can)."""
    if tspec.get("family") not in BUILDERS:
        return f"family {tspec.get('family')!r} is not one the renderer draws ({', '.join(BUILDERS)})"
    if tspec.get("family") == "two_sided" and isinstance(tspec.get("rows_at"), dict):
        for side in ("收入", "支出"):
            placed = len(expand(tspec["rows_at"].get(side) or []))
            rows = sum(1 for r in rec["rows"] if r.get("section") == side)
            if placed != rows:
                return (f"rows_at.{side} places {placed} rows but the table has {rows} {side} rows: give the printed "
                        "line of every row of that side (ranges like 1-8 allowed)")
    try:
        build_grid(rec, tspec, ctx)
    except Exception as exc:  # the renderer's own grid builder: its failure is the spec's problem
        return (f"the renderer cannot lay it out: {type(exc).__name__}: {exc} (family, lines, rows_at, block_rows, "
                "numbers must fit the table's rows and columns)")
    return None


def _yaml_line(path: Path, key: str) -> int | None:
    """The line where `key:` opens a mapping entry in the YAML file (a hint for the reader, not a parser)."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith(f"{key}:"):
            return n
    return None


def _forms_problems(path: Path, source: dict, spec: dict) -> list[Problem]:
    """Forms spec: known part types, a style for every variant, gold_adjust rules and `forms` entries that match."""
    out = []
    for i, part in enumerate(spec["parts"]):
        kind = part.get("type") if isinstance(part, dict) else part
        if kind not in render_forms.PARTS:
            out.append(Problem(path, f"parts[{i}]: unknown part type {kind!r}; the renderer draws "
                                     f"{', '.join(render_forms.PARTS)}"))
    try:
        render_forms.adjust_gold(copy.deepcopy(source["records"]), spec.get("gold_adjust") or [])
    except (ValueError, KeyError, TypeError) as exc:
        out.append(Problem(path, f"gold_adjust: {exc}; correct the rule (kind, where, set) or remove it"))
    stale = set(spec.get("forms") or {}) - {form_key(r) for r in source["records"]}
    if stale:
        out.append(Problem(path, f"forms: entries that name no form of source.json: {', '.join(sorted(stale))}; "
                                 "key them by the form's 附件 label (form_label), else its project_name"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.validate", description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--shared", type=Path, default=Path("../shared"), help="where gold.json `source` paths point")
    args = ap.parse_args(argv)
    results = validate_many(args.folders, args.shared)
    for folder, problems in results.items():
        print(f"{folder}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        for p in problems:
            print(f"  {p}")
    return 1 if any(results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
