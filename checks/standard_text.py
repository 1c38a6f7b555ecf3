"""Legitimately standard text (名词解释, table notes, template instructions, the disclosure template's own wording):
the maintained list in `checks/data/standard_text.yaml`, loaded once, and what is left of a passage once it is taken
out (pure but for the cached file read)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from extraction.errors import ConfigError
from extraction.passages import Passage, match_key

SHIPPED = Path(__file__).with_name("data") / "standard_text.yaml"
_KEYS = ("sections", "passages", "sentences", "templates")
_SENTENCE = re.compile(r"[^。；;!?！？\n]+[。；;!?！？]?")
_CLAUSE = re.compile(r"[^，,。；;：:！!？?\n、]+")  # 、 too: 货物采购金额X万元、工程采购金额X万元
_NUMERAL = r"(?:[一二三四五六七八九十]+|\d+)"
_ORDINAL = re.compile(rf"^(?:[(（]{_NUMERAL}[)）]|{_NUMERAL}[、.．]|第[一二三四五六七八九十]+部分)+")
_EITHER = "增加|减少|增长|下降|大于|小于|上升"
_SLOT = ".{0,40}?"  # an XX of a template that stands for a name
_FIGURE_SLOT = re.compile(r"X{2,}(?=[万元亿个辆台人分项家次%]|$)")  # an XX before a unit: a figure


@dataclass(frozen=True)
class StandardText:
    sections: tuple[re.Pattern[str], ...]
    passages: tuple[re.Pattern[str], ...]
    sentences: tuple[re.Pattern[str], ...]
    templates: re.Pattern[str] | None  # every template clause in one alternation, full-matched on a clause's key

    def clean(self, p: Passage) -> str | None:
        """The passage's own text: without standard sentences and template clauses (clauses joined by "，");
        None when the passage is standard as a whole."""
        heading = p.record.split(":", 1)[1] if ":" in p.record else ""
        names = [_ORDINAL.sub("", _norm(h)) for h in (p.section or "", heading) if h]
        if p.kind in ("section", "paragraph") and any(rx.search(h) for rx in self.sections for h in names):
            return None
        text = _norm(p.text)
        if any(rx.match(text) for rx in self.passages):
            return None
        kept = [s for s in _SENTENCE.findall(text) if not any(rx.search(s) for rx in self.sentences)]
        clauses = [c for s in kept for c in _CLAUSE.findall(s) if match_key(c).strip("0")]  # not a bare number
        if self.templates is not None:
            clauses = [c for c in clauses if not self.templates.fullmatch(match_key(c))]
        return "，".join(clauses)


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def template_clauses(template: str) -> list[str]:
    """The patterns of a template's clauses: XX before a unit → a figure ("0" in a match key), any other XX → a
    name, 增加（减少） → either word; a clause that is nothing but a slot is left out (it would match anything)."""
    out = []
    for clause in _CLAUSE.findall(_norm(template)):
        key = match_key(_FIGURE_SLOT.sub("0", clause))
        if not key.replace("X", "").replace("0", ""):
            continue
        rx = re.sub("X{2,}", lambda _: _SLOT, re.escape(key))
        out.append(re.sub(f"(?:{_EITHER})(?:{_EITHER})", f"(?:{_EITHER}|持平)", rx))
    return out


def _read(path: Path) -> dict[str, list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the standard-text list {path}: {exc}") from exc
    unknown = set(data) - set(_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)}; expected {', '.join(_KEYS)}")
    return {k: [str(x) for x in data.get(k) or []] for k in _KEYS}


@lru_cache(maxsize=8)
def load_standard_text(extra: str | None = None) -> StandardText:
    """The shipped list, plus a user's file with the same keys when given (rule parameter `standard_text`)."""
    lists = _read(SHIPPED)
    if extra:
        for k, v in _read(Path(extra)).items():
            lists[k] += v
    try:
        compiled = {k: tuple(re.compile(x) for x in lists[k]) for k in ("sections", "passages", "sentences")}
        clauses = sorted({c for t in lists["templates"] for c in template_clauses(t)})
        templates = re.compile("|".join(f"(?:{c})" for c in clauses)) if clauses else None
    except re.error as exc:
        raise ConfigError(f"a standard-text pattern does not compile: {exc}") from exc
    return StandardText(compiled["sections"], compiled["passages"], compiled["sentences"], templates)
