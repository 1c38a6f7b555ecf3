"""Cover, table of contents and the 情况说明 narrative of a rendered fixture.

The narrative is laid out line by line with character offsets, so every `narrative_claim` gets the
page its number is printed on, and every `report_section` the pages its heading and text span.
A number with its unit is one wrap token, so a claim never breaks across lines or pages.
"""

from __future__ import annotations

import re

from eval.render_layout import Planner, Style, wrap

CN_NUM = "一二三四五六七八九十"
HEADING = {0: (14.0, "c", 0.0), 1: (12.0, "l", 2.0), 2: (11.0, "l", 2.0)}  # level -> size, align, indent (em)


def cn_number(n: int) -> str:
    """1 -> 一, 11 -> 十一, 20 -> 二十 (table numbering in the contents)."""
    if n <= 10:
        return CN_NUM[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUM[tens - 1] if tens > 1 else "") + "十" + (CN_NUM[ones - 1] if ones else "")


def plan_cover(pl: Planner, lines: list[str], style: Style) -> None:
    """A cover page with the report title, as published disclosures have."""
    pno = pl.new_page(style.page(style.text_page, False))
    w, h = pl.pages[pno - 1].width, pl.pages[pno - 1].height
    y = h * 0.3
    for line in lines:
        pl.text(pno, 0, y, line, 24, "bold", "c", w, 36)
        y += 48


def plan_toc(pl: Planner, pno: int, entries: list[tuple[str, int, int]], style: Style) -> None:
    """目录: one text line per entry with dot leaders and its page number (no rules: not a table)."""
    page = pl.pages[pno - 1]
    left, right = style.text_margin, page.width - style.text_margin
    y = style.text_margin
    pl.text(pno, 0, y, "目  录", 16, "bold", "c", page.width, 24)
    y += 40
    size, dot = 11.0, pl.fonts.width(".", 11.0)
    for text, page_no, level in entries:
        role = "bold" if level == 0 else "body"
        x = left + level * 2 * size
        pl.text(pno, x, y, text, size, role, lead=size * 1.5)
        num = str(page_no)
        start = x + pl.fonts.width(text, size, role) + size * 0.6
        end = right - pl.fonts.width(num, size) - size * 0.6
        if end > start:
            pl.text(pno, start, y, "." * int((end - start) / dot), size, lead=size * 1.5)
        pl.text(pno, left, y, num, size, "body", "r", right - left, size * 1.5)
        y += size * 2.1


class Flow:
    """Running text on portrait pages: keeps the cursor and starts pages as lines need them."""

    def __init__(self, pl: Planner, style: Style):
        self.pl, self.style = pl, style
        self.size = style.page(style.text_page, False)
        self.pno = pl.new_page(self.size)
        self.y = style.text_margin

    @property
    def width(self) -> float:
        return self.size[0] - 2 * self.style.text_margin

    def need(self, h: float) -> int:
        if self.y + h > self.size[1] - self.style.text_margin:
            self.pno = self.pl.new_page(self.size)
            self.y = self.style.text_margin
        return self.pno

    def heading(self, text: str, level: int) -> list[tuple[int, int, int]]:
        """Set a heading (kept with the line after it); returns (start, end, page) per line."""
        size, align, indent = HEADING[min(level, 2)]
        lead = size * 1.6
        self.y += size * 0.5
        lines = wrap(text, self.width - indent * size, self.pl.fonts, size, "bold")
        pno = self.need(lead * len(lines) + self.style.body_size * 1.8)
        out, pos = [], 0
        for line in lines:
            self.pl.text(
                pno,
                self.style.text_margin + indent * size,
                self.y,
                line,
                size,
                "bold",
                align,
                self.width - indent * size,
                lead,
            )
            out.append((pos, pos + len(line), pno))
            pos += len(line)
            self.y += lead
        return out

    def paragraph(self, text: str) -> list[tuple[int, int, int]]:
        """Set a paragraph with a two-character indent; returns (start, end, page) per line."""
        size = self.style.body_size
        lead = size * 1.8
        lines = wrap(text, self.width, self.pl.fonts, size, first=self.width - 2 * size)
        out, pos = [], 0
        for k, line in enumerate(lines):
            pno = self.need(lead)
            x = self.style.text_margin + (2 * size if k == 0 else 0)
            self.pl.text(pno, x, self.y, line, size, lead=lead)
            out.append((pos, pos + len(line), pno))
            pos += len(line)
            self.y += lead
        return out


def locate(text: str, raw: str, cursor: int) -> int:
    """Offset of the next printed `raw` at or after cursor, not inside a longer number (0万元 in 100万元)."""
    m = re.compile(r"(?<![\d.])(?<!\d,)" + re.escape(raw)).search(text, cursor)
    if not m:
        raise ValueError(f"claim {raw!r} not found in its section text")
    return m.start()


def place_section(flow: Flow, sec: dict, body: list, claims: list[dict]) -> None:
    """Heading, sub-headings and paragraphs of one 情况说明 section; fills its pages and its claims' pages.

    The gold text is the section's printed text without whitespace: sub-headings inline, paragraphs joined.
    """
    pages = {p for _, _, p in flow.heading(sec["heading_path"][-1], 1)}
    spans, base = [], 0
    for block in body:
        text = re.sub(r"\s+", "", block["h"] if isinstance(block, dict) else block)
        lines = flow.heading(text, 2) if isinstance(block, dict) else flow.paragraph(text)
        spans += [(base + a, base + b, p) for a, b, p in lines]
        base += len(text)
    if "".join(re.sub(r"\s+", "", b["h"] if isinstance(b, dict) else b) for b in body) != sec["text"]:
        raise ValueError(f"spec narrative and gold text differ in {sec['heading_path'][-1]}")
    sec["pages"] = sorted(pages | {p for _, _, p in spans})
    cursor = 0
    for claim in claims:
        if claim["sentence"] not in sec["text"]:
            raise ValueError(f"claim sentence not in section {sec['heading_path'][-1]}: {claim['sentence']}")
        pos = locate(sec["text"], claim["raw"], cursor)
        cursor = pos + len(claim["raw"])
        claim["page"] = next(p for a, b, p in spans if a <= pos < b)


def plan_narrative(pl: Planner, records: list[dict], narrative: dict | None, style: Style) -> int | None:
    """The 情况说明 part from spec.yaml `narrative` (headings, sub-headings, paragraphs) matched to the
    gold report_section records by heading; claims attach to the section named by claim.section."""
    sections = {tuple(r["heading_path"]): r for r in records if r["kind"] == "report_section"}
    if not narrative:
        if sections:
            raise ValueError("report_section records need a spec.yaml narrative to be rendered")
        return None
    claims = [r for r in records if r["kind"] == "narrative_claim"]
    flow = Flow(pl, style)
    first = flow.pno
    flow.heading(narrative["part"], 0)
    placed = set()
    for item in narrative["sections"]:
        sec = sections[(item["heading"],)]
        place_section(flow, sec, item["body"], [c for c in claims if c["section"] == item["heading"]])
        placed.add(item["heading"])
    missing = [c["raw"] for c in claims if c["section"] not in placed] + [h for h in sections if h[0] not in placed]
    if missing:
        raise ValueError(f"records not placed by the narrative spec: {missing}")
    return first
