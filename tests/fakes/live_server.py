"""The real app served by uvicorn on a free 127.0.0.1 port, in a thread, for tests that drive it
with real clients (the ``openai`` SDK, ``llm``)::

    with LiveServer(create_app(runtime, config)) as live:
        OpenAI(base_url=live.base_url + "/v1", api_key="x")
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, Self

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn serving ``app`` until the ``with`` block ends."""

    def __init__(
        self,
        app: Any,
        *,
        cleanup: Callable[[], Awaitable[None]] | None = None,
        ready_within_s: float = 30.0,
    ) -> None:
        """``cleanup`` runs on the server's loop after it stopped (close clients made there,
        such as the runtime's HTTP client: ``runtime.aclose_http``)."""
        self.port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            loop="asyncio",
        )
        self.server = uvicorn.Server(config)
        self.ready_within_s = ready_within_s
        self._cleanup = cleanup
        self._thread = threading.Thread(target=self._run, name="live-app", daemon=True)

    def _run(self) -> None:
        async def serve() -> None:
            try:
                await self.server.serve()
            finally:
                if self._cleanup is not None:
                    await self._cleanup()

        asyncio.run(serve())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + self.ready_within_s
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError("uvicorn exited before it started")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn not ready within {self.ready_within_s:g}s")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
