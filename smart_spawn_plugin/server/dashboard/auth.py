"""Dashboard sign-in: the API's keys, carried by a header or by a session cookie.

On an unshared server (no ``SMART_SPAWN_API_KEYS``) everyone is ``local`` and nothing is asked.
On a shared server a request is signed in when it carries an API key the way the API takes it
(``Authorization: Bearer`` or ``X-API-Key``, checked by ``AuthMiddleware``), or the cookie the
sign-in form sets after checking a key. The key itself is never put in a URL or a cookie: the
cookie holds the key's non-reversible user id, an expiry and an HMAC under a per-process
secret (so sessions end when the server restarts). The cookie is ``HttpOnly``,
``SameSite=Strict`` and scoped to ``/dashboard``; form posts must also come from the same
origin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Final
from urllib.parse import urlsplit

from fastapi import Request

from smart_spawn_plugin.server.dashboard.backend import Backend
from smart_spawn_plugin.settings import user_key_of

COOKIE: Final = "ss_dashboard"
SESSION_S: Final = 12 * 3600
PATH: Final = "/dashboard"


def _secret(request: Request) -> bytes:
    """The app's per-process signing secret (made on first use)."""
    found: bytes | None = getattr(request.app.state, "dashboard_secret", None)
    if found is None:
        found = secrets.token_bytes(32)
        request.app.state.dashboard_secret = found
    return found


def _sign(secret: bytes, payload: str) -> str:
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()


def session_token(request: Request, user_key: str, now: float | None = None) -> str:
    """A signed cookie value for ``user_key``, valid for :data:`SESSION_S`."""
    expires = int((now or time.time()) + SESSION_S)
    payload = f"{user_key}.{expires}"
    return f"{payload}.{_sign(_secret(request), payload)}"


def _verify(request: Request, token: str, now: float | None = None) -> str | None:
    user_key, _, rest = token.partition(".")
    expires, _, signature = rest.partition(".")
    if not user_key or not expires.isdigit() or not signature:
        return None
    expected = _sign(_secret(request), f"{user_key}.{expires}")
    if not hmac.compare_digest(signature, expected):
        return None
    return user_key if int(expires) > (now or time.time()) else None


def user_key(request: Request, be: Backend) -> str | None:
    """The signed-in user's key, ``"local"`` on an unshared server, ``None`` when a shared
    server's caller has neither a valid key header nor a valid session cookie."""
    if not be.server_config.shared:
        return "local"
    if be.header_user_key != "local":
        return be.header_user_key
    token = request.cookies.get(COOKIE)
    return _verify(request, token) if token else None


def check_key(be: Backend, given: str) -> str | None:
    """The user key of ``given`` when it is one of the server's API keys (constant time)."""
    found = None
    for key in be.server_config.api_keys:
        if hmac.compare_digest(given.encode(), key.encode()):
            found = key
    return None if found is None else user_key_of(found)


def same_origin(request: Request) -> bool:
    """Whether a form post comes from this server's own pages (``Origin``, else ``Referer``,
    must name this host; a request with neither — curl, a test client — is allowed, since a
    browser always sends one of them on a cross-site post)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source is None
    host = request.headers.get("host", "")
    return urlsplit(source).netloc == host
