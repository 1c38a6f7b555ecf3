"""Shared pieces of the self-evaluation document renderer: the variant style, the queue of gold records
that the document parts consume in printed order, and placing one titled form on fresh pages."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from eval.render_forms_grid import Cursor, Row, Table, place_table
from eval.render_forms_text import line, notes, place_sections, title_block
from eval.render_layout import Style


@dataclass
class FormStyle(Style):
    """A form variant's look; spec.yaml `variants.<name>` overrides these (and Style's) defaults."""

    margin: float = 40.0
    font_size: float = 9.0
    title_size: float = 16.0
    label_size: float = 11.0
    label_role: str = "bold"
    note_size: float = 8.0
    body_size: float = 10.5
    body_face: str = "NotoSerifCJK-Regular.ttc"
    bold_face: str = "NotoSansCJK-Bold.ttc"
    widths: dict = field(default_factory=dict)  # table kind -> column widths (em), replacing the family's
    op_space: bool = False  # 大同: a space after the operator of 指标值 (`= 100%`)
    repeat_header: bool = False  # repeat the indicator header on a continuation page

    @property
    def faces(self) -> dict[str, str]:
        return {"body": self.body_face, "bold": self.bold_face}


def form_style(spec: dict, variant: str) -> FormStyle:
    if variant not in spec["variants"]:
        raise KeyError(f"unknown variant {variant!r}; spec has {sorted(spec['variants'])}")
    known = {f.name for f in fields(FormStyle)}
    return FormStyle(**{k: v for k, v in spec["variants"][variant].items() if k in known})


class Pool:
    """The gold records by kind, in source order; parts take them as they print them."""

    def __init__(self, records: list[dict]):
        self.queues: dict[str, list[tuple[int, dict]]] = {}
        for i, rec in enumerate(records):
            self.queues.setdefault(rec["kind"], []).append((i, rec))

    def take(self, kind: str, n: int | None = None) -> list[tuple[int, dict]]:
        q = self.queues.get(kind, [])
        n = len(q) if n is None else n
        if n > len(q):
            raise ValueError(f"spec wants {n} more {kind} records, source has {len(q)}")
        out, self.queues[kind] = q[:n], q[n:]
        return out

    def left(self) -> list[str]:
        return [f"{k}: {len(q)}" for k, q in self.queues.items() if q]


@dataclass
class Ctx:
    cur: Cursor
    style: FormStyle
    spec: dict
    extra: dict
    pool: Pool

    @property
    def fonts(self):
        return self.cur.pl.fonts

    def start(self, landscape: bool = False, text: bool = False) -> int:
        """A fresh page for a new part or form: table pages (margin) or text pages (text_margin)."""
        st = self.style
        if text:
            return self.cur.page(st.page(st.text_page, False), st.text_margin)
        return self.cur.page(st.page(st.table_page, landscape), st.margin)

    def em(self, kind: str, default: list[float]) -> list[float]:
        em = self.style.widths.get(kind, default)
        if len(em) != len(default):
            raise ValueError(f"widths.{kind} needs {len(default)} columns")
        return em

    def table(self, em: list[float], rows: list[Row], size: float | None = None) -> Table:
        st = self.style
        return Table(em, rows, size or st.font_size, st.pad, st.lead)


def place_form(
    ctx: Ctx,
    rec: dict,
    ref: int,
    rows: list[Row],
    em: list[float],
    title: str,
    label: str | None = None,
    sub: str | None = None,
    under: list[str] | None = None,
    landscape: bool = False,
) -> None:
    """One form from a fresh page: label, title (and sub-line), the ruled grid, the notes under it.
    The record's pages are the title's page and every page its rows are printed on."""
    ctx.start(landscape)
    pages = {title_block(ctx.cur, label, title, ctx.style, sub, keep=60.0)}
    pages |= place_table(ctx.cur, ctx.table(em, rows), ctx.fonts).get(ref, set())
    if under:
        notes(ctx.cur, under, ctx.style.note_size)
    rec["pages"] = sorted(pages)


def part_narrative(ctx: Ctx, part: dict) -> None:
    """A 情况说明 / report: optional title and lines, then report sections (headings + paragraphs)."""
    secs = [rec for _, rec in ctx.pool.take("report_section", part.get("count"))]
    ctx.start(text=True)
    if part.get("title"):
        title_block(ctx.cur, part.get("label"), part["title"], ctx.style)
    for text in part.get("lines", []):
        line(ctx.cur, text, ctx.style.body_size, align=part.get("lines_align", "c"))
    place_sections(ctx.cur, secs, ctx.style, part)
    if part.get("notes"):
        notes(ctx.cur, part["notes"], ctx.style.body_size - 1)
