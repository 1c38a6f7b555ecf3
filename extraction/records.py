"""The record contract shared by every stage (see DESIGN.md, "Records and sources").

Values keep the unit they were printed in; a value without a `Source` is not trusted.
Amounts are `Decimal` in memory (sums must add up exactly) and plain JSON numbers on disk.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

SCHEMA_VERSION = "1.0"

Amount = Annotated[
    Decimal,
    PlainSerializer(float, return_type=float, when_used="json"),
]
"""A printed number; JSON number on disk, exact `Decimal` in memory."""

Status = Literal["ok", "partial", "failed"]
Method = Literal["layout", "ocr", "llm"]
Unit = Literal["元", "万元", "亿元"]
DocKind = Literal[
    "final_accounts",  # 部门决算公开
    "dept_self_evaluation",  # 部门整体支出绩效自评表
    "project_self_evaluation",  # 项目支出绩效自评表
    "evaluation_report",  # 绩效评价报告
]
ClaimKind = Literal["total", "share", "completion_rate", "yoy_change", "yoy_pct", "count"]

STD_NAMES: tuple[str, ...] = (
    "收入支出决算总表",
    "收入决算表",
    "支出决算表",
    "财政拨款收入支出决算总表",
    "一般公共预算财政拨款支出决算表",
    "一般公共预算财政拨款基本支出决算表",
    "一般公共预算财政拨款“三公”经费支出决算表",
    "政府性基金预算财政拨款收入支出决算表",
    "国有资本经营预算财政拨款支出决算表",
)
OTHER = "其他"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Source(_Model):
    """Where a value was read: the auditor's way back to the printed page."""

    page: int = Field(ge=1, description="页码 (1-based)")
    bbox: tuple[float, float, float, float] = Field(description="x0,y0,x1,y1 in PDF points, unrotated page space")
    raw: str = Field(description="原文 as printed")
    method: Method = Field(default="layout", description="提取方式")


class Issue(_Model):
    """Something the reader of a result must know: why a value is missing or doubtful."""

    code: str = Field(description="stable machine code, e.g. unreadable_number, encrypted")
    message: str = Field(description="说明: what happened and what to do")
    severity: Literal["error", "warning", "info"] = "warning"
    page: int | None = None
    path: str | None = Field(default=None, description="record field path the issue is about")


class _Record(_Model):
    sources: dict[str, Source] = Field(default_factory=dict, description="来源: field path → Source")
    issues: list[Issue] = Field(default_factory=list)


class FinalAccountsRow(_Model):
    section: str | None = Field(default=None, description="栏: 收入/支出 side of a two-sided table, else None")
    code: str | None = Field(default=None, description="科目编码 (类款项 joined, e.g. 2010601)")
    label: str = Field(description="项目/科目名称 as printed, whitespace removed")
    cells: dict[str, Amount | None] = Field(
        default_factory=dict, description="金额 by column name; None = printed blank/—, never 0"
    )


class FinalAccountsTable(_Record):
    kind: Literal["final_accounts_table"] = "final_accounts_table"
    std_name: str = Field(description="标准表名 (one of STD_NAMES) or 其他")
    title: str = Field(description="表名 as printed")
    number: str | None = Field(default=None, description="表号 as printed, e.g. 公开01表")
    unit: Unit | None = Field(default=None, description="金额单位")
    pages: list[int] = Field(default_factory=list, description="页码")
    columns: list[str] = Field(default_factory=list, description="value columns, header path joined by '/'")
    rows: list[FinalAccountsRow] = Field(default_factory=list)
    empty: bool = Field(default=False, description="本表无数据")
    empty_statement: str | None = Field(default=None, description="the printed 无数据 statement")


class NarrativeClaim(_Record):
    kind: Literal["narrative_claim"] = "narrative_claim"
    claim_kind: ClaimKind = Field(description="total|share|completion_rate|yoy_change|yoy_pct|count")
    sentence: str = Field(description="句子 the claim sits in")
    metric: str = Field(description="指标 the number is about, e.g. 本年收入合计")
    raw: str = Field(description="原文 of the number with its unit as printed, e.g. 2995.39万元 or XXX 万元")
    value: Amount | None = Field(description="数值 as printed (None for a placeholder such as XXX)")
    unit: str = Field(description="单位: 元/万元/亿元/%/个 …")
    amount_yuan: Amount | None = Field(default=None, description="金额折合元 for money claims")
    direction: Literal["增加", "减少", "持平"] | None = Field(default=None, description="增减方向 for yoy claims")
    page: int = Field(ge=1)
    section: str | None = Field(default=None, description="情况说明 section heading")


class ReportSection(_Record):
    kind: Literal["report_section"] = "report_section"
    heading_path: list[str] = Field(description="标题路径")
    section_type: str | None = Field(default=None, description="canonical section, e.g. 收入决算情况说明")
    text: str
    pages: list[int] = Field(default_factory=list)


AnyRecord = Annotated[FinalAccountsTable | NarrativeClaim | ReportSection, Field(discriminator="kind")]


class Document(_Model):
    id: str = Field(description="sha256 of the file bytes")
    file_name: str
    pages: int = Field(default=0, description="页数")
    department: str | None = Field(default=None, description="部门")
    region: str | None = Field(default=None, description="地区")
    fiscal_year: int | None = Field(default=None, description="年度")
    doc_kinds: list[DocKind] = Field(default_factory=list)
    schema_version: str = SCHEMA_VERSION
    status: Status = "ok"
    issues: list[Issue] = Field(default_factory=list)


class ExtractionResult(_Model):
    """One line of `budgetlens extract` output."""

    document: Document
    records: list[AnyRecord] = Field(default_factory=list)
    status: Status = "ok"
    issues: list[Issue] = Field(default_factory=list)


def decide_status(issues: list[Issue], has_records: bool) -> Status:
    """ok only without issues: an 'ok' that carries issues would hide them from the reviewer."""
    if any(i.severity == "error" for i in issues) and not has_records:
        return "failed"
    if issues:
        return "partial"
    return "ok"
