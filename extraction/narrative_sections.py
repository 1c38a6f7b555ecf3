"""情况说明: split running text into sections by heading and read the claims of each (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

from extraction.classify import compact, heading_level, section_type
from extraction.layout.model import BBox, TextLine
from extraction.narrative import extract_claims
from extraction.records import NarrativeClaim, ReportSection, Source


@dataclass(slots=True)
class _Section:
    path: list[str]
    lines: list[TextLine] = field(default_factory=list)
    heading: TextLine | None = None


def split_sections(lines: list[TextLine]) -> list[_Section]:
    """Headings of level 0 (第三部分), 1 (一、) and 2 (（一）) open sections; text goes to the innermost."""
    stack: list[str] = []
    out: list[_Section] = []
    cur: _Section | None = None
    for ln in lines:
        if cur is not None and cur.heading is not None and not cur.lines and _heading_tail(cur, ln):
            stack[-1] = cur.path[-1] = cur.path[-1] + compact(ln.text)
            continue
        level = heading_level(ln.text)
        if level is not None:
            title = compact(ln.text)
            stack = [*stack[:level], title] if len(stack) >= level else [*stack, title]
            cur = _Section(path=list(stack), heading=ln)
            out.append(cur)
            continue
        if cur is None:
            cur = _Section(path=[])
            out.append(cur)
        cur.lines.append(ln)
    return out


def _heading_tail(sec: _Section, ln: TextLine) -> bool:
    """A heading wrapped onto a second short line (…部门决算情况 / 说明)."""
    t = compact(ln.text)
    return 0 < len(t) <= 6 and not any(ch.isdigit() for ch in t) and heading_level(t) is None


def narrative_records(lines: list[TextLine]) -> list[NarrativeClaim | ReportSection]:
    out: list[NarrativeClaim | ReportSection] = []
    for sec in split_sections(lines):
        if not sec.lines and sec.heading is None:
            continue
        body = sec.lines
        text = "".join(compact(ln.text) for ln in body)
        pages = sorted({ln.page for ln in ([sec.heading] if sec.heading else []) + body})
        heading = sec.path[-1] if sec.path else None
        rs = ReportSection(heading_path=sec.path, section_type=_type(sec.path), text=text, pages=pages)
        if sec.heading is not None:
            rs.sources["heading_path"] = _src(sec.heading)
        if body:
            rs.sources["text"] = Source(page=body[0].page, bbox=_union([ln.bbox for ln in body if ln.page == body[0].page]),
                                        raw=body[0].text)
        out.append(rs)
        if body:
            out.extend(extract_claims(body, heading))
    return out


def _type(path: list[str]) -> str | None:
    for title in reversed(path):
        t = section_type(title)
        if t:
            return t
    return None


def _src(line: TextLine) -> Source:
    return Source(page=line.page, bbox=_union([line.bbox]), raw=line.text)


def _union(boxes: list[BBox]) -> tuple[float, float, float, float]:
    return (round(min(b[0] for b in boxes), 2), round(min(b[1] for b in boxes), 2),
            round(max(b[2] for b in boxes), 2), round(max(b[3] for b in boxes), 2))
