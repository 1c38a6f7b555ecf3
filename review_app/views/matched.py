"""Retrieval findings (BP-001..004) point at two reports: this one and a past report in the corpus. The auditor sees
both passages side by side, each on its own page when the store holds that PDF, else as the quoted text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from budgetlens.store import DocumentRow, FindingRow, Store
from review_app import queries
from review_app.views.common import md_escape

OTHER = "other:"


def is_other(e: dict[str, Any]) -> bool:
    return str(e.get("record", "")).startswith(OTHER)


def own_evidence(f: FindingRow) -> list[dict[str, Any]]:
    return [e for e in f.evidence if not is_other(e)]


def other_report(e: dict[str, Any]) -> tuple[str, str]:
    """(document id, what to call it) from `other:{document_id}:{file name}:{record}`."""
    _, doc_id, rest = (str(e.get("record", "")).split(":", 2) + ["", ""])[:3]
    return doc_id, rest


def side_by_side(store: Store, doc: DocumentRow, f: FindingRow, png: Any) -> bool:
    """Both passages in two columns; False when the finding has no counterpart in another report."""
    others = [e for e in f.evidence if is_other(e)]
    if not others:
        return False
    mine = own_evidence(f)
    left, right = st.columns(2, gap="medium")
    with left:
        st.markdown(f"**本报告** · {md_escape(doc.file_name)}")
        _passage(doc, mine[0] if mine else None, f.severity, png)
    with right:
        pick = 0
        if len(others) > 1:
            pick = st.selectbox("对照报告", range(len(others)), key=f"other_{f.id}",
                                format_func=lambda i: other_report(others[i])[1][:60])
        e = others[pick]
        doc_id, label = other_report(e)
        other = queries.document(store, doc_id) if doc_id else None
        st.markdown(f"**对照报告** · {md_escape(other.file_name if other else label)}")
        if other is None:
            st.caption("该报告只在往年报告语料库中，审核库里没有它的 PDF：下面是语料库中的原文。")
        _passage(other, e, "info", png)
    return True


def _passage(doc: DocumentRow | None, e: dict[str, Any] | None, severity: str, png: Any) -> None:
    if e is None:
        return
    page, bbox = e.get("page"), e.get("bbox")
    if doc is not None and doc.pdf_path and Path(doc.pdf_path).is_file() and page and bbox:
        try:
            st.image(png(str(doc.pdf_path), int(page), ((tuple(bbox), severity, str(e.get("path", ""))),), True),
                     width="stretch", caption=f"第 {page} 页 · {e.get('path', '')}")
        except (ValueError, RuntimeError) as exc:
            st.warning(f"无法显示第 {page} 页：{exc}")
    elif page:
        st.caption(f"第 {page} 页 · {e.get('path', '')}")
    st.markdown("> " + md_escape(str(e.get("quote", "")) or "（没有原文）"))
