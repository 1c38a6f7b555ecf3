"""`budgetlens eval --html`: the eval report as ONE self-contained HTML file an auditor can open, mail or archive.

Inline CSS, inline SVG charts (eval/html_charts.py), page renders embedded as base64 PNG: nothing is fetched, so it
reads the same offline and years later. Every section renders only when the report holds its key, so older and
newer reports (`fields`, `kinds`, `findings`, `by_family`, `by_extractor`, per fixture `errors`) both work.
"""

from __future__ import annotations

import base64
import json
import struct
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from eval.html_charts import pct
from eval.html_errors import Error, collect, locate, render_pages
from eval.html_figures import (
    SEVERITY_NAMES,
    bp_chart,
    field_chart,
    findings_chart,
    fixture_chart,
    form_fields,
    kind_chart,
    kind_counts,
)
from eval.runner import find_fixtures, pdf_for

WORST = 25  # errors listed
RENDERS = 25  # pages embedded (one per listed error at most): ~120 kB each at this zoom, so the file stays a few MB
ZOOM = 1.1
EXTRACTORS = {"layout": "版面解析 (layout parser)", "llm": "大模型 (LLM only)", "hybrid": "版面解析 + 大模型 (hybrid)"}
LOCATED = {"source": "", "search": "检索定位 (by search)"}
CSS = """
body{margin:0;background:#eef0f3;color:#1f2933;font:14px/1.55 "Noto Sans CJK SC","PingFang SC","Microsoft YaHei",
 "Source Han Sans SC",sans-serif}
main{max-width:1200px;margin:0 auto;padding:22px 30px 40px;background:#fff}
h1{font-size:23px;margin:0 0 2px}h2{font-size:17px;margin:30px 0 8px;padding-bottom:3px;border-bottom:2px solid #2f6db5}
.en{color:#6b7280;font-weight:400;font-size:.86em}.meta{color:#4b5563;margin:0 0 10px}
nav{font-size:13px;margin:6px 0 4px}nav a{margin-right:14px;color:#2f6db5;text-decoration:none}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(205px,1fr));gap:10px;margin:12px 0}
.card{border:1px solid #d9dde3;border-left:5px solid #3a8f5c;border-radius:4px;padding:7px 11px}
.card.warn{border-left-color:#b42318}.card .big{font-size:25px;font-weight:700;line-height:1.2}
.card.warn .big{color:#b42318}.card .lab{font-weight:600}.card .det{color:#4b5563;font-size:12.5px}
ul.plain{margin:6px 0;padding-left:20px}ul.plain li{margin:2px 0}
p.note{color:#4b5563;font-size:13px;margin:4px 0 8px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}td.nw{white-space:nowrap}
td.bad,span.bad{color:#b42318;font-weight:600}td.wrap{max-width:260px;overflow-wrap:anywhere}
table.fit{width:auto;min-width:50%}table.fit td,table.fit th{padding:4px 14px 4px 7px}
table.fit th{white-space:normal;max-width:130px}table.fit td:first-child{white-space:nowrap}tr:target{background:#fff4e5}a{color:#2f6db5}
svg.chart{max-width:100%;height:auto;display:block;margin:4px 0}
svg text{font-family:inherit;font-size:12.5px;fill:#1f2933}svg .tick{font-size:11px;fill:#6b7280}
svg .group{font-weight:700;font-size:13px}svg .val{font-size:12px}svg .axis{fill:#4b5563}svg .cell{font-weight:700}
.chip{display:inline-block;background:#f0f2f5;border-radius:10px;padding:1px 9px;margin:2px 4px 2px 0;font-size:12.5px}
.renders{display:grid;grid-template-columns:1fr 1fr;gap:14px}
figure{margin:0;border:1px solid #d9dde3;border-radius:4px;padding:6px}figure.wide{grid-column:1/-1}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}figure:target{outline:3px solid #d9822b}
figcaption{font-size:12.5px;color:#374151;margin-bottom:4px}code{font-size:12px;overflow-wrap:anywhere}
footer{margin-top:30px;border-top:1px solid #d9dde3;padding-top:8px;font-size:13px;color:#374151}
"""


