"""The review store on real SQLite: migrations, ingest, queue, decisions with version checks, corrections that re-run
the checks, upload jobs that survive a crash."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from budgetlens.corrections import correct, get_path, load_result, record_versions, split_path
from budgetlens.intake import intake_file, recover_interrupted, run_job, stage_upload
from budgetlens.review import QueueFilter, decide, findings_of, history, queue, set_review_status
from budgetlens.settings import Settings
from budgetlens.store import MIGRATIONS, ConflictError, JobRow, Store, StoreError


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", progress=False)


@pytest.fixture
def store(settings: Settings) -> Store:
    s = Store(settings.store_url())
    yield s
    s.close()


@pytest.fixture
def filled(store: Store, settings: Settings, rendered_fixtures: dict) -> dict[str, str]:
    ids = {}
    for key in (("seed002_fa", "yuan"), ("seed001_se", "original")):
        ids[key[0]] = intake_file(store, rendered_fixtures[key][0], settings).document_id
    return ids


def test_migrations_are_named_applied_once_and_wal(store: Store, settings: Settings) -> None:
    db = settings.data_dir / "budgetlens.db"
    con = sqlite3.connect(db)
    names = [r[0] for r in con.execute("select name from _migrations order by name")]
    assert names == [m[0] for m in MIGRATIONS]
    assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    con.close()
    again = Store(settings.store_url())  # reopening applies nothing twice
    assert [r[0] for r in sqlite3.connect(db).execute("select name from _migrations")] == names
    again.close()


def test_a_store_that_cannot_open_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(StoreError, match="BUDGETLENS_DATABASE_URL"):
        Store(f"sqlite:///{tmp_path / 'f' / 'sub' / 'db.sqlite'}")


def test_ingest_and_queue_by_risk(store: Store, filled: dict[str, str], settings: Settings) -> None:
    rows = queue(store)
    assert [r.risk for r in rows] == sorted((r.risk for r in rows), reverse=True)
    fa = next(r for r in rows if r.id == filled["seed002_fa"])
    assert fa.counts.get("warning") == 2 and fa.open_findings == 2
    assert [r.id for r in queue(store, QueueFilter(family="self_evaluation.narrative"))] == [filled["seed001_se"]]
    assert queue(store, QueueFilter(text="no such name")) == []
    assert (settings.files_dir() / f"{filled['seed002_fa']}.pdf").exists()


def test_reingest_keeps_decisions(store: Store, filled: dict[str, str], settings: Settings,
                                  rendered_fixtures: dict) -> None:
    f = findings_of(store, filled["seed002_fa"])[0]
    decide(store, f.id, f.version, "accept", "审核员甲")
    intake_file(store, rendered_fixtures[("seed002_fa", "yuan")][0], settings)
    again = next(x for x in findings_of(store, filled["seed002_fa"]) if x.fingerprint == f.fingerprint)
    assert again.status == "accepted" and again.id == f.id


def test_decisions_are_versioned_and_append_only(store: Store, filled: dict[str, str]) -> None:
    f = findings_of(store, filled["seed002_fa"])[0]
    with pytest.raises(StoreError, match="reason"):
        decide(store, f.id, f.version, "dismiss", "甲")
    with pytest.raises(StoreError, match="name"):
        decide(store, f.id, f.version, "accept", " ")
    decide(store, f.id, f.version, "dismiss", "甲", "非财政拨款结转，属正常")
    with pytest.raises(ConflictError, match="甲"):  # the second reviewer saw the old version
        decide(store, f.id, f.version, "accept", "乙")
    after = next(x for x in findings_of(store, filled["seed002_fa"]) if x.id == f.id)
    assert after.status == "dismissed" and after.version == f.version + 1
    trail = history(store, filled["seed002_fa"])
    assert [(h.reviewer, h.what.split()[0], h.why) for h in trail] == [("甲", "dismiss", "非财政拨款结转，属正常")]
    before = queue(store, QueueFilter(text=""))
    assert next(r for r in before if r.id == filled["seed002_fa"]).review_status == "in_review"
    set_review_status(store, filled["seed002_fa"], "done")
    with pytest.raises(StoreError):
        set_review_status(store, filled["seed002_fa"], "finished")


def test_dismissed_findings_leave_the_risk(store: Store, filled: dict[str, str]) -> None:
    doc = filled["seed002_fa"]
    risk = next(r.risk for r in queue(store) if r.id == doc)
    for f in findings_of(store, doc):
        decide(store, f.id, f.version, "dismiss", "甲", "已核实")
    assert next(r.risk for r in queue(store) if r.id == doc) < risk


def test_paths() -> None:
    assert split_path("rows[3].cells.1.因公出国（境）费/决算数") == ["rows", 3, "cells", "1.因公出国（境）费/决算数"]
    assert split_path("funds.total.executed") == ["funds", "total", "executed"]
    assert get_path({"a": [{"b": 1}]}, "a[0].b") == 1


def test_correction_rechecks_and_reports_the_change(store: Store, filled: dict[str, str]) -> None:
    doc = filled["seed002_fa"]
    result = load_result(store, doc)
    idx, t = next((i, r) for i, r in enumerate(result.records) if getattr(r, "std_name", "") == "收入支出决算总表")
    row = next(i for i, r in enumerate(t.rows) if r.label.endswith("总计") and r.section == "收入")  # type: ignore[union-attr]
    col = next(iter(t.rows[row].cells))  # type: ignore[union-attr]
    path = f"rows[{row}].cells.{col}"
    before = get_path(load_result(store, doc).records[idx].model_dump(mode="json"), path)
    v = record_versions(store, doc)[idx]
    out = correct(store, doc, idx, path, "1,000.00", v, "审核员甲", "试改")
    assert out.appeared and out.record_version == v + 1
    new = findings_of(store, doc)
    assert any(f.rule_id == "FA-010" for f in new)
    with pytest.raises(ConflictError):
        correct(store, doc, idx, path, "2,000.00", v, "审核员乙")
    back = correct(store, doc, idx, path, str(before), v + 1, "审核员甲", "改回")
    assert set(back.disappeared) >= set(out.appeared)
    trail = [h.what for h in history(store, doc)]
    assert len(trail) == 2 and "→ 1000" in trail[0]
    with pytest.raises(StoreError, match="not a number"):
        correct(store, doc, idx, path, "abc", v + 2, "甲")


def test_upload_jobs_and_failed_files(store: Store, settings: Settings, rendered_fixtures: dict, tmp_path: Path) -> None:
    good = stage_upload(store, "甲.pdf", rendered_fixtures[("seed002_fa", "yuan")][0].read_bytes(), settings)
    bad = stage_upload(store, "乙.pdf", b"not a pdf at all", settings)
    assert (ok := run_job(store, good, settings)) is not None and ok.status == "ok"
    out = run_job(store, bad, settings)
    assert out is not None and out.status == "failed" and "PDF" in out.reason
    assert run_job(store, good, settings) is None  # done: a second worker (a retry clicked twice) leaves it alone
    with store.session() as s:
        states = {j.file_name: (j.state, j.reason) for j in s.scalars(select(JobRow))}
    assert states["甲.pdf"][0] == "done" and states["乙.pdf"][0] == "failed" and "PDF" in states["乙.pdf"][1]
    assert any(r.file_name == "乙.pdf" and r.status == "failed" for r in queue(store))


def _uploads_forever(url: str, data_dir: str, pdfs: list[str]) -> None:
    """Child process: the app's upload worker, staging and processing uploads until it is killed mid-way."""
    settings = Settings(data_dir=Path(data_dir), progress=False)
    store = Store(url)
    for n in range(1000):
        pdf = Path(pdfs[n % len(pdfs)])
        run_job(store, stage_upload(store, f"{n}-{pdf.parent.name}.pdf", pdf.read_bytes(), settings), settings)


