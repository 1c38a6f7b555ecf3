"""What leaves the review store: the findings as a spreadsheet for the audit file, the PDF with the findings drawn on
it for whoever has no access to the app, and the reviewers' corrections as an eval fixture, so that every corrected
value becomes a labelled test of the extractor (the correction loop). Pure functions over the store."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import pymupdf
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from budgetlens.corrections import get_path, load_result
from budgetlens.store import CorrectionRow, DecisionRow, DocumentRow, FindingRow, Store, StoreError
from extraction.records import ExtractionResult
from review_app.render import COLOURS

HEADERS: dict[str, str] = {  # field → column header a Chinese or English reader understands
    "file_name": "文件 file", "document_id": "文档 document id", "department": "部门 department", "region": "地区 region",
    "fiscal_year": "年度 fiscal year", "rule_id": "规则 rule", "family": "类别 family", "severity": "严重程度 severity",
    "title": "规则名称 title", "message": "说明 message", "expected": "应为 expected", "found": "实为 found",
    "pages": "页码 pages", "active": "仍在报告 still raised", "status": "状态 status", "action": "最后决定 last decision",
    "reviewer": "审核人 reviewer", "decided_at": "决定时间 decided at (UTC)", "reason": "理由 reason",
    "fingerprint": "指纹 fingerprint"}
_MD = str.maketrans({"|": "\\|", "\n": " "})  # a value inside a Markdown table cell
_ORDER = {"error": 0, "warning": 1, "info": 2}
_TOKEN = re.compile(r"[^\s\u2e80-\uffff]+|.")  # a run of Latin letters/digits, or one character
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![\d,]*\.?\d+%?$))")  # Excel runs it as a formula (-31,640.00 is a number)


def resolve_document(store: Store, ref: str) -> str:
    """A document id from the full id or the 12-character prefix the app and messages show."""
    with store.session() as s:
        ids = list(s.scalars(select(DocumentRow.id).where(DocumentRow.id.startswith(ref.strip(), autoescape=True))))
    if len(ids) != 1 or not ref.strip():  # ids are all 64 characters: a full id matches itself only
        raise StoreError(f"{len(ids)} documents in the store match {ref!r}; give more of its id (the queue lists them)")
    return ids[0]


def _when(dt: datetime | None) -> str:
    return "" if dt is None else (dt.astimezone(UTC) if dt.tzinfo else dt).strftime("%Y-%m-%d %H:%M:%S")


def _pages(evidence: list[Any]) -> str:
    return ", ".join(str(p) for p in sorted({e.get("page") for e in evidence if e.get("page")}))


def _last_decisions(s: Any, document_ids: list[str] | None) -> dict[int, DecisionRow]:
    q = select(DecisionRow).order_by(DecisionRow.id)
    q = q if document_ids is None else q.where(DecisionRow.document_id.in_(document_ids))
    return {d.finding_id: d for d in s.scalars(q)}  # later rows overwrite earlier: the last decision wins


def findings_table(store: Store, document_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per finding, still raised or not (an auditor's file keeps what was decided about vanished ones too),
    keyed by the bilingual HEADERS; all documents when `document_ids` is None."""
    with store.session() as s:
        dq, fq = select(DocumentRow), select(FindingRow)
        if document_ids is not None:
            dq, fq = dq.where(DocumentRow.id.in_(document_ids)), fq.where(FindingRow.document_id.in_(document_ids))
        docs = {d.id: d for d in s.scalars(dq)}
        findings = list(s.scalars(fq))
        last = _last_decisions(s, document_ids)
    findings.sort(key=lambda f: (docs[f.document_id].file_name, f.document_id, not f.active, f.family,
                                 _ORDER.get(f.severity, 3), f.rule_id, f.id))
    return [_row(docs[f.document_id], f, last.get(f.id)) for f in findings]


def _row(d: DocumentRow, f: FindingRow, dec: DecisionRow | None) -> dict[str, Any]:
    values = {
        "file_name": d.file_name, "document_id": d.id, "department": d.department, "region": d.region,
        "fiscal_year": d.fiscal_year, "rule_id": f.rule_id, "family": f.family, "severity": f.severity,
        "title": f.title, "message": f.message, "expected": f.expected, "found": f.found, "pages": _pages(f.evidence),
        "active": "是 yes" if f.active else "否 no", "status": f.status, "action": dec.action if dec else "",
        "reviewer": dec.reviewer if dec else "", "decided_at": _when(dec.at if dec else None),
        "reason": dec.reason if dec else "", "fingerprint": f.fingerprint}
    return {HEADERS[k]: v for k, v in values.items()}


