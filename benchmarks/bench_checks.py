"""Checks latency after extraction, next to the extraction time of the same document (measured in one run).

Target (issue 4): < 100 ms for the checks of a 30-page document.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks.engine import load_config, run_checks  # noqa: E402
from extraction.pipeline import extract_file  # noqa: E402


def main() -> None:
    shared = ROOT.parent / "shared" / "corpus" / "real"
    files = sorted(shared.glob("*.pdf")) + sorted(ROOT.glob("build/fixtures/*_se-original/document.pdf"))
    if not files:
        sys.exit("no PDFs: ../shared is absent and the fixtures are not built (make fixtures)")
    config = load_config()
    files += _combined()
    print(f"{'document':44} {'pages':>5} {'extract ms':>10} {'checks ms':>9} {'findings':>8} {'checks/extract':>14}")
    for f in files:
        t = time.perf_counter()
        res = extract_file(f)
        t_ex = time.perf_counter() - t
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            findings = run_checks(res, config)
            runs.append(time.perf_counter() - t)
        t_ck = min(runs)
        name = f.parent.name if f.name == "document.pdf" else f.name
        print(f"{name[:44]:44} {res.document.pages:>5} {t_ex * 1000:>10.1f} {t_ck * 1000:>9.2f} {len(findings):>8} "
              f"{t_ck / t_ex:>14.3f}")


def _combined() -> list[Path]:
    """Seed 002 whole (决算公开 tables + 自评 text and forms, 30+ pages): the size the target is stated for."""
    parts = [ROOT / "build/fixtures/seed002_fa-yuan/document.pdf", ROOT / "build/fixtures/seed002_se-original/document.pdf"]
    if not all(p.exists() for p in parts):
        return []
    import pymupdf

    out = pymupdf.open()
    for p in parts:
        with pymupdf.open(p) as d:
            out.insert_pdf(d)
    target = Path(tempfile.gettempdir()) / "budgetlens-bench-seed002-whole.pdf"
    out.save(target)
    return [target]


if __name__ == "__main__":
    main()
