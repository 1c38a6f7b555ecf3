"""The two real PDFs in ../shared: tables found, pages right, every value tied to the ink it came from."""

from __future__ import annotations

import random
from pathlib import Path

import pymupdf

from extraction.pipeline import extract_file
from extraction.records import STD_NAMES, FinalAccountsTable, NarrativeClaim, Source

PUTUO_PAGES = {
    "收入支出决算总表": [6, 7],
    "收入决算表": [8, 9],
    "支出决算表": [10, 11],
    "财政拨款收入支出决算总表": [12, 13],
    "一般公共预算财政拨款支出决算表": [15],
    "一般公共预算财政拨款基本支出决算表": [16, 17],
    "一般公共预算财政拨款“三公”经费支出决算表": [18],
    "政府性基金预算财政拨款收入支出决算表": [19],
    "国有资本经营预算财政拨款支出决算表": [20],
}


def _tables(path: Path) -> dict[str, FinalAccountsTable]:
    res = extract_file(path)
    return {r.std_name: r for r in res.records if isinstance(r, FinalAccountsTable)}


def test_putuo_nine_tables_with_pages(putuo: Path) -> None:
    tables = _tables(putuo)
    assert set(STD_NAMES) <= set(tables)
    for name, pages in PUTUO_PAGES.items():
        assert tables[name].pages[: len(pages)] == pages, name
        assert tables[name].unit == "万元"
    assert tables["政府性基金预算财政拨款收入支出决算表"].empty
    assert "本表无数据" in (tables["政府性基金预算财政拨款收入支出决算表"].empty_statement or "")
    assert not tables["收入决算表"].empty


def test_template_nine_tables(template_pdf: Path) -> None:
    tables = _tables(template_pdf)
    assert set(STD_NAMES) <= set(tables)
    assert tables["收入支出决算总表"].pages == [5]
    assert tables["国有资本经营预算财政拨款支出决算表"].pages == [14]


def _ink(pix: pymupdf.Pixmap, bbox: tuple[float, float, float, float], zoom: float) -> int:
    x0, y0, x1, y1 = (int(v * zoom) for v in bbox)
    dark = 0
    for y in range(max(y0, 0), min(y1 + 1, pix.height)):
        for x in range(max(x0, 0), min(x1 + 1, pix.width)):
            if pix.pixel(x, y)[0] < 128:
                dark += 1
    return dark


def _sources(path: Path) -> list[Source]:
    res = extract_file(path)
    out: list[Source] = []
    for r in res.records:
        if isinstance(r, FinalAccountsTable):
            out += [s for k, s in r.sources.items() if ".cells." in k]
        elif isinstance(r, NarrativeClaim):
            out += [r.sources["value"]]
    return out


def test_bboxes_cover_the_printed_numbers(putuo: Path) -> None:
    sources = _sources(putuo)
    assert len(sources) > 150
    sample = random.Random(7).sample(sources, 80)
    doc = pymupdf.open(putuo)
    zoom = 2.0
    pixmaps: dict[int, pymupdf.Pixmap] = {}
    for s in sample:
        page = doc[s.page - 1]
        rect = pymupdf.Rect(s.bbox)
        under = "".join(w[4] for w in page.get_text("words", clip=rect + (-0.5, -0.5, 0.5, 0.5)))
        assert "".join(s.raw.split()) in under, (s.page, s.raw, under)
        if s.page not in pixmaps:
            pixmaps[s.page] = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csGRAY)
        assert _ink(pixmaps[s.page], s.bbox, zoom) > 10, (s.page, s.raw)
        assert rect.width < 200 and rect.height < 40, (s.page, s.raw, s.bbox)


def test_every_value_has_a_source(putuo: Path) -> None:
    for t in _tables(putuo).values():
        for i, row in enumerate(t.rows):
            for col, v in row.cells.items():
                if v is not None:
                    src = t.sources[f"rows[{i}].cells.{col}"]
                    assert src.raw and src.page in t.pages and src.method == "layout"
