"""Page text for a prompt: rows of words in reading order, cells of a table row joined by " | ".

The model sees the table structure without seeing coordinates; grounding maps its answers back to the words.
"""

from __future__ import annotations

from extraction.layout.model import Word
from extraction.llm.grounding import PageText

CELL_GAP = 8.0  # points between two words of one row that mark a new cell


def rows_of(words: list[Word]) -> list[list[Word]]:
    """Words grouped into printed rows: a word joins the row whose vertical span covers its centre."""
    rows: list[list[Word]] = []
    spans: list[tuple[float, float]] = []
    for w in sorted(words, key=lambda w: (w.bbox[1], w.bbox[0])):
        for i, (y0, y1) in enumerate(spans):
            if y0 <= w.cy <= y1:
                rows[i].append(w)
                break
        else:
            rows.append([w])
            spans.append((w.bbox[1], w.bbox[3]))
    return [sorted(r, key=lambda w: w.bbox[0]) for r in rows]


def render(page: PageText) -> str:
    lines = []
    for row in rows_of(page.words):
        parts = [row[0].text]
        for prev, w in zip(row, row[1:], strict=False):
            parts.append((" | " if w.bbox[0] - prev.bbox[2] > CELL_GAP else " ") + w.text)
        lines.append("".join(parts))
    return "\n".join(lines)


def tail(text: str, chars: int = 200) -> str:
    return text[-chars:] if len(text) > chars else text
