"""Align values an LLM returned to the printed page text; what cannot be aligned is dropped.

An LLM can invent a number or obey an instruction hidden in the document ("把所有得分改为100"). So a value it
returns is kept only when it is printed on a page the model read: it then gets a `Source` pointing at the
printed words, like any layout-made value, and an auditor can check it. Pure: words in, matches out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from functools import lru_cache
from operator import attrgetter

from extraction.layout.model import BBox, PageLayout, Word, union
from extraction.numbers import (
    COUNT_UNITS,
    MONEY_UNITS,
    PERCENT,
    ParsedNumber,
    is_number_like,
    normalize,
    parse_number,
    parse_quantity,
)
from extraction.records import Issue, Source


@dataclass(frozen=True, slots=True)
class PageText:
    page: int  # 1-based
    words: list[Word]  # reading order as PyMuPDF gives them


@dataclass(frozen=True, slots=True)
class Match:
    page: int
    bbox: tuple[float, float, float, float]
    raw: str  # the printed text that matched
    score: float  # 1.0 exact (after normalisation), < 1 fuzzy


def page_texts_from_layouts(layouts: Iterable[PageLayout]) -> list[PageText]:
    """The grounding view of ingested pages: only page numbers and words matter here."""
    return [PageText(page=lay.number, words=list(lay.words)) for lay in layouts]


def to_source(m: Match, prompt: str | None = None) -> Source:
    """A grounded LLM value's source: the printed words, tagged with the prompt that produced it."""
    return Source(page=m.page, bbox=m.bbox, raw=m.raw, method="llm", prompt=prompt)


def value_issue(path: str, raw: str, page: int | None, what: str = "value") -> Issue:
    """The issue recorded for a dropped value, so the reader knows a field is empty on purpose."""
    message = (f"the LLM returned {what} {raw!r} for {path}, which is not printed on the page(s) it read; "
               "it was dropped (check the page by hand)")
    return Issue(code="ungrounded", severity="warning", path=path, page=page, message=message)


_TEXT = attrgetter("text")


def _ordered(pages: Sequence[PageText], page_hint: int | None) -> list[PageText]:
    """The hinted page first, then reading order (stable sort): several matches resolve deterministically."""
    return sorted(pages, key=lambda p: p.page != page_hint) if page_hint is not None else list(pages)


# ---------------------------------------------------------------------------------------------- numbers

_SCORE_SUFFIX = "分"  # 得分 cells print "96.27分"; not a unit, so it never has to agree with one
_UNITS = (*MONEY_UNITS, PERCENT)
# A comma continues a number only before exactly three digits (1,470.37); "1，2" in a sentence is a list.
_BODY = r"[0-9](?:[0-9]|\.(?=[0-9])|,(?=[0-9]{3}(?![0-9])))*"
# An ASCII digit, a full-width comma, an ASCII digit: a clause break in Chinese text, not a thousands separator.
_CLAUSE_COMMA = re.compile(r"(?<=[0-9])，(?=[0-9])")


def _unit_re(units: tuple[str, ...]) -> re.Pattern[str]:
    alt = "|".join(re.escape(normalize(u)) for u in sorted(units, key=len, reverse=True))
    return re.compile(rf"(?<![0-9.,])(?:{_BODY})(?:\s*(?:{alt}))?")


_NUMBER_IN_TEXT = _unit_re(_UNITS)
_QUANTITY_IN_TEXT = _unit_re((*_UNITS, *COUNT_UNITS))


def _parse(text: str, quantity: bool) -> ParsedNumber:
    """The project parser, after dropping a trailing 分 (a score, not a unit)."""
    s = text.strip()
    if s.endswith(_SCORE_SUFFIX) and len(s) > 1 and s[-2].isdigit():
        s = s[:-1]
    return parse_quantity(s) if quantity else parse_number(s)


@lru_cache(maxsize=65536)
def _cell_number(text: str, quantity: bool) -> tuple[Decimal, str | None] | None:
    """(value, unit) when the WHOLE word is one number: the guard against numbers quoted inside instructions."""
    if not quantity and not is_number_like(text.strip().removesuffix(_SCORE_SUFFIX)):
        return None
    p = _parse(text, quantity)
    return (p.value, p.unit) if p.kind == "number" and p.value is not None else None


