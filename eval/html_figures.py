"""The charts of the HTML eval report, from the report dict `budgetlens eval --json` writes (pure).

Per fixture accuracy, per field accuracy (top-level `fields` when the report has it, else the table columns, claim
fields and form figures every report holds), findings and BP rules' precision and recall, and the document-kind
confusion matrix (top-level `kinds`, else the fixtures' `doc_kinds: {gold: [...], predicted: [...]}`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from eval.html_charts import Bar, Row, bar_chart, confusion_svg

KIND_NAMES = {"final_accounts": "部门决算 (final accounts)", "dept_self_evaluation": "部门自评 (dept. self-eval.)",
              "project_self_evaluation": "项目自评 (project self-eval.)",
              "evaluation_report": "评价报告 (evaluation report)", "none": "无 (none)"}
FIXTURE_SERIES = ("决算表数值 (table values)", "说明数字召回 (claims found)", "自评表字段 (form fields)",
                  "章节文字 (section text)", "规则发现召回 (findings found)")
RECORD_NAMES = {"final_accounts_table": "决算表 (final accounts tables)", "narrative_claim": "情况说明数字 (narrative claims)",
                "project_self_evaluation": "项目自评表 (project self-evaluation forms)",
                "dept_self_evaluation": "部门自评表 (dept. self-evaluation forms)",
                "scoring_table": "评分表 (scoring tables)", "report_section": "报告章节 (report sections)"}
SEVERITY_NAMES = {"error": "错误 (error)", "warning": "警告 (warning)", "info": "提示 (info)"}
PR_SERIES = ("精确率 (precision: right / raised 报出)", "召回率 (recall: found / expected 应报)")
FIELD_SERIES = ("精确率 (precision: right / extracted 取出)", "召回率 (recall: right / labelled 标注)")
SHOWN = 3  # fields (table columns) drawn one by one per group; the rest, when all right, share one bar
CLAIM_FIELDS = {"value": "数值 (value)", "unit": "单位 (unit)", "claim_kind": "类型 (kind)",
                "direction": "增减方向 (direction)", "amount_yuan": "折合元 (amount in yuan)"}


def _ratio(k: float, n: int, series: int = 0) -> Bar:
    return Bar(k / n if n else 1.0, f"{round(k)}/{n}", series)


def form_fields(s: Mapping[str, Any]) -> tuple[float, int]:
    """Correct and labelled fields of the forms, numbers and text together."""
    n = s["numeric_fields"] + s["text_fields"]
    k = s["numeric_accuracy"] * s["numeric_fields"] + s["text_accuracy"] * s["text_fields"]
    return k, n


def sections_exact(s: Mapping[str, Any]) -> tuple[float, int]:
    """Sections whose text came out exactly, of the gold sections (a missed one counts as wrong)."""
    return s["sections_found"] * s["section_text_accuracy"], s["sections"]


def fixture_rows(report: Mapping[str, Any]) -> list[Row]:
    rows = []
    for f in report.get("fixtures", []):
        if f.get("skipped"):
            continue
        figures = [(f["value_accuracy"] * f["values_labelled"], f["values_labelled"]),
                   (f["claims_recall"] * f["claims_gold"], f["claims_gold"]),
                   form_fields(f["forms"]), sections_exact(f["forms"]), _found(f.get("findings"))]
        bars = tuple(_ratio(k, n, i) for i, (k, n) in enumerate(figures) if n)
        if bars:
            rows.append(Row(f["fixture"], bars))
    return rows


def _found(s: Mapping[str, Any] | None) -> tuple[float, int]:
    return (s.get("tp", 0), s.get("expected", 0)) if isinstance(s, Mapping) else (0, 0)


def fixture_chart(report: Mapping[str, Any]) -> str:
    return bar_chart(fixture_rows(report), FIXTURE_SERIES, "各样本准确率 (accuracy per fixture)")


def field_rows(report: Mapping[str, Any]) -> list[Row]:
    """Per field of each record kind from `fields`: precision and recall, worst first, the fields all right beyond
    the largest few folded into one row (so what needs a look is on top); else what every report holds: table
    values by column, claim fields, form figures."""
    fields = report.get("fields")
    if not isinstance(fields, Mapping) or not fields:
        return column_rows(report)
    rows = []
    for kind, per in fields.items():
        group = RECORD_NAMES.get(str(kind), str(kind))
        order = sorted(per.items(), key=lambda x: (_all_right(x[1]), -(x[1].get("gold") or 0), x[0]))
        shown = [x for i, x in enumerate(order) if i < SHOWN or not _all_right(x[1])]
        rows += [Row(field_label(name), _pr_bars(s), group, name) for name, s in shown]
        if rest := [s for _, s in order[len(shown):]]:
            n = sum(s.get("gold") or 0 for s in rest)
            rows.append(Row(f"其余 {len(rest)} 个字段 (other fields)",
                            (_ratio(n, sum(s.get("predicted") or 0 for s in rest)), _ratio(n, n, 1)), group))
    return rows


PARTS = {
    "indicators[]": "指标", "level1": "一级指标", "level2": "二级指标", "level3": "三级指标", "target": "指标值",
    "target_value": "指标值(数)", "actual": "实际完成值", "actual_value": "完成值(数)", "deviation_note": "偏差原因",
    "operator": "比较符", "unit": "单位", "weight": "分值", "score": "得分", "initial_target": "年初目标",
    "fund_rows[]": "资金", "funds": "资金", "total": "合计", "carryover": "上年结转",
    "current_year_appropriation": "当年拨款", "non_fiscal": "其他资金", "others[]": "其他资金",
    "initial_budget": "年初预算", "annual_budget": "全年预算", "final_budget": "全年预算", "budget_adjustment": "预算调整",
    "budgeted": "预算数", "executed": "执行数", "execution_rate": "执行率", "balance": "结余", "declared_target": "申报目标",
    "label": "名称", "group": "分组", "note": "备注", "department": "部门", "fiscal_year": "年度", "form_label": "表号",
    "goal_text": "总体目标", "result_text": "完成情况", "other_notes": "其他说明", "grade": "等级", "analysis": "分析",
    "implementing_unit": "实施单位", "project_name": "项目名称", "total_score": "总分", "total_weight": "总分值",
    "nodes[]": "评分项", "path[]": "层级", "level": "级次", "name": "名称", "evaluators[]": "评价人员",
    "grade_bands[]": "等级区间", "high": "上限", "low": "下限", "high_inclusive": "含上限", "low_inclusive": "含下限",
    "raw": "原文", "title": "标题", "heading": "标题", "text": "正文", "value": "数值", "claim_kind": "类型",
    "direction": "增减方向", "amount_yuan": "折合元"}


def field_label(name: str) -> str:
    """A record field path in Chinese ("indicators[].actual" → 指标·实际完成值; table cells by their column)."""
    parts = name.split(".")
    if parts[0] == "cells" and len(parts) > 1:
        return ".".join(parts[1:])
    return "·".join(PARTS.get(p, p) for p in parts)


def _all_right(s: Mapping[str, Any]) -> bool:
    return all(s.get(k) in (None, 1, 1.0) for k in ("precision", "recall", "accuracy"))


def _pr_bars(s: Mapping[str, Any]) -> tuple[Bar, Bar]:
    """Right of extracted, right of labelled (the counts behind each), and the character error rate of text."""
    k, got, gold, cer = s.get("correct") or 0, s.get("predicted") or 0, s.get("gold") or 0, s.get("cer")
    tail = f" · CER {100 * cer:.1f}%" if isinstance(cer, int | float) and cer else ""
    return (Bar(s.get("precision") if got else None, f"{k}/{got}", 0),
            Bar(s.get("recall") if gold else None, f"{k}/{gold}{tail}", 1))


def column_rows(report: Mapping[str, Any]) -> list[Row]:
    by_col: dict[str, list[int]] = {}
    for f in report.get("fixtures", []):
        for t in f.get("per_table", []):
            for col, c in t["per_column"].items():
                acc = by_col.setdefault(col, [0, 0])
                acc[0] += c["labelled"]
                acc[1] += c["correct"]
    group = "决算表数值 · 按栏目 (table values by column)"
    cols = sorted(((c, n, k) for c, (n, k) in by_col.items() if n), key=lambda x: (x[2] == x[1], -x[1], x[0]))
    shown = [c for i, c in enumerate(cols) if i < SHOWN or c[2] < c[1]]
    rows = [Row(col, (_ratio(k, n),), group) for col, n, k in shown]
    if rest := cols[len(shown):]:
        n, k = sum(c[1] for c in rest), sum(c[2] for c in rest)
        rows.append(Row(f"其余 {len(rest)} 个栏目 (other columns)", (_ratio(k, n),), group))
    o = report.get("overall", {})
    matched = round(o.get("claims_recall", 1) * o.get("claims_gold", 0))
    group = "情况说明数字 · 按字段 (narrative claims by field)"
    rows += [Row(label, (_ratio(o["claim_fields"][k] * matched, matched),), group)
             for k, label in CLAIM_FIELDS.items() if matched and k in o.get("claim_fields", {})]
    return rows + _form_rows(o.get("forms"))


def _form_rows(s: Mapping[str, Any] | None) -> list[Row]:
    if not s or not s["forms"]:
        return []
    group = "自评表与评分表 (self-evaluation forms, scoring tables)"
    figures = [("找到的表 (forms found)", s["forms_found"], s["forms"]),
               ("页码正确 (pages right)", s["forms_pages_ok"], s["forms"]),
               ("数值字段 (numeric fields)", s["numeric_accuracy"] * s["numeric_fields"], s["numeric_fields"]),
               ("文字字段 (text fields)", s["text_accuracy"] * s["text_fields"], s["text_fields"]),
               ("指标行全对 (indicator rows exact)", s["indicator_row_accuracy"] * s["indicator_rows"],
                s["indicator_rows"]),
               ("找到的章节 (sections found)", s["sections_found"], s["sections"]),
               ("章节文字全对 (section text exact)", *sections_exact(s))]
    return [Row(label, (_ratio(k, n),), group) for label, k, n in figures if n]


def field_chart(report: Mapping[str, Any]) -> str:
    legend = FIELD_SERIES if report.get("fields") else ()
    return bar_chart(field_rows(report), legend, "各字段准确率 (accuracy per field)")


def pr_row(label: str, s: Mapping[str, Any], group: str = "") -> Row:
    """Precision over what was raised, recall over what should have been (counts shown, so 1/1 is not 100/100)."""
    tp, expected = s.get("tp", 0), s.get("expected", s.get("labelled", 0))
    raised = s.get("found", tp + s.get("fp", 0)) - s.get("ignored", 0)
    return Row(label, (Bar(s.get("precision") if raised else None, f"{tp}/{raised} 报出", 0),
                       Bar(s.get("recall") if expected else None, f"{tp}/{expected} 应报", 1)), group)


def bp_rows(bp: Mapping[str, Any], titles: Mapping[str, str]) -> list[Row]:
    return [pr_row(f"{r['rule']} {titles.get(r['rule'], '全部 (all rules)' if r['rule'] == 'ALL' else '')}".strip(),
                   r) for r in [*bp["rules"], bp["overall"]]]


def bp_chart(bp: Mapping[str, Any], titles: Mapping[str, str]) -> str:
    return bar_chart(bp_rows(bp, titles), PR_SERIES,
                     "往年报告规则的精确率与召回率 (boilerplate rules: precision and recall)")


def findings_rows(findings: Mapping[str, Any], titles: Mapping[str, str]) -> list[Row]:
    group = "按规则 (by rule)"
    rows = [pr_row(f"{rid} {titles.get(rid, '')}".strip(), s, group)
            for rid, s in sorted((findings.get("per_rule") or {}).items())]
    group = "按严重程度 (by severity)"
    rows += [pr_row(SEVERITY_NAMES.get(sev, sev), s, group) for sev, s in (findings.get("per_severity") or {}).items()]
    if findings.get("all"):
        rows.append(pr_row("全部规则 (all rules)", findings["all"], "合计 (all)"))
    return rows


def findings_chart(findings: Mapping[str, Any], titles: Mapping[str, str]) -> str:
    return bar_chart(findings_rows(findings, titles), PR_SERIES,
                     "核查规则的精确率与召回率 (findings: precision and recall per rule)")


def _kind(k: Any) -> str:
    return "none" if k in (None, "", "—") else str(k)


def kind_counts(report: Mapping[str, Any]) -> Counter[tuple[str, str]] | None:
    """(gold kind, predicted kind) → count, from the report's `kinds.confusion` ("—" = absent) when it has one.
    Else from the fixtures' doc_kinds, kinds being sets: an agreed kind counts on the diagonal; a gold kind not
    predicted is paired with each predicted kind not in gold (or with none), and so is the reverse."""
    counts: Counter[tuple[str, str]] = Counter()
    kinds = report.get("kinds")
    if isinstance(kinds, Mapping) and isinstance(kinds.get("confusion"), list):
        for c in kinds["confusion"]:
            counts[(_kind(c.get("gold")), _kind(c.get("predicted")))] += int(c.get("count", 0))
        return counts
    seen = False
    for f in report.get("fixtures", []):
        dk = f.get("doc_kinds")
        if not isinstance(dk, Mapping) or f.get("skipped"):
            continue
        seen = True
        gold, pred = set(dk.get("gold") or []), set(dk.get("predicted") or [])
        counts.update((k, k) for k in gold & pred)
        missed, extra = sorted(gold - pred), sorted(pred - gold)
        counts.update((g, p) for g in missed for p in extra or ["none"])
        counts.update(("none", p) for p in extra if not missed)
    return counts if seen else None


def kind_chart(counts: Counter[tuple[str, str]]) -> str:
    used = {k for pair in counts for k in pair}
    order = [k for k in KIND_NAMES if k != "none"] + sorted(used - set(KIND_NAMES))
    gold = [k for k in order if k in used] + (["none"] if any(g == "none" for g, _ in counts) else [])
    pred = [k for k in order if k in used] + (["none"] if any(p == "none" for _, p in counts) else [])
    return confusion_svg(gold, pred, counts, KIND_NAMES, "文档类型混淆矩阵 (document kinds: confusion matrix)")