def test_killed_during_upload_leaves_a_consistent_store(store: Store, settings: Settings,
                                                       rendered_fixtures: dict) -> None:
    pdfs = [str(rendered_fixtures[k][0]) for k in (("seed002_fa", "yuan"), ("seed004_se", "original"))]
    child = multiprocessing.get_context("spawn").Process(
        target=_uploads_forever, args=(settings.store_url(), str(settings.data_dir), pdfs))
    child.start()
    deadline = time.time() + 60
    while time.time() < deadline:  # kill it once one upload is done and the next is being extracted
        with store.session() as s:
            states = [j.state for j in s.scalars(select(JobRow))]
        if "done" in states and states[-1:] == ["running"]:
            break
        time.sleep(0.05)
    os.kill(child.pid or 0, signal.SIGKILL)
    child.join()
    assert recover_interrupted(store) == 1  # the restarted app sees it
    con = sqlite3.connect(settings.data_dir / "budgetlens.db")
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert con.execute("select count(*) from findings where document_id not in (select id from documents)").fetchone()[0] == 0
    jobs = con.execute("select staged_path, state, document_id from jobs order by id").fetchall()
    cut = [j for j in jobs if j[1] == "interrupted"]
    assert len(cut) == 1 and Path(cut[0][0]).exists()  # the upload is kept for a retry
    for _, state, doc in jobs:  # every finished upload is fully there: document, records, findings
        if state == "done":
            assert con.execute("select count(*) from records where document_id = ?", (doc,)).fetchone()[0] > 0
    for (kinds,) in con.execute("select doc_kinds from documents"):
        assert json.loads(kinds)


