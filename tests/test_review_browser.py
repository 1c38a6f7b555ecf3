"""The review app as an auditor uses it: a real Streamlit server over a real store, Debian's chromium driven by
Playwright. The queue in risk order, a report opened by a click, a finding on its highlighted page, a dismissal and a
correction that survive a reload, two reviewers colliding on one finding, uploads processed in the background.

One store and one app server for the module; every test opens its own browser context (a new tab, a new Streamlit
session). Screenshots go to build/screenshots/ (look at them). The store holds 普陀's real 决算 (when ../shared has it)
and the rendered seed002_fa fixture; without 普陀 the report steps run on the fixture.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect, sync_playwright
from sqlalchemy import select

from budgetlens.corrections import get_path, load_result
from budgetlens.intake import intake_file
from budgetlens.review import findings_of, queue
from budgetlens.settings import Settings
from budgetlens.store import CorrectionRow, DecisionRow, FindingRow, JobRow, Store
from review_app import queries
from review_app.render import COLOURS, Box, page_png
from review_app.views.common import FINDING_STATUS, SEVERITY
from review_app.views.evidence import ZOOM, _crop, pages_of
from review_app.views.report import ordered
from tests.browser_support import (
    CHROMIUM_ARGS,
    app_server,
    click_grid_row,
    grid_rows,
    image_bytes,
    need_chromium,
    settle,
    shot,
)
from tests.conftest import PUTUO

pytestmark = pytest.mark.browser

WAIT = 20_000  # ms: a Streamlit rerun that re-runs the checks, or a page rendered for the first time
VIEWPORT: ViewportSize = {"width": 1400, "height": 1600}  # tall: Streamlit scrolls inside its own container
FIXTURE = ("seed002_fa", "yuan")
T = TypeVar("T")


@dataclass
class Env:
    url: str
    store: Store
    data_dir: Path
    docs: dict[str, str]  # "putuo" (when present), "fixture" -> document id
    pdfs: dict[str, Path]
    browser: Browser


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    chromium = need_chromium()
    from eval.render import FIXTURES, render_fixture

    root = tmp_path_factory.mktemp("browser")
    settings = Settings(data_dir=root / "data", progress=False, database_url=None)
    store = Store(settings.store_url())
    fixture_pdf, _ = render_fixture(FIXTURES / FIXTURE[0], root / "rendered", FIXTURE[1])
    pdfs = {"fixture": fixture_pdf}
    if PUTUO.exists():
        pdfs["putuo"] = PUTUO
    try:
        docs = {name: intake_file(store, pdf, settings).document_id for name, pdf in pdfs.items()}
        with app_server(settings.data_dir) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                yield Env(url, store, settings.data_dir, docs, pdfs, browser)
            finally:
                browser.close()
    finally:
        store.close()


def new_context(env: Env) -> BrowserContext:
    """A browser profile of its own: its own cookies, so its own Streamlit session (another reviewer)."""
    ctx = env.browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(WAIT)
    return ctx


@pytest.fixture
def context(env: Env, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    """A fresh browser context per test; when the test failed, its pages are saved as failed-<test>-<n>.png and the
    end of the app's log is printed (the call's report is logged before the fixtures are torn down)."""
    failed_before = request.session.testsfailed
    ctx = new_context(env)
    outside: list[str] = []  # auditors' machines are often offline: the app must not reach past its own server
    ctx.on("request", lambda r: outside.append(r.url) if not r.url.startswith((env.url, "data:", "blob:")) else None)
    try:
        yield ctx
        assert not outside, f"the app requested addresses outside its server: {sorted(set(outside))}"
    finally:
        if request.session.testsfailed > failed_before:
            for n, page in enumerate(ctx.pages):
                with contextlib.suppress(Exception):
                    shot(page, f"failed-{request.node.name}-{n}", settle_first=False)
            for log in env.data_dir.glob("streamlit-*.log"):
                print(f"--- {log.name} (end) ---\n{log.read_text(errors='replace')[-3000:]}")
        ctx.close()


def open_page(ctx: BrowserContext, url: str) -> Page:
    page = ctx.new_page()
    page.goto(url)
    return page


def report_url(env: Env, doc_id: str, finding_id: int | None = None) -> str:
    return f"{env.url}/?page=report&doc={doc_id}" + (f"&finding={finding_id}" if finding_id is not None else "")


def set_reviewer(page: Page, name: str) -> None:
    """Type the name in the sidebar and wait for the run that records it (the warning under the field goes)."""
    box = page.locator(".st-key-reviewer input")
    box.fill(name)
    box.press("Enter")
    expect(page.get_by_text("填写姓名后才能接受、驳回或更正。")).to_have_count(0)
    expect(box).to_have_value(name)


def select_finding(page: Page, f: FindingRow) -> None:
    """Click the finding in the list; the detail panel (and the URL) then name it."""
    page.locator(f".st-key-f_{f.id} button").click()
    page.wait_for_url(re.compile(rf"[?&]finding={f.id}(&|$)"))
    expect(detail_heading(page, f)).to_be_visible()


def detail_heading(page: Page, f: FindingRow) -> Locator:
    """The detail panel's first line: severity, status, rule id and title (the list shows the title too, so the
    status badge tells the two apart)."""
    return page.get_by_text(re.compile(rf"{f.rule_id} · {re.escape(f.title)}")).first


def decisions(store: Store, finding_id: int) -> list[DecisionRow]:
    with store.session() as s:
        return list(s.scalars(select(DecisionRow).where(DecisionRow.finding_id == finding_id).order_by(DecisionRow.id)))


def finding(store: Store, finding_id: int) -> FindingRow:
    with store.session() as s:
        row = s.get(FindingRow, finding_id)
        assert row is not None, f"finding {finding_id} is not in the store"
        return row


def wait_until(probe: Callable[[], T | None], failure: str, timeout: float = 30.0) -> T:
    """Poll the store (the app writes it from another process) until `probe` returns something."""
    deadline = time.monotonic() + timeout
    while (got := probe()) is None:
        assert time.monotonic() < deadline, failure
        time.sleep(0.1)
    return got


def by_rule(store: Store, doc_id: str, rule_id: str, n: int = 0) -> FindingRow:
    return [f for f in findings_of(store, doc_id) if f.rule_id == rule_id][n]


# --- 1. the queue ------------------------------------------------------------------------------------------------------


def test_queue_lists_reports_in_risk_order(env: Env, context: BrowserContext) -> None:
    page = open_page(context, f"{env.url}/?page=queue")
    grid = page.get_by_test_id("stDataFrame")
    rows = grid_rows(grid)
    want = queue(env.store)
    assert [r[1] for r in rows] == [q.file_name for q in want], "the queue shows the store's reports, riskiest first"
    assert [r[0] for r in rows] == [f"{q.risk:.0f}" for q in want]  # the risk column as the bar labels it
    risks = [q.risk for q in want]
    assert risks == sorted(risks, reverse=True) and risks[0] > 0
    expect(page.get_by_text(f"{len(want)} 份报告")).to_be_visible()
    shot(page, "queue")


# --- 2. a report, a finding, its page ----------------------------------------------------------------------------------


def highlight_pixels(png: bytes, colour: tuple[float, float, float], tolerance: int = 60) -> int:
    """Pixels within `tolerance` (per channel) of a box colour: the outlines drawn round the evidence."""
    px = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    want = np.array([round(c * 255) for c in colour], dtype=np.int16)
    return int((np.abs(px - want) <= tolerance).all(axis=-1).sum())


def test_a_click_opens_the_report_and_a_finding_shows_its_highlighted_page(env: Env, context: BrowserContext) -> None:
    page = open_page(context, f"{env.url}/?page=queue")
    top = queue(env.store)[0]
    grid = page.get_by_test_id("stDataFrame")
    assert grid_rows(grid)[0][1] == top.file_name
    click_grid_row(page, grid, 0)
    page.wait_for_url(re.compile(rf"page=report&doc={top.id}"))
    expect(page.get_by_role("heading", name=top.file_name)).to_be_visible()

    listed = ordered(findings_of(env.store, top.id))  # as the list shows them
    with_box = [f for f in listed if f.severity in ("error", "warning") and any(e.get("bbox") for e in f.evidence)]
    assert with_box, f"{top.file_name} has no error or warning with a page position"
    first_open = next((f for f in listed if f.status == "open"), listed[0])
    f = next((x for x in with_box if x.id != first_open.id), with_box[0])  # not the one the report opens on
    select_finding(page, f)

    pg = pages_of(f)[0]
    bboxes = [e["bbox"] for e in f.evidence if e.get("page") == pg and e.get("bbox")]
    label = SEVERITY[f.severity][0]
    expect(page.get_by_text(f"第 {pg} 页 · {len(bboxes)} 处证据（{label}色框）")).to_be_visible()
    settle(page)  # the run that selected it has drawn everything: the image is this finding's, not the last one's
    img = page.get_by_test_id("stImageContainer").locator("img")
    expect(img).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    natural = img.evaluate("img => [img.naturalWidth, img.naturalHeight]")

    # the bytes the browser shows: the page crop the app renders, with the evidence outlined in the severity colour
    shown = image_bytes(page, img)
    pdf = str(env.pdfs[next(k for k, v in env.docs.items() if v == top.id)])
    boxed = _crop(page_png(pdf, pg, [Box(tuple(b), f.severity) for b in bboxes], zoom=ZOOM), bboxes)
    plain = _crop(page_png(pdf, pg, [], zoom=ZOOM), bboxes)
    assert list(natural) == list(Image.open(io.BytesIO(boxed)).size)
    colour = COLOURS[f.severity]
    on_screen, drawn, bare = (highlight_pixels(x, colour) for x in (shown, boxed, plain))
    print(f"{f.rule_id} page {pg}: {on_screen} px on screen, {drawn} drawn, {bare} without the boxes")
    assert bare < 50 and drawn > 300, (bare, drawn)  # the colour is the outline's, not the document's
    assert on_screen > 0.5 * drawn, f"the displayed page lacks the {f.severity} outline: {on_screen} of {drawn} px"
    shot(page, "report")


# --- 3-5. dismiss, correct, reload ---------------------------------------------------------------------------------------


@dataclass
class Journey:
    doc_id: str
    dismiss: FindingRow
    fix: FindingRow  # the finding whose field is corrected
    record_idx: int
    field: int  # which field of the finding's form
    path: str
    value: str  # typed in the field
    appears: int | None  # how many findings the correction brings (None: not asserted)


def journey(env: Env) -> Journey:
    """普陀: dismiss FA-071, correct FA-070's claim (printed 0.3万元, the table says 2961.68万元). Without 普陀, the
    fixture: dismiss the second FA-042, set the first one's cell to what the other table prints (FA-042 goes, and the
    changed cell breaks the first table's own balance: FA-010 comes)."""
    if "putuo" in env.docs:
        doc = env.docs["putuo"]
        fix = by_rule(env.store, doc, "FA-070")
        claim = next(e for e in fix.evidence if e["record"].startswith("claim["))
        idx = int(re.search(r"\[(\d+)\]", claim["record"]).group(1))  # type: ignore[union-attr]
        return Journey(doc, by_rule(env.store, doc, "FA-071"), fix, idx, 0, claim["path"], "2961.68", 0)
    doc = env.docs["fixture"]
    fix = by_rule(env.store, doc, "FA-042", 0)
    other = load_result(env.store, doc).records[3].model_dump(mode="json")
    printed = get_path(other, fix.evidence[1]["path"])
    return Journey(doc, by_rule(env.store, doc, "FA-042", 1), fix, 0, 0, fix.evidence[0]["path"], str(printed), None)


