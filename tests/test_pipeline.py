"""End to end on small PDFs made here: unruled tables (find_tables fallback), rotated pages, stdout hygiene."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pymupdf
import pytest
from typer.testing import CliRunner

from budgetlens.cli import app
from extraction.pipeline import extract_file
from extraction.records import ExtractionResult, FinalAccountsTable

ROWS = [("科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"), ("", "合计", "1,234.50", "1,000.00", "234.50"),
        ("201", "一般公共服务支出", "1,200.00", "1,000.00", "200.00"), ("20101", "人大事务", "34.50", "", "34.50")]


def _table_pdf(path: Path, ruled: bool, rotate: int = 0) -> Path:
    """A 支出决算表; with `rotate`, stored the way some exporters do it: a page with /Rotate whose content is
    laid out sideways in the file so that it reads upright when displayed."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842) if not rotate else doc.new_page(width=842, height=595)
    if rotate:
        page.set_rotation(rotate)
    m = page.derotation_matrix

    def text(x: float, y: float, t: str, size: float) -> None:
        page.insert_text(pymupdf.Point(x, y) * m, t, fontname="china-s", fontsize=size, rotate=rotate)

    def line(a: tuple[float, float], b: tuple[float, float]) -> None:
        page.draw_line(pymupdf.Point(a) * m, pymupdf.Point(b) * m)

    text(200, 60, "支出决算表", 14)
    text(450, 80, "单位：万元", 9)
    xs, y = (55, 115, 275, 375, 475, 560), 98
    for row in ROWS:
        for x, t in zip(xs, row, strict=False):
            if t:
                text(x + 4, y + 12, t, 9)
        if ruled:
            line((xs[0], y), (xs[-1], y))
        y += 16
    line((xs[0], 98), (xs[-1], 98))
    line((xs[0], y), (xs[-1], y))
    if ruled:
        for x in xs:
            line((x, 98), (x, y))
    doc.save(str(path))
    return path


def _table(res: ExtractionResult) -> FinalAccountsTable:
    (t,) = [r for r in res.records if isinstance(r, FinalAccountsTable)]
    return t


@pytest.mark.parametrize("ruled", [True, False])
def test_ruled_and_unruled_tables_read_alike(tmp_path: Path, ruled: bool) -> None:
    t = _table(extract_file(_table_pdf(tmp_path / "t.pdf", ruled)))
    assert (t.std_name, t.unit, t.columns) == ("支出决算表", "万元", ["本年支出合计", "基本支出", "项目支出"])
    assert [(r.code, r.label) for r in t.rows] == [(None, "合计"), ("201", "一般公共服务支出"), ("20101", "人大事务")]
    assert t.rows[2].cells == {"本年支出合计": Decimal("34.50"), "基本支出": None, "项目支出": Decimal("34.50")}


def test_rotated_page_reads_in_display_orientation(tmp_path: Path) -> None:
    res = extract_file(_table_pdf(tmp_path / "r.pdf", ruled=True, rotate=90))
    t = _table(res)
    assert t.rows[0].cells["本年支出合计"] == Decimal("1234.50")
    with pymupdf.open(tmp_path / "r.pdf") as doc:
        page = doc[0]
        src = t.sources["rows[0].cells.本年支出合计"]
        # the box is in displayed page space: the words found there are the number
        assert page.rotation == 90 and page.rect.width < page.rect.height
        clip = pymupdf.Rect(src.bbox) * page.derotation_matrix
        assert page.get_textbox(clip + (-1, -1, 1, 1)).strip() == "1,234.50"


def test_stdout_is_pure_jsonl(tmp_path: Path) -> None:
    """Nothing but JSON lines on stdout, even when find_tables runs (PyMuPDF likes to print adverts)."""
    pdf = _table_pdf(tmp_path / "u.pdf", ruled=False)
    proc = subprocess.run([sys.executable, "-m", "budgetlens", "extract", str(pdf)], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["status"] == "ok"


def test_schema_command_prints_json_schema() -> None:
    out = CliRunner().invoke(app, ["schema"])
    schema = json.loads(out.output)
    assert {"document", "records", "status", "issues"} <= set(schema["properties"])
    assert "FinalAccountsTable" in schema["$defs"] and "NarrativeClaim" in schema["$defs"]
