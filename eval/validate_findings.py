"""Checks of expected-findings labels: `findings` in gold.json, `findings.yaml` beside a render spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.metrics_findings import locate
from eval.validate_json import Problem
from extraction.records import ExtractionResult

SEVERITIES = ("error", "warning", "info")
LOCATORS = ("form:", "dept", "table:", "section:", "claim:")


def _known_rules() -> set[str]:
    import checks.engine  # noqa: F401  (importing the engine registers every rule)
    from checks.registry import REGISTRY

    return set(REGISTRY)


def label_problems(path: Path, labels: Any, gold: ExtractionResult | None, rendered: bool) -> list[Problem]:
    """Every problem of one findings block; `rendered`: the labels name records (pages come from the render)."""
    if not isinstance(labels, dict) or not isinstance(labels.get("expected"), list):
        return [Problem(path, "findings must be {scope, complete, expected: [...]} (eval/README.md, Expected findings)")]
    out = []
    if not set(labels.get("scope", SEVERITIES[:2])) <= set(SEVERITIES):
        out.append(Problem(path, f"findings.scope {labels.get('scope')!r}: use severities from {SEVERITIES}"))
    rules = _known_rules()
    for i, e in enumerate(labels["expected"]):
        where = f"findings.expected[{i}]"
        if not isinstance(e, dict):
            out.append(Problem(path, f"{where}: a label is a mapping {{rule, severity, page|record, count, note}}"))
            continue
        if e.get("rule") not in rules:
            out.append(Problem(path, f"{where}: rule {e.get('rule')!r} is not in the registry (budgetlens rules)"))
        if e.get("severity") not in SEVERITIES:
            out.append(Problem(path, f"{where}: give the severity the finding should carry, one of {SEVERITIES}"))
        if not isinstance(e.get("count", 1), int) or e.get("count", 1) < 1:
            out.append(Problem(path, f"{where}: count must be a positive whole number"))
        out += _where_problems(path, where, e, gold, rendered)
    return out


def _where_problems(path: Path, where: str, e: dict[str, Any], gold: ExtractionResult | None,
                    rendered: bool) -> list[Problem]:
    if "page" in e or "pages" in e:
        pages = e.get("pages") or [e.get("page")]
        if not all(isinstance(p, int) and p >= 1 for p in pages):
            return [Problem(path, f"{where}: pages are whole numbers from 1")]
        if rendered:
            return [Problem(path, f"{where}: a rendered fixture's pages differ by layout: name the record "
                                  f"(record: form:项目名 | dept | table:表名 | section:标题 | claim:原文)")]
        return []
    loc = e.get("record")
    if not isinstance(loc, str) or not loc.startswith(LOCATORS):
        return [Problem(path, f"{where}: give `page` (the evidence page) or `record` ({' | '.join(LOCATORS)}…)")]
    if gold is not None and locate(gold, loc) is None:
        return [Problem(path, f"{where}: record {loc!r} names no record of the gold: correct the name")]
    return []
