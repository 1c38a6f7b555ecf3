"""The Yunnan 部门整体支出绩效自评表 (seed000 附件2-2, seed002 附表14) as grid rows.

The same 10 columns as the project forms (eval/render_forms_yunnan.py): 基本信息, 部门名称, the 部门预算资金 block
(label merged down; 项目年度支出 split into group | row label, the 基本支出/项目支出 group cells merged), 部门年度目标,
and the indicator block without 分值/得分 (偏差原因 over the last three columns).
"""

from __future__ import annotations

from eval.render_forms_doc import Ctx
from eval.render_forms_grid import Row
from eval.render_forms_yunnan import (
    C,
    Printer,
    indicator_rows,
    merged_groups,
    num,
    place_each,
    with_breaks,
)

DEPT_FIELDS = ["initial_budget", "budget_adjustment", "final_budget", "executed", "execution_rate", "note", "remark"]


def dept_fund_rows(rec: dict, ref: int, pr: Printer, fam: dict) -> list[Row]:
    """部门预算资金 block: label merged down, 项目年度支出 split in group | label, group cells merged."""
    lab = fam["dept_labels"]
    n = len(rec["fund_rows"])
    head = [
        "项目年度支出",
        lab["init"],
        lab["adj"],
        lab["final"],
        "执行数（系统提取）",
        lab["rate"],
        lab["note"],
        "备注",
    ]
    rows = [
        Row(
            [C(0, lab["funds"].format(unit=rec["unit"] or ""), rowspan=n + 1), C(1, head[0], span=2)]
            + [C(3 + i, h) for i, h in enumerate(head[1:])],
            (ref,),
        )
    ]
    groups = merged_groups([r["group"] for r in rec["fund_rows"]])
    for k, fr in enumerate(rec["fund_rows"]):
        label = fam["dept_print"].get(fr["label"], fr["label"])
        if fr["group"] is None:
            cells = [C(1, label, span=2)]
        else:
            cells = [C(1, fr["group"], rowspan=groups[k])] if groups[k] else []
            cells.append(C(2, label))
        for i, f in enumerate(DEPT_FIELDS):
            path = f"fund_rows[{k}].{f}"
            if f in ("note", "remark"):
                cells.append(C(3 + i, pr.text(path, fr[f])))
            else:
                cells.append(num(3 + i, pr.amount(path, fr[f], suffix=fam["rate"] if f == "execution_rate" else "")))
        rows.append(Row(cells, (ref,)))
    return rows


def dept_rows(rec: dict, ref: int, fam: dict, over: dict) -> list[Row]:
    """The 部门整体支出绩效自评表 grid."""
    pr = Printer(fam, over)
    lab = fam["dept_labels"]
    rows = [
        Row([C(0, "基本信息", span=10)], (ref,)),
        Row([C(0, lab["name"]), C(1, pr.text("department", rec["department"]), span=9)], (ref,)),
    ]
    rows += dept_fund_rows(rec, ref, pr, fam)
    goal = with_breaks(pr.text("goal_text", rec["goal_text"]), over.get("goal_breaks", []))
    rows.append(Row([C(0, lab["goal"]), C(1, goal, span=9, align="l")], (ref,)))
    rows.append(Row([C(0, "部门整体支出绩效指标", span=10)], (ref,), keep_next=True))
    head = [
        Row(
            [C(0, "绩效指标", span=3)]
            + [C(3 + i, h, rowspan=2) for i, h in enumerate(["指标\n性质", "指标值", "度量\n单位", "实际\n完成值"])]
            + [C(7, "偏差原因分析\n及改进措施", span=3, rowspan=2)],
            (ref,),
            keep_next=True,
        ),
        Row([C(0, "一级\n指标"), C(1, "二级指标"), C(2, "三级指标")], (ref,), keep_next=True),
    ]
    rows += head + indicator_rows(rec["indicators"], ref, pr, fam, over, dept=True)
    rows.append(Row([C(0, lab["other"]), C(1, pr.text("other_notes", rec["other_notes"]), span=9)], (ref,)))
    return rows


def part_dept(ctx: Ctx, part: dict) -> None:
    """部门整体支出绩效自评表 (one per dept record), each from a fresh page."""
    place_each(ctx, part, "dept_self_evaluation", dept_rows, "dept", "dept_em")
