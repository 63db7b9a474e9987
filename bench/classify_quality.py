"""Task-classifier quality and latency: ours (leave-source-out) vs the original keyword classifier.

Usage::

    .venv/bin/python bench/classify_quality.py [--dev /work/shared/data/prompts/dev.jsonl]

Protocol (dev set README, "How to use"): rows are grouped by ``source`` up to ``@``. For every
group that contains permissively licensed rows, a model is fitted exactly like the shipped one
(``scripts/train_classifier.py``: permissive rows + our hand-written rows) but *without that
group*, and the group is predicted. Groups that are not permissive are never fitted by any model,
so they are predicted by one model fitted on all permissive rows. Every row is therefore
predicted by a model that never saw its source. The original classifier (``original_classifier``)
is run on the same rows. Accuracy of the shipped model on its own training rows is never
reported.

Latency is for the shipped model on short texts (the dev rows under 300 characters and our agent
tasks), per call, after warm-up: cold (the uncached ``Classifier``, a task never seen) and cache
hits (:func:`classify` on a repeated task); plus one very long text, and the time to read the
shipped weights file (``model.load_ms_median_of_5``). Needs scikit-learn and numpy
(training-time only). Prints JSON.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from original_classifier import classify_task as original  # noqa: E402

from smart_spawn_plugin.engine.classify.classifier import Classifier, classify  # noqa: E402
from smart_spawn_plugin.engine.classify.embedding import (  # noqa: E402
    PACKAGED,
    EmbeddingHead,
    installed,
    packaged_head,
)
from smart_spawn_plugin.engine.classify.model import LinearModel, load_model  # noqa: E402
from smart_spawn_plugin.engine.classify.textfeatures import features  # noqa: E402
from smart_spawn_plugin.models import CATEGORIES  # noqa: E402


def _load_train() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "train_classifier", ROOT / "scripts" / "train_classifier.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train = _load_train()


@cache
def _feats(text: str) -> dict[str, float]:
    return features(text)


def _summary(rows: list[dict[str, str]], preds: list[Any]) -> dict[str, object]:
    by_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row, pred in zip(rows, preds, strict=True):
        ok = int(pred == row["category"])
        by_cat[row["category"]][0] += ok
        by_cat[row["category"]][1] += 1
        by_lang[row.get("lang", "?")][0] += ok
        by_lang[row.get("lang", "?")][1] += 1
    per_cat = {c: round(by_cat[c][0] / by_cat[c][1], 3) for c in CATEGORIES if by_cat[c][1]}
    return {
        "n": len(rows),
        "accuracy": round(sum(v[0] for v in by_cat.values()) / len(rows), 3),
        "macro_accuracy": round(statistics.mean(per_cat.values()), 3),
        "per_category": per_cat,
        "en": round(by_lang["en"][0] / by_lang["en"][1], 3) if by_lang["en"][1] else None,
        "zh": round(by_lang["zh"][0] / by_lang["zh"][1], 3) if by_lang["zh"][1] else None,
    }


def leave_source_out(
    dev: list[dict[str, str]],
    ours: list[dict[str, str]],
    variants: dict[str, Sequence[EmbeddingHead]],
) -> dict[str, list[Any]]:
    """Per variant, predictions for every dev row from a model that never saw the row's source.

    A variant is a set of embedding heads joined to every fold's linear model (``()``: the
    linear model alone). The shipped heads are fitted on our own rows only, never on dev rows,
    so they need no folds.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(dev):
        groups[train.group_of(row)].append(i)
    preds: dict[str, list[Any]] = {name: [None] * len(dev) for name in variants}
    shared: LinearModel | None = None
    for group, idxs in sorted(groups.items()):
        if any(train.is_permissive(dev[i]) for i in idxs):
            rows = train.training_rows((r for r in dev if train.group_of(r) != group), ours)
            model = LinearModel.from_payload(train.fit(rows, featurize=_feats))
        else:
            if shared is None:
                payload = train.fit(train.training_rows(dev, ours), featurize=_feats)
                shared = LinearModel.from_payload(payload)
            model = shared
        for name, heads in variants.items():
            clf = Classifier(model, heads)
            for i in idxs:
                preds[name][i] = clf.classify(dev[i]["text"]).category
    return preds


