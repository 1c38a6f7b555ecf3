"""Self-evaluation rules that read the report text beside the forms: funds score vs the scoring rule, points lost
yet described as achieved, grade words in the text, 到位率 vs the money that arrived (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from checks.model import Evidence, Finding, fmt
from checks.registry import rule
from checks.rules_se import GRADE_BANDS, SE, _finding, _projects
from checks.view import DocView
from extraction.records import ProjectSelfEvaluation, ReportSection, ScoringTable

_SENTENCE = re.compile(r"[^。；;！!？?]+")
_NEGATION = re.compile(r"未|没有|尚未|不足|差距|偏差|扣分|不到位|未能|未完成|不达")
_GRADE_WORD = {"优秀": "优", "优": "优", "良好": "良", "良": "良", "中等": "中", "中": "中", "合格": "中", "及格": "中",
               "差": "差", "不合格": "差"}
_SCORE_GRADE = re.compile(r"(\d{2,3}(?:\.\d{1,2})?)\s*分[^。；]{0,24}?(?:(?:评价结果为|获得|等级为|评定为|等次为|评为|为)"
                          r"[“\"]?(优秀|良好|中等|不合格|合格|及格|优|良|中|差)[”\"]?(?:等次|等级|档次)?"
                          r"|(优秀|良好|中等|不合格|合格|及格|优|良|中|差)(?:等次|等级|档次))")


def _sections(doc: DocView) -> Iterator[tuple[int, ReportSection]]:
    for i, r in enumerate(doc.result.records):
        if isinstance(r, ReportSection) and r.text:
            yield i, r


def _section_ev(i: int, r: ReportSection, quote: str) -> Evidence:
    s = r.sources.get("text")
    heading = r.heading_path[-1] if r.heading_path else ""
    return Evidence(record=f"section[{i}]:{heading}", path="text", page=s.page if s else (r.pages[0] if r.pages else None),
                    bbox=s.bbox if s else None, quote=quote[:120])


@rule("SE-015", "资金执行得分与评分规则", "self_evaluation.funds", "warning", SE, formula="proportional",
      rounding=1)
def funds_score_rule(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """预算执行率的得分应按本地区评分规则计算；默认（云南、山西等的常用口径）为 执行率 × 分值，最高为满分。
    得分高出规则算出的分数时报出：高出不到 rounding 分（整数计分时的进位）为提示，更多为警告；formula: none 关闭。"""
    if params.get("formula") != "proportional":
        return
    step = Decimal(str(params["rounding"]))
    for i, rec in _projects(doc):
        row = rec.funds.total
        if row is None or row.weight is None or row.score is None or row.execution_rate is None:
            continue
        want = min(row.execution_rate * row.weight / 100, row.weight).quantize(Decimal("0.01"))
        over = row.score - want
        if over <= 0:
            continue
        rounding = over < step
        yield _finding("SE-015", "资金执行得分与评分规则", "info" if rounding else "warning", i, rec,
                       f"执行率{fmt(row.execution_rate)}%、分值{fmt(row.weight)}，按“执行率×分值”应得{fmt(want)}分，"
                       f"表中得分{fmt(row.score)}" + ("（整数计分进位所致）" if rounding else ""),
                       ["funds.total.score", "funds.total.execution_rate"], fmt(want), fmt(row.score))


def _zero_scored(doc: DocView) -> Iterator[tuple[str, str, Decimal, int, str]]:
    """(name, record ref, weight, page, path) of every scored item that got 0 of a positive weight."""
    for i, r in enumerate(doc.result.records):
        if isinstance(r, ScoringTable):
            for k, n in enumerate(r.nodes):
                if n.score == 0 and n.weight and n.weight > 0:
                    yield n.name, f"scoring[{i}]:{r.title or ''}", n.weight, (r.pages or [0])[0], f"nodes[{k}].score"
        elif isinstance(r, ProjectSelfEvaluation):
            for k, x in enumerate(r.indicators):
                if x.score == 0 and x.weight and x.weight > 0 and x.level3:
                    yield x.level3, f"form[{i}]:{r.project_name}", x.weight, (r.pages or [0])[0], f"indicators[{k}].score"


@rule("SE-016", "得0分的指标被说成已完成", "self_evaluation.narrative", "warning",
      ("scoring_table", "project_self_evaluation", "report_section"))
def zero_points_but_achieved(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """评分表给某项指标 0 分，报告正文却在没有任何否定词的句子里写它已经完成（达到、完成、不低于…）：两者必有一错。"""
    sections, seen = list(_sections(doc)), set()
    for name, ref, weight, page, path in _zero_scored(doc):
        key = re.sub(r"[（(][^）)]*[）)]|\s", "", name)
        if len(key) < 4 or key in seen:
            continue
        seen.add(key)
        hit = next(((i, r, s) for i, r in sections for s in _SENTENCE.findall(r.text)
                    if key in s and not _NEGATION.search(s)), None)
        if hit is None:
            continue
        i, r, sentence = hit
        at = sentence.index(key)
        quote = sentence[max(0, at - 10): at + len(key) + 20]
        yield Finding(rule_id="SE-016", severity="warning", title="得0分的指标被说成已完成",
                      message=f"“{name}”分值{fmt(weight)}、得分0，报告却写“…{quote}…”",
                      expected="0分的原因或未完成的说明", found=quote,
                      evidence=[Evidence(record=ref, path=path, page=page or None, quote=name), _section_ev(i, r, quote)])


@rule("SE-018", "报告中的等级与得分不符", "self_evaluation.grade", "warning", ("report_section",), bands=GRADE_BANDS)
def grade_words_in_text(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """报告正文“得分 N 分，评价结果为/获得 X 等次”：X 应与等级标准（默认 ≥90 优、≥80 良、≥60 中、其余差）给 N 的等级一致。"""
    bands = [(g, Decimal(str(low))) for g, low in params["bands"]]
    for i, r in _sections(doc):
        for m in _SCORE_GRADE.finditer(r.text):
            score, word = Decimal(m.group(1)), m.group(2) or m.group(3)
            if score > 100:
                continue
            want = next(g for g, low in bands if score >= low)
            if _GRADE_WORD[word] != want:
                yield Finding(rule_id="SE-018", severity="warning", title="报告中的等级与得分不符",
                              message=f"报告写“{m.group(0)}”，按等级标准{fmt(score)}分应为“{want}”",
                              expected=want, found=word, evidence=[_section_ev(i, r, m.group(0))])


_ARRIVED = re.compile(r"到位(?:资金|数|金额)?(?:为|共|达)?(\d[\d,]*(?:\.\d+)?)\s*(万元|元)")
_ARRIVAL_RATE = re.compile(r"(?:到位率|实际到位资金与预算资金的比率)(?:为|达|达到)?\s*(\d+(?:\.\d+)?)\s*%")


@rule("SE-019", "资金到位率与到位数不符", "self_evaluation.funds", "warning", SE, tolerance_pct=0.5)
def arrival_rate(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """报告写资金到位率 R%，又写到位资金 A：R 应等于 A ÷ 全年预算数 × 100（预算数取项目表的年度资金总额）。"""
    projects = list(_projects(doc))
    if len(projects) != 1:
        return  # which project a report paragraph is about is only certain when there is one
    i, rec = projects[0]
    budget = _budget(rec)
    sections = list(_sections(doc))
    rate = next(((k, r, m) for k, r in sections for m in _ARRIVAL_RATE.finditer(r.text)), None)
    amount = next(((k, r, m) for k, r in sections for m in _ARRIVED.finditer(r.text)), None)
    if not budget or rate is None or amount is None:
        return
    unit = rec.funds.unit or "万元"
    arrived = Decimal(amount[2].group(1).replace(",", "")) * (Decimal(10000) if amount[2].group(2) == "万元" else 1)
    arrived = arrived / (Decimal(10000) if unit == "万元" else 1)
    want = arrived / budget * 100
    if abs(want - Decimal(rate[2].group(1))) > Decimal(str(params["tolerance_pct"])):
        yield Finding(rule_id="SE-019", severity="warning", title="资金到位率与到位数不符",
                      message=f"报告称到位率{rate[2].group(1)}%，又称{amount[2].group(0)}；全年预算数{fmt(budget)}{unit}，"
                              f"到位率应为{want:.2f}%", expected=f"{want:.2f}%", found=f"{rate[2].group(1)}%",
                      evidence=[_section_ev(rate[0], rate[1], rate[2].group(0)),
                                _section_ev(amount[0], amount[1], amount[2].group(0))])


def _budget(rec: ProjectSelfEvaluation) -> Decimal | None:
    """全年预算数 (else 年初预算数) of the total row, else of the first fund row that prints one (五华区 forms print
    the money on the 明细 row, not on 合计)."""
    rows = [r for r in (rec.funds.total, *rec.funds.others) if r is not None]
    return next((v for r in rows for v in (r.annual_budget, r.initial_budget) if v), None)


_NOTHING = {"", "无", "暂无", "没有", "/", "—", "-", "无问题", "不存在"}


def _lost_points(doc: DocView) -> Decimal:
    """Points the document's own scoring took off: 总分值 − 总得分 of the scoring tables, else of the projects."""
    tables = [r for r in doc.result.records if isinstance(r, ScoringTable) and r.total_score is not None]
    if tables:
        return sum(((t.total_weight or Decimal(100)) - (t.total_score or Decimal(0)) for t in tables[:1]), Decimal(0))
    return sum(((p.total_weight or Decimal(100)) - p.total_score for _, p in _projects(doc) if p.total_score is not None),
               Decimal(0))


