"""What a finding points at: the printed page with every evidence box drawn in the severity colour (the auditor checks
the number where it is printed, not in our reading of it), the evidence list, and the finding's decision log."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import streamlit as st
from PIL import Image

from budgetlens.store import DocumentRow, FindingRow, Store
from review_app import queries
from review_app.render import Box, page_png
from review_app.views import matched
from review_app.views.common import ACTIONS, SEVERITY, when

ZOOM = 2.0  # pixels per PDF point: sharp enough to read 8-point table text when cropped
MARGIN = 80.0  # points of context kept around the evidence when cropping
MIN_W, MIN_H = 340.0, 200.0  # the smallest crop (points): enough for a row label beside its number


def pages_of(f: FindingRow) -> list[int]:
    """The pages of this report the finding points at (a retrieval finding also points into another report)."""
    return sorted({int(e["page"]) for e in matched.own_evidence(f) if e.get("page")})


def page_view(store: Store, doc: DocumentRow, f: FindingRow) -> None:
    if matched.side_by_side(store, doc, f, _png):
        return
    pages = pages_of(f)
    if not pages:
        st.info("这条发现没有页面位置（规则针对整份文件，或提取时没有记录位置）。")
        return
    if not doc.pdf_path or not Path(doc.pdf_path).is_file():
        st.warning("库中没有这份 PDF 的副本，无法显示原文页面；请用 `budgetlens run` 重新导入原文件。")
        return
    bar = st.columns([5, 2], vertical_alignment="center")
    page = pages[0]
    if len(pages) > 1:
        with bar[0]:
            page = _page_picker(f, pages)
    whole = bar[1].toggle("整页", key="whole_page", persist_state="session", help="关闭时只显示证据附近的区域")
    boxes = tuple((tuple(e["bbox"]), f.severity, str(e.get("path", ""))) for e in matched.own_evidence(f)
                  if e.get("page") == page and e.get("bbox"))
    try:
        png = _png(str(doc.pdf_path), page, boxes, not whole)
    except (ValueError, RuntimeError) as exc:
        st.warning(f"无法显示第 {page} 页：{exc}")
        return
    colour = SEVERITY.get(f.severity, ("", "gray"))[0]
    st.image(png, width="stretch",
             caption=f"第 {page} 页 · {len(boxes)} 处证据（{colour}色框）" if boxes else f"第 {page} 页 · 此页证据没有位置框")


def _page_picker(f: FindingRow, pages: list[int]) -> int:
    label = "证据所在页"
    if len(pages) <= 8:
        picked = st.segmented_control(label, pages, key=f"pg_{f.id}", default=pages[0], required=True,
                                      format_func=lambda p: f"第 {p} 页")
    else:
        picked = st.selectbox(label, pages, key=f"pg_{f.id}", format_func=lambda p: f"第 {p} 页")
    return int(picked) if picked is not None else pages[0]


@st.cache_data(max_entries=128, show_spinner=False)
def _png(pdf_path: str, page: int, boxes: tuple[Any, ...], crop: bool) -> bytes:
    """Rendered once per (page, boxes): the reviewer flips between findings on the same pages a lot."""
    png = page_png(pdf_path, page, [Box(tuple(b), s, label) for b, s, label in boxes], zoom=ZOOM)
    return _crop(png, [b for b, _, _ in boxes]) if crop and boxes else png


def _crop(png: bytes, bboxes: list[Any]) -> bytes:
    """The evidence and its surroundings (a row's label, the column head), enlarged by the crop; the whole page when
    the evidence covers most of it."""
    img = Image.open(io.BytesIO(png))
    page_w, page_h = img.width / ZOOM, img.height / ZOOM
    x0, y0 = min(b[0] for b in bboxes), min(b[1] for b in bboxes)
    x1, y1 = max(b[2] for b in bboxes), max(b[3] for b in bboxes)
    w, h = min(page_w, max(x1 - x0 + 2 * MARGIN, MIN_W)), min(page_h, max(y1 - y0 + 2 * MARGIN, MIN_H))
    if w * h > 0.6 * page_w * page_h:
        return png
    left = min(max(0.0, (x0 + x1 - w) / 2), page_w - w)
    top = min(max(0.0, (y0 + y1 - h) / 2), page_h - h)
    out = io.BytesIO()
    img.crop((int(left * ZOOM), int(top * ZOOM), int((left + w) * ZOOM), int((top + h) * ZOOM))).save(out, format="PNG")
    return out.getvalue()


def evidence_table(f: FindingRow) -> None:
    if not f.evidence:
        st.caption("没有证据字段。")
        return
    st.dataframe([{"记录": _record_label(e), "字段": e.get("path", ""), "页": e.get("page"),
                   "印为": e.get("quote", "")} for e in f.evidence], hide_index=True, width="stretch",
                 height=min(38 + 35 * len(f.evidence), 250),
                 column_config={"记录": st.column_config.TextColumn(width=230),
                                "字段": st.column_config.TextColumn(width=170), "页": st.column_config.NumberColumn(width=45)})


def _record_label(e: dict[str, Any]) -> str:
    """The other report of a retrieval finding by its file name, not its 64-character id."""
    return "对照报告 " + matched.other_report(e)[1] if matched.is_other(e) else str(e.get("record", ""))


def decision_log(store: Store, f: FindingRow) -> None:
    rows = queries.decisions_of(store, f.id)
    st.caption(f"版本 v{f.version} · 首次发现 {when(f.first_seen)} · 最近检查 {when(f.last_seen)} · "
               f"指纹 {f.fingerprint}")
    if not rows:
        st.caption("还没有决定。")
        return
    st.dataframe([{"时间": when(d.at), "审核人": d.reviewer, "决定": ACTIONS.get(d.action, d.action),
                   "理由": d.reason} for d in reversed(rows)], hide_index=True, width="stretch")
