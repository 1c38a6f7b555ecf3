"""The review app killed in the middle of an upload batch (a power cut, a stopped container: the app and its upload
worker die together, nothing cleans up) and started again on the same store: nothing is lost and nothing is left
hanging. Real Streamlit server, real SQLite, Debian's chromium."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select

from budgetlens.settings import Settings
from budgetlens.store import JobRow, Store
from tests.browser_support import CHROMIUM_ARGS, app_process, need_chromium, shot

pytestmark = pytest.mark.browser

FILES = (("seed002_fa", "yuan"), ("seed004_fa", "printed"), ("seed001_se", "original"), ("seed000_se", "original"),
         ("seed002_se", "original"), ("seed003_se", "original"))


def _states(store: Store) -> dict[str, str]:
    with store.session() as s:
        return {j.file_name: j.state for j in s.scalars(select(JobRow).order_by(JobRow.id))}


def _upload_and_crash(data_dir: Path, files: list[Path], store: Store, chromium: str) -> dict[str, str]:
    """Upload the batch, kill everything once one file is done and the next is being read; the jobs as left."""
    with app_process(data_dir) as app, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{app.url}/?page=upload")
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([str(f) for f in files])
        deadline = time.time() + 120
        while time.time() < deadline:
            states = list(_states(store).values())
            if "done" in states and "running" in states:
                break
            time.sleep(0.02)
        app.crash()
        browser.close()
    return _states(store)


def _retry_all(page: Page, n: int) -> None:
    expect(page.get_by_text(re.compile(rf"中断 {n}"))).to_be_visible()
    page.locator(".st-key-jobs_retry_all").get_by_role("button", name="全部重试").click()
    expect(page.get_by_text(re.compile(rf"上传任务\s*完成 {len(FILES)}$"))).to_be_visible(timeout=120_000)


def test_an_app_killed_during_an_upload_restarts_consistent_and_finishes_the_batch(
        tmp_path: Path, rendered_fixtures: dict) -> None:
    chromium = need_chromium()
    files = []
    for n, key in enumerate(FILES):  # distinct names; the uploader reads them from disk like a user's files
        files.append(tmp_path / f"{n}-{key[0]}.pdf")
        files[-1].write_bytes(rendered_fixtures[key][0].read_bytes())
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    store = Store(Settings(data_dir=data_dir, progress=False, database_url=None).store_url())
    try:
        left = _upload_and_crash(data_dir, files, store, chromium)
        assert len(left) == len(FILES) and "done" in left.values() and "running" in left.values(), left
        with app_process(data_dir) as app, sync_playwright() as p:  # the restart
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{app.url}/?page=upload")
            expect(page.get_by_text(re.compile(r"上传任务"))).to_be_visible()  # the restarted app's first run is over
            cut = [name for name, state in left.items() if state != "done"]
            after = _states(store)
            assert {after[name] for name in cut} == {"interrupted"}, after  # none left queued or running forever
            _check_consistent(data_dir)
            shot(page, "upload-after-crash")
            _retry_all(page, len(cut))
            browser.close()
        assert set(_states(store).values()) == {"done"}
        _check_consistent(data_dir)
    finally:
        store.close()


def _check_consistent(data_dir: Path) -> None:
    """SQLite intact; every finished upload fully there; every cut-off upload's file kept for the retry."""
    con = sqlite3.connect(data_dir / "budgetlens.db")
    try:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        for table in ("records", "findings"):
            orphans = f"select count(*) from {table} where document_id not in (select id from documents)"
            assert con.execute(orphans).fetchone()[0] == 0, table
        for path, state, doc in con.execute("select staged_path, state, document_id from jobs"):
            if state == "done":
                assert con.execute("select count(*) from records where document_id = ?", (doc,)).fetchone()[0] > 0
            else:
                assert Path(path).is_file(), path
    finally:
        con.close()
