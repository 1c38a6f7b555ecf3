"""Self-evaluation forms on the rendered fixtures: the issue-3 bar, the shifted form, sources over ink."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pymupdf
import pytest

from eval.runner import evaluate_fixture, overall
from extraction.forms.values import number, operator, target, unit_only
from extraction.pipeline import extract_file
from extraction.records import ProjectSelfEvaluation, Source

from .conftest import SHARED

SE = ("seed000_se", "seed001_se", "seed002_se", "seed003_se", "seed004_se")


def _se(rendered: dict) -> list[tuple[str, Path]]:
    return [(f"{k[0]}-{k[1]}", pdf) for k, (pdf, _) in rendered.items() if k[0] in SE]


def test_every_form_found_and_fields_accurate(rendered_fixtures: dict) -> None:
    results = [evaluate_fixture(pdf.parent, SHARED, extract_file) for _, pdf in _se(rendered_fixtures)]
    assert len(results) == 10
    o = overall(results)["forms"]
    assert o["forms"] > 100 and o["forms_found"] == o["forms"] and o["forms_phantom"] == 0
    assert o["numeric_accuracy"] >= 0.99 and o["text_accuracy"] >= 0.98
    assert o["indicator_row_accuracy"] == 1.0
    for r in results:
        s = r.forms.summary()
        assert s["forms_found"] == s["forms"] and s["forms_phantom"] == 0, r.name


def test_shifted_indicator_block_is_an_issue_not_silent(rendered_fixtures: dict) -> None:
    pdf, _ = rendered_fixtures[("seed000_se", "original")]
    res = extract_file(pdf)
    (form,) = [r for r in res.records if isinstance(r, ProjectSelfEvaluation) and r.form_label == "附件2-3-11"]
    shifts = [i for i in form.issues if i.code == "column_shift"]
    assert len(shifts) == len(form.indicators) == 6
    assert "one column to the right" in shifts[0].message and "考核单位数" in shifts[0].message
    assert form.indicators[0].operator == "考核单位数"  # kept as printed, not "repaired"
    assert res.status == "partial"
    others = [r for r in res.records if isinstance(r, ProjectSelfEvaluation) and r is not form]
    assert others and not any(i.code == "column_shift" for r in others for i in r.issues)


def test_form_sources_cover_their_text(rendered_fixtures: dict) -> None:
    for key in (("seed000_se", "alt"), ("seed004_se", "original")):
        pdf, _ = rendered_fixtures[key]
        res = extract_file(pdf)
        sources: list[Source] = [s for r in res.records if isinstance(r, ProjectSelfEvaluation)
                                 for s in r.sources.values()]
        assert len(sources) > 300
        doc = pymupdf.open(pdf)
        for s in random.Random(3).sample(sources, 60):
            under = doc[s.page - 1].get_text("words", clip=pymupdf.Rect(s.bbox) + (-1, -1, 1, 1))
            text = "".join(w[4] for w in under)
            assert "".join(s.raw.split())[:20] in text, (key, s)


@pytest.mark.parametrize(("text", "op", "value", "unit"), [
    ("≥98%", "≥", "98", "%"), ("= 100%", "=", "100", "%"), ("1年内", None, "1", "年"), (">=90", "≥", "90", None),
    ("≤ 10次", "≤", "10", "次"), ("= 250000元/年", "=", "250000", "元/年"), ("及时", None, None, None),
])
def test_target_parsing(text: str, op: str | None, value: str | None, unit: str | None) -> None:
    t = target(text)
    assert (t.operator, t.value, t.unit) == (op, Decimal(value) if value else None, unit)


def test_cell_values_never_turn_blank_into_zero() -> None:
    assert number("—").value is None and number("").value is None and number("0").value == 0
    assert number("9746 50.").unreadable and number("9746 50.").value is None
    assert number("10.69%").value == Decimal("10.69")
    assert operator("＝") == "=" and operator(">=") == "≥" and operator("考核单位数") is None
    assert unit_only("= %") == "%" and unit_only("=元/年") == "元/年" and unit_only("= 100%") is None
