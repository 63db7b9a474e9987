"""The ``endpoint`` embedder: a real OpenAI-compatible embeddings server (llama.cpp serving
SmolLM2-135M in embeddings mode) for the fit-on-first-use path and the cache; an
``httpx.MockTransport`` only for the failure modes and the circuit breaker; a closed port on
127.0.0.1 for a dead endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

pytest.importorskip("numpy")

from smart_spawn_plugin.engine.classify import endpoint as ep
from smart_spawn_plugin.engine.classify.classifier import Classifier
from smart_spawn_plugin.engine.classify.embedding import (
    EmbeddingHead,
    EmbeddingUnavailable,
    Head,
    heads_for,
)
from smart_spawn_plugin.engine.classify.endpoint import (
    BREAKER_S,
    FIT_RETRY_S,
    EndpointEmbedder,
    EndpointHead,
    cache_path,
    training_rows,
)
from smart_spawn_plugin.engine.classify.model import load_model
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.models import CATEGORIES
from smart_spawn_plugin.settings import load_settings
from tests.engines import free_port, llama

ALIAS = "smollm2-embed"
READY_WITHIN_S = 120.0
URL = "http://embed.test/v1"


@pytest.fixture(scope="module")
def embed_server() -> Iterator[str]:
    """llama.cpp's server in embeddings mode (mean pooling) on a free port; its /v1 URL."""
    with llama(ALIAS, embedding=True) as port:
        yield f"http://127.0.0.1:{port}/v1"


def _subset(per_category: int = 4) -> list[tuple[str, str]]:
    """A few shipped rows per category: a real fit through the slow one-thread server."""
    out: list[tuple[str, str]] = []
    for cat in CATEGORIES:
        out += [row for row in training_rows() if row[1] == cat][:per_category]
    return out


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _embedder(
    handler: Callable[[httpx.Request], httpx.Response],
    clock: Clock | None = None,
    api_key: str | None = None,
) -> tuple[EndpointEmbedder, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    transport = httpx.MockTransport(record)
    emb = EndpointEmbedder(URL, "m", api_key=api_key, transport=transport, clock=clock or Clock())
    return emb, seen


def _vectors(request: httpx.Request, dim: int = 4) -> httpx.Response:
    texts = json.loads(request.content)["input"]
    data = [
        {"index": i, "embedding": [float(len(t)), 1.0] + [0.5] * (dim - 2)}
        for i, t in enumerate(texts)
    ]
    return httpx.Response(200, json={"object": "list", "data": data[::-1]})  # any order


# --- the wire format -------------------------------------------------------------------------


def test_sends_openai_request_and_orders_by_index() -> None:
    emb, seen = _embedder(_vectors, api_key="sk-test")
    assert emb.embed_many(["a", "bbb"]) == [[1.0, 1.0, 0.5, 0.5], [3.0, 1.0, 0.5, 0.5]]
    (req,) = seen
    assert str(req.url) == f"{URL}/embeddings"
    assert req.headers["authorization"] == "Bearer sk-test"
    assert json.loads(req.content) == {"model": "m", "input": ["a", "bbb"]}
    assert emb.dim == 4 and not emb.broken


@pytest.mark.parametrize(
    ("handler", "cause"),
    [
        (
            lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)),
            "no answer within 2s",
        ),
        (lambda r: httpx.Response(500, text="boom"), "HTTP 500"),
        (lambda r: httpx.Response(200, text="not json"), "malformed response"),
        (lambda r: httpx.Response(200, json={"data": [{"index": 0}]}), "malformed response"),
        (
            lambda r: httpx.Response(200, json={"data": [{"index": 0, "embedding": "x1"}]}),
            "malformed",
        ),
        (lambda r: httpx.Response(200, json=[1, 2]), "malformed response"),
        (lambda r: httpx.Response(200, json={"data": []}), "got 0 vectors for 1 texts"),
        (lambda r: httpx.Response(200, json={"data": [{"index": 0, "embedding": []}]}), "vectors"),
    ],
)
def test_any_failure_is_unavailable_with_a_one_line_cause(
    handler: Callable[[httpx.Request], httpx.Response], cause: str
) -> None:
    emb, _ = _embedder(handler)
    with pytest.raises(EmbeddingUnavailable, match=cause) as info:
        emb.embed("hello")
    assert "\n" not in str(info.value)


