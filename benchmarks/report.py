"""Merge the benchmarks' figures (out/bench_<name>.json, written with --out) into out/bench.json and out/bench.md
(a markdown table per benchmark: figure, value, reference, ratio) and print the markdown.

A separate step, so each benchmark can also run alone and a slow or skipped one does not hold back the others."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import read_figures  # noqa: E402

ORDER = ("extract", "checks", "llm", "index", "review")
TITLES = {"extract": "Extraction speed and memory (bench_extract.py)",
          "checks": "Checks latency (bench_checks.py)",
          "llm": "Local LLM: tokens/s and the reply cache (bench_llm.py)",
          "index": "Corpus index and query (bench_index.py)",
          "review": "Review app latency (bench_review.py)"}


def load(out_dir: Path) -> list[dict[str, Any]]:
    """Every out/bench_<name>.json, in the order of the issue (extraction, checks, LLM, index, app), others after."""
    files = sorted(out_dir.resolve().glob("bench_*.json"))
    rank = {name: i for i, name in enumerate(ORDER)}
    files.sort(key=lambda f: (rank.get(f.stem.removeprefix("bench_"), len(ORDER)), f.stem))
    merged = []
    for f in files:
        rows, skipped = read_figures(f)
        name = f.stem.removeprefix("bench_")
        written = datetime.fromtimestamp(f.stat().st_mtime).isoformat(timespec="seconds")
        source = str(f.relative_to(ROOT)) if f.is_relative_to(ROOT) else str(f)
        merged.append({"name": name, "title": TITLES.get(name, name), "source": source, "written": written,
                       "skipped": skipped, "rows": rows})
    return merged


def num(x: float | None) -> str:
    """Three significant figures, without exponents for large values."""
    if x is None:
        return ""
    a = abs(x)
    if a == 0 or a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if a >= 1e-4 else f"{x:.2e}"


def quantity(x: float | None, unit: str) -> str:
    """"12.3 ms", but "0.5×": a ratio reads as one word."""
    return f"{num(x)}{'' if unit == '×' else ' '}{unit}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(bench: dict[str, Any]) -> list[str]:
    """One benchmark: its rows, or the reason it was skipped."""
    rows = bench["rows"]
    lines = [f"## {bench['title']}", "", f"_{bench['source']}, written {bench['written']}_", ""]
    if bench.get("skipped"):
        return lines + [f"**skipped**: {_cell(bench['skipped'])}", ""]
    notes = any(r.get("note") for r in rows)
    lines += ["| figure | value | reference | ratio |" + (" note |" if notes else ""),
              "|---|---:|---|---:|" + ("---|" if notes else "")]
    for r in rows:
        name = f"{r['group']}: {r['name']}" if r.get("group") else r["name"]
        ref = f"{r['reference']}: {quantity(r['reference_value'], r['unit'])}" if r.get("reference") else ""
        ratio = quantity(r["ratio"], "×") if r.get("ratio") is not None else ""
        cells = [name, quantity(r["value"], r["unit"]), ref, ratio] + ([r.get("note") or ""] if notes else [])
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines + [""]


def markdown(merged: list[dict[str, Any]]) -> str:
    lines = ["# budgetlens benchmarks", "",
             "Each figure is next to its reference measured in the same run; ratio = value / reference "
             "(a figure in × is itself a ratio).", ""]
    skipped = [b["name"] for b in merged if b.get("skipped")]
    if skipped:
        lines += [f"Skipped here: {', '.join(skipped)} (reason under its heading).", ""]
    for bench in merged:
        lines += table(bench)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=ROOT / "out", help="where the bench_<name>.json files are")
    args = ap.parse_args()
    try:
        merged = load(args.dir)
    except ValueError as exc:
        sys.exit(str(exc))
    if not merged:
        sys.exit(f"no {args.dir}/bench_*.json: run the benchmarks with --out first (make bench)")
    (args.dir / "bench.json").write_text(json.dumps({"benchmarks": merged}, indent=1, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    md = markdown(merged)
    (args.dir / "bench.md").write_text(md, encoding="utf-8")
    print(md)
    print(f"written to {args.dir / 'bench.json'} and {args.dir / 'bench.md'}")


if __name__ == "__main__":
    main()