def _percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "n_calls": len(samples),
        "p50_us": round(samples[len(samples) // 2], 1),
        "p99_us": round(samples[int(len(samples) * 0.99)], 1),
    }


def _time(fn: Callable[[str], object], texts: list[str], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        for t in texts:
            t0 = time.perf_counter_ns()
            fn(t)
            samples.append((time.perf_counter_ns() - t0) / 1000)
    return samples


def latency(texts: list[str], repeat: int = 3) -> dict[str, object]:
    """Cold = the uncached :class:`Classifier` (what a new task costs); cached = :func:`classify`
    on a text it has seen (agents re-send identical tasks)."""
    cold = Classifier(load_model()).classify
    for t in texts[:50]:
        cold(t)
    gc.disable()
    try:
        cold_samples = _time(cold, texts, repeat)
        for t in texts:
            classify(t)
        hit_samples = _time(classify, texts, repeat)
    finally:
        gc.enable()
    long_text = "Refactor the payment service and keep the API stable. " * 4000  # ~220 kB
    t0 = time.perf_counter_ns()
    cold(long_text)
    long_us = (time.perf_counter_ns() - t0) / 1000
    return {
        "cold": _percentiles(cold_samples),
        "cache_hit": _percentiles(hit_samples),
        "long_220kB_text_us": round(long_us, 1),
    }


def embedding_latency(texts: list[str], heads: Sequence[EmbeddingHead]) -> dict[str, object]:
    """The uncached classifier with the embedding heads: first call (engines load), then a
    cold call per short text (one pass), and one ~2,000-character task."""
    t0 = time.perf_counter()
    clf = Classifier(load_model(), heads)
    clf.classify("warm the embedders up")
    first_ms = (time.perf_counter() - t0) * 1000
    samples = _time(clf.classify, texts, 1)
    t0 = time.perf_counter_ns()
    clf.classify("Refactor the payment service and keep the API stable. " * 40)
    return {
        "first_call_ms": round(first_ms, 1),
        "cold": _percentiles(samples),
        "task_2000_chars_us": round((time.perf_counter_ns() - t0) / 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="classifier quality and latency")
    parser.add_argument("--dev", type=Path, default=train.DEV)
    args = parser.parse_args()
    dev = train.load_rows(args.dev)
    ours = train.load_rows(train.OURS)
    t0 = time.perf_counter()
    heads = [packaged_head(name) for name in PACKAGED if installed(name)]
    variants: dict[str, Sequence[EmbeddingHead]] = {"ours": ()}
    for k in range(1, len(heads) + 1):  # use, then use + e5 (auto, both installed)
        variants["ours_with_" + "_".join(h.name for h in heads[:k])] = heads[:k]
    by_variant = leave_source_out(dev, ours, variants)
    preds = by_variant["ours"]
    fit_s = time.perf_counter() - t0
    orig = [original(r["text"]) for r in dev]
    never_fitted = [i for i, r in enumerate(dev) if not train.is_permissive(r)]
    model_file = ROOT / "smart_spawn_plugin" / "data" / "classifier" / train.OUT.name
    short = [r["text"] for r in dev if len(r["text"]) < 300] + [r["text"] for r in ours]
    blob = model_file.read_bytes()
    loads = []
    for _ in range(5):
        t0 = time.perf_counter()
        LinearModel.from_bytes(blob)
        loads.append((time.perf_counter() - t0) * 1000)
    report = {
        "protocol": "leave-source-out (source up to '@'); folds fitted on permissive rows + ours",
        "ours": _summary(dev, preds),
        **{
            name: {"embedders": [h.name for h in variants[name]], **_summary(dev, p)}
            for name, p in by_variant.items()
            if name != "ours"
        },
        "original": _summary(dev, orig),
        "never_fitted_sources_only": {
            "ours": _summary([dev[i] for i in never_fitted], [preds[i] for i in never_fitted]),
            "original": _summary([dev[i] for i in never_fitted], [orig[i] for i in never_fitted]),
        },
        "latency": latency(short),
        "latency_with_embeddings": embedding_latency(short, heads) if heads else None,
        "model": {
            "bytes": model_file.stat().st_size,
            "load_ms_median_of_5": round(statistics.median(loads), 1),
            "features": len(load_model().weights),
        },
        "eval_seconds": round(fit_s, 1),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
