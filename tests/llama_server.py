"""Run llama.cpp's server (PyPI ``xllamacpp``) on 127.0.0.1 for the tests and benches.

Usage: ``python tests/llama_server.py PORT MODEL.gguf ALIAS [--embedding] [--threads N]``.

- Chat (default): a 2048-token context, one slot.
- ``--embedding``: ``/v1/embeddings`` only, mean pooling (L2-normalised vectors), one slot of
  4096 tokens in one micro-batch (an embedding needs its whole input at once; the classifier
  sends at most 2,000 characters, up to ~2,000 tokens of CJK).

One thread unless told (with two, any other busy process stalls generation). Runs until killed;
``xllamacpp.Server`` starts serving HTTP in background threads when constructed.
"""

from __future__ import annotations

import argparse
import signal
import threading


def main() -> None:
    import xllamacpp

    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("model")
    parser.add_argument("alias")
    parser.add_argument("--embedding", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    params.n_parallel = 1
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    if args.embedding:
        params.embedding = True
        params.pooling_type = xllamacpp.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
        params.n_ctx = params.n_batch = params.n_ubatch = 4096
    else:
        params.n_ctx = 2048
    server = xllamacpp.Server(params)
    print(f"listening {server.listening_address}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()
