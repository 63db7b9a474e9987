"""``GET /roles/blocks`` and ``POST /roles/compose`` (no ``data`` envelope, like the original).
Body validation is the composer's own (``parse_compose_request``): ``MISSING_PARAM`` "task
required", ``INVALID_PARAM`` naming a field of the wrong type."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from smart_spawn_plugin.errors import InvalidBody
from smart_spawn_plugin.server.deps import json_response

router = APIRouter()

_COMPOSE_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["task"],
                    "properties": {
                        "task": {"type": "string"},
                        "persona": {"type": "string"},
                        "stack": {"type": "array", "items": {"type": "string"}},
                        "domain": {"type": "string"},
                        "format": {"type": "string"},
                        "guardrails": {"type": "array", "items": {"type": "string"}},
                        "autoGuardrails": {"type": "boolean"},
                    },
                }
            }
        },
    }
}


@router.get("/roles/blocks", summary="Every role block id")
async def blocks() -> Response:
    """``{personas, stack, domains, formats, guardrails, counts}``."""
    from smart_spawn_plugin.roles import list_blocks

    return json_response(list_blocks(), envelope=False)


@router.post("/roles/compose", summary="Compose a role prompt", openapi_extra=_COMPOSE_SCHEMA)
async def compose_route(request: Request) -> Response:
    """``{hasRole, persona, personaTitle, stack, domain, format, guardrails, wordCount,
    fullPrompt, warnings?}``."""
    from smart_spawn_plugin.roles import compose, parse_compose_request

    raw = await request.body()
    try:
        data: object = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):
        raise InvalidBody("request body is not valid JSON") from None
    role = compose(parse_compose_request(data))
    return json_response(role.wire(), envelope=False)
