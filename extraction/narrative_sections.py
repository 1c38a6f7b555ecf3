"""情况说明: split running text into sections by heading and read the claims of each (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extraction.classify import classify_title, compact, heading_level, list_item, section_type
from extraction.layout.model import BBox, TextLine
from extraction.narrative import extract_claims
from extraction.records import NarrativeClaim, ReportSection, Source


@dataclass(slots=True)
class _Section:
    path: list[str]
    lines: list[TextLine] = field(default_factory=list)
    heading: TextLine | None = None


def split_sections(lines: list[TextLine], title: TextLine | None = None) -> list[_Section]:
    """Every heading opens a section (heading_level); text goes to the innermost. A `title` is the root above
    every heading (level -1: no heading closes it)."""
    stack: list[tuple[int, str]] = [(-1, compact(title.text))] if title else []
    cur: _Section | None = _Section(path=[stack[0][1]], heading=title) if title else None
    out: list[_Section] = [cur] if cur else []
    for ln in lines:
        if cur is not None and cur.heading is not None and not cur.lines and _heading_tail(cur, stack, ln):
            stack[-1] = (stack[-1][0], stack[-1][1] + compact(ln.text))
            cur.path[-1] = stack[-1][1]
            continue
        level = heading_level(ln.text)
        if level is not None and _continues_list(cur, stack, ln.text):
            level = None
        if level is not None:
            _close(stack, level)
            stack.append((level, compact(ln.text)))
            cur = _Section(path=[t for _, t in stack], heading=ln)
            out.append(cur)
            continue
        if cur is None:
            cur = _Section(path=[])
            out.append(cur)
        cur.lines.append(ln)
    return out


def _continues_list(cur: _Section | None, stack: list[tuple[int, str]], text: str) -> bool:
    """(5)…。 after (1)…；–(4)…； in the text is the list's last item, not a heading: its number follows the last item
    of the same style the section holds as text. When it also follows an open heading of that style ((2) heading,
    a list (1) (2), then (3)), a sentence's end (。；) says list item, its absence the next heading."""
    item = list_item(text)
    if cur is None or item is None or item[1] < 2:
        return False
    before = (item[0], item[1] - 1)
    prev = next((it for x in reversed(cur.lines) if (it := list_item(x.text))), None)
    if prev != before:
        return False
    heading_run = any(list_item(t) == before for lv, t in stack if lv >= 3)
    return not heading_run or compact(text).endswith(("。", "；", ";"))


def _close(stack: list[tuple[int, str]], level: int) -> None:
    """Close the headings a new one of `level` ends. 第X部分, 一、 and （一） rank fixed; the numbered styles (1.,
    (1), ①) nest in the order the document uses them: a style already open closes back to its sibling, a new one
    opens beneath the current heading."""
    if any(lv == level for lv, _ in stack):
        while stack[-1][0] != level:
            stack.pop()
        stack.pop()
    elif level <= 2:
        while stack and stack[-1][0] >= level:
            stack.pop()


def _heading_tail(sec: _Section, stack: list[tuple[int, str]], ln: TextLine) -> bool:
    """A part title wrapped onto a second short line (第三部分…部门决算情况 / 说明)."""
    t = compact(ln.text)
    return (bool(stack) and stack[-1][0] == 0 and 0 < len(t) <= 6 and not any(ch.isdigit() for ch in t)
            and heading_level(t) is None)


_FOLIO = re.compile(r"^[-—–\s]*\d{1,4}[-—–\s]*$|^第\d+页")
_NOTE = ("备注：", "备注:", "注：", "注:")


