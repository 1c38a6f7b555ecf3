"""Names for what a page holds: table titles → std_name, headings → narrative sections (pure).

Titles differ by region (公开01表 收入支出决算表 in Yunnan, 收入支出决算总表 in Shanghai …); the rules below are
ordered from the most specific to the most general so that e.g. 财政拨款收入支出决算总表 is not taken for
收入支出决算总表.
"""

from __future__ import annotations

import re

from extraction.records import OTHER

SANGONG = "一般公共预算财政拨款“三公”经费支出决算表"

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"三公"), SANGONG),
    (re.compile(r"项目支出决算(明细)?表|相关信息统计表|机关运行经费(支出)?(情况|决算)?表|政府采购"), OTHER),
    (re.compile(r"基本支出决算(明细)?表"), "一般公共预算财政拨款基本支出决算表"),
    (re.compile(r"政府性基金预算财政拨款(收入)?(支出)?决算(明细)?表"), "政府性基金预算财政拨款收入支出决算表"),
    (re.compile(r"国有资本经营预算财政拨款(收入)?(支出)?决算(明细)?表"), "国有资本经营预算财政拨款支出决算表"),
    (re.compile(r"一般公共预算财政拨款(收入)?支出决算(明细)?表"), "一般公共预算财政拨款支出决算表"),
    (re.compile(r"财政拨款收(入)?支(出)?决算(总)?表"), "财政拨款收入支出决算总表"),
    (re.compile(r"^收入支出决算(总)?表"), "收入支出决算总表"),
    (re.compile(r"^收入决算表"), "收入决算表"),
    (re.compile(r"^支出决算表"), "支出决算表"),
]

_QUOTES = str.maketrans({'"': "“", "＂": "“", "”": "“", "'": "“"})
_ORDINAL = re.compile(r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d+[、.．])")
_TOC_LEADER = re.compile(r"(\.{3,}|…{2,}|·{3,}|-{3,}|_{3,})\s*\d+$")


def compact(text: str) -> str:
    return "".join(text.split())


def normalise_title(text: str) -> str:
    """Whitespace out, quotes unified, leading 公开NN表 / ordinal dropped."""
    t = compact(text).translate(_QUOTES)
    t = re.sub(r"“三公“", "“三公”", t)
    t = re.sub(r"^(公开\d+表|表\d+)", "", t)
    return t


def classify_title(text: str) -> str | None:
    """std_name for a table title line, 其他 for a known non-standard table, None if not a table title."""
    t = normalise_title(text)
    if len(t) > 40 or not t.endswith("表") or t.endswith("续表") and len(t) <= 4:
        return None
    t = _ORDINAL.sub("", t)
    for pattern, name in _RULES:
        if pattern.search(t):
            return name
    if re.search(r"(决算|预算|经费|收支|统计).*表$", t) and not re.search(r"部门决算表$|单位决算表$", t):
        return OTHER
    return None


def is_toc_line(text: str) -> bool:
    return bool(_TOC_LEADER.search(compact(text)))


def is_toc_page(lines: list[str]) -> bool:
    """A 目录 page lists titles; it must never yield tables or narrative claims."""
    heads = [compact(x) for x in lines[:4]]
    if any(h in ("目录", "目 录") or h.startswith("目录") for h in heads):
        return True
    n = sum(1 for x in lines if is_toc_line(x))
    if n >= 3 and n >= len(lines) // 2:
        return True
    # a 目录 continued on a second page: nothing but headings
    return len(lines) >= 3 and all(heading_level(x) is not None for x in lines)


_UNIT = re.compile(r"(?:金额)?单位[:：]?\s*(万元|亿元|元|万)")
_TABLE_NO = re.compile(r"(公开\s*\d+\s*表|表\s*\d+)")


def unit_in(text: str) -> str | None:
    m = _UNIT.search(compact(text))
    if not m:
        return None
    return "万元" if m.group(1) == "万" else m.group(1)


def table_number_in(text: str) -> str | None:
    m = _TABLE_NO.search(compact(text))
    return compact(m.group(1)) if m else None


