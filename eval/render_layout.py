"""Fonts, text measurement, wrapping and page planning for the fixture renderer (`eval.render`).

Layout is planned before anything is drawn: every table row, heading and narrative line is
assigned a page first, so the gold page numbers and the table of contents are known exactly,
and the PDF is then written in one deterministic pass.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pymupdf

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
# role -> font file: body text is 宋体-like serif, titles and headings 黑体-like bold sans
FACES = {"body": "NotoSerifCJK-Regular.ttc", "bold": "NotoSansCJK-Bold.ttc"}
ASCENT = 0.88  # CJK em-box ascent: where the baseline sits inside a line of height = font size
PAGE_SIZES = {"A4": (595.0, 842.0), "A3": (842.0, 1191.0), "Letter": (612.0, 792.0)}
# A number with its unit never breaks across lines (a claim's raw must sit on one line and one page).
TOKEN = re.compile(r"[0-9A-Za-z.,%\-]+(?:万元|亿元|元|个|辆|人次|批次|台\(套\)|台（套）)?|.", re.S)
NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)]%")


@dataclass
class FontSet:
    """Fonts by role (body, bold): for measuring and, through TextWriter, embedded once per document."""

    fonts: dict[str, pymupdf.Font]
    buffers: dict[str, bytes]
    fallback: bool = False

    def width(self, text: str, size: float, role: str = "body") -> float:
        return self.fonts[role].text_length(text, fontsize=size)


@functools.lru_cache(maxsize=8)
def _noto_subset(file: str, chars: str) -> bytes | None:
    """The Simplified-Chinese face of a Noto CJK collection, subset to `chars` (deterministic bytes)."""
    try:
        from fontTools import subset
        from fontTools.ttLib import TTCollection, TTFont
    except ImportError:
        return None
    path = NOTO_DIR / file
    if not path.exists():
        return None
    names = [f["name"].getDebugName(4) or "" for f in TTCollection(str(path), lazy=True).fonts]
    index = next((i for i, n in enumerate(names) if " SC" in n and "Mono" not in n), 0)
    font = TTFont(str(path), fontNumber=index, lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    opts = subset.Options()
    opts.recalc_timestamp = False
    opts.notdef_outline = True
    opts.layout_features = []
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "VORG", "vmtx", "vhea", "BASE"]
    sub = subset.Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    return _cid_equals_gid(font, TTFont)


def _cid_equals_gid(font, ttfont_cls) -> bytes:
    """Renumber the CID-keyed CFF so CID == glyph index: PDF viewers look glyphs up by CID, while
    PyMuPDF writes glyph indices, and subsetting renumbers glyphs but keeps the original CIDs."""
    buf = io.BytesIO()
    font.save(buf)
    font = ttfont_cls(io.BytesIO(buf.getvalue()), recalcBBoxes=False, recalcTimestamp=False)
    order = font.getGlyphOrder()
    rename = dict(zip(order, [".notdef"] + [f"cid{i:05d}" for i in range(1, len(order))], strict=True))
    for table in font["cmap"].tables:
        table.cmap = {u: rename[g] for u, g in table.cmap.items()}
    font["hmtx"].metrics = {rename[g]: v for g, v in font["hmtx"].metrics.items()}
    top = font["CFF "].cff.topDictIndex[0]
    top.CharStrings.charStrings = {rename[g]: v for g, v in top.CharStrings.charStrings.items()}
    top.charset = [rename[g] for g in top.charset]
    font.setGlyphOrder([rename[g] for g in order])
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def load_fonts(chars: str, faces: dict[str, str] | None = None) -> FontSet:
    """Noto CJK SC subset to the document's characters; else PyMuPDF's built-in `china-s` (embedded).

    `faces` (role -> Noto file name) replaces FACES, e.g. a Sans body for another render variant."""
    faces = faces or FACES
    subsets = {role: _noto_subset(file, chars) for role, file in faces.items()}
    buffers = {role: buf for role, buf in subsets.items() if buf is not None}
    fallback = len(buffers) < len(faces)
    if fallback:
        builtin = pymupdf.Font("china-s").buffer
        buffers = {role: builtin for role in faces}
    fonts = {role: pymupdf.Font(fontbuffer=buf) for role, buf in buffers.items()}
    return FontSet(fonts, buffers, fallback)


def tokens(text: str) -> list[str]:
    """Wrap units: single CJK characters, and runs of digits/latin with their unit glued on."""
    return TOKEN.findall(text)


def wrap(
    text: str, width: float, fonts: FontSet, size: float, role: str = "body", first: float | None = None
) -> list[str]:
    """Greedy line breaking by tokens; closing punctuation hangs instead of starting a line.

    `first` is the width of the first line (paragraph indent). A token wider than a line stands alone.
    """
    lines: list[str] = []
    cur, cur_w = "", 0.0
    limit = width if first is None else first
    for tok in tokens(text):
        if tok == "\n":
            lines.append(cur)
            cur, cur_w, limit = "", 0.0, width
            continue
        w = fonts.width(tok, size, role)
        if cur and cur_w + w > limit + 0.01 and tok[0] not in NO_LINE_START:
            lines.append(cur)
            cur, cur_w, limit = "", 0.0, width
        cur += tok
        cur_w += w
    lines.append(cur)
    return lines


def fmt_amount(value: Decimal | int | None, thousands: bool) -> str:
    """A number as printed: as many decimals as its literal has (counts stay integers)."""
    if value is None:
        return ""
    value = Decimal(value)
    places = max(0, -int(value.as_tuple().exponent))
    return f"{value:,.{places}f}" if thousands else f"{value:.{places}f}"


@dataclass
class Style:
    """One render variant's look (spec.yaml `variants.<name>` overrides these defaults)."""

    table_page: str = "A4"
    orientation: str = "auto"  # auto: portrait unless the table is too wide; landscape: always
    text_page: str = "A4"
    margin: float = 42.0
    text_margin: float = 64.0
    font_size: float = 8.5
    min_font: float = 5.0
    title_size: float = 15.0
    body_size: float = 10.5
    label_chars: float = 12.0  # width of the 科目名称/项目 column, in characters
    value_min_em: float = 5.5
    pad: float = 3.0
    lead: float = 1.3
    max_stretch: float = 4.0  # a narrow table widens up to this factor, then is centred
    thousands: bool = True
    split_codes: bool = False  # print 类|款|项 in separate cells instead of one merged cell
    continued_marker: str | None = None  # e.g. 续表, printed above the repeated header

    def page(self, name: str, landscape: bool) -> tuple[float, float]:
        w, h = PAGE_SIZES[name]
        return (h, w) if landscape else (w, h)


