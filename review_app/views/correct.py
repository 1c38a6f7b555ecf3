"""Correct what the extractor misread: the fields a finding points at, in a small form (or any cell of a final-accounts
table in a grid). Each save quotes the record version it was loaded with, so two reviewers correcting the same record
get a conflict instead of a silent overwrite; the checks re-run at once and the reviewer sees which findings went away
and which appeared."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st

from budgetlens.corrections import CorrectionResult, correct, get_path
from budgetlens.store import ConflictError, FindingRow, RecordRow, Store, StoreError
from review_app import queries, state
from review_app.views.common import md_escape, short, value_text

_IDX = re.compile(r"\[(\d+)\]")
SCALAR = (str, int, float, type(None))


def evidence_refs(evidence: list[Any]) -> dict[int, list[dict[str, Any]]]:
    """Evidence grouped by record position (`table[3]:支出决算表` → 3), each field once, in evidence order."""
    out: dict[int, list[dict[str, Any]]] = {}
    for e in evidence:
        m = _IDX.search(str(e.get("record", "")))
        if m and e.get("path") and all(x["path"] != e["path"] for x in out.get(int(m.group(1)), [])):
            out.setdefault(int(m.group(1)), []).append(e)
    return out


def render(store: Store, doc_id: str, f: FindingRow) -> None:
    refs = evidence_refs(f.evidence)
    if not refs:
        st.caption("这条发现没有指向可更正的字段。")
        return
    st.markdown("**更正数值** · 改正提取错误后，检查会立即重跑")
    for idx, items in refs.items():
        rec = queries.record(store, doc_id, idx)
        if rec is None:
            st.warning(f"记录 {idx} 不在库中（文件可能已重新导入）。")
            continue
        _field_form(doc_id, rec, items, f.id)
        if rec.kind == "final_accounts_table":
            _table_editor(doc_id, rec)


def record_title(rec: RecordRow) -> str:
    d = rec.data
    titles = {
        "final_accounts_table": lambda: f"表 · {d.get('title') or d.get('std_name')}（{d.get('unit') or '单位未知'}）",
        "narrative_claim": lambda: f"情况说明 · {d.get('metric')}（印为 {d.get('raw')}，第 {d.get('page')} 页）",
        "project_self_evaluation": lambda: f"项目自评表 · {d.get('project_name')}",
        "dept_self_evaluation": lambda: f"部门自评表 · {d.get('department') or ''}",
        "scoring_table": lambda: f"评分表 · {d.get('title') or d.get('project_name') or ''}",
        "report_section": lambda: f"章节 · {'/'.join(d.get('heading_path') or [])}",
    }
    return short(titles.get(rec.kind, lambda: rec.kind)(), 80)


def field_label(data: dict[str, Any], path: str) -> str:
    """What a reviewer recognises: the row's code and name and the column for a table cell, the metric for a claim."""
    m = re.fullmatch(r"rows\[(\d+)\]\.cells\.(.+)", path)
    if m and int(m.group(1)) < len(data.get("rows", [])):
        row = data["rows"][int(m.group(1))]
        return f"{row.get('code') or ''} {row.get('label') or '（无名称）'} · {m.group(2)}".strip()
    if path == "value" and "metric" in data:
        return f"{data['metric']} 数值（{data.get('unit', '')}）"
    return path


def _field_form(doc_id: str, rec: RecordRow, items: list[dict[str, Any]], finding_id: int) -> None:
    fields = []
    for e in items:
        try:
            value = get_path(rec.data, e["path"])
        except (KeyError, IndexError, TypeError):
            value = None  # a cell the extractor left out: the reviewer may fill it
        if isinstance(value, SCALAR):
            fields.append((str(e["path"]), value_text(value), e))
    if not fields:
        return
    tag = f"{finding_id}_{rec.idx}_{rec.version}"  # a new version = a fresh form showing the stored values
    with st.form(key=f"corr_{tag}", border=True):
        st.markdown(f"{md_escape(record_title(rec))} :gray[· 记录 {rec.idx} · 版本 v{rec.version}]")
        keys = []
        for i, (path, old, e) in enumerate(fields):
            key = f"cv_{tag}_{i}"
            quote = f" · 印为「{short(e.get('quote', ''), 30)}」" if e.get("quote") else ""
            page = f" · 第 {e['page']} 页" if e.get("page") else ""
            widget = st.text_area if len(old) > 60 else st.text_input
            widget(md_escape(field_label(rec.data, path) + page + quote), value=old, key=key, help=f"字段 {path}")
            keys.append((path, old, key))
        st.text_input("更正理由（可选）", key=f"cr_{tag}", placeholder="例如：原文第 21 页印为 2961.68 万元")
        st.form_submit_button("保存更正", key=f"save_{tag}", icon=":material/save:", on_click=_save_fields,
                              args=(doc_id, rec.idx, rec.version, keys, f"cr_{tag}"))


