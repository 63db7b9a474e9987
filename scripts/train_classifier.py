"""Fit the task classifier and write smart_spawn_plugin/data/classifier/model.bin.

Usage::

    .venv/bin/pip install scikit-learn numpy     # training-time only; not package dependencies
    .venv/bin/python scripts/train_classifier.py [--dev /work/shared/data/prompts/dev.jsonl]

Training rows: the dev-set rows whose source is permissively licensed (``PERMISSIVE`` below; see
the dev set README's licence table) plus our own hand-written agent tasks
(``data/classifier/ours.jsonl``). Non-commercial, research-only and unlicensed sources are never
fitted — they are used for evaluation only (``bench/classify_quality.py``).

Deterministic: features are sorted, lbfgs has no randomness, and the packed file (format 2,
``LinearModel.to_bytes``: the lookup tables as the classifier holds them, so loading is fast)
is written in a fixed order.
The bench imports :func:`fit`, :func:`load_rows`, :func:`group_of` and :func:`is_permissive` from
here so the evaluated folds are trained exactly like the shipped model.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from smart_spawn_plugin.engine.classify.model import LinearModel  # noqa: E402
from smart_spawn_plugin.engine.classify.textfeatures import features  # noqa: E402
from smart_spawn_plugin.models import CATEGORIES  # noqa: E402

DEV = Path("/work/shared/data/prompts/dev.jsonl")
DATA_DIR = ROOT / "smart_spawn_plugin" / "data" / "classifier"
OURS = DATA_DIR / "ours.jsonl"
OUT = DATA_DIR / "model.bin"

#: Source prefixes (``source`` up to ``@``) whose licence allows shipping derived weights:
#: Apache-2.0, MIT, BSD, CC BY, CC BY-SA. Keep in sync with data/classifier/SOURCES.md.
PERMISSIVE: tuple[str, ...] = (
    "zorazrw/odex:",  # CC BY-SA 4.0
    "ymcui/Chinese-LLaMA-Alpaca:",  # Apache-2.0
    "arnav-gudibande/koala-test-set:",  # Apache-2.0
    "QwenLM/Qwen2.5-Math:evaluation/data/college_math/",  # CollegeMath CC BY 3.0
    "deepmind/AQuA:",  # Apache-2.0
    "arkilpatel/SVAMP:",  # MIT
    "THUDM/LongWriter:",  # Apache-2.0
    "Su-Sea/ydc-deep-research-evals:",  # MIT (DeepConsult)
    "AkariAsai/ScholarQABench:",  # MIT
    "OSU-NLP-Group/Mind2Web-2:",  # MIT
    "tianyi-lab/HallusionBench:",  # BSD-3-Clause
    "princeton-nlp/CharXiv:",  # CC BY-SA 4.0 (questions)
    "open-compass/MMBench:",  # Apache-2.0
    "X-PLUG/mPLUG-Owl:",  # Apache-2.0 (OwlEval)
    "Yuliang-Liu/MultimodalOCR:",  # MIT (OCRBench repository)
    "AoiDragon/POPE:",  # MIT
    "brmson/dataset-factoid-webquestions:",  # CC BY (WebQuestions)
    "OpenStellarTeam/ChineseSimpleQA:",  # MIT
    "allenai/natural-instructions:",  # Apache-2.0
)

#: Inverse regularisation strength and pruning, fixed a priori (not tuned on the held-out folds).
C = 10.0
MIN_DF = 2
PRUNE = 0.02
SCALE = 1000

Row = dict[str, str]


def load_rows(path: Path) -> list[Row]:
    """JSONL rows with at least ``text`` and ``category``."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def group_of(row: Row) -> str:
    """Leave-source-out group: the ``source`` up to ``@``."""
    return row.get("source", "").split("@", 1)[0]


def is_permissive(row: Row) -> bool:
    """Whether the row may be fitted into shipped weights (our own rows always may)."""
    group = group_of(row)
    return group.startswith("smart-spawn:") or group.startswith(PERMISSIVE)


def fit(
    rows: Sequence[Row],
    *,
    c: float = C,
    featurize: Callable[[str], dict[str, float]] = features,
) -> dict[str, object]:
    """Fit multinomial logistic regression; return the format-1 payload (see classify.py).

    ``featurize`` must behave like ``textfeatures.features``; the bench passes a memoised copy.
    """
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    feats = [featurize(r["text"]) for r in rows]
    df = Counter(name for f in feats for name in f)
    # Shape features (m:len…, m:math …) are always kept; lexical ones (incl. lead words
    # m:l1=/m:l2=) need MIN_DF rows so one row's wording is never a feature.
    keep = {
        name for name, n in df.items() if n >= MIN_DF or (name.startswith("m:") and "=" not in name)
    }
    feats = [{k: v for k, v in f.items() if k in keep} for f in feats]
    vec = DictVectorizer(sort=True)
    x = vec.fit_transform(feats)
    y = [r["category"] for r in rows]
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, tol=1e-4)
    clf.fit(x, y)
    order = [list(clf.classes_).index(cat) for cat in CATEGORIES if cat in clf.classes_]
    classes = [str(clf.classes_[i]) for i in order]
    coef = np.asarray(clf.coef_)[order]
    bias = np.asarray(clf.intercept_)[order]
    weights: dict[str, list[int]] = {}
    for j, name in enumerate(vec.get_feature_names_out()):
        col = coef[:, j]
        if float(np.abs(col).max()) < PRUNE:
            continue
        weights[str(name)] = [round(float(w) * SCALE) for w in col]
    return {
        "format": 1,
        "classes": classes,
        "scale": SCALE,
        "bias": [round(float(b) * SCALE) for b in bias],
        "weights": weights,
    }


def training_rows(dev: Iterable[Row], ours: Iterable[Row]) -> list[Row]:
    """Permissive dev rows plus our hand-written rows."""
    return [r for r in dev if is_permissive(r)] + list(ours)


def dump(payload: dict[str, object], path: Path) -> int:
    """Write the payload pre-packed (format 2, deterministic); return its size in bytes."""
    data = LinearModel.from_payload(payload).to_bytes()
    path.write_bytes(data)
    return len(data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = training_rows(load_rows(args.dev), load_rows(OURS))
    payload = fit(rows)
    size = dump(payload, args.out)
    per_source = Counter(group_of(r).split(":", 1)[0] for r in rows)
    summary = {
        "rows": len(rows),
        "by_category": dict(sorted(Counter(r["category"] for r in rows).items())),
        "by_repo": dict(sorted(per_source.items())),
        "features": len(payload["weights"]),  # type: ignore[arg-type]
        "bytes": size,
        "out": str(args.out),
    }
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
