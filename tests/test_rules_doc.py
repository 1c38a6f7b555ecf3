"""The rule catalogue in docs/ is generated from the registry; it must not drift."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from budgetlens.checking import rules_markdown
from budgetlens.cli import app
from checks.registry import REGISTRY

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_docs_rules_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8").strip() == rules_markdown().strip(), \
        "regenerate: budgetlens rules --markdown > docs/rules.md"


def test_rules_command_lists_every_rule() -> None:
    out = CliRunner().invoke(app, ["rules"]).output
    assert all(rid in out for rid in REGISTRY) and len(REGISTRY) >= 40
