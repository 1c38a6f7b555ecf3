"""The comparison behind the boilerplate rules BP-001..004, done once per document and shared by the four rules.

The corpus proposes neighbours (two batched queries per document: the narrative passages for BP-004, BP-003 and
BP-001 together, the indicator sets for BP-002); `checks.textsim` decides, on each passage's own text
(`checks.standard_text` takes the standard parts out first). A passage that BP-004 reports
(generic and widespread: boilerplate, whoever else has it) is reported by no other rule. Otherwise a section or
paragraph unchanged from the same department's previous year is BP-003's, and a copy in any other report (another
department, another year, the department's later report) is BP-001's: one passage may carry both, each with its own
counterpart. A section reported as a whole takes its paragraphs with it, rule by rule. A rule that is switched off
leaves its cases to the next one (BP-004's to BP-001; BP-003's to BP-001).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from checks.registry import REGISTRY
from checks.standard_text import StandardText, load_standard_text
from checks.textsim import Match, compare, figures_differ, indicator_lines, is_generic, line_overlap
from checks.view import DocView
from extraction.passages import Passage, PassageKind, match_key, passages

BP_IDS = ("BP-001", "BP-002", "BP-003", "BP-004")
TEXT_KINDS: tuple[PassageKind, ...] = ("goal_text", "result_text", "deviation_note", "section", "paragraph")
FORM_TEXT = ("goal_text", "result_text", "deviation_note")
Relation = Literal["same", "earlier", "later", "other_dept", "other_year", "unknown"]


@dataclass(frozen=True)
class Candidate:
    other: Passage
    match: Match
    relation: Relation


@dataclass(frozen=True)
class Verdict:
    rule_id: str
    ours: Passage
    best: list[Candidate]  # best first; BP-004: the best passage of each other report


@dataclass
class _Run:
    doc: DocView
    std: StandardText
    params: dict[str, dict[str, Any] | None]
    claimed: dict[str, set[str]] = field(default_factory=dict)  # rule → passage ids and records of whole sections
    clean_cache: dict[str, str | None] = field(default_factory=dict)

    def clean(self, p: Passage) -> str | None:
        if p.id not in self.clean_cache:
            self.clean_cache[p.id] = self.std.clean(p)
        return self.clean_cache[p.id]

    def claim(self, rule_id: str, p: Passage) -> None:
        self.claimed.setdefault(rule_id, set()).update({p.id, p.record} if p.kind == "section" else {p.id})

    def is_claimed(self, rule_id: str, p: Passage) -> bool:
        """Reported already: by BP-004 (then by no other rule), or by this rule itself (a section reported whole
        takes its paragraphs with it)."""
        return any(p.id in ids or (p.kind == "paragraph" and p.record in ids)
                   for r, ids in self.claimed.items() if r in ("BP-004", rule_id))


def _norm(s: str | None) -> str:
    return "".join((s or "").split())


def same_department(a: Passage, b: Passage) -> bool:
    if _norm(a.department) != _norm(b.department):
        return False
    if not (a.region and b.region):
        return True
    ra, rb = _norm(a.region), _norm(b.region)
    return ra.endswith(rb) or rb.endswith(ra)  # 昆明市西山区 = 云南省昆明市西山区: the province is often left out


def relation(ours: Passage, other: Passage) -> Relation:
    """Whose report the other passage comes from, seen from ours. Unknown department or year: only a known
    difference counts, so a re-upload of the same report is never called a copy."""
    ya, yb = ours.fiscal_year, other.fiscal_year
    if ours.department and other.department:
        if not same_department(ours, other):
            return "other_dept"
        if ya is None or yb is None:
            return "unknown"
        return "same" if ya == yb else ("earlier" if yb < ya else "later")
    return "other_year" if ya is not None and yb is not None and ya != yb else "unknown"


def analyse(doc: DocView) -> dict[str, list[Verdict]]:
    """What each BP rule reports on this document; nothing without a corpus. Cached on the DocView."""
    if "bp" in doc.cache:
        return doc.cache["bp"]  # type: ignore[no-any-return]
    out: dict[str, list[Verdict]] = {rid: [] for rid in BP_IDS}
    if doc.corpus is not None:
        params = {rid: _params(doc, rid) for rid in BP_IDS}
        extra = next((p["standard_text"] for p in params.values() if p and p.get("standard_text")), None)
        run = _Run(doc, load_standard_text(extra), params)
        mine = passages(doc.result)
        for p in mine:  # the paragraphs of a standard section are standard with it
            if p.kind == "section" and run.clean(p) is None:
                run.clean_cache.update({q.id: None for q in mine if q.kind == "paragraph" and q.record == p.record})
        ours = [(p, c) for p in mine if (c := run.clean(p))]
        text = _text_candidates(run, ours)
        out["BP-004"] = _generic(run, text)
        out["BP-003"] = _unchanged(run, text)
        out["BP-001"] = _copied_text(run, text)
        out["BP-002"] = _copied_indicators(run, mine)
    doc.cache["bp"] = out
    return out


def _params(doc: DocView, rid: str) -> dict[str, Any] | None:
    """A BP rule's effective parameters, None when it is switched off (registry defaults outside the engine)."""
    if doc.rule_params is None:
        return dict(REGISTRY[rid].params)
    return doc.rule_params.get(rid)


