"""The five spawn modes, chosen through the :data:`MODES` table.

Each mode is one module with one class satisfying :class:`~.run.SpawnMode`. Callers look a mode
up by name and run it through a :class:`~.run.RunContext`::

    ctx = RunContext.for_request(spawner, recommender, req)
    result = await run_mode("cascade", req, ctx)        # execute strategy
    payload = await recommend_mode("cascade", req, ctx)  # recommend strategy (no spawns)
"""

from __future__ import annotations

from typing import Final

from smart_spawn_plugin.models import Mode
from smart_spawn_plugin.modes.base import (
    ModeInstructions,
    ModeRequest,
    ModeResult,
    ModeStrategy,
)
from smart_spawn_plugin.modes.cascade import CascadeMode
from smart_spawn_plugin.modes.collective import CollectiveMode
from smart_spawn_plugin.modes.plan import PlanMode
from smart_spawn_plugin.modes.run import RunContext, SpawnMode
from smart_spawn_plugin.modes.single import SingleMode
from smart_spawn_plugin.modes.swarm import SwarmMode

MODES: Final[dict[Mode, SpawnMode]] = {
    "single": SingleMode(),
    "collective": CollectiveMode(),
    "cascade": CascadeMode(),
    "plan": PlanMode(),
    "swarm": SwarmMode(),
}


async def run_mode(mode: Mode, req: ModeRequest, ctx: RunContext) -> ModeResult:
    """Execute ``mode`` under the context's deadline, USD cap and cancellation."""
    return await ctx.run(MODES[mode], req)


async def recommend_mode(mode: Mode, req: ModeRequest, ctx: RunContext) -> ModeInstructions:
    """The recommend-strategy instructions of ``mode`` (nothing is spawned or logged)."""
    return await MODES[mode].recommend(req, ctx)


__all__ = [
    "MODES",
    "ModeInstructions",
    "ModeRequest",
    "ModeResult",
    "ModeStrategy",
    "RunContext",
    "SpawnMode",
    "recommend_mode",
    "run_mode",
]
