"""The review app as a user meets it: a real Streamlit server on a free loopback port over a real store, and Debian's
chromium driven by Playwright (no browser download: `make test` installs chromium)."""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SCREENSHOTS = ROOT / "build" / "screenshots"


def need_chromium() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(f"{CHROMIUM} is missing in CI: `make test` installs Debian's chromium (make system-deps)")
        pytest.skip("Debian's chromium is not installed: run `make system-deps` (as root) or `make test`")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class AppProcess:
    url: str
    proc: subprocess.Popen[bytes]

    def crash(self) -> None:
        """SIGKILL the app and every process it started (its upload workers), as a power cut or a stopped container
        would: nothing gets to clean up."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


@contextmanager
def app_server(data_dir: Path, port: int | None = None) -> Iterator[str]:
    """`streamlit run review_app/app.py` on the store in data_dir; yields the base URL once it answers."""
    with app_process(data_dir, port) as app:
        yield app.url


@contextmanager
def app_process(data_dir: Path, port: int | None = None) -> Iterator[AppProcess]:
    """The app in a process group of its own (so that it can be killed with its workers, and none outlives a test)."""
    port = port or free_port()
    # the store in data_dir and nothing else: a developer's database URL or reviewer name must not leak in
    env = {**os.environ, "BUDGETLENS_DATA_DIR": str(data_dir), "BUDGETLENS_PROGRESS": "false",
           "BUDGETLENS_DATABASE_URL": "", "DATABASE_URL": "", "BUDGETLENS_REVIEWER": ""}
    log_path = data_dir / f"streamlit-{port}.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed in finally
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "review_app" / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(proc, url, log_path)
        yield AppProcess(url, proc)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):  # workers still running an upload
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the review app exited: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the review app did not answer within 60 s")


def shot(page: Page, name: str, full_page: bool = False, settle_first: bool = True) -> Path:
    """Save a screenshot of the page under build/screenshots (look at them: they are the app's face), once Streamlit
    has finished drawing. Streamlit scrolls inside its own container, so `full_page` adds nothing: give the page a
    tall viewport instead."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if settle_first:
        settle(page)
    page.screenshot(path=str(path), full_page=full_page)
    return path


def settle(page: Page, timeout: float = 15_000) -> None:
    """Wait until Streamlit has finished its run: no running indicator, no element left stale (greyed) by a rerun.
    Not a substitute for waiting on what the step should show: right after a click the rerun may not have started."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
        " && !document.querySelector('[data-stale=\"true\"]')", timeout=timeout)


def grid_rows(grid: Locator) -> list[list[str]]:
    """The cells of a st.dataframe as text, row by row (read from the grid's accessible table: the grid itself is a
    canvas). Only the rows the grid has drawn are there: fine for the short tables the app shows."""
    grid.locator("[role=gridcell]").first.wait_for(state="attached")
    rows: list[list[str]] = grid.evaluate(
        """g => Array.from(g.querySelectorAll('tbody tr[role=row]')).map(
               tr => Array.from(tr.querySelectorAll('[role=gridcell]')).map(td => (td.textContent || '').trim()))""")
    return rows


def click_grid_row(page: Page, grid: Locator, row: int, row_height: float = 35.0) -> None:
    """Select row `row` (0-based) of a st.dataframe as a user does: a click on its row-selection box, the first
    column of the canvas (a click on a cell only focuses that cell)."""
    canvas = grid.get_by_test_id("data-grid-canvas")
    canvas.wait_for(state="visible")
    box = canvas.bounding_box()
    assert box is not None, "the dataframe canvas has no box"
    n = len(grid_rows(grid))
    header = box["height"] - n * row_height
    page.mouse.click(box["x"] + 14, box["y"] + header + row_height * (row + 0.5))


def image_bytes(page: Page, img: Locator) -> bytes:
    """The bytes the browser shows for an <img>, fetched again through the page (same origin, same cookies)."""
    src = img.get_attribute("src")
    assert src, "the image has no src"
    b64: str = page.evaluate(
        """async src => { const r = await fetch(src); const a = new Uint8Array(await r.arrayBuffer());
                          let s = ''; for (let i = 0; i < a.length; i += 0x8000)
                              s += String.fromCharCode.apply(null, a.subarray(i, i + 0x8000));
                          return btoa(s); }""", src)
    return base64.b64decode(b64)
