"""Run llama.cpp's server (PyPI ``xllamacpp``) as an OpenAI-compatible embeddings endpoint.

Usage: ``python tests/engine/classify/llama_embed_server.py PORT MODEL.gguf ALIAS [THREADS]``.
Embeddings mode (``/v1/embeddings`` only), mean pooling, L2-normalised vectors; one thread
unless told (``bench/classify_endpoint.py`` uses it too), one slot of 4096 tokens (the classifier
sends at most 2000 characters a text, up to ~2000 tokens of CJK). Runs until killed.
``xllamacpp.Server`` starts serving HTTP in background threads when constructed.
"""

from __future__ import annotations

import signal
import sys
import threading


def main() -> None:
    import xllamacpp

    port, model, alias = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    params = xllamacpp.CommonParams()
    params.model.path = model
    params.model_alias = {alias}
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.embedding = True
    params.pooling_type = xllamacpp.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
    # an embedding needs its whole input in one micro-batch
    params.n_ctx = 4096
    params.n_batch = 4096
    params.n_ubatch = 4096
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    server = xllamacpp.Server(params)
    print(f"listening {server.listening_address}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()
