"""Pure ASGI middleware (no ``BaseHTTPMiddleware``: it is slow and buffers streams).

Order, outermost first (see ``app.create_app``):

1. :class:`CoreMiddleware` — request log line, security headers, ``Cache-Control`` policy,
   CORS, the 1 MiB body limit (413), the 16 KiB query-string limit (400), and ``HEAD`` on every
   ``GET`` route (answered as the ``GET`` with its headers and no body);
2. ``ratelimit.RateLimitMiddleware`` — 200/min per client, 2/h on ``POST /refresh`` (429);
3. :class:`AuthMiddleware` — API keys when the server is shared: sets ``state.user_key``;
4. ``cache.CacheMiddleware`` — the response cache of the five cacheable GETs.

``Cache-Control`` policy: every error (status ≥ 400) and every non-GET, ``/refresh`` and
``/spawn-log*`` response is ``no-store``; successful GETs of ``/models``, ``/pick``,
``/recommend``, ``/compare`` and ``/status`` are ``public, max-age=300`` (``private`` when the
server is shared, since answers then depend on the caller's key); other responses get none.

CORS: only ``GET``/``HEAD`` responses carry ``Access-Control-Allow-Origin`` (``*`` or the echoed
configured origin); a preflight for any other method is answered without CORS headers, so a
browser on another origin can read the catalog but cannot write feedback or trigger a refresh.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final

from smart_spawn_plugin.errors import (
    InvalidParam,
    PayloadTooLarge,
    SmartSpawnError,
    Unauthorized,
)
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.server.encoding import dumps
from smart_spawn_plugin.server.errors import route_of
from smart_spawn_plugin.settings import ServerSettings, user_key_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = get_logger(__name__)

CACHEABLE: Final = frozenset({"/models", "/pick", "/recommend", "/compare", "/status"})
PUBLIC_PATHS: Final = frozenset(
    {"/", "/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/refresh"}
)
#: The dashboard signs its callers in itself (API-key header or its session cookie; see
#: ``server.dashboard.auth``), so a browser without a key header reaches its sign-in page.
DASHBOARD_PREFIX: Final = "/dashboard"
_SECURITY: Final = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY")]
_NO_STORE: Final = b"no-store"
_REPLACED: Final = frozenset({b"cache-control", b"x-content-type-options", b"x-frame-options"})
#: longest accepted query string; every parameter's own limit fits well inside it
MAX_QUERY_BYTES: Final = 16 * 1024


async def send_error(send: Send, exc: SmartSpawnError, extra: list[tuple[bytes, bytes]]) -> None:
    """Send ``exc`` as the original's JSON error envelope."""
    body = dumps(exc.to_dict())
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of request header ``name`` (lower-case)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


class CoreMiddleware:
    """Log line, security and caching headers, CORS, body limit. Never changes a body."""

    def __init__(self, app: ASGIApp, config: ServerSettings) -> None:
        self.app = app
        self.config = config
        self.any_origin = "*" in config.cors_origins
        self.origins = frozenset(o.encode() for o in config.cors_origins)
        self.cache_value = b"private, max-age=300" if config.shared else b"public, max-age=300"

    def _cors(self, origin: bytes | None) -> list[tuple[bytes, bytes]]:
        if origin is None:
            return []
        if self.any_origin:
            return [(b"access-control-allow-origin", b"*")]
        if origin in self.origins:
            return [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]
        return []

    def _cache_control(self, method: str, route: str, status: int) -> bytes | None:
        if status >= 400 or method not in ("GET", "HEAD"):
            return _NO_STORE
        if route.startswith(("/refresh", "/spawn-log")):
            return _NO_STORE
        if route in CACHEABLE and 200 <= status < 300:
            return self.cache_value
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        method: str = scope["method"]
        route = route_of(scope["path"])
        origin = header(scope, b"origin")
        cors = self._cors(origin) if method in ("GET", "HEAD", "OPTIONS") else []
        if method == "OPTIONS" and origin is not None:
            wanted = header(scope, b"access-control-request-method") or b""
            allow = cors if wanted.upper() in (b"GET", b"HEAD") else []
            extra = [(b"access-control-allow-methods", b"GET, HEAD")] if allow else []
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [*_SECURITY, *allow, *extra],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        status_box = [500]

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                status_box[0] = status
                headers = [(k, v) for k, v in message.get("headers", ()) if k not in _REPLACED]
                headers.extend(_SECURITY)
                headers.extend(cors)
                value = self._cache_control(method, route, status)
                if value is not None:
                    headers.append((b"cache-control", value))
                message["headers"] = headers
            await send(message)

        if method == "HEAD":
            # The GET route answers; the body is dropped here (Content-Length stays, as RFC 9110
            # asks). The GET's response cache serves HEADs too.
            scope = {**scope, "method": "GET"}
            inner_send = send_wrapped

            async def send_wrapped(message: Message) -> None:
                if message["type"] == "http.response.body":
                    message = {**message, "body": b""}
                await inner_send(message)

        try:
            if len(scope.get("query_string", b"")) > MAX_QUERY_BYTES:
                status_box[0] = 400
                err = InvalidParam(f"query string must be at most {MAX_QUERY_BYTES} bytes")
                await send_error(send_wrapped, err, [])
                return
            if method in ("POST", "PUT", "PATCH"):
                body = await self._read_body(scope, receive)
                if body is None:
                    status_box[0] = 413
                    await send_error(send_wrapped, PayloadTooLarge("Payload Too Large"), [])
                    return
                receive = _replay(body, receive)
            await self.app(scope, receive, send_wrapped)
        finally:
            if self.config.access_log:
                log.info(
                    "http_request",
                    method=method,
                    path=scope["path"],
                    status=status_box[0],
                    ms=round((time.perf_counter() - start) * 1000, 2),
                    client=(scope.get("client") or ("-",))[0],
                )

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole request body, or ``None`` when it exceeds the limit."""
        limit = self.config.max_body_bytes
        declared = header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _is_dashboard(path: str) -> bool:
    return path == DASHBOARD_PREFIX or path.startswith(DASHBOARD_PREFIX + "/")


class AuthMiddleware:
    """Per-key scoping for shared servers.

    Without ``SMART_SPAWN_API_KEYS`` every request is ``user_key="local"``. With keys, every
    route but the index, health, OpenAPI document, ``/refresh`` (which has its own key) and the
    dashboard (which checks the same keys itself, also through a session cookie) needs
    ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; the request's ``state.user_key``
    is then a short hash of the key, so spawn logs and ratings are kept per key. Keys are
    compared in constant time.
    """

    def __init__(self, app: ASGIApp, config: ServerSettings) -> None:
        self.app = app
        self.keys = [k.encode() for k in config.api_keys]

    def _match(self, scope: Scope) -> bytes | None:
        given = header(scope, b"x-api-key")
        if given is None:
            auth = header(scope, b"authorization") or b""
            scheme, _, token = auth.partition(b" ")
            given = token.strip() if scheme.lower() == b"bearer" else None
        if not given:
            return None
        found = None
        for key in self.keys:  # no early exit: timing does not tell which key matched
            if hmac.compare_digest(given, key):
                found = key
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["user_key"] = "local"
        if self.keys:
            key = self._match(scope)
            if key is not None:
                state["user_key"] = user_key_of(key.decode())
            elif (
                route_of(scope["path"]) not in PUBLIC_PATHS
                and not _is_dashboard(scope["path"])
                and scope["method"] != "OPTIONS"
            ):
                await send_error(send, Unauthorized("Invalid or missing API key"), [])
                return
        await self.app(scope, receive, send)
