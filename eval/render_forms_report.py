"""The parts of the 寻甸 部门整体支出绩效评价报告 (seed003) that are not running text: cover, evaluation group,
contents, the 共性指标体系框架 scoring table (附件3), the questionnaire (附件4), the 工作底稿 (附件5) and the
项目收入支出决算表 (附件6). Printed texts without a record field come from render_extra.json.
"""

from __future__ import annotations

import re

from eval.render_forms_doc import Ctx
from eval.render_forms_grid import Row, place_table
from eval.render_forms_text import line, title_block
from eval.render_forms_yunnan import C, num
from eval.render_layout import fmt_amount

FRAME_HEAD = ["一级指标", "二级指标", "三级指标", "得分", "指标解释", "指标评分细则", "数据来源"]
CODE = re.compile(r"^([A-C]\d*)(?=[\u4e00-\u9fff])")


def amount(value, thousands: bool = False, suffix: str = "") -> str:
    return "" if value is None else fmt_amount(value, thousands) + suffix


def coded(name: str) -> str:
    """`A11部门中长期…` printed `A11 部门中长期…` (the space the original puts after the code)."""
    return CODE.sub(r"\1 ", name)


def part_cover(ctx: Ctx, part: dict) -> None:
    """Cover page (department, report title, 项目名称/部门名称/评价机构, date), then the 评价小组成员 page."""
    cover, group = ctx.extra["cover"]["lines"], ctx.extra["evaluation_group"]
    cur = ctx.cur
    ctx.start(text=True)
    cur.y = cur.size[1] * 0.18
    line(cur, cover[0], 18, "bold", "c", gap=1.2)
    line(cur, cover[1], 24, "bold", "c", gap=4.0)
    for text in cover[2:-1]:
        line(cur, text, 14, "body", "c", gap=1.0)
    cur.y = cur.size[1] * 0.72
    line(cur, cover[-1], 15, "body", "c")
    ctx.start(text=True)
    line(cur, group["heading"], ctx.style.body_size + 1, "bold", gap=0.6)
    rows = [Row([C(i, h) for i, h in enumerate(group["header"])], ())]
    rows += [Row([C(i, t) for i, t in enumerate(r)], ()) for r in group["rows"]]
    place_table(cur, ctx.table(ctx.em("group", [4.0, 3.6, 6.0, 9.0, 3.6]), rows, ctx.style.body_size), ctx.fonts)
    cur.y += 30
    for text in group["after"]:
        line(cur, text, ctx.style.body_size + 1, "body", "r" if text.startswith("年") else "l", gap=1.5)


def part_toc(ctx: Ctx, part: dict) -> None:
    """目录 as printed (its page numbers are the original's, not this render's): entry | page number."""
    cur = ctx.cur
    ctx.start(text=True)
    head, _, tail = ctx.extra["toc_title"].rpartition(" 目 录")
    line(cur, head, 15, "bold", "c", gap=0.3)
    line(cur, "目  录", 16, "bold", "c", gap=1.2)
    size = ctx.style.body_size
    for entry in ctx.extra["toc"]:
        level = len(entry) - len(entry.lstrip(" "))
        text, _, page = entry.strip().lstrip("- ").rpartition(" ")
        pno = cur.need(size * 2)
        x = cur.left + level * 2 * size
        cur.pl.text(pno, x, cur.y, text, size, "bold" if level == 0 else "body", lead=size * 1.5)
        cur.pl.text(pno, cur.left, cur.y, page, size, "body", "r", cur.width, size * 1.5)
        cur.y += size * 2


def leaf_spans(nodes: list[dict], level: int) -> dict[int, int]:
    """For each node of `level`: how many level-3 rows it spans (its leaves up to the next node of its level)."""
    out, current = {}, None
    for k, n in enumerate(nodes):
        if n["level"] <= level:
            current = k if n["level"] == level else None
            if current is not None:
                out[current] = 0
        elif n["level"] == 3 and current is not None:
            out[current] += 1
    return out