def fixture_pdfs(roots: Iterable[Path], shared: Path) -> dict[str, Path]:
    """Fixture name (as the report names it) → its PDF, found the way the runner finds it."""
    out: dict[str, Path] = {}
    for folder in find_fixtures([Path(r) for r in roots]):
        raw = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
        pdf = pdf_for(folder, raw, shared)
        if pdf is not None:
            out[raw.get("name") or folder.name] = pdf
    return out


def write_html(report: Mapping[str, Any], out: Path, pdfs: Mapping[str, Path] | None = None) -> Path:
    """Write the report to `out`; `pdfs` (fixture → PDF) adds to any `pdf` the fixture summaries carry."""
    pdfs = {**{f["fixture"]: Path(f["pdf"]) for f in report.get("fixtures", []) if f.get("pdf")}, **(pdfs or {})}
    errors = collect(report)
    worst = errors[:WORST]
    locate(worst, pdfs)
    renders = render_pages(worst, pdfs, limit=RENDERS, zoom=ZOOM)
    titles = _rule_titles()
    shown = {(name, page): k + 1 for k, (name, page, _) in enumerate(renders)}
    body = [_header(report), _summary(report, errors), _fixtures(report), _fields(report), _kinds(report),
            _findings(report, titles, shown), _boilerplate(report, titles),
            _errors(errors, worst) if report.get("fixtures") else "",
            _renders(renders, worst, pdfs), _howto()]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
                   f'<meta name="viewport" content="width=device-width,initial-scale=1">'
                   f"<title>评测报告 (budgetlens evaluation report)</title><style>{CSS}</style></head>"
                   f'<body><main>{"".join(body)}</main></body></html>\n', encoding="utf-8")
    return out


def _rule_titles() -> dict[str, str]:
    import checks.engine  # noqa: F401  (registers every rule)
    from checks.registry import REGISTRY

    return {rid: r.title for rid, r in REGISTRY.items()}


def _h2(anchor: str, zh: str, en: str) -> str:
    return f'<h2 id="{anchor}">{zh} <span class="en">({en})</span></h2>'


def _n(k: float, n: int) -> str:
    return f"{round(k)}/{n}"


def _header(report: Mapping[str, Any]) -> str:
    o = report.get("overall") or {}
    bp = report.get("boilerplate") or []
    what = [f"抽取方式 (extractor)：{EXTRACTORS.get(report.get('extractor', ''), report.get('extractor', '—'))}"]
    if o:
        what.append(f"标注文档 (labelled documents)：{o['scored']} 份已评 (scored) / {o['fixtures']} 份")
    if bp:
        what.append(f"往年报告语料 (past-report corpus)：{sum(b['documents'] for b in bp)} 份")
    links = [("summary", "概览"), ("fixtures", "各文档"), ("fields", "各字段"), ("kinds", "文档类型"),
             ("findings", "核查规则"), ("bp", "雷同规则"), ("errors", "主要差错"), ("pages", "页面截图"),
             ("howto", "阅读说明")]
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in links)
    return (f"<h1>预决算公开信息抽取与核查 · 评测报告 <span class='en'>(budgetlens evaluation report)</span></h1>"
            f"<p class='meta'>{' · '.join(escape(w) for w in what)} · 生成于 (generated) "
            f"{datetime.now():%Y-%m-%d %H:%M}</p><nav>{nav}</nav>")


def _card(label: str, k: float, n: int, detail: str = "") -> tuple[str, float | None, str]:
    return label, (k / n if n else None), f"{_n(k, n)}{' · ' + detail if detail else ''}"


