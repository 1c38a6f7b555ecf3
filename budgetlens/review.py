"""What the review app and `budgetlens run` do with the store: ingest a checked document, list the queue, record
decisions. Kept out of Streamlit so that it is tested directly and the app stays a thin view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from budgetlens.store import (
    ConflictError,
    DecisionRow,
    DocumentRow,
    FindingRow,
    RecordRow,
    Store,
    StoreError,
    now,
)
from checks.corpus import CorpusQuery
from checks.engine import Config, load_config, run_checks
from checks.model import Finding
from checks.registry import REGISTRY
from extraction.records import ExtractionResult

ACTIONS = {"accept": "accepted", "dismiss": "dismissed", "reopen": "open"}
REVIEW_STATUSES = ("open", "in_review", "done")


def risk_of(findings: list[FindingRow], config: Config) -> float:
    """The queue's rank: Σ weight[severity] over the active findings a reviewer has not dismissed."""
    return sum(float(config.risk_weights.get(f.severity, 0)) for f in findings if f.active and f.status != "dismissed")


def ingest(store: Store, result: ExtractionResult, pdf_path: str | None, config: Config | None = None,
           corpus: CorpusQuery | None = None) -> list[Finding]:
    """Store one extracted document, its records and its findings (re-ingesting the same file replaces the records
    and keeps the decisions made on findings that are still there)."""
    config = config or load_config()
    findings = run_checks(result, config, corpus) if result.status != "failed" else []
    d = result.document
    with store.session() as s:
        row = s.get(DocumentRow, d.id) or DocumentRow(id=d.id, created_at=now())
        row.file_name, row.pdf_path, row.department, row.region = d.file_name, pdf_path, d.department, d.region
        row.fiscal_year, row.doc_kinds, row.pages, row.status = d.fiscal_year, list(d.doc_kinds), d.pages, result.status
        row.issues = [i.model_dump(mode="json") for i in result.issues]
        row.document, row.updated_at = d.model_dump(mode="json"), now()
        s.add(row)
        s.flush()
        for old in s.scalars(select(RecordRow).where(RecordRow.document_id == d.id)):
            s.delete(old)
        for i, r in enumerate(result.records):
            s.add(RecordRow(document_id=d.id, idx=i, kind=r.kind, data=r.model_dump(mode="json")))
        s.flush()
        if reapply_corrections(s, d.id):  # a re-read must not undo what reviewers corrected
            from budgetlens.corrections import stored_result

            findings = run_checks(stored_result(s, d.id), config, corpus)
        sync_findings(s, d.id, findings, config)
    return findings


def recheck_documents(store: Store, document_ids: list[str], config: Config, corpus: CorpusQuery | None) -> int:
    """Run the checks again on stored documents (their corrected records); returns how many findings appeared."""
    from budgetlens.corrections import stored_result

    appeared = 0
    for doc_id in document_ids:
        with store.session() as s:
            new, _ = sync_findings(s, doc_id, run_checks(stored_result(s, doc_id), config, corpus), config)
            appeared += len(new)
    return appeared


def reapply_corrections(s: Any, document_id: str) -> int:
    """Apply the latest correction of every (record, field) again after a re-read; returns how many applied. A
    correction whose field no longer exists stays in the history and is reported by the export."""
    from budgetlens.corrections import apply_value
    from budgetlens.store import CorrectionRow

    latest: dict[tuple[int, str], CorrectionRow] = {}
    for c in s.scalars(select(CorrectionRow).where(CorrectionRow.document_id == document_id).order_by(CorrectionRow.id)):
        latest[(c.record_idx, c.path)] = c
    applied = 0
    records = {r.idx: r for r in s.scalars(select(RecordRow).where(RecordRow.document_id == document_id))}
    for (idx, path), c in latest.items():
        rec = records.get(idx)
        if rec is not None and apply_value(rec, path, c.new):
            applied += 1
    return applied