@dataclass
class PagePlan:
    """One page: its size and the drawing operations to run on it."""

    width: float
    height: float
    ops: list[tuple] = field(default_factory=list)


class Planner:
    """Pages being planned. Text is positioned by its line box (top), never by guesswork at draw time."""

    def __init__(self, fonts: FontSet):
        self.fonts = fonts
        self.pages: list[PagePlan] = []

    def new_page(self, size: tuple[float, float]) -> int:
        self.pages.append(PagePlan(*size))
        return len(self.pages)

    def text(
        self,
        pno: int,
        x: float,
        top: float,
        text: str,
        size: float,
        role: str = "body",
        align: str = "l",
        width: float = 0.0,
        lead: float = 0.0,
    ) -> None:
        """Place one line. x/width give the box for alignment; lead is the line-box height."""
        if not text:
            return
        w = self.fonts.width(text, size, role)
        if align == "c":
            x = x + (width - w) / 2
        elif align == "r":
            x = x + width - w
        lead = lead or size
        baseline = top + (lead - size) / 2 + ASCENT * size
        self.pages[pno - 1].ops.append(("text", x, baseline, text, size, role))

    def rect(self, pno: int, x0: float, y0: float, x1: float, y1: float) -> None:
        self.pages[pno - 1].ops.append(("rect", x0, y0, x1, y1))


def paint(plans: list[PagePlan], fonts: FontSet, metadata: dict) -> bytes:
    """Draw the planned pages; fixed metadata and no random /ID make the bytes reproducible."""
    doc = pymupdf.open()
    for plan in plans:
        page = doc.new_page(width=plan.width, height=plan.height)
        shape, writer = page.new_shape(), pymupdf.TextWriter(page.rect)
        for op in plan.ops:
            if op[0] == "rect":
                shape.draw_rect(pymupdf.Rect(*op[1:]))
            else:
                _, x, y, text, size, role = op
                writer.append((x, y), text, font=fonts.fonts[role], fontsize=size)
        if any(op[0] == "rect" for op in plan.ops):
            shape.finish(width=0.6, color=(0, 0, 0))
            shape.commit()
        writer.write_text(page)
    doc.set_metadata(metadata)
    if fonts.fallback:
        doc.subset_fonts()
    return doc.tobytes(garbage=3, deflate=True, no_new_id=True)
