"""The hybrid pipeline on rendered fixture pages with a content-aware fake endpoint (the real LlmClient, grounding
and merging run; only the endpoint is scripted). The real local model is exercised in test_llm_e2e.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pymupdf
import pytest

from checks.engine import run_checks
from extraction.errors import LlmUnavailableError
from extraction.llm.client import LlmClient
from extraction.llm.hybrid import chunks, extract_with_llm
from extraction.llm.types import ChatReply, ChatRequest, Mode
from extraction.pipeline import extract_file
from extraction.records import NarrativeClaim, ProjectSelfEvaluation


class PageAwareEndpoint:
    """Answers from the document text it is sent, like a model would, so replies do not depend on call order."""

    provider = "fake"
    endpoint = "http://fake.test/v1"
    model = "fake-model"

    def __init__(self, claims: dict[str, list[dict[str, object]]] | None = None,
                 form: dict[str, object] | None = None, down: bool = False) -> None:
        self.claims = claims or {}
        self.form = form or {}
        self.down = down
        self.calls = 0

    def chat(self, request: ChatRequest, mode: Mode) -> ChatReply:
        self.calls += 1
        if self.down:
            raise LlmUnavailableError("cannot reach http://fake.test/v1 (ConnectError: refused)", "fake")
        doc = request.user.split("<document>")[-1]
        if request.schema_name == "ClaimsOut":
            out = [c for key, cs in self.claims.items() if key in doc for c in cs]
            return ChatReply(json.dumps({"claims": out}, ensure_ascii=False), "stop", 100, 20, 0.1)
        return ChatReply(json.dumps(self.form, ensure_ascii=False), "stop", 300, 80, 0.2)


def _client(endpoint: PageAwareEndpoint) -> LlmClient:
    return LlmClient(endpoint, mode="json_object", cooldown_s=60)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def narrative_pdf(rendered_fixtures: dict[tuple[str, str], tuple[Path, Path]], tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return _one_page(rendered_fixtures[("seed004_fa", "printed")][0], "二、收入决算情况说明",
                     tmp_path_factory.mktemp("n") / "narrative.pdf")


@pytest.fixture(scope="module")
def form_pdf(rendered_fixtures: dict[tuple[str, str], tuple[Path, Path]], tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return _one_page(rendered_fixtures[("seed002_se", "original")][0], "单位自有资金专项经费",
                     tmp_path_factory.mktemp("f") / "form.pdf")


def _one_page(src: Path, marker: str, out: Path) -> Path:
    with pymupdf.open(src) as doc:
        n = next(i for i in range(doc.page_count) if marker in doc[i].get_text())
        new = pymupdf.open()
        new.insert_pdf(doc, from_page=n, to_page=n)
        new.save(out)
    return out


def _llm_claims(res) -> list[NarrativeClaim]:  # type: ignore[no-untyped-def]
    return [r for r in res.records if isinstance(r, NarrativeClaim) and r.sources["value"].method == "llm"]


def test_chunks_bound_the_numbers_per_call_and_carry_the_previous_sentence() -> None:
    text = "收入4.00万元，支出3.00万元。占比12.5%，增长1.0%，减少2.00万元。无数字的句子。合计5个，另有6项，7人。"
    out = chunks(text, max_numbers=4)
    assert [n for _, _, n in out] == [2, 3, 3] or all(n <= 4 for _, _, n in out)
    assert all(n <= 4 for _, _, n in out) and sum(n for _, _, n in out) == 8
    assert out[1][1] and out[1][1] in text  # the overlap is the sentence before the chunk


def test_hybrid_keeps_grounded_new_claims_and_drops_invented_ones(narrative_pdf: Path) -> None:
    layout = extract_file(narrative_pdf)
    endpoint = PageAwareEndpoint(claims={"收入": [
        {"metric": "财政拨款收入", "raw": "4,183.78万元", "claim_kind": "total", "direction": None},  # layout has it
        {"metric": "收入合计", "raw": "9,999.99万元", "claim_kind": "total", "direction": None},  # invented
        {"metric": "财政拨款收入", "raw": "100.00", "claim_kind": "share", "direction": None},  # no unit
        {"metric": "利润", "raw": "100.00%", "claim_kind": "share", "direction": None},  # metric not printed
    ]})
    res = extract_with_llm(narrative_pdf, _client(endpoint), "hybrid")
    assert endpoint.calls >= 1
    assert res.llm is not None and res.llm.calls == endpoint.calls and res.llm.mode == "json_object"
    assert _llm_claims(res) == []  # the right one duplicates a layout claim; the others are not printed
    layout_claims = [r for r in layout.records if isinstance(r, NarrativeClaim)]
    assert len([r for r in res.records if isinstance(r, NarrativeClaim)]) == len(layout_claims)
    dropped = [i for i in res.issues if i.code == "ungrounded"]
    assert {re.sub(r"claims\[\d+\]", "c", i.path or "") for i in dropped} == {"c.raw", "c.metric"}
    assert res.llm.values_dropped == len(dropped) >= 3
    assert res.status == "partial"


def test_llm_only_replaces_layout_claims_with_grounded_llm_ones(narrative_pdf: Path) -> None:
    endpoint = PageAwareEndpoint(claims={"收入": [
        {"metric": "财政拨款收入", "raw": "4,183.78万元", "claim_kind": "total", "direction": None}]})
    res = extract_with_llm(narrative_pdf, _client(endpoint), "llm")
    claims = [r for r in res.records if isinstance(r, NarrativeClaim)]
    assert claims and all(c.sources["value"].method == "llm" for c in claims)
    c = next(c for c in claims if c.metric == "财政拨款收入")
    assert str(c.value) == "4183.78" and c.unit == "万元" and "财政拨款收入4,183.78万元" in c.sentence
    src = c.sources["value"]
    assert src.prompt and src.prompt.startswith("narrative_claims@") and src.raw == "4,183.78万元"
    with pymupdf.open(narrative_pdf) as doc:  # the box holds the number as printed
        assert "4,183.78" in doc[0].get_textbox(pymupdf.Rect(src.bbox) + (-1, -1, 1, 1)).replace(" ", "")


FORM = {"project_name": "单位自有资金专项经费", "department": "曲靖市人民政府办公室",
        "goal_text": None, "result_text": "已完成", "total_score": "100", "grade": "优",
        "funds_total": {"annual_budget": "31,640.00", "executed": "31,640.00", "execution_rate": "100.00%",
                        "score": "10"},
        "indicators": [{"level1": "产出指标", "level2": "质量指标", "level3": "经费核算准确率", "target": "100",
                        "actual": "100", "weight": "30.00", "score": "25.00", "deviation_note": "无偏差"}]}


def _form_run(pdf: Path, form: dict[str, object]) -> tuple[ProjectSelfEvaluation, list]:  # type: ignore[type-arg]
    res = extract_with_llm(pdf, _client(PageAwareEndpoint(form=form)), "hybrid", cross_check=True)
    return next(r for r in res.records if isinstance(r, ProjectSelfEvaluation)), run_checks(res)


def _codes(rec: ProjectSelfEvaluation) -> set[tuple[str, str | None]]:
    return {(i.code, i.path) for i in rec.issues}


def test_cross_check_agreement_changes_nothing_and_drops_what_is_not_in_the_row(form_pdf: Path) -> None:
    layout = next(r for r in extract_file(form_pdf).records if isinstance(r, ProjectSelfEvaluation))
    assert layout.indicators[0].level3 == "经费核算准确率" and str(layout.indicators[0].score) == "30.00"
    rec, findings = _form_run(form_pdf, FORM)
    assert rec.model_dump(exclude={"issues", "sources"}) == layout.model_dump(exclude={"issues", "sources"})
    assert _codes(rec) == {("ungrounded", "indicators[0].score")}  # 25.00 is printed nowhere in that row
    assert not [f for f in findings if f.rule_id == "EX-001"]
    rec, _ = _form_run(form_pdf, dict(FORM, total_score="30.00"))  # printed, but not in the 总分 row
    assert ("ungrounded", "total_score") in _codes(rec)
    rec, _ = _form_run(form_pdf, dict(FORM, result_text="项目全部完成，成效显著"))  # not printed at all
    assert ("ungrounded", "result_text") in _codes(rec) and rec.result_text == layout.result_text


def test_cross_check_disagreement_becomes_an_ex001_finding_with_both_boxes(form_pdf: Path) -> None:
    misread = dict(FORM, indicators=[dict(FORM["indicators"][0], score="100")])  # type: ignore[call-overload]
    rec, findings = _form_run(form_pdf, misread)  # "100" is printed in the row (指标值), in another column
    assert str(rec.indicators[0].score) == "30.00"  # the layout value stays
    dis = [i for i in rec.issues if i.code == "extraction_disagreement"]
    assert [(i.path, i.source.raw if i.source else None) for i in dis] == [("indicators[0].score", "100")]
    ex = [f for f in findings if f.rule_id == "EX-001"]
    assert len(ex) == 1 and ex[0].expected and "30" in ex[0].expected and ex[0].found == "100"
    layout_box, llm_box = ex[0].evidence
    assert layout_box.bbox is not None and llm_box.bbox is not None and layout_box.bbox != llm_box.bbox
    assert layout_box.page == llm_box.page == 1


def test_endpoint_down_keeps_the_layout_records(form_pdf: Path, narrative_pdf: Path) -> None:
    endpoint = PageAwareEndpoint(down=True)
    client = _client(endpoint)
    for pdf in (narrative_pdf, form_pdf):
        layout = extract_file(pdf)
        res = extract_with_llm(pdf, client, "hybrid", cross_check=True)
        assert [r.model_dump() for r in res.records] == [r.model_dump() for r in layout.records]
        down = [i for i in res.issues if i.code == "llm_unavailable"]
        assert down and "fake.test" in down[0].message and res.status == "partial"
    assert endpoint.calls == 1  # the second document fails fast: the endpoint is known to be down


def test_a_failed_file_is_not_sent_to_the_llm(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7 garbage")
    endpoint = PageAwareEndpoint()
    res = extract_with_llm(bad, _client(endpoint), "hybrid")
    assert res.status == "failed" and endpoint.calls == 0 and res.llm is None
