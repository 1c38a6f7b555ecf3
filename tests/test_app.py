"""The review app driven through streamlit's AppTest against a real SQLite store: the queue, a report and its page
images, decisions (and their conflicts), corrections that re-run the checks, uploads processed in the background."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from budgetlens.corrections import get_path, load_result
from budgetlens.intake import intake_file
from budgetlens.review import decide, findings_of, queue
from budgetlens.settings import Settings, get_settings
from budgetlens.store import DecisionRow, FindingRow, JobRow, Store
from review_app.queries import without_paths
from tests.conftest import PUTUO

APP = Path(__file__).resolve().parents[1] / "review_app" / "app.py"
FIXTURES = (("seed002_fa", "yuan"), ("seed001_se", "original"))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A data dir with a store of two rendered fixtures (and 普陀 when ../shared has it), built once per module."""
    from eval.render import FIXTURES as FIXTURE_ROOT
    from eval.render import render_fixture

    root = tmp_path_factory.mktemp("app-template")
    settings = Settings(data_dir=root / "data", progress=False)
    store = Store(settings.store_url())
    ids = {}
    for name, variant in FIXTURES:
        pdf, _ = render_fixture(FIXTURE_ROOT / name, root / "rendered", variant)
        ids[name] = intake_file(store, pdf, settings).document_id
    if PUTUO.exists():
        ids["putuo"] = intake_file(store, PUTUO, settings).document_id
    store.close()
    return settings.data_dir, ids


