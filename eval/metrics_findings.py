"""Detection accuracy: the findings the rules raise on a fixture against the findings its gold expects (pure).

Gold lists expected findings by rule id and evidence page (`findings.expected`: `{rule, severity, page | pages,
count, record, note}`).
A raised finding matches an expected one when the rule is the same and the expected page is among its evidence
pages; each expected finding takes at most one raised finding. `findings.scope` names the severities scored
(default error and warning: info findings are rounding notes nobody labels). When `findings.complete` is true
every raised finding in scope that matches nothing is a false alarm; otherwise the fixture only measures recall.

Seed fixtures are rendered in several layouts whose pages differ, so their labels (`findings.yaml` beside the
fixture's source) name the record instead (`form:项目名`, `table:std_name`, `section:标题`, `claim:原文片段`,
`dept`); `resolve` turns each into that record's pages in the rendered gold (`pages`: any of them matches).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from checks.model import Finding
from extraction.records import (
    DeptSelfEvaluation,
    ExtractionResult,
    FinalAccountsTable,
    NarrativeClaim,
    ProjectSelfEvaluation,
    ReportSection,
)

DEFAULT_SCOPE = ("error", "warning")


def _c(s: str) -> str:
    return "".join(s.split())


def locate(gold: ExtractionResult, locator: str) -> Any:
    """The first gold record a label's locator names, or None."""
    kind, _, name = locator.partition(":")
    name = _c(name)
    for r in gold.records:
        if kind == "form" and isinstance(r, ProjectSelfEvaluation) and _c(r.project_name) == name \
                or kind == "dept" and isinstance(r, DeptSelfEvaluation) \
                or kind == "table" and isinstance(r, FinalAccountsTable) and _c(r.std_name) == name \
                or kind == "section" and isinstance(r, ReportSection) and bool(r.heading_path) \
                and _c(r.heading_path[-1]) == name \
                or kind == "claim" and isinstance(r, NarrativeClaim) and name in _c(r.raw):
            return r
    return None


def record_pages(gold: ExtractionResult, locator: str) -> list[int]:
    """The pages of the record a locator names ([] when none)."""
    r = locate(gold, locator)
    if r is None:
        return []
    return [r.page] if isinstance(r, NarrativeClaim) else list(r.pages)


def resolve(labels: dict[str, Any], gold: ExtractionResult) -> dict[str, Any]:
    """A rendered variant's `findings` block: every `record` locator turned into the page it starts on. A locator
    that finds nothing is an error (a stale label must not silently stop counting)."""
    out = []
    for e in labels.get("expected", []):
        e = dict(e)
        if e.get("severity") not in ("error", "warning", "info"):
            raise ValueError(f"findings label {e.get('rule')} {e.get('record', e.get('page'))!r}: give its severity")
        if "page" not in e:
            e["pages"] = record_pages(gold, e["record"])
            if not e["pages"]:
                raise ValueError(f"findings label {e['rule']} {e['record']!r}: no such record (or no pages) in the gold")
        out.append(e)
    return {"scope": list(labels.get("scope", DEFAULT_SCOPE)), "complete": bool(labels.get("complete", False)),
            "expected": out}


@dataclass
class Counts:
    expected: int = 0
    found: int = 0  # raised in scope (the denominator of precision only when the labels are complete)
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, o: Counts) -> None:
        for k in ("expected", "found", "tp", "fp", "fn"):
            setattr(self, k, getattr(self, k) + getattr(o, k))

    def summary(self) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / self.expected if self.expected else 1.0
        return {"expected": self.expected, "found": self.found, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


@dataclass
class FindingScore:
    labelled: bool = False
    complete: bool = False
    scope: tuple[str, ...] = DEFAULT_SCOPE
    per_rule: dict[str, Counts] = field(default_factory=dict)
    per_severity: dict[str, Counts] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)

    def _bump(self, rule: str, severity: str, what: str) -> None:
        for table, key in ((self.per_rule, rule), (self.per_severity, severity)):
            c = table.setdefault(key, Counts())
            setattr(c, what, getattr(c, what) + 1)

    def add(self, o: FindingScore, fixture: str = "") -> None:
        """Pool another fixture (the overall line); its misses and false alarms keep the fixture's name."""
        if not o.labelled:
            return
        self.labelled = True
        self.scope = tuple(sorted(set(self.scope) | set(o.scope)))
        for mine, theirs in ((self.per_rule, o.per_rule), (self.per_severity, o.per_severity)):
            for k, c in theirs.items():
                mine.setdefault(k, Counts()).add(c)
        self.misses += [{"fixture": fixture, **m} for m in o.misses]
        self.false_alarms += [{"fixture": fixture, **m} for m in o.false_alarms]

    @property
    def all(self) -> Counts:
        total = Counts()
        for c in self.per_rule.values():
            total.add(c)
        return total

    def summary(self) -> dict[str, Any] | None:
        if not self.labelled:
            return None
        return {"scope": list(self.scope), "complete": self.complete, "all": self.all.summary(),
                "per_rule": {k: c.summary() for k, c in sorted(self.per_rule.items())},
                "per_severity": {k: c.summary() for k, c in sorted(self.per_severity.items())},
                "misses": self.misses[:100], "false_alarms": self.false_alarms[:100]}


def score_findings(labels: dict[str, Any] | None, raised: list[Finding]) -> FindingScore:
    if not labels:
        return FindingScore()
    scope = tuple(labels.get("scope", DEFAULT_SCOPE))
    s = FindingScore(labelled=True, complete=bool(labels.get("complete")), scope=scope)
    pool = [f for f in raised if f.severity in scope]
    taken: Counter[int] = Counter()
    for e in labels.get("expected", []):
        sev = e["severity"]  # the severity the label expects: per-severity recall is about what should be raised
        for _ in range(int(e.get("count", 1))):
            pages = set(e.get("pages") or [e["page"]])
            hit = next((i for i, f in enumerate(pool) if not taken[i] and f.rule_id == e["rule"]
                        and pages & {ev.page for ev in f.evidence}), None)
            s._bump(e["rule"], sev, "expected")
            if hit is None:
                s._bump(e["rule"], sev, "fn")
                s.misses.append({"rule": e["rule"], "page": min(pages), "severity": sev,
                                 "note": e.get("note") or e.get("record", "")})
                continue
            taken[hit] = 1
            s._bump(e["rule"], sev, "tp")
    for i, f in enumerate(pool):
        s._bump(f.rule_id, f.severity, "found")
        if not taken[i] and s.complete:
            s._bump(f.rule_id, f.severity, "fp")
            page = next((ev.page for ev in f.evidence if ev.page), None)
            s.false_alarms.append({"rule": f.rule_id, "page": page, "severity": f.severity, "message": f.message})
    return s


def gold_json(result: ExtractionResult, fixture_dir: Path) -> str:
    """A rendered variant's gold.json: the gold records and, when the fixture has `findings.yaml`, its labels
    resolved to this variant's pages."""
    text = result.model_dump_json(indent=1) + "\n"
    labels_path = fixture_dir / "findings.yaml"
    if not labels_path.is_file():
        return text
    block = resolve(yaml.safe_load(labels_path.read_text(encoding="utf-8")) or {}, result)
    return "{\n \"findings\": " + json.dumps(block, ensure_ascii=False) + ",\n" + text[2:]
