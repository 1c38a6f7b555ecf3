"""The Yunnan ruled self-evaluation forms (seed000 昆明西山, seed002 曲靖 compact) as grid rows.

Both print one 10-column grid per form: 一级 | 二级 | 三级 | 指标性质 | 指标值 | 度量单位 | 实际完成值 | 分值 |
得分 | 偏差原因分析及改进措施, with the upper blocks (项目名称, 主管部门/实施单位, 项目资金, 年度总体目标) spanning
those columns. The 部门整体支出绩效自评表 (eval/render_forms_dept.py) uses the same 10 columns.
Per-family differences (labels, which cells merge, `—` in empty fund cells, 总分 placement, `>=` or `≥`)
come from the family dict (`yunnan` or `qujing`) and the per-form `forms:` entries of spec.yaml.
"""

from __future__ import annotations

from decimal import Decimal

from eval.render_forms_doc import Ctx, place_form
from eval.render_forms_grid import Cell, Row
from eval.render_layout import fmt_amount

FUND_FIELDS = ["initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score"]
FUND_KEYS = ["total", "current_year_appropriation", "carryover", "non_fiscal"]
IND_HEAD = [
    "一级指标",
    "二级指标",
    "三级\n指标",
    "指标\n性质",
    "指标值",
    "度量\n单位",
    "实际\n完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]

FAMILIES = {
    "yunnan": {
        "em": [3.9, 5.2, 6.6, 3.0, 4.2, 3.0, 4.6, 3.2, 3.2, 6.2],
        "dept_em": [3.6, 4.4, 6.0, 4.2, 4.6, 4.0, 5.4, 4.4, 3.4, 3.4],
        "name_span": 2,
        "dept_split": (2, 5, 7),
        "fund_label": "项目资金",
        "fund_label_span": 2,
        "fund_row_span": 2,
        "fund_labels": ["年度资金总额", "其中：\n当年财政拨款", "上年结转资金", " 非财政拨款"],
        "goal_split": 6,
        "merge_level2": False,
        "sub_dash": False,
        "thousands": False,
        "rate": "%",
        "ops": {"=": "＝"},
        "total": "wide",
        "other_span": 2,
        "ind_head": IND_HEAD,
        "dept_labels": {
            "name": "部门\n名称",
            "funds": "部门\n预算\n资金\n（{unit}）",
            "goal": "部门\n年度\n目标",
            "other": "其他需\n说明的\n事项",
            "rate": "执行率（%）",
            "adj": "预算\n调整数",
            "init": "年初\n预算数",
            "final": "预算\n确定数",
            "note": "情况\n说明",
        },
        "dept_print": {"当年财政拨款": "其中：\n当年财政拨款", "上年结转资金": "\n上年结转资金"},
    },
    "qujing": {
        "em": [3.8, 4.8, 6.8, 3.0, 3.8, 3.0, 3.8, 3.2, 3.2, 5.6],
        "dept_em": [4.0, 4.4, 6.4, 4.6, 4.6, 4.6, 4.6, 3.8, 3.4, 3.4],
        "name_span": 1,
        "dept_split": (1, 4, 5),
        "fund_label": "项目资金",
        "fund_label_span": 1,
        "fund_row_span": 1,
        "fund_labels": ["年度资金总额", "其中：当年财政拨款", "上年结转资金", "非财政拨款"],
        "goal_split": 6,
        "merge_level2": True,
        "sub_dash": True,
        "thousands": True,
        "rate": "%",
        "ops": {"≥": ">=", "≤": "<="},
        "total": "compact",
        "other_span": 2,
        "ind_head": [
            "一级指标",
            "二级指标",
            "三级指标",
            "指标性质",
            "指标值",
            "度量单位",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ],
        "dept_labels": {
            "name": "部门名称",
            "funds": "部门预算资金({unit})",
            "goal": "部门年度目标",
            "other": "其他需说明事项",
            "rate": "执行率(%)",
            "adj": "预算调整数",
            "init": "年初预算数",
            "final": "预算确定数",
            "note": "情况说明",
        },
        "dept_print": {},
    },
}


class Printer:
    """Turns gold values into printed strings: the family's number style, the form's operator spelling and
    the spec's `printed` overrides (field path -> text as printed, e.g. a column-shifted 分值 `1年内`)."""

    def __init__(self, fam: dict, over: dict | None = None):
        self.fam, self.over = fam, (over or {}).get("printed", {})
        self.ops = {**fam["ops"], **(over or {}).get("ops", {})}

    def amount(self, path: str, value, dash: bool = False, suffix: str = "") -> str:
        if path in self.over:
            return str(self.over[path])
        if value is None:
            return "—" if dash else ""
        return fmt_amount(Decimal(str(value)) if isinstance(value, float) else value, self.fam["thousands"]) + suffix

    def text(self, path: str, value) -> str:
        if path in self.over:
            return str(self.over[path])
        return "" if value is None else str(value)

    def op(self, path: str, value) -> str:
        return self.over.get(path, self.ops.get(value, value or ""))


def C(col: int, text: str = "", span: int = 1, rowspan: int = 1, align: str = "c", **kw) -> Cell:
    return Cell(col, text, span, rowspan, align, **kw)


def num(col: int, text: str, span: int = 1, rowspan: int = 1) -> Cell:
    """A number cell: centred, never wrapped."""
    return Cell(col, text, span, rowspan, align="c", nowrap=True)


def short(col: int, text: str) -> Cell:
    """An indicator value: kept on one line when it is short (`2024年底前`, `100%`), else wrapped."""
    return Cell(col, text, nowrap=len(text) <= 8)


def merged_groups(values: list[str | None], breaks: set[int] = frozenset()) -> list[int]:
    """Row span of each value's merged cell (0 = covered by the cell above): equal neighbours merge."""
    spans = [0] * len(values)
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start] or i in breaks:
            spans[start] = i - start
            start = i
    return spans


