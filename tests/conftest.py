"""Shared test fixtures: isolated settings, the shared dir (seeds and real PDFs), bad-input files."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pymupdf
import pytest

if TYPE_CHECKING:
    from budgetlens.llm_local import LocalServer

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BUDGETLENS_SHARED_DIR", ROOT.parent / "shared"))
REAL = SHARED / "corpus" / "real"
PUTUO = REAL / "上海市普陀区财政局2024年度部门决算.pdf"
TEMPLATE = REAL / "附件2：部门决算模板.pdf"
MODEL_CACHE = ROOT / "build"  # the GGUF lives in build/models: assembled once, reused by every run (make clean drops it)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's own data dir."""
    monkeypatch.setenv("BUDGETLENS_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("BUDGETLENS_PROGRESS", "false")
    from budgetlens.settings import get_settings

    get_settings.cache_clear()


def need_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared dir (../shared) holds the real PDFs; it is not in the repo")
    return path


@pytest.fixture
def putuo() -> Path:
    return need_shared(PUTUO)


@pytest.fixture
def template_pdf() -> Path:
    return need_shared(TEMPLATE)


def _text_pdf(text: str) -> pymupdf.Document:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), text, fontsize=12)
    return doc


@pytest.fixture
def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    """One file per kind of bad input a batch meets in the wild."""
    files: dict[str, Path] = {}
    files["empty"] = tmp_path / "empty.pdf"
    files["empty"].write_bytes(b"")
    files["not_pdf"] = tmp_path / "report.pdf"
    files["not_pdf"].write_text("<html><body>404 Not Found</body></html>", encoding="utf-8")
    good = _text_pdf("hello budget").tobytes()
    files["corrupt"] = tmp_path / "corrupt.pdf"
    files["corrupt"].write_bytes(good[:9] + bytes(range(256)) * 4)
    enc = _text_pdf("secret")
    files["encrypted"] = tmp_path / "encrypted.pdf"
    enc.save(str(files["encrypted"]), encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
    img = pymupdf.open()
    page = img.new_page()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 100), False)
    pix.clear_with(200)
    page.insert_image(page.rect, pixmap=pix)
    files["image_only"] = tmp_path / "scan.pdf"
    img.save(str(files["image_only"]))
    files["wrong_kind"] = tmp_path / "invoice.pdf"
    _text_pdf("Invoice 2024-001  Total due: 1,234.00 EUR  Thank you for your business").save(str(files["wrong_kind"]))
    return files


@pytest.fixture(scope="session")
def rendered_fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[Path, Path]]:
    """Every fixture variant rendered once per test session: (fixture, variant) -> (pdf, gold.json)."""
    from eval.render import fixture_variants, render_fixture

    out = tmp_path_factory.mktemp("rendered")
    return {(d.name, v): render_fixture(d, out, v) for d, v in fixture_variants(forms=True)}


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """The real local server (llama-cpp-python + Gemma 3 270M) on a free port, shared by the session.

    Fails, never skips, without the llm-local extra: CI installs it, and a skipped LLM suite looks green. The model
    is cached in build/models across runs (assembling 250 MB each session is wasted time); logs go to a temp dir."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        pytest.fail(f"llama_cpp is not importable ({exc}): the llm_local tests need the llm-local extra; "
                    "install it with `pip install -e '.[dev,llm-local]'` (or `make venv`)", pytrace=False)
    from budgetlens.llm_local import free_port, model_path, start_server
    from budgetlens.settings import Settings

    model = model_path(Settings(data_dir=MODEL_CACHE))
    started = time.monotonic()
    server = start_server(Settings(data_dir=tmp_path_factory.mktemp("llm")), model=model, port=free_port(),
                          timeout_s=180)
    print(f"\nllm_server: {server.url} ready in {time.monotonic() - started:.2f}s (log: {server.log_path})")
    try:
        yield server
    finally:
        server.stop()
