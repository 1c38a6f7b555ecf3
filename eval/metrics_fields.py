"""Per record kind and field: precision, recall, F1, value accuracy and, for text, character error rate (pure).

Records are paired the way the other metrics pair them (tables by std_name, cells by row and column, claims by page
and printed text, forms by kind and project name, sections by heading). A field counts as *gold* when gold has a
value, *predicted* when the extractor gave one (phantom records included), *correct* when both agree: numbers within
the field's tolerance (eval/tolerance.yaml, exact unless it says otherwise), text after removing whitespace.
CER = edit distance / gold length over the paired text fields, so a near miss on a long section weighs less than a
section lost.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz.distance import Levenshtein

from eval.metrics import _CLAIM_FIELDS, _same, cell_values, claim_index, table_key
from eval.metrics_forms import _field_name, _norm, flatten, form_key, forms_of, full_texts
from extraction.errors import ConfigError
from extraction.records import ExtractionResult, FinalAccountsTable, NarrativeClaim, ReportSection

TOLERANCE_FILE = Path(__file__).with_name("tolerance.yaml")


@cache
def tolerances(path: Path = TOLERANCE_FILE) -> tuple[tuple[str, Decimal], ...]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
        table = tuple((str(k), Decimal(str(v))) for k, v in (raw or {}).items())
    except (yaml.YAMLError, AttributeError, ArithmeticError) as exc:
        raise ConfigError(f"{path}: not a mapping of `record_kind.field` patterns to numbers ({exc}); "
                          f"correct it (see its comments)") from exc
    if any(tol < 0 for _, tol in table):
        raise ConfigError(f"{path}: a tolerance is negative; use 0 for an exact comparison")
    return table


def tolerance(kind: str, name: str, table: tuple[tuple[str, Decimal], ...] | None = None) -> Decimal:
    """The first pattern (fnmatch over `record_kind.field`) that matches; exact (0) when none does."""
    for pattern, tol in table if table is not None else tolerances():
        if fnmatch.fnmatchcase(f"{kind}.{name}", pattern):
            return tol
    return Decimal(0)


@dataclass
class Stat:
    gold: int = 0
    predicted: int = 0
    matched: int = 0  # a gold value in a record the extractor also produced
    correct: int = 0
    edits: int = 0  # text only
    chars: int = 0

    def summary(self, text: bool) -> dict[str, Any]:
        p = self.correct / self.predicted if self.predicted else 1.0
        r = self.correct / self.gold if self.gold else 1.0
        return {"gold": self.gold, "predicted": self.predicted, "matched": self.matched, "correct": self.correct,
                "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                "accuracy": self.correct / self.matched if self.matched else 1.0,
                "cer": (self.edits / self.chars if self.chars else 0.0) if text else None}


@dataclass
class FieldScore:
    stats: dict[tuple[str, str], Stat] = field(default_factory=dict)
    text: set[tuple[str, str]] = field(default_factory=set)

    def pair(self, kind: str, name: str, g: Any, p: Any, paired: bool = True) -> None:
        """One field of a gold record, a predicted one or both (`paired`); either value may be None."""
        s = self.stats.setdefault((kind, name), Stat())
        g, p = _norm(g), _norm(p)
        s.gold += g is not None and g != ""
        s.predicted += p is not None and p != ""
        if g is None or g == "":
            return
        s.matched += paired
        if isinstance(g, str):
            self.text.add((kind, name))
            if paired:  # a record not found at all is a recall miss, not a character error
                s.edits += Levenshtein.distance(g, p if isinstance(p, str) else "")
                s.chars += len(g)
            s.correct += g == p
        elif isinstance(g, Decimal) and isinstance(p, Decimal):
            s.correct += abs(g - p) <= tolerance(kind, name)
        else:
            s.correct += g == p

    def add(self, other: FieldScore) -> None:
        for k, o in other.stats.items():
            s = self.stats.setdefault(k, Stat())
            for a in ("gold", "predicted", "matched", "correct", "edits", "chars"):
                setattr(s, a, getattr(s, a) + getattr(o, a))
        self.text |= other.text

    def summary(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for (kind, name), s in sorted(self.stats.items()):
            if s.gold or s.predicted:
                out.setdefault(kind, {})[name] = s.summary((kind, name) in self.text)
        return out


def score_fields(gold: ExtractionResult, pred: ExtractionResult) -> FieldScore:
    s = FieldScore()
    _tables(s, gold, pred)
    _claims(s, gold, pred)
    _forms(s, gold, pred)
    _sections(s, gold, pred)
    return s


def _tables(s: FieldScore, gold: ExtractionResult, pred: ExtractionResult) -> None:
    pool: dict[str, list[FinalAccountsTable]] = {}
    for t in (r for r in pred.records if isinstance(r, FinalAccountsTable)):
        pool.setdefault(table_key(t), []).append(t)
    pairs: list[tuple[FinalAccountsTable | None, FinalAccountsTable | None]] = []
    for g in (r for r in gold.records if isinstance(r, FinalAccountsTable)):
        found = pool.get(table_key(g))
        pairs.append((g, found.pop(0) if found else None))
    pairs += [(None, t) for ts in pool.values() for t in ts]  # phantom tables
    for g, p in pairs:
        gc, pc = (cell_values(g) if g else {}), (cell_values(p) if p else {})
        rows = {k[:3] for k in gc}
        for k in set(gc) | {k for k in pc if k[:3] in rows or g is None}:
            s.pair("final_accounts_table", f"cells.{k[3]}", gc.get(k), pc.get(k), bool(g and p))
        s.pair("final_accounts_table", "unit", g.unit if g else None, p.unit if p else None, bool(g and p))


def _claims(s: FieldScore, gold: ExtractionResult, pred: ExtractionResult) -> None:
    gc = [r for r in gold.records if isinstance(r, NarrativeClaim)]
    if not gc:  # a fixture whose gold has no claims does not label them
        return
    gi, pi = claim_index(gc), claim_index([r for r in pred.records if isinstance(r, NarrativeClaim)])
    for k in set(gi) | set(pi):
        g, p = gi.get(k), pi.get(k)
        for f in _CLAIM_FIELDS:
            gv, pv = getattr(g, f, None), getattr(p, f, None)
            if f == "unit" and gv is not None and pv is not None and _same(f, gv, pv):
                pv = gv  # units compare in one width
            s.pair("narrative_claim", f, gv, pv, bool(g and p))


def _forms(s: FieldScore, gold: ExtractionResult, pred: ExtractionResult) -> None:
    pool: dict[str, list[Any]] = {}
    for f in forms_of(pred):
        pool.setdefault(form_key(f), []).append(f)
    pairs = []
    for g in forms_of(gold):
        found = pool.get(form_key(g))
        pairs.append((g, found.pop(0) if found else None))
    pairs += [(None, p) for ps in pool.values() for p in ps]
    for g, p in pairs:
        kind = (g or p).kind
        gf, pf = (flatten(g) if g else {}), (flatten(p) if p else {})
        for path in set(gf) | set(pf):
            s.pair(kind, _field_name(path), gf.get(path), pf.get(path), bool(g and p))


def _sections(s: FieldScore, gold: ExtractionResult, pred: ExtractionResult) -> None:
    if not any(isinstance(r, ReportSection) for r in gold.records):  # this fixture does not label sections
        return
    got: dict[str, list[tuple[list[str], str, str]]] = {}
    for path, own, whole in full_texts(pred):
        got.setdefault(_norm(path[-1]), []).append((path, own, whole))
    matched: list[list[str]] = []
    for r in gold.records:
        if isinstance(r, ReportSection) and r.heading_path:
            found = got.get(_norm(r.heading_path[-1]))
            path, own, whole = found.pop(0) if found else (None, None, None)
            text = None
            if path is not None:
                matched.append(path)
                g = _norm(r.text)
                text = min((own, whole), key=lambda t: Levenshtein.distance(g, _norm(t)))
            s.pair("report_section", "heading", r.heading_path[-1], r.heading_path[-1] if path else None, bool(path))
            s.pair("report_section", "text", r.text, text, bool(path))
    for heading, rest in got.items():  # headings gold does not have, unless inside a section gold has whole
        for path, own, _ in rest:
            if not any(path[:len(m)] == m for m in matched):
                s.pair("report_section", "heading", None, heading)
                s.pair("report_section", "text", None, own)
