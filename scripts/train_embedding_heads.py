"""Fit the packaged embedders' heads and write smart_spawn_plugin/data/classifier/heads.json.

Usage::

    .venv/bin/pip install -e '.[embed,train]'
    .venv/bin/python scripts/train_embedding_heads.py

Rows: our own prompts only (``data/classifier/ours.jsonl``, MIT, this project),
embedded by the very embedders the classifier uses (``engine/classify/embedding.py``), so the
whole dev set stays held out from the heads. Each head is a multinomial logistic regression
(C = 10, balanced classes: the linear model's settings, fixed beforehand, not tuned on the dev
set). Deterministic: lbfgs has no randomness and the file is written in a fixed order.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from smart_spawn_plugin.engine.classify.embedding import (  # noqa: E402
    _BUILDERS,
    EMBED_CHARS,
    PACKAGED,
    Head,
    _Packaged,
)
from smart_spawn_plugin.models import CATEGORIES  # noqa: E402

DATA_DIR = ROOT / "smart_spawn_plugin" / "data" / "classifier"
OURS = DATA_DIR / "ours.jsonl"
OUT = DATA_DIR / "heads.json"
C = 10.0


def fit_head(vectors: list[list[float]], labels: list[str]) -> Head:
    """Multinomial logistic regression, classes in CATEGORIES order."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, tol=1e-5)
    clf.fit(np.asarray(vectors), labels)
    order = [list(clf.classes_).index(c) for c in CATEGORIES]
    return Head(CATEGORIES, clf.coef_[order].tolist(), clf.intercept_[order].tolist())


def main() -> int:
    rows = [json.loads(line) for line in OURS.open(encoding="utf-8") if line.strip()]
    labels = [r["category"] for r in rows]
    heads = {}
    for name in PACKAGED:
        embedder = _Packaged(name, _BUILDERS[name])
        vectors = [list(embedder.embed(r["text"][:EMBED_CHARS])) for r in rows]
        heads[name] = {**fit_head(vectors, labels).payload(), "rows": len(rows)}
        print(f"{name}: {len(rows)} rows, dim {len(vectors[0])}", file=sys.stderr)
    payload = {
        "format": 1,
        "fitted_on": "data/classifier/ours.jsonl (smart-spawn:hand-written and "
        "smart-spawn:written-from-definitions, MIT)",
        "heads": heads,
    }
    OUT.write_text(json.dumps(payload, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
