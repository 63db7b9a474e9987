"""Complexity as a router: APGR and strong-call share at 95 % of strong quality on MMLU.

Usage::

    .venv/bin/python bench/complexity_curve.py [--data …/routing/mmlu_strong_weak.jsonl]

Data: the RouteLLM MMLU routing set (``../shared/data/routing``, README there): 14,042 questions,
each with whether a strong (GPT-4) and a weak (Mixtral) model answered correctly. A router that
sends the share *p* of prompts with the highest score to the strong model scores
``mean(strong_correct if routed strong else weak_correct)``.

Figures per router (RouteLLM's, as the data README defines them):

* ``apgr`` — average performance gap recovered: the area under the quality curve as *p* goes
  0 → 1, quality scaled so weak-only = 0 and strong-only = 1 (random ≈ 0.5);
* ``strong_share_at_95`` — the smallest share of strong calls whose quality reaches 95 % of the
  strong model's (random ≈ 0.67 here; lower is better).

Routers: ``complexity`` (``signals.complexity`` of the shipped classifier; its two learned terms,
bias and length, were fitted on this very file; its hand-set ask terms on nothing),
``prompt_length`` (characters) and ``random``
(mean of 20 seeded shuffles). ``subject_cv`` (needs numpy) is the honest comparison: five folds
of whole MMLU subjects, complexity's learned terms refitted without the fold's subjects, and the
figures of each router computed within each fold and averaged (scores of different fits are not
comparable across folds).

:func:`run` returns the report as a dict (``bench/decisions.py`` section c uses it); run as a
script it prints JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from smart_spawn_plugin.engine.classify.classifier import Classifier  # noqa: E402
from smart_spawn_plugin.engine.classify.model import load_model  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "routing" / "mmlu_strong_weak.jsonl"
#: Points on the quality curve (p = 0, 1/STEPS, …, 1).
STEPS = 200
RANDOM_SEEDS = 20
TIE_SEED = 20261130


def load(path: Path = DATA) -> list[dict[str, Any]]:
    """The routing rows (``prompt``, ``weak_correct``, ``strong_correct``, ``subject`` …)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def curve(
    scores: Sequence[float], weak: Sequence[bool], strong: Sequence[bool], steps: int = STEPS
) -> list[tuple[float, float]]:
    """(share routed strong, quality) as the highest-scored prompts go to the strong model.

    Ties are broken by a fixed pseudo-random order (the file is sorted by subject, so file
    order would favour whichever subjects come first).
    """
    n = len(scores)
    shuffle = list(range(n))
    random.Random(TIE_SEED).shuffle(shuffle)
    order = sorted(range(n), key=lambda i: (-scores[i], shuffle[i]))
    base = sum(weak)
    # quality after routing the first k prompts of ``order`` strong
    gain = [0]
    for i in order:
        gain.append(gain[-1] + int(strong[i]) - int(weak[i]))
    points = []
    for s in range(steps + 1):
        k = round(n * s / steps)
        points.append((k / n, (base + gain[k]) / n))
    return points


def figures(
    scores: Sequence[float], weak: Sequence[bool], strong: Sequence[bool]
) -> dict[str, float]:
    """APGR and strong-call share at 95 % of strong quality for one router."""
    n = len(scores)
    q_weak, q_strong = sum(weak) / n, sum(strong) / n
    pts = curve(scores, weak, strong)
    gap = q_strong - q_weak
    scaled = [(p, (q - q_weak) / gap) for p, q in pts]
    area = sum((p1 - p0) * (y0 + y1) / 2 for (p0, y0), (p1, y1) in pairwise(scaled))
    target = 0.95 * q_strong
    share = next((p for p, q in pts if q >= target - 1e-12), 1.0)
    return {"apgr": round(area, 4), "strong_share_at_95": round(share, 4)}


def _random_figures(weak: Sequence[bool], strong: Sequence[bool]) -> dict[str, float]:
    runs = []
    for seed in range(RANDOM_SEEDS):
        rnd = random.Random(seed)
        runs.append(figures([rnd.random() for _ in weak], weak, strong))
    return {
        key: round(sum(r[key] for r in runs) / len(runs), 4)
        for key in ("apgr", "strong_share_at_95")
    }