def sync_findings(s: Any, document_id: str, findings: list[Finding], config: Config) -> tuple[list[str], list[str]]:
    """Make the stored findings match a check run: new ones appear, gone ones turn inactive (their decisions stay in
    the history), the rest keep their status. Returns (appeared, disappeared) fingerprints."""
    stored = {f.fingerprint: f for f in s.scalars(select(FindingRow).where(FindingRow.document_id == document_id))}
    fresh = {f.fingerprint: f for f in findings}
    appeared, gone = [], []
    for fp, f in fresh.items():
        row = stored.get(fp)
        if row is None:
            row = FindingRow(document_id=document_id, fingerprint=fp, status="open", version=1, first_seen=now())
            s.add(row)
        if row is not None and (row.id is None or not row.active):
            appeared.append(fp)
        _fill(row, f)
    for fp, row in stored.items():
        if fp not in fresh and row.active:
            row.active, row.version = False, row.version + 1
            gone.append(fp)
    s.flush()
    doc = s.get(DocumentRow, document_id)
    if doc is not None:
        doc.risk = risk_of(list(s.scalars(select(FindingRow).where(FindingRow.document_id == document_id))), config)
    return appeared, gone


def _fill(row: FindingRow, f: Finding) -> None:
    rule = REGISTRY.get(f.rule_id)
    row.rule_id, row.family, row.severity, row.title = f.rule_id, rule.family if rule else "", f.severity, f.title
    row.message, row.expected, row.found = f.message, f.expected, f.found
    row.evidence = [e.model_dump(mode="json") for e in f.evidence]
    row.active, row.last_seen = True, now()


@dataclass
class QueueRow:
    id: str
    file_name: str
    department: str | None
    region: str | None
    fiscal_year: int | None
    doc_kinds: list[str]
    status: str
    review_status: str
    risk: float
    counts: dict[str, int] = field(default_factory=dict)  # active, undismissed findings by severity
    open_findings: int = 0
    families: list[str] = field(default_factory=list)


@dataclass
class QueueFilter:
    text: str = ""
    region: str | None = None
    department: str | None = None
    fiscal_year: int | None = None
    doc_kind: str | None = None
    family: str | None = None
    severity: str | None = None
    review_status: str | None = None


def queue(store: Store, flt: QueueFilter | None = None) -> list[QueueRow]:
    """Reports ranked by risk (highest first), with their counts; filters narrow it."""
    flt = flt or QueueFilter()
    with store.session() as s:
        docs = list(s.scalars(select(DocumentRow).order_by(DocumentRow.risk.desc(), DocumentRow.file_name)))
        rows = s.execute(select(FindingRow.document_id, FindingRow.severity, FindingRow.family, FindingRow.status,
                                func.count()).where(FindingRow.active.is_(True))
                         .group_by(FindingRow.document_id, FindingRow.severity, FindingRow.family, FindingRow.status)).all()
    out = []
    for d in docs:
        mine = [r for r in rows if r[0] == d.id and r[3] != "dismissed"]
        q = QueueRow(d.id, d.file_name, d.department, d.region, d.fiscal_year, list(d.doc_kinds), d.status,
                     d.review_status, d.risk, families=sorted({r[2] for r in mine}))
        for _, sev, _, status, n in mine:
            q.counts[sev] = q.counts.get(sev, 0) + n
            q.open_findings += n if status == "open" else 0
        if _keep(q, flt, mine):
            out.append(q)
    return out


def _keep(q: QueueRow, flt: QueueFilter, mine: list[Any]) -> bool:
    checks = [
        not flt.text or flt.text.lower() in f"{q.file_name} {q.department or ''}".lower(),
        flt.region is None or q.region == flt.region,
        flt.department is None or q.department == flt.department,
        flt.fiscal_year is None or q.fiscal_year == flt.fiscal_year,
        flt.doc_kind is None or flt.doc_kind in q.doc_kinds,
        flt.family is None or any(r[2] == flt.family for r in mine),
        flt.severity is None or any(r[1] == flt.severity for r in mine),
        flt.review_status is None or q.review_status == flt.review_status,
    ]
    return all(checks)


