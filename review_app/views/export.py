"""Export: the findings with their decisions (CSV / XLSX, all reports or one), a report's PDF with the findings drawn on
it, and the corrections of a report saved as an eval fixture (each corrected value becomes a test of the extractor).
The export functions live in review_app.export; without that module the page says so instead of failing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import ModuleType

import streamlit as st

from budgetlens.store import DocumentRow, Store, StoreError
from review_app import queries, state

DEFAULT_FIXTURE_DIR = "eval/fixtures-corrections"


def _export_module() -> ModuleType | None:
    try:
        from review_app import export
    except ImportError:
        return None
    needed = ("findings_table", "to_csv", "to_xlsx", "annotated_pdf", "corrections_fixture")
    return export if all(hasattr(export, n) for n in needed) else None


def render(store: Store) -> None:
    st.subheader("导出", anchor=False)
    ex = _export_module()
    if ex is None:
        st.info("export not available：导出模块 review_app/export.py 尚未安装。")
        return
    docs = queries.documents(store)
    if not docs:
        st.info("还没有报告可以导出。")
        return
    doc = _pick(docs)
    state.show_flash("export")
    _tables(store, ex, doc)
    st.divider()
    _pdf(store, ex, doc)
    st.divider()
    _fixture(store, ex, doc)


def _pick(docs: dict[str, DocumentRow]) -> DocumentRow:
    ids = list(docs)
    chosen = state.doc()
    current = chosen if chosen in docs else ids[0]
    picked: str = st.selectbox("报告", ids, index=ids.index(current), key="export_doc",
                          format_func=lambda i: f"{docs[i].file_name} · {docs[i].department or '—'} · {i[:12]}")
    picked = picked or current
    if picked != chosen:
        st.session_state["doc"], st.session_state["finding"] = picked, None
    return docs[picked]


def _tables(store: Store, ex: ModuleType, doc: DocumentRow) -> None:
    st.markdown("**发现与决定 findings with decisions**")
    scope = st.radio("范围", ["all", "one"], horizontal=True, key="export_scope",
                     format_func=lambda s: "全部报告" if s == "all" else "所选报告")
    ids = None if scope == "all" else [doc.id]
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    name = f"findings-{'all' if ids is None else doc.id[:8]}-{stamp}"
    row = st.container(horizontal=True, vertical_alignment="center")
    row.download_button("CSV", data=lambda: ex.to_csv(ex.findings_table(store, ids)), file_name=f"{name}.csv",
                            mime="text/csv", icon=":material/download:", key="dl_csv", on_click="ignore")
    row.download_button("XLSX", data=lambda: ex.to_xlsx(ex.findings_table(store, ids)), file_name=f"{name}.xlsx",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            icon=":material/download:", key="dl_xlsx", on_click="ignore")
    row.caption("每条发现一行：规则、严重程度、说明、应为/印为、页码、状态、最后决定（审核人、时间、理由）。")


def _pdf(store: Store, ex: ModuleType, doc: DocumentRow) -> None:
    """Built on request in the script thread (PyMuPDF is not thread-safe), then offered for download."""
    st.markdown("**标注 PDF annotated PDF** · 原文上框出每条发现，前面附汇总页")
    key = f"_pdf_{doc.id}"
    row = st.container(horizontal=True, vertical_alignment="center")
    if row.button("生成", key="make_pdf", icon=":material/picture_as_pdf:"):
        try:
            st.session_state[key] = ex.annotated_pdf(store, doc.id)
        except (StoreError, OSError, ValueError, RuntimeError) as exc:
            st.error(f"无法生成标注 PDF：{exc}")
    if key in st.session_state:
        row.download_button("下载 PDF", data=st.session_state[key], file_name=f"{Path(doc.file_name).stem}-审核.pdf",
                                mime="application/pdf", icon=":material/download:", key="dl_pdf", on_click="ignore")


def _fixture(store: Store, ex: ModuleType, doc: DocumentRow) -> None:
    st.markdown("**更正 → 评测样本 corrections as an eval fixture** · gold.json + document.pdf + NOTES.md")
    cols = st.columns([5, 1], vertical_alignment="bottom")
    folder = cols[0].text_input("保存到文件夹", value=DEFAULT_FIXTURE_DIR, key="fixture_dir")
    if cols[1].button("保存", key="save_fixture", icon=":material/save:", width="stretch"):
        try:
            out = ex.corrections_fixture(store, doc.id, _resolve(folder or DEFAULT_FIXTURE_DIR))
        except (StoreError, OSError, ValueError) as exc:
            st.error(f"没有保存：{exc}")
        else:
            st.success(f"已保存到 `{out}`")


def _resolve(folder: str) -> Path:
    """A relative folder is taken from the repository root (where eval/ lives), not from wherever the app started."""
    path = Path(folder).expanduser()
    return path if path.is_absolute() else Path(__file__).resolve().parents[2] / path
