"""Corpus of past reports: index throughput and query latency at 10 000 and 100 000 passages (PersistentClient in a
temp dir, hashing embedding), and how they grow with the corpus.

Passages are synthetic but realistic: sentences of the seed reports (../shared/seeds, else the fixture records)
recombined 2–6 at a time with fresh figures, 50 passages a document, indexed document by document as
`Corpus.index` does (remove the old passages, upsert the new, list the document). Queries are copies of indexed
passages with other figures and a changed word (what the boilerplate rules look for), single text, k=10.

References measured in the same run: embedding time apart from Chroma's insert time; a brute-force numpy search
over the same vectors next to Chroma's HNSW query; recall@10 of the copy's source.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the brute-force reference: no thread spin on 2 shared cores

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import Row, add_out, figure, write_figures  # noqa: E402
from budgetlens.settings import Settings  # noqa: E402
from checks.corpus import Hit  # noqa: E402
from extraction.passages import PASSAGE_KINDS, Passage, PassageKind, passages  # noqa: E402
from extraction.records import Document, ExtractionResult  # noqa: E402
from vectorstore.corpus import Corpus, _where, open_corpus  # noqa: E402
from vectorstore.embedding import HashingEmbedding  # noqa: E402

PER_DOC = 50
QUERIES = 300
ONE_BY_ONE = 1000  # passages indexed one document to a write, after the bulk
_SENTENCE = re.compile(r"[^。；！？\n]{8,}[。；！？]?")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
# the kind groups the boilerplate rules query together (checks/boilerplate.py)
GROUPS: dict[PassageKind, int] = {"goal_text": 0, "result_text": 0, "deviation_note": 0, "paragraph": 0,
                                  "section": 1, "indicator_set": 2}
_DEPTS = ["昆明市西山区人民政府办公室", "昆明市五华区财政局", "曲靖市人民政府办公室", "寻甸回族彝族自治县人民政府办公室",
          "大同市人民政府办公室", "上海市普陀区财政局"]


def sentence_pool() -> list[str]:
    seeds = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
    texts = [f.read_text(encoding="utf-8") for f in seeds]
    if not texts:  # ../shared absent: the fixture records' passages
        for f in sorted((ROOT / "eval" / "fixtures").glob("*/expected*.json")):
            texts += [p.text for p in passages(ExtractionResult.model_validate_json(f.read_text(encoding="utf-8")))]
    pool = {m.group(0).strip() for t in texts for m in _SENTENCE.finditer(t)}
    return sorted(pool)


def _refigure(text: str, rng: random.Random) -> str:
    return _DIGITS.sub(lambda m: str(rng.randint(1, 9999)), text)


def synthetic(n: int, pool: list[str], rng: random.Random) -> list[tuple[Document, list[Passage]]]:
    docs = []
    for d in range(0, n, PER_DOC):
        dept = rng.choice(_DEPTS)
        doc = Document(id=f"doc{d // PER_DOC:06d}", file_name=f"{dept}{2020 + d % 5}年度.pdf", department=dept,
                       fiscal_year=2020 + d % 5)
        items = []
        for i in range(min(PER_DOC, n - d)):
            kind = rng.choice(PASSAGE_KINDS)
            group = GROUPS[kind]  # each kind group draws from its own share of the sentences, as in real reports
            part = pool[group::len(set(GROUPS.values()))]
            text = "".join(rng.sample(part, rng.randint(2, 6)))
            items.append(Passage(id=f"{doc.id}-{i:03d}", document_id=doc.id, file_name=doc.file_name,
                                 department=dept, fiscal_year=doc.fiscal_year, record=f"form[{i}]:项目{i}",
                                 kind=kind, path="goal_text", text=_refigure(text, rng),
                                 page=1 + i // 3, bbox=(56.0, 100.0 + i, 540.0, 160.0 + i)))
        docs.append((doc, items))
    return docs


class TimedEmbedding(HashingEmbedding):
    """The hashing embedding, counting the time spent embedding (to tell it apart from Chroma's own)."""

    def __init__(self, dim: int = 1024) -> None:
        super().__init__(dim)
        self.seconds = 0.0

    def embed(self, texts):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return super().embed(texts)
        finally:
            self.seconds += time.perf_counter() - t


def _copy_of(text: str, rng: random.Random) -> str:
    text = _refigure(text, rng)
    i = rng.randrange(len(text) - 2)
    return text[:i] + "加强" + text[i + 2:]


def run(size: int, pool: list[str], rng: random.Random) -> dict[str, float]:
    docs = synthetic(size, pool, rng)
    workdir = Path(tempfile.mkdtemp(prefix="budgetlens-bench-index-"))
    try:
        emb = TimedEmbedding()
        corpus = open_corpus(Settings(corpus_dir=workdir), emb)
        t = time.perf_counter()
        corpus.index_documents(docs)  # what `index_many` does: ~1000 passages to a Chroma write
        figures = {"size": size, "index_s": time.perf_counter() - t, "embed_s": emb.seconds}
        assert corpus.passage_count() == size and corpus.document_count() == len(docs)
        extra = synthetic(ONE_BY_ONE, pool, random.Random(-size))
        t = time.perf_counter()
        for doc, items in extra:  # one document to a write, as `index` does, into the full corpus
            corpus.index_document(doc.model_copy(update={"id": "x" + doc.id}),
                                  [p.model_copy(update={"id": "x" + p.id, "document_id": "x" + doc.id}) for p in items])
        figures["one_s"] = (time.perf_counter() - t) / ONE_BY_ONE
        for doc, _ in extra:  # out again: the queries below search exactly `size` passages
            corpus.remove("x" + doc.id)
        assert corpus.passage_count() == size
        figures["disk_mb"] = sum(f.stat().st_size for f in workdir.rglob("*") if f.is_file()) / 2**20
        figures["text_mb"] = sum(len(p.text.encode()) for _, items in docs for p in items) / 2**20
        figures.update(_queries(corpus, emb, [p for _, items in docs for p in items], rng))
        return figures
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class Clock:
    """Wall time of the calls made through it, one list per label."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def __call__(self, label: str, f: Callable[..., Any], *args: object, **kwargs: object) -> Any:
        t = time.perf_counter()
        out = f(*args, **kwargs)
        self.times.setdefault(label, []).append(time.perf_counter() - t)
        return out

    def p(self, label: str, q: float = 50) -> float:
        return float(np.percentile(self.times[label], q))


def _queries(corpus: Corpus, emb: HashingEmbedding, all_passages: list[Passage],
             rng: random.Random) -> dict[str, float]:
    sources = rng.sample(all_passages, QUERIES)
    queries = [_copy_of(p.text, rng) for p in sources]
    clock, other, top = Clock(), "doc000000", []
    corpus.refiltered = 0
    for p, q in zip(sources, queries, strict=True):
        [hits] = clock("plain", corpus.search, [q], k=10)
        top.append({h.passage.id for h in hits})
        kinds = [k for k, g in GROUPS.items() if g == GROUPS[p.kind]]  # the rules query a kind group
        clock("filtered", corpus.search, [q], k=10, kinds=kinds, exclude_document=other)
        out: list[list[Hit]] = [[]]  # reference: Chroma's own `where` filter alone (what the fallback asks)
        clock("where", corpus._query, emb.embed([q]), [0], 10, _where(kinds, other), out)
    refiltered = corpus.refiltered / QUERIES
    narrative = [q for p, q in zip(sources, queries, strict=True) if GROUPS[p.kind] == 0]
    for i in range(0, len(narrative), PER_DOC):  # the rules: one call for a document's passages of a kind group
        clock("batch", corpus.search, narrative[i:i + PER_DOC], k=10, kinds=[k for k, g in GROUPS.items() if g == 0],
              exclude_document=other)
    matrix = emb.embed([p.text for p in all_passages])  # the same vectors, searched exhaustively
    exact = []
    for q in queries:
        best = clock("brute", lambda q: np.argpartition(matrix @ emb.embed([q])[0], -10)[-10:], q)
        exact.append({all_passages[int(i)].id for i in best})
    return {"p50": clock.p("plain"), "p95": clock.p("plain", 95), "f50": clock.p("filtered"),
            "f95": clock.p("filtered", 95), "w50": clock.p("where"), "brute50": clock.p("brute"),
            "batch": sum(clock.times["batch"]) / len(narrative), "refiltered": refiltered,
            "recall": float(np.mean([p.id in t for p, t in zip(sources, top, strict=True)])),
            "exact": float(np.mean([p.id in t for p, t in zip(sources, exact, strict=True)])),
            "ann": float(np.mean([len(a & b) / 10 for a, b in zip(top, exact, strict=True)]))}


def _print_header(pool: int) -> None:
    print(f"{pool} seed sentences recombined; {PER_DOC} passages a document; hashing-ngram-v1-1024; "
          f"{QUERIES} single-text queries (copies with other figures and a changed word), k=10")
    print("index/s: documents in groups of ~1000 passages (index_many); embed/s and insert/s split that time; "
          f"1doc/write: ms per passage when {ONE_BY_ONE} more are indexed one document to a write (index)")
    print("filt: kinds of the query's group + exclude_document (over-fetch, then filter; refilt: share of texts "
          "asked again with Chroma's where); where: Chroma's where filter alone; batch: filtered, "
          f"{PER_DOC} texts a call, ms per text; brute: numpy over the same vectors")
    print("recall@10: the copy's source among Chroma's 10 hits; exact: among the brute-force 10 (the embedding's "
          "own limit); ann: share of the brute-force 10 that Chroma's HNSW returns")
    print(f"{'passages':>9} {'index/s':>8} {'embed/s':>8} {'insert/s':>8} {'embed%':>6} {'1doc ms':>7} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'filt p50':>8} {'filt p95':>8} {'where p50':>9} {'batch':>6} "
          f"{'brute':>6} {'p50/brute':>9} {'refilt':>6} {'recall@10':>9} {'exact':>5} {'ann':>5} {'disk MB':>7} "
          f"{'peak RSS MB':>11}")


def _print_row(f: dict[str, float]) -> None:
    size = f["size"]
    ms = {k: f[k] * 1e3 for k in ("p50", "p95", "f50", "f95", "w50", "batch", "brute50", "one_s")}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{size:>9} {size / f['index_s']:>8.0f} {size / f['embed_s']:>8.0f} "
          f"{size / (f['index_s'] - f['embed_s']):>8.0f} {100 * f['embed_s'] / f['index_s']:>5.0f}% "
          f"{ms['one_s']:>7.2f} {ms['p50']:>7.2f} {ms['p95']:>7.2f} {ms['f50']:>8.2f} {ms['f95']:>8.2f} "
          f"{ms['w50']:>9.2f} {ms['batch']:>6.2f} {ms['brute50']:>6.2f} {f['p50'] / f['brute50']:>9.2f} "
          f"{100 * f['refiltered']:>5.0f}% {f['recall']:>9.2f} {f['exact']:>5.2f} {f['ann']:>5.2f} "
          f"{f['disk_mb']:>7.0f} {rss:>11.0f}", flush=True)


def _figures(f: dict[str, float]) -> list[Row]:
    """One corpus size: each figure next to its reference of the same run."""
    g, size = f"{f['size']:.0f} passages", f["size"]
    ms = {k: f[k] * 1e3 for k in ("p50", "p95", "f50", "f95", "w50", "batch", "brute50", "one_s")}
    return [
        figure("index throughput (index_many)", size / f["index_s"], "passages/s", "embedding alone",
               size / f["embed_s"], group=g),
        figure("index one document a write", ms["one_s"], "ms/passage", "index_many",
               f["index_s"] * 1e3 / size, group=g),
        figure("query p50", ms["p50"], "ms", "brute-force numpy p50, same vectors", ms["brute50"], group=g),
        figure("query p95", ms["p95"], "ms", "query p50", ms["p50"], group=g),
        figure("filtered query p50", ms["f50"], "ms", "Chroma's where filter alone, p50", ms["w50"], group=g),
        figure("filtered query p95", ms["f95"], "ms", "filtered query p50", ms["f50"], group=g),
        figure(f"filtered batch of {PER_DOC}, per text", ms["batch"], "ms", "filtered single-text p50", ms["f50"],
               group=g),
        figure("texts asked again with Chroma's where", f["refiltered"], "×", group=g),
        figure("recall@10 of the copy's source", f["recall"], "×", "brute-force recall@10", f["exact"], group=g),
        figure("HNSW overlap with the brute-force top 10", f["ann"], "×", group=g),
        figure("disk", f["disk_mb"], "MB", "passage text (UTF-8)", f["text_mb"], group=g),
    ]


def _growth(a: dict[str, float], b: dict[str, float]) -> list[Row]:
    def grow(key: str) -> float:
        return b[key] / a[key]

    scale = b["size"] / a["size"]
    print(f"{b['size']}/{a['size']} (size x{scale:g}): per-passage index cost "
          f"x{grow('index_s') / scale:.2f} (one document a write x{grow('one_s'):.2f}); "
          f"query p50 x{grow('p50'):.2f}, filtered x{grow('f50'):.2f}, where x{grow('w50'):.2f}, "
          f"batch x{grow('batch'):.2f}; brute force x{grow('brute50'):.2f}")
    g, note = f"growth {a['size']:.0f} → {b['size']:.0f} passages", f"corpus ×{scale:g}"
    return [figure("per-passage index cost", grow("index_s") / scale, "×", group=g, note=note),
            figure("per-passage cost, one document a write", grow("one_s"), "×", group=g, note=note),
            figure("query p50", grow("p50"), "×", "brute-force p50 growth", grow("brute50"), group=g, note=note),
            figure("filtered query p50", grow("f50"), "×", "where-filter p50 growth", grow("w50"), group=g,
                   note=note),
            figure("filtered batch, per text", grow("batch"), "×", group=g, note=note)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="corpus sizes in passages, comma-separated")
    add_out(ap, "index")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pool = sentence_pool()
    _print_header(len(pool))
    rows, figures = [], []
    for size in sizes:
        f = run(size, pool, random.Random(size))
        rows.append(f)
        _print_row(f)
        figures += _figures(f)
    for a, b in zip(rows, rows[1:], strict=False):
        figures += _growth(a, b)
    write_figures(args.out, figures)


if __name__ == "__main__":
    main()