def findings_of(store: Store, document_id: str, include_inactive: bool = False) -> list[FindingRow]:
    order = {"error": 0, "warning": 1, "info": 2}
    with store.session() as s:
        q = select(FindingRow).where(FindingRow.document_id == document_id)
        if not include_inactive:
            q = q.where(FindingRow.active.is_(True))
        rows = list(s.scalars(q))
    return sorted(rows, key=lambda f: (f.family, order.get(f.severity, 3), f.rule_id, f.id))


def decide(store: Store, finding_id: int, seen_version: int, action: str, reviewer: str, reason: str = "") -> FindingRow:
    """Accept (a real problem), dismiss (a false alarm: the reason is required) or reopen a finding, if nobody else
    changed it since `seen_version`."""
    if action not in ACTIONS:
        raise StoreError(f"unknown decision {action!r}; use one of {', '.join(ACTIONS)}")
    if not reviewer.strip():
        raise StoreError("say who you are: a decision needs the reviewer's name")
    if action == "dismiss" and not reason.strip():
        raise StoreError("a dismissal needs a reason (why is this a false alarm?)")
    with store.session() as s:
        before = s.get(FindingRow, finding_id)
        if before is not None and before.version == seen_version and before.status == ACTIONS[action]:
            raise StoreError(f"this finding is already {before.status}; nothing to record")
        n = s.query(FindingRow).filter(FindingRow.id == finding_id, FindingRow.version == seen_version).update(
            {FindingRow.status: ACTIONS[action], FindingRow.version: FindingRow.version + 1})
        if n == 0:
            current = s.get(FindingRow, finding_id)
            if current is None:
                raise StoreError(f"finding {finding_id} does not exist")
            who = s.scalars(select(DecisionRow).where(DecisionRow.finding_id == finding_id)
                            .order_by(DecisionRow.id.desc())).first()
            by = f" by {who.reviewer} at {who.at:%H:%M:%S}" if who else ""
            raise ConflictError(f"this finding was changed{by} (now “{current.status}”) after you opened it; "
                                "reload to see the change, then decide again")
        row = s.get(FindingRow, finding_id)
        assert row is not None
        s.add(DecisionRow(finding_id=finding_id, document_id=row.document_id, fingerprint=row.fingerprint,
                          action=action, reason=reason.strip(), reviewer=reviewer.strip(), at=now()))
        doc = s.get(DocumentRow, row.document_id)
        if doc is not None:
            doc.risk = risk_of(list(s.scalars(select(FindingRow).where(FindingRow.document_id == doc.id))),
                               load_config())
            doc.review_status = "in_review" if doc.review_status == "open" else doc.review_status
        s.flush()
        return row


def set_review_status(store: Store, document_id: str, status: str) -> None:
    if status not in REVIEW_STATUSES:
        raise StoreError(f"unknown review status {status!r}; use one of {', '.join(REVIEW_STATUSES)}")
    with store.session() as s:
        doc = s.get(DocumentRow, document_id)
        if doc is None:
            raise StoreError(f"document {document_id[:12]} is not in the store")
        doc.review_status, doc.updated_at = status, now()


@dataclass
class HistoryEntry:
    at: datetime
    reviewer: str
    what: str
    why: str


def history(store: Store, document_id: str) -> list[HistoryEntry]:
    """The audit trail of one document: every decision and correction, oldest first."""
    from budgetlens.store import CorrectionRow

    with store.session() as s:
        ds = list(s.scalars(select(DecisionRow).where(DecisionRow.document_id == document_id)))
        cs = list(s.scalars(select(CorrectionRow).where(CorrectionRow.document_id == document_id)))
        rules = {f.id: f.rule_id for f in s.scalars(select(FindingRow).where(FindingRow.document_id == document_id))}
    out = [HistoryEntry(d.at, d.reviewer, f"{d.action} {rules.get(d.finding_id, '')}", d.reason) for d in ds]
    out += [HistoryEntry(c.at, c.reviewer, f"correct record[{c.record_idx}].{c.path}: {c.old} → {c.new}", c.reason)
            for c in cs]
    return sorted(out, key=lambda h: h.at)
