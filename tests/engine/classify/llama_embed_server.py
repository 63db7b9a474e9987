"""Run llama.cpp's server (PyPI ``xllamacpp``) as an OpenAI-compatible embeddings endpoint.

Usage: ``python tests/engine/classify/llama_embed_server.py PORT MODEL.gguf ALIAS``. Embeddings
mode (``/v1/embeddings`` only), mean pooling, L2-normalised vectors; one thread, one slot, a
512-token context and batch (the classifier sends at most 2000 characters a text). Runs until
killed. ``xllamacpp.Server`` starts serving HTTP in background threads when constructed.
"""

from __future__ import annotations

import signal
import sys
import threading


def main() -> None:
    import xllamacpp

    port, model, alias = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    params = xllamacpp.CommonParams()
    params.model.path = model
    params.model_alias = {alias}
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.embedding = True
    params.pooling_type = xllamacpp.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
    params.n_ctx = 4096
    params.n_batch = 1024
    params.n_ubatch = 1024
    params.n_parallel = 8
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    server = xllamacpp.Server(params)
    print(f"listening {server.listening_address}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()
