"""The one number parser of the project (DESIGN.md, "Numbers are the product").

Table cells and narrative text both go through `parse_number` / `parse_quantity`, so "4183. 78", "(1,234.00)",
"３３，２４７．９３" and "７３．６８％" mean the same everywhere. The parser is total: it never raises and never
guesses. Every result is a `ParsedNumber` of one kind:

- ``number``: `value` is the exact `Decimal` as printed (sign applied, separators removed, scale kept);
- ``null``: a printed blank (empty, ``—``, ``-``, ``–``, ``/``, ``－``, ``无``): value None, never 0;
- ``placeholder``: a template's ``XXX`` / ``XX%``: value None;
- ``unreadable``: anything else, including garbled numbers ("9746 50.", "918%.", "1.234.567"): value None and a
  `reason`, so the caller records an issue instead of inventing a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from extraction.errors import BudgetlensError

NumberKind = Literal["number", "null", "placeholder", "unreadable"]

MONEY_UNITS: tuple[str, ...] = ("元", "万元", "亿元")
BARE_MONEY_UNITS: dict[str, str] = {"万": "万元", "亿": "亿元"}
"""万 / 亿 written without 元 (金额单位：万; 接待支出3.2万（含…）): the money unit they stand for."""
PERCENT = "%"
COUNT_UNITS: tuple[str, ...] = (
    "台（套）",
    "人次",
    "批次",
    "架次",
    "个",
    "辆",
    "台",
    "套",
    "人",
    "次",
    "项",
    "家",
    "户",
    "名",
    "件",
    "份",
    "批",
    "场",
    "篇",
    "处",
    "期",
    "册",
    "条",
)
"""Units of counted things in 情况说明 (车辆0辆, 2台（套）, 4个); 年/月/日 are dates and deliberately absent."""

_EXPONENT = {"元": 0, "万元": 4, "亿元": 8}

# One-to-one character map (same length), so that offsets in normalized text are offsets in the printed text.
_FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
_FULLWIDTH.update(
    {
        "，": ",",
        "．": ".",
        "％": "%",
        "（": "(",
        "）": ")",
        "－": "-",
        "＋": "+",
        "−": "-",
        "﹣": "-",
        "／": "/",
        "　": " ",
        "\u00a0": " ",
        "￥": "¥",
        "Ｘ": "X",
        "ｘ": "x",
    }
)
_TRANSLATE = str.maketrans(_FULLWIDTH)


def _alt(units: tuple[str, ...]) -> str:
    return "|".join(re.escape(normalize(u)) for u in sorted(units, key=len, reverse=True))


def normalize(text: str) -> str:
    """Full-width digits and punctuation → ASCII, char for char (len(normalize(s)) == len(s))."""
    return text if text.isascii() else text.translate(_TRANSLATE)


_FAST = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_NULL = re.compile(r"[-—–―─~/\\_]+|无|")
_NO_SPACE = re.compile(r"\s+")
_BODY = r"[0-9](?:[0-9,. ]*[0-9])?|[Xx]+"


def _shape(units: tuple[str, ...]) -> re.Pattern[str]:
    u = _alt(units)
    return re.compile(
        rf"(?P<lp>\()?\s*(?P<sign>[-+])?(?P<cur>¥)?\s*(?P<body>{_BODY})"
        rf"\s*(?P<unit>{u})?\s*(?P<rp>\))?\s*(?P<unit2>{u})?"
    )


_MONEY_SHAPE = _shape((*MONEY_UNITS, PERCENT))
_QUANTITY_SHAPE = _shape((*MONEY_UNITS, PERCENT, *COUNT_UNITS))
_CANONICAL = {normalize(u): u for u in (*MONEY_UNITS, PERCENT, *COUNT_UNITS)}
_SPACE_AFTER_POINT = re.compile(r"\. +")
_THOUSANDS = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_MULTI_POINT = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+\.[0-9]{1,2}")
_NUMBER_LIKE = re.compile(r"[0-9,. ()+\-%¥]*[0-9][0-9,. ()+\-%¥]*(?:万元|亿元|元)?|\(?[Xx]+ ?(?:%|万元|亿元|元)?\)?")
_UNIT_STATEMENT = re.compile(r"单位\s*[:：]?\s*(?:人民币)?\s*(亿元|万元|元|亿(?!\w)|万(?!\w))")


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """A printed number read without guessing; `raw` is the text exactly as given."""

    raw: str
    kind: NumberKind
    value: Decimal | None = None
    unit: str | None = None
    reason: str | None = None

    @property
    def is_number(self) -> bool:
        return self.kind == "number"

    @property
    def percent(self) -> bool:
        return self.unit == PERCENT


class UnitError(BudgetlensError, ValueError):
    """A unit that is not 元/万元/亿元 was given to a money conversion."""

    code = "unit_error"


def parse_number(text: str) -> ParsedNumber:
    """Read an amount or percentage (units 元/万元/亿元/% before or after); never raises, never guesses."""
    s = text.strip()
    if s.isascii() and _FAST.fullmatch(s):
        return ParsedNumber(raw=text, kind="number", value=Decimal(s))
    return _parse(text, False)


def parse_quantity(text: str) -> ParsedNumber:
    """Like `parse_number`, also accepting count units (2台（套）, 车辆0辆 → 0 辆)."""
    return _parse(text, True)


@lru_cache(maxsize=65536)
def _parse(text: str, counts: bool) -> ParsedNumber:
    """Cached: table cells repeat ("0.00", "—") and results are immutable."""
    s = _NO_SPACE.sub(" ", normalize(text)).strip()
    if _NULL.fullmatch(s.replace(" ", "")):
        return ParsedNumber(raw=text, kind="null")
    m = (_QUANTITY_SHAPE if counts else _MONEY_SHAPE).fullmatch(s)
    if m is None:
        reason = "no digits" if not any(c.isdigit() for c in s) else "unexpected characters around the digits"
        return _unreadable(text, reason)
    unit, problem = _unit_of(m)
    if problem:
        return _unreadable(text, problem)
    body = m["body"]
    if body[0] in "Xx":
        return ParsedNumber(raw=text, kind="placeholder", unit=unit)
    digits, problem = _clean_body(body)
    if digits is None:
        return _unreadable(text, problem)
    value = Decimal(digits)
    if m["lp"] or m["sign"] == "-":
        value = -value
    return ParsedNumber(raw=text, kind="number", value=value, unit=unit)


def _unit_of(m: re.Match[str]) -> tuple[str | None, str]:
    """The unit and sign decorations must be consistent, else the text is not read."""
    if bool(m["lp"]) != bool(m["rp"]):
        return None, "unbalanced parenthesis"
    if m["lp"] and m["sign"]:
        return None, "both a sign and parentheses"
    if m["unit"] and m["unit2"]:
        return None, "two units"
    unit = m["unit"] or m["unit2"]
    if m["cur"]:
        if unit and unit != "元":
            return None, "currency sign with another unit"
        unit = "元"
    return (_CANONICAL[unit] if unit else None), ""


def _clean_body(body: str) -> tuple[str | None, str]:
    """Digits with separators → a Decimal literal; ambiguous groupings are refused, not guessed."""
    if " " in body:
        body = _SPACE_AFTER_POINT.sub(".", body)  # OCR: "4183. 78"
        if " " in body:
            return None, "space between digits"
    points = body.count(".")
    if "," in body:
        if points <= 1 and _THOUSANDS.fullmatch(body):
            return body.replace(",", ""), ""
        return None, "thousands separators in the wrong place"
    if points <= 1:
        return body, ""
    if _MULTI_POINT.fullmatch(body):  # OCR: "2.381.35", the last point is the decimal point
        head, _, decimals = body.rpartition(".")
        return f"{head.replace('.', '')}.{decimals}", ""
    return None, "several decimal points"


def _unreadable(text: str, reason: str) -> ParsedNumber:
    return ParsedNumber(raw=text, kind="unreadable", reason=reason)


def read_cell_number(text: str) -> tuple[Decimal | None, bool]:
    """Table-cell adapter: (value, unreadable). Blank/—/placeholder → (None, False); garbage → (None, True)."""
    p = parse_number(text)
    return p.value, p.kind == "unreadable"


def is_number_like(text: str) -> bool:
    """Is this a value cell rather than a label? True for numbers (also garbled ones such as "918%."),
    printed blanks (—, -, /, 无) and placeholders; False for empty text and for labels.
    A bare code such as 2010601 is number-like: telling codes from values is the caller's job (by column)."""
    s = normalize(text).strip()
    if not s:
        return False
    return bool(_NULL.fullmatch(_NO_SPACE.sub("", s)) or _NUMBER_LIKE.fullmatch(s))


