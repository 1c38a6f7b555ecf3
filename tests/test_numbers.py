"""The one number parser: every printed form, and properties that keep it from guessing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extraction.numbers import (
    ParsedNumber,
    UnitError,
    convert,
    format_number,
    is_number_like,
    normalize,
    parse_number,
    parse_quantity,
    parse_unit_statement,
    read_cell_number,
    to_yuan,
)

D = Decimal
_TO_FULLWIDTH = str.maketrans(
    {**{str(i): chr(0xFF10 + i) for i in range(10)}, ",": "，", ".": "．", "%": "％", "-": "－", "(": "（", ")": "）"}
)
NULL_TOKENS = ["", " ", "—", "——", "-", "--", "–", "/", "－", "／", "无", " — ", "\u3000"]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("4183. 78", D("4183.78"), None),
        ("4183.  78", D("4183.78"), None),
        ("33,247,561.93", D("33247561.93"), None),
        ("(1,234.00)", D("-1234.00"), None),
        ("（1,234.00）", D("-1234.00"), None),
        ("-12.5", D("-12.5"), None),
        ("+12.5", D("12.5"), None),
        ("３３，２４７．９３", D("33247.93"), None),
        ("７３．６８％", D("73.68"), "%"),
        ("73.68%", D("73.68"), "%"),
        ("(12.5%)", D("-12.5"), "%"),
        ("2.381.35", D("2381.35"), None),
        ("1.234.567.8", D("1234567.8"), None),
        ("0", D("0"), None),
        ("0.00", D("0.00"), None),
        (" 12 ", D("12"), None),
        ("2995.39万元", D("2995.39"), "万元"),
        ("1560.05 万元", D("1560.05"), "万元"),
        ("1,400,987.54元", D("1400987.54"), "元"),
        ("3.5亿元", D("3.5"), "亿元"),
        ("￥1,200.00", D("1200.00"), "元"),
        ("4183.\n78", D("4183.78"), None),
    ],
)
def test_reads_printed_forms(text: str, value: Decimal, unit: str | None) -> None:
    p = parse_number(text)
    assert p == ParsedNumber(raw=text, kind="number", value=value, unit=unit)
    assert p.value.as_tuple() == value.as_tuple()  # scale kept: 0.00 stays 0.00


def test_keeps_scale_and_flags_percent() -> None:
    assert str(parse_number("2,946.20").value) == "2946.20"
    assert parse_number("73.68%").percent and not parse_number("73.68").percent


@pytest.mark.parametrize("text", NULL_TOKENS)
def test_null_tokens_are_null_not_zero(text: str) -> None:
    p = parse_number(text)
    assert (p.kind, p.value) == ("null", None)
    assert read_cell_number(text) == (None, False)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9746 50.", "unexpected characters around the digits"),
        ("918%.", "unexpected characters around the digits"),
        ("50.", "unexpected characters around the digits"),
        (".5", "unexpected characters around the digits"),
        ("12 34", "space between digits"),
        ("1.234.567", "several decimal points"),
        ("2.38.135", "several decimal points"),
        ("1..5", "several decimal points"),
        ("1,23", "thousands separators in the wrong place"),
        ("0,123.00", "thousands separators in the wrong place"),
        ("2.381,35", "thousands separators in the wrong place"),
        ("1,234.567.8", "thousands separators in the wrong place"),
        ("(-1)", "both a sign and parentheses"),
        ("(12", "unbalanced parenthesis"),
        ("12%万元", "two units"),
        ("¥12万元", "currency sign with another unit"),
        ("合计", "no digits"),
        ("12个", "unexpected characters around the digits"),
        ("2024年", "unexpected characters around the digits"),
        ("–12.5", "unexpected characters around the digits"),
    ],
)
def test_garbled_numbers_are_unreadable(text: str, reason: str) -> None:
    assert parse_number(text) == ParsedNumber(raw=text, kind="unreadable", reason=reason)
    assert read_cell_number(text) == (None, True)


@pytest.mark.parametrize(("text", "unit"), [("XXX 万元", "万元"), ("XX%", "%"), ("ＸＸ％", "%"), ("XXX", None)])
def test_placeholders_have_no_value(text: str, unit: str | None) -> None:
    assert parse_number(text) == ParsedNumber(raw=text, kind="placeholder", unit=unit)
    assert read_cell_number(text) == (None, False)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("0辆", D("0"), "辆"),
        ("2台（套）", D("2"), "台（套）"),
        ("2台(套)", D("2"), "台（套）"),
        ("4个", D("4"), "个"),
        ("12 人", D("12"), "人"),
        ("3项", D("3"), "项"),
        ("6.2万元", D("6.2"), "万元"),
        ("0.21%", D("0.21"), "%"),
    ],
)
def test_quantities_with_count_units(text: str, value: Decimal, unit: str) -> None:
    assert parse_quantity(text) == ParsedNumber(raw=text, kind="number", value=value, unit=unit)


def test_quantity_rejects_unknown_units() -> None:
    assert parse_quantity("12年").kind == "unreadable"
    assert parse_quantity("1.5个百分点").kind == "unreadable"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123", True),
        ("33,247,561.93", True),
        ("(1,234.00)", True),
        ("７３．６８％", True),
        ("—", True),
        ("-", True),
        ("/", True),
        ("无", True),
        ("918%.", True),
        ("9746 50.", True),
        ("2995.39万元", True),
        ("XXX", True),
        ("2010601", True),
        ("", False),
        ("  ", False),
        ("合计", False),
        ("本年收入合计", False),
        ("1、", False),
        ("一、一般公共服务支出", False),
        ("（一）", False),
        ("2024年", False),
    ],
)
def test_is_number_like(text: str, expected: bool) -> None:
    assert is_number_like(text) is expected


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("单位：万元", "万元"),
        ("金额单位：元", "元"),
        ("金额单位:万", "万元"),
        ("单位: 万元", "万元"),
        ("（单位：亿元）", "亿元"),
        ("单位：人民币万元", "万元"),
        ("公开01表  单位：元", "元"),
        ("单位：亿", "亿元"),
        ("单位名称", None),
        ("单位：万人", None),
        ("收入支出决算总表", None),
    ],
)
def test_unit_statement(text: str, unit: str | None) -> None:
    assert parse_unit_statement(text) == unit


def test_money_conversion() -> None:
    assert to_yuan(D("6.2"), "万元") == D("62000")
    assert str(to_yuan(D("6.2"), "万元")) == "62000"
    assert to_yuan(D("2995.39"), "万元") == D("29953900")
    assert to_yuan(D("1.5"), "亿元") == D("150000000")
    assert to_yuan(D("12.34"), "元") == D("12.34")
    assert convert(D("62000"), "元", "万元") == D("6.2")
    assert convert(D("1.23"), "亿元", "万元") == D("12300")
    with pytest.raises(UnitError, match="unknown money unit '%'"):
        to_yuan(D("1"), "%")


def test_format_number() -> None:
    assert format_number(D("33247561.93"), True) == "33,247,561.93"
    assert format_number(D("33247561.93"), False) == "33247561.93"
    assert format_number(D("-1234.00"), True) == "-1,234.00"
    assert format_number(D("0.00"), True) == "0.00"
    with pytest.raises(ValueError):
        format_number(D("NaN"), True)


def test_normalize_keeps_length() -> None:
    s = "占７３．６８％（含）　１，２３４"
    assert len(normalize(s)) == len(s)
    assert normalize(s) == "占73.68%(含) 1,234"


# --- properties -------------------------------------------------------------------------------------------------

amounts = st.decimals(min_value=D("-1e12"), max_value=D("1e12"), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def printed(draw: st.DrawFn) -> tuple[Decimal, str]:
    """A Decimal and one way a disclosure (or its OCR) prints it."""
    value = draw(amounts)
    parens = value < 0 and draw(st.booleans())
    text = format_number(-value if parens else value, draw(st.booleans()))
    if parens:
        text = f"({text})"
    text = text.replace(".", "." + " " * draw(st.integers(0, 2)))
    if draw(st.booleans()):
        text = text.translate(_TO_FULLWIDTH)
    return value, text


@given(printed())
def test_format_parse_round_trip(case: tuple[Decimal, str]) -> None:
    value, text = case
    p = parse_number(text)
    assert p.kind == "number", (text, p.reason)
    assert p.value == value
    assert p.value.as_tuple().exponent == -2
    assert is_number_like(text)


@given(amounts, st.sampled_from(["%", "万元", "元", "亿元"]), st.booleans())
def test_round_trip_with_unit(value: Decimal, unit: str, space: bool) -> None:
    p = parse_number(format_number(value, True) + (" " if space else "") + unit)
    assert (p.value, p.unit) == (value, unit)


@given(st.sampled_from(NULL_TOKENS), st.text(alphabet=" \u3000", max_size=3))
def test_null_tokens_never_zero(token: str, pad: str) -> None:
    p = parse_number(pad + token + pad)
    assert p.kind == "null" and p.value is None


@given(st.text(alphabet="0123456789.,- 年月abc#*:元%", min_size=1).filter(lambda s: any(c in "年月abc#*:" for c in s)))
def test_garbage_is_never_a_number(text: str) -> None:
    p = parse_number(text)
    assert p.value is None and p.kind in ("unreadable", "null")


@given(st.text(max_size=12))
def test_value_comes_from_printed_digits(text: str) -> None:
    """Whatever the input, a value exists only for a number, and a 0 only when a 0 is printed."""
    p = parse_number(text)
    assert (p.value is not None) == (p.kind == "number")
    if p.value is not None and p.value == 0:
        assert "0" in normalize(text)


@given(st.integers(0, 9999), st.integers(0, 9999))
def test_space_inside_integer_part_is_unreadable(a: int, b: int) -> None:
    assert parse_number(f"{a} {b}").kind == "unreadable"
    assert parse_number(f"{a} {b}.").kind == "unreadable"


@given(amounts, st.sampled_from(["元", "万元", "亿元"]), st.sampled_from(["元", "万元", "亿元"]))
def test_conversion_is_exact_and_invertible(value: Decimal, a: str, b: str) -> None:
    there = convert(value, a, b)
    assert convert(there, b, a) == value
    assert to_yuan(there, b) == to_yuan(value, a)
