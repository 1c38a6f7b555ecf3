"""Terminal tables for the report's pooled sections: detection per rule and severity, document kinds, per-field
scores (the worst fields first), layout families and extractors."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def print_sections(report: dict[str, Any], console: Console) -> None:
    _print_findings(report.get("findings"), console)
    k = report.get("kinds")
    if k and k["documents"]:
        wrong = [c for c in k["confusion"] if c["gold"] != c["predicted"]]
        console.print(f"document kinds: {k['exact']} of {k['documents']} documents exactly right"
                      + ("" if not wrong else "; " + ", ".join(f"{c['gold']}→{c['predicted']} ×{c['count']}"
                                                              for c in wrong)))
    _print_fields(report.get("fields") or {}, console)
    _print_groups("by layout family", report.get("by_family") or {}, console)
    if len(report.get("by_extractor") or {}) > 1:
        _print_groups("by extractor", report["by_extractor"], console)


def _print_findings(f: dict[str, Any] | None, console: Console) -> None:
    if not f:
        return
    t = Table(title=f"findings of the rules against the labelled ones ({'+'.join(f['scope'])})")
    for col in ("rule / severity", "expected", "raised", "TP", "FP", "FN", "precision", "recall", "F1"):
        t.add_column(col, justify="left" if col == "rule / severity" else "right")
    rows = [*f["per_rule"].items(), *((f"severity {k}", v) for k, v in f["per_severity"].items()), ("ALL", f["all"])]
    for name, c in rows:
        t.add_row(name, str(c["expected"]), str(c["found"]), str(c["tp"]), str(c["fp"]), str(c["fn"]),
                  _pct(c["precision"]), _pct(c["recall"]), _pct(c["f1"]), style="bold" if name == "ALL" else None)
    console.print(t)
    for m in f["misses"][:10]:
        console.print(f"  {m['fixture']}: missed {m['rule']} p{m['page']} {m['note']}", markup=False)
    for m in f["false_alarms"][:10]:
        console.print(f"  {m['fixture']}: false alarm {m['rule']} p{m['page']} {m['message'][:80]}", markup=False)


def _print_fields(fields: dict[str, Any], console: Console, limit: int = 12) -> None:
    rows = [(kind, name, s) for kind, by in fields.items() for name, s in by.items() if s["gold"] or s["predicted"]]
    if not rows:
        return
    rows.sort(key=lambda r: (r[2]["f1"], -r[2]["gold"]))
    t = Table(title=f"fields: the {min(limit, len(rows))} weakest of {len(rows)} (F1, then size)")
    for col in ("record kind", "field", "gold", "predicted", "precision", "recall", "F1", "accuracy", "CER"):
        t.add_column(col, justify="left" if col in ("record kind", "field") else "right")
    for kind, name, s in rows[:limit]:
        t.add_row(kind, name, str(s["gold"]), str(s["predicted"]), _pct(s["precision"]), _pct(s["recall"]),
                  _pct(s["f1"]), _pct(s["accuracy"]), _pct(s["cer"]) if s["cer"] is not None else "")
    console.print(t)


def _print_groups(title: str, groups: dict[str, Any], console: Console) -> None:
    if not groups:
        return
    t = Table(title=title)
    for col in ("", "fixtures", "table values", "claims recall", "form numbers", "form text", "findings recall",
                "findings precision"):
        t.add_column(col, justify="left" if not col else "right")
    for name, g in groups.items():
        t.add_row(name, str(g["fixtures"]), f"{_pct(g['value_accuracy'])} of {g['values']}",
                  f"{_pct(g['claims_recall'])} of {g['claims']}", _pct(g["form_numeric_accuracy"]),
                  _pct(g["form_text_accuracy"]), _pct(g["findings_recall"]), _pct(g["findings_precision"]))
    console.print(t)