def indicator_rows(inds: list[dict], ref: int, pr: Printer, fam: dict, over: dict, dept: bool = False) -> list[Row]:
    """One grid row per indicator; 一级 merged over its group, 二级 too where the family merges it."""
    l1 = merged_groups([i["level1"] for i in inds])
    breaks = set(over.get("level2_breaks", []))
    keys = [(i["level1"], i["level2"]) for i in inds]
    l2 = merged_groups(keys, breaks | {k for k, s in enumerate(l1) if s}) if fam["merge_level2"] else [1] * len(inds)
    rows = []
    for k, ind in enumerate(inds):
        p = f"indicators[{k}]."
        cells = []
        if l1[k]:
            cells.append(C(0, pr.text(p + "level1", ind["level1"]), rowspan=l1[k]))
        if l2[k]:
            cells.append(C(1, pr.text(p + "level2", ind["level2"]), rowspan=l2[k]))
        cells += [
            C(2, pr.text(p + "level3", ind["level3"])),
            C(3, pr.op(p + "operator", ind["operator"])),
            short(4, pr.text(p + "target", ind["target"])),
            short(5, pr.text(p + "unit", ind["unit"])),
            short(6, pr.text(p + "actual", ind["actual"])),
        ]
        if dept:
            cells.append(C(7, pr.text(p + "deviation_note", ind["deviation_note"]), span=3))
        else:
            cells += [
                num(7, pr.amount(p + "weight", ind["weight"])),
                num(8, pr.amount(p + "score", ind["score"])),
                C(9, pr.text(p + "deviation_note", ind["deviation_note"])),
            ]
        rows.append(Row(cells, (ref,)))
    if rows:
        rows[-1].keep_next = True  # the last indicator stays with the rows under it (no orphaned 总分)
    return rows


def fund_rows(rec: dict, ref: int, pr: Printer, fam: dict) -> list[Row]:
    """项目资金 block: label merged over the header and the four rows 年度资金总额 … 非财政拨款."""
    span = fam["fund_label_span"]
    c0, w = span, fam["fund_row_span"]
    v0 = c0 + w
    head = ["年初\n预算数", "全年\n预算数", "全年\n执行数", "分值", "执行率", "得分"]
    last = 10 - v0 - 5
    rows = [
        Row(
            [C(0, fam["fund_label"], span=span, rowspan=5), C(c0, "", span=w)]
            + [C(v0 + i, h, span=last if i == 5 else 1) for i, h in enumerate(head)],
            (ref,),
        )
    ]
    for n, (key, label) in enumerate(zip(FUND_KEYS, fam["fund_labels"], strict=True)):
        row = rec["funds"].get(key) or {}
        dash = fam["sub_dash"] and n > 0
        cells = [C(c0, label, span=w)]
        for i, f in enumerate(FUND_FIELDS):
            path = f"funds.{key}.{f}"
            text = pr.amount(
                path,
                row.get(f),
                dash and f in ("weight", "execution_rate", "score"),
                fam["rate"] if f == "execution_rate" else "",
            )
            cells.append(num(v0 + i, text, span=last if i == 5 else 1))
        rows.append(Row(cells, (ref,)))
    return rows


