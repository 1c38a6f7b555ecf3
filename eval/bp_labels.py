"""Labels of the boilerplate corpus, derived from provenance (pure; no rule is run).

Every passage the generator places (extraction.passages cuts them) carries its provenance: the ids of the source
sentences it is made of ("sids": a sentence keeps its id through light edits — another year, refreshed amounts, the
department's name swapped in — and a rewritten sentence gets the id of the sentence that replaced it; an indicator
set is made of indicator-line ids) and tags: generic (one of the written BP-004 sentences), standard (名词解释,
table and form notes, template instructions, a mandate section quoted from the 三定方案, the template's sentence
for an empty table).

Two passages a (the report checked) and b (another report) are compared on their sids, each sentence weighed by its
key characters; when a states a figure b does not (the figures were refreshed, or a template filled in again), by
the key characters of its figure-free wording only (its clauses without a figure: "2024年度收入总计4,195.37万元，
支出总计…" then weighs next to nothing). Left out: standard sentences, the Shanghai template's own wording (only the
department's words after 主要原因/主要用于 count), sentences under MIN_PIECE key characters. An indicator set is
made of its lines, one each.

- overlap = shared / max(weight a, weight b); or, when a weighs at least MIN_CONTAINED, b is longer and at least
  CONTAINED (0.9) of a is in b, that share (a passage lifted whole out of a longer text).
- copy when overlap >= COPY (0.8); near miss when <= MISS (0.5: half the wording or more rewritten, an indicator
  set keeping a third) — a labelled negative; in between: ambiguous, not scored. The generator's light edits
  rewrite at most a tenth of the wording and its heavy ones at least half, so the band between is left to the
  chance overlaps of recombined text.
- refilled template: a copy judged on its wording alone with under MIN_PROSE key characters of it
  ("本年收入合计X万元，其中：财政拨款收入X万元，占X%") is the template filled in again: negative.

Which rule a copy is (one rule per passage, the most specific, as the issue defines them):
- indicator set with >= MIN_INDICATORS lines copied in another report's form of the same kind (project with
  project, 部门整体 with 部门整体) → BP-002 (a copy between two projects of the same report is SE-009's, not
  BP-002's: not labelled);
- nothing measurable (no figure, percentage, date or counted quantity) and copied in the reports of
  >= MANY_DEPTS departments (this one counted) → BP-004, and no other rule;
- a report section or paragraph copied from the same department's previous year → BP-003 (that copy);
- a copy in any other report (another department, another year, a later year of the same department) → BP-001
  (those copies). A section can be both: BP-003 for last year's copy, BP-001 for the others.
A copy weighing less than SHORT key characters that is not BP-004 is ambiguous (a repeated stock phrase of 15 characters
is no evidence either way). Text repeated inside one report is not a cross-report copy.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from extraction.passages import match_key

COPY = 0.8
CONTAINED = 0.9
MISS = 0.5
MIN_PIECE = 6  # key characters: shorter sentences (完成。 无。) say nothing about copying
MIN_CONTAINED = 30
MIN_PROSE = 12  # = extraction.passages.MIN_CHARS
SHORT = 12  # = extraction.passages.MIN_CHARS
MIN_INDICATORS = 3
MANY_DEPTS = 3
SECTION_KINDS = ("section", "paragraph")

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?=年)(?!年\d|年底|年末|年前|年内)")
_ENUM = re.compile(r"(?:^|(?<=[。；;：:\s]))\d{1,2}[.、．](?!\d)|[（(]\d{1,2}[）)]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CLAUSE = re.compile(r"[^，,。；;：:！!？?\n]+")
_PERCENT = re.compile(r"%|％|‰|百分之")
_DATE = re.compile(r"\d{1,2}月|\d{4}年(?:底|末|前|内)|月底|季度末|年底前")
_CN_QTY = re.compile(r"(?<![进统唯之第同])[一二两三四五六七八九十百千万]+[余多]?"
                     r"(?:个|次|项|人|名|家|场|期|批|件|户|辆|台|套|所|座|元|万元|公里|平方米|亩|天|周|月|篇|份|本|册|条|"
                     r"种|轮|处|间|吨|小时)")


@dataclass(frozen=True)
class Piece:
    """One sentence (one indicator line) of a passage: the id of the seed sentence it stands for and its weight —
    the key characters of its figure-free wording and of the whole sentence (a line weighs one)."""

    sid: str
    prose: int = 1
    full: int = 1


@dataclass(frozen=True)
class Occurrence:
    """One passage of the corpus with what the generator knows about it."""

    doc: str  # corpus file, e.g. xishan-2024.json
    record: str  # as extraction.passages names it: form[3]:项目名 / section[7]:标题
    path: str  # goal_text, indicators, text, text#p1 …
    kind: str
    record_kind: str
    dept: str
    year: int
    text: str
    pieces: tuple[Piece, ...]  # the sentences that count (not standard, not tiny), in order
    generic: str | None = None  # G1 … when the passage is one of the written generic sentences
    standard: str | None = None  # why the whole passage is standard, when it is
    edit: str = ""  # how this occurrence was made from the later year's (README, diagnosis of misses)

    @property
    def sids(self) -> tuple[str, ...]:
        return tuple(p.sid for p in self.pieces)


def figures(text: str) -> list[str]:
    t = unicodedata.normalize("NFKC", text)
    t = _ENUM.sub(" ", _YEAR.sub(" ", t))
    return _NUMBER.findall(t)


def prose_chars(text: str) -> int:
    """Key characters of the clauses that state no figure."""
    t = unicodedata.normalize("NFKC", text)
    return sum(len(match_key(c)) for c in _CLAUSE.findall(t) if not figures(c))


def measurable(text: str) -> bool:
    """Something one could check: a figure (not a bare year or a list number), a percentage, a date, a quantity."""
    t = unicodedata.normalize("NFKC", "".join(text.split()))
    return bool(figures(t) or _PERCENT.search(t) or _DATE.search(t) or _CN_QTY.search(t))


@dataclass(frozen=True)
class Relation:
    kind: str  # copy | ambiguous | near_miss | refilled
    score: float


def same_figures(a: Occurrence, b: Occurrence) -> bool:
    """Every figure a states is in b too: then the whole text counts; else only the figure-free wording (a text
    copied with this year's figures is still a copy, a template filled in again is not)."""
    return set(figures(a.text)) <= set(figures(b.text))


def _weigh(a: Occurrence, b: Occurrence, whole: bool, within: Mapping[str, set[str]]) -> tuple[int, int, int]:
    """a's weight, the part b shares, the part inside b (via `within` too); a sentence weighs all its key
    characters (`whole`) or those of its figure-free wording."""
    theirs = Counter(b.sids)
    total = shared = inside = 0
    for p in a.pieces:
        w = p.full if whole else p.prose
        total += w
        if theirs[p.sid] > 0:
            theirs[p.sid] -= 1
            shared += w
            inside += w
        elif any(theirs[c] > 0 for c in within.get(p.sid, ())):
            inside += w
    return total, shared, inside


def wording(a: Occurrence, b: Occurrence) -> int:
    """Key characters of a's text as it is compared with b's."""
    return _weigh(a, b, same_figures(a, b), {})[0]


def relate(a: Occurrence, b: Occurrence, within: Mapping[str, set[str]] | None = None) -> Relation | None:
    """How a stands to b (`within`: a sentence id → the ids of longer seed sentences that contain it)."""
    whole = a.kind == "indicator_set" or same_figures(a, b)
    wa, shared, inside = _weigh(a, b, whole, within or {})
    wb = _weigh(b, a, whole, {})[0]
    if not shared:
        return None if wa and wb else (Relation("refilled", 1.0) if set(a.sids) & set(b.sids) else None)
    score = shared / max(wa, wb)
    if wa >= MIN_CONTAINED and len(match_key(b.text)) > len(match_key(a.text)) and inside / wa >= CONTAINED:
        score = max(score, inside / wa)
    if score >= COPY:
        return Relation("refilled" if not whole and wa < MIN_PROSE else "copy", score)
    if score > MISS:
        return Relation("ambiguous", score)
    return Relation("near_miss", score)


@dataclass
class Labels:
    positives: list[dict[str, Any]] = field(default_factory=list)
    negatives: list[dict[str, Any]] = field(default_factory=list)
    ambiguous: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"positives": self.positives, "negatives": self.negatives, "ambiguous": self.ambiguous}


