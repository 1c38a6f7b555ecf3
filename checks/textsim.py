"""The exact text measure the boilerplate rules (BP-001..004) decide with, and what "nothing measurable" means (pure).

The corpus only proposes candidates (embedding neighbours); a finding needs this measure. Texts are compared as
`match_key` gives them (NFKC, no whitespace or punctuation, every number "0"):

- `coverage(a, b)`: the share of text a found in text b. Character 3-gram shingles (|A∩B| / |A|); for short texts
  (≤ SHORT characters) also difflib's matching blocks of ≥ 3 characters in order, which forgives a changed
  character that would cost three shingles.
- `compare(a, b)`: "near" when each text covers the other (min of both coverages: nearly identical), else
  "contained" when a (at least MIN_CONTAINED characters) sits wholly inside a longer b.
- Figures: a paragraph copied with this year's numbers is still a copy, but a template filled with other figures
  ("本年收入合计X万元，其中：财政拨款收入X万元…") is not. When a's figures are not all in b, only the prose counts:
  the clauses without a figure must themselves be at least MIN_PROSE characters and match. A bare year (2024年)
  and a list number (1. 2、) are not figures.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from extraction.passages import match_key

N = 3  # shingle size: a Chinese word is mostly two characters, three already make a phrase
SHORT = 300  # up to this many key characters a text also gets the difflib block measure
MIN_CONTAINED = 30  # a shorter text must have this many key characters to count as "contained" in a longer one
MIN_PROSE = 12  # key characters of figure-free prose needed to call texts with different figures a copy
_PREFILTER = 0.5  # difflib runs only where the shingles already show this much overlap (it is slow on misses)

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?=年)(?!年\d|年底|年末|年前|年内)")
_ENUM = re.compile(r"(?:^|(?<=[。；;：:，,\s]))\d{1,2}[.、．](?!\d)|[（(]\d{1,2}[）)]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CLAUSE = re.compile(r"[^，,。；;：:！!？?\n]+")


@dataclass(frozen=True)
class Match:
    score: float  # in [0, 1]; what the rules compare with their threshold
    mode: Literal["near", "contained", "none"]
    basis: Literal["text", "prose"] = "text"  # prose: figures differ, the figure-free clauses matched

    def describe(self, figures_differ: bool = False) -> str:
        how = "几乎相同" if self.mode == "near" else "完整包含于对方文字中"
        return f"{how}（相似度{self.score:.2f}" + ("，数字不同、文字相同" if figures_differ else "") + "）"


def shingles(key: str, n: int = N) -> set[str]:
    if len(key) <= n:
        return {key} if key else set()
    return {key[i:i + n] for i in range(len(key) - n + 1)}


def jaccard(a: str, b: str) -> float:
    """Resemblance of two match keys: |A∩B| / |A∪B| of their 3-gram shingles."""
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def coverage(a: str, b: str) -> float:
    """The share of match key a found in match key b (1.0: every part of a is in b)."""
    sa = shingles(a)
    if not sa or not b:
        return 0.0
    c = len(sa & shingles(b)) / len(sa)
    if c < _PREFILTER or len(a) > SHORT or c == 1.0:
        return c
    blocks = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return max(c, sum(m.size for m in blocks if m.size >= N) / len(a))


def _measure(a: str, b: str) -> Match:
    ab = coverage(a, b)
    if ab < _PREFILTER:
        return Match(ab, "none")
    near = min(ab, coverage(b, a))
    if len(a) >= MIN_CONTAINED and len(b) > len(a) and ab > near:
        return Match(ab, "contained")
    return Match(near, "near")


def figures(text: str) -> list[str]:
    """The numbers a text states, without bare years and list numbers."""
    t = unicodedata.normalize("NFKC", text)
    t = _ENUM.sub(" ", _YEAR.sub(" ", t))
    return _NUMBER.findall(t)


def figures_differ(a: str, b: str) -> bool:
    """The two texts state other figures (as printed, before any standard text is taken out)."""
    return set(figures(a)) != set(figures(b))


def prose_key(text: str) -> str:
    """The match key of the clauses that state no figure: what is left of a filled-in template is its wording."""
    t = unicodedata.normalize("NFKC", text)
    return "".join(match_key(c) for c in _CLAUSE.findall(t) if not figures(c))


def compare(a: str, b: str) -> Match:
    """How far text a (this report) is a copy of text b (another report); asymmetric only in "contained"."""
    m = _measure(match_key(a), match_key(b))
    if m.mode == "none" or set(figures(a)) <= set(figures(b)):
        return m
    pa = prose_key(a)
    if len(pa) < MIN_PROSE:
        return Match(0.0, "none")
    p = _measure(pa, prose_key(b))
    return Match(min(m.score, p.score), m.mode if p.mode != "none" else "none", "prose")


# -- "nothing measurable" ---------------------------------------------------------------------------------------

_CN_NUM = "一二两三四五六七八九十百千万"
_MEASURE = ("个", "次", "项", "人", "名", "家", "场", "期", "批", "件", "户", "辆", "台", "套", "所", "座", "元", "公里",
            "平方米", "亩", "天", "周", "月", "篇", "份", "本", "册", "条", "种", "轮", "处", "间", "吨", "小时", "课时",
            "个百分点", "倍", "成")
_CN_QUANTITY = re.compile(rf"(?<![{_CN_NUM}进统唯之第同])[一二两三四五六七八九十][{_CN_NUM}]*[余多]?(?:{'|'.join(_MEASURE)})")
_PERCENT = re.compile(r"百分之|%|‰")
_DATE = re.compile(r"\d{1,2}月|\d{4}年(?:底|末|前|内|\d)|月底|季度末")
_NAMED = re.compile(r"《[^》]{2,}》|〔\d{4}〕|\[\d{4}\]")  # a named law, plan or contract; a document number
VAGUE = ("进一步", "切实", "扎实推进", "加强", "提高", "提升", "强化", "深入", "全面", "不断", "积极", "有效", "稳步",
         "持续", "认真", "努力", "确保", "推动", "完善", "规范", "及时", "避免", "尽可能", "逐步", "着力", "大力", "坚持",
         "落实", "优化", "增强", "加快", "夯实", "健全", "继续", "圆满", "顺利", "有序", "高效")
STOCK_EVERY = 20  # generic text has a stock word of intention at least every this many key characters


def is_measurable(text: str) -> bool:
    """Does the text say something one could check? A figure (not a bare year or a list number), a percentage, a
    deadline date, a Chinese-numeral quantity with its measure word (三次, 两个, 十余家), or a named document (《…》,
    a document number 〔2020〕). Without any of these a passage of 加强/提高/进一步/切实/扎实推进… states
    intentions, not results."""
    t = "".join(text.split())
    n = unicodedata.normalize("NFKC", t)
    return bool(figures(n) or _PERCENT.search(n) or _DATE.search(n) or _CN_QUANTITY.search(n) or _NAMED.search(t))


def vague_words(text: str, limit: int | None = 3) -> list[str]:
    """The stock words of intention the text leans on (加强, 提高, 进一步 …), in the list's order."""
    return [w for w in VAGUE if w in text][:limit]


