"""Plain layout primitives produced by ingest and consumed by the pure parsers.

No PyMuPDF types leak past ingest: grid, table and narrative parsing stay pure and testable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BBox = tuple[float, float, float, float]


def union(boxes: list[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass(frozen=True, slots=True)
class Word:
    """A run of non-space characters as PyMuPDF groups them (`get_text("words")`)."""

    text: str
    bbox: BBox
    block: int = 0
    line: int = 0

    @property
    def cx(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2

    @property
    def cy(self) -> float:
        return (self.bbox[1] + self.bbox[3]) / 2


@dataclass(frozen=True, slots=True)
class Glyph:
    c: str
    page: int
    bbox: BBox


@dataclass(slots=True)
class TextLine:
    """One printed line of running text, glyph by glyph (for narrative claims)."""

    page: int
    bbox: BBox
    glyphs: list[Glyph]

    @property
    def text(self) -> str:
        return "".join(g.c for g in self.glyphs)


@dataclass(frozen=True, slots=True)
class Segment:
    """A ruling line: horizontal when y0 == y1 (within tolerance), vertical when x0 == x1."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return abs(self.y1 - self.y0) <= abs(self.x1 - self.x0)


@dataclass(slots=True)
class PageLayout:
    number: int  # 1-based
    width: float
    height: float
    rotation: int
    words: list[Word] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    text: str = ""

    @property
    def hsegs(self) -> list[Segment]:
        return [s for s in self.segments if s.horizontal]

    @property
    def vsegs(self) -> list[Segment]:
        return [s for s in self.segments if not s.horizontal]
