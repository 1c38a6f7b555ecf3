"""Session state of the review app in one place: the store (one per process), who is reviewing, where the reviewer is
(page, document, finding — mirrored in the URL so that a link or a reload lands on the same report) and the messages
a callback leaves for the next run to show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from budgetlens.intake import recover_interrupted
from budgetlens.settings import get_settings
from budgetlens.store import Store

PAGES: dict[str, str] = {"queue": "队列 Queue", "report": "报告 Report", "upload": "上传 Upload", "export": "导出 Export"}
NAV_KEY = "nav_page"  # the sidebar radio's key
REVIEWER_KEY = "reviewer"  # the sidebar text input's key


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Store:
    """Opened once per process and URL; jobs left `running` by a killed app are marked interrupted right then (a new
    browser session must not touch jobs this process is still running)."""
    store = Store(url)
    recover_interrupted(store)
    return store


def store() -> Store:
    return _open_store(get_settings().store_url())


def corpus() -> Any:
    """The corpus of past reports (None when none was built): corrections re-check against it."""
    from budgetlens.corpus_setup import corpus_if_present

    return corpus_if_present(get_settings())


def init_session() -> None:
    """First run of a browser session: read page / doc / finding from the URL (a reload is a new session)."""
    ss = st.session_state
    if ss.get("_init"):
        return
    qp = st.query_params
    ss["doc"] = qp.get("doc") or None
    page = qp.get("page", "report" if ss["doc"] else "queue")  # ?doc=<id> alone opens that report
    ss[NAV_KEY] = page if page in PAGES else "queue"
    finding = qp.get("finding", "")
    ss["finding"] = int(finding) if finding.isdigit() else None
    ss.setdefault(REVIEWER_KEY, get_settings().reviewer or "")
    ss["_init"] = True


def apply_pending_nav() -> None:
    """A move asked for by `go` (from a callback or from the page body) is applied before the radio is drawn: a
    widget's state can only be set before the widget exists in the run."""
    goto = st.session_state.pop("_goto", None)
    if goto:
        page, doc, finding = goto
        st.session_state[NAV_KEY] = page
        if doc is not None:
            st.session_state["doc"], st.session_state["finding"] = doc, finding


def go(page: str, doc: str | None = None, finding: int | None = None) -> None:
    """Navigate; inside a callback nothing else is needed, from the page body follow it with `st.rerun()`."""
    st.session_state["_goto"] = (page, doc, finding)


def page() -> str:
    return str(st.session_state.get(NAV_KEY, "queue"))


def doc() -> str | None:
    return st.session_state.get("doc")


def finding() -> int | None:
    return st.session_state.get("finding")


def select_finding(finding_id: int | None) -> None:
    st.session_state["finding"] = finding_id


def reviewer() -> str:
    return str(st.session_state.get(REVIEWER_KEY) or "").strip()


def sync_url() -> None:
    """The URL says where the reviewer is, so that it can be shared and a reload keeps the place."""
    want = {"page": page()}
    if page() in ("report", "export") and doc():
        want["doc"] = str(doc())
        if page() == "report" and finding() is not None:
            want["finding"] = str(finding())
    if st.query_params.to_dict() != want:
        st.query_params.from_dict(want)


@dataclass
class Flash:
    where: str  # which panel shows it: decision | correct | upload | export
    kind: str  # error | success | warning | info | toast
    text: str


def flash(where: str, kind: str, text: str) -> None:
    """Leave a message for the next run (callbacks run before the page is drawn, so they cannot place it)."""
    st.session_state.setdefault("_flash", []).append(Flash(where, kind, text))


def show_flash(where: str) -> None:
    pending: list[Flash] = st.session_state.get("_flash", [])
    mine = [f for f in pending if f.where == where]
    st.session_state["_flash"] = [f for f in pending if f.where != where]
    for f in mine:
        show: Any = {"error": st.error, "success": st.success, "warning": st.warning, "info": st.info}.get(f.kind)
        if show is not None:
            show(f.text)
        else:
            st.toast(f.text)
