"""Problems of a fixture's JSON files, each with where it is: the JSON path and the line in the file.

Pure except for reading the file it is given. `eval/validate.py` puts these together per fixture folder.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

JsonPath = tuple[str | int, ...]
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a fixture: the file (or folder) it is in, what is wrong and what to do about it."""

    path: Path
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}{f':{self.line}' if self.line else ''}: {self.message}"


def dotted(path: JsonPath) -> str:
    """('records', 3, 'rows', 2, 'cells', '合计') → records[3].rows[2].cells.合计 (the form docs/records.md uses)."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"


class Locator:
    """Line numbers of the values of one JSON text, by JSON path (computed on first use: only files with a problem
    pay for it)."""

    def __init__(self, text: str):
        self.text = text
        self._offsets: dict[JsonPath, int] | None = None
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, path: JsonPath) -> int | None:
        if self._offsets is None:
            self._offsets = {}
            with contextlib.suppress(ValueError, IndexError):  # not JSON after all: no line numbers
                self._walk(0, ())
        for n in range(len(path), -1, -1):  # the deepest part of the path that exists in the file
            if path[:n] in self._offsets:
                return bisect.bisect_right(self._newlines, self._offsets[path[:n]] - 1) + 1
        return None

    def _walk(self, i: int, path: JsonPath) -> int:
        """Record where the value at `i` starts; return the offset after it."""
        text, offsets = self.text, self._offsets
        assert offsets is not None
        i = _skip(text, i)
        offsets[path] = i
        if text[i] not in "{[":
            return _DECODER.raw_decode(text, i)[1]
        close, n = ("}" if text[i] == "{" else "]"), 0
        i = _skip(text, i + 1)
        while text[i] != close:
            if close == "}":
                key, i = _DECODER.raw_decode(text, i)
                i = self._walk(_skip(text, i) + 1, (*path, key))  # + 1: past the colon
            else:
                i = self._walk(i, (*path, n))
                n += 1
            i = _skip(text, i)
            if text[i] == ",":
                i = _skip(text, i + 1)
        return i + 1


def _skip(text: str, i: int) -> int:
    """The offset of the first character at or after `i` that is not JSON whitespace."""
    while i < len(text) and text[i] in " \t\n\r":
        i += 1
    return i


@dataclass
class JsonFile:
    """A JSON file read once: its data (None when it does not parse) and a locator for its lines."""

    path: Path
    data: Any
    locator: Locator

    def problem(self, where: JsonPath, message: str) -> Problem:
        return Problem(self.path, f"{dotted(where)}: {message}", self.locator.line(where))


def read_json(path: Path, problems: list[Problem], what: str) -> JsonFile | None:
    """The parsed file, or None with a problem saying where the syntax breaks (or that the file is missing)."""
    if not path.is_file():
        problems.append(Problem(path, f"missing: {what}"))
        return None
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(path, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}; fix the "
                                      "syntax there (a missing comma or quote, a trailing comma, a comment)",
                                exc.lineno))
        return None
    return JsonFile(path, data, Locator(text))


def data_path(data: Any, loc: tuple[Any, ...]) -> JsonPath:
    """A pydantic error location as a path in the file: union tags (`final_accounts_table`) dropped."""
    out: list[str | int] = []
    for step in loc:
        if isinstance(data, dict) and step not in data and data.get("kind") == step:
            continue  # the discriminator tag pydantic puts into the location
        out.append(step)
        inside = (isinstance(data, dict) and step in data
                  or isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data))
        data = data[step] if inside else None
    return tuple(out)


def _advice(err: dict[str, Any]) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "missing":
        return "required field missing: add it (extraction/records.py says what it holds)"
    if kind == "extra_forbidden":
        return "not a field of this model: remove it or correct its name (extraction/records.py)"
    if kind.startswith("union_tag"):
        return f"{msg}: set `kind` to one of the record kinds"
    shown = err.get("input")
    got = "" if isinstance(shown, dict | list) else f" (found {json.dumps(shown, ensure_ascii=False)[:60]})"
    return f"{msg}{got}: correct the value (docs/records.md has the conventions)"


def model_problems(f: JsonFile, model: type[BaseModel], body: Any = None) -> list[Problem]:
    """Every validation error of `body` (default: the whole file) against `model`, each at its place in the file."""
    body = f.data if body is None else body
    try:
        model.model_validate(body)
    except ValidationError as exc:
        return [f.problem(data_path(body, e["loc"]), _advice(dict(e))) for e in exc.errors()]
    return []


def split_path(path: str) -> list[str | int]:
    """A record field path as sources and corrections name it: rows[3].cells.本年支出/合计 → ['rows', 3, 'cells',
    '本年支出/合计'] (a cells key is taken whole: it may hold dots). Same grammar as budgetlens.corrections."""
    head, sep, key = path.partition(".cells.")
    steps: list[str | int] = [int(m.group(2)) if m.group(2) else m.group(1)
                              for m in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", head)]
    return [*steps, "cells", key] if sep else steps


def resolves(record: Any, path: str) -> bool:
    try:
        for step in split_path(path):
            record = record[step]
    except (KeyError, IndexError, TypeError):
        return False
    return True


def iter_records(data: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    records = data.get("records") if isinstance(data, dict) else None
    for i, rec in enumerate(records if isinstance(records, list) else []):
        if isinstance(rec, dict):
            yield i, rec
