"""A ``Spawner`` decorator that turns every spawn of an MCP run into a recorded node.

It wraps the real spawner (the reference gateway): when a spawn is accepted a ``running`` node
is stored; a watcher task waits for the sub-agent's end — whoever else waits or cancels — and
stores its status, model, tokens, real cost and output artifact. Refused spawns become ``failed``
nodes at once. :meth:`settle` waits for every watcher, so a run's nodes are final before the run
is. Modes never see the difference: this is the ``Spawner`` protocol, unchanged.
"""

from __future__ import annotations

import asyncio
from typing import Final

from smart_spawn_plugin.contract import (
    SpawnAccepted,
    Spawner,
    SpawnRequest,
    SubagentEnded,
    ToolContext,
)
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.mcp.artifacts import ArtifactFiles
from smart_spawn_plugin.mcp.schema import NodeState
from smart_spawn_plugin.mcp.store import RunStore

logger = get_logger(__name__)

_STATUS: Final[dict[str, NodeState]] = {
    "ok": "completed",
    "error": "failed",
    "timeout": "failed",
    "cancelled": "cancelled",
}


def _role(request: SpawnRequest) -> str:
    meta = request.metadata.get("smartSpawn")
    role = meta.get("role") if isinstance(meta, dict) else None
    return role if isinstance(role, str) else "primary"


class RecordingSpawner:
    """``Spawner`` over ``inner`` that records nodes of run ``run_id`` (module docstring)."""

    def __init__(self, inner: Spawner, store: RunStore, files: ArtifactFiles, run_id: str) -> None:
        self.inner = inner
        self.store = store
        self.files = files
        self.run_id = run_id
        #: spawn id (the gateway's run id) -> node id
        self.nodes: dict[str, str] = {}
        self._watchers: set[asyncio.Task[None]] = set()

    async def spawn(
        self, request: SpawnRequest, *, requester: ToolContext | None = None
    ) -> SpawnAccepted:
        accepted = await self.inner.spawn(request, requester=requester)
        model = accepted.model or request.model or "auto"
        node = self.store.start_node(
            self.run_id, role=_role(request), label=request.label, model=model
        )
        if accepted.status != "accepted" or accepted.run_id is None:
            self.store.end_node(
                self.run_id, node.id, "failed", error=accepted.error or f"spawn {accepted.status}"
            )
            return accepted
        spawn_id = accepted.run_id
        self.nodes[spawn_id] = node.id
        watcher = asyncio.create_task(self._watch(spawn_id, node.id), name=f"node-{node.id}")
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        return accepted

    async def _watch(self, spawn_id: str, node_id: str) -> None:
        try:
            ended = await self.inner.wait(spawn_id)
        except asyncio.CancelledError:
            self.store.end_node(self.run_id, node_id, "cancelled", error="run stopped")
            raise
        except Exception as exc:  # the node must end whatever broke
            logger.warning("node_wait_failed", run_id=self.run_id, node_id=node_id)
            self.store.end_node(self.run_id, node_id, "failed", error=f"{type(exc).__name__}")
            return
        self._record(node_id, ended)

    def _record(self, node_id: str, ended: SubagentEnded) -> None:
        status = _STATUS[ended.outcome]
        error = ended.error
        if ended.outcome == "timeout":
            error = f"timed out: {error}" if error else "timed out"
        if ended.output is not None:
            self.files.write(self.run_id, node_id, "raw", ended.output, model=ended.model)
        self.store.end_node(
            self.run_id,
            node_id,
            status,
            model=ended.model,
            spawn_id=ended.run_id,
            error=error,
            prompt_tokens=ended.usage.prompt_tokens,
            completion_tokens=ended.usage.completion_tokens,
            cost_usd=ended.cost_usd,
            duration_ms=ended.duration_ms,
        )

    async def wait(self, run_id: str, timeout: float | None = None) -> SubagentEnded:  # noqa: ASYNC109  # the Spawner contract
        return await self.inner.wait(run_id, timeout)

    async def cancel(self, run_id: str) -> None:
        await self.inner.cancel(run_id)

    async def settle(self) -> None:
        """Wait until every accepted spawn's node has its final status."""
        while self._watchers:
            await asyncio.gather(*list(self._watchers), return_exceptions=True)
