"""Reading one form cell: amounts and percents through the one number parser, operators, target texts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from extraction.numbers import normalize, parse_number

_OPERATORS = {"≥": "≥", ">=": "≥", "≧": "≥", "⩾": "≥", "≤": "≤", "<=": "≤", "≦": "≤", "⩽": "≤",
              "=": "=", "＝": "=", "==": "=", ">": ">", "＞": ">", "<": "<", "＜": "<", "定性": "定性"}
_LEAD_OP = re.compile(r"^(>=|<=|==|≥|≤|≧|≦|⩾|⩽|＝|=|＞|>|＜|<)")
_NUM = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
_UNITS = ("%", "‰", "万元", "亿元", "元", "人次", "批次", "架次", "工作日", "小时", "平方米", "公里", "年", "月", "日", "天",
          "个", "次", "人", "件", "份", "台", "套", "辆", "期", "册", "篇", "项", "家", "户", "场", "条", "本", "分", "张",
          "株", "部", "所", "座", "名", "批", "处", "米", "吨", "亩", "页", "卷", "盒", "箱", "只", "块", "周", "季度")
_UNIT = re.compile("|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True)))


@dataclass(slots=True)
class CellNumber:
    value: Decimal | None
    unreadable: bool


def number(text: str) -> CellNumber:
    """An amount, score or percent cell: 10.69% → 10.69; blank/—/无 → None; garbage → unreadable, never 0."""
    if not text.strip():
        return CellNumber(None, False)
    p = parse_number(text)
    if p.kind == "number":
        return CellNumber(p.value, False)
    return CellNumber(None, p.kind == "unreadable")


def operator(text: str) -> str | None:
    t = normalize(text).replace(" ", "")
    return _OPERATORS.get(t)


@dataclass(slots=True)
class Target:
    operator: str | None
    value: Decimal | None
    unit: str | None


def target(text: str) -> Target:
    """Split a printed target such as "≥98%", "= 100%", "1年内", "≤ 10次" into operator, number and unit."""
    t = normalize(text).strip()
    op = None
    m = _LEAD_OP.match(t.replace(" ", ""))
    if m:
        op = _OPERATORS[m.group(1)]
        t = t.replace(" ", "")[m.end():]
    n = _NUM.search(t)
    if n is None:
        return Target(op, None, None)
    value = parse_number(n.group(0))
    rest = t[n.end():].strip()
    unit = _UNIT.match(rest)
    unit_text = unit.group(0) if unit else None
    if unit and (per := re.match(r"/(" + _UNIT.pattern + ")", rest[unit.end():])):
        unit_text = unit.group(0) + per.group(0)  # 元/年, 次/月
    return Target(op, value.value if value.kind == "number" else None, unit_text)


def unit_only(text: str) -> str | None:
    """A cell holding an operator and a unit but no number ("= %", "≥元/年"): the unit."""
    t = _LEAD_OP.sub("", normalize(text).replace(" ", ""))
    m = re.fullmatch(r"(" + _UNIT.pattern + r")(/(" + _UNIT.pattern + r"))?", t)
    return m.group(0) if m else None