def test_dismissal_and_correction_are_recorded_and_survive_a_reload(env: Env, context: BrowserContext) -> None:
    j = journey(env)
    page = open_page(context, report_url(env, j.doc_id, j.dismiss.id))
    expect(detail_heading(page, j.dismiss)).to_be_visible()

    # 3. dismiss with a reason, as 审核员甲
    set_reviewer(page, "审核员甲")
    reason = "浏览器测试：核对原文后确认为误报"
    page.locator(f".st-key-reason_{j.dismiss.id} input").fill(reason)
    page.locator(f".st-key-dismiss_{j.dismiss.id} button").click()
    expect(page.locator(f".st-key-f_{j.dismiss.id}")).to_contain_text("✗")  # the list marks it dismissed
    got = decisions(env.store, j.dismiss.id)
    assert [(d.action, d.reviewer, d.reason) for d in got] == [("dismiss", "审核员甲", reason)]
    assert finding(env.store, j.dismiss.id).status == "dismissed"

    # 4. correct the misread value: the checks re-run and the finding goes away
    select_finding(page, j.fix)
    page.get_by_role("tab", name="证据与更正").click()
    rec_row = queries.record(env.store, j.doc_id, j.record_idx)
    assert rec_row is not None
    tag = f"{j.fix.id}_{j.record_idx}_{rec_row.version}"  # the form is keyed by the record version it shows
    field = page.locator(f".st-key-cv_{tag}_{j.field} input")
    expect(field).to_be_visible()
    old = field.input_value()
    field.fill(j.value)
    page.locator(f".st-key-save_{tag} button").click()
    note = page.get_by_test_id("stAlertContentSuccess").filter(has_text="更正已保存")
    expect(note).to_be_visible()
    expect(note).to_contain_text("消失的问题 disappeared（1）")
    expect(note).to_contain_text(j.fix.rule_id)
    if j.appears is not None:
        expect(note).to_contain_text(f"新出现的问题 appeared（{j.appears}）")
    expect(page.locator(f".st-key-f_{j.fix.id}")).to_have_count(0)
    shot(page, "corrected")
    assert not finding(env.store, j.fix.id).active
    rec = load_result(env.store, j.doc_id).records[j.record_idx].model_dump(mode="json")
    assert float(get_path(rec, j.path)) == float(j.value)
    with env.store.session() as s:
        fixes = list(s.scalars(select(CorrectionRow).where(CorrectionRow.document_id == j.doc_id)))
    assert [(c.record_idx, c.path, c.reviewer) for c in fixes] == [(j.record_idx, j.path, "审核员甲")]

    # 5. a reload is a new session on the same URL: everything comes back from the store
    page.reload()
    expect(page.locator(f".st-key-f_{j.dismiss.id}")).to_contain_text("✗")
    expect(page.locator(f".st-key-f_{j.fix.id}")).to_have_count(0)
    select_finding(page, j.dismiss)
    expect(detail_heading(page, j.dismiss)).to_contain_text("已驳回")
    page.get_by_role("tab", name="决定记录").click()
    log = page.get_by_role("tabpanel").get_by_test_id("stDataFrame")
    assert [r[1:] for r in grid_rows(log)] == [["审核员甲", "驳回", reason]]
    page.get_by_text(re.compile(r"审计记录 · \d+ 条决定与更正")).click()  # an expander, closed
    trail = [" ".join(r) for r in grid_rows(page.get_by_test_id("stExpander").filter(has_text="审计记录")
                                             .get_by_test_id("stDataFrame"))]
    assert any(f"dismiss {j.dismiss.rule_id}" in r and reason in r for r in trail), trail
    assert any(f"record[{j.record_idx}].{j.path}: {old}" in r and j.value in r for r in trail), trail