def _safe(v: Any) -> Any:
    """A cell Excel will show, not run: text looking like a formula (a file named =HYPERLINK(…)) gets a quote."""
    return "'" + v if isinstance(v, str) and _FORMULA.match(v) else v


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM: without it Excel reads the Chinese as mojibake."""
    buf, cols = io.StringIO(), list(dict.fromkeys(k for r in rows for k in r)) or list(HEADERS.values())
    w = csv.writer(buf)
    w.writerow(cols)
    w.writerows([["" if r.get(c) is None else _safe(r.get(c)) for c in cols] for r in rows])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    """One sheet: bold frozen header, auto-filter, widths fitted, severity cells in the app's colours."""
    wb, cols = Workbook(), list(dict.fromkeys(k for r in rows for k in r)) or list(HEADERS.values())
    ws = wb.active or wb.create_sheet()
    ws.title = "findings"
    ws.append(cols)
    for r in rows:
        ws.append([_safe(r.get(c)) for c in cols])
        if (sev := r.get(HEADERS["severity"])) in COLOURS:  # tinted: black text stays readable
            tint = "".join(f"{round(255 - (255 - 255 * c) * 0.35):02X}" for c in COLOURS[sev])
            ws.cell(ws.max_row, cols.index(HEADERS["severity"]) + 1).fill = PatternFill("solid", fgColor=tint)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for i, c in enumerate(cols, start=1):  # a CJK character is two columns wide; capped: long text wraps instead
        longest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(v)) for v in [c, *(r.get(c) for r in rows)])
        ws.column_dimensions[get_column_letter(i)].width = min(max(longest + 2, 6), 60)
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i) if longest > 58 else []:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_pdf(s: Any, document_id: str) -> tuple[DocumentRow, Path]:
    doc = s.get(DocumentRow, document_id)
    if doc is None:
        raise StoreError(f"document {document_id[:12]} is not in the store")
    if not doc.pdf_path or not Path(doc.pdf_path).is_file():
        raise StoreError(f"the stored copy of {doc.file_name} is missing ({doc.pdf_path or 'never kept'}); run "
                         "`budgetlens run` on the original file again to restore it")
    return doc, Path(doc.pdf_path)


def _note(f: FindingRow, dec: DecisionRow | None) -> str:
    decided = f"{dec.action} by {dec.reviewer} {_when(dec.at)} {dec.reason}".strip() if dec else "no decision yet"
    return "\n".join([f"{f.rule_id} [{f.severity}] {f.title}", f.message, f"状态 status: {f.status} ({decided})",
                      *(f"{k}: {v}" for k, v in (("应为 expected", f.expected), ("实为 found", f.found)) if v)])


def annotated_pdf(store: Store, document_id: str) -> bytes:
    """The stored PDF with each active finding boxed on its evidence in the severity colour, its note attached, and
    summary page(s) in front: the review, readable by anyone with a PDF viewer."""
    with store.session() as s:
        doc, path = _with_pdf(s, document_id)
        findings = [f for f in s.scalars(select(FindingRow).where(FindingRow.document_id == document_id)) if f.active]
        last = _last_decisions(s, [document_id])
    findings.sort(key=lambda f: (_ORDER.get(f.severity, 3), f.family, f.rule_id, f.id))
    with pymupdf.open(path) as pdf:
        for f in findings:
            _annotate(pdf, f, _note(f, last.get(f.id)))
        _summary(pdf, doc, findings, last)
        return bytes(pdf.tobytes(garbage=3, deflate=True))


