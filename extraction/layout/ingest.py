"""PyMuPDF edge: open a PDF safely and turn pages into plain layout primitives.

Everything past this module is pure (no PyMuPDF objects), so parsers are testable on synthetic layouts.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pymupdf

from extraction.errors import (
    CorruptPdfError,
    EmptyFileError,
    EncryptedPdfError,
    InputError,
    NotPdfError,
)
from extraction.layout.model import Glyph, PageLayout, Segment, TextLine, Word

pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)
if hasattr(pymupdf, "no_recommend_layout"):
    pymupdf.no_recommend_layout()  # find_tables would print an advert on stdout, into our JSONL stream

LINE_MAX_THICKNESS = 2.5  # a filled rectangle thinner than this is a ruling line, not a shaded cell


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_pdf(path: Path, data: bytes, max_pages: int) -> pymupdf.Document:
    """Open with clear per-file errors: empty, not a PDF, corrupt, encrypted, too large."""
    if not data:
        raise EmptyFileError("the file is empty (0 bytes); re-download or remove it", path)
    if b"%PDF-" not in data[:1024]:
        raise NotPdfError("not a PDF (no %PDF- header); convert it to PDF or remove it from the batch", path)
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # MuPDF raises plain RuntimeError/FileDataError for damaged files
        raise CorruptPdfError(f"cannot be opened as a PDF ({exc}); the file is damaged", path) from exc
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise EncryptedPdfError("is password-protected; ask the publisher for an unprotected copy", path)
    if doc.page_count == 0:
        doc.close()
        raise CorruptPdfError("has no pages; the file is damaged or truncated", path)
    if doc.page_count > max_pages:
        n = doc.page_count
        doc.close()
        raise InputError(f"has {n} pages, above the limit of {max_pages} (BUDGETLENS_MAX_PAGES)", path)
    return doc


def page_segments(page: pymupdf.Page) -> list[Segment]:
    """Ruling lines from vector drawings: stroked lines, rectangle edges, thin filled bars.

    `get_cdrawings` returns plain tuples: several times cheaper than `get_drawings` on ruled tables.
    """
    segs: list[Segment] = []
    for path in page.get_cdrawings():
        kind = path.get("type", "")
        for item in path["items"]:
            op = item[0]
            if op == "l":
                (ax, ay), (bx, by) = item[1], item[2]
                if abs(ay - by) < 1.0 or abs(ax - bx) < 1.0:
                    segs.append(Segment(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
            elif op == "re":
                segs.extend(_rect_segments(pymupdf.Rect(item[1]), kind))
            elif op == "qu":
                segs.extend(_rect_segments(pymupdf.Quad(item[1]).rect, kind))
    return segs


def _rect_segments(r: pymupdf.Rect, kind: str) -> list[Segment]:
    if r.height <= LINE_MAX_THICKNESS and r.width > LINE_MAX_THICKNESS:
        y = (r.y0 + r.y1) / 2
        return [Segment(r.x0, y, r.x1, y)]
    if r.width <= LINE_MAX_THICKNESS and r.height > LINE_MAX_THICKNESS:
        x = (r.x0 + r.x1) / 2
        return [Segment(x, r.y0, x, r.y1)]
    if "s" in kind:  # a stroked rectangle outlines a cell
        return [
            Segment(r.x0, r.y0, r.x1, r.y0),
            Segment(r.x0, r.y1, r.x1, r.y1),
            Segment(r.x0, r.y0, r.x0, r.y1),
            Segment(r.x1, r.y0, r.x1, r.y1),
        ]
    return []


def _to_display(page: pymupdf.Page):  # type: ignore[no-untyped-def]
    """Map unrotated coordinates (what PyMuPDF reports) to the page as displayed and rendered.

    A landscape table printed on a portrait page with /Rotate reads left-to-right only after this.
    """
    if not page.rotation:
        return lambda b: b
    m = page.rotation_matrix

    def conv(b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        r = pymupdf.Rect(b) * m
        return (r.x0, r.y0, r.x1, r.y1)

    return conv


def text_page(page: pymupdf.Page) -> pymupdf.TextPage:
    """One text extraction per page, shared by words and glyph lines (it is the costliest call)."""
    return page.get_textpage(flags=pymupdf.TEXTFLAGS_WORDS)


def page_layout(page: pymupdf.Page, tp: pymupdf.TextPage | None = None) -> PageLayout:
    """Words and ruling lines of one page in displayed coordinates (rotation applied)."""
    conv = _to_display(page)
    words = [
        Word(text=w[4], bbox=conv((w[0], w[1], w[2], w[3])), block=w[5], line=w[6])
        for w in page.get_text("words", sort=False, textpage=tp or text_page(page))
        if w[4].strip()
    ]
    segs = page_segments(page)
    if page.rotation:
        segs = [Segment(*conv((s.x0, s.y0, s.x1, s.y1))) for s in segs]
    return PageLayout(
        number=page.number + 1,
        width=page.rect.width,
        height=page.rect.height,
        rotation=page.rotation,
        words=words,
        segments=segs,
    )


def page_text_lines(page: pymupdf.Page, tp: pymupdf.TextPage | None = None) -> list[TextLine]:
    """Glyph-level lines for running text; only called on narrative pages (rawdict is slower)."""
    out: list[TextLine] = []
    number = page.number + 1
    conv = _to_display(page)
    raw = page.get_text("rawdict", textpage=tp or text_page(page))
    for block in raw["blocks"]:
        for line in block.get("lines", []):
            glyphs = [
                Glyph(ch["c"], number, conv(tuple(ch["bbox"])))  # type: ignore[arg-type]
                for span in line["spans"]
                for ch in span["chars"]
            ]
            if "".join(g.c for g in glyphs).strip():
                out.append(TextLine(page=number, bbox=conv(tuple(line["bbox"])), glyphs=glyphs))  # type: ignore[arg-type]
    return out


def split_words(page: pymupdf.Page, tp: pymupdf.TextPage | None, cuts: dict[Word, list[float]]) -> dict[Word, list[Word]]:
    """Cut words at the given x positions using glyph boxes (only for the few words that cross a cell border)."""
    conv = _to_display(page)
    lines = [
        [(ch["c"], conv(tuple(ch["bbox"]))) for span in line["spans"] for ch in span["chars"]]  # type: ignore[arg-type]
        for block in page.get_text("rawdict", textpage=tp or text_page(page))["blocks"]
        for line in block.get("lines", [])
    ]
    out: dict[Word, list[Word]] = {}
    for word, xs in cuts.items():
        glyphs = _glyphs_of(word, lines)
        if glyphs is None:
            continue
        parts: list[list[tuple[str, tuple[float, float, float, float]]]] = [[] for _ in range(len(xs) + 1)]
        for c, b in glyphs:
            parts[sum(1 for x in xs if (b[0] + b[2]) / 2 > x)].append((c, b))
        parts = _hang_punctuation([p for p in parts if p])
        if len(parts) < 2:
            continue
        out[word] = [
            Word("".join(c for c, _ in part), (part[0][1][0], min(b[1] for _, b in part),
                                               part[-1][1][2], max(b[3] for _, b in part)), word.block, word.line)
            for part in parts if part
        ]
    return out


_PUNCT = set("，。、；：？！）》」』】”’,.;:?!)%")


def _hang_punctuation(parts: list[list[tuple[str, tuple[float, float, float, float]]]]):  # type: ignore[no-untyped-def]
    """A closing mark set past the cell border (hanging punctuation) belongs to the text before it."""
    out: list[list[tuple[str, tuple[float, float, float, float]]]] = []
    for part in parts:
        if out and all(c in _PUNCT for c, _ in part):
            out[-1] = out[-1] + part
        else:
            out.append(part)
    return out


def _glyphs_of(word: Word, lines: list[list[tuple[str, tuple[float, float, float, float]]]]):  # type: ignore[no-untyped-def]
    """The run of glyphs PyMuPDF made this word from: same text, starting at the word's left edge."""
    for chars in lines:
        text = "".join(c for c, _ in chars)
        at = text.find(word.text)
        while at >= 0:
            if abs(chars[at][1][0] - word.bbox[0]) < 1.0:
                return chars[at:at + len(word.text)]
            at = text.find(word.text, at + 1)
    return None
