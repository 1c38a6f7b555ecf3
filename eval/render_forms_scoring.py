"""The 五华区区级预算支出部门评价表 (seed001, 附件1) and its 问题清单 (附件3).

The 评价表 is one ruled table built from three stacked blocks of different column splits (as in the
Word original): the 6-column info/fund/goal block, the 7-column scoring grid 一级指标 | 分值 | 二级指标 | 分值 |
三级指标 | 分值 | 得分, and the 4-column block with 评价等次, the grade bands, 问题和建议, 评价人员 and the
signature lines. Printed texts that no record holds come from render_extra.json (`form`).
"""

from __future__ import annotations

from eval.render_forms_doc import Ctx
from eval.render_forms_grid import Row, place_table
from eval.render_forms_text import notes, title_block
from eval.render_forms_yunnan import C, Printer, num, with_breaks

FAMILY = {"thousands": False, "ops": {}}
EM_INFO = [5.0, 13.0, 4.2, 4.2, 4.2, 4.2]
EM_SCORE = [3.6, 2.6, 5.4, 2.6, 12.0, 2.6, 2.6]
EM_TAIL = [5.0, 6.0, 12.0, 6.0]
FUND_FIELDS = ["initial_budget", "arrived", "executed", "execution_rate"]
SUM_LABELS = {
    "合计": "合      计",
    "其中：中央财政": "    其中：中央财政",
    "省级财政": "        省级财政",
    "市级财政": "        市级财政",
    "区级财政": "        区级财政",
    "其他": "        其他",
}


def fund_cells(path: str, row: dict, pr: Printer, arrived: dict, c0: int) -> list:
    cells = []
    for i, f in enumerate(FUND_FIELDS):
        if f == "arrived":
            text = arrived.get(path) or ""
        else:
            text = pr.amount(f"{path}.{f}", row.get(f), suffix="%" if f == "execution_rate" else "")
        cells.append(num(c0 + i, text))
    return cells


def info_rows(rec: dict, ref: int, form: dict, pr: Printer) -> list[Row]:
    """项目名称 … 项目类型, the 项目资金 block (detail row, 4 blank rows, 合计 and 其中 rows), 年度总体目标."""
    rows = []
    for info in form["info_rows"]:
        if len(info) == 2:
            rows.append(Row([C(0, info[0]), C(1, info[1], span=5)], (ref,)))
        else:
            rows.append(Row([C(0, info[0]), C(1, info[1]), C(2, info[2], span=2), C(4, info[3], span=2)], (ref,)))
    f, arrived = rec["funds"], form.get("actual_arrived", {})
    blank = form.get("blank_detail_rows_after_first", 0)
    head = form["funds_header"]
    rows.append(Row([C(0, head[0], rowspan=2 + blank)] + [C(1 + i, h) for i, h in enumerate(head[1:])], (ref,)))
    detail = f["others"][0]
    rows.append(Row([C(1, detail["label"], align="l")] + fund_cells("funds.others[0]", detail, pr, arrived, 2), (ref,)))
    rows += [Row([C(c) for c in range(1, 6)], (ref,)) for _ in range(blank)]
    sums = [("funds.total", f["total"])] + [(f"funds.others[{i}]", o) for i, o in enumerate(f["others"]) if i]
    for path, row in sums:
        label = SUM_LABELS.get(row["label"], row["label"])
        rows.append(
            Row(
                [C(0, label, span=2, align="c" if path == "funds.total" else "l")]
                + fund_cells(path, row, pr, arrived, 2),
                (ref,),
            )
        )
    goal = with_breaks(pr.text("goal_text", rec["goal_text"]), [f"{n}、" for n in range(2, 10)])
    g = form["goal_header"]
    rows += [
        Row([C(0, g[0], rowspan=2), C(1, g[1]), C(2, g[2], span=4)], (ref,)),
        Row([C(1, goal, align="l"), C(2, pr.text("result_text", rec["result_text"]), span=4, align="l")], (ref,)),
    ]
    return rows


def level2_groups(nodes: list[dict], repeat_from: str | None) -> list[tuple[dict, list[dict], bool]]:
    """(level-2 node, its level-3 nodes, printed on every row?) in order; from `repeat_from` on, the level-2
    name is printed on each of its rows instead of one merged cell."""
    out, repeat = [], False
    for n in nodes:
        if n["level"] == 2:
            repeat = repeat or n["name"] == repeat_from
            out.append((n, [], repeat))
        elif n["level"] == 3:
            out[-1][1].append(n)
    return out


