"""Names for the report's pooled sections (eval/breakdown.py), used by eval/gate.py's `flatten`:

    findings.<rule>|ALL.<m>               detection against the labelled findings, pooled; <m> expected|found|tp|
    findings.severity.<sev>.<m>           fp|fn|precision|recall|f1
    fixture.<name>.findings.<m>           one fixture, all rules
    fixture.<name>.kinds.exact            1 when the fixture's document kinds are exactly right
    kinds.documents|exact|accuracy        document-kind classification; kinds.<gold>.<predicted> confusion counts
    fields.<record kind>.<field>.<m>      per field: gold|predicted|matched|correct|precision|recall|f1|accuracy|cer
    fixture.<name>.fields.<kind>.<field>.<m>  the same for one fixture
    family.<family>.<m>                   headline figures per layout family (a3, original, real, ...)
    extractor.<name>.<m>                  the same per extractor when several ran
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Put = Callable[[dict[str, float], str, Any], None]
_COUNTS = ("expected", "found", "tp", "fp", "fn", "precision", "recall", "f1")


def findings(out: dict[str, float], put: Put, prefix: str, f: Mapping[str, Any] | None) -> None:
    if not f:
        return
    if "per_rule" not in f:  # one fixture's line
        for key in _COUNTS:
            put(out, f"{prefix}.{key}", f.get(key))
        return
    for name, c in [*f["per_rule"].items(), *((f"severity.{k}", v) for k, v in f["per_severity"].items()),
                    ("ALL", f["all"])]:
        for key in _COUNTS:
            put(out, f"{prefix}.{name}.{key}", c.get(key))


def fields(out: dict[str, float], put: Put, prefix: str, f: Mapping[str, Any] | None) -> None:
    for kind, by in (f or {}).items():
        for name, s in by.items():
            for key, v in s.items():
                put(out, f"{prefix}.{kind}.{name}.{key}", v)


def sections(out: dict[str, float], put: Put, report: Mapping[str, Any]) -> None:
    findings(out, put, "findings", report.get("findings"))
    kinds = report.get("kinds") or {}
    for key in ("documents", "exact", "accuracy"):
        put(out, f"kinds.{key}", kinds.get(key))
    for c in kinds.get("confusion", []):
        put(out, f"kinds.{c['gold']}.{c['predicted']}", c["count"])
    fields(out, put, "fields", report.get("fields"))
    for group, key in (("family", "by_family"), ("extractor", "by_extractor")):
        for name, g in (report.get(key) or {}).items():
            for m, v in g.items():
                put(out, f"{group}.{name}.{m}", v)
