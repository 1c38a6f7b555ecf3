"""Records and provenance of the boilerplate corpus (eval/bp_corpus.py): a planned report made into the
ExtractionResult extraction would give, each of its passages (extraction.passages) with the seed sentences it stands
for (the Occurrence eval/bp_labels.py derives the labels from), and how the seeds' own sentences relate."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from typing import Any

from eval.bp_labels import MIN_PIECE, Occurrence, Piece, prose_chars
from eval.bp_material import DocPlan, Item, Para, SectionSlot, own_part, own_words, shanghai, sid_of, split_sentences
from eval.bp_pool import shingles
from eval.bp_texts import STANDARD_SENTENCES
from extraction.passages import Passage, match_key, passages
from extraction.records import Document, ExtractionResult, ProjectSelfEvaluation, ReportSection


def doc_id(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def build(plan: DocPlan, alias: dict[str, str]) -> tuple[ExtractionResult, list[Occurrence]]:
    records: list[Any] = []
    prov: dict[tuple[int, str], tuple[list[Para], str]] = {}
    kinds: set[str] = set()
    for s in plan.slots:
        i = len(records)
        if isinstance(s, SectionSlot):
            records.append(ReportSection(heading_path=s.heading_path, section_type=s.section_type,
                                         text="\n".join(para.text for para in s.paras)))
            prov[(i, "text")] = (s.paras, s.edit)
            for n, para in enumerate(s.paras):
                prov[(i, f"text#p{n}")] = ([para], s.edit)
            kinds.add("evaluation_report" if not plan.dept.finance else "final_accounts")
            continue
        rec = s.template.model_copy(deep=True)
        rec.goal_text = s.goal.text if s.goal else None
        rec.result_text = s.result.text if s.result else None
        rec.indicators = []
        for k, ind in enumerate(s.inds):
            new = ind.ind.model_copy(deep=True)
            new.deviation_note = ind.dev.text if ind.dev else None
            rec.indicators.append(new)
            if ind.dev:
                prov[(i, f"indicators[{k}].deviation_note")] = ([ind.dev], s.edit["indicators"])
        if s.goal:
            prov[(i, "goal_text")] = ([s.goal], s.edit["goal_text"])
        if s.result:
            prov[(i, "result_text")] = ([s.result], s.edit["result_text"])
        prov[(i, "indicators")] = ([Para(tuple((x.sid, "") for x in s.inds))], s.edit["indicators"])
        records.append(rec)
        kinds.add("project_self_evaluation" if isinstance(rec, ProjectSelfEvaluation) else "dept_self_evaluation")
    name = plan.name
    d = plan.dept
    doc = Document(id=doc_id(name), file_name=f"{name}.pdf", department=d.department, region=d.region,
                   fiscal_year=plan.year, doc_kinds=sorted(kinds))  # type: ignore[arg-type]
    result = ExtractionResult(document=doc, records=records)
    occ = []
    for p in passages(result):
        idx = int(p.record.split("]", 1)[0].split("[", 1)[1])
        paras, edit = prov[(idx, p.path)]
        occ.append(_occurrence(f"{name}.json", p, d.key, plan.year, paras, edit, alias))
    return result, occ


_STANDARD_SENTENCE = re.compile("|".join(STANDARD_SENTENCES))


def _occurrence(doc: str, p: Passage, dept: str, year: int, paras: list[Para], edit: str,
                alias: dict[str, str]) -> Occurrence:
    """The passage with its provenance: its sentences that count, each with the id of the seed sentence it stands
    for, its figures and its weight (standard paragraphs and sentences, the Shanghai template's own wording and
    pieces under MIN_PIECE key characters left out; every line of an indicator set, weighing one)."""
    pieces: list[Piece] = []
    for para in paras:
        if para.standard:
            continue
        narrative = shanghai(dept) and not para.tag  # the Shanghai template narrative (not a generic paragraph)
        for sid, t in para.pieces:
            if p.kind == "indicator_set":
                pieces.append(Piece(sid))
                continue
            if len(match_key(t)) < MIN_PIECE or _STANDARD_SENTENCE.search(unicodedata.normalize("NFKC", t)) \
                    or narrative and not own_words(t):
                continue
            words = own_part(t) if narrative else t
            pieces.append(Piece(alias.get(sid, sid), prose_chars(words), len(match_key(words))))
    standard = None
    if not pieces:
        standard = next((para.standard for para in paras if para.standard), "template sentence")
    generic = paras[0].generic if len(paras) == 1 else None
    return Occurrence(doc, p.record, p.path, p.kind, p.record_kind, dept, year, p.text, tuple(pieces), generic,
                      standard, edit)


def seed_relations(items: list[Item]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """How the seeds' own sentences relate, for the labels: near-identical ones (3-gram Jaccard >= 0.85, at least
    10 key characters: 002's 年度目标 "确保按时足额发放…补贴" and its 实际完成情况 "已完成确保按时足额发放…补贴")
    share one id (alias → canonical id); one printed inside a longer one (0.9 of its 3-grams, at least 30 key
    characters: 000's 公共机构节能 实际完成情况 is the tail of its 年度目标) is mapped to it (containment)."""
    by_src: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for it in items:
        for t in it.texts():
            for sent in split_sentences(t):
                if len(match_key(sent)) >= 10:
                    by_src[it.src].setdefault(sid_of(sent), shingles(sent))
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    inside: dict[str, set[str]] = defaultdict(set)
    for sents in by_src.values():
        ids = sorted(sents)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                sa, sb = sents[a], sents[b]
                common = len(sa & sb)
                if common >= 0.85 * len(sa | sb):
                    ra, rb = root(a), root(b)
                    parent[max(ra, rb)] = min(ra, rb)
                for x, y, sx, sy in ((a, b, sa, sb), (b, a, sb, sa)):
                    if len(sx) >= 28 and len(sy) > len(sx) and common >= 0.9 * len(sx):
                        inside[x].add(y)
    alias = {x: root(x) for x in parent}
    within = {alias.get(x, x): {alias.get(y, y) for y in ys} for x, ys in inside.items()}
    return alias, within
