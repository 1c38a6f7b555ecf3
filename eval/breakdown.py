"""The report's pooled sections beyond the overall line (pure): document-kind confusion, detection scores per rule
and severity, per-field scores, and the headline figures by layout family."""

from __future__ import annotations

from collections import Counter
from typing import Any

from eval.metrics_fields import FieldScore
from eval.metrics_findings import FindingScore
from eval.runner import FixtureResult, overall

ABSENT = "—"


def kinds(results: list[FixtureResult]) -> dict[str, Any]:
    """Multi-label: each gold kind is paired with itself when predicted, else with "—"; an extra predicted kind is
    ("—", kind). Accuracy = documents whose kinds are exactly right."""
    pairs: Counter[tuple[str, str]] = Counter()
    exact = n = 0
    for r in results:
        if not r.doc_kinds:
            continue
        gold, pred = set(r.doc_kinds["gold"]), set(r.doc_kinds["predicted"])
        n += 1
        exact += gold == pred
        pairs.update((k, k) for k in gold & pred)
        pairs.update((k, ABSENT) for k in gold - pred)
        pairs.update((ABSENT, k) for k in pred - gold)
    return {"documents": n, "exact": exact, "accuracy": exact / n if n else 1.0,
            "confusion": [{"gold": g, "predicted": p, "count": c} for (g, p), c in sorted(pairs.items())]}


def findings(results: list[FixtureResult]) -> dict[str, Any] | None:
    pooled = FindingScore()
    for r in results:
        pooled.add(r.findings, r.name)
    if not pooled.labelled:
        return None
    pooled.complete = all(r.findings.complete for r in results if r.findings.labelled)
    return pooled.summary()


def fields(results: list[FixtureResult]) -> dict[str, Any]:
    pooled = FieldScore()
    for r in results:
        pooled.add(r.fields)
    return pooled.summary()


def headline(o: dict[str, Any], found: dict[str, Any] | None) -> dict[str, Any]:
    """The few figures a family or an extractor is compared on."""
    forms = o["forms"]
    return {"fixtures": o["scored"], "value_accuracy": o["value_accuracy"], "values": o["values_labelled"],
            "claims_recall": o["claims_recall"], "claims": o["claims_gold"],
            "form_numeric_accuracy": forms["numeric_accuracy"], "form_text_accuracy": forms["text_accuracy"],
            "form_fields": forms["numeric_fields"] + forms["text_fields"],
            "findings_recall": found["all"]["recall"] if found else None,
            "findings_precision": found["all"]["precision"] if found else None}


def by_family(results: list[FixtureResult]) -> dict[str, Any]:
    groups: dict[str, list[FixtureResult]] = {}
    for r in results:
        if r.skipped is None:
            groups.setdefault(r.family, []).append(r)
    return {fam: headline(overall(rs), findings(rs)) for fam, rs in sorted(groups.items())}


def sections(results: list[FixtureResult]) -> dict[str, Any]:
    """Everything run_eval adds to the report next to `overall` and `fixtures`."""
    scored = [r for r in results if r.skipped is None]
    return {"kinds": kinds(scored), "findings": findings(scored), "fields": fields(scored),
            "by_family": by_family(scored)}


def by_extractor(reports: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Headline figures of the same fixtures read by each extractor (and its LLM usage), side by side."""
    return {name: {**headline(r["overall"], r.get("findings")), **({"llm": r["llm"]} if r.get("llm") else {})}
            for name, r in reports.items()}
