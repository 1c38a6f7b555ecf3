"""Extraction accuracy against gold records (pure): tables, cells and narrative claims.

Identities follow docs/records.md: a cell is (std_name, title for 其他, section, code or label, repeat n, column);
a claim is (page, raw without whitespace, repeat n). A value read into the wrong row or column is counted
separately from a missing one, because it is the error an auditor cannot see.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from extraction.numbers import normalize
from extraction.records import OTHER, FinalAccountsTable, NarrativeClaim

CellKey = tuple[str, str, int, str]
ClaimKey = tuple[int, str, int]


def _compact(s: str) -> str:
    return "".join(s.split())


def table_key(t: FinalAccountsTable) -> str:
    return t.std_name if t.std_name != OTHER else f"{OTHER}:{_compact(t.title)}"


def cell_values(t: FinalAccountsTable) -> dict[CellKey, Decimal | None]:
    out: dict[CellKey, Decimal | None] = {}
    seen: Counter[tuple[str, str]] = Counter()
    for row in t.rows:
        rk = (row.section or "", row.code or _compact(row.label))
        n = seen[rk]
        seen[rk] += 1
        for col, v in row.cells.items():
            out[(rk[0], rk[1], n, col)] = v
    return out


def cell_paths(t: FinalAccountsTable) -> dict[CellKey, tuple[str, str]]:
    """Cell identity → (its path in `sources`, the row as printed), enumerated as cell_values does."""
    out: dict[CellKey, tuple[str, str]] = {}
    seen: Counter[tuple[str, str]] = Counter()
    for i, row in enumerate(t.rows):
        rk = (row.section or "", row.code or _compact(row.label))
        n = seen[rk]
        seen[rk] += 1
        for col in row.cells:
            out[(rk[0], rk[1], n, col)] = (f"rows[{i}].cells.{col}", " ".join(x for x in (row.code, row.label) if x))
    return out


def claim_index(claims: list[NarrativeClaim]) -> dict[ClaimKey, NarrativeClaim]:
    out: dict[ClaimKey, NarrativeClaim] = {}
    seen: Counter[tuple[int, str]] = Counter()
    for c in sorted(claims, key=lambda c: c.page):
        k = (c.page, _compact(c.raw))
        out[(k[0], k[1], seen[k])] = c
        seen[k] += 1
    return out


@dataclass
class TableScore:
    key: str
    found: bool = False
    page_ok: bool = False
    unit_ok: bool = False
    labelled: int = 0  # gold cells holding a number
    correct: int = 0
    missing: int = 0  # gold number, predicted blank or absent
    wrong: int = 0  # a different number
    misplaced: int = 0  # the number of another gold cell of this table: wrong row or column
    phantom: int = 0  # gold blank, predicted number
    predicted: int = 0  # predicted numbers in the rows gold labels
    by_column: dict[str, list[int]] = field(default_factory=dict)  # column → [labelled, correct]
    errors: list[dict[str, Any]] = field(default_factory=list)  # cell by cell, with the page and box read

    @property
    def accuracy(self) -> float:
        return self.correct / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


@dataclass
class ClaimScore:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    value_ok: int = 0
    fields: Counter[str] = field(default_factory=Counter)  # field → correct count among matched
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def add(self, other: ClaimScore) -> None:
        """Pool another fixture's counts (the overall line of the report)."""
        self.gold += other.gold
        self.predicted += other.predicted
        self.matched += other.matched
        self.value_ok += other.value_ok
        self.fields.update(other.fields)

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def value_accuracy(self) -> float:
        return self.value_ok / self.matched if self.matched else 1.0