def score_rows(table: dict, tref: int, rec: dict, ref: int, form: dict, spec: dict) -> list[Row]:
    """二、绩效评价指标评分: one row per level-3 node; level-1 name and 分值 merged over their rows."""
    pr = Printer(FAMILY, {})
    refs = (ref, tref)
    rows = [
        Row([C(0, form["scoring_heading"], span=7)], refs, keep_next=True),
        Row([C(i, h) for i, h in enumerate(form["scoring_header"])], refs, keep_next=True),
    ]
    idx = {id(n): k for k, n in enumerate(table["nodes"])}
    for l1 in (n for n in table["nodes"] if n["level"] == 1):
        start = idx[id(l1)] + 1
        end = next(
            (k for k in range(start, len(table["nodes"])) if table["nodes"][k]["level"] == 1), len(table["nodes"])
        )
        groups = level2_groups(table["nodes"][start:end], spec.get("level2_repeat_from"))
        n_rows = sum(len(g[1]) for g in groups)
        first = True
        for l2, leaves, repeat in groups:
            w_at = spec.get("level2_weight_row", {}).get(l2["name"], 0)
            for k, leaf in enumerate(leaves):
                p = f"nodes[{idx[id(leaf)]}]"
                cells = []
                if first:
                    cells += [
                        C(0, l1["name"], rowspan=n_rows),
                        num(1, pr.amount(f"nodes[{idx[id(l1)]}].weight", l1["weight"]), rowspan=n_rows),
                    ]
                    first = False
                if repeat or k == 0:
                    span = 1 if repeat else len(leaves)
                    w = pr.amount(f"nodes[{idx[id(l2)]}].weight", l2["weight"]) if not repeat or k == w_at else ""
                    cells += [C(2, l2["name"], rowspan=span), num(3, w, rowspan=span)]
                cells += [
                    C(4, leaf["name"]),
                    num(5, pr.amount(p + ".weight", leaf["weight"])),
                    num(6, pr.amount(p + ".score", leaf["score"])),
                ]
                rows.append(Row(cells, refs))
    rows.append(Row([num(i, t) for i, t in enumerate(form["total_row"])], refs))
    return rows


def tail_rows(table: dict, tref: int, rec: dict, ref: int, form: dict) -> list[Row]:
    """评价等次 with the bands, 问题和建议, 评价人员 with its 4-column list, the signature lines."""
    grade = form.get("grade_printed", form["grade_row"][1])
    problems = form["problems_row"]
    rows = [
        Row([C(0, form["grade_row"][0], rowspan=2), C(1, grade, span=3, align="l")], (ref, tref)),
        Row([C(1, form["bands_row"], span=3, align="l")], (tref,)),
        Row([C(0, problems[0]), C(1, problems[1], span=3, align="l")], (ref,)),
        Row([C(0, form["evaluators_heading"], span=4)], (tref,), keep_next=True),
        Row([C(i, h) for i, h in enumerate(form["evaluators_header"])], (tref,), keep_next=True),
    ]
    rows += [Row([C(i, t) for i, t in enumerate(r)], (tref,)) for r in form["evaluators"]]
    rows.append(Row([C(0, "\n".join(form["signatures"]), span=4, align="l")], ()))
    return rows


def part_evaluation_form(ctx: Ctx, part: dict) -> None:
    """附件1 评价表: the project record and the scoring table share one table of three blocks."""
    ((ref, rec),) = ctx.pool.take("project_self_evaluation", 1)
    ((tref, table),) = ctx.pool.take("scoring_table", 1)
    form = {**ctx.extra["form"], **part.get("form", {})}
    ctx.start()
    cur = ctx.cur
    pages = {title_block(cur, form["label"], form["title"], ctx.style, form["year_line"], keep=80.0)}
    got: dict[int, set[int]] = {}
    for em, rows in [
        (ctx.em("info", EM_INFO), info_rows(rec, ref, form, Printer(FAMILY, {}))),
        (ctx.em("scoring", EM_SCORE), score_rows(table, tref, rec, ref, form, part)),
        (ctx.em("tail", EM_TAIL), tail_rows(table, tref, rec, ref, form)),
    ]:
        for k, v in place_table(cur, ctx.table(em, rows), ctx.fonts).items():
            got.setdefault(k, set()).update(v)
    notes(cur, [form["footnote"]], ctx.style.note_size)
    rec["pages"] = sorted(pages | got[ref])
    table["pages"] = sorted(got[tref])


def part_problem_list(ctx: Ctx, part: dict) -> None:
    """附件3 问题清单: 问题分类 merged over its rows | 序号 | 项目责任单位 | 问题描述, then a 备注 row."""
    secs = ctx.pool.take("report_section", part.get("count"))
    pl_extra = ctx.extra["problem_list"]
    ctx.start()
    title_block(ctx.cur, pl_extra["label"], pl_extra["title"], ctx.style, keep=80.0)
    rows = [Row([C(i, h) for i, h in enumerate(pl_extra["header"])], (), keep_next=True)]
    cats = [s["heading_path"][1] for _, s in secs]
    for k, (ref, sec) in enumerate(secs):
        cat, no = sec["heading_path"][1], sec["heading_path"][2]
        cells = [C(0, cat, rowspan=cats.count(cat))] if k == 0 or cats[k - 1] != cat else []
        unit = part.get("units", {}).get(f"{cat}/{no}", "")
        cells += [C(1, no), C(2, unit), C(3, sec["text"], align="l")]
        rows.append(Row(cells, (ref,)))
    rows.append(Row([C(0, pl_extra["footer_row"], span=4, align="l")], ()))
    got = place_table(ctx.cur, ctx.table(ctx.em("problems", [6.0, 2.6, 8.0, 14.0]), rows), ctx.fonts)
    for ref, sec in secs:
        sec["pages"] = sorted(got[ref])
