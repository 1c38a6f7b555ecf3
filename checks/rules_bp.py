"""Boilerplate / copy-paste rules (BP-001..004): this report's passages against a corpus of past reports.

The comparison lives in `checks.boilerplate` (one run per document shared by the four rules), the exact measure in
`checks.textsim`, the legitimately standard text in `checks/data/standard_text.yaml`. Here: what each rule
reports and how it says it. Without a corpus (`run_checks(..., corpus=None)`) these rules report nothing.

Severities: copying (BP-001/002/003) is a warning — the text or indicators were not written for this report, and
what they claim may not be true of it. BP-004 grades itself: a generic, widely shared 年度目标 / 实际完成情况 /
偏差原因 is a warning (the form must say what this project set out to do and did), generic narrative text in a
report section is info (a weak signal that does not rank a report).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from checks.boilerplate import FORM_TEXT, Candidate, Verdict, analyse
from checks.model import Evidence, Finding, Severity
from checks.registry import rule
from checks.textsim import figures_differ, indicator_lines, vague_words
from checks.view import DocView
from extraction.passages import Passage

BP = ("project_self_evaluation", "dept_self_evaluation", "report_section")
_KIND = {"goal_text": "年度总体目标", "result_text": "实际完成情况", "deviation_note": "偏差原因分析",
         "indicator_set": "绩效指标"}
QUOTE = 120


def label(p: Passage) -> str:
    """What the passage is, as the reviewer reads it: 项目“X”的年度总体目标, “三、…”一节, “…”一节中的一段."""
    if p.kind in _KIND:
        owner = f"项目“{p.project_name}”" if p.project_name else "部门整体自评表"
        return f"{owner}的{_KIND[p.kind]}"
    heading = p.record.split(":", 1)[1] if ":" in p.record else (p.section or "")
    return f"“{heading}”一节" + ("中的一段" if p.kind == "paragraph" else "")


def report_name(p: Passage) -> str:
    year = f"{p.fiscal_year}年度" if p.fiscal_year else "年度不详"
    return f"《{p.file_name or p.document_id[:12]}》（{p.department or '部门不详'}，{year}）"


def evidence(p: Passage, other: bool = False) -> Evidence:
    """This report's passage, or the other report's: its record is `other:{document id}:{file name}:{record}` so that
    the review app can tell the two apart and open the other report on its page."""
    record = f"other:{p.document_id}:{p.file_name}:{p.record}" if other else p.record
    return Evidence(record=record, path=p.path, page=p.page, bbox=p.bbox, quote=p.text[:QUOTE])


def _short(text: str, n: int = 30) -> str:
    t = "".join(text.split())
    return t if len(t) <= n else t[:n] + "…"


def _capped(verdicts: list[Verdict], params: dict[str, Any]) -> tuple[list[Verdict], int]:
    """The max_findings closest matches, in report order, and how many were left out."""
    cap = int(params["max_findings"])
    if len(verdicts) <= cap:
        return verdicts, 0
    keep = {id(v) for v in sorted(verdicts, key=lambda v: -v.best[0].match.score)[:cap]}
    return [v for v in verdicts if id(v) in keep], len(verdicts) - cap


def _findings(rule_id: str, title: str, verdicts: list[Verdict], params: dict[str, Any],
              say: Callable[[Verdict], tuple[Severity, str]]) -> Iterator[Finding]:
    shown, left = _capped(verdicts, params)
    for n, v in enumerate(shown):
        severity, message = say(v)
        if left and n == len(shown) - 1:
            message += f"（另有{left}处同类情况未逐条列出，可调高 max_findings 查看）"
        yield Finding(rule_id=rule_id, severity=severity, title=title, message=message,
                      found=f"相似度{v.best[0].match.score:.2f}",
                      evidence=[evidence(v.ours), *(evidence(x.other, other=True) for x in v.best[:3])])


def _copied(v: Verdict) -> tuple[Severity, str]:
    x = v.best[0]
    whose = {"other_dept": "另一部门", "other_year": "另一年度", "earlier": "本部门往年", "later": "本部门其他年度"}
    return "warning", (f"{label(v.ours)}与{whose.get(x.relation, '另一份')}报告{report_name(x.other)}中{label(x.other)}"
                       f"{x.match.describe(figures_differ(v.ours.text, x.other.text))}：“{_short(v.ours.text)}”")


@rule("BP-001", "段落与其他报告雷同", "boilerplate.copy", "warning", BP, threshold=0.85, min_chars=10, k=10,
      max_findings=50, standard_text="")
def copied_passage(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """本报告的一段文字（年度总体目标、实际完成情况、偏差原因分析、报告的一节或一段）与另一份报告（另一部门的，或
    另一年度的）中的一段几乎相同（去掉空白、标点并把数字视为相同后，相似度 ≥ threshold），或整段（至少30字）包含在
    对方更长的文字里：很可能是照抄的，所写内容未必符合本单位本年度的实际。比较前先去掉规范性文字（名词解释、表注、
    填表说明、公开模板规定的套表句式，见 checks/data/standard_text.yaml），只比较各单位自己写的部分；数字不同而
    不含数字的文字不足12字的（“本年收入合计X万元，其中…”）是模板重新填数，不算照抄。同一部门同一年度的另一份材料
    不算；同一部门上一年度原样保留的一节或一段归 BP-003，空泛且多个部门通用的套话归 BP-004，这样的段落本规则不再
    报告。每段只报最相近的一处。需要往年报告语料库（未提供语料库时本规则不报告）。"""
    yield from _findings("BP-001", "段落与其他报告雷同", analyse(doc)["BP-001"], params, _copied)


def _indicators(v: Verdict) -> tuple[Severity, str]:
    x = v.best[0]
    whose = _whose_indicators(v.ours, x)
    same = "".join(x.other.text.split()) == "".join(v.ours.text.split())
    owner = f"项目“{v.ours.project_name}”" if v.ours.project_name else "部门整体自评表"
    return "warning", (f"{owner}的{len(indicator_lines(v.ours.text))}项绩效指标与{whose}（{report_name(x.other)}）的"
                       f"指标{'完全相同（指标值也相同）' if same else '几乎相同'}（相似度{x.match.score:.2f}）："
                       "指标体系可能是照搬的，未按本项目本年度的实际设定")


def _whose_indicators(p: Passage, x: Candidate) -> str:
    year = f"{x.other.fiscal_year or '另一'}年度"
    if not p.project_name:  # 部门整体
        return "另一部门的部门整体自评表" if x.relation == "other_dept" else f"本部门{year}的部门整体自评表"
    if "".join((x.other.project_name or "").split()) != "".join(p.project_name.split()):
        return f"另一项目“{x.other.project_name}”"
    return "另一部门的同名项目" if x.relation == "other_dept" else f"同一项目{year}"


@rule("BP-002", "绩效指标与其他报告雷同", "boilerplate.indicators", "warning",
      ("project_self_evaluation", "dept_self_evaluation"),
      threshold=0.8, min_indicators=3, k=10, max_findings=50, standard_text="")
def copied_indicator_set(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """绩效自评表的指标体系（三级指标、指标值、度量单位，逐行比较，指标值的数字不计）与另一份报告中一张同类自评表
    （项目对项目，部门整体对部门整体）的指标体系几乎相同（相同的行占全部行的比例 ≥ threshold，至少 min_indicators
    项）：另一个项目的，或同一项目另一年度的，说明中注明是哪一种，指标值也相同时注明“完全相同”。同一份材料内项目
    之间的照搬由 SE-009 报告，本规则只比较其他报告；同一项目同一年度的同一张表出现在另一份材料中不算。
    需要往年报告语料库（未提供时不报告）。"""
    yield from _findings("BP-002", "绩效指标与其他报告雷同", analyse(doc)["BP-002"], params, _indicators)


def _unchanged(v: Verdict) -> tuple[Severity, str]:
    x = v.best[0]
    basis = "除数字外" if figures_differ(v.ours.text, x.other.text) else ""
    return "warning", (f"{label(v.ours)}与本部门{x.other.fiscal_year}年度报告{report_name(x.other)}中{label(x.other)}"
                       f"{basis}几乎未变（相似度{x.match.score:.2f}）：“{_short(v.ours.text)}”")


@rule("BP-003", "章节与上年报告相同", "boilerplate.unchanged", "warning", ("report_section",), threshold=0.85,
      min_chars=10, k=10, max_years_back=1, max_findings=50, standard_text="")
def unchanged_section(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """本报告的一节（或其中一段）与同一部门上一年度（往前最多 max_years_back 年）报告中的一节或一段几乎相同
    （相似度 ≥ threshold，数字变了而文字未变也算）：如“存在的问题”“下一步改进措施”年年不变，说明没有按当年情况
    填写。整节未变时只报这一节，不再逐段报告；优先对照同名章节，章节改了编号或标题而内容未变也报告。部门职能、机构
    设置、名词解释等本应年年相同的内容（checks/data/standard_text.yaml）不报；空泛且多个部门通用的套话归 BP-004。
    需要往年报告语料库（未提供时不报告）。"""
    yield from _findings("BP-003", "章节与上年报告相同", analyse(doc)["BP-003"], params, _unchanged)


def _generic(v: Verdict) -> tuple[Severity, str]:
    n = len(v.best)
    depts = {"".join(d.split()) for d in (v.ours.department, *(x.other.department for x in v.best)) if d}
    words = vague_words(v.ours.text)
    why = f"，多为“{'”“'.join(words)}”等表述" if words else ""
    others = "、".join(report_name(x.other) for x in v.best[:3]) + ("等" if n > 3 else "")
    return ("warning" if v.ours.kind in FORM_TEXT else "info"), (
        f"{label(v.ours)}没有可核验的内容（无数字、数量或时限{why}），且在另外{n}份报告（共{len(depts)}个部门）中"
        f"几乎原样出现：{others}：“{_short(v.ours.text)}”")


@rule("BP-004", "空泛套话在多份报告中重复", "boilerplate.generic", "warning", BP, threshold=0.8, min_chars=10,
      stock_every=20, k=20, min_reports=2, min_departments=3, max_findings=50, standard_text="")
def generic_text(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """一段文字没有任何可核验的内容（没有数字、百分比、时限日期、“三次”“两个”这样的数量，也没有《文件名》、文号），
    由“加强”“提高”“进一步”“切实”“扎实推进”之类的表述堆成（平均每 stock_every 个字至少一个），而且在另外至少
    min_reports 份报告中几乎原样出现、连同
    本报告涉及至少 min_departments 个部门：是通用套话，没有写出本单位做了什么。年度总体目标、实际完成情况、偏差原因
    为警告，报告正文中的套话为提示。这样的段落只由本规则报告一次（不再按 BP-001 逐份报告，也不再按 BP-003 报告
    “与上年相同”）；规范性文字不报。需要往年报告语料库（未提供时不报告）。"""
    yield from _findings("BP-004", "空泛套话在多份报告中重复", analyse(doc)["BP-004"], params, _generic)

