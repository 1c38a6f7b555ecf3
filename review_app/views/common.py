"""Labels and small formatters shared by the views: one place that says how a severity, a family, a status looks."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

SEVERITY = {"error": ("错误", "red"), "warning": ("警告", "orange"), "info": ("提示", "blue")}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
FINDING_STATUS = {"open": ("待处理", "gray"), "accepted": ("已接受", "green"), "dismissed": ("已驳回", "violet")}
REVIEW_STATUS = {"open": "待审 open", "in_review": "审核中 in review", "done": "已完成 done"}
EXTRACTION = {"ok": "ok", "partial": "部分 partial", "failed": "失败 failed"}
KINDS = {"final_accounts": "部门决算", "dept_self_evaluation": "部门自评", "project_self_evaluation": "项目自评",
         "evaluation_report": "评价报告"}
FAMILIES = {
    "final_accounts.presence": "决算 · 报表齐全", "final_accounts.identity": "决算 · 总表平衡",
    "final_accounts.row_identity": "决算 · 表内栏次", "final_accounts.classification": "决算 · 功能分类合计",
    "final_accounts.basic": "决算 · 经济分类合计", "final_accounts.cross_table": "决算 · 表间一致",
    "final_accounts.sangong": "决算 · 三公经费", "final_accounts.narrative": "决算 · 情况说明",
    "self_evaluation.funds": "自评 · 资金", "self_evaluation.scores": "自评 · 分值得分",
    "self_evaluation.grade": "自评 · 等级", "self_evaluation.plausibility": "自评 · 可信度",
    "self_evaluation.copy": "自评 · 照抄照搬", "self_evaluation.narrative": "自评 · 文字说明",
    "self_evaluation.units": "自评 · 计量单位", "report.template": "报告 · 模板残留",
    "report.extraction": "报告 · 提取问题", "report.consistency": "报告 · 前后一致",
    "extraction.crosscheck": "提取 · 交叉核对", "boilerplate.copy": "往年报告 · 照抄文字",
    "boilerplate.indicators": "往年报告 · 照搬指标", "boilerplate.unchanged": "往年报告 · 章节未变",
    "boilerplate.generic": "往年报告 · 空泛套话",
}
ACTIONS = {"accept": "接受", "dismiss": "驳回", "reopen": "重新打开"}


def sev_badge(severity: str) -> str:
    """Markdown badge in the severity colour (the page highlights use the same three colours)."""
    label, colour = SEVERITY.get(severity, (severity, "gray"))
    return f":{colour}-badge[{label}]"


def status_badge(status: str) -> str:
    label, colour = FINDING_STATUS.get(status, (status, "gray"))
    return f":{colour}-badge[{label}]"


def family_label(family: str) -> str:
    return FAMILIES.get(family, family or "其他")


def kinds_label(kinds: list[Any]) -> str:
    return "、".join(KINDS.get(str(k), str(k)) for k in kinds)


def value_text(v: Any) -> str:
    """A stored value as a reviewer types it back: numbers without exponent or float noise, None as empty."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        d = Decimal(repr(v))
        return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
    return str(v)


def md_escape(text: str) -> str:
    """Stored text (messages, quotes) shown as markdown must not turn into formatting: $ starts LaTeX, * italics."""
    for ch in "\\`*_[]$~":
        text = text.replace(ch, "\\" + ch)
    return text


def short(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def when(dt: Any) -> str:
    """A stored time in the reviewer's time zone (the browser's, else the server's); the store keeps UTC."""
    if dt is None:
        return ""
    dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    try:
        tz = ZoneInfo(st.context.timezone) if st.context.timezone else None
    except Exception:  # noqa: BLE001 - an unknown zone name falls back to the server's zone
        tz = None
    return str(dt.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"))
