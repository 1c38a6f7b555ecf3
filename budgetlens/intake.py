"""One file into the store: keep a copy of the PDF, extract, check, store (one transaction). Used by `budgetlens run`
and by the app's upload; a file that cannot be read is stored as failed with its reason, never dropped."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from budgetlens.corpus_setup import corpus_if_present
from budgetlens.review import ingest
from budgetlens.settings import Settings
from budgetlens.store import Store
from checks.engine import Config
from extraction.errors import BudgetlensError
from extraction.pipeline import extract_file
from extraction.records import ExtractionResult, Issue, decide_status

if TYPE_CHECKING:
    from vectorstore.corpus import Corpus


@dataclass
class Intake:
    document_id: str
    file_name: str
    status: str  # ok | partial | failed
    findings: int
    reason: str = ""


def keep_copy(path: Path, sha256: str, files_dir: Path) -> Path | None:
    """Copy the PDF to files_dir/<sha256>.pdf, named by the hash extraction already took (no second read to hash);
    written to a temporary name and renamed, so a crash leaves no half file."""
    target = files_dir / f"{sha256}.pdf"
    if target.exists():
        return target
    files_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=files_dir, suffix=".part")
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return None
    os.replace(tmp, target)
    return target


def intake_file(store: Store, path: Path, settings: Settings, config: Config | None = None,
                file_name: str | None = None, corpus: Corpus | None = None) -> Intake:
    """With a corpus, the document joins it before its checks run (the rules never match it against itself)."""
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    result = extract_file(path, max_pages=settings.max_pages, max_bytes=max_bytes)
    copy = keep_copy(path, result.document.id, settings.files_dir()) if result.status != "failed" else None
    result.document.file_name = file_name or path.name
    if not result.document.id:
        result.document.id = hashlib.sha256(str(path).encode()).hexdigest()  # unreadable: keyed by its path
    if corpus is not None and result.status != "failed":
        _index(corpus, result)
    findings = ingest(store, result, str(copy) if copy else None, config, corpus)
    reason = "; ".join(i.message for i in result.issues if i.severity == "error") if result.status == "failed" else ""
    reason = reason.replace(str(path), result.document.file_name)  # the reviewer's file name, not our staging path
    return Intake(result.document.id, result.document.file_name, result.status, len(findings), reason)


def _index(corpus: Corpus, result: ExtractionResult) -> None:
    """A corpus that cannot take the document costs the boilerplate rules, not the document: it is stored with the
    reason among its issues."""
    try:
        corpus.index(result)
    except BudgetlensError as exc:
        issue = Issue(code="corpus_unavailable", severity="warning", message=f"not indexed in the corpus of past "
                      f"reports, the boilerplate rules did not run: {exc}")
        result.issues.append(issue)
        result.status = decide_status(result.issues, bool(result.records))


def stage_upload(store: Store, name: str, data: bytes, settings: Settings) -> int:
    """Keep the uploaded bytes on disk and queue a job for them (before any parsing: a crash loses nothing)."""
    from budgetlens.store import JobRow

    staging = settings.data_dir / "uploads"
    staging.mkdir(parents=True, exist_ok=True)
    target = staging / f"{hashlib.sha256(data).hexdigest()[:16]}-{Path(name).name}"
    fd, tmp = tempfile.mkstemp(dir=staging, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)
    with store.session() as s:
        job = JobRow(file_name=Path(name).name, staged_path=str(target), state="queued")
        s.add(job)
        s.flush()
        return job.id


def run_job(store: Store, job_id: int, settings: Settings, config: Config | None = None) -> Intake | None:
    """Process one queued upload; its state tells the app (and a restarted app) where it got to. None when the job is
    not queued (any more): another worker took it, as after a retry clicked twice, and it must not be run twice."""
    from sqlalchemy import update
    from sqlalchemy.engine import CursorResult

    from budgetlens.store import JobRow, now

    with store.session() as s:  # queued → running in one UPDATE: of two workers, one claims the job
        claim = update(JobRow).where(JobRow.id == job_id, JobRow.state == "queued")
        me = os.getpid()
        res = s.execute(claim.values(state="running", updated_at=now(), worker_pid=me, worker_started=started(me)))
        taken = cast("CursorResult[Any]", res).rowcount
        job = s.get(JobRow, job_id)
        if job is None:
            raise ValueError(f"no upload job {job_id}")
        if not taken:
            return None
        path, name = Path(job.staged_path), job.file_name
    try:
        out = intake_file(store, path, settings, config, file_name=name, corpus=corpus_if_present(settings))
        state, reason = ("failed", out.reason) if out.status == "failed" else ("done", "")
    except Exception as exc:  # noqa: BLE001 - one bad upload must not stop the others
        out = Intake("", name, "failed", 0, f"{type(exc).__name__}: {exc}")
        state, reason = "failed", out.reason
    with store.session() as s:
        job = s.get(JobRow, job_id)
        if job is not None:
            job.state, job.reason, job.document_id, job.updated_at = state, reason, out.document_id or None, now()
    return out


def assign_worker(store: Store, job_ids: list[int], pid: int) -> None:
    """Name the worker process that will run these queued jobs, so that a restarted app can tell a batch still being
    worked through from one whose worker died with the app."""
    from budgetlens.store import JobRow

    with store.session() as s:
        for job in s.query(JobRow).filter(JobRow.id.in_(job_ids), JobRow.state == "queued"):
            job.worker_pid, job.worker_started = pid, started(pid)


def requeue(store: Store, job_ids: list[int]) -> None:
    """Interrupted jobs back in the queue for a retry (their worker is named by `assign_worker` right after)."""
    from budgetlens.store import JobRow, now

    with store.session() as s:
        for job in s.query(JobRow).filter(JobRow.id.in_(job_ids), JobRow.state == "interrupted"):
            job.state, job.worker_pid, job.worker_started, job.updated_at = "queued", None, None, now()


STAGING_GRACE = timedelta(seconds=60)  # a job just staged has no worker yet: the app is about to start one


def recover_interrupted(store: Store) -> int:
    """Jobs that no live worker will finish — running or still queued when the app (and its worker) was killed — are
    marked interrupted, their staged files kept for a retry. Cheap: the app runs it at start and while it polls."""
    from budgetlens.store import JobRow, now

    n = 0
    with store.session() as s:
        for job in s.query(JobRow).filter(JobRow.state.in_(("running", "queued"))):
            if job.worker_pid and _alive(job.worker_pid, job.worker_started):
                continue
            if not job.worker_pid and job.state == "queued" and now() - _aware(job.updated_at) < STAGING_GRACE:
                continue
            job.state, job.updated_at = "interrupted", now()
            n += 1
    return n


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)  # SQLite hands the stored UTC back without its zone


def _alive(pid: int, started_at: str | None = None) -> bool:
    """Is the process that took the job still running? Not just "is the pid in use": after a restart (a container's
    pids start over) the pid may be another process, or a thread of the new app."""
    try:
        os.kill(pid, 0)
        ours = True
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: our workers run as us
        ours = False
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():  # a killed child not yet reaped is a zombie, not alive
        fields = stat.read_text().rsplit(") ", 1)[-1].split()
        return ours and fields[0] != "Z" and (started_at is None or started_at == (fields[19:20] or [""])[0])
    return ours


def started(pid: int) -> str | None:
    """When the process started (field 22 of /proc/<pid>/stat, clock ticks since boot); None without /proc."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[-1].split()[19]
    except (OSError, IndexError):
        return None