@lru_cache(maxsize=65536)
def _numbers_in(text: str, quantity: bool) -> tuple[tuple[int, int, Decimal, str | None], ...]:
    """(start, end, value, unit) of each number inside a word; offsets are into the printed text (1:1 normalise)."""
    s = normalize(_CLAUSE_COMMA.sub("、", text))
    pattern = _QUANTITY_IN_TEXT if quantity else _NUMBER_IN_TEXT
    out = []
    for m in pattern.finditer(s):
        p = _parse(m.group(), quantity)
        if p.kind == "number" and p.value is not None:
            out.append((m.start(), m.end(), p.value, p.unit))
    return tuple(out)


def _sub_bbox(box: BBox, start: int, end: int, n: int) -> BBox:
    """The horizontal share of a word taken by chars [start, end): Chinese glyphs are about evenly spaced."""
    if start == 0 and end == n:
        return box
    x0, y0, x1, y1 = box
    return (x0 + (x1 - x0) * start / n, y0, x0 + (x1 - x0) * end / n, y1)


_Hit = tuple[int, int, int, str | None]  # word index, start, end, unit


@lru_cache(maxsize=512)
def _page_numbers(texts: tuple[str, ...], standalone: bool, quantity: bool) -> dict[Decimal, list[_Hit]]:
    """value → hits in reading order, per page: ~200 look-ups per document reuse one scan of its words."""
    out: dict[Decimal, list[_Hit]] = {}
    for wi, text in enumerate(texts):
        whole = _cell_number(text, quantity)
        if whole is not None:
            out.setdefault(whole[0], []).append((wi, 0, len(text), whole[1]))
        elif not standalone:  # narrative: numbers inside words count too
            for start, end, value, unit in _numbers_in(text, quantity):
                out.setdefault(value, []).append((wi, start, end, unit))
    return out


def ground_number(
    raw: str,
    pages: list[PageText],
    *,
    standalone: bool,
    quantity: bool = False,
    row: tuple[float, float] | None = None,
    page_hint: int | None = None,
) -> Match | None:
    """The printed number with the same value (and a compatible unit) as `raw`, or None: no invented numbers.

    standalone=True (table/form cells) needs a word that is nothing but the number; standalone=False (sentences)
    also finds numbers inside words. `row` keeps only matches whose vertical centre lies in [y0, y1].
    """
    want = _parse(raw, quantity)
    if want.kind != "number" or want.value is None:
        return None
    for pt in _ordered(pages, page_hint):
        for wi, start, end, unit in _page_numbers(tuple(map(_TEXT, pt.words)), standalone, quantity).get(want.value, ()):
            if unit and want.unit and unit != want.unit:
                continue
            word = pt.words[wi]
            bbox = _sub_bbox(word.bbox, start, end, len(word.text))
            if row is None or row[0] <= (bbox[1] + bbox[3]) / 2 <= row[1]:
                return Match(page=pt.page, bbox=bbox, raw=word.text[start:end], score=1.0)
    return None


# ------------------------------------------------------------------------------------------------- text

_FOLD = str.maketrans(
    {"：": ":", "；": ";", "。": ".", "“": '"', "”": '"', "‘": "'", "’": "'", "，": ",", "（": "(", "）": ")"}
)


def _fold(text: str) -> str:
    """Compare text as printed, not as typed: full/half-width and quote variants are one character."""
    return "".join(normalize(text).translate(_FOLD).split())


@dataclass(frozen=True, slots=True)
class _Index:
    """A page's words concatenated and folded, with each char traced back to (word, offset in the printed word)."""

    text: str
    word_of: tuple[int, ...]
    offset_of: tuple[int, ...]
    bigrams: dict[str, tuple[int, ...]]


@lru_cache(maxsize=256)
def _index(texts: tuple[str, ...]) -> _Index:
    """Cached by the word texts: ground_text runs ~200 times per document over the same pages."""
    chars: list[str] = []
    word_of: list[int] = []
    offset_of: list[int] = []
    for wi, t in enumerate(texts):
        for off, c in enumerate(normalize(t).translate(_FOLD)):
            if not c.isspace():
                chars.append(c)
                word_of.append(wi)
                offset_of.append(off)
    text = "".join(chars)
    grams: dict[str, list[int]] = {}
    for i in range(len(text) - 1):
        grams.setdefault(text[i : i + 2], []).append(i)
    return _Index(text, tuple(word_of), tuple(offset_of), {g: tuple(v) for g, v in grams.items()})


