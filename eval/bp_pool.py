"""The pool of the boilerplate corpus (eval/bp_corpus.py): the seed material no real department keeps
(eval/bp_material.py KEEP), handed out once each — whole projects for the invented departments, sentences and
indicator lines for rewritten text — and the 3-gram index that keeps it from half-repeating anything already placed."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from eval.bp_labels import prose_chars
from eval.bp_material import Item, line_sid, renamer, shift_years, sid_of, split_sentences
from eval.bp_texts import GENERIC, Dept
from extraction.passages import match_key
from extraction.records import Indicator, ReportSection


def shingles(text: str) -> set[str]:
    k = match_key(text)
    return {k[i:i + 3] for i in range(len(k) - 2)} if len(k) > 3 else {k}


def overlap(a: Counter[str], b: Counter[str]) -> float:
    return sum((a & b).values()) / max(sum(a.values()), sum(b.values()), 1)


@dataclass
class PoolSentence:
    sid: str
    text: str
    src: str
    year: int
    kind: str  # section | form


class NearIndex:
    """Sentences by their 3-grams, to tell whether a new one half-repeats (either way) one already there."""

    def __init__(self) -> None:
        self.sets: list[set[str]] = []
        self.index: dict[str, list[int]] = defaultdict(list)

    def add(self, text: str) -> None:
        sh = shingles(text)
        for g in sh:
            self.index[g].append(len(self.sets))
        self.sets.append(sh)

    def close(self, text: str, limit: float = 0.5, least: int = 8) -> bool:
        """Shares `limit` of the 3-grams of the shorter of the two with a sentence there (both with at least
        `least` 3-grams: a stock phrase of five characters repeats nothing)."""
        sh = shingles(text)
        common: Counter[int] = Counter(i for g in sh for i in self.index.get(g, ()))
        return any(n >= limit * m for i, n in common.items() if (m := min(len(sh), len(self.sets[i]))) >= least)


class Pool:
    """Unused seed material. Sentences are handed out once; whole projects once."""

    def __init__(self, items: list[Item], base: list[Item], rng: random.Random, whole_projects: int) -> None:
        # Nothing of the pool may repeat the base material: a pool project that shares a sentence with a base item,
        # or whose indicator set overlaps a base form's by more than half, is not used whole (only its other
        # sentences are); a sentence already in the base is never handed out.
        base_sids = {s for it in base for s in it.sentence_sids()}
        base_lines = [it.line_sids() for it in base if it.kind != "section"]
        self.projects = _whole_projects(items, base_sids, base_lines, rng, whole_projects)
        self.sentences: dict[str, list[PoolSentence]] = {"section": [], "form": []}
        self.lines: list[tuple[str, Indicator]] = []
        self._fill(items, base, base_sids, base_lines)
        for v in self.sentences.values():
            rng.shuffle(v)
        rng.shuffle(self.lines)
        self.taken = Counter[str]()

    def _fill(self, items: list[Item], base: list[Item], base_sids: set[str], base_lines: list[Counter[str]]) -> None:
        """The sentences and indicator lines of every item not used whole, each once and none already placed."""
        used = {p.idx for p in self.projects}
        taken_sids = base_sids | {s for p in self.projects for s in p.sentence_sids()}
        taken_lines = {s for b in base_lines for s in b} | {s for p in self.projects for s in p.line_sids()}
        seen: set[str] = set(taken_sids) | taken_lines
        # near duplicates too (the 004 forms repeat their texts, cut or reworded, in their 自评结果分析): a sentence
        # that shares half its 3-grams with a placed text or an accepted pool sentence, either way, is not used
        near = NearIndex()
        for _, text, _ in GENERIC:  # the generic sentences are placed on purpose, never drawn
            near.add(text)
        for it in [*base, *self.projects]:
            for t in it.texts():
                for sent in split_sentences(t):
                    near.add(sent)
        for it in items:
            kind = "section" if it.kind == "section" else "form"
            for t in ([] if it.idx in used else it.texts()) + it.analysis():
                for s in split_sentences(t):
                    sid = sid_of(s)
                    if prose_chars(s) < 10 or sid in seen or near.close(s):  # wording of its own, not new
                        continue
                    seen.add(sid)
                    near.add(s)
                    s = s.strip()
                    if not s.endswith(("。", "；", "！", "？", "!", "?", ";")):
                        s += "。"
                    self.sentences[kind].append(PoolSentence(sid, s, it.src, it.year, kind))
            if not isinstance(it.record, ReportSection) and it.idx not in used:
                for ind in it.record.indicators:
                    ls = line_sid(ind)
                    if ls not in seen:
                        seen.add(ls)
                        self.lines.append((ls, ind))

    def take(self, n: int, kind: str, dept: Dept, year: int) -> list[tuple[str, str]]:
        """n sentences, of the kind asked while there are any (then of the other), renamed for the department and
        moved to its year."""
        out: list[tuple[str, str]] = []
        for k in (kind, "section" if kind == "form" else "form"):
            lst = self.sentences[k]
            while len(out) < n and lst:
                s = lst.pop(0)
                out.append((s.sid, shift_years(renamer(s.src, dept)(s.text), year - s.year)))
        self.taken[kind] += len(out)
        if len(out) < n:
            raise RuntimeError(f"pool exhausted: asked {n} {kind} sentences, got {len(out)}")
        return out

    def take_short(self, kind: str, dept: Dept, year: int, most: int) -> list[tuple[str, str]] | None:
        """One sentence with at most `most` key characters of figure-free wording (a light edit stays light), or
        None when the pool has none left."""
        for k in (kind, "section" if kind == "form" else "form"):
            lst = self.sentences[k]
            for i, s in enumerate(lst):
                if prose_chars(s.text) <= most:
                    lst.pop(i)
                    self.taken[kind] += 1
                    return [(s.sid, shift_years(renamer(s.src, dept)(s.text), year - s.year))]
        return None

    def has(self, n: int) -> bool:
        return sum(len(v) for v in self.sentences.values()) >= n

    def take_lines(self, n: int) -> list[tuple[str, Indicator]]:
        out, self.lines = self.lines[:n], self.lines[n:]
        if len(out) < n:
            raise RuntimeError("pool exhausted: indicator lines")
        return out

    def take_project(self) -> Item:
        return self.projects.pop(0)


def _whole_projects(items: list[Item], base_sids: set[str], base_lines: list[Counter[str]], rng: random.Random,
                    whole_projects: int) -> list[Item]:
    """Up to `whole_projects` pool projects to be used whole: none repeating the base material or each other."""
    projects = [it for it in items if it.kind == "project"]
    rng.shuffle(projects)
    by_src: dict[str, list[Item]] = defaultdict(list)
    for p in projects:
        clean = not (p.sentence_sids() & base_sids) and all(overlap(p.line_sids(), b) <= 0.5 for b in base_lines)
        if clean:
            by_src[p.src].append(p)
    chosen: list[Item] = []
    while len(chosen) < whole_projects and any(by_src.values()):
        for src in sorted(by_src):  # alternate between seeds so an invented department mixes them
            if by_src[src] and len(chosen) < whole_projects:
                p = by_src[src].pop()
                if all(overlap(p.line_sids(), q.line_sids()) <= 0.5 and not (p.sentence_sids() & q.sentence_sids())
                       for q in chosen):
                    chosen.append(p)
    return chosen