def test_corrections_survive_a_reread_and_keep_the_field_type(store: Store, filled: dict[str, str], settings: Settings,
                                                              rendered_fixtures: dict) -> None:
    doc = filled["seed002_fa"]
    result = load_result(store, doc)
    idx = next(i for i, r in enumerate(result.records) if getattr(r, "std_name", "") == "收入支出决算总表")
    col = next(iter(result.records[idx].rows[0].cells))  # type: ignore[union-attr]
    path = f"rows[0].cells.{col}"
    correct(store, doc, idx, path, "1,234.50", record_versions(store, doc)[idx], "甲", "核对原件")
    with store.session() as s:
        from budgetlens.store import RecordRow

        stored = s.scalars(select(RecordRow).where(RecordRow.document_id == doc, RecordRow.idx == idx)).one().data
    assert get_path(stored, path) == get_path(result.records[idx].model_dump(mode="json") | {"rows": [
        {"cells": {col: 1234.5}}]}, path)  # the JSON form the record model writes, not the typed text
    intake_file(store, rendered_fixtures[("seed002_fa", "yuan")][0], settings)  # read the file again
    again = load_result(store, doc).records[idx]
    assert str(again.rows[0].cells[col]) in ("1234.5", "1234.50")  # type: ignore[union-attr]


def test_a_decision_that_changes_nothing_is_refused(store: Store, filled: dict[str, str]) -> None:
    f = findings_of(store, filled["seed002_fa"])[0]
    with pytest.raises(StoreError, match="already open"):
        decide(store, f.id, f.version, "reopen", "甲")


def test_an_older_store_is_migrated_forward(store: Store, settings: Settings) -> None:
    db = settings.data_dir / "budgetlens.db"
    con = sqlite3.connect(db)
    con.execute("ALTER TABLE jobs DROP COLUMN worker_pid")  # as a store made before m004 looks
    con.execute("DELETE FROM _migrations WHERE name = 'm004_job_worker'")
    con.commit()
    con.close()
    again = Store(settings.store_url())
    cols = [r[1] for r in sqlite3.connect(db).execute("pragma table_info(jobs)")]
    assert "worker_pid" in cols and "worker_started" in cols
    again.close()


def test_recovery_leaves_a_live_worker_alone(store: Store, settings: Settings, rendered_fixtures: dict) -> None:
    job = stage_upload(store, "x.pdf", rendered_fixtures[("seed002_fa", "yuan")][0].read_bytes(), settings)
    with store.session() as s:
        row = s.get(JobRow, job)
        row.state, row.worker_pid = "running", os.getpid()  # type: ignore[union-attr]
    assert recover_interrupted(store) == 0
    with store.session() as s:
        s.get(JobRow, job).worker_pid = 2**22 + 12345  # type: ignore[union-attr]  # no such process
    assert recover_interrupted(store) == 1


def test_a_worker_pid_taken_by_another_process_after_a_restart_is_not_alive(store: Store, settings: Settings) -> None:
    """In a restarted container the old worker's pid may belong to a new process (or to a thread of the new app):
    the process start time tells them apart."""
    from budgetlens.intake import assign_worker, started

    me = started(os.getpid())
    assert me is not None and me.isdigit()
    ids = [stage_upload(store, f"{n}.pdf", f"%PDF-1.4 {n}".encode(), settings) for n in range(2)]
    assign_worker(store, ids, os.getpid())  # records this process's start time: a live worker
    with store.session() as s:
        s.get(JobRow, ids[1]).worker_started = str(int(me) - 1)  # type: ignore[union-attr]  # same pid, earlier process
    assert recover_interrupted(store) == 1
    with store.session() as s:
        assert [s.get(JobRow, i).state for i in ids] == ["queued", "interrupted"]  # type: ignore[union-attr]


def test_queued_jobs_no_worker_will_run_are_interrupted_and_can_be_requeued(store: Store, settings: Settings) -> None:
    from budgetlens.intake import STAGING_GRACE, assign_worker, requeue
    from budgetlens.store import now

    dead = 2**22 + 12345  # no such process
    ids = [stage_upload(store, f"{n}.pdf", f"%PDF-1.4 {n}".encode(), settings) for n in range(4)]
    assign_worker(store, ids[:2], os.getpid())  # a live worker's batch
    assign_worker(store, ids[2:3], dead)  # a batch whose worker died with the app
    # ids[3]: just staged, its worker not started yet
    assert recover_interrupted(store) == 1
    with store.session() as s:
        s.get(JobRow, ids[3]).updated_at = now() - STAGING_GRACE * 2  # type: ignore[union-attr]  # never started
    assert recover_interrupted(store) == 1

    def states() -> list[str]:
        with store.session() as s:
            return [s.get(JobRow, i).state for i in ids]  # type: ignore[union-attr]

    assert states() == ["queued", "queued", "interrupted", "interrupted"]
    requeue(store, ids)  # only the interrupted ones go back in the queue, without a worker until one is named
    with store.session() as s:
        assert [(s.get(JobRow, i).state, s.get(JobRow, i).worker_pid) for i in ids[2:]] == [("queued", None)] * 2  # type: ignore[union-attr]
    assert recover_interrupted(store) == 0  # inside the grace again: the app is starting their worker
    assign_worker(store, ids[2:], dead)
    assert recover_interrupted(store) == 2 and states()[2:] == ["interrupted", "interrupted"]