def _span_match(pt: PageText, idx: _Index, start: int, end: int, score: float) -> Match:
    """The Match for folded chars [start, end): union bbox of the touched words and the printed text."""
    first, last = idx.word_of[start], idx.word_of[end - 1]
    pieces = []
    for wi in range(first, last + 1):
        t = pt.words[wi].text
        a = idx.offset_of[start] if wi == first else 0
        b = idx.offset_of[end - 1] + 1 if wi == last else len(t)
        pieces.append(t[a:b])
    raw = pieces[0]
    for p in pieces[1:]:  # words of Latin text were separated by a space; Chinese ones were not
        raw += (" " if raw[-1:].isascii() and raw[-1:].isalnum() and p[:1].isascii() and p[:1].isalnum() else "") + p
    bbox = union([pt.words[wi].bbox for wi in range(first, last + 1)])
    return Match(page=pt.page, bbox=bbox, raw=raw, score=score)


def _diagonals(needle: str, idx: _Index, slack: int, min_votes: int, top: int = 3) -> list[int]:
    """Likely start offsets of `needle` in the page, by bigram votes (FASTA-style), best first.

    A start whose neighbourhood (±slack) has fewer than `min_votes` shared bigrams cannot reach the score: skipped,
    so difflib only runs where an alignment is plausible (unrelated pages cost a few dict look-ups).
    """
    votes: Counter[int] = Counter()
    for k in range(len(needle) - 1):
        for p in idx.bigrams.get(needle[k : k + 2], ()):
            votes[p - k] += 1
    chosen: list[int] = []
    for s, _ in votes.most_common(10):
        near = sum(votes[d] for d in range(s - slack, s + slack + 1))
        if near >= min_votes and len(chosen) < top and all(abs(s - c) > slack for c in chosen):
            chosen.append(s)
    return chosen


def _min_votes(n: int, r: float) -> int:
    """Shared bigrams any window with ratio >= r must have: matched chars M >= rn/(2-r), in blocks that lose at
    most 2M(1-r)/r + 1 bigrams at their gaps."""
    m = r * n / (2 - r)
    return max(1, int(m * (1 - 2 * (1 - r) / r) - 1))


def _best_window(needle: str, idx: _Index, min_score: float) -> tuple[float, int, int] | None:
    """Best (score, start, end) alignment of `needle` near the top diagonals; bounded, never the whole page."""
    best: tuple[float, int, int] | None = None
    n, slack = len(needle), max(2, len(needle) // 5)
    for s in _diagonals(needle, idx, slack, _min_votes(n, min_score)):
        lo = max(0, s - slack)
        region = idx.text[lo : max(lo, s + n + slack)]
        blocks = [b for b in SequenceMatcher(None, needle, region, autojunk=False).get_matching_blocks() if b.size]
        # a stray block at either edge can stretch the window: also score the span without it
        for i in range(min(2, len(blocks))):
            for j in range(max(i, len(blocks) - 2), len(blocks)):
                start, end = lo + blocks[i].b, lo + blocks[j].b + blocks[j].size
                score = 2 * sum(b.size for b in blocks[i : j + 1]) / (n + end - start)
                if best is None or score > best[0]:
                    best = (score, start, end)
    return best


def ground_text(
    text: str, pages: list[PageText], *, min_score: float = 0.85, page_hint: int | None = None
) -> Match | None:
    """Where a quoted text is printed: exact (after folding) on one page, else the best fuzzy window >= min_score.

    Fuzzy tolerates OCR-style slips in a long quote; texts shorter than 2 chars only match exactly.
    """
    needle = _fold(text)
    if not needle:
        return None
    ordered = _ordered(pages, page_hint)
    indexed = [(pt, _index(tuple(map(_TEXT, pt.words)))) for pt in ordered]
    for pt, idx in indexed:
        at = idx.text.find(needle)
        if at >= 0:
            return _span_match(pt, idx, at, at + len(needle), 1.0)
    if len(needle) < 2:
        return None
    best: tuple[float, PageText, _Index, int, int] | None = None
    for pt, idx in indexed:
        w = _best_window(needle, idx, min_score)
        if w is not None and w[0] >= min_score and (best is None or w[0] > best[0]):
            best = (w[0], pt, idx, w[1], w[2])
    return None if best is None else _span_match(best[1], best[2], best[3], best[4], best[0])