def _per_fold(
    scores: Sequence[float], weak: Sequence[bool], strong: Sequence[bool], folds: Sequence[int]
) -> list[dict[str, float]]:
    per = []
    for k in sorted(set(folds)):
        idx = [i for i, f in enumerate(folds) if f == k]
        per.append(
            figures([scores[i] for i in idx], [weak[i] for i in idx], [strong[i] for i in idx])
        )
    return per


def _fold_mean(
    scores: Sequence[float], weak: Sequence[bool], strong: Sequence[bool], folds: Sequence[int]
) -> dict[str, object]:
    """Per-fold figures averaged, with the per-fold APGRs (their spread is the noise)."""
    per = _per_fold(scores, weak, strong, folds)
    out: dict[str, object] = {key: round(sum(p[key] for p in per) / len(per), 4) for key in per[0]}
    out["apgr_per_fold"] = [p["apgr"] for p in per]
    return out


def _complexity_us(rows: Sequence[dict[str, Any]], results: Sequence[Any]) -> float:
    """Mean µs of the complexity score alone (features + logistic) over the prompts."""
    from smart_spawn_plugin.engine.classify import complexity as cx
    from smart_spawn_plugin.engine.classify.rules import RULE_CHARS
    from smart_spawn_plugin.engine.classify.textfeatures import normalize, tokens

    parts = []
    for row, res in zip(rows, results, strict=True):
        norm = normalize(row["prompt"][:RULE_CHARS])
        parts.append((row["prompt"], norm, set(tokens(norm)), res.category))
    t0 = time.perf_counter()
    for text, norm, words, category in parts:
        cx.complexity(text, norm, words, category, code_look=False)
    return (time.perf_counter() - t0) / len(parts) * 1e6


def _load_trainer() -> ModuleType | None:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return None
    spec = importlib.util.spec_from_file_location(
        "train_complexity", ROOT / "scripts" / "train_complexity.py"
    )
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(data: Path = DATA) -> dict[str, object]:
    """The report: figures for each router on the MMLU routing data (see module docstring)."""
    rows = load(data)
    weak = [bool(r["weak_correct"]) for r in rows]
    strong = [bool(r["strong_correct"]) for r in rows]
    clf = Classifier(load_model())
    t0 = time.perf_counter()
    results = [clf.classify(r["prompt"]) for r in rows]
    per_prompt_us = (time.perf_counter() - t0) / len(rows) * 1e6
    routers: dict[str, object] = {
        "complexity": {
            **figures([c.signals.complexity for c in results], weak, strong),
            "note": "shipped weights; learned terms fitted on this file (in-sample)",
        },
    }
    length = [float(len(r["prompt"])) for r in rows]
    routers["prompt_length"] = figures(length, weak, strong)
    routers["random"] = _random_figures(weak, strong)
    trainer = _load_trainer()
    if trainer is not None:
        oof = trainer.subject_cv_scores(rows, results)
        folds = trainer.subject_folds(rows)
        runs = []
        for seed in range(RANDOM_SEEDS):
            rnd = random.Random(seed)
            runs.append(_per_fold([rnd.random() for _ in rows], weak, strong, folds))
        random_cv = {
            key: round(sum(f[key] for run in runs for f in run) / (len(runs) * len(runs[0])), 4)
            for key in ("apgr", "strong_share_at_95")
        }
        routers["subject_cv"] = {
            "note": (
                "mean of per-fold figures over 5 folds of whole MMLU subjects; complexity's "
                "learned terms refitted without the fold's subjects"
            ),
            "complexity": _fold_mean(oof, weak, strong, folds),
            "prompt_length": _fold_mean(length, weak, strong, folds),
            "random": {**random_cv, "note": f"mean over {RANDOM_SEEDS} seeds"},
        }
    return {
        "data": str(data.name),
        "n": len(rows),
        "weak_accuracy": round(sum(weak) / len(rows), 4),
        "strong_accuracy": round(sum(strong) / len(rows), 4),
        "routers": routers,
        "classify_us_per_prompt": round(per_prompt_us, 1),
        "complexity_us_per_prompt": round(_complexity_us(rows, results), 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="complexity routing curve on MMLU")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.data), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
