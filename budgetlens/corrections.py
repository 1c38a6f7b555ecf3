"""A reviewer corrects an extracted value: the record changes (version-checked), the change is logged, and the
document's checks run again at once so that the reviewer sees which findings appeared or disappeared."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from budgetlens.review import sync_findings
from budgetlens.store import ConflictError, CorrectionRow, DocumentRow, RecordRow, Store, StoreError, now
from checks.corpus import CorpusQuery
from checks.engine import Config, load_config, run_checks
from extraction.numbers import parse_number
from extraction.records import AnyRecord, ExtractionResult

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_path(path: str) -> list[str | int]:
    """rows[3].cells.本年支出/合计 → ['rows', 3, 'cells', '本年支出/合计']; a cells key is taken whole (it may hold
    dots, as in 1.因公出国（境）费)."""
    head, sep, key = path.partition(".cells.")
    steps: list[str | int] = [int(m.group(2)) if m.group(2) else m.group(1) for m in _STEP.finditer(head)]
    return [*steps, "cells", key] if sep else steps


def get_path(data: Any, path: str) -> Any:
    for step in split_path(path):
        data = data[step]
    return data


def set_path(data: Any, path: str, value: Any) -> None:
    steps = split_path(path)
    if not steps:
        raise StoreError("an empty field path cannot be corrected")
    for step in steps[:-1]:
        data = data[step]
    last = steps[-1]
    in_list = isinstance(data, list) and isinstance(last, int) and last < len(data)
    in_dict = isinstance(data, dict) and (last in data or steps[-2:-1] == ["cells"])
    if not (in_list or in_dict):
        raise StoreError(f"the record has no field {path!r}")
    data[last] = value


def coerce(old: Any, typed: str) -> Any:
    """What the reviewer typed, in the type of the field: numbers through the one number parser (1,301,809.72,
    30.5万), empty = no value; text as typed."""
    t = typed.strip()
    if t == "":
        return None
    if isinstance(old, str) and not _numeric_text(old):
        return t
    parsed = parse_number(t)
    if parsed.value is None:
        if old is None or isinstance(old, (int, float)) or _numeric_text(str(old)):
            raise StoreError(f"“{typed}” is not a number this field can take (e.g. 1,234.56)")
        return t
    return str(parsed.value)


def _numeric_text(s: str) -> bool:
    try:
        Decimal(s)
        return True
    except InvalidOperation:
        return False


@dataclass
class CorrectionResult:
    appeared: list[str]  # fingerprints of findings that the correction brought
    disappeared: list[str]
    record_version: int


def correct(store: Store, document_id: str, record_idx: int, path: str, typed: str, seen_version: int,
            reviewer: str, reason: str = "", config: Config | None = None,
            corpus: CorpusQuery | None = None) -> CorrectionResult:
    """Change one value of one record if nobody changed the record since `seen_version`; re-run the checks (with
    the corpus of past reports, when there is one: without it the boilerplate findings would look gone)."""
    if not reviewer.strip():
        raise StoreError("say who you are: a correction needs the reviewer's name")
    config = config or load_config()
    with store.session() as s:
        rec = s.scalars(select(RecordRow).where(RecordRow.document_id == document_id,
                                                RecordRow.idx == record_idx)).first()
        if rec is None:
            raise StoreError(f"record {record_idx} of document {document_id[:12]} is not in the store")
        if rec.version != seen_version:
            raise ConflictError(f"this record was corrected by someone else (version {rec.version}, you saw "
                                f"{seen_version}); reload to see their change, then correct again")
        data = json.loads(json.dumps(rec.data))
        old = get_path(data, path) if _has(data, path) else None
        set_path(data, path, coerce(old, typed))
        data = canonical(data)  # numbers as the record model writes them, not as typed
        new = get_path(data, path)
        n = s.query(RecordRow).filter(RecordRow.id == rec.id, RecordRow.version == seen_version).update(
            {RecordRow.data: data, RecordRow.version: seen_version + 1})
        if n == 0:
            raise ConflictError("this record was corrected by someone else a moment ago; reload and correct again")
        s.add(CorrectionRow(document_id=document_id, record_idx=record_idx, path=path, reviewer=reviewer.strip(),
                            old=json.dumps(old, ensure_ascii=False), new=json.dumps(new, ensure_ascii=False),
                            reason=reason.strip(), at=now()))
        s.flush()
        result = stored_result(s, document_id)
        appeared, gone = sync_findings(s, document_id, run_checks(result, config, corpus), config)
    return CorrectionResult(appeared, gone, seen_version + 1)


_RECORD: TypeAdapter[Any] = TypeAdapter(AnyRecord)


def canonical(data: dict[str, Any]) -> dict[str, Any]:
    """The record validated and dumped again: a corrected value takes the field's own type and JSON form."""
    try:
        return dict(_RECORD.validate_python(data).model_dump(mode="json"))
    except ValidationError as exc:
        raise StoreError(f"the corrected record is not valid: {exc.errors()[0]['msg']}") from exc


def apply_value(rec: RecordRow, path: str, new_json: str | None) -> bool:
    """Put a logged correction back into a freshly extracted record (False when the field is gone)."""
    data = json.loads(json.dumps(rec.data))
    try:
        set_path(data, path, json.loads(new_json) if new_json is not None else None)
        rec.data = canonical(data)
    except (StoreError, KeyError, IndexError, TypeError, ValueError):
        return False
    return True


def _has(data: Any, path: str) -> bool:
    try:
        get_path(data, path)
        return True
    except (KeyError, IndexError, TypeError):
        return False


def stored_result(s: Any, document_id: str) -> ExtractionResult:
    """The document as the store holds it now, corrections applied."""
    doc = s.get(DocumentRow, document_id)
    if doc is None:
        raise StoreError(f"document {document_id[:12]} is not in the store")
    recs = list(s.scalars(select(RecordRow).where(RecordRow.document_id == document_id).order_by(RecordRow.idx)))
    return ExtractionResult.model_validate({"document": doc.document, "records": [r.data for r in recs],
                                            "status": doc.status, "issues": doc.issues})


def load_result(store: Store, document_id: str) -> ExtractionResult:
    with store.session() as s:
        return stored_result(s, document_id)


def record_versions(store: Store, document_id: str) -> dict[int, int]:
    with store.session() as s:
        return {r.idx: r.version for r in s.scalars(select(RecordRow).where(RecordRow.document_id == document_id))}
