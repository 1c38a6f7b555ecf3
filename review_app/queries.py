"""Read-only look-ups the app needs that the service layer (budgetlens.review / corrections) does not offer; each is one
short session, so the app never holds a transaction open across a rerun."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from budgetlens.store import DecisionRow, DocumentRow, FindingRow, JobRow, RecordRow, Store


def document(store: Store, document_id: str) -> DocumentRow | None:
    with store.session() as s:
        return s.get(DocumentRow, document_id)


def documents(store: Store) -> dict[str, DocumentRow]:
    """Every document by id (the queue needs the failure reasons, the pickers the names)."""
    with store.session() as s:
        rows = s.scalars(select(DocumentRow).order_by(DocumentRow.risk.desc(), DocumentRow.file_name))
        return {d.id: d for d in rows}


@dataclass
class FilterOptions:
    regions: list[str]
    departments: list[str]
    years: list[int]
    kinds: list[str]
    families: list[str]


def filter_options(store: Store) -> FilterOptions:
    """The values the queue filters offer: only what the store holds."""
    with store.session() as s:
        docs = list(s.execute(select(DocumentRow.region, DocumentRow.department, DocumentRow.fiscal_year,
                                     DocumentRow.doc_kinds)).all())
        families = sorted(set(s.scalars(select(FindingRow.family).where(FindingRow.active.is_(True)))) - {""})
    return FilterOptions(
        regions=sorted({d[0] for d in docs if d[0]}),
        departments=sorted({d[1] for d in docs if d[1]}),
        years=sorted({d[2] for d in docs if d[2]}, reverse=True),
        kinds=sorted({k for d in docs for k in (d[3] or [])}),
        families=families,
    )


def decisions_of(store: Store, finding_id: int) -> list[DecisionRow]:
    """One finding's decision history, oldest first."""
    with store.session() as s:
        return list(s.scalars(select(DecisionRow).where(DecisionRow.finding_id == finding_id).order_by(DecisionRow.id)))


def by_fingerprint(store: Store, document_id: str, fingerprints: list[str]) -> list[FindingRow]:
    """The findings a correction made appear or disappear (inactive ones included), to name them by rule."""
    if not fingerprints:
        return []
    with store.session() as s:
        rows = s.scalars(select(FindingRow).where(FindingRow.document_id == document_id,
                                                  FindingRow.fingerprint.in_(fingerprints)))
        return sorted(rows, key=lambda f: (f.rule_id, f.id))


def record(store: Store, document_id: str, idx: int) -> RecordRow | None:
    """One record as stored now (corrections applied) with its version, which a correction must quote."""
    with store.session() as s:
        return s.scalars(select(RecordRow).where(RecordRow.document_id == document_id, RecordRow.idx == idx)).first()


def jobs(store: Store, limit: int = 200) -> list[JobRow]:
    """Upload jobs, newest first."""
    with store.session() as s:
        return list(s.scalars(select(JobRow).order_by(JobRow.id.desc()).limit(limit)))


def failure_reason(doc: DocumentRow) -> str:
    """Why a document could not be read: its error issues, else all of them."""
    issues: list[Any] = doc.issues or []
    errors = [i for i in issues if isinstance(i, dict) and i.get("severity") == "error"] or issues
    text = "; ".join(str(i.get("message", i)) if isinstance(i, dict) else str(i) for i in errors)
    return without_paths(text)


_DIRS = re.compile(r"(?:[A-Za-z]:)?[/\\](?:[^\s/\\:：;；]+[/\\])+")
_STAGED = re.compile(r"\b[0-9a-f]{16}-(?=\S)")


def without_paths(text: str) -> str:
    """Messages from intake name the file by its path on the server (the upload staging area): the reviewer knows
    it by its name only."""
    return _STAGED.sub("", _DIRS.sub("", text))