def _cards(report: Mapping[str, Any]) -> list[tuple[str, float | None, str]]:
    o, cards = report.get("overall") or {}, []
    if o:
        cards.append(_card("决算表数值读对 (table values right)", o["values_correct"], o["values_labelled"],
                           f"{o['tables_found']}/{o['tables']} 张表找到 (tables found)"))
        found = round(o["claims_recall"] * o["claims_gold"])
        cards.append(_card("情况说明数字找到 (claims found)", found, o["claims_gold"],
                           f"读对 {pct(o['claims_value_accuracy'])} (read right)"))
        fs = o.get("forms") or {}
        if fs.get("forms"):
            cards.append(_card("自评表字段读对 (form fields right)", *form_fields(fs),
                               f"{fs['forms_found']}/{fs['forms']} 张表找到 (forms found)"))
            k = fs["sections_found"] * fs["section_text_accuracy"]
            cards.append(_card("章节正文一致 (section text exact)", k, fs["sections"],
                               f"{fs['sections_found']} 节找到 (found)"))
    kinds = report.get("kinds") or {}
    if kinds.get("accuracy") is not None:
        exact = f"{kinds['exact']}/{kinds['documents']} 份文档 (documents)" if "exact" in kinds else ""
        cards.append(("文档类型识别 (document kind right)", kinds["accuracy"], exact))
    for label, s in [("核查规则 (findings)", (report.get("findings") or {}).get("all"))] + [
            ("往年雷同规则 (boilerplate rules)", b["overall"]) for b in report.get("boilerplate") or []]:
        if s:
            exp = s.get("expected", s.get("labelled", 0))
            cards.append(_card(f"{label} 召回 (recall)", s["tp"], exp, f"精确率 (precision) {pct(s['precision'])}"))
    return cards


def _summary(report: Mapping[str, Any], errors: Sequence[Error]) -> str:
    cards = "".join(
        f'<div class="card{" warn" if v is not None and v < 1 else ""}"><div class="big">'
        f'{"—" if v is None else pct(v)}</div><div class="lab">{escape(label)}</div>'
        f'<div class="det">{escape(det)}</div></div>' for label, v, det in _cards(report))
    lines = "".join(f"<li>{escape(s)}</li>" for s in _plain_words(report, errors))
    return f'{_h2("summary", "概览", "summary")}<div class="cards">{cards}</div><ul class="plain">{lines}</ul>'


def _plain_words(report: Mapping[str, Any], errors: Sequence[Error]) -> list[str]:
    """The figures as sentences, with what they were measured on, so nobody must decode a chart to get the gist."""
    o, out = report.get("overall") or {}, []
    fx = [f for f in report.get("fixtures", []) if not f.get("skipped")]
    if o:
        real = sum(1 for f in fx if f.get("family") == "real" or f["fixture"].startswith("real_"))
        out.append(f"评测了 {len(fx)} 份已人工标注的文档：{real} 份真实公开文件，{len(fx) - real} 份按真实文件转录后以不同"
                   f"版式重新排印的样本。 ({len(fx)} labelled documents: {real} real, {len(fx) - real} re-typeset.)")
        bad = o["values_labelled"] - o["values_correct"]
        out.append(f"决算表：{o['tables']} 张表找到 {o['tables_found']} 张；{o['values_labelled']} 个数值"
                   + ("全部读对。" if not bad else f"读错或漏读 {bad} 个，其中串行串列 {o['values_misplaced']} 个，"
                      f"空白处多出数值 {o['values_phantom']} 个。"))
        if o["claims_gold"]:
            miss = o["claims_gold"] - round(o["claims_recall"] * o["claims_gold"])
            extra = o["claims_predicted"] - round(o["claims_precision"] * o["claims_predicted"])
            out.append(f"情况说明中的数字：标注 {o['claims_gold']} 处，漏取 {miss} 处，误取 {extra} 处；"
                       f"取到的数字读对 {pct(o['claims_value_accuracy'])}。")
        fs = o.get("forms") or {}
        if fs.get("forms"):
            k, n = form_fields(fs)
            out.append(f"自评表与评分表：{fs['forms']} 张找到 {fs['forms_found']} 张，{n} 个字段读对 {pct(k / n if n else 1)}；"
                       f"报告章节 {fs['sections']} 节找到 {fs['sections_found']} 节，找到的章节中正文完全一致的占 "
                       f"{pct(fs['section_text_accuracy'])}。")
    out += _rule_words(report)
    skipped = [f["fixture"] for f in report.get("fixtures", []) if f.get("skipped")]
    if skipped:
        out.append(f"未评（缺 PDF）(skipped, no PDF)：{'、'.join(skipped)}。")
    if errors:
        out.append(f"共发现 {len(errors)} 处差错 (errors)，下文列出最需要注意的 {min(len(errors), WORST)} 处，并附页面截图。")
    elif fx:
        out.append("没有发现差错 (no errors found)。")
    return out


