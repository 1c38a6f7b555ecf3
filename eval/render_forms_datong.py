"""The wide 大同 (Shanxi) 项目支出绩效自评表 (seed004) as grid rows, one form per landscape page.

13 columns: 0 outer labels (项目资金… / 项目年度绩效目标 / 绩效指标 / 项目绩效分析) | 1 一级指标 | 2 二级指标 |
3 三级指标 | 4 年初指标值 | 5 调整后指标值 | 6 实际完成值 | 7 定性值情况说明 | 8 分值 | 9 得分 | 10-12 偏差原因.
The fund block prints 年初预算数 merged over 目标申报数 | 预算编制数, then 全年预算数 全年执行数 资金结(转)余 执行率
得分 偏差原因; the 总分 row prints the score under 得分 and the grade under 偏差; the 自评结果分析 block prints the
seven analysis headings with their texts. Outer labels are `loose`: they break with the table.
"""

from __future__ import annotations

import re

from eval.render_forms_doc import Ctx, place_form
from eval.render_forms_grid import Row
from eval.render_forms_yunnan import C, Printer, form_key, merged_groups, num

EM = [2.4, 3.4, 4.4, 7.8, 4.2, 5.4, 6.2, 4.4, 3.0, 3.0, 3.4, 3.4, 3.4]
FAMILY = {"thousands": False, "ops": {}}
FUND_FIELDS = [
    ("declared_target", 4, 1),
    ("budgeted", 5, 2),
    ("annual_budget", 7, 1),
    ("executed", 8, 1),
    ("balance", 9, 1),
    ("execution_rate", 10, 1),
    ("score", 11, 1),
]
ANALYSIS = [
    ("项目实施和预算执行情况及分析", "项目实施和预算执行\n情况及分析"),
    ("产出情况及分析", "产出\n情况及分析"),
    ("效益情况及分析", "效益\n情况及分析"),
    ("满意度情况及分析", "满意度\n情况及分析"),
    ("主要经验做法", "主要经验\n做法"),
    ("项目管理中存在的主要问题及原因分析", "项目管理中存在的\n主要问题及原因分析"),
    ("下一步改进管理建议", "下一步改进\n管理建议"),
]
OP = re.compile(r"^([=≥≤<>]+)\s*")


def spaced(text: str, space: bool) -> str:
    """`=100%` printed `= 100%` (the original's spacing) when the variant says so."""
    return OP.sub(lambda m: m.group(1) + " ", text) if space and text else text


def fund_rows(rec: dict, ref: int, pr: Printer) -> list[Row]:
    """项目资金预算安排及执行进度(万元): two header rows, then 资金总额 and each 其他 row (市县区财政资金)."""
    f = rec["funds"]
    label = f"项目资金预算安排及执行进度({f['unit']})" if f.get("unit") else "项目资金预算安排及执行进度"
    rows = [
        Row(
            [C(0, label, span=3, rowspan=2 + 1 + len(f["others"])), C(3, "", rowspan=2), C(4, "年初预算数", span=3)]
            + [
                C(c, h, rowspan=2)
                for c, h in zip(
                    range(7, 13),
                    ["全年预算数", "全年执行数", "资金结(转)余", "执行率", "得分", "偏差原因"],
                    strict=True,
                )
            ],
            (ref,),
            keep_next=True,
        ),
        Row([C(4, "目标申报数"), C(5, "预算编制数", span=2)], (ref,), keep_next=True),
    ]
    for key, row in [("funds.total", f["total"])] + [(f"funds.others[{i}]", o) for i, o in enumerate(f["others"])]:
        row = row or {}
        lab = "资金总额:" if key == "funds.total" else row.get("label", "")
        cells = [C(3, lab)] + [num(c, pr.amount(f"{key}.{name}", row.get(name)), span=s) for name, c, s in FUND_FIELDS]
        cells.append(C(12, pr.text(f"{key}.note", row.get("note"))))
        rows.append(Row(cells, (ref,)))
    return rows