def test_a_changed_dimension_is_a_failure() -> None:
    dims = iter([4, 5])
    emb, _ = _embedder(lambda r: _vectors(r, next(dims)))
    emb.embed("x")
    with pytest.raises(EmbeddingUnavailable, match="dimension changed from 4 to 5"):
        emb.embed("x")


def test_breaker_fails_fast_then_closes_on_the_first_success() -> None:
    clock = Clock()
    answers = iter([httpx.Response(503), httpx.Response(503)])
    emb, seen = _embedder(lambda r: next(answers, None) or _vectors(r), clock)
    with pytest.raises(EmbeddingUnavailable, match="HTTP 503"):
        emb.embed("x")
    for _ in range(5):  # open: no request is sent
        with pytest.raises(EmbeddingUnavailable, match=r"HTTP 503.*retry in 30s"):
            emb.embed("x")
    assert len(seen) == 1 and emb.broken
    clock.now += BREAKER_S  # half-open: one try, fails, opens again
    with pytest.raises(EmbeddingUnavailable, match="HTTP 503"):
        emb.embed("x")
    assert len(seen) == 2 and emb.broken
    clock.now += BREAKER_S
    assert emb.embed("x") == [1.0, 1.0, 0.5, 0.5]
    assert not emb.broken
    emb.embed("y")
    assert len(seen) == 4


@pytest.mark.parametrize(
    "url", ["ftp://host/v1", "localhost:8080/v1", "", "http:///v1", "http://127.0.0.1:99999/v1"]
)
def test_a_non_http_url_is_invalid_param(url: str) -> None:
    with pytest.raises(InvalidParam, match="embeddings_url must be an http") as info:
        EndpointEmbedder(url)
    assert info.value.field == "embeddings_url"


def test_bad_url_in_settings_degrades_with_the_reason(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, embeddings="endpoint", embeddings_url="ftp://x/v1")
    heads = heads_for(settings)
    assert [h.name for h in heads] == ["endpoint"]
    result = Classifier(load_model(), heads).classify("Fix the failing unit tests")
    assert result.category == "coding"
    assert "without endpoint (embeddings_url must be an http(s) URL" in result.reason


def test_auto_adds_the_endpoint_only_with_a_url(tmp_path: Path) -> None:
    without = load_settings(home=tmp_path, embeddings="auto")
    assert "endpoint" not in [h.name for h in heads_for(without)]
    settings = load_settings(
        home=tmp_path, embeddings="auto", embeddings_url="http://127.0.0.1:9/v1"
    )
    (head,) = [h for h in heads_for(settings) if h.name == "endpoint"]
    assert isinstance(head, EndpointHead)
    assert head.endpoint.requests == 0 and not head.ready.is_set()  # nothing sent at start
    assert head.cache.parent == tmp_path / "classifier"


# --- fitting on first use ----------------------------------------------------------------------


def _blobs(request: httpx.Request) -> httpx.Response:
    """Separable vectors: one direction per category named in the text (test rows below)."""
    texts = json.loads(request.content)["input"]
    data = []
    for i, text in enumerate(texts):
        vec = [1.0 if cat in text else 0.0 for cat in CATEGORIES]
        data.append({"index": i, "embedding": vec})
    return httpx.Response(200, json={"data": data})


ROWS = [(f"a {cat} task number {n}", cat) for cat in CATEGORIES for n in range(3)]


def test_fit_failure_is_retried_later_not_in_a_loop(tmp_path: Path) -> None:
    clock = Clock()
    up = False

    def handler(request: httpx.Request) -> httpx.Response:
        return _blobs(request) if up else httpx.Response(502)

    emb, seen = _embedder(handler, clock)
    head = EndpointHead(emb, tmp_path / "h.json", ROWS, clock=clock)
    with pytest.raises(EmbeddingUnavailable, match="head being fitted"):
        head.log_probs("a coding task")
    assert not head.wait(60)
    for _ in range(5):
        with pytest.raises(EmbeddingUnavailable, match=r"head fit failed \(HTTP 502.*retry in"):
            head.log_probs("a coding task")
    assert head.fits == 1 and len(seen) == 1
    up = True
    clock.now += max(FIT_RETRY_S, BREAKER_S)
    with pytest.raises(EmbeddingUnavailable, match="head being fitted"):
        head.log_probs("a coding task")
    assert head.wait(60) and head.fits == 2
    values = head.log_probs("a vision task")
    assert CATEGORIES[values.index(max(values))] == "vision"
    assert json.loads((tmp_path / "h.json").read_text())["classes"] == list(CATEGORIES)


