"""uvicorn's httptools protocol with the limits it lacks: a request-head size cap and a
request-head timeout (slow or silent clients).

uvicorn + httptools as shipped accepts request heads of any size (a 100 MB header took the
server from 115 to 316 MB) and never closes a connection that has not sent a request yet (250
idle sockets used up 256 file descriptors). :class:`BoundedHttpToolsProtocol` counts the bytes of
each request head as they arrive and answers ``431`` and closes once they pass
``max_head_bytes``; a connection whose request head is not complete within ``head_timeout``
seconds of its first byte (or of connecting) gets ``408`` and is closed. Keep-alive idleness
after a response stays uvicorn's ``timeout_keep_alive``; the number of connections and tasks is
bounded by uvicorn's ``limit_concurrency`` (``503`` beyond it). See ``serve.uvicorn_options``.

It also coalesces each response into one socket write: uvicorn writes the status line and
headers, then the body, as two ``transport.write`` calls — two system calls per response, which
the profile showed as the largest single cost of a small cached answer. :class:`_Coalescing`
buffers writes made during one event-loop iteration and flushes them together (a close or
end-of-output flushes first), so ordering and back-pressure are unchanged.

The count is per ``data_received`` chunk while the head is incomplete, so the head may exceed
the cap by at most one read (the transport reads at most 256 KiB at a time) before it is cut.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: seconds a rejected connection is kept half-open (input discarded) so the client reads the
#: reply before the close (closing with unread input sends a reset, which can destroy the reply)
LINGER_S = 1.0


class _Coalescing:
    """A transport proxy joining the writes of one loop iteration into one ``write``."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._buffer: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._buffer:
            self._loop.call_soon(self.flush)
        self._buffer.append(bytes(data))

    def flush(self) -> None:
        if self._buffer:
            data = b"".join(self._buffer)
            self._buffer.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """:class:`HttpToolsProtocol` with a request-head size cap and a request-head timeout."""

    max_head_bytes: ClassVar[int] = 32 * 1024
    head_timeout: ClassVar[float] = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._rejected = False

    @classmethod
    def configured(cls, *, max_head_bytes: int, head_timeout: float) -> type[HttpToolsProtocol]:
        """A subclass with these limits (uvicorn instantiates the class itself)."""
        attrs = {"max_head_bytes": max_head_bytes, "head_timeout": head_timeout}
        return type("BoundedHttpToolsProtocol", (cls,), attrs)

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._on_head_timeout)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _reject(self, status: bytes, message: str) -> None:
        """Answer ``status`` and close: the reply, end of output, input discarded, then close
        after ``LINGER_S``."""
        self._disarm()
        self._rejected = True
        body = message.encode("ascii")
        transport = self.transport
        transport.write(
            b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        if transport.can_write_eof():
            transport.write_eof()
            self.loop.call_later(LINGER_S, transport.close)
        else:  # pragma: no cover - TLS transports cannot half-close
            transport.close()

    def _on_head_timeout(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self._reject(b"408 Request Timeout", "Request head not received in time")

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = _Coalescing(transport, self.loop)  # type: ignore[assignment]
        self._arm()  # a connection that never sends a request is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._rejected:
            return
        if self._in_head:
            self._head_bytes += len(data)
            self._arm()
        super().data_received(data)
        if (
            self._in_head
            and self._head_bytes > self.max_head_bytes
            and not self.transport.is_closing()
        ):
            self._reject(b"431 Request Header Fields Too Large", "Request head too large")

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._head_bytes = 0