def _annotate(pdf: pymupdf.Document, f: FindingRow, note: str) -> None:
    """Bboxes are in displayed (rotated) page space, annotations in unrotated space: derotate first."""
    colour = COLOURS.get(f.severity, COLOURS["error"])
    for e in f.evidence:
        page_no = e.get("page")
        if not page_no or not 1 <= page_no <= pdf.page_count:
            continue  # listed on the summary page only
        page = pdf[page_no - 1]
        if e.get("bbox"):
            annot = page.add_rect_annot((pymupdf.Rect(e["bbox"]) + (-2, -2, 2, 2)) * page.derotation_matrix)
            annot.set_border(width=1.5)
        else:  # no box: a note icon along the top of the page
            k = 1 + sum(a.type[1] == "Text" for a in page.annots())  # side by side, not on top of each other
            annot = page.add_text_annot(pymupdf.Point(12 + 22 * k, 14) * page.derotation_matrix, note, icon="Note")
        annot.set_colors(stroke=colour)
        annot.set_info(title=f.rule_id, subject=f.title, content=note)
        annot.set_flags(4)  # PDF_ANNOT_IS_PRINT: printed too, not only shown
        annot.update()


_W, _H, _M, _SIZE, _LEAD, _BLACK, _GREY = 595.0, 842.0, 40.0, 9.0, 13.0, (0.0, 0.0, 0.0), (0.35, 0.35, 0.35)


class _Line(NamedTuple):
    text: str
    colour: tuple[float, float, float] = _BLACK
    link: int | None = None  # 1-based page of the original document
    indent: float = 0.0
    size: float = _SIZE


def _wrap(text: str, font: pymupdf.Font, width: float) -> list[str]:
    """Lines that fit `width`, broken between CJK characters or at spaces, never inside a number or a word."""
    out, used = [""], 0.0
    for tok in _TOKEN.findall(text.replace("\n", " ")):
        w = font.text_length(tok, _SIZE)
        if used + w > width and out[-1].strip():
            out, used, tok, w = [*out, ""], 0.0, tok.lstrip(), font.text_length(tok.lstrip(), _SIZE)
        out[-1], used = out[-1] + tok, used + w
    return out


def _summary_lines(doc: DocumentRow, findings: list[FindingRow], last: dict[int, DecisionRow],
                   font: pymupdf.Font) -> list[_Line]:
    where = " · ".join(str(x) for x in (doc.department, doc.region, doc.fiscal_year) if x)
    lines = [_Line("审核发现汇总 Findings summary", size=14), _Line(doc.file_name), _Line(where, _GREY),
             _Line(f"{len(findings)} 项发现 active findings; 导出 exported {_when(datetime.now(UTC))} UTC", _GREY),
             _Line("")]
    for f in findings:
        first = min((e["page"] for e in f.evidence if e.get("page")), default=None)
        head = f"[{f.severity} · {f.status}] {f.rule_id} {f.title} — 第 {_pages(f.evidence) or '?'} 页"
        lines += [_Line(t, COLOURS.get(f.severity, _BLACK), first) for t in _wrap(head, font, _W - 2 * _M)]
        dec = last.get(f.id)
        body = f.message + (f"（{dec.action}: {dec.reviewer} {dec.reason}）" if dec else "")
        lines += [_Line(t, _GREY, first, 12) for t in _wrap(body, font, _W - 2 * _M - 12)] + [_Line("")]
    return lines