def parse_unit_statement(text: str) -> str | None:
    """单位：万元 / 金额单位:万 / （单位：元） → 元|万元|亿元, else None."""
    m = _UNIT_STATEMENT.search(normalize(text))
    if m is None:
        return None
    unit = m.group(1)
    return BARE_MONEY_UNITS.get(unit, unit)


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """Exact conversion between 元/万元/亿元 (a power-of-ten shift: no rounding, invertible)."""
    try:
        shift = _EXPONENT[from_unit] - _EXPONENT[to_unit]
    except KeyError as exc:
        raise UnitError(f"unknown money unit {exc.args[0]!r}; expected one of 元, 万元, 亿元") from None
    out = value.scaleb(shift)
    exponent = out.as_tuple().exponent
    return Decimal(int(out)) if isinstance(exponent, int) and exponent > 0 else out  # 6.2E+4 → 62000


def to_yuan(value: Decimal, unit: str) -> Decimal:
    """Amount in 元: 6.2 万元 → 62000."""
    return convert(value, unit, "元")


def format_number(value: Decimal, thousands: bool = True) -> str:
    """Print a Decimal as the disclosures do (33,247,561.93 or 33247561.93); the inverse of `parse_number`."""
    if not value.is_finite():
        raise ValueError(f"cannot print {value}")
    return format(value, ",f" if thousands else "f")
