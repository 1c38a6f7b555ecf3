"""The eval gate (eval/gate.py, eval/gate.yaml): figures by name, changes since a baseline, thresholds — and the gate
itself: the real evaluation of every fixture and of the labelled BP corpus must stay within eval/gate.yaml, so
`make test` (CI) fails on a regression; a deliberately broken extractor must fail it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from budgetlens.evaluate import run_eval
from eval import gate
from eval.gate import (
    Change,
    apply_gate,
    check_min,
    compare,
    direction,
    flatten,
    load_gate,
    load_limits,
    load_report,
    parse_min,
    print_changes,
    print_violations,
    thresholds,
    unmatched,
)
from eval.metrics import ClaimScore, summarise
from eval.metrics_bp import BpScore
from eval.metrics_forms import FormScore

from .broken_extractors import one_value_lost, shifted_one_row
from .conftest import ROOT, SHARED

GATE = ROOT / "eval" / "gate.yaml"
SMALL = ("seed004_fa", "printed")  # 10 tables, 240 values, 118 claims


def _summary(**over: Any) -> dict[str, Any]:
    s = {**summarise([], ClaimScore()), "forms": FormScore().summary()}
    return {**s, **over}


def _report() -> dict[str, Any]:
    fixture = {"fixture": "f1", "status": "ok", "skipped": None,
               **_summary(tables=2, tables_found=1, tables_page_ok=1, values_labelled=10, values_correct=9,
                          value_accuracy=0.9, values_misplaced=1),
               "per_table": [{"table": "收入支出决算总表", "found": True, "page_ok": False, "unit_ok": True,
                              "labelled": 10, "correct": 9, "accuracy": 0.9, "precision": 0.9, "missing": 0,
                              "wrong": 1, "misplaced": 1, "phantom": 0,
                              "per_column": {"决算数": {"labelled": 10, "correct": 9, "accuracy": 0.9}}}],
               "claim_misses": ["p1 x"], "claim_wrong": []}
    fixture["forms"] = {**fixture["forms"], "wrong_by_field": {"funds.total": 2}, "issues_found": {"SE-001": 1}}
    skipped = {"fixture": "real_x", "status": "skipped", "skipped": "no document.pdf", **_summary()}
    bp = {"corpus": "eval/bp_corpus", "documents": 3, "findings": 4, "index_s": 0.1, "check_s": 0.2,
          **BpScore().summary()}
    return {"extractor": "layout", "overall": {"fixtures": 2, "scored": 1, **_summary(value_accuracy=0.9)},
            "fixtures": [fixture, skipped], "boilerplate": [bp],
            "llm": {"calls": 3, "model": "gemma", "latency_s": 1.5}}


# flatten


def test_flatten_names_every_figure() -> None:
    f = flatten(_report())
    assert f["overall.values.accuracy"] == 0.9 and f["overall.scored"] == 1
    assert f["fixture.f1.values.misplaced"] == 1 and f["fixture.f1.tables.count"] == 2
    assert f["fixture.f1.tables.missed"] == 1 and f["fixture.f1.tables.page_wrong"] == 1  # derived shortfalls
    assert f["fixture.f1.claims.fields.unit.accuracy"] == 1.0
    assert f["fixture.f1.forms.numeric.accuracy"] == 1.0 and f["fixture.f1.forms.sections.missed"] == 0
    assert f["fixture.f1.forms.wrong.funds.total"] == 2 and f["fixture.f1.forms.issues_found.SE-001"] == 1
    assert f["fixture.f1.table.收入支出决算总表.page_ok"] == 0.0
    assert f["fixture.f1.table.收入支出决算总表.column.决算数.accuracy"] == 0.9
    assert f["boilerplate.BP-001.recall"] == 1.0 and f["boilerplate.ALL.fp"] == 0
    assert f["boilerplate.documents"] == 3 and f["llm.calls"] == 3 and "llm.model" not in f
    assert {k for k in f if k.startswith("fixture.real_x")} == {"fixture.real_x.scored"}
    assert f["fixture.real_x.scored"] == 0
    assert all(isinstance(v, float) for v in f.values())


def test_flatten_knows_every_report_key() -> None:
    """A figure added to the report gets a name here (the fallback keeps the raw key, but the gate's names should
    not depend on it)."""
    assert set(summarise([], ClaimScore())) - {"claim_fields"} <= set(gate._SUMMARY)
    assert set(FormScore().summary()) - {"wrong_by_field", "issues_found", "errors"} <= set(gate._FORMS)
    assert set(BpScore().summary()["overall"]) - {"rule"} <= set(gate._BP_RULE)


def test_flatten_several_corpora_and_duplicate_names() -> None:
    r = _report()
    r["boilerplate"] = [{**r["boilerplate"][0], "corpus": "a/one"}, {**r["boilerplate"][0], "corpus": "b/two"}]
    r["fixtures"].append({**r["fixtures"][0]})
    f = flatten(r)
    assert "boilerplate.one.BP-002.tp" in f and "boilerplate.two.ALL.recall" in f and "boilerplate.BP-002.tp" not in f
    assert "fixture.f1#2.values.accuracy" in f
    assert flatten({"boilerplate": r["boilerplate"][0]})["boilerplate.BP-003.precision"] == 1.0  # one, not a list


def test_direction() -> None:
    assert direction("overall.values.accuracy") == direction("boilerplate.BP-001.recall") == "higher"
    assert direction("fixture.x.tables.found") == direction("overall.scored") == "higher"
    assert direction("fixture.x.values.misplaced") == direction("boilerplate.ALL.fp") == "lower"
    assert direction("overall.forms.wrong.indicators[].actual") == direction("overall.tables.missed") == "lower"
    assert direction("boilerplate.BP-001.found") == direction("overall.values.labelled") == "neutral"
    assert direction("llm.calls") == direction("boilerplate.check_s") == "neutral"


# compare


def test_compare_judges_by_direction() -> None:
    before = {"a.values.accuracy": 0.9, "a.values.misplaced": 2, "a.values.labelled": 10, "a.claims.recall": 1.0,
              "gone.values.accuracy": 1.0, "x.forms.wrong.f": 1}
    after = {"a.values.accuracy": 0.95, "a.values.misplaced": 3, "a.values.labelled": 12, "a.claims.recall": 1.0,
             "new.values.accuracy": 1.0, "x.forms.wrong.g": 2}
    got = {c.metric: c for c in compare(after, before)}
    assert got["a.values.accuracy"].verdict == "better" and got["a.values.accuracy"].delta == pytest.approx(0.05)
    assert got["a.values.misplaced"] == Change("a.values.misplaced", 2, 3, 1, "worse")
    assert got["a.values.labelled"].verdict == "changed" and got["a.claims.recall"].verdict == "same"
    assert got["gone.values.accuracy"].verdict == "gone" and got["gone.values.accuracy"].after is None
    assert got["new.values.accuracy"].verdict == "new" and got["new.values.accuracy"].delta is None
    assert got["x.forms.wrong.f"].verdict == "better" and got["x.forms.wrong.g"] == Change(
        "x.forms.wrong.g", 0.0, 2, 2, "worse")  # sparse: absent is 0


def test_compare_a_report_with_itself_is_all_same() -> None:
    f = flatten(_report())
    assert {c.verdict for c in compare(f, dict(f))} == {"same"}


# check_min


def test_check_min_floors_and_ceilings() -> None:
    cur = {"fixture.a.values.accuracy": 0.99, "fixture.b.values.accuracy": 1.0, "fixture.a.values.misplaced": 1,
           "fixture.b.values.misplaced": 0, "overall.values.labelled": 5}
    v = check_min(cur, {"fixture.*.values.accuracy": 0.995, "fixture.*.values.misplaced": 0})
    assert [(x.metric, x.bound, x.pattern) for x in v] == [
        ("fixture.a.values.accuracy", "min", "fixture.*.values.accuracy"),
        ("fixture.a.values.misplaced", "max", "fixture.*.values.misplaced")]
    assert "fixture.a.values.accuracy = 99.00% < min 99.50%" in str(v[0])
    assert check_min(cur, {"overall.values.labelled": 6})[0].bound == "min"  # neutral: a floor
    assert not check_min(cur, {"fixture.b.values.accuracy": 1.0 + 1e-12})  # float noise is no violation


def test_the_most_specific_line_decides_in_any_order() -> None:
    cur = {"fixture.seed003_se-alt.forms.sections.missed": 6, "fixture.seed004_fa-a3.forms.sections.missed": 0}
    general, special = ("fixture.*.forms.sections.missed", 0), ("fixture.seed003_se-*.forms.sections.missed", 6)
    for mins in (dict([general, special]), dict([special, general])):
        assert check_min(cur, mins) == []
        assert thresholds(cur, mins)["fixture.seed004_fa-a3.forms.sections.missed"] == (general[0], 0)
    exact = {"fixture.seed003_se-alt.forms.sections.missed": 5, "fixture.seed003_se-*.forms.sections.missed": 6}
    assert [x.threshold for x in check_min(cur, exact)] == [5]


def test_unmatched_patterns_are_ignored_unless_strict() -> None:
    cur = {"overall.values.accuracy": 1.0}
    mins = {"overall.values.accuracy": 1.0, "boilerplate.*.recall": 1.0}
    assert check_min(cur, mins) == [] and unmatched(cur, mins) == ["boilerplate.*.recall"]
    [v] = check_min(cur, mins, strict=True)
    assert v.actual is None and "no such figure" in str(v)


# thresholds from YAML and options


def test_load_gate_and_parse_min(tmp_path: Path) -> None:
    p = tmp_path / "g.yaml"
    p.write_text("# floors\noverall.values.accuracy: 1.0  # all\nfixture.*.values.misplaced: 0\n", encoding="utf-8")
    assert load_gate(p) == {"overall.values.accuracy": 1.0, "fixture.*.values.misplaced": 0.0}
    p.write_text("", encoding="utf-8")
    assert load_gate(p) == {}
    for bad in ("- a\n- b\n", "overall.values.accuracy: high\n", "x: true\n"):
        p.write_text(bad, encoding="utf-8")
        with pytest.raises(ValueError, match="g.yaml"):
            load_gate(p)
    assert parse_min(["fixture.*.claims.recall=0.95", "a=b=1"]) == {"fixture.*.claims.recall": 0.95, "a=b": 1.0}
    for bad in ("novalue", "x=", "=1", "x=high"):
        with pytest.raises(ValueError, match="--min"):
            parse_min([bad])


def test_the_shipped_gate_loads() -> None:
    mins = load_gate(GATE)
    assert mins["fixture.*.values.accuracy"] == 1.0 and mins["overall.values.misplaced"] == 0
    assert all(0 <= v <= 1 for k, v in mins.items() if gate.is_rate(k))


# printing and the CLI glue


def _console() -> Console:
    return Console(file=io.StringIO(), width=200, record=True)


def test_print_changes_and_violations() -> None:
    c = _console()
    print_changes(compare({"a.values.accuracy": 0.5, "a.values.phantom": 0, "b.claims.recall": 1},
                          {"a.values.accuracy": 1.0, "a.values.phantom": 2, "b.claims.recall": 1}), c)
    out = c.export_text()
    assert out.index("a.values.accuracy") < out.index("a.values.phantom")  # worse first
    assert "-50.00 pp" in out and "b.claims.recall" not in out and "1 worse, 1 better" in out
    c = _console()
    print_violations(check_min({"a.values.accuracy": 0.5}, {"a.values.accuracy": 1}), c, 1, ["boilerplate.*.fn"])
    out = c.export_text()
    assert "gate failed: 1 figure" in out and "a.values.accuracy = 50.00% < min 100.00%" in out
    assert "(not measured): boilerplate.*.fn" in out
    c = _console()
    print_violations([], c, 7)
    assert "gate passed: 7 figure(s)" in c.export_text()


def test_apply_gate(tmp_path: Path) -> None:
    report = _report()
    base = tmp_path / "base.json"
    base.write_text(json.dumps({**report, "overall": {**report["overall"], "value_accuracy": 1.0}}), encoding="utf-8")
    mins = tmp_path / "gate.yaml"
    mins.write_text("overall.values.accuracy: 0.9\n", encoding="utf-8")
    c = _console()
    assert apply_gate(report, c, baseline=load_report(base), limits=load_limits(mins)) == 0
    out = c.export_text()
    assert "overall.values.accuracy" in out and "worse" in out and "gate passed: 1" in out
    stricter = load_limits(mins, ["overall.values.accuracy=0.95"])  # the option wins over the file
    assert stricter == {"overall.values.accuracy": 0.95}
    assert apply_gate(report, _console(), limits=stricter) == gate.VIOLATION_EXIT
    assert apply_gate(report, _console()) == 0 and load_limits() == {}
    with pytest.raises(ValueError):
        load_limits(None, ["nonsense"])
    with pytest.raises(OSError):
        load_limits(tmp_path / "absent.yaml")


# the gate on the real evaluation


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def test_a_broken_extractor_fails_the_gate(rendered_fixtures: dict) -> None:
    """CI fails when a fixture's accuracy drops below the gate: the real evaluation, with extractors broken on
    purpose, is checked against eval/gate.yaml; the working extractor passes on the same fixture."""
    pdf, _ = rendered_fixtures[SMALL]
    name, mins = pdf.parent.name, load_gate(GATE)

    good = flatten(run_eval([pdf.parent], SHARED, _quiet()))
    assert good[f"fixture.{name}.values.labelled"] > 200
    assert check_min(good, mins) == []

    shifted = {v.metric for v in check_min(flatten(run_eval([pdf.parent], SHARED, _quiet(), shifted_one_row)), mins)}
    assert {f"fixture.{name}.values.accuracy", f"fixture.{name}.values.misplaced", "overall.values.accuracy",
            "overall.values.misplaced"} <= shifted

    report = run_eval([pdf.parent], SHARED, _quiet(), one_value_lost)
    lost = check_min(flatten(report), mins)
    by_name = {v.metric: v for v in lost}
    values = {f"fixture.{name}.values.accuracy", "overall.values.accuracy"}
    assert values <= set(by_name), lost  # and the lost cell's column, in the per-field scores:
    assert {m for m in by_name if m not in values} and all(".fields.final_accounts_table.cells." in m
                                                            for m in by_name if m not in values), lost
    assert by_name["overall.values.accuracy"].actual == pytest.approx(1 - 1 / good[f"fixture.{name}.values.labelled"])
    assert apply_gate(report, _quiet(), limits=mins) == gate.VIOLATION_EXIT


def test_every_fixture_and_the_bp_corpus_stay_within_the_gate(rendered_fixtures: dict) -> None:
    """The CI gate: `budgetlens eval eval/fixtures build/fixtures eval/bp_corpus` as `make run` does it, against
    eval/gate.yaml. Without ../shared the real_* fixtures are skipped: only their own lines may go unmeasured."""
    from budgetlens.cli_corpus import eval_boilerplate
    from budgetlens.eval_bp import BP_CORPUS
    from budgetlens.settings import get_settings

    folders = sorted(pdf.parent for pdf, _ in rendered_fixtures.values())
    report = run_eval([*folders, ROOT / "eval" / "fixtures"], SHARED, _quiet())
    report["boilerplate"] = [eval_boilerplate(BP_CORPUS, get_settings())]
    current, mins = flatten(report), load_gate(GATE)
    violations = check_min(current, mins)
    c = _console()
    print_violations(violations, c, len(thresholds(current, mins)), unmatched(current, mins))
    assert violations == [], c.export_text()
    real = {f["fixture"] for f in report["fixtures"] if f["fixture"].startswith("real_")}
    skipped = {f["fixture"] for f in report["fixtures"] if f["skipped"]}
    assert skipped <= real and len(folders) == len(rendered_fixtures) >= 15
    assert all(any(r in p for r in skipped) for p in unmatched(current, mins)), unmatched(current, mins)
