"""What the LLM is asked to return: printed strings, never computed values.

These models are deliberately flatter than the records: numbers come back as the text printed on the page, and
only our own number parser turns them into values after grounding (extraction/llm/grounding.py). A model that
"helpfully" converts 万元 to 元 or fills a blank with 0 is thus caught instead of believed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from extraction.records import ClaimKind


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimOut(_Out):
    metric: str = Field(description="指标 the number is about")
    raw: str = Field(description="the number with its unit exactly as printed, e.g. 2995.39万元, 4.19%")
    claim_kind: ClaimKind
    direction: Literal["增加", "减少", "持平"] | None = None


class ClaimsOut(_Out):
    claims: list[ClaimOut] = Field(default_factory=list, max_length=60)


class FundsOut(_Out):
    annual_budget: str | None = Field(default=None, description="全年预算数 as printed")
    executed: str | None = Field(default=None, description="全年执行数 as printed")
    execution_rate: str | None = Field(default=None, description="执行率 as printed")
    score: str | None = Field(default=None, description="得分 as printed")


class IndicatorOut(_Out):
    level1: str | None = None
    level2: str | None = None
    level3: str | None = None
    target: str | None = Field(default=None, description="指标值 as printed")
    actual: str | None = Field(default=None, description="实际完成值 as printed")
    weight: str | None = Field(default=None, description="分值 as printed")
    score: str | None = Field(default=None, description="得分 as printed")
    deviation_note: str | None = None


class ProjectFormOut(_Out):
    project_name: str | None = None
    department: str | None = None
    implementing_unit: str | None = None
    goal_text: str | None = None
    result_text: str | None = None
    funds_total: FundsOut | None = None
    indicators: list[IndicatorOut] = Field(default_factory=list, max_length=60)
    total_score: str | None = None
    grade: str | None = None


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema with $defs inlined: llama.cpp's grammar converter and several servers handle
    refs poorly, and a flat schema is also easier for a small model to follow in the prompt."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].split("/")[-1]])
            return {k: inline(v) for k, v in node.items() if k not in ("title",)}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    out: dict[str, Any] = inline(schema)
    return out