def _rule_words(report: Mapping[str, Any]) -> list[str]:
    out, kinds = [], report.get("kinds") or {}
    if "exact" in kinds:
        out.append(f"文档类型：{kinds['documents']} 份中 {kinds['exact']} 份识别完全正确，其余见混淆矩阵。")
    for what, s in [("核查规则", (report.get("findings") or {}).get("all"))] + [
            ("往年报告雷同规则", b["overall"]) for b in report.get("boilerplate") or []]:
        if s:
            exp, tp = s.get("expected", s.get("labelled", 0)), s["tp"]
            out.append(f"{what}：标注中应报 {exp} 个问题，程序报对 {tp} 个；漏报 {s['fn']} 个，误报 {s['fp']} 个。")
    return out


def _rate_cell(s: Mapping[str, Any], key: str, count: str) -> str:
    """A rate, with the count it was taken over when the report gives one; "—" when nothing was counted."""
    v, n = s.get(key), s.get(count) if count else None
    if not isinstance(v, int | float) or n == 0:
        return '<td class="num">—</td>'
    tail = f' <span class="en">/ {n}</span>' if isinstance(n, int) else ""
    return f'<td class="num{" bad" if v < 1 else ""}">{pct(v)}{tail}</td>'


def _table(title: str, key: str, rows: Mapping[str, Mapping[str, Any]], cols: Sequence[tuple[str, str, str]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for _, _, c in cols)
    body = "".join(f"<tr><td>{escape(FAMILY_NAMES.get(name, EXTRACTORS.get(name, name)))}</td>" + "".join(
        f'<td class="num">{s.get(k, "—")}</td>' if k == "fixtures" else _rate_cell(s, k, n) for k, n, _ in cols)
        + "</tr>" for name, s in sorted(rows.items(), key=lambda x: _family_order(x[0])))
    return f"<h3>{title}</h3><table class='fit'><tr><th>{escape(key)}</th>{head}</tr>{body}</table>"


def _family_order(name: str) -> tuple[int, str]:
    order = list(FAMILY_NAMES)
    return (order.index(name) if name in order else len(order), name)


FAMILY_NAMES = {"real": "真实文件 (real)", "printed": "印刷版式 (printed)", "a3": "A3 横排 (a3)",
                "original": "原版式 (original)", "alt": "改排版式 (alt)", "yuan": "以元为单位 (yuan)",
                "wanyuan": "以万元为单位 (wanyuan)"}
FAMILY_COLS = [("fixtures", "", "文档数 (documents)"), ("value_accuracy", "values", "决算表数值 (table values)"),
               ("claims_recall", "claims", "说明数字召回 (claims found)"),
               ("form_numeric_accuracy", "form_fields", "自评表数值 (form numbers)"),
               ("form_text_accuracy", "form_fields", "自评表文字 (form text)"),
               ("findings_recall", "", "规则发现召回 (findings recall)"),
               ("findings_precision", "", "规则发现精确率 (findings precision)")]


def _fixtures(report: Mapping[str, Any]) -> str:
    if not report.get("fixtures"):
        return ""
    out = [_h2("fixtures", "各文档准确率", "accuracy per document"), fixture_chart(report)]
    for key, zh, en, name in (("by_family", "按版式", "by layout family", "版式 (layout)"),
                              ("by_extractor", "按抽取方式", "by extractor", "抽取方式 (extractor)")):
        rows = report.get(key)
        if isinstance(rows, Mapping) and rows:
            cols = [c for c in FAMILY_COLS if any(c[0] in s for s in rows.values())]
            out.append(_table(f"{zh} <span class='en'>({en})</span>", name, rows, cols))
    return "".join(out)


def _fields(report: Mapping[str, Any]) -> str:
    if not (report.get("fields") or report.get("fixtures")):
        return ""
    return _h2("fields", "各字段准确率", "accuracy per field") + field_chart(report)


def _kinds(report: Mapping[str, Any]) -> str:
    counts = kind_counts(report)
    if not counts:
        return ""
    acc = (report.get("kinds") or {}).get("accuracy")
    note = f"<p class='note'>识别正确率 (accuracy)：{pct(acc)}。" if acc is not None else "<p class='note'>"
    note += "行为人工标注的类型，列为程序识别的类型；对角线（绿）为一致，其余（红）为认错、漏认或多认。</p>"
    return _h2("kinds", "文档类型混淆矩阵", "document kinds: confusion") + note + kind_chart(counts)


def _findings(report: Mapping[str, Any], titles: Mapping[str, str], shown: Mapping[tuple[str, int], int]) -> str:
    f = report.get("findings")
    if not isinstance(f, Mapping):
        return ""
    scope = "、".join(SEVERITY_NAMES.get(s, s) for s in f.get("scope") or [])
    out = [_h2("findings", "核查规则的发现", "findings per rule"),
           f"<p class='note'>计分范围 (scored)：{escape(scope or '全部')}级别的发现，与标注中应报的问题逐一比对。</p>",
           findings_chart(f, titles)]
    misses = [(m.get("fixture", ""), m.get("rule", ""), m.get("page"), m.get("note", "")) for m in f.get("misses") or []]
    alarms = [(a.get("fixture", ""), a.get("rule", ""), a.get("page"),
               f"{SEVERITY_NAMES.get(a.get('severity', ''), a.get('severity', ''))} {a.get('message', '')}")
              for a in f.get("false_alarms") or []]
    out.append(_list_table("漏报 (missed findings)", misses, shown))
    out.append(_list_table("误报 (false alarms)", alarms, shown))
    return "".join(out)


def _page_link(fixture: str, page: Any, shown: Mapping[tuple[str, int], int]) -> str:
    """The page number, linked to its render when the report embeds one."""
    if page is None:
        return ""
    k = shown.get((fixture, page))
    return f'<a href="#page-{k}">{page} ↓</a>' if k else str(page)


def _list_table(title: str, rows: Sequence[tuple[str, str, Any, str]],
                shown: Mapping[tuple[str, int], int] | None = None, limit: int = 15) -> str:
    if not rows:
        return f"<p class='note'>{title}：无 (none)。</p>"
    body = "".join(f"<tr><td>{escape(str(fx))}</td><td>{escape(str(rule))}</td><td class='num'>"
                   f"{_page_link(fx, page, shown or {})}</td><td class='wrap'>{escape(str(text))}</td></tr>"
                   for fx, rule, page, text in rows[:limit])
    more = f"<p class='note'>另有 {len(rows) - limit} 条未列出 (more not listed)。</p>" if len(rows) > limit else ""
    return (f"<h3>{title} · {len(rows)}</h3><table class='fit'><tr><th>文档 (document)</th><th>规则 (rule)</th>"
            f"<th>页 (page)</th><th>说明 (note)</th></tr>{body}</table>{more}")


def _boilerplate(report: Mapping[str, Any], titles: Mapping[str, str]) -> str:
    bps = report.get("boilerplate") or []
    if not bps:
        return ""
    out = [_h2("bp", "往年报告雷同规则", "boilerplate rules BP-001..004 on past reports")]
    for b in bps:
        out.append(f"<p class='note'>语料 (corpus) <code>{escape(str(b['corpus']))}</code>：{b['documents']} 份报告，"
                   f"规则共报出 {b['findings']} 条 (findings raised)。</p>")
        out.append(bp_chart(b, titles))
        out.append(_list_table("漏报 (missed)", [("", str(m), None, "") for m in b.get("misses") or []]))
        out.append(_list_table("误报 (false alarms)", [("", str(m), None, "") for m in b.get("false_alarms") or []]))
    return "".join(out)


def _errors(errors: Sequence[Error], worst: Sequence[Error]) -> str:
    out = [_h2("errors", "主要差错", f"the {len(worst)} worst errors")]
    if not errors:
        return out[0] + "<p class='note'>没有差错 (no errors)。</p>"
    chips = "".join(f"<span class='chip'>{escape(label)} × {n}</span>"
                    for label, n in Counter(e.label for e in errors).most_common())
    out.append(f"<p class='note'>全部 {len(errors)} 处，按严重程度排序（串行串列、数值错误在前）：</p><div>{chips}</div>")
    rows = []
    for i, e in enumerate(worst, 1):
        page, where = ("—" if not e.page else f"第 {e.page} 页"), LOCATED.get(e.located, "")
        if e.render is not None:
            page = f'<a href="#page-{e.render + 1}">{page} ↓</a>'
        elif e.page:
            where = "未附截图 (not rendered)"
        rows.append(f'<tr id="err-{i}"><td class="num">{i}</td><td>{escape(e.label)}</td><td>{escape(e.fixture)}</td>'
                    f'<td class="wrap" title="{escape(e.record)}">{escape(_clip(e.record))}</td>'
                    f'<td class="wrap">{escape(e.field)}</td><td class="wrap">{escape(_clip(e.expected))}</td>'
                    f'<td class="wrap bad">{escape(_clip(e.found))}</td><td class="nw">{page}<br><span class="en">{where}'
                    "</span></td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("#", "差错类型 (kind)", "文档 (document)", "表格/章节 (record)",
                                              "字段 (field)", "应为 (expected)", "实际 (found)", "页面 (page)"))
    return "".join(out) + f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _clip(s: str, n: int = 80) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def _renders(renders: Sequence[tuple[str, int, bytes]], worst: Sequence[Error], pdfs: Mapping[str, Path]) -> str:
    if not renders:
        return ""
    figs = []
    for k, (name, page, png) in enumerate(renders):
        w, h = _png_size(png)
        refs = " ".join(f'<a href="#err-{i}">#{i}</a>' for i, e in enumerate(worst, 1) if e.render == k)
        figs.append(f'<figure id="page-{k + 1}"{" class=wide" if w > h else ""}><figcaption><b>图 {k + 1}</b> '
                    f"{escape(name)} · 第 {page} 页 (page {page}) · <code>{escape(str(pdfs.get(name, '')))}</code>"
                    f" · 差错 (errors) {refs}</figcaption><img alt='{escape(name)} 第 {page} 页' width='{w}' "
                    f"height='{h}' src='data:image/png;base64,{base64.b64encode(png).decode()}'></figure>")
    note = ("<p class='note'>差错所在页面，红框为数值、表格差错的位置，橙框为漏取或文字不符的位置；点击差错编号回到上表。"
            "截图以 PDF 原页渲染，路径与页码见每图标题。</p>")
    return _h2("pages", "页面截图", "page renders") + note + f"<div class='renders'>{''.join(figs)}</div>"


