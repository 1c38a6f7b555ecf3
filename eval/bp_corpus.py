"""A labelled corpus for the boilerplate rules BP-001..004, generated from the fixtures' gold records.

    python -m eval.bp_corpus [--out DIR]

writes eval/bp_corpus/: one ExtractionResult JSON per document (`<name>.json`, document.id = sha256 of the name),
labels.json (positives, hard negatives, ambiguous passages; eval/bp_labels.py) and README.md. Deterministic: one
fixed seed, no clock, no uuid; tests/test_bp_corpus.py regenerates it and compares with the committed files
(BUDGETLENS_UPDATE_GOLDEN=1 rewrites them, the flag tests/test_golden.py uses).

How it is made (the material: eval/bp_material.py; the fixed texts: eval/bp_texts.py):
- The six departments of the seeds keep part of their own gold records (KEEP) as their base-year report; the rest
  is a pool from which eight invented departments are recombined (whole projects from different seeds, sections
  made of sentences from different seeds, the seed's names swapped for the department's) and from which rewritten
  text is drawn, each sentence once.
- Years: every earlier report is derived from the next one slot by slot: copied (years shifted, amounts refreshed
  in a final-accounts narrative), one short sentence rewritten (at most a tenth of the wording), half or more of
  the wording rewritten, rewritten; a project's 年度目标, 实际完成情况 and indicator set each copied, rewritten
  or revised (a third of the lines kept). An edit the pool cannot serve is done as a copy (counted in README).
- Planned copies between two departments (PLANNED), generic sentences in three or more (GENERIC_PLACES), standard
  text everywhere.
- Labels come from provenance (eval/bp_labels.py), never from running a rule.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from eval.bp_labels import MIN_PIECE, Labels, Occurrence, Piece, derive, prose_chars
from eval.bp_material import (
    DocPlan,
    FormSlot,
    IndSlot,
    Item,
    Para,
    Pool,
    SectionSlot,
    Slot,
    _NearIndex,
    allocate,
    form_slot,
    load_seeds,
    own_part,
    own_words,
    refresh_amounts,
    renamer,
    section_slot,
    shanghai,
    shift_years,
    shingles,
    sid_of,
    split_sentences,
    standard_section,
)
from eval.bp_texts import (
    CHANGNING_REASONS,
    DEPTS,
    FORM_NOTE_PROJECT_YUNNAN,
    FORM_NOTE_SHANXI,
    FORM_NOTE_YUNNAN,
    GENERIC,
    MINGCI_NATIONAL,
    MINGCI_SHANGHAI,
    SECRECY_NOTE,
    SHANGHAI_REASONS,
    STANDARD_SENTENCES,
    TABLE_NOTES,
    TEMPLATE_INSTRUCTIONS,
    Dept,
)
from extraction.passages import Passage, match_key, passages
from extraction.records import (
    Document,
    ExtractionResult,
    Indicator,
    ProjectSelfEvaluation,
    ReportSection,
)

SEED = 20240611
LIGHT = 0.1  # a light edit rewrites one sentence holding at most this share of a paragraph's wording
ROOT = Path(__file__).resolve().parent
OUT = ROOT / "bp_corpus"

# -- base documents -----------------------------------------------------------------------------------------------

# Planned copies between departments: (source dept, seed item name, target dept, what is copied).
#   project: the whole form (年度目标, 实际完成情况, indicators) under the same project name
#   indicators: only the indicator set, given to a pool project of the target (copied from another project)
#   section: the section (heading and text)
#   paragraph: the section's text appended as a paragraph to a section of the target
PLANNED: tuple[tuple[str, str, str, str], ...] = (
    ("xishan", "党建活动经费", "panlong", "project"),
    ("xishan", "差旅经费", "songming", "project"),
    ("datong", "J办公设备购置费", "shuozhou", "project"),
    ("datong", "J调研会务工作经费", "jincheng", "project"),
    ("qujing", "春节走访慰问经费", "xuanwei", "project"),
    ("qujing", "会议费专项资金", "xuanwei", "indicators"),
    ("qujing", "应急管理工作经费", "luquan", "indicators"),
    ("datong", "J残疾人就业保障金", "jincheng", "indicators"),
    ("xishan", "（四）部门预算管理制度建设情况", "panlong", "section"),
    ("qujing", "（四）部门预算管理制度建设情况", "xuanwei", "section"),
    ("wuhua", "1.制度建设", "guandu", "section"),
    ("xundian", "（四）部门管理制度", "luquan", "paragraph"),
    ("xundian", "（二）评价目的", "songming", "paragraph"),
    ("xundian", "六、存在的问题", "jincheng", "section"),
    ("xundian", "（一）评价思路", "guandu", "paragraph"),
    ("putuo", "十、预算绩效管理情况", "changning", "section"),
)
# Each planned text reaches exactly one other department: two departments sharing a paragraph is BP-001's case;
# text in three or more departments is BP-004's when it says nothing measurable (the generic sentences below).

# Generic sentences (BP-004) and the departments whose reports carry them (G4/G5 are xishan's/wuhua's own sections).
GENERIC_PLACES: dict[str, tuple[str, ...]] = {
    "G1": ("xishan", "qujing", "panlong", "xuanwei", "shuozhou"),
    "G2": ("datong", "songming", "luquan", "guandu", "jincheng"),
    "G3": ("wuhua", "xundian", "panlong", "luquan"),
    "G4": ("xundian", "songming", "jincheng"),
    "G5": ("luquan", "guandu", "xuanwei"),
    "G6": ("qujing", "shuozhou", "changning", "xishan"),
    "G7": ("panlong",),
}
GENERIC_TEXT = {g: t for g, t, _ in GENERIC}
INVENTED_HEADINGS = (
    ["一、部门基本情况", "（二）部门绩效目标的设立情况"],
    ["一、部门基本情况", "（三）部门整体收支情况"],
    ["二、绩效评价工作开展情况", "（一）前期准备"],
    ["三、评价情况分析及综合评价结论"],
    ["四、存在的问题和整改情况"],
    ["五、绩效自评结果应用情况"],
    ["六、主要经验及做法"],
)


def _check_written(items: list[Item]) -> None:
    """The handwritten texts (reasons, generic sentences) must not half-repeat a seed sentence or each other, or
    they would make copies nobody planned."""
    written = [*SHANGHAI_REASONS, *CHANGNING_REASONS, *(t for _, t, src in GENERIC if src.startswith("written"))]
    near = _NearIndex()
    for it in items:
        for t in it.texts():
            for sent in split_sentences(t):
                near.add(sent)
    for t in written:
        words = own_part(t)
        if near.close(words):
            raise ValueError(f"handwritten text repeats a seed sentence or another handwritten one: {t}")
        near.add(words)


class Builder:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.items = load_seeds()
        self.base_items, pool_items = allocate(self.items)
        invented = [d for d in DEPTS if not d.source and d.key != "changning"]
        base = [it for v in self.base_items.values() for it in v]
        self.pool = Pool(pool_items + [it for it in base if it.analysis()], base, self.rng,
                         whole_projects=3 * len(invented))
        self.log: list[str] = []
        self.dry: Counter[str] = Counter()  # edits the pool could not serve (done as copies instead)
        self.reasons = list(SHANGHAI_REASONS)  # handed out once each
        _check_written(self.items)
        self.alias, self.within = seed_relations(self.items)

    # base year of every department
    def bases(self) -> dict[str, DocPlan]:
        plans: dict[str, DocPlan] = {}
        for d in DEPTS:
            if d.source:
                plans[d.key] = self._real_base(d)
        for d in DEPTS:
            if not d.source:
                plans[d.key] = self._changning_base(d, plans["putuo"]) if d.key == "changning" else \
                    self._invented_base(d)
        self._planned(plans)
        self._generic(plans)
        self._standard(plans)
        return plans

    def _real_base(self, d: Dept) -> DocPlan:
        assert d.source
        year = d.years[-1]
        slots: list[Slot] = []
        for it in self.base_items[d.source]:
            slots.append(section_slot(it, d, year) if it.kind == "section" else form_slot(it, d, year))
        return DocPlan(d, year, slots)

    def _invented_base(self, d: Dept) -> DocPlan:
        year = d.years[-1]
        slots: list[Slot] = []
        for n, heading in enumerate(INVENTED_HEADINGS[: 4 + self.rng.randrange(2)]):
            pieces = self.pool.take(2, "section", d, year)
            slots.append(SectionSlot(f"{d.key}#sec{n}", list(heading), None, [Para(tuple(pieces))]))
        for _ in range(3):
            it = self.pool.take_project()
            slots.append(form_slot(it, d, year, key=f"{d.key}#{it.src}#{it.idx}"))
        return DocPlan(d, year, slots)

    def _changning_base(self, d: Dept, putuo: DocPlan) -> DocPlan:
        """长宁: 普陀's template narrative filled with its own figures. Kept: 一 (普陀's reason copied word for word:
        BP-001), 二/三 (nothing but the template refilled: standard), 四 (its own reason: not a copy), 八/九 (the
        template's sentence for an empty table: standard)."""
        slots: list[Slot] = []
        fix = renamer("pt", d)
        reasons = iter(CHANGNING_REASONS)
        for s in putuo.slots:
            if not isinstance(s, SectionSlot):
                continue
            head = s.heading_path[-1]
            if not head.startswith(("一、", "二、", "三、", "四、", "八、", "九、")):
                continue
            paras = [p.map(fix).map(lambda t: refresh_amounts(t, self.rng)) for p in s.paras]
            if head.startswith("四、"):  # its own reason in place of 普陀's
                pieces = []
                for sid, t in paras[0].pieces:
                    r = next(reasons) if "主要原因" in t else ""
                    pieces.append((sid_of(r), r) if r else (sid, t))
                paras = [Para(tuple(pieces))]
            slots.append(SectionSlot(f"changning<{s.key}", [fix(h) for h in s.heading_path], s.section_type, paras,
                                     s.standard, "from 普陀: names, figures" + (", reason rewritten"
                                                                             if head.startswith("四、") else "")))
        # template instructions left in the text by a hurried writer (standard): one under 二, and a 主要职能
        # section that is nothing but the template's fill-in instruction
        second = slots[1]
        assert isinstance(second, SectionSlot)
        second.paras.append(Para.of(TEMPLATE_INSTRUCTIONS[1], "standard:template instruction"))
        slots.insert(0, standard_section(["第一部分 部门概况", "一、主要职能"], [TEMPLATE_INSTRUCTIONS[0]],
                                         "template instruction", "changning#mandate"))
        return DocPlan(d, d.years[-1], slots)

    def _find(self, plan: DocPlan, name: str) -> Slot:
        for s in plan.slots:
            if isinstance(s, SectionSlot) and s.heading_path and s.heading_path[-1] == name:
                return s
            if isinstance(s, FormSlot) and getattr(s.template, "project_name", None) == name:
                return s
        raise KeyError(f"{plan.name}: no {name}")

    def _planned(self, plans: dict[str, DocPlan]) -> None:
        for src_key, name, dst_key, what in PLANNED:
            src, dst = plans[src_key], plans[dst_key]
            slot = self._find(src, name)
            moved = self._move(slot, src, dst)
            if what in ("project", "section"):
                moved.key = f"{dst_key}<{slot.key}"
                if isinstance(moved, FormSlot):
                    moved.edit = dict.fromkeys(moved.edit, f"copied from {src.name}")
                else:
                    moved.edit = f"copied from {src.name}"
                dst.slots.insert(self.rng.randrange(len(dst.slots) + 1), moved)
            elif what == "indicators":
                assert isinstance(moved, FormSlot)
                target = self._pool_form(dst)
                target.inds = moved.inds
                target.edit["indicators"] = f"indicator set of {src.name} {name}"
            else:  # paragraph
                assert isinstance(moved, SectionSlot)
                host = self._host_section(dst)
                host.paras.extend(p for p in moved.paras)
                host.edit = f"paragraph from {src.name} {name}"
            self.log.append(f"{what}: {src.name} {name} -> {dst.name}")

    def _move(self, slot: Slot, src: DocPlan, dst: DocPlan) -> Slot:
        """A copy of a slot as the target department writes it: names swapped, years moved."""
        s_src = src.dept.source or "pt"
        rename = renamer(s_src, dst.dept) if src.dept.source else (lambda t: t)
        delta = dst.year - src.year

        def fix(t: str) -> str:
            return shift_years(rename(t), delta)

        if isinstance(slot, SectionSlot):
            return SectionSlot(slot.key, [fix(h) for h in slot.heading_path], slot.section_type,
                               [p.map(fix) for p in slot.paras], slot.standard)
        tpl = slot.template.model_copy(deep=True)
        tpl.department = dst.dept.department
        if isinstance(tpl, ProjectSelfEvaluation):
            tpl.project_name = fix(tpl.project_name)
            tpl.implementing_unit = dst.dept.department
        tpl.fiscal_year = dst.year
        inds = [IndSlot(i.ind.model_copy(deep=True), i.sid, i.dev.map(fix) if i.dev else None) for i in slot.inds]
        return FormSlot(slot.key, tpl, slot.goal.map(fix) if slot.goal else None,
                        slot.result.map(fix) if slot.result else None, inds)

    def _pool_form(self, plan: DocPlan) -> FormSlot:
        forms = [s for s in plan.slots if isinstance(s, FormSlot) and "<" not in s.key
                 and isinstance(s.template, ProjectSelfEvaluation) and s.edit["indicators"] == "base"]
        return forms[self.rng.randrange(len(forms))]

    def _host_section(self, plan: DocPlan) -> SectionSlot:
        secs = [s for s in plan.slots if isinstance(s, SectionSlot) and not s.standard and "<" not in s.key]
        return secs[self.rng.randrange(len(secs))]

    def _generic(self, plans: dict[str, DocPlan]) -> None:
        """Each generic sentence as a deviation note of a project indicator, or as a paragraph of its own."""
        for g, depts in GENERIC_PLACES.items():
            for key in depts:
                plan = plans[key]
                para = Para.of(GENERIC_TEXT[g], f"generic:{g}")
                forms = [s for s in plan.slots if isinstance(s, FormSlot) and s.inds and "<" not in s.key
                         and isinstance(s.template, ProjectSelfEvaluation)]
                if forms and self.rng.random() < 0.5:
                    f = forms[self.rng.randrange(len(forms))]
                    free = [i for i in f.inds if not i.dev or len(match_key(i.dev.text)) < 12]
                    target = (free or f.inds)[self.rng.randrange(len(free or f.inds))]
                    target.dev = para
                    where = f"deviation note of {f.template.project_name}"  # type: ignore[union-attr]
                else:
                    secs = [s for s in plan.slots if isinstance(s, SectionSlot) and not s.standard
                            and "<" not in s.key and not any(p.tag for p in s.paras)]
                    host = secs[self.rng.randrange(len(secs))] if secs else None
                    if host is None or self.rng.random() < 0.3:
                        plan.slots.append(SectionSlot(f"{key}#{g}", ["下一步工作打算"], None, [para]))
                        where = "section 下一步工作打算"
                    else:
                        host.paras.append(para)
                        where = f"paragraph of {host.heading_path[-1]}"
                self.log.append(f"generic {g}: {plan.name} {where}")

    def _standard(self, plans: dict[str, DocPlan]) -> None:
        for key, plan in plans.items():
            d = plan.dept
            shanghai = d.region.startswith("上海")
            shanxi = d.region.startswith("山西")
            if d.finance:
                mingci = MINGCI_SHANGHAI if shanghai else MINGCI_NATIONAL
                plan.slots.append(standard_section(["第四部分 名词解释"], mingci, "名词解释", f"{key}#mingci"))
                for n, (title, note) in enumerate(TABLE_NOTES[: 3 if shanghai else 5]):
                    plan.slots.append(standard_section([title], [note], "table note", f"{key}#note{n}"))
            has_forms = any(isinstance(s, FormSlot) for s in plan.slots)
            if has_forms and shanxi:
                plan.slots.append(standard_section(["项目支出绩效自评表", "备注"], FORM_NOTE_SHANXI, "form note",
                                                   f"{key}#formnote"))
            elif has_forms:
                plan.slots.append(standard_section(["部门整体支出绩效自评表", "备注"], FORM_NOTE_YUNNAN, "form note",
                                                   f"{key}#formnote"))
                if key in ("qujing", "xuanwei", "luquan"):
                    plan.slots.append(standard_section(["项目支出绩效自评表", "备注"], FORM_NOTE_PROJECT_YUNNAN,
                                                       "form note", f"{key}#projnote"))
            if key in ("qujing", "xuanwei"):
                plan.slots.append(standard_section(["部门决算公开", "备注"], [SECRECY_NOTE], "form note",
                                                   f"{key}#secrecy"))
            if key == "putuo":
                host = self._find(plan, "八、政府性基金预算财政拨款收入支出决算情况说明")
                assert isinstance(host, SectionSlot)
                host.paras.append(Para.of(TEMPLATE_INSTRUCTIONS[2], "standard:template instruction"))

    # -- years --------------------------------------------------------------------------------------------------

    SECTION_ACTIONS = (("copy", 0.36), ("amounts", 0.22), ("sentence", 0.12), ("heavy", 0.15), ("rewrite", 0.15))
    GOAL_ACTIONS = (("copy", 0.6), ("heavy", 0.15), ("rewrite", 0.25))
    RESULT_ACTIONS = (("copy", 0.45), ("heavy", 0.15), ("rewrite", 0.4))
    IND_ACTIONS = (("copy", 0.6), ("targets", 0.15), ("revise", 0.25))

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
        heavy: list[int] = []
        if action == "heavy":
            order = list(range(len(weights)))
            self.rng.shuffle(order)
            for i in order:
                if sum(weights[j] for j in heavy) >= total / 2:
                    break
                heavy.append(i)
            if len(heavy) == len(weights) or len(heavy) > 6:  # all of it, or more than the pool can spare
                action = "rewrite"
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


# -- records, files and provenance ------------------------------------------------------------------------------


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


def generate() -> tuple[dict[str, ExtractionResult], Labels, Builder]:
    b = Builder()
    plans = b.bases()
    chains = {d.key: [plans[d.key]] for d in DEPTS}
    for step in range(1, max(len(d.years) for d in DEPTS)):  # year by year, so the pool serves every department
        order = list(DEPTS)
        b.rng.shuffle(order)
        for d in order:
            if step < len(d.years):
                chains[d.key].append(b.earlier(chains[d.key][-1], d.years[-1 - step]))
    docs = [p for d in DEPTS for p in sorted(chains[d.key], key=lambda p: p.year)]
    results: dict[str, ExtractionResult] = {}
    occurrences: list[Occurrence] = []
    for plan in docs:
        res, occ = build(plan, b.alias)
        results[f"{plan.name}.json"] = res
        occurrences.extend(occ)
    return results, derive(occurrences, b.within), b


def write(out: Path = OUT) -> dict[str, Any]:
    results, labels, builder = generate()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        if old.name not in results and old.name != "labels.json":
            old.unlink()
    for name, res in results.items():
        (out / name).write_text(dump(res), encoding="utf-8")
    (out / "labels.json").write_text(json.dumps({"generator": "eval/bp_corpus.py", "seed": SEED,
                                                  **labels.as_json()}, ensure_ascii=False, indent=1) + "\n",
                                     encoding="utf-8")
    stats = summary(results, labels)
    (out / "README.md").write_text(readme(stats, builder), encoding="utf-8")
    return stats


def dump(res: ExtractionResult) -> str:
    return json.dumps(json.loads(res.model_dump_json()), ensure_ascii=False, indent=1) + "\n"


def summary(results: dict[str, ExtractionResult], labels: Labels) -> dict[str, Any]:
    n_passages = sum(len(passages(r)) for r in results.values())
    positive_keys = {(p["document"], p["record"], p["path"]) for p in labels.positives}
    return {
        "documents": len(results),
        "departments": len({r.document.department for r in results.values()}),
        "passages": n_passages,
        "positives": dict(sorted(Counter(p["rule_id"] for p in labels.positives).items())),
        "units": dict(sorted(Counter(p["rule_id"] for p in {p["unit"]: p for p in labels.positives}.values())
                             .items())),
        "passages_without_positive": n_passages - len(positive_keys),
        "hard_negatives": dict(sorted(Counter(n["negative"] for n in labels.negatives).items())),
        "ambiguous": len(labels.ambiguous),
        "positive_edits": dict(sorted(Counter(f"{p['rule_id']} {p['edit']}" for p in labels.positives).items())),
    }


def readme(stats: dict[str, Any], builder: Builder) -> str:
    lines = [
        "# Boilerplate corpus (BP-001..004)",
        "",
        "Generated by `python -m eval.bp_corpus` (eval/bp_corpus.py; material eval/bp_material.py; fixed texts",
        "eval/bp_texts.py; labels eval/bp_labels.py). Do not edit by hand: tests/test_bp_corpus.py regenerates the",
        "folder and compares; `BUDGETLENS_UPDATE_GOLDEN=1 pytest tests/test_bp_corpus.py` rewrites it. The BP part",
        "of `budgetlens eval` scores the rules on it (budgetlens/eval_bp.py, metrics eval/metrics_bp.py).",
        "",
        "## Files",
        "",
        "- `<dept>-<year>.json`: one report as extraction gives it (`ExtractionResult`), records only: report",
        "  sections (paragraphs separated by line breaks), department and project self-evaluation forms; no sources.",
        "  `document.id` = sha256 of `<dept>-<year>`, `document.file_name` = `<dept>-<year>.pdf`.",
        "- `labels.json`:",
        "  - `positives`: one entry per passage and rule: `rule_id`, `document` (file here), `record` and `path` as",
        "    `extraction.passages` names them (`form[3]:项目名` + `goal_text` / `result_text` / `indicators` /",
        "    `indicators[2].deviation_note`; `section[7]:标题` + `text` / `text#p1`), `matches` (every report holding",
        "    a copy: a finding pointing at any of them is right), `copies` (those passages: [document, record,",
        "    path]), `edit` (how it differs from its closest copy),",
        "    `unit` (recall is counted per unit), `optional` (a paragraph of a section labelled whole for the same",
        "    rule: right when reported, not missed when not).",
        "  - `negatives`: hard cases that must not fire: `near_miss` (same source, half or more rewritten; an",
        "    indicator set keeping a third), `refilled` (a template filled with other figures), `standard` (名词解释,",
        "    table and form notes, template instructions, mandate sections, the Shanghai template's wording),",
        "    `generic_not_widespread` (a generic sentence in fewer than three departments: not BP-004). Every",
        "    passage without a positive label is a negative too.",
        "  - `ambiguous`: copies with under 12 characters of wording of their own, and overlaps between 0.5 and 0.8:",
        "    not scored either way.",
        "",
        "## How it is made",
        "",
        "- Departments: the six of the seeds (西山区政府办 000, 五华区政务服务管理局 001, 曲靖市政府办 002, 寻甸县政府办",
        "  003, 大同市政府办 004, 上海市普陀区财政局) keep part of their own gold records as their base-year report;",
        "  eight invented ones (盘龙, 宣威, 嵩明, 禄劝, 官渡, 朔州, 晋城, 长宁) are recombined from the rest: whole",
        "  projects from different seeds, sections made of sentences from different seeds, the seed's names swapped",
        "  for the department's. 长宁 is 普陀's template narrative filled with its own figures and reasons.",
        "- Years: each earlier report is derived from the next one slot by slot — copied with the years shifted",
        "  (a final-accounts narrative with its amounts refreshed), one short sentence rewritten (at most a tenth",
        "  of the wording), half or more of the wording rewritten, rewritten; a project's 年度目标, 实际完成情况",
        "  and indicator set each copied, rewritten or revised (a third of the lines kept). Rewritten text comes",
        "  from the pool of unused seed sentences and indicator lines, each used once.",
        "- Between departments: whole projects, indicator sets given to another project, sections and paragraphs",
        "  copied into exactly one other department (PLANNED); generic sentences without anything measurable in",
        "  three or more departments (GENERIC_PLACES; one in a single department as a negative); standard text",
        "  everywhere: 名词解释 (national and Shanghai wording), table notes, form notes, template instructions.",
        "",
        "## Size",
        "",
        f"- {stats['documents']} documents of {stats['departments']} departments, {stats['passages']} passages",
        f"- positive passages: {stats['positives']}",
        f"- positive units (the recall denominator): {stats['units']}",
        f"- passages with no positive label: {stats['passages_without_positive']}",
        f"- hard negatives: {stats['hard_negatives']}",
        f"- ambiguous (not scored): {stats['ambiguous']}",
        "",
        "## Labelling rules (eval/bp_labels.py)",
        "",
        "Every sentence placed keeps the id of the seed sentence it stands for through light edits (another year,",
        "refreshed amounts, another department's names); rewritten text carries the ids of the pool sentences it",
        "is made of; an indicator set is made of its lines (三级指标 | 度量单位). Two passages of different reports",
        "are compared on these ids, each sentence weighed by its key characters — by those of its figure-free",
        "wording only when one passage states figures the other does not. Left out: standard text, sentences under",
        "6 characters, the Shanghai template's own wording (only the department's words after 主要原因/主要用于",
        "count). Seed sentences that are nearly the same (3-gram Jaccard >= 0.85) share one id.",
        "",
        "- copy: >= 80 % of the weight shared (or >= 90 % of a passage weighing >= 30 characters inside a longer",
        "  one); near miss: <= 50 %; in between: ambiguous. A copy judged on its figure-free wording alone with",
        "  under 12 characters of it is the template refilled: negative.",
        "- the rule: an indicator set (>= 3 lines) copied in another report's form of the same kind → BP-002; a",
        "  passage with nothing measurable (no figure, percentage, date or counted quantity) copied in the reports",
        "  of >= 3 departments → BP-004 and nothing else; a section or paragraph copied from the same department's",
        "  previous year → BP-003 (that copy); a copy in any other report → BP-001 (those copies). A passage can be",
        "  BP-003 and BP-001 at once, each with its own matches.",
        "- within one report nothing is labelled (a form's 年度目标 repeated as its 实际完成情况; an indicator set",
        "  shared by two projects of one report is SE-009's case, not BP-002's).",
        "",
        "## Seed duplicates",
        "",
        "The seeds repeat themselves: 000 prints some 年度目标 again as 实际完成情况 and one 实际完成情况 inside its",
        "年度目标; 002's two 公益性岗位 forms share their texts and 公益性岗位岗位补贴资金 carries 春节走访慰问经费's",
        "indicator set; 003 prints its 工作完成情况 twice; 004's 一 and 四 share their reason; 004's forms repeat",
        "themselves, cut or reworded, in their 自评结果分析. Handling: sentence ids are match keys, so exact repeats",
        "are one id wherever they are (the labels see them for what they are); a seed sentence printed inside a",
        "longer one is mapped to it (seed_relations); a pool project is used whole only if it shares no sentence",
        "with the base material and no indicator set overlaps a base set by more than half; pool sentences are",
        "dropped when they half-repeat (3-grams, either way) anything placed, an accepted pool sentence or a",
        "generic sentence. 004's 自评结果分析 is left out of the records and used as pool prose.",
        "",
        "## Positives by edit",
        "",
        *[f"- {k}: {v}" for k, v in stats["positive_edits"].items()],
        "",
        "## Generation log",
        "",
        *[f"- {line}" for line in builder.log],
        f"- pool sentences used: {dict(builder.pool.taken)}; edits the pool could not serve (done as copies):"
        f" {dict(sorted(builder.dry.items()))}",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    stats = write(args.out)
    print(json.dumps(stats, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
