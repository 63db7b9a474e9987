"""Helpers shared by the server tests."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from smart_spawn_plugin.server.deps import ServerState


def client_for(app: FastAPI, client: tuple[str, int] = ("127.0.0.1", 50000)) -> httpx.AsyncClient:
    """An in-process client; ``client`` is the socket peer address the app sees."""
    transport = httpx.ASGITransport(app=app, client=client)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def state(app: FastAPI) -> ServerState:
    result: ServerState = app.state.server
    return result


def error(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error response (asserting the envelope)."""
    body = response.json()
    assert set(body) == {"error"}, body
    err: dict[str, Any] = body["error"]
    assert isinstance(err["code"], str) and err["message"]
    return err
