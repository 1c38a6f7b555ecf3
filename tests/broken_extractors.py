"""Extractors broken on purpose: the real extractor, then a deliberate error an auditor could not see. The eval,
its gate and its reports must show them (tests/test_eval_gate.py, tests/test_eval.py)."""

from __future__ import annotations

from pathlib import Path

from extraction.pipeline import extract_file
from extraction.records import ExtractionResult, FinalAccountsTable


def shifted_one_row(path: Path) -> ExtractionResult:
    """Broken: every table's values one row down (the error an auditor cannot see)."""
    res = extract_file(path)
    for t in res.records:
        if isinstance(t, FinalAccountsTable) and len(t.rows) > 1:
            cells = [r.cells for r in t.rows]
            for row, c in zip(t.rows, cells[-1:] + cells[:-1], strict=True):
                row.cells = c
    return res


def one_value_lost(path: Path) -> ExtractionResult:
    """Broken, barely: a single value of the first table read as blank."""
    res = extract_file(path)
    table = next(t for t in res.records if isinstance(t, FinalAccountsTable))
    row = next(r for r in table.rows if any(v is not None for v in r.cells.values()))
    row.cells[next(k for k, v in row.cells.items() if v is not None)] = None
    return res
