"""The labelled boilerplate corpus (eval/bp_corpus/): it regenerates identically, its labels are sound, the BP metrics
count right, and the evaluation glue (budgetlens/eval_bp.py) runs end to end on an in-memory corpus.

Regenerate the corpus with BUDGETLENS_UPDATE_GOLDEN=1 pytest tests/test_bp_corpus.py, then read the diff.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from budgetlens.eval_bp import BP_CORPUS, load_bp_corpus, print_bp_report, run_bp_eval
from budgetlens.settings import Settings
from checks.model import Evidence, Finding
from eval.bp_corpus import write
from eval.bp_labels import Occurrence, Piece, derive, measurable, relate
from eval.metrics_bp import RULES, other_document, score_findings
from extraction.passages import passages
from extraction.records import Document, ExtractionResult, ReportSection

from .corpus_fakes import FakeCorpus

UPDATE = os.environ.get("BUDGETLENS_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def corpus() -> tuple[dict[str, ExtractionResult], dict[str, Any]]:
    return load_bp_corpus()


# -- the committed corpus is what the generator makes ---------------------------------------------------------------


def test_corpus_regenerates_identically(tmp_path: Path) -> None:
    if UPDATE:
        write(BP_CORPUS)
    write(tmp_path)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in BP_CORPUS.iterdir()), "files differ: regenerate (see module docstring)"
    for name in made:
        assert (tmp_path / name).read_text(encoding="utf-8") == (BP_CORPUS / name).read_text(encoding="utf-8"), (
            f"{name} differs from a fresh generation: regenerate with BUDGETLENS_UPDATE_GOLDEN=1 and read the diff")


def test_documents_are_valid_records_with_stable_ids(corpus: tuple[dict[str, ExtractionResult], Any]) -> None:
    docs, _ = corpus
    assert 40 <= len(docs) <= 80
    for name, res in docs.items():
        stem = name.removesuffix(".json")
        assert res.document.id == hashlib.sha256(stem.encode()).hexdigest()
        assert res.document.file_name == f"{stem}.pdf"
        assert res.document.department and res.document.fiscal_year == int(stem.rsplit("-", 1)[1])
    assert len({(r.document.department, r.document.fiscal_year) for r in docs.values()}) == len(docs)


# -- the labels are sound ---------------------------------------------------------------------------------------------


def _passage_keys(docs: dict[str, ExtractionResult]) -> set[tuple[str, str, str]]:
    return {(name, p.record, p.path) for name, res in docs.items() for p in passages(res)}


def test_every_labelled_passage_and_match_exists(corpus: tuple[dict[str, ExtractionResult], dict[str, Any]]) -> None:
    docs, labels = corpus
    keys = _passage_keys(docs)
    for p in labels["positives"]:
        assert (p["document"], p["record"], p["path"]) in keys, p
        assert p["matches"] and p["document"] not in p["matches"], p
        assert set(p["matches"]) <= set(docs), p
        assert {c[0] for c in p["copies"]} == set(p["matches"]), p
        for c in p["copies"]:
            assert tuple(c) in keys, (p, c)
    for n in [*labels["negatives"], *labels["ambiguous"]]:
        assert (n["document"], n["record"], n["path"]) in keys, n
        assert set(n["counterparts"]) <= set(docs), n


def test_label_kinds_and_sizes(corpus: tuple[dict[str, ExtractionResult], dict[str, Any]]) -> None:
    _, labels = corpus
    positives = labels["positives"]
    assert {p["rule_id"] for p in positives} == set(RULES)
    units = Counter(p["rule_id"] for p in positives if not p.get("optional"))
    assert all(units[r] >= 20 for r in RULES), units
    kinds = Counter(n["negative"] for n in labels["negatives"])
    assert kinds["near_miss"] >= 20 and kinds["standard"] >= 20 and kinds["refilled"] >= 1, kinds
    assert len(labels["ambiguous"]) < 0.05 * len(positives)  # the generator keeps the gray zone small
    rule_of = {p["rule_id"] for p in positives if p["kind"] == "indicator_set"}
    assert rule_of == {"BP-002"}
    assert all(p["kind"] in ("section", "paragraph") for p in positives if p["rule_id"] == "BP-003")


def test_labels_follow_the_rules_semantics(corpus: tuple[dict[str, ExtractionResult], dict[str, Any]]) -> None:
    docs, labels = corpus
    meta = {name: (r.document.department, r.document.fiscal_year) for name, r in docs.items()}
    for p in labels["positives"]:
        dept, year = meta[p["document"]]
        if p["rule_id"] == "BP-003":  # the same department's previous year
            assert all(meta[m] == (dept, year - 1) for m in p["matches"]), p
        if p["rule_id"] == "BP-004":  # copied in the reports of three departments or more
            assert len({meta[m][0] for m in p["matches"]} | {dept}) >= 3, p
        if p["rule_id"] == "BP-001" and p["kind"] in ("section", "paragraph"):  # last year's section is BP-003's
            assert not any(meta[d] == (dept, year - 1) and r.startswith("section[") for d, r, _ in p["copies"]), p
    text_rules = Counter((p["document"], p["record"], p["path"]) for p in labels["positives"]
                         if p["rule_id"] == "BP-004")
    for p in labels["positives"]:
        if p["rule_id"] != "BP-004":
            assert (p["document"], p["record"], p["path"]) not in text_rules, "BP-004 passages get no other rule"
    standard = {(n["document"], n["record"], n["path"]) for n in labels["negatives"] if n["negative"] == "standard"}
    assert not standard & {(p["document"], p["record"], p["path"]) for p in labels["positives"]}


def test_standard_text_is_everywhere_and_never_positive(
        corpus: tuple[dict[str, ExtractionResult], dict[str, Any]]) -> None:
    docs, labels = corpus
    why = Counter(n["standard"] for n in labels["negatives"] if n["negative"] == "standard")
    for kind in ("名词解释", "table note", "form note", "template instruction", "mandate (三定方案)"):
        assert why[kind] >= 3, why
    assert len({n["document"] for n in labels["negatives"] if n["negative"] == "standard"}) >= 0.9 * len(docs)


# -- label derivation (pure) ------------------------------------------------------------------------------------------


def _occ(doc: str, sids: tuple[str, ...], text: str, dept: str = "A", year: int = 2024,
         weight: tuple[int, int] = (30, 30)) -> Occurrence:
    pieces = tuple(Piece(s, *weight) for s in sids)
    return Occurrence(doc, "section[0]:x", "text", "section", "report_section", dept, year, text, pieces)


def test_relate_copy_near_miss_and_refilled() -> None:
    text = "根据项目实施进度及时拨付资金，避免资金闲置。"
    a = _occ("a", ("s1", "s2", "s3", "s4", "s5"), text)
    assert relate(a, _occ("b", ("s1", "s2", "s3", "s4", "s5"), text)).kind == "copy"
    assert relate(a, _occ("b", ("s1", "s2", "s3", "s4", "x"), text)).kind == "copy"  # one sentence in five
    assert relate(a, _occ("b", ("s1", "s2", "x", "y", "z"), text)).kind == "near_miss"
    assert relate(_occ("a", ("s1", "s2", "s3"), text), _occ("b", ("s1", "s2", "x"), text)).kind == "ambiguous"
    assert relate(a, _occ("b", ("x", "y"), text)) is None
    lifted = _occ("a", ("s1",), text)  # a passage lifted whole out of a longer one
    assert relate(lifted, _occ("b", ("s1", "s2", "s3"), text * 3)).kind == "copy"
    filled = _occ("a", ("s1",), "本年收入合计12.50万元，其中：财政拨款收入12.50万元。", weight=(2, 30))
    other = _occ("b", ("s1",), "本年收入合计13.70万元，其中：财政拨款收入13.70万元。", weight=(2, 30))
    assert relate(filled, other).kind == "refilled"  # the same template, other figures
    assert relate(filled, _occ("b", ("s1",), filled.text, weight=(2, 30))).kind == "copy"  # same figures too


def test_rules_assigned_by_department_and_year() -> None:
    long = "严格执行预算管理制度，建立健全内部控制制度，完善资金审批流程。"
    a = _occ("A-2024", ("s1",), long)
    prev = _occ("A-2023", ("s1",), long, year=2023)
    later = _occ("A-2025", ("s1",), long, year=2025)
    other = _occ("B-2024", ("s1",), long, dept="B")
    labels = derive([a, prev, later, other])
    by = {(p["document"], p["rule_id"]): p["matches"] for p in labels.positives}
    assert by[("A-2024", "BP-003")] == ["A-2023"]
    assert by[("A-2024", "BP-001")] == ["A-2025", "B-2024"]
    assert ("A-2023", "BP-003") not in by and by[("A-2023", "BP-001")] == ["A-2024", "A-2025", "B-2024"]
    third = _occ("C-2024", ("s1",), long, dept="C")
    labels = derive([a, prev, other, third])
    assert {p["rule_id"] for p in labels.positives} == {"BP-004"}, "nothing measurable, three departments"
    short = [_occ(d, ("s1",), "保障各类会议圆满完成", dept=d, weight=(10, 10)) for d in ("A", "B")]
    labels = derive(short)
    assert not labels.positives and len(labels.ambiguous) == 2, "a ten-character stock phrase: not scored"
    assert measurable("督办调研次数不少于20次") and measurable("开展培训两次") and not measurable(long)


# -- metrics ----------------------------------------------------------------------------------------------------------


def _finding(rule: str, doc: str, record: str, path: str, other: str | None = None) -> Finding:
    ev = [Evidence(record=record, path=path)]
    if other:
        ev.append(Evidence(record=f"other:id-{other}:{other}.pdf:{record}", path=path))
    return Finding(rule_id=rule, severity="warning", title="t", message="m", evidence=ev, document_id=f"id-{doc}")


LABELS = {
    "positives": [
        {"rule_id": "BP-001", "document": "a.json", "record": "form[1]:P", "path": "goal_text", "kind": "goal_text",
         "matches": ["b.json", "c.json"], "unit": "u1"},
        {"rule_id": "BP-001", "document": "a.json", "record": "form[2]:Q", "path": "goal_text", "kind": "goal_text",
         "matches": ["b.json"], "unit": "u2"},
        {"rule_id": "BP-003", "document": "a.json", "record": "section[3]:S", "path": "text", "kind": "section",
         "matches": ["b.json"], "unit": "u3"},
        {"rule_id": "BP-003", "document": "a.json", "record": "section[3]:S", "path": "text#p0",
         "kind": "paragraph", "matches": ["b.json"], "unit": "u3", "optional": True},
        {"rule_id": "BP-002", "document": "b.json", "record": "form[1]:P", "path": "indicators",
         "kind": "indicator_set", "matches": ["a.json"], "unit": "u4"},
    ],
    "negatives": [{"negative": "standard", "document": "a.json", "record": "section[9]:名词解释", "path": "text",
                   "kind": "section", "counterparts": ["b.json"]}],
    "ambiguous": [{"document": "c.json", "record": "form[1]:P", "path": "result_text", "kind": "result_text",
                   "counterparts": ["a.json"]}],
}
FILES = {f"id-{x}": f"{x}.json" for x in "abc"} | {f"{x}.pdf": f"{x}.json" for x in "abc"}


def test_metrics_count_tp_fp_fn() -> None:
    findings = [
        _finding("BP-001", "a", "form[1]:P", "goal_text", "c"),  # TP (any labelled copy counts)
        _finding("BP-001", "a", "form[1]:项目P改名", "goal_text", "b"),  # same passage again: counted once
        _finding("BP-001", "a", "form[2]:Q", "goal_text", "c"),  # labelled, but c holds no copy: wrong match
        _finding("BP-003", "a", "section[3]:S", "text#p0", "b"),  # optional paragraph: TP, finds unit u3
        _finding("BP-001", "a", "section[9]:名词解释", "text", "b"),  # standard: false alarm
        _finding("BP-001", "c", "form[1]:P", "result_text", "a"),  # ambiguous: left out
        _finding("BP-004", "a", "form[1]:P", "goal_text", "b"),  # a copy, but BP-001's
        _finding("EX-001", "a", "x", "y"),  # not a BP rule: not scored
    ]
    s = score_findings(findings, LABELS, FILES)
    r1, r2, r3, r4 = (s.rules[r] for r in RULES)
    assert (r1.labelled, r1.found, r1.tp, r1.fp, r1.fn, r1.ignored) == (2, 4, 1, 2, 1, 1)
    assert r1.precision == pytest.approx(1 / 3) and r1.recall == pytest.approx(0.5)
    assert r1.f1 == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))
    assert (r2.labelled, r2.tp, r2.fp, r2.fn) == (1, 0, 0, 1) and r2.precision == 1.0 and r2.recall == 0.0
    assert (r3.labelled, r3.tp, r3.fp, r3.fn) == (1, 1, 0, 0)
    assert (r4.labelled, r4.tp, r4.fp) == (0, 0, 1) and r4.recall == 1.0
    reasons = sorted(a["reason"] for a in s.false_alarms)
    assert reasons == ["labelled BP-001", "standard", "wrong match"]
    assert sorted((m["rule_id"], m["record"]) for m in s.misses) == [("BP-001", "form[2]:Q"),
                                                                      ("BP-002", "form[1]:P")]
    total = s.overall()
    assert (total.tp, total.fp, total.fn) == (2, 3, 2)


def test_metrics_parse_other_evidence() -> None:
    doc = hashlib.sha256(b"xishan-2023").hexdigest()
    assert other_document(f"other:{doc}:xishan-2023.pdf:section[3]:（四）部门预算管理制度建设情况") == doc
    assert other_document("other:xishan-2023.pdf:section[3]:x") == "xishan-2023.pdf"  # the earlier form
    assert other_document("section[3]:x") is None


# -- the evaluation glue ----------------------------------------------------------------------------------------------


class IndexingFake(FakeCorpus):
    def index(self, result: ExtractionResult) -> int:
        self.add(result)
        return len(passages(result))


def _doc(name: str, dept: str, year: int, sections: dict[str, str]) -> ExtractionResult:
    doc = Document(id=hashlib.sha256(name.encode()).hexdigest(), file_name=f"{name}.pdf", department=dept,
                   region="云南省", fiscal_year=year, doc_kinds=["evaluation_report"])
    return ExtractionResult(document=doc, records=[ReportSection(heading_path=[h], text=t)
                                                   for h, t in sections.items()])


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """Three reports: a section unchanged from 甲单位's 2023 report to its 2024 one, the rest its own."""
    kept = ("区政府办公室根据国家有关财经法律法规结合实际情况制定了一系列的财务管理制度，在资金使用上按照国家财经法规"
            "和单位财务管理制度规定收支，做到资金使用的合规性。")
    docs = {
        "a-2023": _doc("a-2023", "甲单位", 2023, {"四、制度建设": kept, "五、问题": "资金执行进度缓慢，2023年支付率为61.20%。"}),
        "a-2024": _doc("a-2024", "甲单位", 2024, {"四、制度建设": kept, "五、问题": "会议室改造工程延期至2025年3月完工。"}),
        "b-2024": _doc("b-2024", "乙单位", 2024, {"一、概述": "乙单位负责全市档案数字化工作，年内完成扫描12万页。"}),
    }
    for name, res in docs.items():
        (tmp_path / f"{name}.json").write_text(res.model_dump_json(), encoding="utf-8")
    rec = "section[0]:四、制度建设"
    labels = {"positives": [
        {"rule_id": "BP-003", "document": "a-2024.json", "record": rec, "path": "text", "kind": "section",
         "matches": ["a-2023.json"], "unit": "x"},
        {"rule_id": "BP-001", "document": "a-2023.json", "record": rec, "path": "text", "kind": "section",
         "matches": ["a-2024.json"], "unit": "y"}], "negatives": [], "ambiguous": []}
    (tmp_path / "labels.json").write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def _check_report(report: dict[str, Any]) -> None:
    assert report["documents"] == 3
    by_rule = {r["rule"]: r for r in report["rules"]}
    assert by_rule["BP-003"]["tp"] == 1 and by_rule["BP-001"]["tp"] == 1, report
    assert report["overall"]["fp"] == 0 and report["overall"]["fn"] == 0, report


def test_run_bp_eval_on_an_in_memory_corpus(small_corpus: Path) -> None:
    fake = IndexingFake()
    report = run_bp_eval(fake, small_corpus)
    assert fake.document_count() == 3
    _check_report(report)
    console = Console(record=True, width=160)
    print_bp_report(report, console)
    out = console.export_text()
    assert "BP-003" in out and "100.0%" in out and "labelled" in out


def test_run_bp_eval_on_a_chroma_corpus(small_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    from vectorstore.corpus import open_corpus

    corpus = open_corpus(Settings(data_dir=tmp_path_factory.mktemp("data"), corpus_dir=tmp_path_factory.mktemp("c")))
    _check_report(run_bp_eval(corpus, small_corpus))
    assert corpus.document_count() == 3