def test_an_unwritable_cache_still_serves_the_head(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    emb, _ = _embedder(_blobs)
    head = EndpointHead(emb, tmp_path / "file" / "h.json", ROWS)
    with pytest.raises(EmbeddingUnavailable):
        head.log_probs("x")
    assert head.wait(60)
    assert len(head.log_probs("a research task")) == len(CATEGORIES)


def test_a_corrupt_cache_is_refitted(tmp_path: Path) -> None:
    (tmp_path / "h.json").write_text("{not json")
    emb, _ = _embedder(_blobs)
    head = EndpointHead(emb, tmp_path / "h.json", ROWS)
    assert not head.ready.is_set()
    with pytest.raises(EmbeddingUnavailable, match="head being fitted"):
        head.log_probs("x")
    assert head.wait(60)


def test_cache_key_covers_url_model_and_rows(tmp_path: Path) -> None:
    a = EndpointEmbedder("http://h/v1", "m1")
    paths = {
        cache_path(tmp_path, a, ROWS),
        cache_path(tmp_path, EndpointEmbedder("http://h/v1/", "m2"), ROWS),
        cache_path(tmp_path, EndpointEmbedder("http://g/v1", "m1"), ROWS),
        cache_path(tmp_path, a, ROWS[1:]),
    }
    assert len(paths) == 4
    assert cache_path(tmp_path, EndpointEmbedder("http://h/v1/", "m1"), ROWS) in paths


def test_a_dead_endpoint_costs_one_attempt_over_many_classifications(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there once the probe socket closed
    emb = EndpointEmbedder(f"http://127.0.0.1:{port}/v1", timeout=2.0)
    cache = tmp_path / "h.json"
    zeros = Head(CATEGORIES, [[0.0] * 3] * len(CATEGORIES), [0.0] * len(CATEGORIES))
    cache.write_text(json.dumps(zeros.payload()))
    head = EndpointHead(emb, cache, ROWS)
    assert head.ready.is_set()  # loaded from the cache: every call goes to the endpoint
    clf = Classifier(load_model(), [head])
    reasons = [clf.classify(f"Write a poem about the sea, take {n}").reason for n in range(6)]
    assert emb.requests == 1 and emb.broken
    assert "without endpoint (ConnectError" in reasons[0]
    assert all("without endpoint (ConnectError" in r and "retry in" in r for r in reasons[1:])


# --- a real embeddings server --------------------------------------------------------------------


@pytest.fixture
def closing() -> Iterator[list[EmbeddingHead]]:
    """Heads whose connection pools are closed at the end of the test."""
    heads: list[EmbeddingHead] = []
    yield heads
    for head in heads:
        if isinstance(head, EndpointHead):
            head.endpoint.close()


def test_fits_through_a_real_endpoint_caches_and_reloads(
    embed_server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    closing: list[EmbeddingHead],
) -> None:
    rows = _subset()
    monkeypatch.setattr(ep, "training_rows", lambda: rows)
    settings = load_settings(
        home=tmp_path, embeddings="endpoint", embeddings_url=embed_server, embeddings_model=ALIAS
    )
    closing += heads_for(settings)
    (head,) = closing
    assert isinstance(head, EndpointHead)
    clf = Classifier(load_model(), [head])
    first = clf.classify("Refactor the parser module and add unit tests")
    assert "without endpoint (head being fitted on first use)" in first.reason
    assert head.wait(READY_WITHIN_S), "the fit through the real endpoint failed"
    batches = -(-len(rows) // ep.FIT_BATCH)
    assert head.endpoint.requests == batches and head.fits == 1
    assert head.cache.is_file() and head.head.dim == head.endpoint.dim == 576
    saved = json.loads(head.cache.read_text())
    assert saved["url"] == embed_server and saved["model"] == ALIAS

    result = clf.classify("Refactor the parser module and add unit tests")
    assert "embeddings: endpoint" in result.reason
    assert "without" not in result.reason
    assert head.endpoint.requests == batches + 1

    # A later process (a fresh construction from the same settings) loads the head at once.
    closing += heads_for(settings)
    again = closing[-1]
    assert isinstance(again, EndpointHead)
    assert again.ready.is_set() and again.cache == head.cache
    assert again.endpoint.requests == 0
    repeat = Classifier(load_model(), [again]).classify("Write a haiku about autumn")
    assert "embeddings: endpoint" in repeat.reason
    assert again.endpoint.requests == 1 and again.fits == 0
