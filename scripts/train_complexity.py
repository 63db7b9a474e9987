"""Fit the learned terms of the complexity score and write data/classifier/complexity.json.

Usage::

    .venv/bin/pip install numpy                   # training-time only
    .venv/bin/python scripts/train_complexity.py [--data …/mmlu_strong_weak.jsonl] [--write]

Target: "the strong model got it right and the weak one wrong" (a strong call pays off) on the
RouteLLM MMLU routing data (Apache-2.0; figures
only). Model: L2-regularised logistic regression (Newton's method, deterministic) over the
learned features of :mod:`smart_spawn_plugin.engine.classify.complexity` (the hand-set prior
terms are added at inference, not fitted).

The features are computed from the shipped classifier's output (its category feeds the hand-set
"code", "look-up" and "short writing" terms, which are not fitted). :func:`subject_cv_scores`
(used by ``bench/complexity_curve.py``) refits with whole
MMLU subjects held out, the honest estimate of how well the score routes prompts it never saw.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from smart_spawn_plugin.engine.classify import complexity as cx  # noqa: E402
from smart_spawn_plugin.engine.classify.classifier import (  # noqa: E402
    Classification,
    Classifier,
)
from smart_spawn_plugin.engine.classify.model import load_model  # noqa: E402
from smart_spawn_plugin.engine.classify.rules import RULE_CHARS  # noqa: E402
from smart_spawn_plugin.engine.classify.textfeatures import normalize, tokens  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "routing" / "mmlu_strong_weak.jsonl"
OUT = ROOT / "smart_spawn_plugin" / "data" / "classifier" / cx.WEIGHTS_FILE
#: L2 penalty on the learned weights (not the bias), fixed a priori.
L2 = 1.0
FOLDS = 5


def feature_rows(
    rows: Sequence[dict[str, Any]], results: Sequence[Classification]
) -> list[dict[str, float]]:
    """The complexity features of each prompt, computed as the classifier computes them."""
    out = []
    for row, res in zip(rows, results, strict=True):
        text = row["prompt"]
        norm = normalize(text[:RULE_CHARS])
        out.append(cx.features(text, norm, set(tokens(norm)), res.category))
    return out


def fit(
    feats: Sequence[dict[str, float]], target: Sequence[bool], l2: float = L2
) -> dict[str, Any]:
    """Newton-fitted logistic regression over the learned terms. Returns the
    ``complexity.json`` payload."""
    import numpy as np

    names = cx.LEARNED_NAMES
    x = np.array([[1.0, *(f[n] for n in names)] for f in feats])
    # The prior terms are left out of the fit: on MMLU they are neutral (a strong call pays off
    # about as often where they fire as elsewhere), but they correlate with length, and as a
    # fixed offset they pushed the fitted length weight below zero.
    offset = np.zeros(len(feats))
    y = np.array(target, dtype=float)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        z = np.clip(x @ w + offset, -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return {
        "format": 1,
        "bias": round(float(w[0]), 4),
        "weights": {n: round(float(v), 4) for n, v in zip(names, w[1:], strict=True)},
        "target": "strong (GPT-4) right and weak (Mixtral-8x7B) wrong on RouteLLM MMLU",
        "l2": l2,
    }


def _target(row: dict[str, Any]) -> bool:
    return bool(row["strong_correct"]) and not row["weak_correct"]


def subject_folds(rows: Sequence[dict[str, Any]]) -> list[int]:
    """The fold (0 – FOLDS-1) of each row: whole MMLU subjects, dealt round-robin by name."""
    fold = {s: i % FOLDS for i, s in enumerate(sorted({r["subject"] for r in rows}))}
    return [fold[r["subject"]] for r in rows]


def subject_cv_scores(
    rows: Sequence[dict[str, Any]], results: Sequence[Classification]
) -> list[float]:
    """Out-of-fold complexity of every prompt: learned terms fitted without its subject.

    Scores of different folds come from different fits, so compare them within a fold only
    (``bench/complexity_curve.py`` averages per-fold figures)."""
    feats = feature_rows(rows, results)
    target = [_target(r) for r in rows]
    folds = subject_folds(rows)
    scores = [0.0] * len(rows)
    for k in range(FOLDS):
        train = [i for i, f in enumerate(folds) if f != k]
        payload = fit([feats[i] for i in train], [target[i] for i in train])
        weights = {**payload["weights"], "bias": payload["bias"]}
        for i, f in enumerate(folds):
            if f == k:
                scores[i] = cx.score(feats[i], weights)
    return scores


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--write", action="store_true", help=f"write {OUT.name}")
    args = parser.parse_args(argv)
    with args.data.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    clf = Classifier(load_model())
    results = [clf.classify(r["prompt"]) for r in rows]
    payload = fit(feature_rows(rows, results), [_target(r) for r in rows])
    if args.write:
        OUT.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
