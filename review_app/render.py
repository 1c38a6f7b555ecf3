"""A PDF page as a PNG with evidence boxes drawn on it, the colour telling the severity (pure apart from reading the
PDF). Bboxes are in the page as displayed (rotation applied), as every `Source` records them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pymupdf

COLOURS = {"error": (0.85, 0.1, 0.1), "warning": (0.95, 0.55, 0.0), "info": (0.15, 0.45, 0.85),
           "match": (0.2, 0.6, 0.2)}


@dataclass(frozen=True)
class Box:
    bbox: tuple[float, float, float, float]
    severity: str = "error"
    label: str = ""


def page_png(pdf: Path | str, page: int, boxes: Sequence[Box] = (), zoom: float = 1.6) -> bytes:
    """Page `page` (1-based) rendered at `zoom`, each box outlined and lightly filled in its severity colour."""
    with pymupdf.open(pdf) as doc:
        if not 1 <= page <= doc.page_count:
            raise ValueError(f"{Path(pdf).name} has {doc.page_count} pages; page {page} does not exist")
        p = doc[page - 1]
        for b in boxes:
            rect = pymupdf.Rect(b.bbox) * p.derotation_matrix  # sources are in displayed space; drawing is not
            colour = COLOURS.get(b.severity, COLOURS["error"])
            shape = p.new_shape()
            shape.draw_rect(rect + (-2, -2, 2, 2))
            shape.finish(color=colour, fill=colour, fill_opacity=0.12, width=1.8)
            shape.commit()
        return p.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False).tobytes("png")
