"""The ``endpoint`` embedder: any OpenAI-compatible ``/v1/embeddings`` server, never blocking.

:class:`EndpointEmbedder` POSTs ``{"model", "input": [texts]}`` to ``{url}/embeddings`` and reads
``data[i].embedding`` ordered by ``index``. Every failure (refused, timeout, non-2xx, bad JSON,
wrong shape, a vector dimension that changed) raises :class:`EmbeddingUnavailable` with a
one-line cause, and opens a circuit breaker for :data:`BREAKER_S` seconds: calls meanwhile fail
at once instead of each waiting out the timeout, so a dead endpoint costs a pick one timeout at
most per :data:`BREAKER_S`. The first success closes it.

Any model may sit behind the URL, so its head cannot ship. :class:`EndpointHead` fits it on
first use, in a background thread, on our hand-written prompts (``data/classifier/ours.jsonl``,
the rows the packaged heads are fitted on; its logits scaled so that its probabilities are
honest on held-out folds, :func:`.fit.calibration`) and caches it as JSON in
``<home>/classifier/endpoint-head-<sha>.json`` (the sha covers url, model and rows), so later
processes load it at once. Until it is ready :meth:`EndpointHead.log_probs` raises
:class:`EmbeddingUnavailable` and the classifier answers without it; a failed fit is retried
after :data:`FIT_RETRY_S` seconds, on the next use.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import httpx

from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import CATEGORIES

from .fit import calibration, fit_logistic
from .head import EMBED_CHARS, EmbeddingHead, EmbeddingUnavailable, Head, head_from_payload

if TYPE_CHECKING:
    from smart_spawn_plugin.settings import Settings

log = get_logger(__name__)

#: Seconds calls fail at once after a failure (no request is sent).
BREAKER_S: Final = 30.0
#: Seconds before a failed head fit is tried again (on the next use).
FIT_RETRY_S: Final = 60.0
#: Texts per request while fitting, and the timeout of each such request (the fit runs in the
#: background, so it may wait far longer than a classification does).
FIT_BATCH: Final = 64
FIT_TIMEOUT_S: Final = 120.0
#: Bumped when the fit changes, so stale cached heads are not reused.
HEAD_FORMAT: Final = 2

Row = tuple[str, str]  # (text, category)


class EndpointEmbedder:
    """OpenAI-compatible embeddings client with a timeout and a circuit breaker.

    Raises :class:`InvalidParam` (field ``embeddings_url``) at construction for a URL that is
    not http(s); ``embed``/``embed_many`` raise only :class:`EmbeddingUnavailable`. Thread-safe.
    ``requests`` counts the HTTP requests actually sent.
    """

    name = "endpoint"

    def __init__(
        self,
        url: str,
        model: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float = 2.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        try:
            parts = urlsplit(url.strip())
            httpx.URL(url.strip())
            # ``port`` raises for an out-of-range port
            usable = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
        except (ValueError, httpx.InvalidURL):
            usable = False
        if not usable:
            raise InvalidParam(
                f"embeddings_url must be an http(s) URL ending in /v1, got {url!r}",
                field="embeddings_url",
            )
        self.url = url.strip().rstrip("/")
        self.model = model
        self.timeout = timeout
        self.dim: int | None = None
        self.requests = 0
        self._clock = clock
        self._open_until = 0.0
        self._last_error = ""
        self._lock = threading.Lock()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, transport=transport, timeout=timeout)

    @property
    def broken(self) -> bool:
        """Whether the breaker is open (calls now fail without a request)."""
        return self._clock() < self._open_until

    def close(self) -> None:
        """Release the connection pool; the embedder must not be used afterwards."""
        self._client.close()

    def embed(self, text: str) -> Sequence[float]:
        return self.embed_many([text])[0]

    def embed_many(self, texts: Sequence[str], timeout: float | None = None) -> list[list[float]]:
        """One request for ``texts``; vectors in input order, all of one dimension.

        Concurrent calls send concurrent requests (each waits at most the timeout)."""
        with self._lock:
            if self.broken:
                left = self._open_until - self._clock()
                raise EmbeddingUnavailable(f"{self._last_error}; retry in {left:.0f}s")
            self.requests += 1
        try:
            vectors = self._post(list(texts), timeout or self.timeout)
        except EmbeddingUnavailable as exc:
            with self._lock:
                self._open_until = self._clock() + BREAKER_S
                self._last_error = str(exc)
            raise
        with self._lock:
            self._open_until = 0.0
            if self.dim is not None and len(vectors[0]) != self.dim:
                self._open_until = self._clock() + BREAKER_S
                self._last_error = f"vector dimension changed from {self.dim} to {len(vectors[0])}"
                raise EmbeddingUnavailable(self._last_error)
            self.dim = len(vectors[0])
        return vectors

    def _post(self, texts: list[str], timeout: float) -> list[list[float]]:
        body: dict[str, Any] = {"input": texts}
        if self.model:
            body["model"] = self.model
        try:
            resp = self._client.post(f"{self.url}/embeddings", json=body, timeout=timeout)
        except httpx.TimeoutException:
            raise EmbeddingUnavailable(f"no answer within {timeout:g}s") from None
        except Exception as exc:  # httpx.HTTPError and anything else: the contract is one error
            raise EmbeddingUnavailable(f"{type(exc).__name__}: {exc}") from None
        if not resp.is_success:
            raise EmbeddingUnavailable(f"HTTP {resp.status_code} from {self.url}/embeddings")
        try:
            data = sorted(resp.json()["data"], key=lambda d: int(d["index"]))
            vectors = [[float(v) for v in d["embedding"]] for d in data]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise EmbeddingUnavailable("malformed response (want data[].embedding)") from None
        dims = {len(v) for v in vectors}
        if len(vectors) != len(texts) or len(dims) != 1 or 0 in dims:
            raise EmbeddingUnavailable(f"got {len(vectors)} vectors for {len(texts)} texts")
        return vectors


def training_rows() -> list[Row]:
    """Our hand-written labelled prompts (``data/classifier/ours.jsonl``), in file order."""
    raw = resources.files("smart_spawn_plugin.data").joinpath("classifier/ours.jsonl").read_text()
    rows = [json.loads(line) for line in raw.splitlines() if line.strip()]
    return [(r["text"], r["category"]) for r in rows]


def cache_path(home: Path, embedder: EndpointEmbedder, rows: Sequence[Row]) -> Path:
    """Where the head for this url, model and rows is cached."""
    digest = hashlib.sha256(json.dumps([HEAD_FORMAT, rows]).encode()).hexdigest()
    key = f"{embedder.url}\n{embedder.model or ''}\n{digest}"
    sha = hashlib.sha256(key.encode()).hexdigest()[:16]
    return home / "classifier" / f"endpoint-head-{sha}.json"


def _placeholder() -> Head:
    """A head with the classes and no weights: the classifier maps its classes to a head's once,
    at start, before the real head exists. Never asked to answer."""
    return Head(CATEGORIES, [[0.0]] * len(CATEGORIES), [0.0] * len(CATEGORIES))


class EndpointHead(EmbeddingHead):
    """The endpoint embedder with a head fitted on first use (see the module docstring).

    ``ready`` is set once the head can answer; ``fits`` counts fit attempts. Until then
    :meth:`log_probs` raises :class:`EmbeddingUnavailable` at once, starting a fit if none is
    running and the last failure is older than :data:`FIT_RETRY_S`.
    """

    def __init__(
        self,
        embedder: EndpointEmbedder,
        cache: Path,
        rows: Sequence[Row] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(embedder, _placeholder())
        self.endpoint = embedder
        self.cache = cache
        self._rows = rows
        self._clock = clock
        self.ready = threading.Event()
        self.fits = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._retry_at = 0.0
        self._error = ""
        self._load()

    def _load(self) -> None:
        try:
            payload = json.loads(self.cache.read_text(encoding="utf-8"))
            head = head_from_payload(payload)
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("embeddings.cache_unreadable", path=str(self.cache), why=str(exc))
            return
        if head.classes == tuple(CATEGORIES):
            self._install(head)

    def _install(self, head: Head) -> None:
        self.head = head
        self.endpoint.dim = head.dim
        self.ready.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a running fit (if any) to end; return whether the head is ready."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.ready.is_set()

    def log_probs(self, text: str) -> list[float]:
        if self.ready.is_set():
            return super().log_probs(text)
        with self._lock:
            running = self._thread is not None and self._thread.is_alive()
            if not running and self._clock() >= self._retry_at:
                self.fits += 1
                self._thread = threading.Thread(target=self._fit, name="endpoint-head", daemon=True)
                self._thread.start()
                running = True
        if running:
            raise EmbeddingUnavailable("head being fitted on first use")
        left = self._retry_at - self._clock()
        raise EmbeddingUnavailable(f"head fit failed ({self._error}); retry in {left:.0f}s")

    def _fit(self) -> None:
        try:
            rows = self._rows if self._rows is not None else training_rows()
            texts = [text[:EMBED_CHARS] for text, _ in rows]
            vectors: list[list[float]] = []
            for i in range(0, len(texts), FIT_BATCH):
                batch = texts[i : i + FIT_BATCH]
                vectors += self.endpoint.embed_many(batch, timeout=FIT_TIMEOUT_S)
            labels = [cat for _, cat in rows]
            coef, intercept = fit_logistic(vectors, labels, CATEGORIES)
            scale = calibration(vectors, labels, CATEGORIES)
            coef = [[w * scale for w in row] for row in coef]
            head = Head(CATEGORIES, coef, [b * scale for b in intercept])
        except Exception as exc:  # the background thread must never die silently
            with self._lock:
                self._error = str(exc) or type(exc).__name__
                self._retry_at = self._clock() + FIT_RETRY_S
            log.warning("embeddings.fit_failed", embedder="endpoint", why=self._error)
            return
        payload = {**head.payload(), "url": self.endpoint.url, "model": self.endpoint.model}
        payload |= {"format": HEAD_FORMAT, "rows": len(rows), "scale": scale}
        try:
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
            tmp.replace(self.cache)
        except OSError as exc:  # the head still serves this process
            log.warning("embeddings.cache_unwritable", path=str(self.cache), why=str(exc))
        self._install(head)
        log.info("embeddings.fitted", embedder="endpoint", rows=len(rows), dim=head.dim)


class _Misconfigured(EmbeddingHead):
    """Stands in for the endpoint when its settings are wrong: every call says why."""

    def __init__(self, why: str) -> None:
        self.name = "endpoint"
        self.head = _placeholder()
        self._why = why

    def log_probs(self, text: str) -> list[float]:
        raise EmbeddingUnavailable(self._why)


def endpoint_head(settings: Settings) -> EmbeddingHead:
    """The endpoint head the settings describe (``embeddings_url`` and friends).

    Never raises: with no URL or a bad one, the head answers every call with
    :class:`EmbeddingUnavailable` saying so (and a warning is logged once).
    """
    url = settings.embeddings_url
    key = settings.embeddings_api_key
    try:
        if not url:
            raise InvalidParam("embeddings_url is not set", field="embeddings_url")
        embedder = EndpointEmbedder(
            url,
            settings.embeddings_model,
            api_key=key.get_secret_value() if key is not None else None,
            timeout=settings.embeddings_timeout,
        )
    except InvalidParam as exc:
        log.warning("embeddings.misconfigured", embedder="endpoint", why=exc.message)
        return _Misconfigured(exc.message)
    rows = training_rows()
    return EndpointHead(embedder, cache_path(settings.home, embedder, rows), rows)