@pytest.fixture
def data(template: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A fresh copy of the template store for each test, which the app opens through BUDGETLENS_DATA_DIR."""
    src, ids = template
    data_dir = tmp_path / "data"
    shutil.copytree(src, data_dir)
    monkeypatch.setenv("BUDGETLENS_DATA_DIR", str(data_dir))
    monkeypatch.delenv("BUDGETLENS_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    store = Store(get_settings().store_url())
    yield {"store": store, "ids": ids, "dir": data_dir}
    store.close()
    get_settings.cache_clear()


def app(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(query)
    return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [s.value for s in at.success] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


def open_finding(doc_id: str, finding_id: int, reviewer: str = "") -> AppTest:
    at = app(page="report", doc=doc_id, finding=str(finding_id))
    if reviewer:
        at.text_input(key="reviewer").set_value(reviewer).run()
    no_exception(at)
    return at


def show(at: AppTest, tab: str = "", trail: bool = False) -> AppTest:
    """Open a detail tab and/or the audit trail, as a click does: only what is open is built."""
    if tab:
        at.session_state["detail_tab"] = tab
    if trail:
        at.session_state["audit_trail"] = True
    return at.run()


def test_queue_lists_reports_by_risk_and_filters_narrow_it(data: dict[str, Any], tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.pdf"
    bad.write_text("<html>404 Not Found</html>", encoding="utf-8")
    failed = intake_file(data["store"], bad, get_settings())
    at = app()
    no_exception(at)
    table = at.dataframe[0].value
    risks = list(table["风险"])
    assert len(table) == len(data["ids"]) + 1 and risks == sorted(risks, reverse=True)
    shown = table[table["文件"] == "坏文件.pdf"]["提取"].tolist()
    assert shown == [f"失败：{without_paths(failed.reason)}"]  # a failed file stays listed, with its reason
    assert "坏文件.pdf: not a PDF" in shown[0]
    assert risks == [r.risk for r in queue(data["store"])]
    at.selectbox(key="q_kind").set_value("final_accounts").run()
    narrowed = at.dataframe[0].value
    assert 1 <= len(narrowed) < len(table) - 1 and all("部门决算" in k for k in narrowed["类型"])
    at.text_input(key="q_text").set_value("没有这个名字").run()
    assert not at.dataframe and any("没有符合" in w.value for w in at.warning)
    at.button(key="q_reset").click().run()
    assert len(at.dataframe[0].value) == len(table)
    at.selectbox(key="q_kind").set_value("final_accounts").run()
    at.radio(key="nav_page").set_value("upload").run()
    at.radio(key="nav_page").set_value("queue").run()  # the filters survive a visit to another page
    assert len(at.dataframe[0].value) == len(narrowed)


def test_report_groups_findings_by_family_and_shows_the_page(data: dict[str, Any]) -> None:
    doc_id = data["ids"]["seed001_se"]
    findings = findings_of(data["store"], doc_id)
    at = app(page="report", doc=doc_id)
    no_exception(at)
    labels = " ".join(e.label for e in at.expander)
    assert "自评 · 文字说明" in labels and "自评 · 资金" in labels
    with_page = next(f for f in findings if any(e.get("bbox") for e in f.evidence))
    at.button(key=f"f_{with_page.id}").click().run()
    no_exception(at)
    assert at.session_state["finding"] == with_page.id and at.query_params["finding"] == str(with_page.id)
    assert at.image and at.image[0].proto.imgs  # the rendered page with the evidence boxes
    assert with_page.rule_id in texts(at)


def test_accept_and_dismiss_are_recorded_and_shown_in_the_history(data: dict[str, Any]) -> None:
    store, doc_id = data["store"], data["ids"]["seed001_se"]
    first, second = findings_of(store, doc_id)[:2]
    at = open_finding(doc_id, first.id)
    at.button(key=f"accept_{first.id}").click().run()  # no reviewer yet
    assert any("审核人" in e.value for e in at.error) and not _decisions(store)
    at.text_input(key="reviewer").set_value("审核员甲").run()
    at.button(key=f"accept_{first.id}").click().run()
    no_exception(at)
    assert _status(store, first.id) == "accepted"
    assert at.session_state["finding"] != first.id  # moved on to the next open finding
    at.button(key=f"f_{second.id}").click().run()
    at.button(key=f"dismiss_{second.id}").click().run()  # a dismissal without a reason records nothing
    assert any("驳回需要理由" in e.value for e in at.error)
    assert _status(store, second.id) == "open" and len(_decisions(store)) == 1
    at.text_input(key=f"reason_{second.id}").set_value("四舍五入差异，不是问题")
    at.button(key=f"dismiss_{second.id}").click().run()
    assert _status(store, second.id) == "dismissed"
    assert [(d.action, d.reviewer) for d in _decisions(store)] == [("accept", "审核员甲"), ("dismiss", "审核员甲")]
    at.button(key=f"f_{second.id}").click().run()
    assert not at.dataframe  # the log and the trail are built when opened, not with every finding
    show(at, "决定记录", trail=True)
    shown = [df.value for df in at.dataframe]
    log = next(df for df in shown if "决定" in df.columns)
    assert list(log["决定"]) == ["驳回"] and list(log["理由"]) == ["四舍五入差异，不是问题"]
    trail = next(df for df in shown if "操作" in df.columns)
    assert any(first.rule_id in w for w in trail["操作"]) and set(trail["审核人"]) == {"审核员甲"}


def test_a_decision_on_a_finding_changed_meanwhile_is_a_conflict(data: dict[str, Any]) -> None:
    store, doc_id = data["store"], data["ids"]["seed002_fa"]
    f = findings_of(store, doc_id)[0]
    at = open_finding(doc_id, f.id, reviewer="审核员甲")
    decide(store, f.id, f.version, "accept", "审核员乙")  # behind the app's back, after it loaded the finding
    at.text_input(key=f"reason_{f.id}").set_value("误报")
    at.button(key=f"dismiss_{f.id}").click().run()
    no_exception(at)
    errors = " ".join(e.value for e in at.error)
    assert "冲突" in errors and "审核员乙" in errors
    assert _status(store, f.id) == "accepted"
    assert [(d.action, d.reviewer) for d in _decisions(store)] == [("accept", "审核员乙")]


def test_a_correction_reruns_the_checks_and_lists_what_disappeared(data: dict[str, Any]) -> None:
    store, doc_id = data["store"], data["ids"]["seed002_fa"]
    f = next(x for x in findings_of(store, doc_id) if x.rule_id == "FA-042")
    at = show(open_finding(doc_id, f.id, reviewer="审核员甲"), "证据与更正")
    box = next(t for t in at.text_input if t.key and t.key.startswith(f"cv_{f.id}_0_1_"))  # table[0]'s first field
    target = get_path(store_record(store, doc_id, 0), f.evidence[0]["path"])
    other = load_result(store, doc_id).records[3]
    printed = get_path(other.model_dump(mode="json"), f.evidence[1]["path"])
    box.set_value(str(printed))
    at.button(key=f"save_{f.id}_0_1").click().run()
    no_exception(at)
    shown = " ".join(s.value for s in at.success)
    assert "更正已保存" in shown and "消失的问题" in shown and "FA-042" in shown
    assert get_path(store_record(store, doc_id, 0), f.evidence[0]["path"]) != target
    assert not _active(store, f.id)


def test_correcting_the_putuo_claim_makes_fa070_disappear(data: dict[str, Any]) -> None:
    if "putuo" not in data["ids"]:
        pytest.skip("../shared/corpus/real is absent")
    store, doc_id = data["store"], data["ids"]["putuo"]
    f = next(x for x in findings_of(store, doc_id) if x.rule_id == "FA-070")
    claim = next(e for e in f.evidence if e["record"].startswith("claim["))
    idx = int(claim["record"].split("[")[1].split("]")[0])
    at = show(open_finding(doc_id, f.id, reviewer="审核员甲"), "证据与更正")
    at.text_input(key=f"cv_{f.id}_{idx}_1_0").set_value("2961.68")
    at.button(key=f"save_{f.id}_{idx}_1").click().run()
    no_exception(at)
    shown = " ".join(s.value for s in at.success)
    assert "FA-070" in shown and "消失的问题 disappeared（1）" in shown
    assert not _active(store, f.id)


def test_the_whole_table_can_be_edited(data: dict[str, Any]) -> None:
    store, doc_id = data["store"], data["ids"]["seed002_fa"]
    f = next(x for x in findings_of(store, doc_id) if x.rule_id == "FA-042")
    at = show(open_finding(doc_id, f.id, reviewer="审核员甲"), "证据与更正")
    key = f"te_{doc_id[:12]}_0_1"
    row = int(f.evidence[0]["path"].split("[")[1].split("]")[0])
    column = f.evidence[0]["path"].split(".cells.")[1]
    at.session_state[key] = {"edited_rows": {row: {column: 1.5}}, "added_rows": [], "deleted_rows": []}
    at.button(key=f"{key}_save").click().run()
    no_exception(at)
    assert "更正已保存" in " ".join(s.value for s in at.success)
    assert str(get_path(store_record(store, doc_id, 0), f.evidence[0]["path"])) in ("1.5", "1.50")


def test_review_status_and_reload_keep_their_place(data: dict[str, Any]) -> None:
    store, doc_id = data["store"], data["ids"]["seed002_fa"]
    f = findings_of(store, doc_id)[-1]
    at = open_finding(doc_id, f.id)
    at.segmented_control(key=f"rs_{doc_id}").set_value("done").run()
    assert next(q for q in queue(store) if q.id == doc_id).review_status == "done"
    again = app(**{k: str(v) for k, v in at.query_params.items()})  # a reload is a new session on the same URL
    assert again.session_state["doc"] == doc_id and again.session_state["finding"] == f.id
    assert again.segmented_control(key=f"rs_{doc_id}").value == "done"


def test_a_job_cut_off_by_a_restart_is_interrupted_and_can_be_retried(data: dict[str, Any]) -> None:
    from budgetlens.intake import stage_upload

    job_id = stage_upload(data["store"], "中断.pdf", b"%PDF-1.4 broken", get_settings())
    with data["store"].session() as s:
        row = s.get(JobRow, job_id)
        assert row is not None
        row.state = "running"  # the app that ran it was killed
    at = app(page="upload")
    no_exception(at)
    assert [b for b in at.button if b.key == f"job_retry_{job_id}"]
    at.button(key=f"job_retry_{job_id}").click().run()
    assert _wait_for_jobs(data["store"], 1)[0].state == "failed"


def test_upload_processes_a_pdf_and_reports_a_bad_file(data: dict[str, Any], tmp_path: Path) -> None:
    from eval.render import FIXTURES as FIXTURE_ROOT
    from eval.render import render_fixture

    pdf, _ = render_fixture(FIXTURE_ROOT / "seed004_fa", tmp_path / "r", "printed")
    at = app(page="upload")
    no_exception(at)
    at.file_uploader[0].set_value([("决算.pdf", pdf.read_bytes(), "application/pdf"),
                                   ("坏文件.pdf", b"<html>404 Not Found</html>", "application/pdf")]).run()
    no_exception(at)
    jobs = _wait_for_jobs(data["store"], 2)
    at.run()
    no_exception(at)
    by_name = {j.file_name: j for j in jobs}
    assert by_name["决算.pdf"].state == "done" and by_name["坏文件.pdf"].state == "failed"
    good = by_name["决算.pdf"]
    assert [b for b in at.button if b.key == f"job_open_{good.id}"]
    assert by_name["坏文件.pdf"].reason and without_paths(by_name["坏文件.pdf"].reason) in texts(at)
    at.button(key=f"job_open_{good.id}").click().run()
    assert at.session_state["nav_page"] == "report" and at.query_params["doc"] == good.document_id


def test_export_page_offers_the_downloads(data: dict[str, Any]) -> None:
    at = app(page="export", doc=data["ids"]["seed002_fa"])
    no_exception(at)
    labels = {b.label for b in at.download_button} | {b.label for b in at.button}
    assert {"CSV", "XLSX"} <= labels or any("export not available" in i.value for i in at.info)


def store_record(store: Store, doc_id: str, idx: int) -> dict[str, Any]:
    return load_result(store, doc_id).records[idx].model_dump(mode="json")


def _decisions(store: Store) -> list[DecisionRow]:
    with store.session() as s:
        return list(s.scalars(select(DecisionRow).order_by(DecisionRow.id)))


def _status(store: Store, finding_id: int) -> str:
    with store.session() as s:
        row = s.get(FindingRow, finding_id)
        assert row is not None
        return row.status


def _active(store: Store, finding_id: int) -> bool:
    with store.session() as s:
        row = s.get(FindingRow, finding_id)
        return bool(row and row.active)


def _wait_for_jobs(store: Store, n: int, timeout: float = 120) -> list[JobRow]:
    """The worker is a separate process: wait until it has finished every job."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with store.session() as s:
            jobs = list(s.scalars(select(JobRow)))
        if len(jobs) == n and all(j.state in ("done", "failed") for j in jobs):
            return jobs
        time.sleep(0.3)
    raise AssertionError(f"upload jobs did not finish: {[(j.file_name, j.state) for j in jobs]}")


def test_a_long_list_builds_only_the_open_families_and_follows_the_selection(data: dict[str, Any],
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from review_app.views import report

    doc_id = max(data["ids"].values(), key=lambda d: len(findings_of(data["store"], d)))
    findings = report.ordered(findings_of(data["store"], doc_id))
    families = list(dict.fromkeys(f.family for f in findings))
    assert len(families) > 2, "the fixtures should give one report findings in several families"
    monkeypatch.setattr(report, "LONG_LIST", len(findings) - 1)  # the fixtures' lists are short; this one is long
    at = app(page="report", doc=doc_id, finding=str(findings[0].id))
    no_exception(at)
    built = {b.key for b in at.button if b.key and b.key.startswith("f_")}
    assert built == {f"f_{f.id}" for f in findings if f.family == families[0]}
    first_of_next = next(f for f in findings if f.family == families[1])
    prev = findings[findings.index(first_of_next) - 1]
    at.session_state["finding"] = prev.id
    at.run()
    at.button(key="next").click().run()  # J across the family boundary opens the next family
    no_exception(at)
    assert at.session_state["finding"] == first_of_next.id
    assert f"f_{first_of_next.id}" in {b.key for b in at.button}
    closed = families[-1]
    at.session_state[f"fam_{closed}"] = True  # a click on a closed family's header
    at.run()
    assert {f"f_{f.id}" for f in findings if f.family == closed} <= {b.key for b in at.button}
