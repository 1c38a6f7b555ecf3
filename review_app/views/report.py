"""One report: its facts, its findings grouped by rule family, and for the selected finding the evidence on the page,
the rule's explanation, the decision buttons and the correction form. Built for long queues: after a decision the next
open finding is selected, the buttons are reachable by Tab, Enter in the reason field dismisses."""

from __future__ import annotations

from itertools import groupby
from typing import Any, Literal

import streamlit as st

from budgetlens.review import REVIEW_STATUSES, decide, findings_of, history, queue, set_review_status
from budgetlens.store import ConflictError, DocumentRow, FindingRow, Store, StoreError
from checks.registry import REGISTRY
from review_app import queries, state
from review_app.views import correct, evidence
from review_app.views.common import (
    ACTIONS,
    EXTRACTION,
    REVIEW_STATUS,
    SEVERITY_ORDER,
    family_label,
    kinds_label,
    md_escape,
    sev_badge,
    short,
    status_badge,
    when,
)


def render(store: Store) -> None:
    doc_id = state.doc()
    doc = queries.document(store, doc_id) if doc_id else None
    if doc is None:
        _pick(store)
        return
    _header(doc)
    findings = ordered(findings_of(store, doc.id))
    if doc.status != "failed" and not any(f.status == "open" for f in findings):
        _all_done(store, doc)
    if not findings:
        if doc.status == "failed":
            st.error(f"这份文件无法提取，没有可检查的内容：{queries.failure_reason(doc)}")
        else:
            st.success("这份报告没有发现问题。")
        _audit_trail(store, doc)
        return
    current = _current(findings)
    left, right = st.columns([9, 14], gap="medium")
    with right:  # filled first: the page image reaches the browser before the (long) findings list
        _detail(store, doc, current)
    with left:
        _finding_list(findings, current)
    _audit_trail(store, doc)


def _pick(store: Store) -> None:
    """No (or an unknown) document in the URL: let the reviewer choose one, highest risk first."""
    if state.doc():
        st.warning(f"报告 {state.doc()} 不在库中（可能已被删除，或链接不完整）。")
    docs = list(queries.documents(store).values())
    if not docs:
        st.info("还没有报告。到「上传」页上传 PDF。")
        return
    st.subheader("选择报告", anchor=False)
    picked = st.selectbox("报告（按风险排序）", docs, index=None, placeholder="选择或输入名称…",
                          format_func=lambda d: f"{d.file_name} · {d.department or '—'} · 风险 {d.risk:.0f}")
    if picked is not None:
        state.go("report", picked.id, None)
        st.rerun()


def _header(doc: DocumentRow) -> None:
    main, side = st.columns([3, 1], vertical_alignment="bottom")
    with main:
        st.markdown(f"#### {md_escape(doc.file_name)}")
        facts = [("部门", doc.department), ("地区", doc.region), ("年度", doc.fiscal_year),
                 ("类型", kinds_label(doc.doc_kinds)), ("页数", doc.pages), ("提取", EXTRACTION.get(doc.status)),
                 ("风险", f"{doc.risk:.0f}")]
        st.markdown(" · ".join(f":gray[{k}] **{md_escape(str(v))}**" for k, v in facts if v not in (None, "")))
    with side:
        key = f"rs_{doc.id}"
        st.session_state[key] = doc.review_status  # the store is the truth (a decision moves open → in_review)
        st.segmented_control("审核状态", list(REVIEW_STATUSES), format_func=lambda s: REVIEW_STATUS[s].split()[0],
                             key=key, required=True, on_change=_set_status, args=(doc.id, key), width="stretch")
    if doc.issues:
        with st.expander(f"提取问题 {len(doc.issues)} 条", expanded=doc.status == "failed"):
            for i in doc.issues:
                page = f"（第 {i.get('page')} 页）" if i.get("page") else ""
                st.markdown(f"{sev_badge(i.get('severity', 'warning'))} `{i.get('code', '')}` "
                            f"{md_escape(queries.without_paths(str(i.get('message', ''))))}{page}")


def _set_status(doc_id: str, key: str) -> None:
    try:
        set_review_status(state.store(), doc_id, st.session_state[key])
    except StoreError as exc:
        state.flash("decision", "error", str(exc))


def ordered(findings: list[FindingRow]) -> list[FindingRow]:
    """Families holding errors first (then warnings, then notes), each family in the service's order."""
    rank: dict[str, int] = {}
    for f in findings:
        rank[f.family] = min(rank.get(f.family, 9), SEVERITY_ORDER.get(f.severity, 3))
    return sorted(findings, key=lambda f: (rank[f.family], f.family))


