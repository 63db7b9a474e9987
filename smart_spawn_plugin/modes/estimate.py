"""What a planned run will cost, before anything runs: token assumptions × catalog prices.

Used by the recommend (dry-run) side of the graph modes. Nothing here is measured: every figure
is an assumption stated in :data:`ASSUMPTION`, so a reader knows what the estimate rests on:

- a node's prompt = its composed prompt as sent (role blocks, the overall task, its part), at
  :data:`~smart_spawn_plugin.engine.plan.swarm.CHARS_PER_TOKEN` characters a token, plus the outputs
  of its direct dependencies, which are carried into it;
- a node's completion = the typical (low) or generous (high) answer length of its category
  (:data:`~smart_spawn_plugin.engine.plan.swarm.COMPLETION_TOKENS`);
- the merge reads every node's output plus :data:`MERGE_OVERHEAD_TOKENS` of instructions and
  answers like a ``general`` task;
- price = the chosen model's catalog price per 1M prompt/completion tokens. A model without a
  known price is listed in ``unpriced`` and left out of the sums (never guessed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pydantic import Field

from smart_spawn_plugin.engine.plan.swarm import CHARS_PER_TOKEN, COMPLETION_TOKENS
from smart_spawn_plugin.models import Category, Pricing, Wire

MERGE_OVERHEAD_TOKENS: Final = 300
ASSUMPTION: Final = (
    "prompt = composed prompt chars/4 + direct dependencies' outputs; completion per category "
    "(low = typical, high = generous: coding 1500/6000, research 1200/5000, reasoning "
    "1000/5000, creative 800/3000, general 600/3000, fast-cheap 200/1000, vision 400/2000); "
    "merge reads every node's output + 300 tokens; USD at each chosen model's catalog price "
    "per 1M prompt/completion tokens"
)


class NodeCost(Wire):
    """One planned spawn's assumed tokens and USD (None when its model has no known price)."""

    id: str
    model: str
    prompt_tokens_low: int
    prompt_tokens_high: int
    completion_tokens_low: int
    completion_tokens_high: int
    usd_low: float | None
    usd_high: float | None


class RunCostEstimate(Wire):
    """The whole run's estimated USD (4 dp) at the low and high token assumptions."""

    currency: str = "USD"
    low: float
    high: float
    nodes: list[NodeCost]
    unpriced: list[str] = Field(default_factory=list)
    assumption: str = ASSUMPTION


@dataclass(frozen=True)
class PlannedSpawn:
    """What the estimate needs to know about one planned spawn."""

    id: str
    model: str
    category: Category
    prompt: str
    depends_on: Sequence[str]
    pricing: Pricing | None


def _usd(tokens_in: int, tokens_out: int, price: Pricing | None) -> float | None:
    if price is None:
        return None
    return round((tokens_in * price.prompt + tokens_out * price.completion) / 1e6, 6)


def estimate_run(nodes: Sequence[PlannedSpawn], merge: PlannedSpawn | None) -> RunCostEstimate:
    """Price ``nodes`` and the optional final ``merge`` (its prompt reads every node's output)
    under the module's assumptions."""
    completion = {n.id: COMPLETION_TOKENS[n.category] for n in nodes}
    costs: list[NodeCost] = []
    for node in nodes:
        base = math.ceil(len(node.prompt) / CHARS_PER_TOKEN)
        p_low = base + sum(completion[d][0] for d in node.depends_on if d in completion)
        p_high = base + sum(completion[d][1] for d in node.depends_on if d in completion)
        c_low, c_high = completion[node.id]
        costs.append(_cost(node, p_low, p_high, c_low, c_high))
    if merge is not None and len(nodes) > 1:
        base = MERGE_OVERHEAD_TOKENS + math.ceil(len(merge.prompt) / CHARS_PER_TOKEN)
        low = base + sum(c[0] for c in completion.values())
        high = base + sum(c[1] for c in completion.values())
        c_low, c_high = COMPLETION_TOKENS[merge.category]
        costs.append(_cost(merge, low, high, c_low, c_high))
    return RunCostEstimate(
        low=round(sum(c.usd_low or 0.0 for c in costs), 4),
        high=round(sum(c.usd_high or 0.0 for c in costs), 4),
        nodes=costs,
        unpriced=[c.id for c in costs if c.usd_low is None],
    )


def _cost(node: PlannedSpawn, p_low: int, p_high: int, c_low: int, c_high: int) -> NodeCost:
    return NodeCost(
        id=node.id,
        model=node.model,
        prompt_tokens_low=p_low,
        prompt_tokens_high=p_high,
        completion_tokens_low=c_low,
        completion_tokens_high=c_high,
        usd_low=_usd(p_low, c_low, node.pricing),
        usd_high=_usd(p_high, c_high, node.pricing),
    )