def _text_rules(a: Occurrence, copies: list[Occurrence]) -> list[tuple[str, list[Occurrence]]]:
    if not copies:
        return []
    depts = {b.dept for b in copies} | {a.dept}
    if not measurable(a.text) and len(depts) >= MANY_DEPTS:
        return [("BP-004", copies)]
    if max(wording(a, b) for b in copies) < SHORT:
        return []
    prev = [b for b in copies if a.kind in SECTION_KINDS and b.kind in SECTION_KINDS and b.dept == a.dept
            and b.year == a.year - 1]
    rest = [b for b in copies if b not in prev]
    return [(rule, docs) for rule, docs in (("BP-003", prev), ("BP-001", rest)) if docs]


def derive(occurrences: list[Occurrence], within: Mapping[str, set[str]] | None = None) -> Labels:
    """Positive labels (rule, passage, the documents holding a copy), hard negatives and ambiguous passages.
    `within`: sentence id → ids of the longer seed sentences that contain it (a seed's 实际完成情况 printed inside
    its 年度目标), so that a passage lifted out of a longer one is seen as the copy it is."""
    within = within or {}
    by_sid: dict[str, list[int]] = defaultdict(list)
    for i, o in enumerate(occurrences):
        if not o.standard:
            for s in set(o.sids):
                by_sid[s].append(i)

    out = Labels()
    for a in occurrences:
        if a.standard or a.kind == "indicator_set" and len(a.sids) < MIN_INDICATORS:
            continue
        rels = _relations(a, occurrences, by_sid, within)
        is_set = a.kind == "indicator_set"
        base = {"document": a.doc, "record": a.record, "path": a.path, "kind": a.kind}
        copies = rels["copy"]
        decided = ([("BP-002", copies)] if copies else []) if is_set else _text_rules(a, copies)
        for rule, matched in decided:
            out.positives.append({"rule_id": rule, **base, "matches": sorted({b.doc for b in matched}),
                                  "copies": sorted([b.doc, b.record, b.path] for b in matched),
                                  "edit": _pair_edit(a, matched), **({"generic": a.generic} if a.generic else {})})
        if copies and not decided:
            out.ambiguous.append({**base, "why": "short copy", "counterparts": sorted({b.doc for b in copies})})
        copied = {b.doc for b in copies}
        for kind in ("near_miss", "refilled"):
            docs = sorted({b.doc for b in rels[kind]} - copied)
            if docs:
                out.negatives.append({"negative": kind, **base, "counterparts": docs, "edit": a.edit})
        amb = sorted({b.doc for b in rels["ambiguous"]} - copied)
        if amb:
            out.ambiguous.append({**base, "why": "overlap between 0.5 and 0.8", "counterparts": amb})
        if a.generic and all(rule != "BP-004" for rule, _ in decided):
            out.negatives.append({"negative": "generic_not_widespread", **base, "counterparts": sorted(copied),
                                  "edit": a.edit})
    _standard_negatives(occurrences, out)
    _units(out)
    out.positives.sort(key=_order)
    out.negatives.sort(key=_order)
    out.ambiguous.sort(key=_order)
    return out


