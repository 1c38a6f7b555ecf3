"""Findings: what a rule reports, with the evidence an auditor needs to see it on the page."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]
_POSITION = re.compile(r"\[\d+\]")


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record: str = Field(description="record id within the document, e.g. table:收入支出决算总表")
    path: str = Field(description="field path in the record, e.g. rows[3].cells.决算数")
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    quote: str = Field(default="", description="the text as printed")


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_id: str
    severity: Severity
    title: str = Field(description="规则名称")
    message: str = Field(description="说明, in Chinese, with the numbers")
    expected: str | None = None
    found: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    document_id: str = ""
    fingerprint: str = ""

    def with_fingerprint(self) -> Finding:
        """Stable across re-runs and extractor changes: the rule and what it points at (record name, field, page,
        not the numbers), not a record's position in the output, the wording or the page geometry."""
        where = sorted(f"{_POSITION.sub('', e.record)}:{e.path}:{e.page}" for e in self.evidence)
        where = where or [self.expected or self.message]
        key = "|".join([self.document_id, self.rule_id, *where])
        self.fingerprint = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        return self


def fmt(v: Decimal | None) -> str:
    return "空" if v is None else f"{v:,.2f}"
