"""Checks of a labelled corpus for the boilerplate rules (eval/bp_corpus/: report JSON files and labels.json).

Every report must be an ExtractionResult; every label must name a report of the folder and a passage of it as
`extraction.passages` cuts them (record `form[3]:项目名` / `section[7]:标题`, path `goal_text`, `indicators`,
`text#p1` …), since that is what the rules report and what eval/metrics_bp.py matches. Pure except for reading.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from eval.metrics_bp import RULES
from eval.validate_json import JsonFile, JsonPath, Problem, dotted, model_problems, read_json
from eval.validate_records import record_problems
from extraction.passages import MIN_CHARS, passages
from extraction.records import ExtractionResult

Passages = dict[tuple[str, str], str]  # (record, path) → passage kind
REQUIRED = {
    "positives": ("rule_id", "document", "record", "path", "unit", "matches"),
    "negatives": ("negative", "document", "record", "path"),
    "ambiguous": ("document", "record", "path", "counterparts"),
}
REGENERATE = "correct the label, or regenerate the corpus (python -m eval.bp_corpus; labels come from eval/bp_labels.py)"


def validate_bp_corpus(folder: Path) -> list[Problem]:
    """Problems of the corpus folder: its reports, then its labels."""
    problems: list[Problem] = []
    docs: dict[str, Passages | None] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name != "labels.json":
            docs[path.name] = _report(path, problems)
    if not docs:
        problems.append(Problem(folder, "no report JSON beside labels.json: the corpus is one ExtractionResult JSON "
                                        "per report (<dept>-<year>.json); add them or regenerate the corpus"))
    labels = read_json(folder / "labels.json", problems, "labels.json: positives, negatives and ambiguous passages "
                                                         "of the reports (eval/bp_corpus/README.md)")
    if labels is not None:
        problems += label_problems(labels, docs)
    return problems


def _report(path: Path, problems: list[Problem]) -> Passages | None:
    """The report's passages, or None when it cannot be read (its problems are reported; labels naming it are not)."""
    f = read_json(path, problems, "")
    if f is None:
        return None
    errors = model_problems(f, ExtractionResult)
    problems += errors + record_problems(f, sources_expected=False)
    if errors:
        return None
    return {(p.record, p.path): p.kind for p in passages(ExtractionResult.model_validate(f.data))}


def label_problems(labels: JsonFile, docs: dict[str, Passages | None]) -> list[Problem]:
    data = labels.data
    if not isinstance(data, dict):
        return [labels.problem((), "labels.json must be an object with the lists positives, negatives (and "
                                   "ambiguous)")]
    out: list[Problem] = []
    absent: dict[str, list[JsonPath]] = defaultdict(list)  # a missing report named by many labels: one problem
    seen: dict[tuple[Any, ...], int] = {}
    for section, required in REQUIRED.items():
        entries = data.get(section)
        if entries is None and section == "ambiguous":
            continue
        if not isinstance(entries, list):
            out.append(labels.problem((section,), f"`{section}` must be a list of labels: add it (an empty list "
                                                  "when there are none)"))
            continue
        for i, entry in enumerate(entries):
            where: JsonPath = (section, i)
            out += _entry_problems(labels, where, entry, required, docs, absent)
            if section == "positives" and isinstance(entry, dict):
                key = tuple(entry.get(k) for k in ("rule_id", "document", "record", "path"))
                if key in seen:
                    out.append(labels.problem(where, f"labels the same passage for the same rule as "
                                                     f"positives[{seen[key]}]: keep one ({REGENERATE})"))
                seen.setdefault(key, i)
    for name, wheres in absent.items():
        first = ", ".join(dotted(w) for w in wheres[:3])
        out.append(labels.problem(wheres[0], f"{len(wheres)} reference(s) in labels name {name}, which is not in the folder "
                                             f"({first}{' …' if len(wheres) > 3 else ''}): add the report or "
                                             f"{REGENERATE}"))
    return out


def _entry_problems(labels: JsonFile, where: JsonPath, entry: Any, required: tuple[str, ...],
                    docs: dict[str, Passages | None], absent: dict[str, list[JsonPath]]) -> list[Problem]:
    if not isinstance(entry, dict):
        return [labels.problem(where, f"a label must be an object with {', '.join(required)}")]
    lacking = [k for k in required if k not in entry]
    if lacking:
        return [labels.problem(where, f"lacks {', '.join(lacking)}: {REGENERATE}")]
    out = []
    if where[0] == "positives" and entry["rule_id"] not in RULES:
        out.append(labels.problem((*where, "rule_id"), f"{entry['rule_id']!r} is not a boilerplate rule "
                                                       f"({', '.join(RULES)}): {REGENERATE}"))
    msg = _passage_problem(docs, absent, where, entry["document"], entry["record"], entry["path"], entry.get("kind"))
    if msg:
        out.append(labels.problem(where, msg))
    for n, copy in enumerate(entry.get("copies") or []):
        ok = isinstance(copy, list) and len(copy) == 3
        msg = _passage_problem(docs, absent, (*where, "copies", n), *copy) if ok else "must be [document, record, path]"
        if msg:
            out.append(labels.problem((*where, "copies", n), f"copy {msg}"))
    for key in ("matches", "counterparts"):
        for n, name in enumerate(entry.get(key) or []):
            if isinstance(name, str) and name not in docs:
                absent[str(name)].append((*where, key, n))
    return out


def _passage_problem(docs: dict[str, Passages | None], absent: dict[str, list[JsonPath]], where: JsonPath,
                     document: str, record: str, path: str, kind: str | None = None) -> str | None:
    """What is wrong with a reference to one passage, or None (also when its report is missing or unreadable:
    that is reported once, not per label)."""
    if not all(isinstance(x, str) for x in (document, record, path)):
        return f"document, record and path must be strings: {REGENERATE}"
    if document not in docs:
        absent[str(document)].append(where)
        return None
    found = docs[document]
    if found is None:
        return None
    if (record, path) not in found:
        same = sorted(p for r, p in found if r == record)
        prefix = str(record).split(":", 1)[0] + ":"
        named = sorted({r for r, _ in found if r.startswith(prefix)})
        hint = (f"that record's passages are {', '.join(same)}" if same else
                f"{prefix} there is {', '.join(named)}" if named else "no record of that index has a passage")
        return (f"names passage {record!r} / {path!r}, which {document} does not have ({hint}; a passage under "
                f"{MIN_CHARS} characters is never indexed): {REGENERATE}")
    if kind is not None and found[(record, path)] != kind:
        return f"says kind {kind!r} but {record!r} / {path!r} is a {found[(record, path)]!r} passage: {REGENERATE}"
    return None
