"""The closed word lists of the domain (categories, budgets, tiers, capabilities, modes,
strategies), as ``Literal`` types and their value tuples.

Pure Python on purpose: the CLI builds its argument parser from these without importing
pydantic, so ``smart-spawn --version`` and ``--help`` start fast. :mod:`smart_spawn_plugin.models`
re-exports every name here; import from whichever is at hand.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Category = Literal["coding", "reasoning", "creative", "research", "general", "fast-cheap", "vision"]
#: The original's ``KNOWN_CATEGORIES`` order.
CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)

Budget = Literal["low", "medium", "high", "any"]
BUDGETS: Final[tuple[Budget, ...]] = get_args(Budget)
#: What a request may ask for: a tier, or ``auto`` (the tier follows the task's complexity and
#: category; see ``engine.select.budget.auto_budget``).
BudgetChoice = Literal["low", "medium", "high", "any", "auto"]
BUDGET_CHOICES: Final[tuple[BudgetChoice, ...]] = get_args(BudgetChoice)

Tier = Literal["premium", "standard", "budget"]
TIERS: Final[tuple[Tier, ...]] = get_args(Tier)

Capability = Literal["vision", "functionCalling", "json", "reasoning"]
CAPABILITIES: Final[tuple[Capability, ...]] = get_args(Capability)

Mode = Literal["single", "collective", "cascade", "plan", "swarm"]
MODES: Final[tuple[Mode, ...]] = get_args(Mode)

Strategy = Literal[
    "balanced", "best_score", "best_cost_efficiency", "best_under_budget", "best_under_latency"
]
STRATEGIES: Final[tuple[Strategy, ...]] = get_args(Strategy)

SortKey = Literal["score", "cost", "efficiency"]

#: Reasoning effort levels (OpenRouter's ``reasoning.effort`` and AA's per-effort rows).
Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
EFFORTS: Final[tuple[Effort, ...]] = get_args(Effort)
