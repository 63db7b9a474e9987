"""Run llama.cpp's server (PyPI ``xllamacpp``) on 127.0.0.1 for the provider tests.

Usage: ``python tests/providers/llama_server.py PORT MODEL.gguf ALIAS``. One thread (with two,
any other busy process stalls generation), a 2048-token context, one slot. Runs until killed.
``xllamacpp.Server`` starts serving HTTP in background threads when constructed.
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
    params.n_ctx = 2048
    params.n_parallel = 1
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
