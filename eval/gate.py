"""An eval report as named figures: what got better or worse since a baseline, and a gate of thresholds (pure, but
for the printing helpers at the end).

`flatten` turns the report `budgetlens eval --json` writes into `{name: figure}`. Names are stable across runs:

    overall.<figure>                      every scored fixture pooled
    fixture.<name>.<figure>               one fixture, by its folder name (seed004_fa-printed, real_putuo)
    fixture.<name>.table.<table>.<m>      one gold table of a fixture (its std_name, or 其他:title)
    fixture.<name>.table.<table>.column.<column>.accuracy|labelled|correct
    boilerplate.<rule>.<m>                the BP rules on the labelled corpus; <rule> is BP-001..BP-004 or ALL, <m>
                                          labelled|found|tp|fp|fn|ignored|precision|recall|f1; also
                                          boilerplate.documents|findings|index_s|check_s. With several labelled
                                          corpora in one run: boilerplate.<corpus folder>.<rule>.<m>
    llm.<m>                               LLM usage (extractor llm or hybrid): calls, tokens, latency_s, ...
    findings.*, kinds.*, fields.*, family.*, extractor.*  the pooled sections: eval/gate_names.py

and <figure> is one of

    scored                                1, or 0 for a skipped fixture (its PDF absent); overall: how many
    tables.count|found|page_ok, and derived: tables.missed (count - found), tables.page_wrong (count - page_ok)
    values.labelled|correct|accuracy|precision|missing|wrong|misplaced|phantom
    claims.gold|predicted|recall|precision|value_accuracy, claims.fields.<field>.accuracy
    forms.count|found|phantom|pages_ok, forms.numeric.fields|accuracy, forms.text.fields|accuracy,
    forms.indicators.rows|accuracy, forms.sections.count|found|text_accuracy,
    forms.wrong.<field path> (wrong values by field), forms.issues_found.<code>,
    and derived: forms.missed, forms.pages_wrong, forms.sections.missed (the count less those found / right)

A figure the mapping does not know yet keeps its report key (`overall.<key>`), so a new one is never dropped.

Direction (`direction`): accuracy, precision, recall, f1, correct, found, page(s)_ok, unit_ok, tp and scored are
better higher; missing, wrong, misplaced, phantom, fp, fn, missed, page(s)_wrong and forms.wrong.* better lower; the
rest (sizes of the gold, counts of predictions, timings, LLM usage) are neutral: a change is reported, never judged.

Thresholds (`check_min`, eval/gate.yaml): `pattern: value`, the pattern a name or an fnmatch pattern (`*` also
matches dots: `fixture.*.values.accuracy`). The value bounds the figure on its worse side: a floor for a figure
better higher (or neutral), a ceiling for one better lower (`fixture.*.values.misplaced: 0`). When several
patterns match a figure the most specific one decides: the exact name, else the pattern with the most literal
characters (on a tie, the later one) — a general line and its exceptions can stand in any order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eval import gate_names

HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"
EPS = 1e-9
VIOLATION_EXIT = 3  # the exit code of `budgetlens eval` when a figure is past its threshold

_SUMMARY = {  # eval.metrics.summarise keys → names
    "tables": "tables.count", "tables_found": "tables.found", "tables_page_ok": "tables.page_ok",
    "values_labelled": "values.labelled", "values_correct": "values.correct", "value_accuracy": "values.accuracy",
    "value_precision": "values.precision", "values_missing": "values.missing", "values_wrong": "values.wrong",
    "values_misplaced": "values.misplaced", "values_phantom": "values.phantom", "claims_gold": "claims.gold",
    "claims_predicted": "claims.predicted", "claims_recall": "claims.recall", "claims_precision": "claims.precision",
    "claims_value_accuracy": "claims.value_accuracy"}
_FORMS = {  # eval.metrics_forms.FormScore.summary keys → names under forms.
    "forms": "count", "forms_found": "found", "forms_phantom": "phantom", "forms_pages_ok": "pages_ok",
    "numeric_fields": "numeric.fields", "numeric_accuracy": "numeric.accuracy", "text_fields": "text.fields",
    "text_accuracy": "text.accuracy", "indicator_rows": "indicators.rows",
    "indicator_row_accuracy": "indicators.accuracy", "sections": "sections.count", "sections_found": "sections.found",
    "section_text_accuracy": "sections.text_accuracy"}
_TABLE = ("found", "page_ok", "unit_ok", "labelled", "correct", "accuracy", "precision", "missing", "wrong",
          "misplaced", "phantom")
_BP_RULE = ("labelled", "found", "tp", "fp", "fn", "ignored", "precision", "recall", "f1")
_BP_RUN = ("documents", "findings", "index_s", "check_s")
_SPARSE = ("*.forms.wrong.*", "*.forms.issues_found.*")  # absent means 0
_BETTER_HIGHER = {"accuracy", "text_accuracy", "value_accuracy", "precision", "recall", "f1", "correct", "found",
                  "page_ok", "pages_ok", "unit_ok", "tp", "scored", "exact", "claims_recall", "findings_recall",
                  "findings_precision", "form_numeric_accuracy", "form_text_accuracy"}
_BETTER_LOWER = {"missing", "wrong", "misplaced", "phantom", "fp", "fn", "missed", "page_wrong", "pages_wrong",
                 "cer"}
_RATES = {"accuracy", "text_accuracy", "value_accuracy", "precision", "recall", "f1", "cer", "claims_recall",
          "findings_recall", "findings_precision", "form_numeric_accuracy", "form_text_accuracy"}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _put(out: dict[str, float], name: str, v: Any) -> None:
    if isinstance(v, bool):
        out[name] = float(v)
    elif (x := _num(v)) is not None:
        out[name] = x


def _summary(out: dict[str, float], prefix: str, s: Mapping[str, Any]) -> None:
    """A summarise() dict (overall or one fixture), its forms and claim fields included."""
    for key, v in s.items():
        if key == "forms" and isinstance(v, Mapping):
            _forms(out, f"{prefix}.forms", v)
        elif key == "claim_fields" and isinstance(v, Mapping):
            for f, x in v.items():
                _put(out, f"{prefix}.claims.fields.{f}.accuracy", x)
        elif key not in ("skipped", "status", "fixture"):
            _put(out, f"{prefix}.{_SUMMARY.get(key, key)}", v)
    _derive(out, prefix, s, {"tables.missed": ("tables", "tables_found"),
                             "tables.page_wrong": ("tables", "tables_page_ok")})


def _derive(out: dict[str, float], prefix: str, s: Mapping[str, Any], pairs: Mapping[str, tuple[str, str]]) -> None:
    """Shortfalls (a total less what went right): a ceiling of 0 on them does not depend on the fixtures run."""
    for name, (total, good) in pairs.items():
        a, b = _num(s.get(total)), _num(s.get(good))
        if a is not None and b is not None:
            out[f"{prefix}.{name}"] = a - b


def _forms(out: dict[str, float], prefix: str, s: Mapping[str, Any]) -> None:
    for key, v in s.items():
        if key in ("wrong_by_field", "issues_found") and isinstance(v, Mapping):
            sub = "wrong" if key == "wrong_by_field" else key
            for f, x in v.items():
                _put(out, f"{prefix}.{sub}.{f}", x)
        else:
            _put(out, f"{prefix}.{_FORMS.get(key, key)}", v)
    _derive(out, prefix, s, {"missed": ("forms", "forms_found"), "pages_wrong": ("forms", "forms_pages_ok"),
                             "sections.missed": ("sections", "sections_found")})


def _unique(name: str, seen: dict[str, int]) -> str:
    seen[name] = seen.get(name, 0) + 1
    return name if seen[name] == 1 else f"{name}#{seen[name]}"


def _fixture(out: dict[str, float], f: Mapping[str, Any], seen: dict[str, int]) -> None:
    prefix = "fixture." + _unique(str(f.get("fixture")), seen)
    out[f"{prefix}.scored"] = 0.0 if f.get("skipped") else 1.0
    if f.get("skipped"):
        return
    _summary(out, prefix, {k: v for k, v in f.items() if k not in (
        "per_table", "claim_misses", "claim_wrong", "findings", "fields", "doc_kinds", "family", "pdf")})
    gate_names.findings(out, _put, f"{prefix}.findings", f.get("findings"))
    gate_names.fields(out, _put, f"{prefix}.fields", f.get("fields"))
    kinds = f.get("doc_kinds") or {}
    if kinds:
        out[f"{prefix}.kinds.exact"] = float(set(kinds.get("gold", [])) == set(kinds.get("predicted", [])))
    tables: dict[str, int] = {}
    for t in f.get("per_table", []):
        tp = f"{prefix}.table.{_unique(str(t.get('table')), tables)}"
        for key in _TABLE:
            _put(out, f"{tp}.{key}", t.get(key))
        for col, c in t.get("per_column", {}).items():
            for key in ("labelled", "correct", "accuracy"):
                _put(out, f"{tp}.column.{col}.{key}", c.get(key))


def _boilerplate(out: dict[str, float], runs: Any) -> None:
    runs = [runs] if isinstance(runs, Mapping) else list(runs or [])
    for bp in runs:
        prefix = "boilerplate" if len(runs) == 1 else f"boilerplate.{Path(str(bp.get('corpus', '?'))).name}"
        for key in _BP_RUN:
            _put(out, f"{prefix}.{key}", bp.get(key))
        for r in [*bp.get("rules", []), bp.get("overall") or {}]:
            if "rule" in r:
                for key in _BP_RULE:
                    _put(out, f"{prefix}.{r['rule']}.{key}", r.get(key))


def flatten(report: Mapping[str, Any]) -> dict[str, float]:
    """Every figure of an eval report by its name (module docstring); strings and diagnostics lists are left out."""
    out: dict[str, float] = {}
    if isinstance(report.get("overall"), Mapping):
        _summary(out, "overall", report["overall"])
    seen: dict[str, int] = {}
    for f in report.get("fixtures", []):
        _fixture(out, f, seen)
    _boilerplate(out, report.get("boilerplate"))
    gate_names.sections(out, _put, report)
    for key, v in (report.get("llm") or {}).items():
        _put(out, f"llm.{key}", v)
    return out


def direction(metric: str) -> str:
    """higher, lower or neutral: which way a figure gets better."""
    if fnmatchcase(metric, "*.forms.wrong.*"):
        return LOWER
    if fnmatchcase(metric, "*.forms.issues_found.*") or metric.startswith("llm."):
        return NEUTRAL
    last = metric.rsplit(".", 1)[-1]
    if metric.split(".")[0] in ("boilerplate", "findings") and last in ("found", "ignored"):
        return NEUTRAL  # findings reported, right or wrong: tp and fp judge them
    if metric == "overall.scored" or last in _BETTER_HIGHER:
        return HIGHER
    return LOWER if last in _BETTER_LOWER else NEUTRAL


def is_rate(metric: str) -> bool:
    return metric.rsplit(".", 1)[-1] in _RATES


@dataclass(frozen=True)
class Change:
    metric: str
    before: float | None  # None: not in the baseline
    after: float | None  # None: not in this run
    delta: float | None
    verdict: str  # better, worse, same, changed (a neutral figure), new, gone


def _verdict(metric: str, before: float | None, after: float | None) -> str:
    if before is None:
        return "new"
    if after is None:
        return "gone"
    if abs(after - before) <= EPS:
        return "same"
    way = direction(metric)
    if way == NEUTRAL:
        return "changed"
    return "better" if (after > before) == (way == HIGHER) else "worse"


def compare(current: Mapping[str, float], baseline: Mapping[str, float]) -> list[Change]:
    """One Change per figure of either run, by name; a sparse figure (forms.wrong.*) absent from one run is 0."""
    out: list[Change] = []
    for m in sorted(current.keys() | baseline.keys()):
        before, after = baseline.get(m), current.get(m)
        if any(fnmatchcase(m, p) for p in _SPARSE):
            before, after = before or 0.0, after or 0.0
        delta = after - before if before is not None and after is not None else None
        out.append(Change(m, before, after, delta, _verdict(m, before, after)))
    return out


@dataclass(frozen=True)
class Violation:
    metric: str
    actual: float | None  # None: the pattern matched no figure (check_min with strict=True)
    threshold: float
    pattern: str
    bound: str  # min (the figure must not fall below) or max (must not rise above)

    def __str__(self) -> str:
        if self.actual is None:
            return f"{self.pattern}: no such figure in this run (gate {self.threshold:g})"
        op = "<" if self.bound == "min" else ">"
        via = "" if self.pattern == self.metric else f"  [{self.pattern}]"
        return (f"{self.metric} = {_fmt(self.metric, self.actual)} {op} {self.bound} "
                f"{_fmt(self.metric, self.threshold)}{via}")


def _matches(pattern: str, metric: str) -> bool:
    return pattern == metric or fnmatchcase(metric, pattern)


def _specificity(pattern: str, metric: str) -> tuple[bool, int]:
    return pattern == metric, sum(c not in "*?[]" for c in pattern)


def thresholds(current: Iterable[str], mins: Mapping[str, float]) -> dict[str, tuple[str, float]]:
    """Figure name → (deciding pattern, threshold) for every figure some pattern matches (most specific wins)."""
    out: dict[str, tuple[str, float]] = {}
    for m in current:
        best: tuple[bool, int] | None = None
        for pattern, limit in mins.items():
            if _matches(pattern, m) and (best is None or _specificity(pattern, m) >= best):
                best, out[m] = _specificity(pattern, m), (pattern, float(limit))
    return out


def unmatched(current: Iterable[str], mins: Mapping[str, float]) -> list[str]:
    """Patterns that match no figure of this run (a fixture not evaluated, no BP corpus given)."""
    names = list(current)
    return [p for p in mins if not any(_matches(p, m) for m in names)]


def check_min(current: Mapping[str, float], mins: Mapping[str, float], strict: bool = False) -> list[Violation]:
    """The figures past their threshold (floor, or ceiling for a figure better lower). A pattern matching nothing is
    ignored, or with strict=True a violation of its own."""
    out: list[Violation] = []
    for m, (pattern, limit) in thresholds(current, mins).items():
        v = current[m]
        if direction(m) == LOWER:
            if v > limit + EPS:
                out.append(Violation(m, v, limit, pattern, "max"))
        elif v < limit - EPS:
            out.append(Violation(m, v, limit, pattern, "min"))
    if strict:
        out += [Violation(p, None, float(mins[p]), p, "min") for p in unmatched(current, mins)]
    return out


def _threshold(where: str, key: Any, value: Any) -> tuple[str, float]:
    if not isinstance(key, str) or not key:
        raise ValueError(f"{where}: a threshold needs a figure name or pattern, got {key!r}")
    if _num(value) is None:
        raise ValueError(f"{where}: {key}: the threshold must be a number, got {value!r}")
    return key, float(value)


def load_gate(path: Path | str) -> dict[str, float]:
    """Thresholds from a YAML mapping `pattern: value` (eval/gate.yaml), in file order."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{path}: expected a mapping of figure name or pattern to threshold")
    return dict(_threshold(str(path), k, v) for k, v in raw.items())


