"""A retrieval finding in the review app: this report's passage on its page beside the other report's passage."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from budgetlens.corpus_setup import open_cached
from budgetlens.intake import intake_file
from budgetlens.review import findings_of
from budgetlens.settings import get_settings
from budgetlens.store import Store
from extraction.records import ExtractionResult

APP = Path(__file__).resolve().parents[1] / "review_app" / "app.py"
PAST = Path(__file__).resolve().parents[1] / "eval" / "bp_corpus" / "xishan-2023.json"


@pytest.fixture
def stored(rendered_fixtures: dict[tuple[str, str], tuple[Path, Path]]) -> tuple[Store, str]:
    settings = get_settings()
    corpus = open_cached(settings)
    corpus.index(ExtractionResult.model_validate_json(PAST.read_text(encoding="utf-8")))
    store = Store(settings.store_url())
    pdf = rendered_fixtures[("seed000_se", "original")][0]
    return store, intake_file(store, pdf, settings, corpus=corpus).document_id


def test_bp_finding_shows_both_passages(stored: tuple[Store, str]) -> None:
    store, doc_id = stored
    bp = [f for f in findings_of(store, doc_id) if f.rule_id == "BP-003"]
    assert bp, "the 2024 report repeats sections of the 2023 one"
    f = bp[0]
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update({"page": "report", "doc": doc_id, "finding": str(f.id)})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(str(m.value) for m in [*at.markdown, *at.caption])
    assert "**本报告**" in shown and "**对照报告** · xishan-2023.pdf" in shown
    assert "只在往年报告语料库中" in shown  # the 2023 report has no PDF in the store: its text is quoted
    other = f.evidence[1]["quote"][:20]
    assert other and other in shown
    assert at.image and at.image[0].proto.imgs  # this report's page, with the passage boxed


def test_every_rule_family_has_a_chinese_label() -> None:
    import checks.engine  # noqa: F401  (registers every rule)
    from checks.registry import REGISTRY
    from review_app.views.common import FAMILIES

    assert {r.family for r in REGISTRY.values()} <= set(FAMILIES), {r.family for r in REGISTRY.values()} - set(FAMILIES)
