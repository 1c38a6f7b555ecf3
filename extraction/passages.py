"""Passages: the pieces of a report's text that the corpus of past reports indexes and the boilerplate rules
(BP-001..004) compare. Pure: records in, passages out; both `vectorstore` and `checks` read them, so they live
beside the records they are cut from.

A passage keeps where it comes from (document, department, region, year, record, field path, page, bbox) so that a
finding can show both sides of a match on their pages.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from extraction.records import (
    AnyRecord,
    DeptSelfEvaluation,
    ExtractionResult,
    Indicator,
    ProjectSelfEvaluation,
    ReportSection,
    Source,
)

PassageKind = Literal["goal_text", "result_text", "deviation_note", "indicator_set", "section", "paragraph"]
PASSAGE_KINDS: tuple[PassageKind, ...] = ("goal_text", "result_text", "deviation_note", "indicator_set", "section",
                                          "paragraph")
MIN_CHARS = 12  # shorter text (无, 已完成, 无偏差) says nothing about copying
_PARAGRAPH = re.compile(r"\n+")


class Passage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    document_id: str
    file_name: str = ""
    department: str | None = None
    region: str | None = None
    fiscal_year: int | None = None
    record: str = ""  # record ref as findings name it: form[3]:项目名, section[7]:标题
    record_kind: str = ""
    project_name: str | None = None
    path: str = ""  # field path in the record: goal_text, indicators, indicators[2].deviation_note, text
    kind: PassageKind
    section: str | None = None  # section_type or heading of a report section
    text: str
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class Hit:
    """A corpus answer (checks.corpus.CorpusQuery.search): a passage and its embedding similarity in [0, 1]
    (1 - cosine distance; coarse, for ranking only). Here, beside Passage, so that the corpus implementation
    (vectorstore) and its user (checks) share it without importing each other."""

    passage: Passage
    similarity: float


def passages(result: ExtractionResult, min_chars: int = MIN_CHARS) -> list[Passage]:
    """Every passage of one extracted document, in record order; ids are stable for the same document and path."""
    out: list[Passage] = []
    for i, rec in enumerate(result.records):
        for p in _of_record(result, i, rec):
            if len(_compact(p.text)) >= min_chars:
                out.append(p)
    return out


def _of_record(result: ExtractionResult, i: int, rec: AnyRecord) -> Iterator[Passage]:
    if isinstance(rec, ProjectSelfEvaluation | DeptSelfEvaluation):
        yield from _of_form(result, i, rec)
    elif isinstance(rec, ReportSection):
        yield from _of_section(result, i, rec)


def _of_form(result: ExtractionResult, i: int, rec: ProjectSelfEvaluation | DeptSelfEvaluation) -> Iterator[Passage]:
    name = getattr(rec, "project_name", None) or rec.department or rec.kind
    base = {"record": f"form[{i}]:{name}", "record_kind": rec.kind,
            "project_name": getattr(rec, "project_name", None)}
    for field in ("goal_text", "result_text"):
        text = getattr(rec, field)
        if text:
            yield _make(result, base, field, field, text, rec.sources.get(field), rec.pages)  # type: ignore[arg-type]
    for k, ind in enumerate(rec.indicators):
        if ind.deviation_note:
            path = f"indicators[{k}].deviation_note"
            yield _make(result, base, path, "deviation_note", ind.deviation_note, rec.sources.get(path), rec.pages)
    if rec.indicators:
        first = rec.sources.get("indicators[0].level3")
        yield _make(result, base, "indicators", "indicator_set", indicator_set_text(rec.indicators), first, rec.pages)


def _of_section(result: ExtractionResult, i: int, rec: ReportSection) -> Iterator[Passage]:
    heading = rec.heading_path[-1] if rec.heading_path else ""
    base = {"record": f"section[{i}]:{heading}", "record_kind": rec.kind, "section": rec.section_type or heading}
    src = rec.sources.get("text")
    yield _make(result, base, "text", "section", rec.text, src, rec.pages)
    parts = [p.strip() for p in _PARAGRAPH.split(rec.text) if p.strip()]
    if len(parts) > 1:  # a one-paragraph section is already its own passage
        for n, part in enumerate(parts):
            yield _make(result, base, f"text#p{n}", "paragraph", part, src, rec.pages)


def indicator_set_text(indicators: list[Indicator]) -> str:
    """One line per indicator: 三级指标 | 指标值 | 度量单位, in printed order. Two projects with the same lines copied
    their indicator set; the scores and actual values are left out (they differ even in a copy)."""
    lines = []
    for ind in indicators:
        cells = [ind.level3 or ind.level2 or "", (ind.operator or "") + (ind.target or ""), ind.unit or ""]
        lines.append(" | ".join("".join(c.split()) for c in cells))
    return "\n".join(lines)


def _make(result: ExtractionResult, base: Mapping[str, str | None], path: str, kind: PassageKind, text: str,
          src: Source | None, pages: list[int]) -> Passage:
    d = result.document
    pid = hashlib.sha256(f"{d.id}|{base['record']}|{path}".encode()).hexdigest()[:24]
    return Passage(id=pid, document_id=d.id, file_name=d.file_name, department=d.department, region=d.region,
                   fiscal_year=d.fiscal_year, path=path, kind=kind, text=text.strip(),
                   page=src.page if src else (pages[0] if pages else None), bbox=src.bbox if src else None,
                   **base)  # type: ignore[arg-type]


def _compact(text: str) -> str:
    return "".join(text.split())


_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


def match_key(text: str) -> str:
    """The text as copy detection compares it: NFKC, no whitespace or punctuation, every number one "0" (a paragraph
    copied with this year's numbers and date is still a copy). Embedding and exact measure both start from it."""
    t = unicodedata.normalize("NFKC", text)
    t = _DIGITS.sub("0", t)
    return _NOT_WORD.sub("", t)