def parse_min(items: Iterable[str]) -> dict[str, float]:
    """`--min name=value` options (patterns allowed) as thresholds."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.rpartition("=")
        try:
            out.update([_threshold("--min", name.strip() if sep else None, float(value))])
        except ValueError as exc:
            raise ValueError(f"--min {item!r}: expected NAME=NUMBER ({exc})") from exc
    return out


def load_report(path: Path | str) -> dict[str, Any]:
    """A report written by `budgetlens eval --json` (the baseline)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


# printing

_STYLE = {"worse": "red", "better": "green", "changed": "yellow", "new": "cyan", "gone": "magenta", "same": "dim"}
_ORDER = ("worse", "better", "gone", "new", "changed", "same")


def _fmt(metric: str, v: float | None) -> str:
    if v is None:
        return "-"
    return f"{100 * v:.2f}%" if is_rate(metric) else f"{v:g}"


def _fmt_delta(metric: str, d: float | None) -> str:
    if d is None:
        return ""
    return f"{100 * d:+.2f} pp" if is_rate(metric) else f"{d:+g}"


def print_changes(changes: list[Change], console: Console, show_same: bool = False, limit: int = 200) -> None:
    """A table of what differs from the baseline, worse first, then a one-line count by verdict."""
    rows = sorted((c for c in changes if show_same or c.verdict != "same"),
                  key=lambda c: (_ORDER.index(c.verdict), c.metric))
    counts = {v: sum(c.verdict == v for c in changes) for v in _ORDER}
    if rows:
        t = Table(title="compared with the baseline")
        for col in ("figure", "before", "after", "delta", ""):
            t.add_column(col, justify="left" if col == "figure" else "right")
        for c in rows[:limit]:
            t.add_row(escape(c.metric), _fmt(c.metric, c.before), _fmt(c.metric, c.after), _fmt_delta(c.metric, c.delta),
                      c.verdict, style=_STYLE[c.verdict])
        console.print(t)
        if len(rows) > limit:
            console.print(f"  … {len(rows) - limit} more")
    console.print(", ".join(f"[{_STYLE[v]}]{counts[v]} {v}[/]" for v in _ORDER) + " since the baseline")


