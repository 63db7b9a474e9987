"""Per-app state and the small helpers route handlers share.

:class:`ServerState` is built once by ``create_app`` and kept on ``app.state.server``; handlers
get it with :func:`state_of`. It holds the process's :class:`~smart_spawn_plugin.runtime.Runtime`
(every pick, rating and spawn log goes through its local recommender, ``runtime.local``), the
server settings, the response cache and the refresher. Nothing here does I/O at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from smart_spawn_plugin.client.local import LocalRecommender
from smart_spawn_plugin.engine.catalog.status import StatusReport
from smart_spawn_plugin.errors import InvalidBody, SmartSpawnError
from smart_spawn_plugin.models import Catalog, Wire
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.cache import ResponseCache
from smart_spawn_plugin.server.encoding import dumps, loads_body
from smart_spawn_plugin.server.errors import translate_validation
from smart_spawn_plugin.server.refresher import Refresher
from smart_spawn_plugin.settings import ServerSettings
from smart_spawn_plugin.store.shared import LocalState, SharedState

_B = TypeVar("_B", bound=BaseModel)


@dataclass
class ServerState:
    """Everything the routes need, built once per app."""

    runtime: Runtime
    config: ServerSettings
    cache: ResponseCache
    refresher: Refresher
    status_memo: tuple[Catalog, StatusReport] | None = field(default=None)
    #: what the replicas share (Redis), or in-process state
    shared: SharedState = field(default_factory=LocalState)

    @property
    def service(self) -> LocalRecommender:
        """The in-process recommender: the server is the routing API, it never routes remotely."""
        return self.runtime.local


def state_of(request: Request) -> ServerState:
    """The app's :class:`ServerState`."""
    state: ServerState = request.app.state.server
    return state


def user_key_of_request(request: Request) -> str:
    """The caller's ``user_key`` (set by ``AuthMiddleware``; ``"local"`` when unshared)."""
    return str(request.scope.get("state", {}).get("user_key", "local"))


def parse_query(model: type[_B], request: Request) -> _B:
    """Validate the query string into ``model`` (unknown parameters ignored; the last value of a
    repeated parameter wins). Errors become the original's 400s."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]
        raise translate_validation(request.url.path, errors) from None


async def parse_body(model: type[_B], request: Request) -> _B:
    """The JSON object body validated into ``model``; bad JSON or a non-object is
    ``INVALID_BODY``, a bad field names itself (codes per route, see ``errors``)."""
    data: Any = loads_body(await request.body())
    if not isinstance(data, dict):
        raise InvalidBody("request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise translate_validation(request.url.path, errors) from None
    except SmartSpawnError:
        raise


def json_response(
    payload: Wire | dict[str, Any] | list[Any], *, envelope: bool = True, status: int = 200
) -> Response:
    """A JSON response; ``envelope`` wraps it as ``{"data": …}`` like most original routes.
    Serialised once, to bytes: Wire models by pydantic's Rust encoder (camelCase), anything
    else by orjson."""
    if isinstance(payload, Wire):
        body = payload.model_dump_json(by_alias=True).encode()
    else:
        body = dumps(payload)
    if envelope:
        body = b'{"data":' + body + b"}"
    return Response(body, status_code=status, media_type="application/json")


def bytes_response(body: bytes, *, status: int = 200) -> Response:
    """A response over an already-serialised JSON body."""
    return Response(body, status_code=status, media_type="application/json")
