"""The figures a benchmark writes with `--out out/bench_<name>.json`, and benchmarks/report.py merges.

One JSON list of rows, each a figure next to the reference measured in the same run:
`{"name", "value", "unit", "reference", "reference_value", "ratio", "group"?, "note"?}`. `ratio` is always
value / reference_value (null without a reference); a figure that is itself a ratio (unit "×") has no reference.
A benchmark that cannot run here (an optional extra absent) writes `{"skipped": "why", "figures": []}` instead, so
the report shows it as skipped and `make bench` goes on.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

Row = dict[str, Any]


def figure(name: str, value: float, unit: str, reference: str | None = None, reference_value: float | None = None,
           *, group: str | None = None, note: str | None = None) -> Row:
    """One row; the ratio is computed here so every benchmark means the same by it."""
    ratio = None
    if reference_value is not None and reference_value != 0 and math.isfinite(reference_value):
        ratio = _round(value / reference_value)
    row: Row = {"name": name, "value": _round(value), "unit": unit, "reference": reference,
                "reference_value": None if reference_value is None else _round(reference_value), "ratio": ratio}
    if group:
        row["group"] = group
    if note:
        row["note"] = note
    return row


def _round(x: float) -> float:
    """Six significant digits: enough for any timing, short in the JSON."""
    return float(f"{x:.6g}") if math.isfinite(x) else x


def add_out(ap: argparse.ArgumentParser, name: str, default: Path | None = None) -> None:
    ap.add_argument("--out", type=Path, default=default,
                    help=f"write the figures as JSON rows (make bench: out/bench_{name}.json); "
                         f"default: {default or 'print only'}")


def write_figures(path: Path | None, rows: list[Row]) -> None:
    if path is None:
        return
    _write(path, rows)
    print(f"\n{len(rows)} figures written to {path}")


def write_skipped(path: Path | None, reason: str) -> None:
    """Why the benchmark did not run, in place of its figures."""
    if path is not None:
        _write(path, {"skipped": reason, "figures": []})
        print(f"skipped, written to {path}")


def read_figures(path: Path) -> tuple[list[Row], str | None]:
    """(rows, skip reason) of one bench_<name>.json; ValueError for anything else."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict) and isinstance(data.get("skipped"), str):
        return list(data.get("figures") or []), data["skipped"]
    raise ValueError(f"{path}: neither a list of figure rows nor a skipped marker (written by an older benchmark? "
                     "run it again with --out)")


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
