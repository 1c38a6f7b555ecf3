"""Find every form in a document: the grids of all pages as one row stream, cut where a new form begins.

A form continued on the next page is simply the next rows of the stream; a new form begins at its 项目名称 /
部门名称 row (or a scoring table's header). Labels such as 附件2-3-1 and the title's year are printed above
the form, outside the grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.classify import compact
from extraction.final_accounts import TextRow as Line
from extraction.forms.dept import build_dept
from extraction.forms.project import build_project
from extraction.forms.rows import FormRow, grid_rows
from extraction.forms.scoring import build_scoring, is_scoring_header
from extraction.layout.grid import Grid
from extraction.records import DeptSelfEvaluation, Indicator, ProjectSelfEvaluation, ScoringTable, Source

FormRecord = ProjectSelfEvaluation | DeptSelfEvaluation | ScoringTable
_LABEL = re.compile(r"^(附件\s*[\d\-－—]+|附表\s*\d+|附件\s*\d+)")
_STATS = re.compile(r"^单位|[:：].*\d")
_YEAR = re.compile(r"(20\d{2})\s*[）)]?\s*年度?")


@dataclass(slots=True)
class _Form:
    kind: str
    rows: list[FormRow]
    title: FormRow | None = None


def read_forms(grids: list[Grid], lines: list[Line]) -> list[FormRecord]:
    stream = [row for g in grids for row in grid_rows(g)]
    out: list[FormRecord] = []
    for form in _split(stream):
        rec: FormRecord
        if form.kind == "project":
            rec = build_project(form.rows)
        elif form.kind == "dept":
            rec = build_dept(form.rows)
        else:
            rec = build_scoring(form.rows)
            if form.title is not None:
                rec.title = form.title.joined
            _attach(rec, out, form.rows)
        _label_and_year(rec, (form.title or form.rows[0]), lines)
        if isinstance(rec, ScoringTable) and rec.project_name is None:
            _project_from_cover(rec, lines)
        out.append(rec)
    return out


_PROJECT_LINE = re.compile(r"^项目名称[:：](.+)$")


def _project_from_cover(table: ScoringTable, lines: list[Line]) -> None:
    """A report scoring a whole department or project names it once, on its cover (项目名称：…)."""
    first = min(table.pages, default=0)
    for ln in lines:
        m = _PROJECT_LINE.match(compact(ln.text))
        if m and ln.page <= first:
            table.project_name = m.group(1)
            table.sources["project_name"] = Source(page=ln.page, bbox=ln.bbox, raw=ln.text)
            return


def _attach(table: ScoringTable, before: list[FormRecord], rows: list[FormRow]) -> None:
    """A scoring table printed inside a project's 评价表 scores that project: its leaves are the project's
    indicators when the form has no 绩效指标 block of its own, and its 问题和建议 row is the form's."""
    prev = before[-1] if before else None
    if not isinstance(prev, ProjectSelfEvaluation):
        return
    for row in rows:
        k = row.first("问题和建议", "存在问题")
        if k is not None and (after := row.after(k)) is not None and after.text:
            prev.analysis[row.cells[k].text] = after.text
    table.project_name = table.project_name or prev.project_name
    prev.pages = sorted({*prev.pages, *table.pages})
    if prev.indicators:
        return
    deepest = max((n.level for n in table.nodes), default=0)
    for n in table.nodes:
        if n.level == deepest:
            levels = [*n.path, None, None][:3]
            prev.indicators.append(Indicator(level1=levels[0], level2=levels[1], level3=levels[2],
                                             weight=n.weight, score=n.score))
    if table.total_score is not None and prev.total_score is None:
        prev.total_score, prev.total_weight, prev.grade = table.total_score, table.total_weight, table.grade


def _kind(row: FormRow) -> str | None:
    if row.first("项目名称") is not None and "一级指标" not in row.joined:
        return "project"
    if row.first("部门名称") is not None:
        return "dept"
    if is_scoring_header(row):
        return "scoring"
    return None


def _split(stream: list[FormRow]) -> list[_Form]:
    forms: list[_Form] = []
    for row in stream:
        kind = _kind(row)
        if kind is not None and not (kind == "scoring" and forms and forms[-1].kind == "scoring"
                                     and _adjacent(forms[-1], row)):
            title = _title_row(forms, row) if kind == "scoring" else None
            forms.append(_Form(kind, [row], title))
        elif forms:
            forms[-1].rows.append(row)
    return forms


def _title_row(forms: list[_Form], header: FormRow) -> FormRow | None:
    """A one-cell row spanning the table right above a scoring header (二、绩效评价指标评分) is its title."""
    if not forms or len(forms[-1].rows) < 2:
        return None
    last = forms[-1].rows[-1]
    cells = [c for c in last.cells if c.text]
    width = max(c.x1 for c in header.cells) - min(c.x0 for c in header.cells)
    if last.page == header.page and len(cells) == 1 and cells[0].x1 - cells[0].x0 >= 0.6 * width:
        return forms[-1].rows.pop()
    return None


def _adjacent(form: _Form, row: FormRow) -> bool:
    """A scoring table's header repeated at the top of the next page continues it."""
    return row.page == form.rows[-1].page + 1 and row.joined == form.rows[0].joined


def _label_and_year(rec: FormRecord, first: FormRow, lines: list[Line]) -> None:
    top = min(c.cell.bbox[1] for c in first.cells)
    above = [ln for ln in lines if ln.page == first.page and top - 90 <= ln.bbox[3] <= top + 1]
    above.sort(key=lambda ln: -ln.bbox[1])
    for ln in above[:4]:
        t = compact(ln.text)
        m = _LABEL.match(t)
        if m and hasattr(rec, "form_label") and rec.form_label is None:
            rec.form_label = m.group(1)
            rec.sources["form_label"] = Source(page=ln.page, bbox=ln.bbox, raw=ln.text)
        y = _YEAR.search(t)
        if y and hasattr(rec, "fiscal_year") and rec.fiscal_year is None and ("表" in t or "年度" in t):
            rec.fiscal_year = int(y.group(1))
        if isinstance(rec, ScoringTable) and rec.title is None and not m and len(t) > 4 and not _STATS.search(t):
            rec.title = t  # the nearest line above that is not an 附件 label nor a line of figures
