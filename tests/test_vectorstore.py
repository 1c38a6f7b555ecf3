"""vectorstore: the hashing and OpenAI-style embeddings, and the ChromaDB corpus against a real PersistentClient and
a real `chroma run` server on loopback."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from budgetlens.settings import Settings
from extraction.errors import (
    ConfigError,
    CorpusError,
    CorpusUnavailableError,
    EmbeddingError,
    EmbeddingMismatchError,
    EmbeddingUnavailableError,
)
from extraction.passages import Passage, passages
from extraction.records import ExtractionResult, ProjectSelfEvaluation
from tests.chroma_support import ChromaServer, EmbeddingsServer, free_port, openai_reply
from vectorstore.corpus import Corpus, open_corpus, parse_chroma_url
from vectorstore.embedding import HashingEmbedding, OpenAIEmbedding, make_embedding

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "eval" / "fixtures"

GOAL = ("2024年度，我单位严格按照《中华人民共和国预算法》要求，加强项目资金管理，确保专款专用。全年共完成"
        "政务信息报送1250条，组织召开各类会议86次，办理群众来信来访320件，群众满意度达到95%以上。")
GOAL_COPY = ("2023年度，我单位严格按照《中华人民共和国预算法》要求，加强项目资金管理，确保专款专用。全年共完成"
             "政务信息报送980条，组织召开各类会议72次，办理群众来信来访415件，群众满意度达到98%以上。")
GOAL_EDITED = ("2023年度，本部门严格按照《中华人民共和国预算法》要求，强化项目资金管理，确保专款专用。全年共完成"
               "政务信息报送980条，组织召开专题会议72次，办理群众来信来访415件，群众满意度达到98%以上。")
UNRELATED = ("为改善农村人居环境，县农业农村局实施高标准农田建设项目，新建灌溉渠道12公里，修建田间道路8公里，"
             "项目区粮食产能提高约10%，受益农户3000余户，有效带动了当地农民增收。")


def _result(fixture: str, doc_id: str) -> ExtractionResult:
    r = ExtractionResult.model_validate_json((FIXTURES / fixture).read_text(encoding="utf-8"))
    return r.model_copy(update={"document": r.document.model_copy(update={"id": doc_id, "file_name": f"{doc_id}.pdf"})})


@pytest.fixture(scope="module")
def seed000() -> ExtractionResult:
    return _result("seed000_se/expected-original.json", "doc-a")


@pytest.fixture(scope="module")
def seed002() -> ExtractionResult:
    return _result("seed002_se/expected-original.json", "doc-b")


# -- the hashing embedding --------------------------------------------------------------------------------------


def _cos(e: HashingEmbedding, a: str, b: str) -> float:
    va, vb = e.embed([a, b])
    return float(va @ vb)


_PROBE = ["部门整体支出绩效自评", GOAL, UNRELATED, "5", ""]
_PROBE_CODE = ("import sys, hashlib; sys.path.insert(0, '.'); from vectorstore.embedding import HashingEmbedding; "
               f"v = HashingEmbedding(1024).embed({_PROBE!r}); print(hashlib.sha256(v.round(5).tobytes()).hexdigest())")


def test_hashing_is_the_same_in_every_process() -> None:
    """A corpus built by one process is searched by another: the hash must not depend on PYTHONHASHSEED."""
    v = HashingEmbedding(1024).embed(_PROBE)
    here = hashlib.sha256(v.round(5).tobytes()).hexdigest()
    for seed in ("1", "4242"):
        out = subprocess.run([sys.executable, "-c", _PROBE_CODE], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, check=True, timeout=120)
        assert out.stdout.strip() == here


def test_hashing_v1_is_pinned() -> None:
    """The buckets and signs of hashing-ngram-v1 never change silently (a change needs a new version: old corpora
    would no longer match)."""
    v = HashingEmbedding(1024).embed(["部门整体支出绩效自评"])[0]
    assert HashingEmbedding(1024).signature == "hashing-ngram-v1-1024"
    assert np.flatnonzero(v).size == 17  # 9 two-grams + 8 three-grams, no collision
    pattern = np.sign(v).astype(np.int8).tobytes()
    assert hashlib.sha256(pattern).hexdigest()[:16] == "cc60ac4265945fbe"


def test_hashing_vectors_are_unit_float32_and_ignore_numbers_and_punctuation() -> None:
    e = HashingEmbedding(256)
    m = e.embed(["资金到位率100%，执行率98.5%。", "资金到位率 0% 执行率 7%", "", "！！"])
    assert m.dtype == np.float32 and m.shape == (4, 256)
    assert np.allclose(np.linalg.norm(m[:2], axis=1), 1.0, atol=1e-6)
    assert np.array_equal(m[0], m[1])  # same words, other figures and spacing: the same key
    assert not m[2].any() and not m[3].any()  # nothing comparable: the zero vector, not NaN
    assert np.linalg.norm(e.embed(["5"])[0]) == pytest.approx(1.0)  # a one-character key still has a 1-gram


def test_near_duplicates_score_higher_than_unrelated_text() -> None:
    e = HashingEmbedding(1024)
    copied = _cos(e, GOAL, GOAL_COPY)  # other year and figures only
    edited = _cos(e, GOAL, GOAL_EDITED)  # and a few words changed
    half = _cos(e, GOAL[:60], GOAL)  # a part of it
    unrelated = _cos(e, GOAL, UNRELATED)
    assert copied == pytest.approx(1.0, abs=1e-6)
    assert edited > 0.8 and half > 0.6
    assert unrelated < 0.3 and edited - unrelated > 0.5


def test_hashing_follows_chromas_embedding_function_protocol(tmp_path: Path) -> None:
    """Usable as a Chroma embedding function (query_texts), never falling back to Chroma's downloaded model."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    e = HashingEmbedding(128)
    assert HashingEmbedding.name() == "budgetlens-hashing" and e.default_space() == "cosine"
    assert HashingEmbedding.build_from_config(e.get_config()).signature == e.signature
    client = chromadb.PersistentClient(path=str(tmp_path), settings=ChromaSettings(anonymized_telemetry=False))
    # chroma's stubs type an embedding function of texts as one of any Embeddable (its own ones too)
    col = client.create_collection("probe", embedding_function=e,  # type: ignore[arg-type]
                                   configuration={"hnsw": {"space": "cosine"}})
    col.add(ids=["a", "b"], documents=[GOAL, UNRELATED])
    got = col.query(query_texts=[GOAL_EDITED], n_results=1)
    assert got["ids"] == [["a"]]
    again = chromadb.PersistentClient(path=str(tmp_path), settings=ChromaSettings(anonymized_telemetry=False))
    assert again.get_collection("probe").query(query_texts=[UNRELATED], n_results=1)["ids"] == [["b"]]


