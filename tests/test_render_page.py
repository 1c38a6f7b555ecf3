"""Evidence boxes land on the printed words, on upright and on rotated pages."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from extraction.layout.ingest import page_layout
from review_app.render import Box, page_png


@pytest.mark.parametrize("rotation", [0, 90])
def test_box_is_drawn_where_the_word_is_displayed(tmp_path: Path, rotation: int) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((100, 700), "BUDGET 1234.56", fontsize=14)
    page.set_rotation(rotation)
    doc.save(tmp_path / "p.pdf")
    with pymupdf.open(tmp_path / "p.pdf") as d:
        word = next(w for w in page_layout(d[0]).words if "1234" in w.text)  # displayed space, as Sources are
    png = pymupdf.Pixmap(page_png(tmp_path / "p.pdf", 1, [Box(word.bbox, "error")], zoom=1.0))
    x0, y0, x1, y1 = word.bbox
    edge = [png.pixel(int(x), int(y0) - 2) for x in range(int(x0) + 2, int(x1) - 2, 3)]
    assert all(r > 150 and g < 120 and b < 120 for r, g, b in edge), edge[:3]  # the red outline runs above the word
    with pytest.raises(ValueError, match="pages"):
        page_png(tmp_path / "p.pdf", 3)