def _search(run: _Run, items: Sequence[tuple[Passage, str]], kinds: Sequence[PassageKind],
            k: int) -> list[list[Passage]]:
    if not items or run.doc.corpus is None:
        return [[] for _ in items]
    hits = run.doc.corpus.search([t for _, t in items], k=k, kinds=list(kinds),
                                 exclude_document=run.doc.result.document.id)
    return [[h.passage for h in hs] for hs in hits]


def _candidates(run: _Run, ours: Passage, text: str, others: list[Passage], threshold: float) -> list[Candidate]:
    """The other reports' passages that match ours at or above the threshold, best first (ties by name: stable)."""
    out = []
    for o in others:
        oc = run.clean(o) if o.document_id != ours.document_id else None
        if not oc:
            continue
        m = compare(text, oc)
        rel = relation(ours, o)
        if m.score >= threshold and rel not in ("same", "unknown"):
            out.append(Candidate(o, m, rel))
    return sorted(out, key=lambda c: (-c.match.score, figures_differ(ours.text, c.other.text), c.other.path != ours.path,
                                      c.other.file_name, c.other.record, c.other.path))


def _long_enough(text: str, params: dict[str, Any]) -> bool:
    return len(match_key(text)) >= int(params["min_chars"])


def _unchanged(run: _Run, text: list[tuple[Passage, str, list[Candidate]]]) -> list[Verdict]:
    """BP-003: sections, then the paragraphs of sections not reported whole, against the same department's passages
    of the previous max_years_back years (a section may be last year's 年度目标 printed again)."""
    p3 = run.params["BP-003"]
    if not p3:
        return []
    back, threshold = int(p3["max_years_back"]), float(p3["threshold"])
    out = []
    for p, c, cands in text:
        if p.kind not in ("section", "paragraph") or run.is_claimed("BP-003", p) or not _long_enough(c, p3):
            continue
        mine = [x for x in cands if x.match.score >= threshold and _last_years(p, x, back)]
        if mine:  # the same heading first, then the nearest year, then the closest text
            mine.sort(key=lambda x: (_norm(x.other.section) != _norm(p.section), -(x.other.fiscal_year or 0)))
            out.append(Verdict("BP-003", p, mine[:1]))
            run.claim("BP-003", p)
    return out


def _text_candidates(run: _Run, ours: list[tuple[Passage, str]]) -> list[tuple[Passage, str, list[Candidate]]]:
    """One query for BP-004, BP-003 and BP-001: the narrative passages and their matches at the lowest threshold."""
    active = [p for p in (run.params["BP-001"], run.params["BP-003"], run.params["BP-004"]) if p]
    if not active:
        return []
    items = [(p, c) for p, c in ours if p.kind in TEXT_KINDS and any(_long_enough(c, x) for x in active)]
    found = _search(run, items, TEXT_KINDS, max(int(x["k"]) for x in active))
    floor = min(float(x["threshold"]) for x in active)
    return [(p, c, _candidates(run, p, c, others, floor)) for (p, c), others in zip(items, found, strict=True)]