@rule("SE-017", "问题清单全是“无”却扣了分", "self_evaluation.narrative", "warning",
      ("report_section", "scoring_table"), min_entries=3, min_share=0.8)
def empty_problem_list(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """评价扣了分，问题清单（或“存在的问题”各项）却几乎全填“无”：扣分的原因没有落实到问题上。"""
    entries = [(i, r) for i, r in _sections(doc) if any("问题清单" in h for h in r.heading_path)]
    entries += [(i, r) for i, r in enumerate(doc.result.records) if isinstance(r, ReportSection) and not r.text
                and any("问题清单" in h for h in r.heading_path[:-1]) and len(r.heading_path) >= 3]
    if len(entries) < int(params["min_entries"]):
        return
    empty = [(i, r) for i, r in entries if "".join(r.text.split()) in _NOTHING]
    lost = _lost_points(doc)
    if lost > 0 and Decimal(len(empty)) / len(entries) >= Decimal(str(params["min_share"])):
        i, r = empty[0]
        yield Finding(rule_id="SE-017", severity="warning", title="问题清单全是“无”却扣了分",
                      message=f"问题清单{len(entries)}项中{len(empty)}项为“无”或空白，而评分共扣了{fmt(lost)}分",
                      expected="扣分对应的问题", found=f"{len(empty)}/{len(entries)}项为“无”",
                      evidence=[_section_ev(k, s, s.text or "（空白）") for k, s in empty[:6]])
