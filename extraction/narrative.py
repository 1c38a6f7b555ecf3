"""Narrative claims (情况说明): every printed amount, share, rate, change and count in running text.

Pure: TextLines in, `NarrativeClaim`s out. The numbers are read by `extraction.numbers` (the one parser); this
module finds them in the sentences, decides what kind of claim each is and names what it is about (`metric`),
so that checks can compare the text with the tables. Lines are joined without separators (Chinese text), so a
sentence or a number broken over lines or pages is read whole; the source box covers the first line's part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from extraction.layout.model import Glyph, TextLine, union
from extraction.numbers import (
    BARE_MONEY_UNITS,
    COUNT_UNITS,
    MONEY_UNITS,
    PERCENT,
    normalize,
    parse_quantity,
    to_yuan,
)
from extraction.records import ClaimKind, Issue, NarrativeClaim, Source

_UNITS = sorted((*MONEY_UNITS, PERCENT, *COUNT_UNITS), key=len, reverse=True)
# 万 / 亿 alone are 万元 / 亿元 where nothing follows but punctuation (国内公务接待支出XX万（含外宾接待支出XX万元）, a
# line of the official template); before a word they multiply a count (3万人次) and are not read.
_BARE = BARE_MONEY_UNITS
_UNIT_ALT = "|".join([*(re.escape(normalize(u)) + ("(?!百分点)" if u == "个" else "") for u in _UNITS),
                      *(rf"{b}(?=[（(，,。；;、）)]|$)" for b in _BARE)])
# Matched on normalized text (same offsets as the printed text). A number glued to a letter, digit or point is
# part of something else; a number without a unit (dates 2024年, list items 1、) is never a claim.
_TOKEN = re.compile(
    r"(?<![0-9A-Za-z.])(?P<num>(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\. ?[0-9]+)*|[Xx]+) ?"
    rf"(?P<unit>{_UNIT_ALT})"
)
_SENTENCE_END = re.compile(r"[。；;]")
_DELIM = re.compile(r"[，,。；;：:、]|其中")
_COMPARATOR = re.compile(r"(?:与|比|较)\s*(?:上年|上一年|去年|\d{4}\s*年)度?(?:同期)?(?:决算|预算)?数?(?:相比)?|同比")
Direction = Literal["增加", "减少", "持平"]
_DIRECTIONS: dict[str, Direction] = {
    "增加": "增加",
    "增长": "增加",
    "上升": "增加",
    "减少": "减少",
    "下降": "减少",
    "降低": "减少",
}
_DIR_WORD = "|".join(_DIRECTIONS)
_DIRECTION_TAIL = re.compile(rf"(?P<word>{_DIR_WORD})(?P<alt>[（(](?:{_DIR_WORD})[）)])?了?\s*$")
_VERB_TAIL = re.compile(r"(?:为|是|达到|达|共计|约)\s*$")
_YEAR_PREFIX = re.compile(r"^.*\d{4}\s*年度?(?:\d{1,2}月(?:\d{1,2}日)?)?")
_THRESHOLD_AFTER = re.compile(r"\s*(?:\(含\))?\s*及?(?:以上|以下)")
_THRESHOLD_BEFORE = re.compile(r"(?:单价|超过|不超过|低于|高于|不低于|不高于|不足)\s*$")
_ITEM_SUBJECT = re.compile(r"[（(][类款项][）)]$")
_ENUMERATOR = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])\s*")
_ASPECTS = (
    "年初预算数",
    "全年预算数",
    "年初预算",
    "全年预算",
    "调整预算",
    "预算数",
    "决算数",
    "支出决算",
    "预算",
    "决算",
)
_COMPLETION = re.compile(r"完成(?:年初|全年)?预算")


@dataclass(slots=True)
class _Text:
    """The section's lines joined: printed text, normalized twin, and the glyph behind every character."""

    text: str
    norm: str
    glyphs: list[Glyph]
    line_of: list[int]


