"""`budgetlens eval`: find labelled fixtures, extract their PDFs, score against gold.

A fixture is a folder with `gold.json` and either `document.pdf` beside it (rendered fixtures) or a
`"source"` path relative to the shared dir (the real PDFs, which never enter the repo).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.engine import run_checks
from eval.metrics import ClaimScore, TableScore, score_claims, score_table, summarise, table_key
from eval.metrics_fields import FieldScore, score_fields
from eval.metrics_findings import FindingScore, score_findings
from eval.metrics_forms import FormScore, score_forms
from extraction.errors import InputError
from extraction.records import ExtractionResult, FinalAccountsTable, NarrativeClaim

Extractor = Callable[[Path], ExtractionResult]


@dataclass
class FixtureResult:
    name: str
    pdf: Path | None
    status: str
    tables: list[TableScore]
    claims: ClaimScore
    skipped: str | None = None
    forms: FormScore = field(default_factory=FormScore)
    fields: FieldScore = field(default_factory=FieldScore)
    findings: FindingScore = field(default_factory=FindingScore)
    doc_kinds: dict[str, list[str]] = field(default_factory=dict)  # gold and predicted document kinds
    family: str = ""

    def summary(self) -> dict[str, Any]:
        return {"fixture": self.name, "family": self.family, "status": self.status, "skipped": self.skipped,
                "pdf": str(self.pdf) if self.pdf else None, "doc_kinds": self.doc_kinds,
                **summarise(self.tables, self.claims), "forms": self.forms.summary(),
                "fields": self.fields.summary(), "findings": _findings_line(self.findings),
                "per_table": [_table_row(t) for t in self.tables],
                "claim_misses": self.claims.misses[:50], "claim_wrong": self.claims.wrong[:50]}


def _findings_line(f: FindingScore) -> dict[str, Any] | None:
    return {**f.all.summary(), "complete": f.complete} if f.labelled else None


def family_of(name: str, raw: dict[str, Any]) -> str:
    """The layout family a fixture belongs to: `family` in gold, else the variant a rendered fixture is named
    after (seed004_fa-a3 → a3), else `real` for the real PDFs."""
    if raw.get("family"):
        return str(raw["family"])
    if "-" in name:
        return name.rsplit("-", 1)[1]
    return "real" if raw.get("source") else "other"


def _table_row(t: TableScore) -> dict[str, Any]:
    return {"table": t.key, "found": t.found, "page_ok": t.page_ok, "unit_ok": t.unit_ok,
            "labelled": t.labelled, "correct": t.correct, "accuracy": t.accuracy, "precision": t.precision,
            "missing": t.missing, "wrong": t.wrong, "misplaced": t.misplaced, "phantom": t.phantom,
            "cells": t.errors,
            "per_column": {c: {"labelled": n, "correct": k, "accuracy": k / n if n else 1.0}
                           for c, (n, k) in t.by_column.items()}}


def find_fixtures(roots: list[Path]) -> list[Path]:
    out: list[Path] = []
    for root in roots:
        if (root / "gold.json").is_file():
            out.append(root)
        elif root.is_dir():
            out.extend(sorted(p.parent for p in root.rglob("gold.json")))
    return out


def load_gold(folder: Path) -> tuple[dict[str, Any], ExtractionResult]:
    raw = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    body = {"document": raw["document"], "records": raw.get("records", [])}
    return raw, ExtractionResult.model_validate(body)


def pdf_for(folder: Path, raw: dict[str, Any], shared: Path) -> Path | None:
    if (folder / "document.pdf").is_file():
        return folder / "document.pdf"
    src = raw.get("source")
    if src and (shared / src).is_file():
        return shared / src
    return None


def evaluate_fixture(folder: Path, shared: Path, extract: Extractor) -> FixtureResult:
    raw, gold = load_gold(folder)
    pdf = pdf_for(folder, raw, shared)
    name = raw.get("name") or folder.name
    if pdf is None:
        why = f"no document.pdf and source {raw.get('source')!r} not under {shared}"
        return FixtureResult(name, None, "skipped", [], ClaimScore(), skipped=why, family=family_of(name, raw))
    pred = extract(pdf)
    try:
        findings = score_findings(raw.get("findings"), run_checks(pred) if raw.get("findings") else [])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"its `findings` labels are malformed ({type(exc).__name__}: {exc}); "
                         f"`budgetlens eval validate {folder}` says what to fix", folder / "gold.json") from exc
    return FixtureResult(name, pdf, pred.status, *score_result(gold, pred), forms=score_forms(gold, pred),
                         fields=score_fields(gold, pred), findings=findings, family=family_of(name, raw),
                         doc_kinds={"gold": list(gold.document.doc_kinds), "predicted": list(pred.document.doc_kinds)})


def score_result(gold: ExtractionResult, pred: ExtractionResult) -> tuple[list[TableScore], ClaimScore]:
    gt = [r for r in gold.records if isinstance(r, FinalAccountsTable)]
    pt = [r for r in pred.records if isinstance(r, FinalAccountsTable)]
    pool: dict[str, list[FinalAccountsTable]] = {}
    for t in pt:
        pool.setdefault(table_key(t), []).append(t)
    tables = [score_table(g, _take(pool, table_key(g))) for g in gt]
    gc = [r for r in gold.records if isinstance(r, NarrativeClaim)]
    # a fixture whose gold has no claims does not label them (the self-evaluation fixtures): nothing to score
    pc = [r for r in pred.records if isinstance(r, NarrativeClaim)] if gc else []
    return tables, score_claims(gc, pc)


def _take(pool: dict[str, list[FinalAccountsTable]], key: str) -> FinalAccountsTable | None:
    found = pool.get(key)
    return found.pop(0) if found else None


def overall(results: list[FixtureResult]) -> dict[str, Any]:
    scored = [r for r in results if r.skipped is None]
    tables = [t for r in scored for t in r.tables]
    claims, forms = ClaimScore(), FormScore()
    for r in scored:
        claims.add(r.claims)
        forms.add(r.forms)
    return {"fixtures": len(results), "scored": len(scored), **summarise(tables, claims), "forms": forms.summary()}
