"""Golden files: the full extraction output (records, sources, issues) of each fixture PDF, kept beside the
fixture as `expected.json`. Any change in output shows up as a diff to review.

Regenerate with BUDGETLENS_UPDATE_GOLDEN=1 pytest tests/test_golden.py, then read the diff before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eval.render import fixture_variants
from extraction.pipeline import extract_file

from .conftest import PUTUO, ROOT, TEMPLATE, need_shared

UPDATE = os.environ.get("BUDGETLENS_UPDATE_GOLDEN") == "1"
FIXTURES = ROOT / "eval" / "fixtures"


def check_golden(pdf: Path, expected: Path, keep_id: bool = True) -> None:
    got = json.loads(extract_file(pdf).model_dump_json())
    got["document"]["file_name"] = pdf.name
    if not keep_id:  # a rendered PDF's bytes follow the font subsetter's version; its text and layout do not
        got["document"]["id"] = "<sha256 of the rendered PDF>"
    if UPDATE:
        expected.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    want = json.loads(expected.read_text(encoding="utf-8"))
    assert got["document"] == want["document"]
    assert len(got["records"]) == len(want["records"])
    for i, (g, w) in enumerate(zip(got["records"], want["records"], strict=True)):
        assert g == w, f"record {i} ({w.get('kind')} {w.get('std_name') or w.get('raw') or w.get('heading_path')})"
    assert got == want


@pytest.mark.parametrize(("pdf", "name"), [(PUTUO, "real_putuo"), (TEMPLATE, "real_template")])
def test_real_pdf_output_matches_golden(pdf: Path, name: str) -> None:
    check_golden(need_shared(pdf), FIXTURES / name / "expected.json")


@pytest.mark.parametrize(("fixture", "variant"), [(d.name, v) for d, v in fixture_variants(forms=True)])
def test_rendered_fixture_output_matches_golden(rendered_fixtures: dict, fixture: str, variant: str) -> None:
    pdf, _ = rendered_fixtures[(fixture, variant)]
    check_golden(pdf, FIXTURES / fixture / f"expected-{variant}.json", keep_id=False)


def test_golden_update_flag_is_off() -> None:
    """CI must compare against the committed files, never rewrite them."""
    assert not UPDATE, "BUDGETLENS_UPDATE_GOLDEN=1 rewrites the golden files: unset it"