EMPTY_STATEMENT = re.compile(r"(本表)?(无|没有)(数据|内容)|(本表)?为空表|不涉及.{0,12}(收入|支出|经费)")


def empty_statement_in(text: str) -> bool:
    return bool(EMPTY_STATEMENT.search(compact(text)))


# Narrative sections of 情况说明 ---------------------------------------------------------------

HEADING = re.compile(r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")

_SECTION_TYPES = [  # most specific first: the first key found in a heading wins
    ("三公", "“三公”经费支出决算情况说明"),
    ("政府性基金", "政府性基金预算财政拨款收入支出决算情况说明"),
    ("国有资本经营", "国有资本经营预算财政拨款收入支出决算情况说明"),
    ("基本支出决算情况", "一般公共预算财政拨款基本支出决算情况说明"),
    ("一般公共预算财政拨款支出决算", "一般公共预算财政拨款支出决算情况说明"),
    ("财政拨款收入支出决算总体情况", "财政拨款收入支出决算总体情况说明"),
    ("收入支出决算总体情况", "收入支出决算总体情况说明"),
    ("收入决算情况", "收入决算情况说明"),
    ("支出决算情况", "支出决算情况说明"),
    ("绩效", "预算绩效管理情况"),
    ("机关运行经费", "机关运行经费支出情况"),
    ("政府采购", "政府采购支出情况"),
    ("国有资产", "国有资产占有使用情况"),
    ("其他重要事项", "其他重要事项说明"),
    ("名词解释", "名词解释"),
]


_NUMBERED = re.compile(r"^\d{1,2}[.、．](?![\d%])\s*[^\d\s%]")  # 1.前期准备, 2、清正廉洁
_PAREN_NUMBERED = re.compile(r"^[（(]\d{1,2}[）)]\s*[^\d\s%]")  # (3)预算资金管理情况
_CIRCLED = re.compile(r"^[①-⑳]\s*[^\d\s%]")  # ①预算管理状况
# a long (1) heading is a list of nouns: （3）绩效评价原则、依据、评价指标体系、…等。 (no comma, colon or title marks)
_NOUN_LIST = re.compile(r"^[（(]\d{1,2}[）)][^，,：:《》“”]+(、[^，,：:《》“”]+){2,}[。]?$")


def heading_level(line: str) -> int | None:
    """0 第X部分, 1 一、, 2 （一）; then short numbered lines without sentence punctuation: 3 1., 4 (1), 5 ①.
    Levels 3-5 are styles whose nesting the document decides (split_sections nests them in order of appearance)."""
    t = compact(line)
    m = HEADING.match(t)
    if m and len(t) <= 60:
        tok = m.group(1)
        if tok.startswith("第"):
            return 0
        return 1 if tok.endswith("、") else 2
    if len(t) > 60 or re.search(r"[。；;]", t[:-1]) or t.endswith("；"):
        return None  # a sentence, not a heading
    for level, pattern in ((3, _NUMBERED), (4, _PAREN_NUMBERED), (5, _CIRCLED)):
        if pattern.match(t):
            return level if len(t) <= 30 or level == 4 and _NOUN_LIST.match(t) else None
    return None


_ITEM_NUMBER = re.compile(r"^(?:(\d{1,2})[.、．]|[（(](\d{1,2})[）)]|([①-⑳]))")


def list_item(line: str) -> tuple[int, int] | None:
    """(style, number) of a numbered line (style as heading_level's 3 1., 4 (1), 5 ①), whether or not it is a
    heading: split_sections tells the last item of a list in the text from a heading of the same style."""
    m = _ITEM_NUMBER.match(compact(line))
    if m is None:
        return None
    if m.group(3):
        return 5, ord(m.group(3)) - ord("①") + 1
    return (3, int(m.group(1))) if m.group(1) else (4, int(m.group(2)))


def section_type(heading: str) -> str | None:
    t = _ORDINAL.sub("", compact(heading)).translate(_QUOTES)
    for key, name in _SECTION_TYPES:
        if key in t:
            return name
    return None
