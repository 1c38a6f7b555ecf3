"""The record contract shared by every stage (see DESIGN.md, "Records and sources").

Values keep the unit they were printed in; a value without a `Source` is not trusted.
Amounts are `Decimal` in memory (sums must add up exactly) and plain JSON numbers on disk.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, SerializerFunctionWrapHandler, model_serializer

SCHEMA_VERSION = "1.2"

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


def _without_null(out: dict[str, Any], key: str) -> dict[str, Any]:
    """Optional fields added in schema 1.2 are left out when empty, so layout-only output reads as before."""
    if out.get(key) is None:
        out.pop(key, None)
    return out


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Source(_Model):
    """Where a value was read: the auditor's way back to the printed page."""

    page: int = Field(ge=1, description="页码 (1-based)")
    bbox: tuple[float, float, float, float] = Field(description="x0,y0,x1,y1 in PDF points on the page as displayed (rotation applied, origin top-left)")
    raw: str = Field(description="原文 as printed")
    method: Method = Field(default="layout", description="提取方式")
    prompt: str | None = Field(default=None, description="prompt id@version:hash for LLM-made values")

    @model_serializer(mode="wrap")
    def _drop_empty_prompt(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Layout values (nearly all of them) carry no prompt; leave the key out rather than print null."""
        return _without_null(handler(self), "prompt")


class Issue(_Model):
    """Something the reader of a result must know: why a value is missing or doubtful."""

    code: str = Field(description="stable machine code, e.g. unreadable_number, encrypted")
    message: str = Field(description="说明: what happened and what to do")
    severity: Literal["error", "warning", "info"] = "warning"
    page: int | None = None
    path: str | None = Field(default=None, description="record field path the issue is about")
    source: Source | None = Field(default=None, description="where a competing reading was found (e.g. the LLM's)")

    @model_serializer(mode="wrap")
    def _drop_empty_source(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _without_null(handler(self), "source")


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
    zone: Literal["final_accounts", "self_evaluation"] | None = Field(
        default=None, description="说明所在部分: 决算情况说明 or 绩效评价/自评报告 (budget figures there are not 决算)")


class ReportSection(_Record):
    kind: Literal["report_section"] = "report_section"
    heading_path: list[str] = Field(description="标题路径")
    section_type: str | None = Field(default=None, description="canonical section, e.g. 收入决算情况说明")
    text: str
    pages: list[int] = Field(default_factory=list)


class FundRow(_Model):
    """One 项目资金 row of a project form (年度资金总额, 当年财政拨款 …), values in the form's unit."""

    label: str = Field(description="行名 as printed, e.g. 年度资金总额, 市县区财政资金")
    initial_budget: Amount | None = Field(default=None, description="年初预算数")
    declared_target: Amount | None = Field(default=None, description="目标申报数 (大同: under 年初预算数)")
    budgeted: Amount | None = Field(default=None, description="预算编制数 (大同: under 年初预算数)")
    annual_budget: Amount | None = Field(default=None, description="全年预算数")
    executed: Amount | None = Field(default=None, description="全年执行数")
    balance: Amount | None = Field(default=None, description="资金结(转)余")
    weight: Amount | None = Field(default=None, description="分值")
    execution_rate: Amount | None = Field(default=None, description="执行率 as printed, percent number")
    score: Amount | None = Field(default=None, description="得分")
    note: str | None = Field(default=None, description="偏差原因 / 情况说明")


class ProjectFunds(_Model):
    unit: Unit | None = Field(default=None, description="资金单位 (万元/元)")
    total: FundRow | None = Field(default=None, description="年度资金总额")
    current_year_appropriation: FundRow | None = Field(default=None, description="当年财政拨款")
    carryover: FundRow | None = Field(default=None, description="上年结转资金")
    non_fiscal: FundRow | None = Field(default=None, description="非财政拨款")
    others: list[FundRow] = Field(default_factory=list, description="其他资金行, e.g. 市县区财政资金")


class Indicator(_Model):
    level1: str | None = Field(default=None, description="一级指标 (inherited from a cell merged upward)")
    level2: str | None = Field(default=None, description="二级指标")
    level3: str | None = Field(default=None, description="三级指标")
    operator: str | None = Field(default=None, description="指标性质: ≥ ≤ = > < or 定性")
    target: str | None = Field(default=None, description="指标值 as printed (调整后指标值 where both are printed)")
    target_value: Amount | None = Field(default=None, description="指标值 parsed number")
    initial_target: str | None = Field(default=None, description="年初指标值 as printed (大同)")
    unit: str | None = Field(default=None, description="度量单位")
    actual: str | None = Field(default=None, description="实际完成值 as printed")
    actual_value: Amount | None = Field(default=None, description="实际完成值 parsed number")
    qualitative_note: str | None = Field(default=None, description="定性值情况说明 (大同)")
    weight: Amount | None = Field(default=None, description="分值")
    score: Amount | None = Field(default=None, description="得分")
    deviation_note: str | None = Field(default=None, description="偏差原因分析及改进措施")


class ProjectSelfEvaluation(_Record):
    kind: Literal["project_self_evaluation"] = "project_self_evaluation"
    project_name: str = Field(description="项目名称")
    department: str | None = Field(default=None, description="主管部门")
    implementing_unit: str | None = Field(default=None, description="实施单位 / 预算单位")
    fiscal_year: int | None = Field(default=None, description="年度")
    form_label: str | None = Field(default=None, description="附件编号 as printed, e.g. 附件2-3-1")
    funds: ProjectFunds = Field(default_factory=ProjectFunds, description="项目资金")
    goal_text: str | None = Field(default=None, description="年度总体目标")
    result_text: str | None = Field(default=None, description="实际完成情况")
    indicators: list[Indicator] = Field(default_factory=list, description="绩效指标")
    total_score: Amount | None = Field(default=None, description="总分 (得分)")
    total_weight: Amount | None = Field(default=None, description="总分 (分值)")
    grade: str | None = Field(default=None, description="等级 (优良中差)")
    other_notes: str | None = Field(default=None, description="其他需要说明的事项")
    analysis: dict[str, str] = Field(default_factory=dict, description="自评结果分析 sections (大同) by heading")
    pages: list[int] = Field(default_factory=list)


class DeptFundRow(_Model):
    label: str = Field(description="项目年度支出 row as printed: 年度资金总额, 当年财政拨款 …")
    group: str | None = Field(default=None, description="基本支出 / 项目支出 for their sub-rows, None for the total")
    initial_budget: Amount | None = Field(default=None, description="年初预算数")
    budget_adjustment: Amount | None = Field(default=None, description="预算调整数")
    final_budget: Amount | None = Field(default=None, description="预算确定数")
    executed: Amount | None = Field(default=None, description="执行数")
    execution_rate: Amount | None = Field(default=None, description="执行率 as printed, percent number")
    note: str | None = Field(default=None, description="情况说明")
    remark: str | None = Field(default=None, description="备注")


class DeptSelfEvaluation(_Record):
    kind: Literal["dept_self_evaluation"] = "dept_self_evaluation"
    department: str | None = Field(default=None, description="部门名称")
    fiscal_year: int | None = None
    form_label: str | None = None
    unit: Unit | None = Field(default=None, description="部门预算资金单位")
    fund_rows: list[DeptFundRow] = Field(default_factory=list, description="部门预算资金")
    goal_text: str | None = Field(default=None, description="部门年度目标")
    result_text: str | None = Field(default=None, description="年度目标实际完成情况, when printed")
    indicators: list[Indicator] = Field(default_factory=list)
    total_score: Amount | None = None
    grade: str | None = None
    other_notes: str | None = Field(default=None, description="其他需说明事项")
    pages: list[int] = Field(default_factory=list)


class ScoringNode(_Model):
    level: int = Field(ge=1, le=3, description="1 一级 / 2 二级 / 3 三级指标")
    path: list[str] = Field(description="指标路径 from level 1 down to this node")
    name: str
    weight: Amount | None = Field(default=None, description="分值")
    score: Amount | None = Field(default=None, description="得分")
    note: str | None = Field(default=None, description="评分说明 / 扣分原因")


class GradeBand(_Model):
    grade: str = Field(description="优 / 良 / 中 / 差")
    low: Amount | None = None
    low_inclusive: bool = True
    high: Amount | None = None
    high_inclusive: bool = True
    raw: str = Field(description="the band as printed")


class ScoringTable(_Record):
    kind: Literal["scoring_table"] = "scoring_table"
    title: str | None = None
    project_name: str | None = None
    nodes: list[ScoringNode] = Field(default_factory=list, description="评价指标 tree, depth-first")
    total_weight: Amount | None = None
    total_score: Amount | None = None
    grade: str | None = None
    grade_bands: list[GradeBand] = Field(default_factory=list, description="等级划分 as printed")
    evaluators: list[str] = Field(default_factory=list, description="评价人员")
    pages: list[int] = Field(default_factory=list)


AnyRecord = Annotated[
    FinalAccountsTable | NarrativeClaim | ReportSection | ProjectSelfEvaluation | DeptSelfEvaluation | ScoringTable,
    Field(discriminator="kind"),
]


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


class LlmUsage(_Model):
    """Token and latency accounting of the LLM tier for one document (absent when no LLM was used)."""

    extractor: Literal["llm", "hybrid"] = Field(description="llm: every value from the LLM; hybrid: layout first")
    cross_check: bool = False
    model: str = ""
    mode: str = Field(default="", description="structured-output mode used")
    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    values_kept: int = Field(default=0, description="LLM values grounded on the page and kept")
    values_dropped: int = Field(default=0, description="LLM values not printed where claimed: dropped")


class ExtractionResult(_Model):
    """One line of `budgetlens extract` output."""

    document: Document
    records: list[AnyRecord] = Field(default_factory=list)
    status: Status = "ok"
    issues: list[Issue] = Field(default_factory=list)
    llm: LlmUsage | None = Field(default=None, description="LLM accounting, when the LLM tier ran")

    @model_serializer(mode="wrap")
    def _drop_empty_llm(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _without_null(handler(self), "llm")


def decide_status(issues: list[Issue], has_records: bool) -> Status:
    """ok only without issues: an 'ok' that carries issues would hide them from the reviewer."""
    if any(i.severity == "error" for i in issues) and not has_records:
        return "failed"
    if issues:
        return "partial"
    return "ok"
