"""The OpenAPI document, true to what the API answers.

FastAPI documents every route with ``200`` and ``422``; this API never answers 422 (validation
errors are the original's 400s) and does answer 400, 401, 404, 413, 429 and 500, all with one
error envelope. :func:`install_openapi` rewrites the generated document once: it drops 422 and
FastAPI's validation schemas, adds the ``ErrorEnvelope`` schema and the error responses each
operation can give, and notes that every ``GET`` route also answers ``HEAD``.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_ENVELOPE: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable error code",
                    "examples": ["INVALID_PARAM", "MISSING_PARAM", "RATE_LIMITED"],
                },
                "message": {"type": "string", "description": "What was wrong, naming the field"},
                "field": {"type": "string", "description": "The offending field, when one is"},
            },
        }
    },
}
_REF: Final = {"$ref": "#/components/schemas/ErrorEnvelope"}
_DESCRIPTIONS: Final = {
    "400": "Bad input: MISSING_PARAM, INVALID_PARAM or INVALID_BODY, naming the field",
    "401": "UNAUTHORIZED: missing or wrong API key (shared servers, refresh)",
    "404": "NOT_FOUND / NO_MODEL",
    "413": "PAYLOAD_TOO_LARGE: body over 1 MiB",
    "429": "RATE_LIMITED, with a Retry-After header (seconds)",
    "500": "INTERNAL: a bug; the body carries no detail",
}
_RETRY_AFTER: Final = {
    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
}


def _codes(method: str, path: str) -> list[str]:
    codes = ["400", "401", "429", "500"]
    if method in ("post", "put", "patch"):
        codes.append("413")
    if path.endswith(("/pick", "/compare")):
        codes.append("404")
    return sorted(codes)


def document(app: FastAPI) -> dict[str, Any]:
    """The rewritten OpenAPI document of ``app`` (see the module docstring)."""
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["ErrorEnvelope"] = _ENVELOPE
    for path, operations in doc.get("paths", {}).items():
        for method, op in operations.items():
            responses: dict[str, Any] = op.setdefault("responses", {})
            responses.pop("422", None)
            for code in _codes(method, path):
                entry: dict[str, Any] = {
                    "description": _DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": _REF}},
                }
                if code == "429":
                    entry["headers"] = _RETRY_AFTER
                responses.setdefault(code, entry)
            if method == "get":
                op["description"] = (op.get("description") or "") + "\n\nAlso answers HEAD."
    return doc


def install_openapi(app: FastAPI) -> None:
    """Serve :func:`document` (built once, on first request) as ``app``'s OpenAPI document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