def framework_rows(t: dict, tref: int, cols: dict, total_row: list[str] | None = None) -> list[Row]:
    """One row per level-3 node; level-1/2 cells merged over their rows and printed again after a page
    break; the header row repeated on every page. The 合计 row prints `total_row` (spec) when given, else
    the record's total_weight / total_score."""
    head = Row([C(i, h, role="bold") for i, h in enumerate(FRAME_HEAD)], (tref,), keep_next=True)
    nodes = t["nodes"]
    spans = {**leaf_spans(nodes, 1), **leaf_spans(nodes, 2)}
    rows, pending = [head], []
    for k, n in enumerate(nodes):
        if n["level"] < 3:
            text = coded(n["name"]) + ("\n" + n["note"] if n.get("note") else "")
            pending.append(C(n["level"] - 1, text, rowspan=spans[k], again=True))
            continue
        extra = cols.get(n["name"], {})
        cells = pending + [
            C(2, coded(n["name"]), align="l"),
            num(3, amount(n["score"])),
            C(4, extra.get("指标解释", ""), align="l"),
            C(5, n.get("note") or "", align="l"),
            C(6, extra.get("数据来源", ""), align="l"),
        ]
        pending = []
        rows.append(Row(cells, (tref,), repeat=[head]))
    total = [
        "合计",
        "",
        amount(t["total_weight"], suffix="分"),
        amount(t["total_score"]),
    ]
    rows.append(
        Row([num(i, x) if i == 3 else C(i, x) for i, x in enumerate(total_row or total)], (tref,), repeat=[head])
    )
    return rows


def part_framework(ctx: Ctx, part: dict) -> None:
    """附件3 部门整体支出绩效评价共性指标体系框架 (the first scoring table)."""
    ((tref, t),) = ctx.pool.take("scoring_table", 1)
    ctx.start(landscape=ctx.style.orientation == "landscape")
    pages = {title_block(ctx.cur, part.get("label"), t["title"], ctx.style, keep=80.0)}
    rows = framework_rows(t, tref, ctx.extra["framework_columns"], part.get("total_row"))
    em = ctx.em("framework", [4.2, 4.6, 7.4, 2.8, 9.0, 10.0, 6.4])
    pages |= place_table(ctx.cur, ctx.table(em, rows), ctx.fonts)[tref]
    t["pages"] = sorted(pages)


def part_questionnaire(ctx: Ctx, part: dict) -> None:
    """附件4 调查问卷: department, title, the 发放问卷 line (a report section), the question table."""
    ((tref, t),) = ctx.pool.take("scoring_table", 1)
    ((sref, sec),) = ctx.pool.take("report_section", 1)
    q = ctx.extra["questionnaire"]
    cur = ctx.cur
    ctx.start()
    if part.get("label"):
        line(cur, part["label"], ctx.style.label_size, ctx.style.label_role, gap=0.3)
    line(cur, q["header_lines"][0], ctx.style.body_size + 1, "body", "c", gap=0.2)
    top = {title_block(cur, None, t["title"], ctx.style, keep=80.0)}
    top.add(line(cur, q["header_lines"][2], ctx.style.body_size, "body", "c", gap=0.6))
    sec["pages"] = sorted(top)
    rows = [Row([C(i, h) for i, h in enumerate(q["columns"])], (tref,), keep_next=True)]
    questions = [(k, n) for k, n in enumerate(t["nodes"]) if n["level"] == 1]
    for i, (k, qn) in enumerate(questions):
        end = next((j for j in range(k + 1, len(t["nodes"])) if t["nodes"][j]["level"] == 1), len(t["nodes"]))
        opts = t["nodes"][k + 1 : end]
        counts = q["counts"].get(qn["name"], {})
        for j, opt in enumerate(opts):
            cells = (
                [num(0, str(i + 1), rowspan=len(opts)), C(1, qn["name"], rowspan=len(opts), align="l")]
                if j == 0
                else []
            )
            cells += [
                C(2, opt["name"], align="l"),
                num(3, amount(opt["weight"])),
                num(4, amount(counts.get(opt["name"]))),
            ]
            rows.append(Row(cells, (tref,)))
    for r in q["footer_rows"]:
        rows.append(Row([C(0, r[0], span=3), num(3, str(r[3])), num(4, str(r[4]))], (tref,)))
    em = ctx.em("questionnaire", [2.4, 14.0, 8.0, 3.6, 4.4])
    t["pages"] = sorted(place_table(cur, ctx.table(em, rows), ctx.fonts)[tref])