def test_make_embedding_from_settings() -> None:
    assert make_embedding(Settings(embedding_dim=512)).signature == "hashing-ngram-v1-512"
    with pytest.raises(ConfigError, match="BUDGETLENS_EMBEDDING_BASE_URL"):
        make_embedding(Settings(embedding="openai"))
    e = make_embedding(Settings(embedding="openai", embedding_base_url="http://127.0.0.1:9/v1/",
                                embedding_model="bge-m3"))
    assert isinstance(e, OpenAIEmbedding) and e.signature == "openai:bge-m3" and e.base_url.endswith("/v1")
    with pytest.raises(ConfigError):
        HashingEmbedding(3)


# -- the OpenAI-style embedding against a real local server ----------------------------------------------------


def _hashing_vectors(texts: list[str]) -> list[list[float]]:
    return HashingEmbedding(64).embed(texts).tolist()


def test_openai_embedding_batches_sorts_and_authenticates() -> None:
    with EmbeddingsServer(openai_reply(_hashing_vectors)) as srv:
        e = OpenAIEmbedding(srv.base_url, "bge-m3", api_key="sk-test", batch_size=2)
        texts = [GOAL, UNRELATED, GOAL_COPY, "资金管理", "项目"]
        m = e.embed(texts)
        assert m.shape == (5, 64) and m.dtype == np.float32 and e.dim == 64
        assert np.allclose(m, HashingEmbedding(64).embed(texts), atol=1e-6)  # order restored from "index"
        assert [len(r["body"]["input"]) for r in srv.requests] == [2, 2, 1]
        assert all(r["body"]["model"] == "bge-m3" for r in srv.requests)
        assert srv.requests[0]["headers"]["Authorization"] == "Bearer sk-test"
        assert len(e([GOAL])) == 1  # the Chroma protocol call
        assert OpenAIEmbedding.build_from_config(e.get_config()).base_url == srv.base_url
        assert "sk-test" not in json.dumps(e.get_config())


