"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, for tests in any directory.

It is a real HTTP server (a thread), so the executor's whole stack is exercised: sockets,
timeouts, status codes, malformed bodies. Replies are scripted per model::

    server.script("openai/gpt-4o", FakeReply(content="hi", cost=0.01))
    server.script("m", FakeReply(status=429), FakeReply(content="ok"))   # then 200
    server.default = FakeReply(content="default answer")

Each scripted reply is used once, in order; when a model's script is empty the model's sticky
reply (``server.always(model, reply)``) or ``server.default`` answers. Every request is recorded
in ``server.requests``; ``server.max_in_flight`` is the highest number of requests in progress
at once (to check concurrency limits).

A request with ``stream: true`` gets the reply as server-sent events (one chunk per word, tool
calls in one chunk, usage last when ``stream_options.include_usage``), like OpenAI's.

Use it from pytest through the ``fake_openai`` fixture (tests/gateway/conftest.py), or directly::

    with FakeOpenAIServer() as server:
        executor = OpenAICompatExecutor(server.base_url, "sk-test")
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class FakeToolCall:
    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True)
class FakeReply:
    """One scripted answer. ``status`` != 200 sends an OpenRouter-style error body with
    ``error_message``; ``raw`` sends that exact body (e.g. malformed JSON); ``delay`` seconds
    pass before answering; ``cost`` None omits ``usage.cost`` (non-OpenRouter endpoints)."""

    content: str | None = "ok"
    tool_calls: tuple[FakeToolCall, ...] = ()
    prompt_tokens: int = 10
    completion_tokens: int = 5
    cost: float | None = None
    delay: float = 0.0
    status: int = 200
    error_message: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)
    raw: str | None = None
    served_model: str | None = None
    finish_reason: str | None = None
    #: for ``stream: true`` requests: after this many content chunks, an SSE error event and
    #: the end of the body (a mid-stream failure)
    stream_fail_after: int | None = None


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def model(self) -> str:
        return str(self.body.get("model"))


class FakeOpenAIServer:
    """See the module docstring. ``base_url`` ends in ``/v1`` like real providers."""

    def __init__(self) -> None:
        self.default = FakeReply()
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._scripts: defaultdict[str, deque[FakeReply]] = defaultdict(deque)
        self._sticky: dict[str, FakeReply] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # notified when in_flight changes
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- scripting ----

    def script(self, model: str, *replies: FakeReply) -> None:
        """Queue replies for ``model`` (as sent on the wire), each used once, in order."""
        with self._lock:
            self._scripts[model].extend(replies)

    def always(self, model: str, reply: FakeReply) -> None:
        """Answer ``model`` with ``reply`` whenever its script is empty."""
        with self._lock:
            self._sticky[model] = reply

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._sticky.clear()
            self.requests.clear()
            self.default = FakeReply()
            self.max_in_flight = self.in_flight

    def wait_in_flight(self, count: int, *, hang_guard: float = 30.0) -> bool:
        """Block until exactly ``count`` requests are being answered; False only if that never
        happens within ``hang_guard`` seconds (a guard against hanging, not a timing check).
        Call it from async tests with ``asyncio.to_thread``."""
        with self._changed:
            return self._changed.wait_for(lambda: self.in_flight == count, timeout=hang_guard)

    def requests_for(self, model: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.model == model]

    def _next_reply(self, model: str) -> FakeReply:
        with self._lock:
            queue = self._scripts.get(model)
            if queue:
                return queue.popleft()
            return self._sticky.get(model, self.default)

    # ---- lifecycle ----

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> Self:
        handler = _make_handler(self)
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        # a client that gave up (timeout, cancel) leaves a broken pipe: not a test failure
        httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self._httpd = httpd
        # a short poll interval keeps shutdown (fixture teardown) fast
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.02,), name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a scripted delay
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- answering (runs in server threads) ----

    def _enter(self) -> None:
        with self._changed:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._changed.notify_all()

    def _leave(self) -> None:
        with self._changed:
            self.in_flight -= 1
            self._changed.notify_all()

    def _record(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(path=path, headers=headers, body=body))

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


def completion_body(model: str, reply: FakeReply, index: int) -> dict[str, Any]:
    """The OpenAI/OpenRouter-shaped 200 body for a scripted reply."""
    usage: dict[str, Any] = {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }
    if reply.cost is not None:
        usage["cost"] = reply.cost
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id or f"call_{index}_{n}",
                "type": "function",
                "function": {
                    "name": call.name,
                    "arguments": call.arguments
                    if isinstance(call.arguments, str)
                    else json.dumps(call.arguments),
                },
            }
            for n, call in enumerate(reply.tool_calls)
        ]
    finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
    return {
        "id": f"gen-{index}",
        "object": "chat.completion",
        "model": reply.served_model or model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }


def stream_events(model: str, reply: FakeReply, index: int, usage: bool) -> list[dict[str, Any]]:
    """The chunks of a streamed reply (before ``[DONE]``); an ``error`` chunk after
    ``reply.stream_fail_after`` content chunks."""
    head = {"id": f"gen-{index}", "object": "chat.completion.chunk", "created": 0}
    head["model"] = reply.served_model or model
    words = (reply.content or "").split(" ") if reply.content else []
    chunks: list[dict[str, Any]] = [
        {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
    ]
    for n, word in enumerate(words):
        if reply.stream_fail_after is not None and n >= reply.stream_fail_after:
            chunks.append({"error": {"code": 502, "message": "upstream died mid-stream"}})
            return chunks
        text = word if n == 0 else " " + word
        chunks.append({**head, "choices": [{"index": 0, "delta": {"content": text}}]})
    full = completion_body(model, reply, index)
    message = full["choices"][0]["message"]
    if reply.tool_calls:
        calls = [{"index": n, **call} for n, call in enumerate(message["tool_calls"])]
        chunks.append({**head, "choices": [{"index": 0, "delta": {"tool_calls": calls}}]})
    finish = full["choices"][0]["finish_reason"]
    chunks.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if usage:
        chunks.append({**head, "choices": [], "usage": full["usage"]})
    return chunks


def _make_handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # stdlib name
            pass  # keep test output clean

        def _send(self, status: int, body: str, headers: dict[str, str]) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, chunks: list[dict[str, Any]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for chunk in chunks:
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                if "error" in chunk:
                    return
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send(400, json.dumps({"error": {"code": 400, "message": "bad json"}}), {})
                return
            server._record(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            if not self.path.endswith("/chat/completions"):
                self._send(404, json.dumps({"error": {"code": 404, "message": "not found"}}), {})
                return
            model = str(body.get("model"))
            reply = server._next_reply(model)
            server._enter()
            try:
                if reply.delay:
                    server._wait(reply.delay)
                if reply.raw is not None:
                    self._send(reply.status, reply.raw, reply.headers)
                elif reply.status != 200:
                    error = {"error": {"code": reply.status, "message": reply.error_message}}
                    self._send(reply.status, json.dumps(error), reply.headers)
                elif body.get("stream"):
                    usage = bool((body.get("stream_options") or {}).get("include_usage"))
                    self._stream(stream_events(model, reply, len(server.requests), usage))
                else:
                    payload = completion_body(model, reply, len(server.requests))
                    self._send(200, json.dumps(payload), reply.headers)
            finally:
                server._leave()

    return Handler
