"""Upload PDFs: each file is staged and queued at once (a crash loses nothing), a worker process extracts and checks
them while the page stays responsive, and the job list (from the store, so a reload or a colleague sees it too) polls
until every job is done, failed with its reason, or interrupted."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, datetime

import streamlit as st

from budgetlens.intake import assign_worker, recover_interrupted, requeue, stage_upload
from budgetlens.settings import get_settings
from budgetlens.store import JobRow, Store
from review_app import queries, state
from review_app.views.common import md_escape, when

STATES = {"queued": "排队中 queued", "running": "处理中 running", "done": "完成 done", "failed": "失败 failed",
          "interrupted": "中断 interrupted"}
ACTIVE = ("queued", "running")


@st.cache_resource(show_spinner=False)
def _workers() -> list[subprocess.Popen[bytes]]:
    """Worker processes started by this app process (polled so that finished ones are reaped)."""
    return []


def start_worker(store: Store, job_ids: list[int]) -> None:
    """One worker per batch: files are processed one after another, several batches run side by side. The jobs carry
    the worker's pid, so that a restarted app knows which of them nobody will finish."""
    settings = get_settings()
    log = settings.data_dir / "uploads" / "worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "review_app.views.worker", store.url, *map(str, job_ids)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    assign_worker(store, job_ids, proc.pid)
    workers = _workers()
    workers[:] = [p for p in workers if p.poll() is None] + [proc]


def render(store: Store) -> None:
    st.subheader("上传 PDF", anchor=False)
    gen = st.session_state.get("_upload_gen", 0)
    files = st.file_uploader("部门决算、绩效自评表、绩效评价报告（可多选）", type=["pdf"], accept_multiple_files=True,
                             key=f"uploader_{gen}")
    if files:
        settings = get_settings()
        ids = [stage_upload(store, f.name, f.getvalue(), settings) for f in files]
        start_worker(store, ids)
        st.session_state["_upload_gen"] = gen + 1  # an empty uploader for the next batch
        st.rerun()
    state.show_flash("upload")
    jobs = queries.jobs(store)
    if any(j.state in ACTIVE for j in jobs):
        _live_jobs(store)
    else:
        _jobs(store)


@st.fragment(run_every=1.0)
def _live_jobs(store: Store) -> None:
    """Re-drawn every second while a job is queued or running; one full rerun when the last one ends. A worker that
    died meanwhile (killed, out of memory) leaves its jobs interrupted, not polled for ever."""
    recover_interrupted(store)
    jobs = _jobs(store)
    if not any(j.state in ACTIVE for j in jobs):
        st.rerun()


def _jobs(store: Store) -> list[JobRow]:
    jobs = queries.jobs(store)
    if not jobs:
        st.caption("还没有上传任务。")
        return jobs
    counts = {s: sum(j.state == s for j in jobs) for s in STATES}
    cut = [j.id for j in jobs if j.state == "interrupted"]
    head, side = st.columns([5, 1], vertical_alignment="center")
    head.markdown("**上传任务** " + " · ".join(f"{STATES[s].split()[0]} {n}" for s, n in counts.items() if n))
    if len(cut) > 1:  # after a crash a whole batch may be cut off: one click, not one per file
        side.button("全部重试", key="jobs_retry_all", icon=":material/replay:", on_click=_retry, args=(sorted(cut),),
                    help="应用被中断时这些文件正在处理或排队；文件都已保存，可以重新处理", width="stretch")
    with st.container(border=True):
        for j in jobs[:50]:
            _job_line(j)
    return jobs


def _job_line(j: JobRow) -> None:
    cols = st.columns([4, 3, 6], vertical_alignment="center")
    cols[0].markdown(f"**{md_escape(j.file_name)}**  \n:gray[#{j.id} · {when(j.created_at)}]")
    with cols[1]:
        if j.state in ACTIVE:
            value, text = progress(j)
            st.progress(value, text=text)
        else:
            colour = {"done": "green", "failed": "red"}.get(j.state, "orange")
            st.markdown(f":{colour}-badge[{STATES.get(j.state, j.state)}]")
    with cols[2]:
        if j.state == "done" and j.document_id:
            st.button("打开报告", key=f"job_open_{j.id}", icon=":material/open_in_new:", on_click=state.go,
                      args=("report", j.document_id, None))
        elif j.state == "failed":
            reason = queries.without_paths((j.reason or "未知错误").replace(j.staged_path, j.file_name))
            st.markdown(f":red[原因：{md_escape(reason)}]")
        elif j.state == "interrupted":
            st.button("重试", key=f"job_retry_{j.id}", icon=":material/replay:", on_click=_retry, args=([j.id],),
                      help="应用被中断时这个文件正在处理；文件已保存，可以重新处理")


def progress(j: JobRow) -> tuple[float, str]:
    """A job reports no progress inside a file: running moves on with the elapsed time and stops short of full."""
    if j.state == "running":
        started = j.updated_at if j.updated_at.tzinfo else j.updated_at.replace(tzinfo=UTC)
        secs = max(0.0, (datetime.now(UTC) - started).total_seconds())
        return min(0.95, 0.1 + 0.85 * (1 - math.exp(-secs / 20))), f"{STATES['running']} · {secs:.0f} s"
    return {"queued": 0.0, "done": 1.0, "failed": 1.0}.get(j.state, 0.0), STATES.get(j.state, j.state)


def _retry(job_ids: list[int]) -> None:
    """Back in the queue first (a retried job is not interrupted any more), then a worker for them."""
    store = state.store()
    requeue(store, job_ids)
    start_worker(store, job_ids)
    names = f"任务 #{job_ids[0]}" if len(job_ids) == 1 else f"{len(job_ids)} 个任务"
    state.flash("upload", "toast", f"{names}已重新开始")

