"""Inline SVG for the HTML eval report (pure: figures in, SVG text out; no plotting library, nothing fetched).

Two pictures: horizontal bars of rates (0–100 %, one or more bars per row, each with the counts behind it) and a
confusion matrix of counts. Text takes the page's font (CSS), so Chinese labels use the reader's CJK font.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2f6db5", "#d9822b", "#3a8f5c", "#8a5cc2", "#2a9fa8")
BAD = "#b42318"  # a rate below 100 %
GRID = "#d9dde3"
LABEL_W, BAR_W, NOTE_W = 250, 400, 210
BAR_H, BAR_GAP, ROW_GAP, GROUP_H, AXIS_H = 13, 2, 8, 26, 22


@dataclass(frozen=True)
class Bar:
    value: float | None  # a rate, 0..1; None when there was nothing to count (no bar, "—")
    note: str = ""  # the counts behind it, e.g. "1514/1514"
    series: int = 0  # colour, and the legend entry


@dataclass(frozen=True)
class Row:
    label: str
    bars: tuple[Bar, ...]
    group: str = ""  # a heading drawn above the first row of each new group
    tip: str = ""  # the tooltip, when not the label (e.g. the field's name in the records)


def pct(v: float) -> str:
    """A rate as a percentage that never rounds a miss up to 100 %."""
    s = f"{100 * v:.1f}%"
    if v < 1 and s == "100.0%":
        s = f"{100 * v:.2f}%" if f"{100 * v:.2f}" != "100.00" else ">99.99%"
    return s


def _fit(text: str, width: float) -> str:
    """The text cut with an ellipsis to fit `width` pixels (the full text stays in the tooltip)."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _text(x: float, y: float, s: str, *, anchor: str = "start", cls: str = "", fill: str = "",
          title: str = "") -> str:
    attrs = f' class="{cls}"' if cls else ""
    attrs += f' fill="{fill}"' if fill else ""
    tip = f"<title>{escape(title)}</title>" if title else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{attrs}>{tip}{escape(s)}</text>'


def _axis(top: float, height: float) -> list[str]:
    out = []
    for k in range(5):
        x = LABEL_W + BAR_W * k / 4
        out.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{top + height:.1f}" stroke="{GRID}"/>')
        out.append(_text(x, top - 6, f"{25 * k}%", anchor="middle", cls="tick"))
    return out


def text_width(s: str, size: float = 12.5) -> float:
    """Rough width of a label: CJK characters are square, Latin ones about half as wide."""
    return sum(size if ord(c) > 0x2E80 else size * 0.55 for c in s)


def _legend(names: Sequence[str]) -> tuple[list[str], float]:
    """Legend entries left to right, wrapping onto a new line at the chart's width; returns (svg, height)."""
    out, x, y = [], float(LABEL_W), 4.0
    for i, name in enumerate(names):
        w = 30 + text_width(name)
        if x > LABEL_W and x + w > LABEL_W + BAR_W + NOTE_W:
            x, y = float(LABEL_W), y + 18
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(_text(x + 17, y + 10.5, name, cls="legend"))
        x += w
    return out, (y + 20 if names else 0.0)


def _bar(y: float, bar: Bar) -> list[str]:
    v = bar.value
    w = 0.0 if v is None else max(0.0, min(1.0, v)) * BAR_W
    colour = PALETTE[bar.series % len(PALETTE)]
    fill = BAD if v is not None and v < 1 else ""
    label = ("—" if v is None else pct(v)) + (f"  {bar.note}" if bar.note else "")
    return [f'<rect x="{LABEL_W}" y="{y:.1f}" width="{w:.1f}" height="{BAR_H}" fill="{colour}" rx="2"/>',
            _text(LABEL_W + BAR_W + 8, y + BAR_H - 2, label, cls="val", fill=fill)]


def bar_chart(rows: Sequence[Row], legend: Sequence[str] = (), caption: str = "") -> str:
    """Rows of horizontal rate bars on a 0–100 % axis; a rate under 100 % is printed in red."""
    body: list[str] = []
    keys, legend_h = _legend(legend)
    y = AXIS_H + legend_h
    top, group = y, None
    for row in rows:
        if row.group and row.group != group:
            group = row.group
            body.append(_text(8, y + 17, row.group, cls="group"))
            y += GROUP_H
        h = len(row.bars) * (BAR_H + BAR_GAP) - BAR_GAP
        body.append(_text(LABEL_W - 10, y + h / 2 + 4.5, _fit(row.label, LABEL_W - 16), anchor="end", cls="lab",
                          title=row.tip or row.label))
        for i, bar in enumerate(row.bars):
            body += _bar(y + i * (BAR_H + BAR_GAP), bar)
        y += h + ROW_GAP
    width, height = LABEL_W + BAR_W + NOTE_W, y + 4
    parts = [*keys, *_axis(top, y - top - ROW_GAP + 2), *body]
    label = escape(caption or "bar chart")
    return (f'<svg class="chart" role="img" aria-label="{label}" viewBox="0 0 {width} {height:.0f}" '
            f'width="{width}" height="{height:.0f}">{"".join(parts)}</svg>')


def _two_lines(x: float, y: float, name: str, anchor: str, width: float) -> list[str]:
    """A "中文 (English)" label as the Chinese over the English in small type, so neither is cut short."""
    zh, _, en = name.partition(" (")
    out = [_text(x, y, _fit(zh, width), anchor=anchor, cls="lab", title=name)]
    if en:
        out.append(_text(x, y + 14, _fit(en.rstrip(")"), width * 1.3), anchor=anchor, cls="tick"))
    return out


def confusion_svg(gold: Sequence[str], predicted: Sequence[str], counts: Mapping[tuple[str, str], int],
                  names: Mapping[str, str] | None = None, caption: str = "") -> str:
    """Rows: the gold class; columns: the predicted one; the diagonal (agreement) in green, the rest in red."""
    names = names or {}
    cell_w, cell_h, left, top = 132, 40, 200, 76
    peak = max(counts.values(), default=0) or 1
    parts = [_text(left + cell_w * len(predicted) / 2, 14, "识别为 (predicted) →", anchor="middle", cls="axis"),
             _text(8, 14, "标注为 (gold) ↓", cls="axis")]
    for j, p in enumerate(predicted):
        parts += _two_lines(left + cell_w * (j + 0.5), top - 26, names.get(p, p), "middle", cell_w - 10)
    for i, g in enumerate(gold):
        y = top + i * cell_h
        parts += _two_lines(left - 10, y + cell_h / 2 - 1, names.get(g, g), "end", left - 20)
        for j, p in enumerate(predicted):
            n = counts.get((g, p), 0)
            base = "58,143,92" if g == p else "180,35,24"
            alpha = 0.12 + 0.7 * n / peak if n else 0.0
            x = left + j * cell_w
            parts.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                         f'fill="rgba({base},{alpha:.2f})" stroke="{GRID}"/>')
            parts.append(_text(x + cell_w / 2, y + cell_h / 2 + 5, str(n) if n else "·", anchor="middle",
                               cls="cell"))
    width, height = left + cell_w * len(predicted) + 10, top + cell_h * len(gold) + 6
    label = escape(caption or "confusion matrix")
    return (f'<svg class="chart" role="img" aria-label="{label}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}">{"".join(parts)}</svg>')