def _save_fields(doc_id: str, idx: int, seen: int, keys: list[tuple[str, str, str]], reason_key: str) -> None:
    changes = [(path, str(st.session_state.get(key) or "")) for path, old, key in keys
               if str(st.session_state.get(key) or "").strip() != old.strip()]
    apply(doc_id, idx, seen, changes, str(st.session_state.get(reason_key) or ""))


def _table_editor(doc_id: str, rec: RecordRow) -> None:
    """Any cell of the table, for misreads the checks did not point at (edited cells only are saved)."""
    cols: list[str] = list(rec.data.get("columns") or [])
    rows: list[dict[str, Any]] = rec.data.get("rows") or []
    if not cols or not rows:
        return
    with st.expander(f"编辑整张表 · {short(rec.data.get('title') or '', 40)}"):
        frame = pd.DataFrame([{"编码": r.get("code") or "", "名称": r.get("label") or "",
                               **{c: _num(r.get("cells", {}).get(c)) for c in cols}} for r in rows])
        key = f"te_{doc_id[:12]}_{rec.idx}_{rec.version}"
        st.data_editor(frame, key=key, disabled=["编码", "名称"], hide_index=True, width="stretch",
                       column_config={c: st.column_config.NumberColumn(c, format="%.2f") for c in cols})
        st.button("保存表格更正", key=f"{key}_save", icon=":material/save:", on_click=_save_table,
                  args=(doc_id, rec.idx, rec.version, cols, key))


def _num(v: Any) -> float | None:
    try:
        return None if v is None else float(v)
    except (TypeError, ValueError):
        return None


def _save_table(doc_id: str, idx: int, seen: int, cols: list[str], key: str) -> None:
    edits: dict[Any, dict[str, Any]] = (st.session_state.get(key) or {}).get("edited_rows", {})
    rows = sorted(edits.items(), key=lambda x: int(x[0]))
    changes = [(f"rows[{int(r)}].cells.{c}", value_text(v)) for r, cells in rows for c, v in cells.items() if c in cols]
    apply(doc_id, idx, seen, changes, "")


def apply(doc_id: str, idx: int, seen: int, changes: list[tuple[str, str]], reason: str) -> None:
    """Apply the changes one by one (each bumps the record version), then say what the re-run checks changed."""
    if not changes:
        state.flash("correct", "info", "没有改动：数值与库中一致。")
        return
    if not state.reviewer():
        state.flash("correct", "error", "请先在左侧栏填写审核人姓名（reviewer name）：更正没有保存。")
        return
    store, version, results = state.store(), seen, []
    for path, typed in changes:
        try:
            res = correct(store, doc_id, idx, path, typed, version, state.reviewer(), reason, corpus=state.corpus())
        except ConflictError as exc:
            state.flash("correct", "error", f"冲突 Conflict：这条记录在你打开之后已被他人更正，你的更正没有保存；下面显示的是"
                                            f"最新数值，请确认后再改。（{exc}）")
            break
        except StoreError as exc:
            state.flash("correct", "error", f"“{path}” 没有保存：{exc}")
            break
        version = res.record_version
        results.append(res)
    if results:
        state.flash("correct", "success", summary(store, doc_id, idx, version, results))


def net_change(results: Iterable[CorrectionResult]) -> tuple[list[str], list[str]]:
    """Fingerprints that appeared / disappeared over several saves (one that came and went again is neither)."""
    appeared: list[str] = []
    gone: list[str] = []
    for r in results:
        for fp in r.appeared:
            (gone.remove if fp in gone else appeared.append)(fp)
        for fp in r.disappeared:
            (appeared.remove if fp in appeared else gone.append)(fp)
    return appeared, gone


def summary(store: Store, doc_id: str, idx: int, version: int, results: list[CorrectionResult]) -> str:
    appeared, gone = net_change(results)
    lines = [f"**更正已保存**（记录 {idx} → 版本 v{version}），检查已重跑。"]
    for title, fps in (("消失的问题 disappeared", gone), ("新出现的问题 appeared", appeared)):
        found = queries.by_fingerprint(store, doc_id, fps)
        lines.append(f"\n{title}（{len(found)}）" + ("：无" if not found else "："))
        lines += [f"- **{f.rule_id}** {md_escape(short(f.message, 140))}" for f in found]
    return "\n".join(lines)