def indicator_rows(rec: dict, ref: int, pr: Printer, space: bool) -> list[Row]:
    """绩效指标: header, one row per indicator (一级/二级 merged where they repeat), 总分."""
    inds = rec["indicators"]
    n = len(inds)
    head = [
        "一级指标",
        "二级指标",
        "三级指标",
        "年初指\n标值",
        "调整后\n指标值",
        "实际完成值",
        "定性值情况说明",
        "分值",
        "得分",
    ]
    rows = [
        Row(
            [C(0, "绩效指标", rowspan=n + 2, loose=True)]
            + [C(1 + i, h) for i, h in enumerate(head)]
            + [C(10, "偏差原因分析及改进措施", span=3)],
            (ref,),
            keep_next=True,
        )
    ]
    l1 = merged_groups([i["level1"] for i in inds])
    l2 = merged_groups([(i["level1"], i["level2"]) for i in inds], {k for k, s in enumerate(l1) if s})
    for k, ind in enumerate(inds):
        p = f"indicators[{k}]."
        cells = [C(1, pr.text(p + "level1", ind["level1"]), rowspan=l1[k])] if l1[k] else []
        cells += [C(2, pr.text(p + "level2", ind["level2"]), rowspan=l2[k])] if l2[k] else []
        cells += [
            C(3, pr.text(p + "level3", ind["level3"]), align="l"),
            C(4, spaced(pr.text(p + "initial_target", ind["initial_target"]), space), nowrap=True),
            C(5, spaced(pr.text(p + "target", ind["target"]), space), nowrap=True),
            C(6, spaced(pr.text(p + "actual", ind["actual"]), space), nowrap=True),
            C(7, pr.text(p + "qualitative_note", ind["qualitative_note"])),
            num(8, pr.amount(p + "weight", ind["weight"])),
            num(9, pr.amount(p + "score", ind["score"])),
            C(10, pr.text(p + "deviation_note", ind["deviation_note"]), span=3),
        ]
        rows.append(Row(cells, (ref,)))
    rows[-1].keep_next = True  # the last indicator stays with the 总分 row
    rows.append(
        Row(
            [
                C(1, "", span=2),
                C(3, "总分"),
                C(4, "", span=4),
                num(8, pr.amount("total_weight", rec["total_weight"])),
                num(9, pr.amount("total_score", rec["total_score"])),
                C(10, pr.text("grade", rec["grade"]), span=3),
            ],
            (ref,),
        )
    )
    return rows


def form_rows(rec: dict, ref: int, over: dict, space: bool) -> list[Row]:
    pr = Printer(FAMILY, over)
    rows = [
        Row([C(0, "项目名称", span=3), C(3, rec["project_name"], span=10)], (ref,)),
        Row(
            [
                C(0, "主管部门及代码", span=3),
                C(3, pr.text("department", rec["department"]), span=4),
                C(7, "预算单位", span=2),
                C(9, pr.text("implementing_unit", rec["implementing_unit"]), span=4),
            ],
            (ref,),
        ),
    ]
    rows += fund_rows(rec, ref, pr)
    rows += [
        Row([C(0, "项目年度绩效目标", rowspan=2), C(1, "年度目标", span=6), C(7, "实际完成情况", span=6)], (ref,)),
        Row(
            [
                C(1, pr.text("goal_text", rec["goal_text"]), span=6, align="l"),
                C(7, pr.text("result_text", rec["result_text"]), span=6, align="l"),
            ],
            (ref,),
        ),
    ]
    rows += indicator_rows(rec, ref, pr, space)
    for k, (key, printed) in enumerate(ANALYSIS):
        cells = [C(0, "项目绩效分析", rowspan=len(ANALYSIS), loose=True)] if k == 0 else []
        if k == 0:
            cells.append(C(1, "自评结果分析", rowspan=4))
        cells.append(C(2, printed, span=2) if k < 4 else C(1, printed, span=3))
        cells.append(C(4, pr.text(f"analysis.{key}", rec["analysis"].get(key)), span=9, align="l"))
        rows.append(Row(cells, (ref,)))
    return rows


def part_projects(ctx: Ctx, part: dict) -> None:
    """项目支出绩效自评表, one per project record, each from a fresh page (landscape unless the variant's
    `orientation` says portrait)."""
    for ref, rec in ctx.pool.take("project_self_evaluation", part.get("count")):
        over = ctx.spec.get("forms", {}).get(form_key(rec), {})
        title = part["title"].format(name=rec["project_name"], year=rec["fiscal_year"])
        sub = part.get("sub", "").format(year=rec["fiscal_year"]) or None
        place_form(
            ctx,
            rec,
            ref,
            form_rows(rec, ref, over, ctx.style.op_space),
            ctx.em("project", EM),
            title,
            rec["form_label"],
            sub,
            part.get("notes"),
            landscape=ctx.style.orientation != "portrait",
        )