@dataclass(slots=True)
class _State:
    """What earlier claims said, for metrics that the text leaves implicit (占…%, 下降…%, 支出决算为…)."""

    section: str | None
    subject: str = ""
    last_money: str = ""
    sentence_metrics: list[str] = field(default_factory=list)
    comparing: bool = False  # a comparison (比上年…) holds for the ；-clauses until the sentence's 。


@dataclass(slots=True)
class _Hit:
    kind: ClaimKind
    metric: str
    direction: Direction | None = None


def extract_claims(lines: Sequence[TextLine], section: str | None = None) -> list[NarrativeClaim]:
    """All claims of one section's text (lines in reading order), in printed order."""
    t = _join(lines)
    state = _State(section=section)
    claims: list[NarrativeClaim] = []
    start = 0
    for end in [m.start() for m in _SENTENCE_END.finditer(t.text)] + [len(t.text)]:
        claims.extend(_sentence_claims(t, start, end, state))
        if end >= len(t.text) or t.text[end] == "。":
            state.comparing = False
        start = end + 1
    return claims


def _join(lines: Sequence[TextLine]) -> _Text:
    """One character per entry (a ligature glyph such as "ﬁ" gives each of its characters the same box)."""
    glyphs: list[Glyph] = []
    line_of: list[int] = []
    for i, line in enumerate(lines):
        for g in line.glyphs:
            glyphs.extend([g] * len(g.c))
            line_of.extend([i] * len(g.c))
    text = "".join(g.c for line in lines for g in line.glyphs)
    return _Text(text=text, norm=normalize(text), glyphs=glyphs, line_of=line_of)


def _sentence_claims(t: _Text, start: int, end: int, state: _State) -> list[NarrativeClaim]:
    sentence = t.text[start:end].strip()
    if not sentence:
        return []
    state.sentence_metrics = []
    has_comparator = state.comparing or bool(_COMPARATOR.search(sentence))
    state.comparing = has_comparator
    floor = start
    out: list[NarrativeClaim] = []
    matches = list(_TOKEN.finditer(t.norm, start, end))
    for m in matches:
        hit = _classify(t, m, floor, has_comparator, state)
        if hit is None:
            continue
        out.append(_claim(t, m, hit, sentence, state.section))
        state.sentence_metrics.append(hit.metric)
        floor = m.end()
    if not matches:
        last = _DELIM.split(sentence)[-1].strip()
        if _ITEM_SUBJECT.search(last):  # "1、…（类）…（款）行政运行（项）。" names what the next sentences are about
            state.subject = _ENUMERATOR.sub("", last)
    return out


def _clause(t: _Text, floor: int, num_start: int) -> str:
    """Text between the last delimiter (or the previous claim) and the number."""
    seg = t.text[floor:num_start]
    cuts = [0, *(d.end() for d in _DELIM.finditer(seg))]
    clause = seg[cuts[-1]:].strip(" \u3000…．.·")
    if not clause and len(cuts) > 1 and seg[cuts[-1] - 1] in "：:":  # 收回问卷：70 份 — a label, then its value
        clause = seg[cuts[-2]:cuts[-1] - 1].strip(" \u3000…．.·")
    return clause


def _classify(t: _Text, m: re.Match[str], floor: int, has_comparator: bool, state: _State) -> _Hit | None:
    """Which claim a number makes, from the words before it; None when it makes none we cover."""
    clause = _clause(t, floor, m.start("num"))
    if clause.endswith("第") or _THRESHOLD_BEFORE.search(clause) or _THRESHOLD_AFTER.match(t.norm, m.end()):
        return None  # 第3次, 单价100万元（含）以上: an ordinal or a threshold, not an amount
    unit = _unit(m)
    direction_m = _DIRECTION_TAIL.search(clause)
    if unit == PERCENT:
        return _percent_hit(clause, direction_m, has_comparator, state)
    if unit in MONEY_UNITS:
        if direction_m is None:
            return _total_hit(clause, state)
        if not has_comparator:
            return None  # 增加…万元 against what? Not a year-on-year claim we can name.
        metric = _metric(clause) or state.last_money
        return _Hit("yoy_change", _with_subject(metric, state), _direction(direction_m))
    return _Hit("count", _metric(clause))


