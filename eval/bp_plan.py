"""The base year of the boilerplate corpus (eval/bp_corpus.py): every department's latest report planned slot by slot
(eval/bp_material.py), with the copies between departments (PLANNED), the generic sentences (GENERIC_PLACES) and
the standard text every report shares. Earlier years are derived from it in eval/bp_years.py."""

from __future__ import annotations

import random

from eval.bp_material import (
    DocPlan,
    FormSlot,
    IndSlot,
    Item,
    Para,
    SectionSlot,
    Slot,
    allocate,
    form_slot,
    load_seeds,
    own_part,
    refresh_amounts,
    renamer,
    section_slot,
    shift_years,
    sid_of,
    split_sentences,
    standard_section,
)
from eval.bp_pool import NearIndex, Pool
from eval.bp_records import seed_relations
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
    TABLE_NOTES,
    TEMPLATE_INSTRUCTIONS,
    Dept,
)
from extraction.passages import match_key
from extraction.records import ProjectSelfEvaluation

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
    near = NearIndex()
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
    """The base-year plans, and what the rest of the generation shares: the seeded random generator, the pool, the
    log (for the README) and the seed sentences' relations (for the labels)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.items = load_seeds()
        self.base_items, pool_items = allocate(self.items)
        invented = [d for d in DEPTS if not d.source and d.key != "changning"]
        base = [it for v in self.base_items.values() for it in v]
        self.pool = Pool(pool_items + [it for it in base if it.analysis()], base, self.rng,
                         whole_projects=3 * len(invented))
        self.log: list[str] = []
        _check_written(self.items)
        self.alias, self.within = seed_relations(self.items)

    def bases(self) -> dict[str, DocPlan]:
        """The latest report of every department."""
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