def project_rows(rec: dict, ref: int, fam: dict, over: dict) -> list[Row]:
    """A whole 项目支出绩效自评表 grid, top to bottom."""
    pr = Printer(fam, over)
    ns = fam["name_span"]
    d0, d1, d2 = fam["dept_split"]
    rows = [
        Row([C(0, "项目名称", span=ns), C(ns, rec["project_name"], span=10 - ns)], (ref,)),
        Row(
            [
                C(0, "主管部门", span=ns),
                C(d0, rec["department"] or "", span=d1 - d0),
                C(d1, over.get("unit_label", "实施单位"), span=d2 - d1),
                C(d2, rec["implementing_unit"] or "", span=10 - d2),
            ],
            (ref,),
        ),
    ]
    rows += fund_rows(rec, ref, pr, fam)
    g = over.get("goal_split", fam["goal_split"])
    rows += [
        Row(
            [
                C(0, "年度总体目标", span=ns, rowspan=2),
                C(ns, "预期目标", span=g - ns),
                C(g, "实际完成情况", span=10 - g),
            ],
            (ref,),
        ),
        Row(
            [
                C(ns, pr.text("goal_text", rec["goal_text"]), span=g - ns, align="l"),
                C(g, pr.text("result_text", rec["result_text"]), span=10 - g, align="l"),
            ],
            (ref,),
        ),
    ]
    head = [
        Row(
            [C(0, "绩效指标", span=3), C(3, "年度指标值", span=3), C(6, "指标完成情况", span=4)], (ref,), keep_next=True
        ),
        Row([C(i, h) for i, h in enumerate(fam["ind_head"])], (ref,), keep_next=True),
    ]
    inds = indicator_rows(rec["indicators"], ref, pr, fam, over)
    for r in inds:
        r.repeat = head if fam.get("repeat_header") else None
    rows += head + inds
    os_ = fam["other_span"]
    rows.append(
        Row(
            [C(0, "其他需要说明的事项", span=os_), C(os_, pr.text("other_notes", rec["other_notes"]), span=10 - os_)],
            (ref,),
            keep_next=True,
        )
    )
    rows.append(total_row(rec, ref, pr, fam, over))
    return rows


def total_row(rec: dict, ref: int, pr: Printer, fam: dict, over: dict) -> Row:
    """总分 | 分值 | 得分 | 等级: 昆明 under 分值/得分/偏差; 曲靖 100 merged over the middle, then score, grade."""
    w, s, g = (
        pr.amount("total_weight", rec["total_weight"]),
        pr.amount("total_score", rec["total_score"]),
        pr.text("grade", rec["grade"]),
    )
    if fam["total"] == "wide":
        return Row([C(0, "总分", span=7), num(7, w), num(8, s), C(9, g)], (ref,))
    at = over.get("total_at", 8)  # column of the score; 等级 right of it
    cells = [C(0, "总分"), num(1, w, span=at - 1), num(at, s), C(at + 1, g)]
    if at + 2 < 10:
        cells.append(C(at + 2, ""))
    return Row(cells, (ref,))


def with_breaks(text: str | None, marks: list[str]) -> str:
    """Printed line breaks inserted before each mark (the gold text has none; whitespace is not compared)."""
    text = text or ""
    for m in marks:
        text = text.replace(m, "\n" + m, 1) if text.find(m) > 0 else text
    return text


def form_key(rec: dict) -> str:
    """How spec.yaml `forms:` names a form: its 附件 label, else its project name."""
    return rec.get("form_label") or rec.get("project_name") or ""


def family(ctx: Ctx, part: dict) -> dict:
    fam = {**FAMILIES[part["family"]], **part.get("family_over", {})}
    fam["repeat_header"] = ctx.style.repeat_header
    return fam


def place_each(ctx: Ctx, part: dict, kind: str, rows_fn, em_key: str, fam_em: str) -> None:  # type: ignore[no-untyped-def]
    """Every record of `kind` as one form from a fresh page (project and department forms alike)."""
    fam = family(ctx, part)
    for ref, rec in ctx.pool.take(kind, part.get("count")):
        over = ctx.spec.get("forms", {}).get(form_key(rec), {})
        place_form(ctx, rec, ref, rows_fn(rec, ref, fam, over), ctx.em(em_key, fam[fam_em]),
                   part["title"].format(year=rec["fiscal_year"]), rec["form_label"], under=part.get("notes"))


def part_projects(ctx: Ctx, part: dict) -> None:
    """项目支出绩效自评表, one per project record, each from a fresh page."""
    place_each(ctx, part, "project_self_evaluation", project_rows, "project", "em")
