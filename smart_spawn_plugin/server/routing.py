"""Our routes, declared without importing FastAPI: one :class:`Routes` table per module.

Each route is one handler, ``async (request) -> Response``, that parses its own query model
(``deps.parse_query``) or body (``deps.parse_body``). The same handler serves both ways a request
can reach it: the fast path (``fastpath``, a dict from method and path to handler, which is all
``/api/pick`` needs at start-up) and FastAPI's router (:meth:`Routes.api_router`, built after
start-up for the OpenAPI document, the docs page and anything the fast path does not answer).
FastAPI costs ~0.15 s to import and build; declaring routes here keeps it off the start path.
A route's ``query`` model documents its parameters in the OpenAPI document as FastAPI would
have for ``Annotated[Model, Query()]``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from fastapi import APIRouter
    from starlette.requests import Request
    from starlette.responses import Response

Handler = Callable[["Request"], Awaitable["Response"]]


@dataclass(frozen=True)
class Route:
    """One route: ``method`` and ``path`` (without ``/api``), its handler and its docs."""

    method: str
    path: str
    endpoint: Handler
    summary: str
    query: type[BaseModel] | None = None
    openapi_extra: dict[str, Any] | None = None


@dataclass
class Routes:
    """The routes of one module, added by the :meth:`get` and :meth:`post` decorators."""

    routes: list[Route] = field(default_factory=list)

    def get(
        self,
        path: str,
        *,
        summary: str,
        query: type[BaseModel] | None = None,
        openapi_extra: dict[str, Any] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register a ``GET`` route; returns the handler unchanged."""
        return self._add("GET", path, summary, query, openapi_extra)

    def post(
        self, path: str, *, summary: str, openapi_extra: dict[str, Any] | None = None
    ) -> Callable[[Handler], Handler]:
        """Register a ``POST`` route; returns the handler unchanged."""
        return self._add("POST", path, summary, None, openapi_extra)

    def _add(
        self,
        method: str,
        path: str,
        summary: str,
        query: type[BaseModel] | None,
        openapi_extra: dict[str, Any] | None,
    ) -> Callable[[Handler], Handler]:
        def register(endpoint: Handler) -> Handler:
            self.routes.append(Route(method, path, endpoint, summary, query, openapi_extra))
            return endpoint

        return register

    def api_router(self) -> APIRouter:
        """These routes as a FastAPI router (imports FastAPI)."""
        from fastapi import APIRouter

        router = APIRouter()
        for route in self.routes:
            add_to(router, route, route.path)
        return router


def add_to(target: Any, route: Route, path: str, *, include_in_schema: bool = True) -> None:
    """Add ``route`` at ``path`` to a FastAPI app or router (``add_api_route``)."""
    extra = dict(route.openapi_extra or {})
    if route.query is not None:
        extra["parameters"] = query_parameters(route.query)
    target.add_api_route(
        path,
        route.endpoint,
        methods=[route.method],
        summary=route.summary,
        openapi_extra=extra or None,
        include_in_schema=include_in_schema,
    )


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI query parameters of ``model``'s fields, by alias, as FastAPI documents them."""
    schema = model.model_json_schema(by_alias=True)
    if "$defs" in schema:  # parameters are scalars or lists of them; a nested model is a bug
        raise TypeError(f"{model.__name__}: query parameters must not reference other models")
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        param["schema"] = prop
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params
