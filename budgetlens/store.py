"""The review store: documents, their records and findings, and the append-only history of what reviewers decided and
corrected. SQLAlchemy 2 on SQLite (WAL) by default, any SQLAlchemy URL (PostgreSQL) through BUDGETLENS_DATABASE_URL.

Two reviewers editing the same finding or value must not silently overwrite each other: findings and records carry a
`version`, every write says which version it saw, and a write against a newer version raises `ConflictError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from extraction.errors import BudgetlensError


class StoreError(BudgetlensError):
    """The store cannot be opened or written."""


class ConflictError(StoreError):
    """Somebody else changed this finding or value since you loaded it."""


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the file
    file_name: Mapped[str] = mapped_column(String(500))
    pdf_path: Mapped[str | None] = mapped_column(Text, nullable=True)  # the stored copy the app renders
    department: Mapped[str | None] = mapped_column(String(300), nullable=True)
    region: Mapped[str | None] = mapped_column(String(100), nullable=True)
    fiscal_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    doc_kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))  # extraction: ok | partial | failed
    issues: Mapped[list[Any]] = mapped_column(JSON, default=list)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # the Document record as extracted
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    review_status: Mapped[str] = mapped_column(String(20), default="open")  # open | in_review | done
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class RecordRow(Base):
    __tablename__ = "records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)  # position in the extraction result
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the record, corrections applied
    version: Mapped[int] = mapped_column(Integer, default=1)


class FindingRow(Base):
    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(32), index=True)
    rule_id: Mapped[str] = mapped_column(String(20))
    family: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    expected: Mapped[str | None] = mapped_column(Text, nullable=True)
    found: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # present in the latest check run
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | accepted | dismissed
    version: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class DecisionRow(Base):
    """Append-only: who decided what about a finding, when and why."""
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[str] = mapped_column(String(64), index=True)
    fingerprint: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(20))  # accept | dismiss | reopen
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class CorrectionRow(Base):
    """Append-only: a value changed in a record, with the value before and after."""
    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(64), index=True)
    record_idx: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(300))
    old: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON text of the value before
    new: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class JobRow(Base):
    """An upload being processed: queued → running → done | failed; a job found running when the app starts was cut
    off (the app was killed) and is marked interrupted, its file kept for a retry."""
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(500))
    staged_path: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="queued")  # queued | running | done | failed | interrupted
    reason: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    worker_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)  # m004: who is running it
    # m005: when that process started (/proc ticks since boot): a pid reused after a restart is another process
    worker_started: Mapped[str | None] = mapped_column(String(40), nullable=True)


class MigrationRow(Base):
    __tablename__ = "_migrations"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


# Named, ordered migrations (simonw/llm style): each runs once, in order, and is recorded by name.
def _m001_initial(conn: Any) -> None:
    names = ("documents", "records", "findings", "decisions", "corrections")
    Base.metadata.create_all(conn, tables=[Base.metadata.tables[n] for n in names])


def _m002_finding_lookup(conn: Any) -> None:
    conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS ix_findings_doc_fp ON findings (document_id, fingerprint)"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_documents_risk ON documents (risk)"))


def _m003_upload_jobs(conn: Any) -> None:
    conn.execute(text(
        "CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, file_name VARCHAR(500) NOT NULL, "
        "staged_path TEXT NOT NULL, state VARCHAR(20) NOT NULL, reason TEXT NOT NULL, document_id VARCHAR(64), "
        "created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)"
        if conn.dialect.name == "sqlite" else
        "CREATE TABLE IF NOT EXISTS jobs (id SERIAL PRIMARY KEY, file_name VARCHAR(500) NOT NULL, staged_path TEXT "
        "NOT NULL, state VARCHAR(20) NOT NULL, reason TEXT NOT NULL, document_id VARCHAR(64), created_at TIMESTAMPTZ "
        "NOT NULL, updated_at TIMESTAMPTZ NOT NULL)"))


def _m004_job_worker(conn: Any) -> None:
    conn.execute(text("ALTER TABLE jobs ADD COLUMN worker_pid INTEGER"))


def _m005_job_worker_started(conn: Any) -> None:
    conn.execute(text("ALTER TABLE jobs ADD COLUMN worker_started VARCHAR(40)"))


MIGRATIONS = [("m001_initial", _m001_initial), ("m002_finding_lookup", _m002_finding_lookup),
              ("m003_upload_jobs", _m003_upload_jobs), ("m004_job_worker", _m004_job_worker),
              ("m005_job_worker_started", _m005_job_worker_started)]


def migrate(engine: Engine) -> list[str]:
    """Apply the migrations not yet recorded; returns the names applied now."""
    MigrationRow.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    done: list[str] = []
    with engine.begin() as conn:
        applied = set(conn.execute(select(MigrationRow.name)).scalars())
        for name, step in MIGRATIONS:
            if name not in applied:
                step(conn)
                conn.execute(MigrationRow.__table__.insert().values(name=name, applied_at=now()))  # type: ignore[attr-defined]
                done.append(name)
    return done


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (the app) never block the writer (an upload)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def open_engine(url: str) -> Engine:
    """An engine on `url` with the migrations applied; a sqlite file's folder is created."""
    try:
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, json_serializer=lambda o: json.dumps(o, ensure_ascii=False, default=str))
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        migrate(engine)
    except Exception as exc:  # noqa: BLE001 - any driver error becomes one message the user can act on
        raise StoreError(f"cannot open the review store at {url}: {exc}; check BUDGETLENS_DATABASE_URL or "
                         "BUDGETLENS_DATA_DIR") from exc
    return engine


class Store:
    """One store = one engine; sessions are short and per operation."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = open_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    def close(self) -> None:
        self.engine.dispose()