def _all_done(store: Store, doc: DocumentRow) -> None:
    """Nothing left open: offer to close the report and move on to the riskiest report that still has work."""
    nxt = next((q for q in queue(store) if q.id != doc.id and q.open_findings and q.review_status != "done"), None)
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        st.markdown(":green[:material/task_alt:] 这份报告没有待处理的问题了。")
        if doc.review_status != "done":
            st.button("标记为已完成", key="mark_done", icon=":material/done_all:", on_click=_mark_done, args=(doc.id,))
        if nxt is not None:
            st.button(f"下一份：{short(nxt.file_name, 24)}", key="next_report", type="primary",
                      icon=":material/arrow_forward:", on_click=state.go, args=("report", nxt.id, None))


def _mark_done(doc_id: str) -> None:
    set_review_status(state.store(), doc_id, "done")


def _current(findings: list[FindingRow]) -> FindingRow:
    """The selected finding if it is still raised, else the first open one, else the first."""
    chosen = next((f for f in findings if f.id == state.finding()), None)
    chosen = chosen or next((f for f in findings if f.status == "open"), findings[0])
    state.select_finding(chosen.id)
    return chosen


def _finding_list(findings: list[FindingRow], current: FindingRow) -> None:
    """Grouped by family; J / K (and the buttons) step through the findings listed."""
    bar = st.columns([5, 4, 4], vertical_alignment="center", gap="small")
    only_open = bar[0].toggle("仅待处理", key="only_open", persist_state="session")
    shown = [f for f in findings if not only_open or f.status == "open" or f.id == current.id]
    ids = [f.id for f in shown]
    pos = ids.index(current.id)
    bar[1].button("上一条", key="prev", icon=":material/keyboard_arrow_up:", shortcut="K", help="快捷键 K",
                  disabled=pos == 0, on_click=state.select_finding, args=(ids[max(pos - 1, 0)],), width="stretch")
    bar[2].button("下一条", key="next", icon=":material/keyboard_arrow_down:", shortcut="J", help="快捷键 J",
                  disabled=pos == len(ids) - 1, on_click=state.select_finding, args=(ids[min(pos + 1, len(ids) - 1)],),
                  width="stretch")
    many = len(shown) > LONG_LIST
    for family, group in groupby(shown, key=lambda f: f.family):
        items = list(group)
        pending = sum(f.status == "open" for f in items)
        label = f"{family_label(family)} · {len(items)} 条" + (f"，{pending} 待处理" if pending else "")
        if not many:
            with st.expander(label, expanded=True):
                for f in items:
                    _finding_line(f, f.id == current.id)
            continue
        # A long list: a family is built only while open (each line costs the browser a rendered button and caption,
        # most of a report's load); the family of the selected finding is opened for it, whichever way it was chosen.
        key = f"fam_{family}"
        if any(f.id == current.id for f in items) and st.session_state.get("_fam_shown") != current.id:
            st.session_state[key] = True
        group_box = st.expander(label, key=key, on_change="rerun")
        if group_box.open:
            with group_box:
                for f in items:
                    _finding_line(f, f.id == current.id)
    st.session_state["_fam_shown"] = current.id


def _finding_line(f: FindingRow, selected: bool) -> None:
    mark = {"accepted": " :green[✓]", "dismissed": " :violet[✗]"}.get(f.status, "")
    st.button(f"{sev_badge(f.severity)} **{f.rule_id}** {md_escape(f.title)}{mark}", key=f"f_{f.id}",
              type="secondary" if selected else "tertiary", on_click=state.select_finding, args=(f.id,))
    st.caption(md_escape(short(f.message, 110)))


TABS = ("原文页面", "证据与更正", "决定记录")
LONG_LIST = 12  # more findings than this: the list shows only the open families