def test_openai_embedding_errors_tell_what_to_do() -> None:
    port = free_port()  # bound then released: nothing listens there
    with pytest.raises(EmbeddingUnavailableError, match=rf"127\.0\.0\.1:{port}/v1/embeddings.*BUDGETLENS_EMBEDDING"):
        OpenAIEmbedding(f"http://127.0.0.1:{port}/v1", "bge-m3", timeout=5).embed(["x"])
    cases: list[tuple[Callable[[dict], tuple[int, str]], str]] = [
        (lambda b: (500, '{"error": "model not loaded"}'), "HTTP 500.*model not loaded"),
        (lambda b: (404, '{"error": "model bge-m3 not found"}'), "HTTP 404.*BUDGETLENS_EMBEDDING_MODEL"),
        (lambda b: (401, "{}"), "BUDGETLENS_EMBEDDING_API_KEY"),
        (lambda b: (200, "<html>hello</html>"), "not return OpenAI-style embeddings.*/v1"),
        (lambda b: (200, '{"data": [{"index": 0, "embedding": [0.1, 0.2]}]}'), "1, 2.*for 2 texts"),
        (lambda b: (200, '{"data": [{"index": 0, "embedding": []}, {"index": 1, "embedding": []}]}'), "for 2 texts"),
    ]
    with EmbeddingsServer(cases[0][0]) as srv:
        for reply, message in cases:
            srv.reply = reply
            with pytest.raises(EmbeddingError, match=message):
                OpenAIEmbedding(srv.base_url, "bge-m3", timeout=5).embed(["a", "b"])


# -- the corpus, on disk and on a server -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A real `chroma run` on loopback for the whole session. A missing binary fails (make venv installs it)."""
    base = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(base / "db", base / "chroma.log")
    try:
        server.start()
    except RuntimeError as e:
        pytest.fail(str(e))
    yield server
    server.stop()


@pytest.fixture(params=["persistent", "server"])
def make_corpus(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., Corpus]:
    """open_corpus on a fresh corpus: a PersistentClient directory, or a fresh collection on the session's server."""
    if request.param == "server":
        url = request.getfixturevalue("chroma_server").url
        settings = Settings(chroma_url=url, corpus_collection=f"t-{uuid.uuid4().hex[:12]}")
    else:
        settings = Settings(corpus_dir=tmp_path / "corpus")

    def make(emb: HashingEmbedding | OpenAIEmbedding | None = None, **changes: object) -> Corpus:
        return open_corpus(settings.model_copy(update=changes), emb)

    return make


