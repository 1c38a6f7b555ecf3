"""Batch extraction: walk paths, extract each file, stream results; a bad file never stops the batch."""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from budgetlens.settings import Settings
from extraction.pipeline import extract_file
from extraction.records import ExtractionResult

PDF_SUFFIXES = {".pdf"}


def expand_paths(items: Iterable[str]) -> list[Path]:
    """Files as given (whatever their suffix: a mislabelled file deserves a clear error), directories walked
    for PDFs, globs expanded. Missing paths are kept so that they fail visibly."""
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in PDF_SUFFIXES))
        elif any(ch in item for ch in "*?["):
            out.extend(sorted(Path(m) for m in glob.glob(item, recursive=True) if Path(m).is_file()))
        else:
            out.append(p)
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def extract_many(paths: list[Path], settings: Settings,
                 extract: Callable[[Path], ExtractionResult] | None = None) -> Iterator[ExtractionResult]:
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    for path in paths:
        yield extract(path) if extract else extract_file(path, max_pages=settings.max_pages, max_bytes=max_bytes)
