"""The LLM tier around the layout parser: layout first, then the LLM where it can add something.

- `hybrid`: the LLM reads the narrative pages for claims the patterns missed and fills fields the parser left
  empty in partial forms; layout values are never replaced.
- `llm`: the layout parser only says where forms and narrative pages are; every value comes from the LLM (for
  comparing extractors in `budgetlens eval`).
- `cross_check`: the LLM reads every form again; disagreements become issues (rule EX-001 makes them findings).

An LLM failure costs the LLM's part of one document: the layout records stay and the document says why.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal

from extraction.errors import LlmError, LlmUnavailableError
from extraction.layout.ingest import open_pdf, page_layout
from extraction.llm import merge
from extraction.llm.claims import claims_from, same_claim
from extraction.llm.client import LlmClient
from extraction.llm.forms import ground_form
from extraction.llm.grounding import PageText, page_texts_from_layouts
from extraction.llm.pagetext import render, tail
from extraction.llm.prompts import load_prompt
from extraction.llm.schemas import ClaimsOut, ProjectFormOut
from extraction.llm.types import Usage
from extraction.pipeline import doc_kinds, extract_file
from extraction.records import (
    ExtractionResult,
    Issue,
    LlmUsage,
    NarrativeClaim,
    ProjectSelfEvaluation,
    ReportSection,
    decide_status,
)

log = logging.getLogger(__name__)
Extractor = Literal["llm", "hybrid"]
_NUMBER = re.compile(r"\d[\d,，.．]*\s*(?:%|％|万元|亿元|元|个|项|人|次|辆|台|套)")
MIN_PAGE_CHARS = 40
MAX_NUMBERS_PER_CHUNK = 6


@dataclass(slots=True)
class _Doc:
    result: ExtractionResult
    pages: list[PageText]
    usage: Usage = field(default_factory=Usage)
    doc_issues: list[Issue] = field(default_factory=list)  # issues of the document itself, not of one record
    kept: int = 0
    dropped: int = 0
    down: bool = False


def extract_with_llm(path: Path, client: LlmClient, extractor: Extractor = "hybrid", cross_check: bool = False,
                     concurrency: int = 2, max_pages: int = 2000, max_bytes: int | None = None) -> ExtractionResult:
    """Never raises for a bad file or a bad endpoint: the result carries the reason."""
    result = extract_file(path, max_pages=max_pages, max_bytes=max_bytes)
    if result.status == "failed" and not _text_without_content(result):
        return result  # unreadable, encrypted, image-only: the LLM cannot read what the parser could not open
    own = {id(i) for r in result.records for i in r.issues}
    doc = _Doc(result, _page_texts(path, max_pages), doc_issues=[i for i in result.issues if id(i) not in own])
    _claims(doc, client, extractor, concurrency)
    _forms(doc, client, extractor, cross_check, concurrency)
    _finish(doc, client, extractor, cross_check)
    return doc.result


def _text_without_content(result: ExtractionResult) -> bool:
    return any(i.code == "no_disclosure_content" for i in result.issues)


def _page_texts(path: Path, max_pages: int) -> list[PageText]:
    doc = open_pdf(path, path.read_bytes(), max_pages)
    try:
        return page_texts_from_layouts([page_layout(doc[i]) for i in range(doc.page_count)])
    finally:
        doc.close()


def _run(doc: _Doc, jobs: list[Callable[[], None]], concurrency: int) -> None:
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for f in [pool.submit(job) for job in jobs]:
            f.result()


def _guard(doc: _Doc, what: str, page: int | None, call: Callable[[], None]) -> Callable[[], None]:
    """One chunk's LLM error becomes an issue of the document; the other chunks and the layout records go on."""
    def job() -> None:
        if doc.down:
            return
        try:
            call()
        except LlmError as exc:
            doc.usage.errors += 1
            doc.down = doc.down or isinstance(exc, LlmUnavailableError)
            doc.doc_issues.append(Issue(code=exc.code, severity="error" if doc.down else "warning", page=page,
                                           message=f"{what}: {exc.message}; the layout results are kept"))
    return job


def narrative_pages(result: ExtractionResult, pages: list[PageText]) -> list[int]:
    """Pages of 情况说明 / 自评报告 text: where the parser found claims or sections, else every text page that
    holds no table or form."""
    found = {p for r in result.records if isinstance(r, ReportSection) for p in r.pages}
    found |= {r.page for r in result.records if isinstance(r, NarrativeClaim)}
    if found:
        return sorted(found)
    taken = {p for r in result.records for p in getattr(r, "pages", [])}
    return [p.page for p in pages if p.page not in taken and sum(len(w.text) for w in p.words) >= MIN_PAGE_CHARS]