def print_violations(violations: list[Violation], console: Console, checked: int = 0,
                     not_measured: Iterable[str] = ()) -> None:
    """Each figure past its threshold in red (or one green line when none is), and the gate lines that matched no
    figure of this run."""
    skipped = list(not_measured)
    if skipped:
        console.print(f"gate: {len(skipped)} line(s) match no figure of this run (not measured): "
                      f"{', '.join(skipped[:10])}{' …' if len(skipped) > 10 else ''}", style="yellow", markup=False)
    if not violations:
        console.print(f"[green]gate passed: {checked} figure(s) within their thresholds[/green]")
        return
    console.print(f"[bold red]gate failed: {len(violations)} figure(s) past their thresholds[/bold red]")
    for v in violations:
        console.print(f"  {v}", style="red", markup=False)


def load_limits(min_file: Path | str | None = None, mins: Iterable[str] = ()) -> dict[str, float]:
    """The thresholds of `--min-file FILE` and `--min NAME=VALUE` (the option wins on the same pattern). Read them
    before the evaluation runs: a typo fails at once. Raises ValueError on a bad file or option, OSError when the
    file cannot be read."""
    return {**(load_gate(min_file) if min_file else {}), **parse_min(mins)}


def apply_gate(report: Mapping[str, Any], console: Console, baseline: Mapping[str, Any] | None = None,
               limits: Mapping[str, float] | None = None) -> int:
    """What `budgetlens eval --baseline FILE --min-file FILE --min NAME=VALUE` does once the report is made: print the
    changes since the baseline report (load_report), then check the thresholds (load_limits). Returns 0, or
    VIOLATION_EXIT when a figure is past its threshold."""
    current = flatten(report)
    if baseline is not None:
        print_changes(compare(current, flatten(baseline)), console)
    if not limits:
        return 0
    violations = check_min(current, limits)
    print_violations(violations, console, len(thresholds(current, limits)), unmatched(current, limits))
    return VIOLATION_EXIT if violations else 0