def part_work_paper(ctx: Ctx, part: dict) -> None:
    """附件5 工作底稿: spaced title, the A11 heading with its 项目名称/评价机构 lines, a label | content table."""
    secs = ctx.pool.take("report_section", part.get("count"))
    (_, hsec), rows_secs = secs[0], {s["heading_path"][-1]: (r, s) for r, s in secs[1:]}
    cur = ctx.cur
    ctx.start()
    pages = {title_block(cur, part.get("label"), " ".join(hsec["heading_path"][0]), ctx.style, keep=120.0)}
    pages.add(line(cur, hsec["heading_path"][1], ctx.style.body_size + 1, "bold", "c", gap=0.6))
    head, sep, rest = hsec["text"].partition("评价机构")
    for text in [head, sep + rest]:
        pages.add(line(cur, text, ctx.style.body_size, gap=0.2))
    hsec["pages"] = sorted(pages)
    table_rows = ctx.extra["work_paper"]["rows"]
    rows, label_ref = [], None
    for k, (label, content) in enumerate(table_rows):
        cells = []
        if label:
            n = 1 + next((j for j, r in enumerate(table_rows[k + 1 :]) if r[0]), len(table_rows) - k - 1)
            cells.append(C(0, label, rowspan=n))
            label_ref = rows_secs[label][0]
        cells.append(C(1, content, align="l"))
        rows.append(Row(cells, (label_ref,)))
    got = place_table(cur, ctx.table(ctx.em("work_paper", [6.0, 24.0]), rows, ctx.style.body_size), ctx.fonts)
    for ref, sec in rows_secs.values():
        sec["pages"] = sorted(got[ref])


def accounts_header(t: dict) -> list[Row]:
    """项目 | 资金来源 | 支出数 | 年末结转和结余, then 支出功能分类科目编码 | 科目名称 | the leaf headers."""
    groups = [c.split("/") for c in t["columns"]]
    r1 = [C(0, "项目", span=4), C(4, groups[0][0], span=3), C(7, groups[3][0], span=3), C(10, groups[6][0], span=2)]
    r2 = [C(0, "支出功能分类科目编码", span=3, rowspan=2), C(3, "科目名称", rowspan=2)]
    r2 += [C(4 + i, g[-1], rowspan=2) for i, g in enumerate(groups[:6])] + [C(10, groups[6][1], span=2)]
    r3 = [C(10, groups[6][2]), C(11, groups[7][2])]
    return [Row(r, (), keep_next=True) for r in (r1, r2, r3)]


def part_accounts_table(ctx: Ctx, part: dict) -> None:
    """附件6 项目收入支出决算表 (a FinalAccountsTable, 其他): the 合计 row prints 类 款 项 in its code cells."""
    ((ref, t),) = ctx.pool.take("final_accounts_table", 1)
    cur = ctx.cur
    ctx.start(landscape=ctx.style.orientation == "landscape")
    pages = {title_block(cur, part.get("label"), t["title"], ctx.style, keep=80.0)}
    line(cur, f"单位：{t['unit']}", ctx.style.font_size + 0.5, "body", "r", gap=0.2)
    rows = accounts_header(t)
    for row in t["rows"]:
        codes = ["类", "款", "项"] if row["code"] is None else [row["code"], "", ""]
        cells = [num(i, c) if i == 0 else C(i, c) for i, c in enumerate(codes)]
        cells.append(C(3, row["label"], align="c" if row["code"] is None else "l"))
        cells += [num(4 + i, amount(row["cells"].get(c), True)) for i, c in enumerate(t["columns"])]
        rows.append(Row(cells, (ref,)))
    em = ctx.em("accounts", [4.6, 1.6, 1.6, 6.0] + [5.0] * 8)
    pages |= place_table(cur, ctx.table(em, rows), ctx.fonts)[ref]
    t["pages"] = sorted(pages)
