"""A bad file gets a clear per-file error and the batch goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from budgetlens.cli import app
from extraction.pipeline import extract_file

EXPECTED = {
    "empty": ("empty_file", "empty"),
    "not_pdf": ("not_pdf", "not a PDF"),
    "corrupt": ("corrupt_pdf", "damaged"),
    "encrypted": ("encrypted_pdf", "password"),
    "image_only": ("no_text_layer", "OCR"),
    "wrong_kind": ("no_disclosure_content", "budget disclosure"),
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_bad_input_fails_with_its_reason(bad_inputs: dict[str, Path], kind: str) -> None:
    res = extract_file(bad_inputs[kind])
    code, words = EXPECTED[kind]
    assert res.status == "failed"
    assert res.records == []
    assert [i.code for i in res.issues] == [code]
    assert words in res.issues[0].message
    assert res.issues[0].severity == "error"
    assert res.document.status == "failed"


def test_batch_goes_on_and_exit_code_reports_failure(bad_inputs: dict[str, Path], putuo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    paths = [str(p) for p in bad_inputs.values()] + [str(putuo), str(tmp_path / "missing.pdf")]
    result = CliRunner().invoke(app, ["extract", *paths, "--out", str(out)])
    assert result.exit_code == 1
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(paths)
    by_name = {x["document"]["file_name"]: x for x in lines}
    assert by_name[putuo.name]["status"] in ("ok", "partial")
    assert by_name[putuo.name]["records"]
    assert by_name["missing.pdf"]["issues"][0]["code"] == "unreadable_file"
    assert sum(x["status"] == "failed" for x in lines) == len(bad_inputs) + 1


def test_json_format_is_one_array(putuo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["extract", str(putuo.parent), "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(data, list) and len(data) == 2
    assert {d["document"]["file_name"] for d in data} == {p.name for p in putuo.parent.glob("*.pdf")}


def test_size_limit_is_a_clear_error(putuo: Path) -> None:
    res = extract_file(putuo, max_bytes=1000)
    assert res.status == "failed" and "MB" in res.issues[0].message


def test_a_parser_bug_costs_one_document_not_the_batch(putuo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real parser, real PDF; only the table reader is made to raise, as a bug in it would."""
    import extraction.pipeline as pipeline

    def broken(*_args: object, **_kw: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(pipeline, "assemble", broken)
    res = extract_file(putuo)
    assert res.status == "failed" and res.issues[0].code == "internal_error" and "boom" in res.issues[0].message


def test_a_forms_bug_keeps_the_tables(putuo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import extraction.pipeline as pipeline

    def broken(*_args: object, **_kw: object) -> None:
        raise KeyError("form")

    monkeypatch.setattr(pipeline, "_forms", broken)
    res = extract_file(putuo)
    assert res.status == "partial" and res.records
    assert [i.code for i in res.issues] == ["forms_not_read"]


def test_a_bad_setting_is_named_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETLENS_LLM_CACHE", "/tmp/somewhere")
    result = CliRunner().invoke(app, ["rules"])
    assert result.exit_code == 2
    assert "BUDGETLENS_LLM_CACHE='/tmp/somewhere'" in result.output and "correct or unset it" in result.output
    assert "Traceback" not in result.output