def test_index_and_search_roundtrip_keeps_metadata_and_bbox(make_corpus: Callable[..., Corpus],
                                                            seed000: ExtractionResult) -> None:
    corpus = make_corpus()
    hnsw = corpus._passages.configuration_json["hnsw"]
    assert (hnsw["space"], hnsw["max_neighbors"], hnsw["ef_construction"]) == ("cosine", 32, 200)
    expected = passages(seed000)
    assert corpus.index(seed000) == len(expected) == corpus.passage_count()
    assert corpus.document_count() == 1
    probes = [p for p in expected if p.bbox is not None][:3] + [next(p for p in expected if p.kind == "indicator_set")]
    hits = corpus.search([p.text for p in probes], k=3)
    for p, found in zip(probes, hits, strict=True):
        assert found[0].passage == p  # every field back: provenance, page, bbox, kind, text
        assert found[0].similarity == pytest.approx(1.0, abs=1e-4)
        assert [h.similarity for h in found] == sorted((h.similarity for h in found), reverse=True)
    [doc] = corpus.documents()
    assert (doc.id, doc.file_name, doc.department, doc.fiscal_year, doc.passages) == (
        "doc-a", "doc-a.pdf", "昆明市西山区人民政府办公室", 2024, len(expected))


def test_search_filters_by_kind_and_excludes_the_document(make_corpus: Callable[..., Corpus],
                                                          seed000: ExtractionResult) -> None:
    corpus = make_corpus()
    copy = seed000.model_copy(update={"document": seed000.document.model_copy(update={"id": "doc-copy"})})
    corpus.index(seed000)
    corpus.index(copy)
    goal = next(p for p in passages(seed000) if p.kind == "goal_text")
    [found] = corpus.search([goal.text], k=4)
    assert {h.passage.document_id for h in found[:2]} == {"doc-a", "doc-copy"}
    [found] = corpus.search([goal.text], k=4, exclude_document="doc-a")
    assert found and all(h.passage.document_id == "doc-copy" for h in found)
    assert found[0].passage.text == goal.text and found[0].passage.record == goal.record
    [found] = corpus.search([goal.text], k=20, kinds=["section", "indicator_set"], exclude_document="doc-copy")
    assert found and {h.passage.kind for h in found} <= {"section", "indicator_set"}
    assert all(h.passage.document_id == "doc-a" for h in found)
    assert corpus.search([goal.text], kinds=["paragraph"]) == [[]]  # no paragraph passages in seed000


