"""Read-only helpers over one document's records: tables by standard name, rows by label, cells with evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from checks.corpus import CorpusQuery
from checks.model import Evidence
from extraction.records import ExtractionResult, FinalAccountsRow, FinalAccountsTable

_ORD = re.compile(r"^[一二三四五六七八九十]+[、.．]")


def norm_label(label: str) -> str:
    """Whitespace, ordinal prefixes and bracketed remarks out: 一、一般公共服务支出 → 一般公共服务支出."""
    t = "".join(label.split())
    t = _ORD.sub("", t)
    return re.sub(r"[（(][^）)]*[）)]$", "", t)


@dataclass(frozen=True)
class Cell:
    value: Decimal | None
    evidence: Evidence


class TableView:
    def __init__(self, table: FinalAccountsTable, index: int) -> None:
        self.table = table
        self.ref = f"table[{index}]:{table.std_name}"

    def rows(self, section: str | None = None) -> list[tuple[int, FinalAccountsRow]]:
        return [(i, r) for i, r in enumerate(self.table.rows) if section is None or r.section == section]

    def find(self, *names: str, section: str | None = None) -> int | None:
        """First row whose normalised label equals one of `names` (tried in order)."""
        rows = self.rows(section)
        for name in names:
            for i, r in rows:
                if norm_label(r.label) == name:
                    return i
        return None

    def cell(self, i: int, column: str) -> Cell:
        row = self.table.rows[i]
        path = f"rows[{i}].cells.{column}"
        src = self.table.sources.get(path) or self.table.sources.get(f"rows[{i}].label")
        ev = Evidence(record=self.ref, path=path, page=src.page if src else None, bbox=src.bbox if src else None,
                      quote=(src.raw if src else "") or "")
        return Cell(row.cells.get(column), ev)

    def value_columns(self, section: str | None = None) -> list[str]:
        cols: list[str] = []
        for _, r in self.rows(section):
            cols += [c for c in r.cells if c not in cols]
        return cols


class DocView:
    """One document's records for the rules. `corpus` (past reports) is what the boilerplate rules compare with;
    without it they report nothing. `rule_params` holds the effective parameters of every enabled rule (None: the
    registry defaults), so a rule can leave a passage to a sibling rule that reports it; `cache` is for work that
    several rules share (one corpus query serves BP-001 and BP-004)."""

    def __init__(self, result: ExtractionResult, corpus: CorpusQuery | None = None,
                 rule_params: dict[str, dict[str, Any]] | None = None) -> None:
        self.result = result
        self.corpus = corpus
        self.rule_params = rule_params
        self.cache: dict[str, Any] = {}
        self.tables = [TableView(r, i) for i, r in enumerate(result.records) if isinstance(r, FinalAccountsTable)]

    def table(self, std_name: str) -> TableView | None:
        return next((t for t in self.tables if t.table.std_name == std_name), None)


def tolerance(n_parts: int, unit_step: Decimal = Decimal("0.01")) -> Decimal:
    """A printed total may differ from its printed parts by rounding: n parts × half the last printed digit."""
    return unit_step / 2 * max(n_parts, 1)


def last_digit(v: Decimal) -> Decimal:
    """One unit of the last printed digit: 2,961.68 → 0.01, 110 → 1."""
    exp = v.as_tuple().exponent
    return Decimal(1).scaleb(exp if isinstance(exp, int) else 0)