def _detail(store: Store, doc: DocumentRow, f: FindingRow) -> None:
    rule = REGISTRY.get(f.rule_id)
    st.markdown(f"{sev_badge(f.severity)} {status_badge(f.status)} **{f.rule_id}** · {md_escape(f.title)} "
                f":gray[· {family_label(f.family)}]")
    st.markdown(md_escape(f.message))
    if f.expected or f.found:
        st.markdown(f"应为 expected **{md_escape(f.expected or '—')}** · 印为 found **{md_escape(f.found or '—')}**")
    if rule and rule.explanation:
        st.caption("规则说明：" + md_escape(" ".join(rule.explanation.split())))
    _decision_bar(f)
    state.show_flash("decision")
    state.show_flash("correct")
    # Only the open tab is built (the hidden ones cost the browser most of a page load: grids and a form); the
    # choice is kept across findings, so a reviewer correcting value after value stays on the corrections tab.
    page_tab, fix_tab, log_tab = st.tabs(list(TABS), key="detail_tab", on_change="rerun")
    if page_tab.open is not False:
        with page_tab:
            evidence.page_view(store, doc, f)
    if fix_tab.open:
        with fix_tab:
            evidence.evidence_table(f)
            correct.render(store, doc.id, f)
    if log_tab.open:
        with log_tab:
            evidence.decision_log(store, f)


def _decision_bar(f: FindingRow) -> None:
    """One form: Enter in the reason field dismisses (the first submit button), Tab reaches every button; the
    version seen now travels with the click, so a change made meanwhile by someone else is a conflict."""
    if not state.reviewer():
        st.caption(":orange[请先在左侧栏填写审核人姓名：没有审核人，决定不会被记录。]")
    reason_key = f"reason_{f.id}"
    with st.form(key=f"decide_{f.id}", border=True, enter_to_submit=True):
        cols = st.columns([4, 2, 2, 3], vertical_alignment="bottom")
        cols[0].text_input("理由 reason（驳回必填）", key=reason_key, placeholder="误报的原因（回车 = 驳回）")
        buttons: list[tuple[Any, str, str, Literal["primary", "secondary"]]] = [
            (cols[1], "dismiss", ":material/block:", "secondary"), (cols[2], "accept", ":material/check:", "primary"),
            (cols[3], "reopen", ":material/undo:", "secondary")]
        for col, action, icon, kind in buttons:
            col.form_submit_button(ACTIONS[action], key=f"{action}_{f.id}", icon=icon, type=kind, width="stretch",
                                   disabled=_pointless(f, action), on_click=_decide,
                                   args=(f.id, f.version, action, reason_key))


def _pointless(f: FindingRow, action: str) -> bool:
    return {"accept": "accepted", "dismiss": "dismissed", "reopen": "open"}[action] == f.status


def _decide(finding_id: int, seen_version: int, action: str, reason_key: str) -> None:
    """Runs before the next script run; its outcome is left as a message for the detail panel."""
    who, reason = state.reviewer(), str(st.session_state.get(reason_key) or "")
    if not who:
        state.flash("decision", "error", "请先在左侧栏填写审核人姓名（reviewer name）：决定没有记录。")
        return
    if action == "dismiss" and not reason.strip():
        state.flash("decision", "error", "驳回需要理由：请说明为什么这是误报（a dismissal needs a reason）。决定没有记录。")
        return
    store = state.store()
    try:
        row = decide(store, finding_id, seen_version, action, who, reason)
    except ConflictError as exc:
        state.flash("decision", "error", f"冲突 Conflict：这条发现在你打开之后已被他人修改，你的决定没有记录，对方的决定"
                                         f"也没有被覆盖；下面显示的是最新状态，请确认后再决定。（{exc}）")
        return
    except StoreError as exc:
        state.flash("decision", "error", str(exc))
        return
    st.session_state[reason_key] = ""
    state.flash("decision", "toast", f"{row.rule_id} 已{ACTIONS[action]}")
    if action != "reopen":
        state.select_finding(_next_open(store, row))


def _next_open(store: Store, row: FindingRow) -> int:
    """The next open finding after this one in list order (wrapping), or this one when none is left."""
    ids = [(f.id, f.status) for f in ordered(findings_of(store, row.document_id))]
    pos = next((i for i, (fid, _) in enumerate(ids) if fid == row.id), 0)
    after = ids[pos + 1:] + ids[:pos]
    return next((fid for fid, status in after if status == "open"), row.id)


def _audit_trail(store: Store, doc: DocumentRow) -> None:
    trail = history(store, doc.id)
    box = st.expander(f"审计记录 · {len(trail)} 条决定与更正", expanded=False, key="audit_trail", on_change="rerun")
    if not box.open:  # built only when opened: a grid costs the browser more than the rest of the page
        return
    with box:
        if not trail:
            st.caption("还没有决定或更正。")
            return
        st.dataframe([{"时间": when(h.at), "审核人": h.reviewer, "操作": h.what, "理由": h.why}
                      for h in reversed(trail)], hide_index=True, width="stretch")
