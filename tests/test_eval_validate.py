"""eval/validate.py: the committed fixtures are clean, and each kind of breakage in a copy is reported with a message
that says where it is and what to do."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pymupdf
import pytest

from eval.validate import find_fixture_folders, main, validate_fixture, validate_many
from eval.validate_json import Problem

from .conftest import ROOT, SHARED

FIXTURES = ROOT / "eval" / "fixtures"
BP = ROOT / "eval" / "bp_corpus"
REAL = [f for f in find_fixture_folders(FIXTURES) if (f / "gold.json").is_file()]
GENERATED = [f for f in find_fixture_folders(FIXTURES) if (f / "spec.yaml").is_file()]


def messages(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


def only(problems: list[Problem], *fragments: str) -> Problem:
    """The single problem, checked to hold every fragment."""
    assert len(problems) == 1, messages(problems)
    for frag in fragments:
        assert frag in problems[0].message, messages(problems)
    return problems[0]


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def line_of(p: Problem) -> str:
    assert p.line is not None, str(p)
    return p.path.read_text(encoding="utf-8").splitlines()[p.line - 1]


# --- the committed fixtures --------------------------------------------------------------------------------------


def test_every_fixture_folder_is_found() -> None:
    names = {f.name for f in find_fixture_folders(ROOT / "eval")}
    assert {"real_putuo", "real_template", "seed002_fa", "seed004_se", "bp_corpus"} <= names
    assert len(GENERATED) >= 7 and len(REAL) >= 2


@pytest.mark.parametrize("folder", GENERATED + [BP], ids=lambda f: f.name)
def test_committed_fixture_has_no_problem(folder: Path) -> None:
    assert validate_fixture(folder, SHARED) == []


@pytest.mark.parametrize("folder", REAL, ids=lambda f: f.name)
def test_real_fixture_has_no_problem(folder: Path) -> None:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the real fixtures' PDFs live in the shared dir")
    assert validate_fixture(folder, SHARED) == []


def test_a_rendered_fixture_has_no_problem(tmp_path: Path) -> None:
    from eval.render import render_fixture

    pdf, _ = render_fixture(FIXTURES / "seed002_fa", tmp_path, "wanyuan")
    assert validate_many([tmp_path]) == {pdf.parent: []}


def test_main_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(FIXTURES / "seed002_fa")]) == 0
    assert main([str(tmp_path / "nothing")]) == 1
    assert "no such folder" in capsys.readouterr().out


# --- generator fixtures (spec.yaml + source.json) ----------------------------------------------------------------


@pytest.fixture
def fa(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "seed002_fa", tmp_path / "seed002_fa"))


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "seed000_se", tmp_path / "seed000_se"))


def test_deleted_files_are_named_with_what_they_hold(fa: Path) -> None:
    (fa / "NOTES.md").unlink()
    (fa / "expected-a3.json").unlink()
    problems = validate_fixture(fa, SHARED)
    assert [p.path.name for p in problems] == ["NOTES.md", "expected-a3.json"], messages(problems)
    assert "where the gold comes from" in problems[0].message
    assert "BUDGETLENS_UPDATE_GOLDEN=1" in problems[1].message and "-k seed002_fa" in problems[1].message


def test_json_that_does_not_parse_gives_its_line(fa: Path) -> None:
    text = (fa / "source.json").read_text(encoding="utf-8").splitlines()
    text[9] += ","  # a trailing comma inside the document object
    (fa / "source.json").write_text("\n".join(text), encoding="utf-8")
    p = only(validate_fixture(fa, SHARED), "not valid JSON", "fix the syntax")
    assert p.path.name == "source.json" and p.line is not None and p.line >= 10


def test_schema_errors_each_at_their_place(fa: Path) -> None:
    source = load(fa / "source.json")
    table = source["records"][0]
    column = next(iter(table["rows"][2]["cells"]))
    table["rows"][2]["cells"][column] = "三千"
    table["colour"] = "red"
    del source["records"][1]["title"]
    dump(fa / "source.json", source)
    problems = validate_fixture(fa, SHARED)
    assert len(problems) == 3, messages(problems)
    cell, extra, missing = problems
    assert cell.message.startswith(f"records[0].rows[2].cells.{column}: ") and "valid decimal" in cell.message
    assert '"三千"' in line_of(cell)
    assert extra.message.startswith("records[0].colour: not a field") and '"colour"' in line_of(extra)
    assert missing.message.startswith("records[1].title: required field missing")


def test_duplicate_record(fa: Path) -> None:
    source = load(fa / "source.json")
    source["records"].append(source["records"][3])
    dump(fa / "source.json", source)
    only(validate_fixture(fa, SHARED), f"records[{len(source['records']) - 1}]: repeats records[3]", "delete the copy")


def test_spec_that_does_not_fit_the_records(fa: Path) -> None:
    spec = (fa / "spec.yaml").read_text(encoding="utf-8")
    (fa / "spec.yaml").write_text(spec.replace("rows_at: {收入: [1-8, 27-30]", "rows_at: {收入: [1-8, 27-29]"),
                                  encoding="utf-8")
    p = only(validate_fixture(fa, SHARED), "tables.公开01表 (variant yuan, source.json records[0]): rows_at.收入 "
                                           "places 11 rows but the table has 12 收入 rows")
    assert line_of(p).strip() == "公开01表:"


def test_spec_with_an_unknown_table_family(fa: Path) -> None:
    spec = (fa / "spec.yaml").read_text(encoding="utf-8")
    (fa / "spec.yaml").write_text(spec.replace("family: coded", "family: coded2", 1), encoding="utf-8")
    only(validate_fixture(fa, SHARED), "tables.公开02表 (variant yuan", "family 'coded2' is not one the renderer draws")


def test_spec_without_a_table_entry(fa: Path) -> None:
    spec = (fa / "spec.yaml").read_text(encoding="utf-8")
    (fa / "spec.yaml").write_text(spec.replace("  公开02表:", "  公开99表:"), encoding="utf-8")
    problems = validate_fixture(fa, SHARED)
    assert "tables.公开99表 names no table" in messages(problems)
    assert "no tables.公开02表 entry for source.json records[1]" in messages(problems)


def test_spec_that_is_not_yaml(fa: Path) -> None:
    (fa / "spec.yaml").write_text("title: [unclosed\nvariants: {}\n", encoding="utf-8")
    p = only([p for p in validate_fixture(fa, SHARED) if p.path.name == "spec.yaml"], "not valid YAML")
    assert p.line is not None


def test_stray_golden_file(fa: Path) -> None:
    shutil.copy(fa / "expected-a3.json", fa / "expected-a4.json")
    only(validate_fixture(fa, SHARED), "names no variant of spec.yaml")


def test_golden_file_values_without_sources(fa: Path) -> None:
    expected = load(fa / "expected-yuan.json")
    del expected["records"][0]["sources"]["rows[0].label"]
    expected["records"][0]["sources"]["rows[999].label"] = expected["records"][0]["sources"]["title"]
    dump(fa / "expected-yuan.json", expected)
    problems = validate_fixture(fa, SHARED)
    assert len(problems) == 2, messages(problems)
    assert "rows[999].label" in problems[0].message and "names a field this record does not have" in problems[0].message
    only([problems[1]], "values without a source: rows[0].label", "regenerate the golden file")


def test_forms_spec_rules_that_match_nothing(forms: Path) -> None:
    spec = (forms / "spec.yaml").read_text(encoding="utf-8")
    spec = spec.replace("  - kind: project_self_evaluation\n    set:", "  - kind: scoring_table\n    set:", 1)
    spec = spec.replace("  - type: yunnan_dept", "  - type: yunnan_department")
    spec = spec.replace("forms:\n", "forms:\n  附件9-9-9: {}\n", 1)
    (forms / "spec.yaml").write_text(spec, encoding="utf-8")
    text = messages(validate_fixture(forms, SHARED))
    assert "gold_adjust: gold_adjust rule matches no record" in text
    assert "parts[1]: unknown part type 'yunnan_department'" in text
    assert "forms: entries that name no form of source.json: 附件9-9-9" in text


# --- gold fixtures (gold.json + a PDF) ---------------------------------------------------------------------------


def tiny_pdf(path: Path, text: str = "本年收入合计") -> str:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), text)
    doc.save(str(path))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    """A folder shaped like `budgetlens export-fixture` output: gold.json with the extractor's sources, document.pdf,
    NOTES.md (the PDF is a stand-in: the validator reads its bytes, not its text)."""
    folder = tmp_path / "putuo-d45e9231"
    folder.mkdir()
    gold = load(FIXTURES / "real_putuo" / "expected.json")
    gold["document"]["id"] = tiny_pdf(folder / "document.pdf")
    dump(folder / "gold.json", gold)
    (folder / "NOTES.md").write_text("# Gold from review\n\n## Corrections (0)\n\nNone.\n", encoding="utf-8")
    return folder


def test_exported_fixture_is_clean(exported: Path) -> None:
    assert validate_fixture(exported, SHARED) == []


def test_a_value_without_source_must_be_a_listed_correction(exported: Path) -> None:
    gold = load(exported / "gold.json")
    del gold["records"][0]["sources"]["rows[7].cells.决算数"]
    dump(exported / "gold.json", gold)
    only(validate_fixture(exported, SHARED), "records[0]: final_accounts_table 收入支出决算总表: values without a "
                                             "source: rows[7].cells.决算数", "NOTES.md")
    (exported / "NOTES.md").write_text(
        "# Gold from review\n\n## Corrections (1)\n\n| # | when (UTC) | who | record | field | old → new | why |\n"
        "|---|---|---|---|---|---|---|\n| 1 | 2025-06-01 10:00 | 李审计 | [0] final_accounts_table 收入支出决算总表 | "
        "`rows[7].cells.决算数` | 1.0 → 2.0 | 第6页 |\n", encoding="utf-8")
    assert validate_fixture(exported, SHARED) == []


def test_pdf_missing_replaced_or_not_a_pdf(exported: Path) -> None:
    tiny_pdf(exported / "document.pdf", "another text")
    p = only(validate_fixture(exported, SHARED), "document.id: is not the sha256 of", "re-render")
    assert '"id"' in line_of(p)
    (exported / "document.pdf").write_text("<html>404</html>", encoding="utf-8")
    only(validate_fixture(exported, SHARED), "is not a PDF")
    (exported / "document.pdf").unlink()
    only(validate_fixture(exported, SHARED), "missing: the PDF this gold labels")


def test_pages_and_duplicates_in_gold(exported: Path) -> None:
    gold = load(exported / "gold.json")
    gold["records"][0]["pages"] = [26]
    gold["records"][2]["std_name"] = gold["records"][1]["std_name"]
    dump(exported / "gold.json", gold)
    text = messages(validate_fixture(exported, SHARED))
    assert "records[0].pages[0]: page 26 is not a page of this 25-page document" in text
    assert f"records[2].std_name: a second table named {gold['records'][1]['std_name']} (the first is records[1])" in text


def test_source_into_the_shared_dir(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(FIXTURES / "real_putuo", tmp_path / "real_putuo"))
    shared = tmp_path / "shared"
    p = only(validate_fixture(folder, shared), "which does not exist", "--shared")
    assert '"source"' in line_of(p)
    (shared / "corpus").mkdir(parents=True)
    only(validate_fixture(folder, shared), "is not in the shared dir", "上海市普陀区财政局2024年度部门决算.pdf")
    (folder / "NOTES.md").unlink()
    assert "NOTES.md" in {p.path.name for p in validate_fixture(folder, shared)}


def test_gold_that_does_not_validate(exported: Path) -> None:
    gold = load(exported / "gold.json")
    gold["records"][5]["kind"] = "final_account_table"
    gold["document"]["pages"] = "many"
    dump(exported / "gold.json", gold)
    problems = validate_fixture(exported, SHARED)
    text = messages(problems)
    assert "document.pages: Input should be a valid integer" in text
    assert "records[5]: Input tag 'final_account_table'" in text and "set `kind`" in text


# --- the labelled corpus of the boilerplate rules ------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BP, tmp_path / "bp_corpus"))


def test_dangling_label(corpus: Path) -> None:
    labels = load(corpus / "labels.json")
    first = labels["positives"][0]
    first["record"] = first["record"].split(":")[0] + ":没有这个标题"
    labels["negatives"][0]["path"] = "text#p99"
    dump(corpus / "labels.json", labels)
    problems = validate_fixture(corpus, SHARED)
    assert len(problems) == 2, messages(problems)
    pos, neg = problems
    assert pos.message.startswith("positives[0]: names passage") and "there is section[0]:" in pos.message
    assert "python -m eval.bp_corpus" in pos.message and line_of(pos).strip() == "{"
    assert neg.message.startswith("negatives[0]: names passage") and "that record's passages are text" in neg.message


def test_deleted_report_is_one_problem(corpus: Path) -> None:
    (corpus / "panlong-2023.json").unlink()
    p = only(validate_fixture(corpus, SHARED), "in labels name panlong-2023.json, which is not in the folder")
    assert p.path.name == "labels.json"


def test_bad_labels(corpus: Path) -> None:
    labels = load(corpus / "labels.json")
    labels["positives"][1]["rule_id"] = "BP-009"
    labels["positives"].append(labels["positives"][2])
    labels["positives"][3]["kind"] = "paragraph" if labels["positives"][3]["kind"] != "paragraph" else "section"
    del labels["negatives"][1]["document"]
    dump(corpus / "labels.json", labels)
    text = messages(validate_fixture(corpus, SHARED))
    assert "positives[1].rule_id: 'BP-009' is not a boilerplate rule" in text
    assert f"positives[{len(labels['positives']) - 1}]: labels the same passage for the same rule as positives[2]" in text
    assert "positives[3]: says kind" in text
    assert "negatives[1]: lacks document" in text


def test_report_that_does_not_validate(corpus: Path) -> None:
    report = load(corpus / "xishan-2024.json")
    report["records"][0]["kind"] = "memo"
    dump(corpus / "xishan-2024.json", report)
    p = only(validate_fixture(corpus, SHARED), "records[0]: Input tag 'memo'")
    assert p.path.name == "xishan-2024.json"  # labels naming it are not reported again


def test_labels_that_do_not_parse(corpus: Path) -> None:
    (corpus / "labels.json").write_text('{"positives": [}', encoding="utf-8")
    only(validate_fixture(corpus, SHARED), "not valid JSON", "line 1")


# --- discovery -----------------------------------------------------------------------------------------------------


def test_validate_many_finds_folders_and_says_when_there_are_none(tmp_path: Path, fa: Path) -> None:
    (tmp_path / "empty").mkdir()
    half = tmp_path / "half"
    half.mkdir()
    (half / "NOTES.md").write_text("notes without gold\n", encoding="utf-8")
    out = validate_many([tmp_path, tmp_path / "empty", tmp_path / "nope"])
    assert out[fa] == [] and "not a complete fixture" in only(out[half]).message
    assert "holds no fixture" in only(out[tmp_path / "empty"]).message
    assert "no such folder" in only(out[tmp_path / "nope"]).message


def test_cli_eval_validate(fa: Path) -> None:
    from typer.testing import CliRunner

    from budgetlens.cli import app

    ok = CliRunner().invoke(app, ["eval", "validate", str(FIXTURES / "seed002_fa")])
    assert ok.exit_code == 0 and "ok" in ok.output
    (fa / "source.json").unlink()
    bad = CliRunner().invoke(app, ["eval", "validate", str(fa)])
    assert bad.exit_code == 1 and "source.json" in bad.output and "problem" in bad.output
    assert CliRunner().invoke(app, ["eval", "validate"]).exit_code == 2


def test_findings_labels_are_checked(tmp_path: Path) -> None:
    import yaml

    seed = tmp_path / "seed001_se"
    shutil.copytree(FIXTURES / "seed001_se", seed)
    labels = yaml.safe_load((seed / "findings.yaml").read_text(encoding="utf-8"))
    labels["expected"][0]["rule"] = "SE-999"
    labels["expected"][1]["record"] = "section:不存在"
    labels["expected"][2].pop("severity")
    labels["expected"].append({"rule": "SE-016", "severity": "warning", "page": 3})
    (seed / "findings.yaml").write_text(yaml.safe_dump(labels, allow_unicode=True), encoding="utf-8")
    text = messages(validate_fixture(seed, SHARED))
    for fragment in ("'SE-999' is not in the registry", "'section:不存在' names no record", "give the severity",
                     "pages differ by layout"):
        assert fragment in text
    real = tmp_path / "real_putuo"
    shutil.copytree(FIXTURES / "real_putuo", real)
    gold = load(real / "gold.json")
    assert gold["findings"]["complete"]
    gold["findings"]["expected"][0]["page"] = 0
    gold["findings"]["expected"].append({"rule": "FA-070", "severity": "error", "record": "claim:没有这句"})
    (real / "gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    text = messages(validate_fixture(real, SHARED))
    assert "pages are whole numbers from 1" in text and "'claim:没有这句' names no record" in text