def _summary(pdf: pymupdf.Document, doc: DocumentRow, findings: list[FindingRow], last: dict[int, DecisionRow]) -> None:
    """Made apart (its font subset there, the original's fonts left alone) and inserted in front; each finding links
    to its first evidence page, shifted by the pages inserted."""
    font, pages, front = pymupdf.Font("china-s"), pdf.page_count, pymupdf.open()
    lines = _summary_lines(doc, findings, last, font)
    per_page = int((_H - 2 * _M) // _LEAD)
    chunks = [lines[i:i + per_page] for i in range(0, len(lines), per_page)]
    links: list[tuple[int, float, int]] = []
    for n, chunk in enumerate(chunks):
        page = front.new_page(width=_W, height=_H)
        for i, line in enumerate(chunk):
            tw, y = pymupdf.TextWriter(page.rect), _M + (i + 1) * _LEAD  # the measured font, embedded
            tw.append((_M + line.indent, y), line.text, font=font, fontsize=line.size)
            tw.write_text(page, color=line.colour)
            links += [(n, y, line.link)] if line.link and line.link <= pages else []
    front.subset_fonts()  # the whole CJK font would add megabytes
    pdf.insert_pdf(front, start_at=0)
    front.close()
    for n, y, target in links:
        pdf[n].insert_link({"kind": pymupdf.LINK_GOTO, "page": target - 1 + len(chunks),
                            "from": pymupdf.Rect(_M, y - _LEAD + 3, _W - _M, y + 3)})


def corrections_fixture(store: Store, document_id: str, out_dir: Path) -> Path:
    """`out_dir/<slug>/` with gold.json (the records as corrected), document.pdf and NOTES.md (every correction):
    a fixture `budgetlens eval` scores, so that a value a reviewer had to fix is checked on every later run."""
    result = load_result(store, document_id)
    with store.session() as s:
        doc, pdf = _with_pdf(s, document_id)
        fixes = list(s.scalars(select(CorrectionRow).where(CorrectionRow.document_id == document_id)
                               .order_by(CorrectionRow.at, CorrectionRow.id)))
    gold = json.loads(result.model_dump_json())  # the shape of the rendered fixtures' gold.json
    latest = {(c.record_idx, c.path): c for c in fixes}  # a field holds the last value a reviewer set
    if stale := [f"record {c.record_idx} {c.path}" for c in latest.values() if not _holds(gold["records"], c)]:
        raise StoreError(f"{doc.file_name} was read again after these corrections and no longer holds them: "
                         f"{', '.join(stale)}; correct them again before exporting the fixture")
    for c in latest.values():
        gold["records"][c.record_idx].get("sources", {}).pop(c.path, None)  # it described the old reading
    stem = re.sub(r"[^\w\-]+", "_", Path(doc.file_name).stem).strip("_")[:60] or "document"
    folder = Path(out_dir) / f"{stem}-{doc.id[:8]}"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, folder / "document.pdf")
    (folder / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (folder / "NOTES.md").write_text(_notes(doc, result, fixes), encoding="utf-8")
    return folder


def _holds(records: list[Any], c: CorrectionRow) -> bool:
    """Re-reading a document replaces its records: a correction is only gold while the record still holds it."""
    want = json.loads(c.new) if c.new else None
    try:
        have = get_path(records[c.record_idx], c.path)
        return bool(have == want or Decimal(str(have)) == Decimal(str(want)))  # 1.5 on disk, "1.5" as typed
    except (KeyError, IndexError, TypeError, InvalidOperation):
        return False


def _record_name(result: ExtractionResult, idx: int) -> str:
    r, names = result.records[idx], ("std_name", "project_name", "department", "metric")
    return f"[{idx}] {r.kind} {next((str(getattr(r, a)) for a in names if getattr(r, a, None)), '')}"


def _notes(doc: DocumentRow, result: ExtractionResult, fixes: list[CorrectionRow]) -> str:
    where = ", ".join(str(x) for x in (doc.department, doc.region, doc.fiscal_year) if x)
    head = [
        f"# Gold from review: {doc.file_name}\n\nExported by `budgetlens export-fixture` at {_when(datetime.now(UTC))} "
        f"UTC from the review store. Source: {doc.file_name} ({doc.pages} pages, sha256 `{doc.id}`)"
        f"{'; ' + where if where else ''}.\n\n`gold.json` = the records as the store holds them, every correction "
        "below applied (the format of the rendered fixtures' gold.json); `document.pdf` = the stored copy of the PDF. "
        "Conventions: `docs/records.md`.\n\nOnly the corrected values were checked by a person; every other value is "
        "the extractor's reading at intake. Check the rest against the page before counting this fixture as fully "
        "labelled. The sources of corrected fields are left out (they described the old reading).\n",
        f"## Corrections ({len(fixes)})\n"]
    if not fixes:
        return "\n".join([*head, "None: no reviewer changed a value of this document.", ""])
    rows = ["| # | when (UTC) | who | record | field | old → new | why |", "|---|---|---|---|---|---|---|"]
    for i, c in enumerate(fixes, start=1):
        cells = [i, _when(c.at), c.reviewer, _record_name(result, c.record_idx), f"`{c.path}`", f"{c.old} → {c.new}"]
        rows.append("| " + " | ".join(str(x).translate(_MD) for x in [*cells, c.reason or "—"]) + " |")
    return "\n".join([*head, *rows, ""])
