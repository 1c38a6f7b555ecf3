"""Put grounded LLM form readings into records: fill the gaps (hybrid), build from scratch (llm), or compare
(cross-check). Layout values are never overwritten: a disagreement is an issue for the reviewer, not an edit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from extraction.llm.forms import Grounded
from extraction.numbers import parse_number
from extraction.records import FundRow, Indicator, Issue, ProjectFunds, ProjectSelfEvaluation

_NUMERIC = {"total_score", "funds.total.annual_budget", "funds.total.executed", "funds.total.execution_rate",
            "funds.total.score"}
_INDICATOR_FIELDS = ("level1", "level2", "level3", "target", "actual", "weight", "score", "deviation_note")


def fill(rec: ProjectSelfEvaluation, g: Grounded) -> int:
    """Hybrid: set the fields the parser left empty (None, or "" for the required project_name); returns how many
    values were added."""
    added = 0
    for path, (value, src) in g.values.items():
        if get_path(rec, path) in (None, ""):
            set_path(rec, path, value)
            rec.sources[path] = src
            added += 1
    if not rec.indicators and g.indicators:
        for i, (ind, sources) in enumerate(g.indicators):
            rec.indicators.append(ind)
            rec.sources.update({f"indicators[{i}].{k}": s for k, s in sources.items()})
            added += len(sources)
    return added


def build(template: ProjectSelfEvaluation, g: Grounded) -> ProjectSelfEvaluation:
    """LLM-only: a record with the layout parser's place (pages, 附件 label) but every value from the LLM."""
    rec = ProjectSelfEvaluation(project_name="", pages=list(template.pages), form_label=template.form_label,
                                fiscal_year=template.fiscal_year)
    fill(rec, g)
    return rec


def cross_check(rec: ProjectSelfEvaluation, g: Grounded, prompt: str) -> int:
    """Compare field by field where both readings exist; each disagreement becomes an issue (EX-001)."""
    n = 0
    for path, (value, src) in g.values.items():
        n += _compare(rec, path, get_path(rec, path), value, src, prompt)
    by_name = {_key(ind.level3): i for i, ind in enumerate(rec.indicators) if ind.level3}
    for ind, sources in g.indicators:
        i = by_name.get(_key(ind.level3))
        if i is None:
            continue
        for field in _INDICATOR_FIELDS:
            theirs = getattr(ind, field)
            if theirs is not None and field in sources:
                path = f"indicators[{i}].{field}"
                n += _compare(rec, path, getattr(rec.indicators[i], field), theirs, sources[field], prompt)
    return n


def _compare(rec: ProjectSelfEvaluation, path: str, ours: Any, theirs: Any, src: Any, prompt: str) -> int:
    if ours is None or _same(ours, theirs):
        return 0
    rec.issues.append(Issue(
        code="extraction_disagreement", severity="warning", path=path, page=src.page, source=src,
        message=f"{path}: the layout parser read {_show(ours)}, the LLM ({prompt}) read {_show(theirs)}; "
                "check the page before trusting either"))
    return 1


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        pa = a if isinstance(a, Decimal) else parse_number(str(a)).value
        pb = b if isinstance(b, Decimal) else parse_number(str(b)).value
        return pa is not None and pb is not None and pa == pb
    return _key(str(a)) == _key(str(b))


def _key(s: str | None) -> str:
    return "".join((s or "").split()).replace("（", "(").replace("）", ")").replace("：", ":")


def _show(v: Any) -> str:
    return f"{v:,}" if isinstance(v, Decimal) else repr(v)


def get_path(rec: ProjectSelfEvaluation, path: str) -> Any:
    node: Any = rec
    for part in path.split("."):
        node = getattr(node, part, None) if node is not None else None
    return node


def set_path(rec: ProjectSelfEvaluation, path: str, value: Any) -> None:
    parts = path.split(".")
    if parts[0] == "funds" and len(parts) == 3:
        if rec.funds is None:
            rec.funds = ProjectFunds()
        row = getattr(rec.funds, parts[1])
        if row is None:
            row = FundRow(label="年度资金总额")
            setattr(rec.funds, parts[1], row)
        setattr(row, parts[2], value)
        return
    if path in _NUMERIC and not isinstance(value, Decimal):
        value = parse_number(str(value)).value
    setattr(rec, path, value)


__all__ = ["Indicator", "build", "cross_check", "fill", "get_path", "set_path"]
