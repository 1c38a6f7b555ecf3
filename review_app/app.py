"""budgetlens 审核 — the review app (`budgetlens review`, or `streamlit run review_app/app.py`).

Auditors triage the findings the checks raised: the queue ranks reports by risk, a report shows each finding on its
printed page, the reviewer accepts or dismisses it (with a reason) or corrects a misread value. The store
(budgetlens.store) holds everything; this file only wires the pages together. `?page=report&doc=<id>&finding=<id>`
selects where the app opens, so a report has a link and a reload keeps the place.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy.engine import make_url

from budgetlens.store import Store, StoreError
from review_app import queries, state
from review_app.views import export, queue, report, upload
from review_app.views.common import short

VIEWS: dict[str, Callable[[Store], None]] = {"queue": queue.render, "report": report.render, "upload": upload.render,
                                             "export": export.render}
ICONS = {"queue": ":material/format_list_numbered:", "report": ":material/description:",
         "upload": ":material/upload_file:", "export": ":material/download:"}
CSS = """<style>
.block-container {padding: 3rem 2rem 2rem 2rem; max-width: 100%;}
.stAppDeployButton {display: none;}
section[data-testid="stSidebar"] .block-container {padding-top: 1rem;}
div[data-testid="stExpander"] details summary p {font-weight: 600;}
div[data-testid="stExpanderDetails"] div[data-testid="stVerticalBlock"] {gap: 0.15rem;}
div[data-testid="stExpanderDetails"] div[data-testid="stCaptionContainer"] {padding: 0 0 0.5rem 0.6rem;}
.st-key-prev button, .st-key-next button {padding-left: 0.4rem; padding-right: 0.4rem;}
.st-key-prev kbd, .st-key-next kbd {display: none;}
</style>"""


def main() -> None:
    # an emoji favicon is drawn in the page; a :material: one is fetched from fonts.gstatic.com (offline: never)
    st.set_page_config(layout="wide", page_title="budgetlens 审核", page_icon="🔍")
    st.html(CSS)
    state.init_session()
    state.apply_pending_nav()
    try:
        store = state.store()
    except StoreError as exc:
        st.error(f"无法打开审核库：{exc}")
        st.stop()
    _sidebar(store)
    VIEWS.get(state.page(), queue.render)(store)
    state.sync_url()


def _sidebar(store: Store) -> None:
    with st.sidebar:
        st.markdown("#### :material/fact_check: budgetlens 审核")
        st.radio("页面", list(state.PAGES), key=state.NAV_KEY, label_visibility="collapsed",
                 format_func=lambda p: f"{ICONS[p]} {state.PAGES[p]}")
        st.divider()
        st.text_input("审核人 reviewer", key=state.REVIEWER_KEY, placeholder="你的姓名",
                      help="记录在每个决定和更正里；每个浏览器会话填写一次")
        if not state.reviewer():
            st.caption(":orange[填写姓名后才能接受、驳回或更正。]")
        doc_id = state.doc()
        doc = queries.document(store, doc_id) if doc_id else None
        if doc is not None and state.page() != "report":
            st.button(f"回到报告：{short(doc.file_name, 16)}", key="back_to_report", icon=":material/arrow_back:",
                      on_click=state.go, args=("report", doc.id, state.finding()), type="tertiary")
        st.divider()
        st.caption("键盘：J / K 下一条 / 上一条 · Tab 到按钮 · 理由框中回车 = 驳回")
        st.caption(f"审核库：`{make_url(store.url).render_as_string(hide_password=True)}`")


main()
