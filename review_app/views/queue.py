"""The queue: every report ranked by risk, the filters an auditor narrows it with, a click opens the report. Failed
documents stay listed (with their reason): a file that could not be read still needs a person to look at it."""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from budgetlens.review import QueueFilter, QueueRow, queue
from budgetlens.store import Store
from review_app import queries, state
from review_app.views.common import EXTRACTION, KINDS, REVIEW_STATUS, SEVERITY, family_label, kinds_label

COLUMNS = ["风险", "文件", "部门", "地区", "年度", "类型", "错误", "警告", "提示", "待处理", "审核状态", "提取"]
FILTER_KEYS = ("q_text", "q_status", "q_sev", "q_family", "q_kind", "q_region", "q_dept", "q_year")


def render(store: Store) -> None:
    st.subheader("审核队列", anchor=False)
    flt = _filters(store)
    rows = queue(store, flt)
    docs = queries.documents(store)
    if not docs:
        st.info("还没有报告。到「上传」页上传 PDF，或在命令行运行 `budgetlens run <PDF…>`。")
        return
    _summary(rows, len(docs))
    if not rows:
        st.warning("没有符合筛选条件的报告。")
        return
    _table(rows, docs)


def _filters(store: Store) -> QueueFilter:
    """Two compact rows; every filter starts at 全部 and stays as set for the session."""
    opts = queries.filter_options(store)
    a = st.columns([3, 2, 2, 2, 2])
    text = a[0].text_input("搜索 文件名 / 部门", key="q_text", placeholder="输入名称…", persist_state="session")
    status = a[1].selectbox("审核状态", list(REVIEW_STATUS), format_func=REVIEW_STATUS.__getitem__, index=None,
                            placeholder="全部", key="q_status", persist_state="session")
    severity = a[2].selectbox("严重程度", list(SEVERITY), format_func=lambda s: SEVERITY[s][0], index=None,
                              placeholder="全部", key="q_sev", persist_state="session")
    family = a[3].selectbox("规则类别", opts.families, format_func=family_label, index=None, placeholder="全部",
                            key="q_family", persist_state="session")
    kind = a[4].selectbox("文件类型", opts.kinds, format_func=lambda k: KINDS.get(k, k), index=None,
                          placeholder="全部", key="q_kind", persist_state="session")
    b = st.columns([3, 4, 2, 2], vertical_alignment="bottom")
    keep: dict[str, Any] = {"index": None, "placeholder": "全部", "persist_state": "session"}
    region = b[0].selectbox("地区", opts.regions, key="q_region", **keep)
    dept = b[1].selectbox("部门", opts.departments, key="q_dept", **keep)
    year = b[2].selectbox("年度", opts.years, key="q_year", **keep)
    b[3].button("清除筛选", key="q_reset", icon=":material/filter_alt_off:", on_click=_reset, width="stretch")
    return QueueFilter(text=(text or "").strip(), region=region, department=dept, fiscal_year=year, doc_kind=kind,
                       family=family, severity=severity, review_status=status)


def _reset() -> None:
    for key in FILTER_KEYS:
        st.session_state[key] = "" if key == "q_text" else None


def _summary(rows: list[QueueRow], total: int) -> None:
    open_n = sum(r.open_findings for r in rows)
    errors = sum(r.counts.get("error", 0) for r in rows)
    failed = sum(r.status == "failed" for r in rows)
    parts = [f"**{len(rows)}** / {total} 份报告", f"**{open_n}** 条待处理", f"**{errors}** 条错误"]
    parts += [f":red[**{failed}** 份提取失败]"] if failed else []
    st.markdown(" · ".join(parts))


def frame(rows: list[QueueRow], docs: dict[str, Any]) -> pd.DataFrame:
    """The table as shown (kept a function so the tests can read the order the auditor sees)."""
    out = []
    for r in rows:
        d = docs.get(r.id)
        out.append({
            "风险": r.risk, "文件": r.file_name, "部门": r.department or "", "地区": r.region or "",
            "年度": str(r.fiscal_year or ""), "类型": kinds_label(r.doc_kinds), "错误": r.counts.get("error", 0),
            "警告": r.counts.get("warning", 0), "提示": r.counts.get("info", 0), "待处理": r.open_findings,
            "审核状态": REVIEW_STATUS.get(r.review_status, r.review_status).split()[0],
            "提取": _extraction(r.status, d),
        })
    return pd.DataFrame(out, columns=COLUMNS)


def _extraction(status: str, doc: Any) -> str:
    if status == "failed":
        return f"失败：{queries.failure_reason(doc)}" if doc is not None else "失败"
    return EXTRACTION.get(status, status).split()[0]


def _table(rows: list[QueueRow], docs: dict[str, Any]) -> None:
    """A click on a row opens the report in this session (the 链接 column opens it in a new tab)."""
    df = frame(rows, docs)
    key = f"queue_table_{st.session_state.get('_queue_gen', 0)}"
    top = max(float(df["风险"].max()), 1.0)
    config: dict[str, Any] = {
        "风险": st.column_config.ProgressColumn("风险", format="%.0f", min_value=0, max_value=top, width=80,
                                              help="按严重程度加权的未驳回问题数（越高越先审）"),
        "文件": st.column_config.TextColumn("文件", width=260),
        "部门": st.column_config.TextColumn("部门", width=130),
        "地区": st.column_config.TextColumn("地区", width=85),
        "年度": st.column_config.TextColumn("年度", width=50),
        "类型": st.column_config.TextColumn("类型", width=140),
        **{c: st.column_config.NumberColumn(c, width=44) for c in ("错误", "警告", "提示")},
        "待处理": st.column_config.NumberColumn("待处理", width=56),
        "审核状态": st.column_config.TextColumn("审核状态", width=70),
        "提取": st.column_config.TextColumn("提取", width="small", help="提取状态；失败时写明原因"),
    }
    st.dataframe(df, key=key, hide_index=True, column_config=config,
                 on_select=partial(_open_selected, key, [r.id for r in rows]), selection_mode=["single-row", "single-cell"],
                 height=min(38 + 35 * len(df), 640))
    st.caption("点击一行打开报告。报告页的网址可以直接分享。")


def _open_selected(key: str, ids: list[str]) -> None:
    sel = st.session_state.get(key)
    picked = (list(sel["selection"]["rows"]) or [c[0] for c in sel["selection"].get("cells", [])]) if sel else []
    if picked and picked[0] < len(ids):
        st.session_state["_queue_gen"] = st.session_state.get("_queue_gen", 0) + 1  # a fresh, unselected table
        state.go("report", ids[picked[0]], None)
