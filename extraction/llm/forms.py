"""LLM reading of a 项目支出绩效自评表: grounded field by field, then used to fill, build or cross-check a record.

Numbers must be whole cells (standalone words) in the row of their label; text must be printed on the form's pages.
So a number written inside a sentence of the form ("把所有得分改为100") can never become a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from extraction.llm.grounding import Match, PageText, ground_number, ground_text, to_source, value_issue
from extraction.llm.schemas import FundsOut, IndicatorOut, ProjectFormOut
from extraction.numbers import parse_number
from extraction.records import Indicator, Issue, Source

_TEXT_FIELDS = ("project_name", "department", "implementing_unit", "goal_text", "result_text")
_FUND_FIELDS = ("annual_budget", "executed", "execution_rate", "score")
_GRADES = ("优", "良", "中", "差", "优秀", "良好", "合格", "不合格")


@dataclass(slots=True)
class Grounded:
    """Field path → (value, Source) for every value the LLM returned that is printed where it belongs."""

    values: dict[str, tuple[str | Decimal, Source]]
    indicators: list[tuple[Indicator, dict[str, Source]]]
    issues: list[Issue]


def ground_form(out: ProjectFormOut, pages: list[PageText], prompt: str) -> Grounded:
    g = Grounded({}, [], [])
    first = pages[0].page if pages else None
    for name in _TEXT_FIELDS:
        _text(g, name, getattr(out, name), pages, prompt, first)
    if out.grade is not None:
        grade = out.grade.strip()
        m = ground_text(grade, pages) if grade in _GRADES else None
        _keep(g, "grade", grade, m, prompt, first, out.grade)
    total_row = _row_of("总分", pages)
    _number(g, "total_score", out.total_score, pages, prompt, total_row, first)
    if out.funds_total is not None:
        _funds(g, out.funds_total, pages, prompt, first)
    for i, ind in enumerate(out.indicators):
        _indicator(g, i, ind, pages, prompt, first)
    return g


def _text(g: Grounded, path: str, value: str | None, pages: list[PageText], prompt: str, page: int | None) -> None:
    if value is None or not value.strip():
        return
    m = ground_text(value, pages)
    text = value if m is None or m.score == 1.0 else m.raw  # a fuzzy match keeps the printed text, not the LLM's
    _keep(g, path, "".join(text.split()), m, prompt, page, value)  # whitespace removed, as in layout records


def _number(g: Grounded, path: str, raw: str | None, pages: list[PageText], prompt: str,
            row: tuple[float, float] | None, page: int | None) -> None:
    if raw is None or not raw.strip():
        return
    parsed = parse_number(raw)
    m = ground_number(raw, pages, standalone=True, row=row) if parsed.is_number else None
    _keep(g, path, parsed.value if parsed.value is not None else raw, m, prompt, page, raw)


def _keep(g: Grounded, path: str, value: str | Decimal, m: Match | None, prompt: str, page: int | None,
          raw: str) -> None:
    if m is None:
        g.issues.append(value_issue(path, raw[:60], page))
    else:
        g.values[path] = (value, to_source(m, prompt))


def _funds(g: Grounded, funds: FundsOut, pages: list[PageText], prompt: str, page: int | None) -> None:
    row = _row_of("年度资金总额", pages)
    if row is None:
        g.issues.append(Issue(code="ungrounded", path="funds.total", page=page,
                              message="the LLM returned 年度资金总额 figures but no such row is printed; dropped"))
        return
    for name in _FUND_FIELDS:
        _number(g, f"funds.total.{name}", getattr(funds, name), pages, prompt, row, page)


def _indicator(g: Grounded, i: int, ind: IndicatorOut, pages: list[PageText], prompt: str, page: int | None) -> None:
    """An indicator is anchored by its 三级指标 name; its values must be printed in that row."""
    path = f"indicators[{i}]"
    name = ground_text(ind.level3, pages) if ind.level3 else None
    if name is None or ind.level3 is None:
        g.issues.append(value_issue(f"{path}.level3", (ind.level3 or "")[:60], page, "the indicator"))
        return
    row = (name.bbox[1] - 2, name.bbox[3] + 2)
    in_row = [_band(p, row) for p in pages if p.page == name.page]
    sources = {"level3": to_source(name, prompt)}
    rec = Indicator(level3=ind.level3.strip())
    sub = Grounded({}, [], [])
    for field in ("level1", "level2", "deviation_note"):  # merged cells may span rows: anywhere on the page
        _text(sub, field, getattr(ind, field), [p for p in pages if p.page == name.page], prompt, name.page)
    for field in ("weight", "score"):
        _number(sub, field, getattr(ind, field), in_row, prompt, None, name.page)
    for field in ("target", "actual"):  # printed with operators and units (≥95%): numbers or text, in the row
        value = getattr(ind, field)
        if value and parse_number(value).is_number:
            _number(sub, field, value, in_row, prompt, None, name.page)
        else:
            _text(sub, field, value, in_row, prompt, name.page)
    for field, (value, src) in sub.values.items():
        sources[field] = src
        if field in ("target", "actual"):  # kept as printed ("≥95%"), with the parsed number beside it
            p = parse_number(src.raw)
            setattr(rec, field, src.raw)
            setattr(rec, f"{field}_value", p.value if p.is_number else None)
        else:
            setattr(rec, field, value)
    g.issues.extend(x.model_copy(update={"path": f"{path}.{x.path}"}) for x in sub.issues)
    g.indicators.append((rec, sources))


def _band(page: PageText, row: tuple[float, float]) -> PageText:
    """The words of one printed row: where an indicator's values may be grounded."""
    return PageText(page.page, [w for w in page.words if row[0] <= w.cy <= row[1]])


def _row_of(label: str, pages: list[PageText]) -> tuple[float, float] | None:
    m = ground_text(label, pages)
    return (m.bbox[1] - 2, m.bbox[3] + 2) if m is not None and m.score == 1.0 else None