def is_generic(text: str, every: int = STOCK_EVERY) -> bool:
    """Generic text: nothing measurable, and made of stock phrases — a stock word of intention at least every
    `every` key characters ("加强项目管理，提高资金使用效益，确保项目顺利实施"). A figure-free description of a
    method or a purpose ("确认绩效目标→梳理管理制度→构建指标体系") is specific enough: it is not generic."""
    if is_measurable(text):
        return False
    return len(vague_words(text, None)) * every >= len(match_key(text))


# -- indicator sets -----------------------------------------------------------------------------------------------

def indicator_lines(text: str, exact: bool = False) -> list[str]:
    """The lines of an indicator_set passage (三级指标 | 指标值 | 单位) as match keys: targets become "0", so a set
    copied with other target values still matches line by line (exact: as printed, targets included)."""
    keys = ("".join(line.split()) if exact else match_key(line) for line in text.splitlines())
    return [k for k in keys if k]


def line_overlap(a: str, b: str, exact: bool = False) -> float:
    """Resemblance of two indicator sets: shared lines / all lines (as multisets)."""
    ca, cb = Counter(indicator_lines(a, exact)), Counter(indicator_lines(b, exact))
    union = sum((ca | cb).values())
    return sum((ca & cb).values()) / union if union else 0.0
