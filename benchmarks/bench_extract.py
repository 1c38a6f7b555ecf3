"""Extraction speed and memory, measured in one run next to its references.

- floor: `page.get_text()` on every page (nothing can be faster than reading the text once);
- ours: `extract_file` (words + drawings per page, find_tables only where needed, glyphs on narrative pages);
- find_tables: `page.find_tables()` on every page (what a naive pipeline pays).
Targets (issue 2): ≥ 20 pages/s on one core and ≥ 10× faster than find_tables on every page.
Peak memory: max RSS of a fresh process extracting one document, next to a process that only imports.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pymupdf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import Row, add_out, figure, write_figures  # noqa: E402
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
    "from pathlib import Path; {work}; "
    "print([ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0])"
)
"""VmHWM (peak resident set) of the child itself: ru_maxrss would carry the parent's peak over fork+exec."""


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
        "file": path.parent.name if path.name == "document.pdf" else path.name, "pages": pages,
        "floor_pages_per_s": pages / t_floor, "ours_pages_per_s": pages / t_ours,
        "find_tables_pages_per_s": pages / t_ft,
        "ours_vs_find_tables": t_ft / t_ours, "ours_vs_floor": t_floor / t_ours,
        "peak_rss_mb": rss / 1024, "peak_rss_over_import_mb": (rss - rss_base) / 1024,
    }


def _total(rows: list[dict]) -> dict[str, float]:  # type: ignore[type-arg]
    pages = sum(int(r["pages"]) for r in rows)

    def rate(key: str) -> float:
        return pages / sum(int(r["pages"]) / float(r[key]) for r in rows)

    t = {"pages": pages, "ours_pages_per_s": rate("ours_pages_per_s"), "floor_pages_per_s": rate("floor_pages_per_s"),
         "find_tables_pages_per_s": rate("find_tables_pages_per_s")}
    t["ours_vs_find_tables"] = t["ours_pages_per_s"] / t["find_tables_pages_per_s"]
    t["ours_vs_floor"] = t["ours_pages_per_s"] / t["floor_pages_per_s"]
    return t


def _print_group(name: str, rows: list[dict], total: dict[str, float]) -> None:  # type: ignore[type-arg]
    print(f"\n== {name}")
    print(f"{'file':44} {'pages':>5} {'ours p/s':>9} {'floor p/s':>9} {'find_tables p/s':>15} "
          f"{'×find_tables':>12} {'peak MB':>8} {'+import':>8}")
    for r in rows:
        print(f"{str(r['file'])[:44]:44} {r['pages']:>5} {r['ours_pages_per_s']:>9.1f} {r['floor_pages_per_s']:>9.1f} "
              f"{r['find_tables_pages_per_s']:>15.2f} {r['ours_vs_find_tables']:>12.1f} {r['peak_rss_mb']:>8.1f} "
              f"{r['peak_rss_over_import_mb']:>8.1f}")
    print(f"{'ALL':44} {total['pages']:>5} {total['ours_pages_per_s']:>9.1f} {total['floor_pages_per_s']:>9.1f} "
          f"{total['find_tables_pages_per_s']:>15.2f} {total['ours_vs_find_tables']:>12.1f}")
    ok = total["ours_pages_per_s"] >= 20 and total["ours_vs_find_tables"] >= 10
    print(f"targets (≥20 pages/s, ≥10× find_tables on every page): {'met' if ok else 'NOT met'}")


def _figures(group: str, rows: list[dict], total: dict[str, float]) -> list[Row]:  # type: ignore[type-arg]
    """The group's totals next to get_text() and find_tables() on every page; per document, pages/s next to
    find_tables and peak memory next to a process that only imports."""
    out = [figure("ours, all documents", total["ours_pages_per_s"], "pages/s", "get_text() on every page",
                  total["floor_pages_per_s"], group=group),
           figure("ours, all documents", total["ours_pages_per_s"], "pages/s", "find_tables() on every page",
                  total["find_tables_pages_per_s"], group=group, note="targets: ≥ 20 pages/s, ≥ 10× find_tables")]
    for r in rows:
        name = f"{r['file']} ({r['pages']} p.)"
        out.append(figure(f"ours, {name}", float(r["ours_pages_per_s"]), "pages/s", "find_tables() on every page",
                          float(r["find_tables_pages_per_s"]), group=group))
        base = float(r["peak_rss_mb"]) - float(r["peak_rss_over_import_mb"])
        out.append(figure(f"peak RSS, {name}", float(r["peak_rss_mb"]), "MB", "a process that only imports", base,
                          group=group))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--forms", type=Path, nargs="*", default=None,
                    help="self-evaluation PDFs (default: build/fixtures/*_se-original/document.pdf)")
    ap.add_argument("--repeat", type=int, default=3)
    add_out(ap, "extract", ROOT / "out" / "bench_extract.json")
    args = ap.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
    forms = args.forms if args.forms is not None else sorted(ROOT.glob("build/fixtures/*_se-original/document.pdf"))
    groups = {"final accounts: real PDFs (../shared/corpus/real)": sorted((args.shared / "corpus" / "real").glob("*.pdf")),
              "self-evaluation forms: rendered fixtures": list(forms)}
    figures: list[Row] = []
    for name, files in groups.items():
        if not files:
            print(f"\n== {name}: no files (absent; run `make fixtures` for the rendered ones)")
            continue
        rows = [bench_file(f, args.repeat) for f in files]
        total = _total(rows)
        _print_group(name, rows, total)
        figures += _figures(name.split(":")[0], rows, total)
    if not figures:
        sys.exit("no PDFs to measure")
    write_figures(args.out, figures)


if __name__ == "__main__":
    main()
