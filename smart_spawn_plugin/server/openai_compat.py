"""The OpenAI-compatible endpoint: ``smart-spawn/auto`` as a model any OpenAI client can use.

- ``GET /v1/models``: the routed models (``smart-spawn/auto``, ``-low|-medium|-high|-any``,
  ``smart-spawn/openmark/<task>`` per imported OpenMark task) first, then every catalog id
  (sent straight through when named);
- ``POST /v1/chat/completions``: streaming (SSE) or not; the body passes through unchanged but
  for ``model`` (see ``tools.auto.completions``). The answer's ``model`` is the model that
  answered; ``x-smart-spawn-route`` carries the category, budget, reason and fallbacks used.

Auth and rate limits are the rest of the API's (middleware); errors leave in the API's
``{"error": {"code", "message"}}`` shape, which OpenAI clients read as their own.
"""

from __future__ import annotations

import json
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from smart_spawn_plugin.server.deps import parse_body, state_of, user_key_of_request
from smart_spawn_plugin.server.routing import Routes

router = Routes()

ROUTE_HEADER: Final = "x-smart-spawn-route"
_OWNER: Final = "smart-spawn"


class ChatMessageIn(BaseModel):
    """One message; every field but ``role`` passes through as sent."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Any = None


class ChatCompletionIn(BaseModel):
    """The fields checked here; every other field (tools, response_format, temperature, …) is
    forwarded unchanged."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=300)
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=10_000)
    stream: bool = False


def _model_entry(model_id: str, owner: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": owner}


@router.get("/v1/models", summary="OpenAI-compatible model list: routed models, then the catalog")
async def list_models(request: Request) -> Response:
    from smart_spawn_plugin.tools.auto.route import routed_ids  # ~0.1 s: off the start path

    runtime = state_of(request).runtime
    catalog = runtime.catalog.current().models
    data = [_model_entry(m, _OWNER) for m in routed_ids(runtime)]
    data.extend(_model_entry(m.id, m.id.split("/", 1)[0]) for m in catalog)
    body = json.dumps({"object": "list", "data": data}, separators=(",", ":"))
    return Response(body, media_type="application/json")


@router.post("/v1/chat/completions", summary="OpenAI-compatible chat completions, routed")
async def chat_completions(request: Request) -> Response:
    from smart_spawn_plugin.tools.auto.completions import AutoCompletions  # off the start path

    await parse_body(ChatCompletionIn, request)  # a bad body is a 400 naming the field
    body: dict[str, Any] = json.loads(await request.body())
    service = AutoCompletions(state_of(request).runtime)
    user_key = user_key_of_request(request)
    if body.get("stream"):
        answer = await service.stream(body, user_key=user_key)
        return StreamingResponse(
            answer.events,
            media_type="text/event-stream",
            headers={ROUTE_HEADER: answer.header, "x-accel-buffering": "no"},
        )
    result = await service.complete(body, user_key=user_key)
    return Response(
        json.dumps(result.payload, ensure_ascii=False).encode(),
        media_type="application/json",
        headers={ROUTE_HEADER: result.header},
    )
