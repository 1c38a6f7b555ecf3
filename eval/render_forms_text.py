"""Running text of the self-evaluation fixtures: titles, attachment labels, headings, paragraphs, notes,
and report sections (`ReportSection`) laid out under their heading paths.

Everything goes through a `Cursor` (eval.render_forms_grid), so text and ruled tables share pages.
Functions return the pages they printed on, which become the records' gold `pages`.
"""

from __future__ import annotations

import re

from eval.render_forms_grid import Cursor
from eval.render_layout import wrap


def line(cur: Cursor, text: str, size: float, role: str = "body", align: str = "l", gap: float = 0.5) -> int:
    """One line (wrapped if it must) at the cursor; returns its page."""
    lead = size * 1.45
    lines = wrap(text, cur.width, cur.pl.fonts, size, role) if text else [""]
    pno = cur.need(lead * len(lines))
    for t in lines:
        cur.pl.text(pno, cur.left, cur.y, t, size, role, align, cur.width, lead)
        cur.y += lead
    cur.y += size * gap
    return pno


def title_block(cur: Cursor, label: str | None, title: str, style, sub: str | None = None, keep: float = 0.0) -> int:
    """附件 label at the left, the bold centred title, an optional centred sub-line (年度); kept with `keep`
    points of what follows. Returns the page of the title."""
    size = style.title_size
    need = size * 2.2 + (style.label_size * 1.6 if label else 0) + (style.font_size * 2 if sub else 0) + keep
    cur.need(need)
    if label:
        line(cur, label, style.label_size, style.label_role, gap=0.3)
    pno = line(cur, title, size, "bold", "c", gap=0.4)
    if sub:
        line(cur, sub, max(style.font_size, 9.0), "body", "c", gap=0.2)
    cur.y += size * 0.3
    return pno


def notes(cur: Cursor, texts: list[str], size: float, gap: float = 0.0) -> set[int]:
    """Unruled lines under a table (备注 …), wrapped to the cursor width."""
    pages = set()
    cur.y += size * 0.4
    for text in texts:
        for t in wrap(text, cur.width, cur.pl.fonts, size):
            pages.add(cur.need(size * 1.5))
            cur.pl.text(cur.pno, cur.left, cur.y, t, size, lead=size * 1.5)
            cur.y += size * 1.5
        cur.y += size * gap
    return pages


def paragraph(cur: Cursor, text: str, size: float, lead: float = 1.75, indent: float = 2.0) -> set[int]:
    """A body paragraph with a first-line indent (in characters); returns its pages."""
    pages: set[int] = set()
    lines = wrap(text, cur.width, cur.pl.fonts, size, first=cur.width - indent * size)
    for k, t in enumerate(lines):
        pages.add(cur.need(size * lead))
        cur.pl.text(cur.pno, cur.left + (indent * size if k == 0 else 0), cur.y, t, size, lead=size * lead)
        cur.y += size * lead
    return pages


def heading(cur: Cursor, text: str, size: float, role: str, align: str = "l", indent: float = 2.0) -> set[int]:
    """A heading kept with two lines of what follows; returns its pages."""
    lead = size * 1.7
    lines = wrap(text, cur.width - indent * size, cur.pl.fonts, size, role)
    cur.need(lead * len(lines) + size * 3.5)
    pages = set()
    for t in lines:
        pages.add(cur.pno)
        cur.pl.text(
            cur.pno,
            cur.left + (indent * size if align == "l" else 0),
            cur.y,
            t,
            size,
            role,
            align,
            cur.width - (indent * size if align == "l" else 0),
            lead,
        )
        cur.y += lead
    return pages


def split_paragraphs(text: str, pattern: str | None) -> list[str]:
    """The printed paragraphs of a gold text: cut before every match of `pattern` (joined they give the text)."""
    if not pattern or not text:
        return [text] if text else []
    cuts = [m.start() for m in re.finditer(pattern, text) if m.start() > 0]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def heading_style(style, depth: int) -> tuple[float, str]:
    """Size and face of a heading `depth` levels down the path (一、 bold, （一） bold, deeper regular)."""
    sizes = [style.body_size + 1.5, style.body_size + 0.5, style.body_size]
    return sizes[min(depth, 2)], "bold" if depth < 2 else "body"


def place_sections(cur: Cursor, sections: list[dict], style, spec: dict | None = None) -> None:
    """Report sections in order: the headings a section's path adds to the previous path, then its text
    as paragraphs. `spec.root` = number of leading path parts printed as a centred title (an attachment
    title), `spec.labels` = {root title: 附件 label}, `spec.split` = regex cutting texts into paragraphs."""
    spec = spec or {}
    root = spec.get("root", 0)
    labels = spec.get("labels", {})
    prev: list[str] = []
    for sec in sections:
        path = sec["heading_path"]
        pages: set[int] = set()
        same = 0
        while same < min(len(prev), len(path)) and prev[same] == path[same]:
            same += 1
        # keep the new headings with three lines of text (and with the next heading when there is no text)
        keep = sum(heading_style(style, max(0, d - root))[0] * 1.7 for d in range(max(same, root), len(path)))
        cur.need(keep + style.body_size * (5.3 if sec["text"] else 8.0))
        for depth in range(same, len(path)):
            if depth < root:
                if cur.y > cur.margin:
                    cur.page()
                pages.add(title_block(cur, labels.get(path[depth]), path[depth], style))
            else:
                size, role = heading_style(style, depth - root)
                pages |= heading(cur, path[depth], size, role)
        if same == len(path):  # a section repeating its predecessor's path still shows its heading
            size, role = heading_style(style, len(path) - 1 - root)
            pages |= heading(cur, path[-1], size, role)
        for text in split_paragraphs(sec["text"], spec.get("split")):
            pages |= paragraph(cur, text, style.body_size)
        sec["pages"] = sorted(pages)
        prev = path