def narrative_records(lines: list[TextLine], claims: bool = True, title_block: bool = False,
                      titled: bool = False) -> list[NarrativeClaim | ReportSection]:
    """Sections and their claims. Page numbers and 备注/注 footnotes are not running text; in a
    self-evaluation report (`title_block`) the lines before the first heading are its title block (部门：…);
    in an attachment (`titled`) the first line is its title, the root of every section path."""
    lines = [ln for ln in lines if not _FOLIO.match(compact(ln.text))]
    out: list[NarrativeClaim | ReportSection] = []
    sections = split_sections(lines[1:], title=lines[0]) if titled and lines else split_sections(lines)
    if titled and sum(len(compact(ln.text)) for sec in sections for ln in sec.lines) < 20:
        return out  # only its title outside the attachment's grids: a table the grid readers took
    for sec in sections:
        if titled and sec is sections[0] and not sec.lines:
            continue  # the title heads the attachment's sections; on its own it says nothing
        sec.lines = _until_note(sec.lines)
        if not sec.lines and sec.heading is None or title_block and not sec.path:
            continue
        body = sec.lines
        text = "".join(compact(ln.text) for ln in body)
        pages = sorted({ln.page for ln in ([sec.heading] if sec.heading else []) + body})
        heading = sec.path[-1] if sec.path else None
        rs = ReportSection(heading_path=sec.path, section_type=_type(sec.path[1:] if titled else sec.path), text=text,
                           pages=pages)
        if sec.heading is not None:
            rs.sources["heading_path"] = _src(sec.heading)
        if body:
            rs.sources["text"] = Source(page=body[0].page, bbox=_union([ln.bbox for ln in body if ln.page == body[0].page]),
                                        raw=body[0].text)
        out.append(rs)
        if body and claims:
            out.extend(extract_claims(body, heading))
    return out


def _until_note(lines: list[TextLine]) -> list[TextLine]:
    for i, ln in enumerate(lines):
        if compact(ln.text).startswith(_NOTE):
            return lines[:i]
    return lines


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


# Zones of running text ---------------------------------------------------------------------------------

_SE_TITLE = re.compile(r"(绩效自评情况|绩效自评报告|绩效评价报告|自评报告|评价报告|效益分析报告)$")
_FORM_START = re.compile(r"^(附件\s*[\d\-]+|附表\s*\d+)$|(自评表|评价表|评分表)$")


@dataclass(slots=True)
class Zone:
    """A stretch of running text from (page, y) to (page, y): 情况说明 of final accounts, or a self-evaluation
    report's narrative. Claims are read only in the former (the latter restates the forms)."""

    kind: str
    start: tuple[int, float]
    end: tuple[int, float] = (10**9, 0.0)
    titled: bool = False  # an attachment of running text: its first line is its title, the root of its sections

    def pages(self) -> range:
        return range(self.start[0], min(self.end[0], 10**6) + 1)

    def holds(self, page: int, y: float) -> bool:
        return self.start <= (page, y) < self.end


def find_zones(lines: list[tuple[int, BBox, str]]) -> list[Zone]:
    """Lines (page, bbox, text) in reading order → zones; a zone ends where a table title, form label or
    名词解释 begins, or where the next zone starts."""
    zones: list[Zone] = []
    after_label = False
    for page, bbox, text in lines:
        t = compact(text)
        pos = (page, bbox[1])
        level = heading_level(t)
        opens = _opens(t, level)
        current = zones[-1] if zones and zones[-1].end[0] == 10**9 else None
        titled = after_label and _attachment_title(t)
        after_label = bool(_LABEL.match(t)) or after_label and bool(_ORG.search(t)) and len(t) <= 30
        if titled:
            if current is not None:
                current.end = pos
            zones.append(Zone(kind="self_evaluation", start=pos, titled=True))
            continue
        if current is not None and opens == current.kind:
            continue  # a sub-heading (一、收入决算情况说明) inside the open zone
        if current is not None and (opens or _closes(t, level)):
            current.end = pos
        if opens:  # a report's title is not part of its text; a 情况说明 heading heads its sections
            zones.append(Zone(kind=opens, start=pos if opens == "final_accounts" else (page, bbox[3])))
    return zones


_LABEL = re.compile(r"^附件[\d\-]+[:：]?$")
_ORG = re.compile(r"(办公室|局|委员会|人民政府|中心)$")  # a department line above an attachment's title


def _attachment_title(t: str) -> bool:
    """The title under an 附件 N label, when the attachment is running text: not a table, form or scoring table
    (those have their readers), and not a line of text."""
    return (0 < len(t) <= 40 and not t.endswith(("表", "框架")) and not _FORM_START.search(t) and not _ORG.search(t)
            and classify_title(t) is None and heading_level(t) is None and not re.search(r"[，。；：:]", t))


def _opens(t: str, level: int | None) -> str | None:
    if level is not None and ("情况说明" in t or "决算说明" in t or level == 0 and t.endswith("决算情况")):
        return "final_accounts"
    if len(t) <= 40 and _SE_TITLE.search(t) and not t.startswith(("附件", "附表")):
        return "self_evaluation"
    return None


def _closes(t: str, level: int | None) -> bool:
    return (level is not None and "名词解释" in t) or bool(_FORM_START.search(t)) or classify_title(t) is not None