# --- 6. two reviewers, one finding -------------------------------------------------------------------------------------


def test_a_second_reviewer_deciding_on_a_stale_page_gets_a_conflict(env: Env, context: BrowserContext) -> None:
    doc = env.docs["fixture"]
    f = min(findings_of(env.store, doc), key=lambda x: (x.status != "open", x.id))  # whatever other tests did
    first_action, mark = ("accept", "✓") if f.status != "accepted" else ("reopen", "")
    second_action = "dismiss" if f.status != "dismissed" else "reopen"  # still offered on the stale page
    before = len(decisions(env.store, f.id))
    first = open_page(context, report_url(env, doc, f.id))
    other = new_context(env)  # the second reviewer
    try:
        second = open_page(other, report_url(env, doc, f.id))
        for page, name in ((first, "审核员甲"), (second, "审核员乙")):
            expect(detail_heading(page, f)).to_be_visible()
            set_reviewer(page, name)
        # both see the finding at the same version; 甲 decides first
        first.locator(f".st-key-{first_action}_{f.id} button").click()
        got = wait_until(lambda: decisions(env.store, f.id)[before:] or None, "甲's decision was not recorded")
        assert [(d.action, d.reviewer) for d in got] == [(first_action, "审核员甲")]
        # 乙's page still shows the old state: 乙 decides too, and is told the finding changed meanwhile
        expect(detail_heading(second, f)).to_contain_text(FINDING_STATUS[f.status][0])
        second.locator(f".st-key-reason_{f.id} input").fill("乙认为是误报")
        second.locator(f".st-key-{second_action}_{f.id} button").click()
        error = second.get_by_test_id("stAlertContentError").filter(has_text="冲突")
        expect(error).to_be_visible()
        expect(error).to_contain_text("审核员甲")
        if mark:
            expect(second.locator(f".st-key-f_{f.id}")).to_contain_text(mark)  # the page now shows 甲's decision
        shot(second, "conflict")
    finally:
        other.close()
    assert [(d.action, d.reviewer) for d in decisions(env.store, f.id)[before:]] == [(first_action, "审核员甲")]
    assert finding(env.store, f.id).status == {"accept": "accepted", "reopen": "open"}[first_action]


