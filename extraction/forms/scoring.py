"""Scoring tables of 绩效评价报告 (决策/过程/产出/效益 with 分值 and 得分 per level) → ScoringTable."""

from __future__ import annotations

import re
from decimal import Decimal

from extraction.forms.rows import FormCell, FormRow
from extraction.forms.values import number
from extraction.records import GradeBand, ScoringNode, ScoringTable

_LEVELS = {"一级指标": 1, "二级指标": 2, "三级指标": 3}
_WEIGHT_IN_NAME = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[）)]")
_BAND = re.compile(r"(\d+(?:\.\d+)?)\s*[-—~至]\s*(\d+(?:\.\d+)?)\s*[（(]含[）)]\s*分?\s*(?:为|的为)?\s*(优|良|中|差)")
_BELOW = re.compile(r"(\d+(?:\.\d+)?)\s*分?以下(?:的)?为\s*(优|良|中|差)")
_CHECKED = re.compile(r"(优|良|中|差)\s*[■☑√✓✔]")


def is_scoring_header(row: FormRow) -> bool:
    j = row.joined
    framework = "一级指标" in j and "得分" in j and "指标性质" not in j and "指标值" not in j
    return framework or is_questionnaire_header(row)


def is_questionnaire_header(row: FormRow) -> bool:
    """满意度调查问卷: 问题内容 | 选项内容 | 标准分值 — questions with scored options."""
    j = row.joined
    return "问题内容" in j and "选项内容" in j and "分值" in j


def _columns(header: FormRow) -> dict[str, tuple[float, float]]:
    """name → x-range: level1/2/3, weight1/2/3 (a 分值 right of a level), score, note."""
    cols: dict[str, tuple[float, float]] = {}
    level = 0
    for c in header.cells:
        t = c.text
        if t in ("问题内容", "选项内容"):
            level = 1 if t == "问题内容" else 2
            cols[f"level{level}"] = (c.x0, c.x1)
        elif t in _LEVELS:
            level = _LEVELS[t]
            cols[f"level{level}"] = (c.x0, c.x1)
        elif "分值" in t or "权重" in t:
            cols[f"weight{level}"] = (c.x0, c.x1)
        elif "得分" in t:
            cols["score"] = (c.x0, c.x1)
        elif "评分" in t or "扣分" in t or "说明" in t:
            cols.setdefault("note", (c.x0, c.x1))
    return cols


def _at(row: FormRow, rng: tuple[float, float] | None) -> FormCell | None:
    if rng is None:
        return None
    best = max(row.cells, key=lambda c: c.overlap(*rng), default=None)
    return best if best is not None and best.overlap(*rng) > 0.5 * (rng[1] - rng[0]) else None


_FOOTER = ("评价等次", "问题和建议", "评价人员", "评价结论")


def build_scoring(rows: list[FormRow]) -> ScoringTable:
    rec = ScoringTable(pages=sorted({r.page for r in rows}))
    cols = _columns(rows[0])
    deepest = max((int(k[-1]) for k in cols if k.startswith("level")), default=1)
    path: list[str] = []
    open_nodes: dict[int, ScoringNode] = {}
    pages: dict[int, int] = {}
    prev_page = rows[0].page
    for row in rows[1:]:
        if row.joined == rows[0].joined:
            continue  # the header printed again on a new page: the next row is that page's top
        page_top, prev_page = row.page != prev_page, row.page
        if row.joined.startswith(("总分", "合计", "总计", "问卷总分", "问卷综合得分", "有效问卷")):
            _totals(rec, row)
            continue
        if row.joined.startswith(_FOOTER):
            break  # 评价等次, 问题和建议, 评价人员: the footer, read by _bands_grade_evaluators
        for level in range(1, deepest + 1):
            cell = _at(row, cols.get(f"level{level}"))
            if cell is None or cell.continued or cell.text in _LEVELS:
                continue
            if not cell.text:  # blank at a page top: a merged name printed on the page before goes on
                if level < deepest and not page_top and _has_deeper(row, cols, level, deepest):
                    node = ScoringNode(level=level, path=[*path[: level - 1], ""], name="")
                    path, pages[level] = node.path, row.page
                    open_nodes = {k: v for k, v in open_nodes.items() if k < level} | {level: node}
                    rec.nodes.append(node)  # a merged name printed on the next page only: named when seen
                continue
            node = _node(row, cols, level, deepest, [*path[: level - 1], cell.text], cell)
            same = open_nodes.get(level)
            if same is not None and same.name == "" and pages[level] != row.page:
                _name_pending(rec.nodes, same, node, level)
                path = same.path
                continue
            if level < deepest and same is not None and same.name == node.name and (
                    same.weight is None or node.weight is None or pages[level] != row.page):
                same.weight = same.weight if same.weight is not None else node.weight
                continue  # printed again on every row of its group (产出数量 …) or at the top of a new page
            path = node.path
            open_nodes = {k: v for k, v in open_nodes.items() if k < level} | {level: node}
            pages[level] = row.page
            rec.nodes.append(node)
    _bands_grade_evaluators(rec, rows)
    return rec