def chunks(text: str, max_numbers: int = MAX_NUMBERS_PER_CHUNK) -> list[tuple[str, str, int]]:
    """(text, overlap, numbers): sentence groups holding at most `max_numbers` printed numbers, each with the
    sentence before it as context, so a small model's reply stays short and a sentence cut by a page break is
    still understood."""
    sentences = [s for s in re.split(r"(?<=[。；;！？])", text) if s.strip()]
    out: list[tuple[str, str, int]] = []
    group: list[str] = []
    count = 0
    prev = ""
    for sent in sentences:
        n = len(_NUMBER.findall(sent))
        if group and count + n > max_numbers:
            out.append(("".join(group), prev, count))
            prev, group, count = group[-1], [], 0
        group.append(sent)
        count += n
    if group:
        out.append(("".join(group), prev, count))
    return [c for c in out if c[2]]


def _claims(doc: _Doc, client: LlmClient, extractor: Extractor, concurrency: int) -> None:
    prompt = load_prompt("narrative_claims")
    by_page = {p.page: p for p in doc.pages}
    found: dict[tuple[int, int], list[NarrativeClaim]] = {}

    def one(n: int, k: int, text: str, overlap: str, numbers: int) -> None:
        context = f"前文（仅供理解上下文，不摘录）：{tail(overlap)}" if overlap else ""
        answer = client.run(prompt, text, ClaimsOut, doc.usage, limits={"claims": numbers},
                            page=str(n), context=context)
        assert isinstance(answer.value, ClaimsOut)
        claims, issues = claims_from(answer.value, text, [by_page[n]], n, prompt.ref)
        found[(n, k)] = claims
        doc.dropped += len(issues)
        doc.doc_issues.extend(issues)

    jobs = []
    for n in narrative_pages(doc.result, doc.pages):
        for k, (text, overlap, numbers) in enumerate(chunks(render(by_page[n]))):
            jobs.append(_guard(doc, f"LLM claims on page {n}", n, partial(one, n, k, text, overlap, numbers)))
    _run(doc, jobs, concurrency)
    _merge_claims(doc, [c for key in sorted(found) for c in found[key]], extractor)


def _merge_claims(doc: _Doc, llm_claims: list[NarrativeClaim], extractor: Extractor) -> None:
    zones = {r.page: r.zone for r in doc.result.records if isinstance(r, NarrativeClaim)}
    records = doc.result.records
    if extractor == "llm":
        records = [r for r in records if not isinstance(r, NarrativeClaim)]
    have = [r for r in records if isinstance(r, NarrativeClaim)]
    for c in llm_claims:
        if any(same_claim(c, h) for h in have):
            continue
        c.zone = zones.get(c.page)
        have.append(c)
        records.append(c)
        doc.kept += 1
    doc.result.records = records


def _needs_llm(rec: ProjectSelfEvaluation) -> bool:
    return bool(rec.issues) or not rec.indicators or any(
        getattr(rec, f) in (None, "") for f in ("project_name", "total_score", "goal_text"))


def _forms(doc: _Doc, client: LlmClient, extractor: Extractor, cross_check: bool, concurrency: int) -> None:
    prompt = load_prompt("project_form")
    forms = [(i, r) for i, r in enumerate(doc.result.records) if isinstance(r, ProjectSelfEvaluation)]
    todo = [(i, r) for i, r in forms if extractor == "llm" or cross_check or _needs_llm(r)]

    def one(i: int, rec: ProjectSelfEvaluation) -> None:
        pages = [p for p in doc.pages if p.page in rec.pages]
        text = "\n".join(render(p) for p in pages)
        rows = text.count("\n") + 1
        answer = client.run(prompt, text, ProjectFormOut, doc.usage, limits={"indicators": rows},
                            page=",".join(map(str, rec.pages)), context="")
        assert isinstance(answer.value, ProjectFormOut)
        g = ground_form(answer.value, pages, prompt.ref)
        doc.dropped += len(g.issues)
        if extractor == "llm":
            new = merge.build(rec, g)
            new.issues.extend(g.issues)
            doc.result.records[i] = new
            doc.kept += len(new.sources)
            return
        rec.issues.extend(g.issues)
        if cross_check:
            merge.cross_check(rec, g, prompt.ref)
        else:
            doc.kept += merge.fill(rec, g)

    jobs = [_guard(doc, f"LLM reading of form {r.form_label or r.project_name or i}", r.pages[0] if r.pages else None,
                   partial(one, i, r)) for i, r in todo]
    _run(doc, jobs, concurrency)


def _finish(doc: _Doc, client: LlmClient, extractor: Extractor, cross_check: bool) -> None:
    res = doc.result
    u = doc.usage
    res.llm = LlmUsage(extractor=extractor, cross_check=cross_check, model=client.backend.model,
                       mode=client.current_mode,
                       calls=u.calls, cache_hits=u.cache_hits, prompt_tokens=u.prompt_tokens,
                       completion_tokens=u.completion_tokens, latency_s=round(u.latency_s, 3),
                       values_kept=doc.kept, values_dropped=doc.dropped)
    own = [i for i in doc.doc_issues if i.code != "no_disclosure_content" or not res.records]
    res.issues = [*own, *(i for r in res.records for i in r.issues)]
    res.status = decide_status(res.issues, bool(res.records))
    res.document.status, res.document.issues = res.status, res.issues
    res.document.doc_kinds = doc_kinds(res.records)