# --- 7. upload ---------------------------------------------------------------------------------------------------------


def jobs(store: Store) -> dict[str, JobRow]:
    with store.session() as s:
        return {j.file_name: j for j in s.scalars(select(JobRow).order_by(JobRow.id))}


SAW_PROGRESS = """() => { window.__sawProgress = false;
    const seen = () => { if (document.querySelector('[data-testid="stProgress"]')) window.__sawProgress = true; };
    new MutationObserver(seen).observe(document.body, {childList: true, subtree: true}); seen(); }"""


def test_upload_processes_a_pdf_and_names_the_reason_a_bad_file_fails(env: Env, context: BrowserContext,
                                                                       tmp_path: Path) -> None:
    from eval.render import FIXTURES, render_fixture

    pdf, _ = render_fixture(FIXTURES / "seed004_fa", tmp_path / "r", "printed")
    good = tmp_path / "上传的决算.pdf"
    good.write_bytes(pdf.read_bytes())
    bad = tmp_path / "坏文件.pdf"
    bad.write_text("<html><body>404 Not Found</body></html>", encoding="utf-8")  # a download that went wrong
    notes = tmp_path / "说明.txt"
    notes.write_text("不是 PDF", encoding="utf-8")

    page = open_page(context, f"{env.url}/?page=upload")
    expect(page.get_by_role("heading", name="上传 PDF")).to_be_visible()
    page.evaluate(SAW_PROGRESS)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(good))
    job = wait_until(lambda: jobs(env.store).get(good.name), "the upload was not staged as a job")
    expect(page.locator(f".st-key-job_open_{job.id}")).to_be_visible(timeout=60_000)  # the worker finished it
    assert page.evaluate("() => window.__sawProgress"), "no progress bar while the job was queued or running"
    job = jobs(env.store)[good.name]
    assert job.state == "done" and job.document_id

    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(bad))
    reason = page.get_by_text(re.compile(r"原因：.*not a PDF"))
    expect(reason).to_be_visible(timeout=60_000)
    failed = jobs(env.store)[bad.name]
    assert failed.state == "failed" and "not a PDF" in failed.reason
    expect(page.get_by_text(re.compile(r"上传任务\s*完成 1 · 失败 1"))).to_be_visible()

    # a file that is not a PDF by its type is refused by the uploader itself: no job, the reason beside the file
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(notes))
    expect(page.get_by_test_id("stFileUploader")).to_contain_text("files are not allowed")
    assert set(jobs(env.store)) == {good.name, bad.name}
    shot(page, "upload")

    page.locator(f".st-key-job_open_{job.id} button").click()  # the link to the report
    page.wait_for_url(re.compile(rf"page=report&doc={job.document_id}"))
    expect(page.get_by_role("heading", name=good.name)).to_be_visible()
