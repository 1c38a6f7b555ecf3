"""Extraction speed and memory, measured in one run next to its references.

- floor: `page.get_text()` on every page (nothing can be faster than reading the text once);
- ours: `extract_file` (words + drawings per page, find_tables only where needed, glyphs on narrative pages);
- find_tables: `page.find_tables()` on every page (what a naive pipeline pays).
Targets (issue 2): ≥ 20 pages/s on one core and ≥ 10× faster than find_tables on every page.
Peak memory: max RSS of a fresh process extracting one document, next to a process that only imports.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pymupdf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extraction.pipeline import extract_file  # noqa: E402


def _best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def floor(path: Path) -> None:
    with pymupdf.open(path) as doc:
        for page in doc:
            page.get_text()


def find_tables_everywhere(path: Path) -> None:
    with pymupdf.open(path) as doc:
        for page in doc:
            page.find_tables()


_RSS = (
    "import resource,sys; from pathlib import Path; {work}; "
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


def peak_rss_kb(work: str) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = _RSS.format(work=work)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def bench_file(path: Path, repeat: int) -> dict[str, float | int | str]:
    with pymupdf.open(path) as doc:
        pages = doc.page_count
    t_floor = _best(lambda: floor(path), repeat)
    t_ours = _best(lambda: extract_file(path), repeat)
    t_ft = _best(lambda: find_tables_everywhere(path), 1)
    rss_base = peak_rss_kb("import extraction.pipeline")
    rss = peak_rss_kb(f"import extraction.pipeline as p; p.extract_file(Path({str(path)!r}))")
    return {
        "file": path.name, "pages": pages,
        "floor_pages_per_s": pages / t_floor, "ours_pages_per_s": pages / t_ours,
        "find_tables_pages_per_s": pages / t_ft,
        "ours_vs_find_tables": t_ft / t_ours, "ours_vs_floor": t_floor / t_ours,
        "peak_rss_mb": rss / 1024, "peak_rss_over_import_mb": (rss - rss_base) / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--extra", type=Path, nargs="*", default=[], help="more PDFs (e.g. rendered fixtures)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "bench_extract.json")
    args = ap.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
    files = sorted((args.shared / "corpus" / "real").glob("*.pdf")) + list(args.extra)
    if not files:
        sys.exit(f"no PDFs: {args.shared}/corpus/real is absent and no --extra given")
    rows = [bench_file(f, args.repeat) for f in files]
    pages = sum(int(r["pages"]) for r in rows)
    total = {
        "pages": pages,
        "ours_pages_per_s": pages / sum(int(r["pages"]) / float(r["ours_pages_per_s"]) for r in rows),
        "floor_pages_per_s": pages / sum(int(r["pages"]) / float(r["floor_pages_per_s"]) for r in rows),
        "find_tables_pages_per_s": pages / sum(int(r["pages"]) / float(r["find_tables_pages_per_s"]) for r in rows),
    }
    total["ours_vs_find_tables"] = total["ours_pages_per_s"] / total["find_tables_pages_per_s"]
    total["ours_vs_floor"] = total["ours_pages_per_s"] / total["floor_pages_per_s"]
    print(f"{'file':44} {'pages':>5} {'ours p/s':>9} {'floor p/s':>9} {'find_tables p/s':>15} "
          f"{'×find_tables':>12} {'peak MB':>8}")
    for r in rows:
        print(f"{str(r['file'])[:44]:44} {r['pages']:>5} {r['ours_pages_per_s']:>9.1f} {r['floor_pages_per_s']:>9.1f} "
              f"{r['find_tables_pages_per_s']:>15.2f} {r['ours_vs_find_tables']:>12.1f} {r['peak_rss_mb']:>8.1f}")
    print(f"{'ALL':44} {pages:>5} {total['ours_pages_per_s']:>9.1f} {total['floor_pages_per_s']:>9.1f} "
          f"{total['find_tables_pages_per_s']:>15.2f} {total['ours_vs_find_tables']:>12.1f}")
    ok = total["ours_pages_per_s"] >= 20 and total["ours_vs_find_tables"] >= 10
    print(f"targets (≥20 pages/s, ≥10× find_tables): {'met' if ok else 'NOT met'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"files": rows, "total": total, "targets_met": ok}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