def _node(row: FormRow, cols: dict, level: int, deepest: int, path: list[str], cell: FormCell) -> ScoringNode:  # type: ignore[type-arg]
    w = _at(row, cols.get(f"weight{level}"))
    weight = number(w.text).value if w is not None and not w.continued else None
    if weight is None and (m := _WEIGHT_IN_NAME.search(cell.text)):
        weight = Decimal(m.group(1))
    score = None
    if level == deepest and (s := _at(row, cols.get("score"))) is not None:
        score = number(s.text).value
    note = _at(row, cols.get("note"))
    name, remark = _split_remark(cell.text)
    if remark is None and note is not None and level == deepest and note.text:
        remark = note.text
    return ScoringNode(level=level, path=[*path[:-1], name], name=name, weight=weight, score=score, note=remark)


def _has_deeper(row: FormRow, cols: dict, level: int, deepest: int) -> bool:  # type: ignore[type-arg]
    return any((c := _at(row, cols.get(f"level{k}"))) is not None and c.text for k in range(level + 1, deepest + 1))


def _name_pending(nodes: list[ScoringNode], pending: ScoringNode, seen: ScoringNode, level: int) -> None:
    pending.name, pending.weight, pending.note = seen.name, seen.weight, seen.note
    start = nodes.index(pending)
    for n in nodes[start:]:
        if len(n.path) >= level and n.path[level - 1] == "":
            n.path[level - 1] = seen.name


def _split_remark(text: str) -> tuple[str, str | None]:
    """"C1部门产出(18分)(说明:…)": the explanation printed in the name cell is the node's note."""
    m = re.search(r"[（(]说明[:：]", text)
    return (text[: m.start()], text[m.start():]) if m else (text, None)


def _points(text: str) -> Decimal | None:
    """A score as printed, with or without 分 (100分)."""
    return number(text[:-1] if text.endswith("分") else text).value


def _totals(rec: ScoringTable, row: FormRow) -> None:
    nums = [v for c in row.cells[1:] if not c.continued and (v := _points(c.text)) is not None]
    if not nums:
        return
    j = row.joined
    if j.startswith("问卷总分"):
        rec.total_weight = nums[0]  # 标准分值 total; the next number counts respondents
    elif j.startswith("问卷综合得分"):
        rec.total_score = nums[-1]
    elif not j.startswith("有效问卷"):
        rec.total_score = nums[-1]
        rec.total_weight = nums[0] if len(nums) > 1 else None


def _bands_grade_evaluators(rec: ScoringTable, rows: list[FormRow]) -> None:
    """"100-90（含）分为优、90-80（含）分为良…": 含 marks the lower bound as included; the upper bound is the
    next band's included lower bound, so only the top band includes its upper bound."""
    for row in rows:
        text = row.joined
        for m in _BAND.finditer(text):
            rec.grade_bands.append(GradeBand(grade=m.group(3), low=Decimal(m.group(2)), low_inclusive=True,
                                             high=Decimal(m.group(1)), high_inclusive=False, raw=m.group(0)))
        for m in _BELOW.finditer(text):
            rec.grade_bands.append(GradeBand(grade=m.group(2), high=Decimal(m.group(1)), high_inclusive=False,
                                             raw=m.group(0)))
        checked = _CHECKED.search(text)
        if checked and rec.grade is None:
            rec.grade = checked.group(1)
    tops = [b for b in rec.grade_bands if b.high is not None]
    if tops:
        max(tops, key=lambda b: b.high or 0).high_inclusive = True
    rec.evaluators = _evaluators(rows)


def _evaluators(rows: list[FormRow]) -> list[str]:
    """Names under 姓名 in the 评价人员 block."""
    start = next((i for i, r in enumerate(rows) if r.first("姓名") is not None), None)
    if start is None:
        return []
    head = rows[start].cells[rows[start].first("姓名") or 0]
    names = []
    for row in rows[start + 1:]:
        cell = _at(row, (head.x0, head.x1))
        if cell is None or cell.continued or not cell.text or any(k in row.joined for k in ("签字", "注：")):
            break
        names.append(cell.text)
    return names
