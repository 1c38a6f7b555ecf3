"""Accuracy of self-evaluation forms and scoring tables against gold (pure).

Forms are matched by kind and normalised project name (departments and scoring tables by order); then every
labelled field is compared: numbers exactly, text after removing whitespace. Indicators are compared row by
row, so an inherited level name that went wrong shows up in its row.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from extraction.records import (
    DeptSelfEvaluation,
    ExtractionResult,
    ProjectSelfEvaluation,
    ReportSection,
    ScoringTable,
)

Form = ProjectSelfEvaluation | DeptSelfEvaluation | ScoringTable
SKIP = {"kind", "sources", "issues", "pages"}


def _norm(v: Any) -> Any:
    if isinstance(v, str):
        return "".join(v.split())
    if isinstance(v, float | int) and not isinstance(v, bool):
        return Decimal(str(v))
    return v


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Field path → leaf value; lists by index except funds.others, keyed by their printed label."""
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump(exclude=SKIP)
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            key = v.get("label") if prefix.endswith("others") and isinstance(v, dict) else i
            out.update(flatten(v, f"{prefix}[{key}]"))
    else:
        out[prefix] = _norm(obj)
    return out


def form_key(f: Form) -> str:
    if isinstance(f, ProjectSelfEvaluation):
        return "project:" + "".join(f.project_name.split())
    if isinstance(f, ScoringTable):
        return "scoring:" + "".join((f.title or "").split())
    return f.kind


def forms_of(res: ExtractionResult) -> list[Form]:
    return [r for r in res.records if isinstance(r, ProjectSelfEvaluation | DeptSelfEvaluation | ScoringTable)]


@dataclass
class FormScore:
    gold_forms: int = 0
    found: int = 0
    phantom: int = 0
    pages_ok: int = 0
    numeric: list[int] = field(default_factory=lambda: [0, 0])  # labelled, correct
    text: list[int] = field(default_factory=lambda: [0, 0])
    indicators: list[int] = field(default_factory=lambda: [0, 0])  # gold indicator rows, rows fully right
    by_field: Counter[str] = field(default_factory=Counter)  # wrong counts by field name (no indices)
    errors: list[str] = field(default_factory=list)
    issue_codes: Counter[str] = field(default_factory=Counter)  # gold issue codes found on the matched form
    sections: list[int] = field(default_factory=lambda: [0, 0, 0])  # gold sections, found by heading, text exact

    def add(self, other: FormScore) -> None:
        """Pool another fixture's counts (the overall line of the report)."""
        self.gold_forms += other.gold_forms
        self.found += other.found
        self.phantom += other.phantom
        self.pages_ok += other.pages_ok
        for mine, theirs in ((self.numeric, other.numeric), (self.text, other.text),
                             (self.indicators, other.indicators), (self.sections, other.sections)):
            for i, v in enumerate(theirs):
                mine[i] += v
        self.by_field.update(other.by_field)

    def summary(self) -> dict[str, Any]:
        def rate(pair: list[int]) -> float:
            return pair[1] / pair[0] if pair[0] else 1.0

        return {"forms": self.gold_forms, "forms_found": self.found, "forms_phantom": self.phantom,
                "forms_pages_ok": self.pages_ok, "numeric_fields": self.numeric[0],
                "numeric_accuracy": rate(self.numeric), "text_fields": self.text[0], "text_accuracy": rate(self.text),
                "indicator_rows": self.indicators[0], "indicator_row_accuracy": rate(self.indicators),
                "sections": self.sections[0], "sections_found": self.sections[1],
                "section_text_accuracy": self.sections[2] / self.sections[1] if self.sections[1] else 1.0,
                "wrong_by_field": dict(self.by_field.most_common(15)), "errors": self.errors[:60],
                "issues_found": dict(self.issue_codes)}


def score_forms(gold: ExtractionResult, pred: ExtractionResult) -> FormScore:
    s = FormScore()
    g_forms, p_forms = forms_of(gold), forms_of(pred)
    s.gold_forms = len(g_forms)
    pool: dict[str, list[Form]] = {}
    for f in p_forms:
        pool.setdefault(form_key(f), []).append(f)
    for g in g_forms:
        found = pool.get(form_key(g))
        if not found:
            s.errors.append(f"missed {form_key(g)}")
            continue
        p = found.pop(0)
        s.found += 1
        s.pages_ok += g.pages == p.pages
        _compare(s, g, p)
    s.phantom = sum(len(v) for v in pool.values())
    _sections(s, gold, pred)
    s.errors += [f"phantom {k}" for k, v in pool.items() for _ in v]
    return s


def _compare(s: FormScore, g: Form, p: Form) -> None:
    gf, pf = flatten(g), flatten(p)
    name = form_key(g)
    for path, gv in gf.items():
        if gv is None:
            continue
        bucket = s.numeric if isinstance(gv, Decimal) else s.text
        bucket[0] += 1
        if pf.get(path) == gv:
            bucket[1] += 1
        else:
            s.by_field[_field_name(path)] += 1
            s.errors.append(f"{name} {path}: gold {gv!r} got {pf.get(path)!r}")
    for code in {i.code for i in g.issues} & {i.code for i in p.issues}:
        s.issue_codes[code] += 1
    if isinstance(g, ProjectSelfEvaluation | DeptSelfEvaluation) and isinstance(p, type(g)):
        for i, gi in enumerate(g.indicators):
            s.indicators[0] += 1
            s.indicators[1] += i < len(p.indicators) and flatten(gi) == flatten(p.indicators[i])


def _field_name(path: str) -> str:
    return re.sub(r"\[[^\]]*\]", "[]", path)


def full_texts(pred: ExtractionResult) -> list[tuple[list[str], str, str]]:
    """Each predicted section: its own text, and its text with its sub-sections' appended. Gold may label a section
    whole where the extractor splits it at its sub-headings, which is a finer split, not an error; the closer of
    the two is scored."""
    secs = [r for r in pred.records if isinstance(r, ReportSection) and r.heading_path]
    out = []
    for i, r in enumerate(secs):
        n, parts = len(r.heading_path), [r.text]
        for sub in secs[i + 1:]:
            if sub.heading_path[:n] != r.heading_path:
                break
            parts += [sub.heading_path[-1], sub.text]  # gold labelling a section whole keeps its sub-headings
        out.append((r.heading_path, r.text, "".join(parts)))
    return out


def _sections(s: FormScore, gold: ExtractionResult, pred: ExtractionResult) -> None:
    """Report sections of self-evaluation documents, by their innermost heading; text compared whitespace-free,
    with the sub-sections' text appended when gold labels the section whole (full_texts)."""
    if not forms_of(gold):
        return
    got: dict[str, list[tuple[str, str]]] = {}
    for path, own, whole in full_texts(pred):
        got.setdefault(_norm(path[-1]), []).append((_norm(own), _norm(whole)))
    for r in gold.records:
        if not isinstance(r, ReportSection) or not r.heading_path:
            continue
        s.sections[0] += 1
        texts = got.get(_norm(r.heading_path[-1]))
        if texts:
            s.sections[1] += 1
            same = _norm(r.text) in texts.pop(0)
            s.sections[2] += same
            if not same:
                s.errors.append(f"section {r.heading_path[-1]}: text differs")
        else:
            s.errors.append(f"section missed {r.heading_path}")