@pytest.mark.parametrize("overfetch", [1, 3])
def test_filtered_search_equals_exact_search(make_corpus: Callable[..., Corpus], seed000: ExtractionResult,
                                             seed002: ExtractionResult, overfetch: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Over-fetching and filtering in Python, or asking Chroma again with the filter, gives what an exhaustive
    search over the filtered passages gives (overfetch 1 forces the second query)."""
    import vectorstore.corpus

    monkeypatch.setattr(vectorstore.corpus, "OVERFETCH", overfetch)
    corpus = make_corpus()
    corpus.index_many([seed000, seed002])
    everything = passages(seed000) + passages(seed002)
    matrix = corpus.embedding.embed([p.text for p in everything])
    queries = [GOAL, UNRELATED, everything[3].text, everything[60].text]
    for kinds, exclude in [(["deviation_note"], None), (["section", "indicator_set"], "doc-a"), (None, "doc-b"),
                           (["goal_text", "result_text"], "doc-a")]:
        found = corpus.search(queries, k=5, kinds=kinds, exclude_document=exclude)
        keep = np.array([(kinds is None or p.kind in kinds) and p.document_id != exclude for p in everything])
        for q, hits in zip(corpus.embedding.embed(queries), found, strict=True):
            exact = np.sort(np.clip((matrix @ q)[keep], 0, 1))[::-1][:5]
            assert [h.similarity for h in hits] == pytest.approx(list(exact), abs=1e-4)
            assert all((kinds is None or h.passage.kind in kinds) and h.passage.document_id != exclude for h in hits)


def test_index_many_groups_documents(make_corpus: Callable[..., Corpus], seed000: ExtractionResult,
                                     seed002: ExtractionResult) -> None:
    corpus = make_corpus()
    copy = seed000.model_copy(update={"document": seed000.document.model_copy(update={"id": "doc-copy"})})
    n = corpus.index_many([seed000, seed002, copy], group=30)
    assert n == corpus.passage_count() == 2 * len(passages(seed000)) + len(passages(seed002))
    assert sorted((d.id, d.passages) for d in corpus.documents()) == [
        ("doc-a", len(passages(seed000))), ("doc-b", len(passages(seed002))), ("doc-copy", len(passages(seed000)))]
    shorter = copy.model_copy(update={"records": copy.records[:5]})
    corpus.index_many([copy, shorter, seed002, seed002], group=1000)  # given twice: the last one counts
    assert corpus.passage_count() == len(passages(seed000)) + len(passages(seed002)) + len(passages(shorter))
    assert corpus.document_count() == 3


def test_search_edge_cases(make_corpus: Callable[..., Corpus], seed000: ExtractionResult) -> None:
    corpus = make_corpus()
    assert corpus.search([GOAL], k=5) == [[]]  # empty corpus
    assert corpus.document_count() == 0 and corpus.passage_count() == 0 and corpus.documents() == []
    corpus.index(seed000)
    assert corpus.search([]) == []
    many = corpus.search([GOAL, "。。。", UNRELATED], k=1000)  # more than the corpus holds
    assert len(many[0]) == corpus.passage_count() and many[1] == [] and len(many[2]) == corpus.passage_count()
    assert corpus.search([GOAL], k=0) == [[]]
    assert corpus.search([GOAL], kinds=[]) == [[]]  # no kind wanted, nothing found


def test_reindex_is_idempotent_and_leaves_nothing_stale(make_corpus: Callable[..., Corpus],
                                                        seed000: ExtractionResult) -> None:
    corpus = make_corpus()
    n = corpus.index(seed000)
    assert corpus.index(seed000) == n and corpus.passage_count() == n and corpus.document_count() == 1
    forms = [i for i, r in enumerate(seed000.records) if isinstance(r, ProjectSelfEvaluation) and r.goal_text]
    old = seed000.records[forms[0]].goal_text  # type: ignore[union-attr]
    assert old
    records = list(seed000.records)
    records[forms[0]] = records[forms[0]].model_copy(update={"goal_text": UNRELATED})
    del records[forms[1]]  # a form that is gone: its passages must go too
    changed = seed000.model_copy(update={"records": records})
    m = corpus.index(changed)
    assert m == len(passages(changed)) < n and corpus.passage_count() == m and corpus.document_count() == 1
    [[top]] = corpus.search([UNRELATED], k=1)
    assert top.passage.text == UNRELATED and top.similarity > 0.99
    assert all(h.passage.text != old for h in corpus.search([old], k=5)[0])


def test_remove_drops_the_document_and_its_passages(make_corpus: Callable[..., Corpus], seed000: ExtractionResult,
                                                    seed002: ExtractionResult) -> None:
    corpus = make_corpus()
    n = corpus.index(seed000)
    m = corpus.index(seed002)
    assert corpus.document_count() == 2 and [d.id for d in corpus.documents()] == ["doc-a", "doc-b"]
    assert corpus.remove("doc-a") == n
    assert corpus.remove("doc-a") == 0  # nothing left to remove
    assert corpus.document_count() == 1 and corpus.passage_count() == m
    assert [d.id for d in corpus.documents()] == ["doc-b"]
    texts = [p.text for p in passages(seed000)[:5]]
    assert all(h.passage.document_id == "doc-b" for found in corpus.search(texts, k=5) for h in found)


def test_batches_respect_the_chroma_limit(make_corpus: Callable[..., Corpus], seed000: ExtractionResult) -> None:
    corpus = make_corpus()
    corpus._batch = 7  # far below the real limit (thousands): every write, delete and query goes in pieces
    expected = passages(seed000)
    assert corpus.index(seed000) == len(expected) > 7
    found = corpus.search([p.text for p in expected], k=1)
    assert [f[0].passage.text for f in found] == [p.text for p in expected]  # some forms repeat goal as result
    assert corpus.remove("doc-a") == len(expected) and corpus.passage_count() == 0


def test_index_passages_directly(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus()
    ps = [Passage(id=f"p{i}", document_id="d", kind="paragraph", text=t, bbox=(1.5, 2.25, 3.0, 4.0) if i else None)
          for i, t in enumerate([GOAL, UNRELATED])]
    assert corpus.index_passages(ps) == 2
    assert [f[0].passage for f in corpus.search([GOAL_EDITED, UNRELATED], k=1)] == ps


def test_reopening_with_another_embedding_is_refused(make_corpus: Callable[..., Corpus],
                                                     seed000: ExtractionResult) -> None:
    make_corpus(HashingEmbedding(1024)).index(seed000)
    assert make_corpus(HashingEmbedding(1024)).passage_count() > 0  # the same embedding reopens it
    mismatch = r"hashing-ngram-v1-1024.*hashing-ngram-v1-512.*BUDGETLENS_EMBEDDING"
    with pytest.raises(EmbeddingMismatchError, match=mismatch):
        make_corpus(HashingEmbedding(512))
    with pytest.raises(EmbeddingMismatchError, match="openai:bge-m3"):
        make_corpus(OpenAIEmbedding("http://127.0.0.1:9/v1", "bge-m3"))


def test_a_foreign_collection_is_not_taken_for_a_corpus(tmp_path: Path) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(tmp_path / "c"), settings=ChromaSettings(anonymized_telemetry=False))
    client.create_collection("notes", embedding_function=None)
    with pytest.raises(CorpusError, match="not a budgetlens corpus.*BUDGETLENS_CORPUS_COLLECTION"):
        open_corpus(Settings(corpus_dir=tmp_path / "c", corpus_collection="notes"))


def test_corpus_with_the_openai_embedding(make_corpus: Callable[..., Corpus], seed000: ExtractionResult) -> None:
    with EmbeddingsServer(openai_reply(_hashing_vectors)) as srv:
        corpus = make_corpus(embedding="openai", embedding_base_url=srv.base_url)
        n = corpus.index(seed000)
        goal = next(p for p in passages(seed000) if p.kind == "goal_text")
        [[top]] = corpus.search([goal.text], k=1)
        assert top.passage == goal and corpus.passage_count() == n
    with pytest.raises(EmbeddingUnavailableError, match="cannot reach the embeddings endpoint"):
        corpus.search([goal.text])


def test_default_corpus_lives_in_the_data_dir(seed000: ExtractionResult) -> None:
    settings = Settings()
    corpus = open_corpus(settings)
    corpus.index(seed000)
    assert corpus.where == str(settings.corpus_path()) and (settings.corpus_path() / "chroma.sqlite3").exists()
    assert open_corpus(Settings()).document_count() == 1


# -- unreachable servers ---------------------------------------------------------------------------------------


def test_unreachable_server_names_the_url_and_what_to_do() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CorpusUnavailableError, match=rf"{url}.*chroma run.*BUDGETLENS_CHROMA_URL"):
        open_corpus(Settings(chroma_url=url))


def test_server_going_away_mid_session(tmp_path: Path, seed000: ExtractionResult) -> None:
    server = ChromaServer(tmp_path / "db", tmp_path / "chroma.log").start()
    try:
        corpus = open_corpus(Settings(chroma_url=server.url))
        corpus.index(seed000)
    finally:
        server.stop()
    with pytest.raises(CorpusUnavailableError, match=server.url.replace(".", r"\.")):
        corpus.search([GOAL])


def test_chroma_url_parsing() -> None:
    assert parse_chroma_url("http://127.0.0.1:8000") == ("127.0.0.1", 8000, False)
    assert parse_chroma_url("https://chroma.example.org/") == ("chroma.example.org", 443, True)
    assert parse_chroma_url("localhost:9000") == ("localhost", 9000, False)
    assert parse_chroma_url("http://[::1]") == ("::1", 8000, False)
    for bad in ("ftp://host:1", "http://host:8000/api/v2", "http://host:port", "http://"):
        with pytest.raises(ConfigError, match="BUDGETLENS_CHROMA_URL"):
            parse_chroma_url(bad)