def _howto() -> str:
    items = [
        "准确率 (accuracy)：人工标注的数值或字段中，程序读得完全一致的比例。数值须逐位相同且单位正确；"
        "文字去掉空白后逐字比较。",
        "精确率 (precision)：程序报出的问题中，确属问题的比例——低则误报多，浪费复核时间。",
        "召回率 (recall)：应当发现的问题中，程序确实发现的比例——低则漏报多，问题可能被放过。",
        "图中低于 100% 的数字以红色显示；条形旁的 “k/n” 是其背后的计数，样本少时请看计数而非百分比；"
        "“—” 表示没有可计数的内容（例如该类文档没有这类数据）。",
        "页面截图上的框：由抽取程序记录的位置画出；标“检索定位 (by search)”的，是按差错文字在该页检索到的位置。",
        "“串行串列”指数值读到了另一行或另一列，对审计最危险，排在差错表最前；“多出数值”指标注为空白处读出了数。",
        "标注 (gold)：人工逐项核对的正确答案，说明见仓库 eval/README.md 与各样本的 NOTES.md。",
    ]
    return (f'<footer id="howto"><b>阅读说明 (how to read this)</b><ul class="plain">'
            f'{"".join(f"<li>{escape(i)}</li>" for i in items)}</ul></footer>')