def _relations(a: Occurrence, occurrences: list[Occurrence], by_sid: Mapping[str, list[int]],
               within: Mapping[str, set[str]]) -> dict[str, list[Occurrence]]:
    """Every passage of another report that shares a sentence (an indicator line) with a, by its relation to a.
    Indicator sets are compared with sets of the same kind of form only."""
    is_set = a.kind == "indicator_set"
    keys = (*a.sids, *(c for x in a.sids for c in sorted(within.get(x, ()))))
    seen: set[int] = set()
    rels: dict[str, list[Occurrence]] = defaultdict(list)
    for s in dict.fromkeys(keys):
        for j in by_sid.get(s, ()):
            if j in seen:
                continue
            seen.add(j)
            b = occurrences[j]
            if b.doc == a.doc or (b.kind == "indicator_set") != is_set:
                continue
            if is_set and (b.record_kind != a.record_kind or len(b.sids) < MIN_INDICATORS):
                continue
            rel = relate(a, b, within)
            if rel is not None:
                rels[rel.kind].append(b)
    return rels


def _pair_edit(a: Occurrence, copies: list[Occurrence]) -> str:
    """How the passage differs from its closest copy: an adjacent year of its department (the earlier one was
    derived from the later by this edit), else another department or year."""
    for b in sorted(copies, key=lambda b: (b.dept != a.dept, abs(b.year - a.year), b.doc)):
        if b.dept == a.dept and abs(b.year - a.year) == 1:
            return (b if b.year < a.year else a).edit
        return "another department" if b.dept != a.dept else f"same department, {abs(b.year - a.year)} years apart"
    return ""


def _standard_negatives(occurrences: list[Occurrence], out: Labels) -> None:
    """Every standard passage that recurs in another report: the rules must leave it alone."""
    by_text: dict[str, list[Occurrence]] = defaultdict(list)
    for o in occurrences:
        if o.standard:
            by_text[match_key(o.text)].append(o)
    for group in by_text.values():
        docs = sorted({o.doc for o in group})
        if len(docs) < 2:
            continue
        for o in group:
            out.negatives.append({"negative": "standard", "document": o.doc, "record": o.record, "path": o.path,
                                  "kind": o.kind, "counterparts": [d for d in docs if d != o.doc],
                                  "standard": o.standard, "edit": o.edit})


def _units(out: Labels) -> None:
    """Recall is counted per unit. A section labelled as a whole for a rule is one unit with its paragraphs labelled
    for the same rule: a rule reports the section and leaves its paragraphs alone, so those paragraphs are optional
    (right when reported, not missed when not). Every other positive is its own unit."""
    whole = {(p["rule_id"], p["document"], p["record"]) for p in out.positives if p["path"] == "text"}
    for p in out.positives:
        if p["path"].startswith("text#p") and (p["rule_id"], p["document"], p["record"]) in whole:
            p["unit"] = f"{p['rule_id']}|{p['document']}|{p['record']}|text"
            p["optional"] = True
        else:
            p["unit"] = f"{p['rule_id']}|{p['document']}|{p['record']}|{p['path']}"


def _order(d: dict[str, Any]) -> tuple[str, ...]:
    return (d.get("rule_id", d.get("negative", "")), d["document"], d["record"], d["path"])