def _generic(run: _Run, text: list[tuple[Passage, str, list[Candidate]]]) -> list[Verdict]:
    """BP-004 first: generic and widespread text is reported once, as boilerplate, whatever else it matches."""
    p4 = run.params["BP-004"]
    if not p4:
        return []
    out = []
    for p, c, cands in text:
        v = None if run.is_claimed("BP-004", p) else _widespread(p, c, cands, p4)
        if v is not None:
            out.append(v)
            run.claim("BP-004", p)
    return out


def _copied_text(run: _Run, text: list[tuple[Passage, str, list[Candidate]]]) -> list[Verdict]:
    """BP-001 last: any other report's copy, except what BP-004 took and the same department's previous years of a
    section or paragraph (BP-003's, while it is on)."""
    p1, p3 = run.params["BP-001"], run.params["BP-003"]
    if not p1:
        return []
    back = int(p3["max_years_back"]) if p3 else 0
    out = []
    for p, c, cands in text:
        ok = [x for x in cands if x.match.score >= float(p1["threshold"]) and not _last_years(p, x, back)]
        if ok and not run.is_claimed("BP-001", p) and _long_enough(c, p1):
            out.append(Verdict("BP-001", p, ok[:1]))
            run.claim("BP-001", p)
    return out


def _last_years(p: Passage, x: Candidate, back: int) -> bool:
    """p is a section or paragraph and x the same department's section or paragraph of the previous `back` years:
    BP-003's case (a section that repeats last year's form text is a copy, BP-001, not an unchanged section)."""
    return (p.kind in ("section", "paragraph") and x.other.kind in ("section", "paragraph") and x.relation == "earlier"
            and (p.fiscal_year or 0) - (x.other.fiscal_year or 0) <= back)


def _widespread(p: Passage, text: str, cands: list[Candidate], p4: dict[str, Any]) -> Verdict | None:
    """BP-004: generic (nothing measurable, a stock word every stock_every characters), and nearly the same in
    ≥ min_reports other reports of ≥ min_departments departments (this one included; counted by name: a report without a department does not add one)."""
    if not _long_enough(text, p4) or not is_generic(text, int(p4["stock_every"])):
        return None
    best: dict[str, Candidate] = {}
    for x in cands:
        if x.match.score >= float(p4["threshold"]):
            best.setdefault(x.other.document_id, x)
    depts = {_norm(x.other.department) for x in best.values() if x.other.department}
    if p.department:
        depts.add(_norm(p.department))
    if len(best) < int(p4["min_reports"]) or len(depts) < int(p4["min_departments"]):
        return None
    return Verdict("BP-004", p, list(best.values()))


def _copied_indicators(run: _Run, mine: list[Passage]) -> list[Verdict]:
    """BP-002: a form's indicator set against the forms of the same kind in other reports (project with project,
    部门整体 with 部门整体). Among equally close sets the one with the same target values too is shown."""
    p2 = run.params["BP-002"]
    if not p2:
        return []
    least, threshold = int(p2["min_indicators"]), float(p2["threshold"])
    items = [(p, p.text) for p in mine if p.kind == "indicator_set" and len(indicator_lines(p.text)) >= least]
    out = []
    for (p, text), others in zip(items, _search(run, items, ("indicator_set",), int(p2["k"])), strict=True):
        cands = [c for o in others if (c := _indicator_match(p, o, least, threshold))]
        if cands:
            cands.sort(key=lambda c: (-c.match.score, -line_overlap(text, c.other.text, exact=True),
                                      c.other.file_name, c.other.record))
            out.append(Verdict("BP-002", p, cands[:1]))
    return out


def _indicator_match(p: Passage, o: Passage, least: int, threshold: float) -> Candidate | None:
    if o.record_kind != p.record_kind or o.document_id == p.document_id or len(indicator_lines(o.text)) < least:
        return None
    score, rel = line_overlap(p.text, o.text), relation(p, o)
    if score < threshold or (_norm(o.project_name) == _norm(p.project_name) and rel in ("same", "unknown")):
        return None  # not close enough, or the same form published twice
    return Candidate(o, Match(score, "near"), rel)
