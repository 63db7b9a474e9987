"""``GET /roles/blocks`` and ``POST /roles/compose`` (no ``data`` envelope, like the original).
Body validation is the composer's own (``parse_compose_request``): ``MISSING_PARAM`` "task
required", ``INVALID_PARAM`` naming a field of the wrong type."""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from smart_spawn_plugin.server.deps import bytes_response, json_response
from smart_spawn_plugin.server.encoding import dumps, loads_body
from smart_spawn_plugin.server.routing import Routes
from smart_spawn_plugin.server.shape import compose_body, wants_full

router = Routes()

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
async def blocks(request: Request) -> Response:
    """``{personas, stack, domains, formats, guardrails, counts}``."""
    return bytes_response(_blocks_body())


@functools.cache
def _blocks_body() -> bytes:
    """The block list never changes while the process runs: serialised once."""
    from smart_spawn_plugin.roles import list_blocks

    return dumps(list_blocks())


@router.post("/roles/compose", summary="Compose a role prompt", openapi_extra=_COMPOSE_SCHEMA)
async def compose_route(request: Request) -> Response:
    """``{hasRole, persona, personaTitle, stack, domain, format, guardrails, wordCount,
    fullPrompt, warnings?}``; ``?explain=full`` adds ``rolePrompt`` and ``autoGuardrails``."""
    from smart_spawn_plugin.roles import compose, parse_compose_request

    full = wants_full(request)
    data: object = loads_body(await request.body())
    role = compose(parse_compose_request(data))
    return json_response(compose_body(role.wire(), full), envelope=False)