def score_table(gold: FinalAccountsTable, pred: FinalAccountsTable | None) -> TableScore:
    s = TableScore(key=table_key(gold))
    gcells = cell_values(gold)
    s.labelled = sum(1 for v in gcells.values() if v is not None)
    if pred is None:
        s.missing = s.labelled
        return s
    s.found = True
    s.page_ok = bool(gold.pages) and bool(pred.pages) and gold.pages[0] == pred.pages[0]
    s.unit_ok = gold.unit == pred.unit
    if not s.unit_ok:
        s.errors.append({"kind": "unit", "record": s.key, "field": "单位 (unit)", "expected": gold.unit,
                         "found": pred.unit, "page": (pred.pages or gold.pages or [None])[0], "bbox": None})
    pcells = cell_values(pred)
    gold_rows = {k[:3] for k in gcells}
    values_elsewhere = Counter(v for v in gcells.values() if v is not None)
    err = _cell_error(s, gold, pred)
    for k, gv in gcells.items():
        pv = pcells.get(k)
        col = s.by_column.setdefault(k[3], [0, 0])
        if gv is None:
            s.phantom += pv is not None
            if pv is not None:
                err("phantom", k, gv, pv)
            continue
        col[0] += 1
        if pv is None:
            s.missing += 1
            err("missing", k, gv, pv)
        elif pv == gv and s.unit_ok:
            s.correct += 1
            col[1] += 1
        else:
            s.wrong += 1
            if pv != gv:
                err("misplaced" if values_elsewhere[pv] else "wrong", k, gv, pv)
    for k, pv in pcells.items():
        if pv is None or k[:3] not in gold_rows:
            continue
        s.predicted += 1
        if gcells.get(k) != pv and values_elsewhere[pv]:
            s.misplaced += 1
    return s


def _cell_error(s: TableScore, gold: FinalAccountsTable, pred: FinalAccountsTable) -> Any:
    """A recorder of cell errors: the predicted cell's page and box where it was read, else the gold page."""
    gpaths, ppaths = cell_paths(gold), cell_paths(pred)

    def add(kind: str, k: CellKey, gv: Decimal | None, pv: Decimal | None) -> None:
        if len(s.errors) >= 50:
            return
        path, row = ppaths.get(k) or gpaths.get(k) or ("", k[1])
        src = pred.sources.get(path) if k in ppaths else None
        s.errors.append({"kind": kind, "record": s.key, "field": f"{row} / {k[3]}",
                         "expected": None if gv is None else str(gv), "found": None if pv is None else str(pv),
                         "page": src.page if src else (gold.pages or pred.pages or [None])[0],
                         "bbox": list(src.bbox) if src else None})
    return add


_CLAIM_FIELDS = ("value", "unit", "claim_kind", "direction", "amount_yuan")


def _same(field_name: str, a: object, b: object) -> bool:
    """Units compare in one width: 台(套) as printed by an OCR export is 台（套）."""
    if field_name == "unit" and isinstance(a, str) and isinstance(b, str):
        return normalize(a) == normalize(b)
    return a == b


def score_claims(gold: list[NarrativeClaim], pred: list[NarrativeClaim]) -> ClaimScore:
    s = ClaimScore(gold=len(gold), predicted=len(pred))
    gi, pi = claim_index(gold), claim_index(pred)
    for k, g in gi.items():
        p = pi.get(k)
        if p is None:
            s.misses.append(f"p{g.page} {g.raw} ({g.claim_kind}: {g.metric})")
            continue
        s.matched += 1
        for f in _CLAIM_FIELDS:
            s.fields[f] += _same(f, getattr(g, f), getattr(p, f))
        if g.value == p.value and _same("unit", g.unit, p.unit) and g.claim_kind == p.claim_kind:
            s.value_ok += 1
        else:
            s.wrong.append(f"p{g.page} {g.raw}: gold {g.claim_kind} {g.value}{g.unit}, got {p.claim_kind} {p.value}{p.unit}")
    return s


def summarise(tables: list[TableScore], claims: ClaimScore) -> dict[str, Any]:
    labelled = sum(t.labelled for t in tables)
    correct = sum(t.correct for t in tables)
    predicted = sum(t.predicted for t in tables)
    return {
        "tables": len(tables),
        "tables_found": sum(t.found for t in tables),
        "tables_page_ok": sum(t.page_ok for t in tables),
        "values_labelled": labelled,
        "values_correct": correct,
        "value_accuracy": correct / labelled if labelled else 1.0,
        "value_precision": correct / predicted if predicted else 1.0,
        "values_missing": sum(t.missing for t in tables),
        "values_wrong": sum(t.wrong for t in tables),
        "values_misplaced": sum(t.misplaced for t in tables),
        "values_phantom": sum(t.phantom for t in tables),
        "claims_gold": claims.gold,
        "claims_predicted": claims.predicted,
        "claims_recall": claims.recall,
        "claims_precision": claims.precision,
        "claims_value_accuracy": claims.value_accuracy,
        "claim_fields": {f: (claims.fields[f] / claims.matched if claims.matched else 1.0) for f in _CLAIM_FIELDS},
    }