def _percent_hit(clause: str, direction_m: re.Match[str] | None, has_comparator: bool, state: _State) -> _Hit | None:
    if "占" in clause:
        return _Hit("share", _metric(clause.split("占")[0]) or state.last_money)
    completion = _COMPLETION.search(clause)
    if completion:
        return _Hit("completion_rate", _metric(clause[: completion.start()]) or state.subject or state.last_money)
    if direction_m is not None and has_comparator:
        before = _metric(clause)
        metric = before or (state.sentence_metrics[-1] if state.sentence_metrics else state.last_money)
        return _Hit("yoy_pct", metric, _direction(direction_m))
    return None


def _total_hit(clause: str, state: _State) -> _Hit:
    """An amount; a bare 年初预算/支出决算 is about the current subject, a named one sets the subject."""
    metric = _metric(clause)
    if not metric or metric in _ASPECTS:
        metric = _with_subject(metric, state) or state.section or ""
    else:
        aspect = next((a for a in _ASPECTS if metric.endswith(a) and len(metric) > len(a)), "")
        state.subject = metric[: len(metric) - len(aspect)] if aspect else metric
    state.last_money = metric
    return _Hit("total", metric)


def _with_subject(metric: str, state: _State) -> str:
    if metric and metric not in _ASPECTS:
        return metric
    subject = state.subject
    if not subject:
        return metric
    if subject.endswith("支出") and metric.startswith("支出"):
        return subject + metric[2:]
    return subject + metric


def _metric(clause: str) -> str:
    """The noun phrase of a clause: comparison, direction, verbs and the leading entity/date stripped."""
    s = _COMPARATOR.sub("", clause)
    s = _DIRECTION_TAIL.sub("", s)
    while (stripped := _VERB_TAIL.sub("", s)) != s:
        s = stripped
    s = s.split("共有")[-1]
    s = _ENUMERATOR.sub("", _YEAR_PREFIX.sub("", s))
    return s.strip(" \u3000…．.·的")


def _unit(m: re.Match[str]) -> str:
    u = normalize(m["unit"])
    return _BARE.get(u, u)


def _direction(m: re.Match[str]) -> Direction | None:
    """增加（减少） in a template names no direction."""
    return None if m["alt"] else _DIRECTIONS[m["word"]]


def _claim(t: _Text, m: re.Match[str], hit: _Hit, sentence: str, section: str | None) -> NarrativeClaim:
    start, end = m.start("num"), m.end("unit")
    raw = t.text[start:end]
    q = parse_quantity(raw + "元" if normalize(m["unit"]) in _BARE else raw)
    page, bbox, _split = _box(t, start, end)
    issues: list[Issue] = []
    if q.kind == "placeholder":
        issues.append(
            Issue(
                code="placeholder",
                page=page,
                path="value",
                message=f"“{raw}” is a template placeholder, not a number: the report was not filled in",
            )
        )
    elif q.kind != "number":
        issues.append(
            Issue(
                code="unreadable_number",
                page=page,
                path="value",
                message=f"cannot read the number “{raw}” ({q.reason}); left empty, check the page",
            )
        )
    unit = q.unit or _unit(m)
    return NarrativeClaim(
        claim_kind=hit.kind,
        sentence=sentence,
        metric=hit.metric,
        raw=raw,
        value=q.value,
        unit=unit,
        amount_yuan=_yuan(q.value, unit),
        direction=hit.direction,
        page=page,
        section=section,
        sources={"value": Source(page=page, bbox=bbox, raw=raw, method="layout")},
        issues=issues,
    )


def _yuan(value: Decimal | None, unit: str) -> Decimal | None:
    return to_yuan(value, unit) if value is not None and unit in MONEY_UNITS else None


def _box(t: _Text, start: int, end: int) -> tuple[int, tuple[float, float, float, float], bool]:
    """Page and box of the number+unit on the line of its first digit; split = part of it is printed elsewhere."""
    first_line = t.line_of[start]
    boxes = [t.glyphs[i].bbox for i in range(start, end) if t.line_of[i] == first_line]
    split = any(t.line_of[i] != first_line for i in range(start, end))
    return t.glyphs[start].page, union(boxes), split
