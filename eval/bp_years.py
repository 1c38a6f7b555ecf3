"""The earlier years of the boilerplate corpus (eval/bp_corpus.py): every earlier report derived from the next one
slot by slot — a section copied (years shifted, amounts refreshed in a final-accounts narrative), one short sentence
rewritten, half or more of the wording rewritten, or rewritten; a project's 年度目标, 实际完成情况 and indicator set
each copied, rewritten or revised — with rewritten text drawn from the pool (eval/bp_pool.py)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from eval.bp_labels import prose_chars
from eval.bp_material import (
    DocPlan,
    FormSlot,
    IndSlot,
    Para,
    SectionSlot,
    Slot,
    own_words,
    refresh_amounts,
    shanghai,
    shift_years,
    sid_of,
)
from eval.bp_pool import Pool
from eval.bp_texts import SHANGHAI_REASONS, Dept
from extraction.passages import match_key
from extraction.records import Indicator

LIGHT = 0.1  # a light edit rewrites one sentence holding at most this share of a paragraph's wording


class EarlierYears:
    """Derives a department's earlier reports, drawing rewritten text from the pool and choosing with `rng`."""

    SECTION_ACTIONS = (("copy", 0.36), ("amounts", 0.22), ("sentence", 0.12), ("heavy", 0.15), ("rewrite", 0.15))
    GOAL_ACTIONS = (("copy", 0.6), ("heavy", 0.15), ("rewrite", 0.25))
    RESULT_ACTIONS = (("copy", 0.45), ("heavy", 0.15), ("rewrite", 0.4))
    IND_ACTIONS = (("copy", 0.6), ("targets", 0.15), ("revise", 0.25))

    def __init__(self, rng: random.Random, pool: Pool) -> None:
        self.rng = rng
        self.pool = pool
        self.dry: Counter[str] = Counter()  # edits the pool could not serve (done as copies instead)
        self.reasons = list(SHANGHAI_REASONS)  # handed out once each

    def _pick(self, actions: tuple[tuple[str, float], ...]) -> str:
        r = self.rng.random()
        for name, w in actions:
            r -= w
            if r < 0:
                return name
        return actions[-1][0]

    def earlier(self, plan: DocPlan, year: int) -> DocPlan:
        """The department's report of an earlier year, derived from `plan` slot by slot."""
        delta = year - plan.year
        d = plan.dept
        slots: list[Slot] = []
        for s in plan.slots:
            if isinstance(s, SectionSlot):
                slots.append(self._section_year(s, d, year, delta))
            else:
                slots.append(self._form_year(s, d, year, delta))
        return DocPlan(d, year, slots)

    def _section_year(self, s: SectionSlot, d: Dept, year: int, delta: int) -> SectionSlot:
        def years(t: str) -> str:
            return shift_years(t, delta)

        if s.standard:
            return replace(s, paras=[p.map(years) for p in s.paras], edit="standard, years")
        if shanghai(d.key):
            return self._shanghai_year(s, year, years)
        action = self._pick(self.SECTION_ACTIONS)
        if d.finance and action == "copy":
            action = "amounts"
        paras: list[Para] = []
        done = set()
        for p in s.paras:
            if p.tag:  # generic and standard paragraphs are carried over as they are
                paras.append(p.map(years))
                continue
            para, did = self._edit_para(p, action, "section", d, year, years)
            paras.append(para)
            done.add(did)
        return SectionSlot(s.key, [years(h) for h in s.heading_path], s.section_type, paras, None,
                           " + ".join(_edit_name(a) for a in sorted(done)) or "copied (years)")

    def _shanghai_year(self, s: SectionSlot, year: int, years: Callable[[str], str]) -> SectionSlot:
        """The template refilled with the year's figures; the department's own words (reasons, uses) kept, or in
        one section in four written anew."""
        rewrite = self.rng.random() < 0.25 and any(own_words(t) for p in s.paras for _, t in p.pieces)
        paras = []
        for p in s.paras:
            p = p.map(years)
            if not p.tag:
                p = p.map(lambda t: refresh_amounts(t, self.rng))
                if rewrite:
                    pieces = []
                    for sid, t in p.pieces:
                        r = self._reason() if own_words(t) else ""
                        pieces.append((sid_of(r), r) if r else (sid, t))
                    p = Para(tuple(pieces), p.tag)
            paras.append(p)
        return SectionSlot(s.key, [years(h) for h in s.heading_path], s.section_type, paras, None,
                           "figures refilled, reasons rewritten" if rewrite else "copied (years, amounts)")

    def _reason(self) -> str:
        if not self.reasons:
            raise RuntimeError("out of handwritten Shanghai reasons: add some to bp_texts.SHANGHAI_REASONS")
        return self.reasons.pop(0)

    def _edit_para(self, p: Para, action: str, kind: str, d: Dept, year: int, years: Callable[[str], str],
                   size: int = 3) -> tuple[Para, str]:
        """The paragraph in the earlier year and what was done to it. Edits are measured in wording (the
        figure-free characters, as the labels weigh sentences): a light edit rewrites one sentence holding at most
        LIGHT of it (with one as short), a heavy edit at least half of it, with at least as much new text as is
        kept (so the kept part is at most half of either version). An edit that cannot be made (too short a
        paragraph, the pool run dry) is a copy instead; a final-accounts narrative is never copied without its
        new figures."""
        p = p.map(years)
        weights = [prose_chars(t) for _, t in p.pieces]
        total = sum(weights) or 1
        light = [i for i, w in enumerate(weights) if w <= LIGHT * total]
        heavy = self._heavy(weights, total) if action == "heavy" else []
        if action == "heavy" and (len(heavy) == len(weights) or len(heavy) > 6):
            action = "rewrite"  # all of it, or more than the pool can spare
        if action == "sentence" and not light:
            action = "copy"
        need = {"sentence": 1, "heavy": len(heavy), "rewrite": max(1, min(size, len(weights), 2))}.get(action, 0)
        if need and not self.pool.has(need):
            self.dry[action] += 1
            action = "copy"
        if action == "copy" and d.finance:
            action = "amounts"
        if action == "copy":
            return p, action
        if action == "amounts":
            return p.map(lambda t: refresh_amounts(t, self.rng)), action
        if action == "sentence":
            k = light[self.rng.randrange(len(light))]
            new = self.pool.take_short(kind, d, year, max(int(LIGHT * total), weights[k]))
            if new is None:
                self.dry[action] += 1
                return (p.map(lambda t: refresh_amounts(t, self.rng)), "amounts") if d.finance else (p, "copy")
            return Para(p.pieces[:k] + tuple(new) + p.pieces[k + 1:], p.tag), action
        if action == "heavy":
            fresh = self.pool.take(need, kind, d, year)
            kept = sum(len(match_key(t)) for i, (_, t) in enumerate(p.pieces) if i not in heavy)
            while sum(len(match_key(t)) for _, t in fresh) < kept and self.pool.has(1):  # new text >= kept text
                fresh += self.pool.take(1, kind, d, year)
            taken = iter(fresh[:need])
            pieces = [next(taken) if i in heavy else pc for i, pc in enumerate(p.pieces)]
            return Para(tuple(pieces + fresh[need:]), p.tag), action
        return Para(tuple(self.pool.take(need, kind, d, year)), p.tag), "rewrite"

    def _heavy(self, weights: list[int], total: int) -> list[int]:
        """The sentences a heavy edit rewrites: taken in random order until they hold half the wording."""
        order = list(range(len(weights)))
        self.rng.shuffle(order)
        heavy: list[int] = []
        for i in order:
            if sum(weights[j] for j in heavy) >= total / 2:
                break
            heavy.append(i)
        return heavy

    def _form_year(self, s: FormSlot, d: Dept, year: int, delta: int) -> FormSlot:
        def years(t: str) -> str:
            return shift_years(t, delta)

        tpl = s.template.model_copy(deep=True)
        tpl.fiscal_year = year
        edit: dict[str, str] = {}
        out: dict[str, Para | None] = {}
        for field_name, actions in (("goal_text", self.GOAL_ACTIONS), ("result_text", self.RESULT_ACTIONS)):
            p = s.goal if field_name == "goal_text" else s.result
            if p is None:
                out[field_name] = None
                edit[field_name] = "absent"
                continue
            action = self._pick(actions)
            if p.tag:
                out[field_name], action = p.map(years), "copy"
            else:
                size = 2 if field_name == "goal_text" else 1
                out[field_name], action = self._edit_para(p, action, "form", d, year, years, size)
            edit[field_name] = _edit_name(action)
        action = self._pick(self.IND_ACTIONS)
        inds = [IndSlot(i.ind.model_copy(deep=True), i.sid, i.dev.map(years) if i.dev else None) for i in s.inds]
        for i in inds:
            if i.ind.target:
                i.ind.target = years(i.ind.target)
        if action == "targets" and inds:
            for i in self.rng.sample(inds, min(2, len(inds))):
                _new_target(i.ind, self.rng)
        elif action == "revise" and len(inds) >= 3 and len(self.pool.lines) >= len(inds):
            keep = max(1, len(inds) // 3)
            kept = sorted(self.rng.sample(range(len(inds)), keep))
            fresh = [IndSlot(ind.model_copy(deep=True), sid) for sid, ind in self.pool.take_lines(len(inds) - keep)]
            it = iter(fresh)
            inds = [inds[k] if k in kept else next(it) for k in range(len(inds))]
        elif action in ("revise", "targets"):
            action = "copy"
        edit["indicators"] = _edit_name(action)
        return FormSlot(s.key, tpl, out["goal_text"], out["result_text"], inds, edit)


def _edit_name(action: str) -> str:
    return {"copy": "copied (years)", "amounts": "copied (years, amounts)", "sentence": "one short sentence rewritten",
            "heavy": "half or more of the wording rewritten", "rewrite": "rewritten", "targets": "copied (targets changed)",
            "revise": "revised (a third kept)"}.get(action, action)


def _new_target(ind: Indicator, rng: random.Random) -> None:
    if ind.target_value is None or not ind.target:
        return
    old = ind.target_value
    new = old + max(1, int(abs(float(old)) * rng.uniform(0.05, 0.3)))
    if old >= 100 and (ind.unit or "") == "%":
        new = old - 2
    ind.target = ind.target.replace(_fmt(old), _fmt(Decimal(new)), 1) if _fmt(old) in ind.target else ind.target
    ind.target_value = Decimal(new)


def _fmt(v: Decimal) -> str:
    return format(v.normalize(), "f") if v == v.to_integral() else str(v)
