"""Budget tiers, decided on blended cost (3:1 prompt:completion, USD per 1M tokens).

| budget | blended price range |
|--------|---------------------|
| low    | 0 – 1.00            |
| medium | 0 – 5.00            |
| high   | 0 – 30.00           |
| any    | no limit            |

Ranges are nested, not windows: a higher budget *allows* more spend, it does not force it, so an
excellent model priced just under a boundary is never hidden (the original's $2 floor on "high"
did that). Quality decides within the range. Prices below zero (OpenRouter's router
pseudo-models) are never in range.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

from smart_spawn_plugin.models import BUDGETS, Budget, ModelRecord


class BudgetRange(NamedTuple):
    min: float
    max: float

    def contains(self, price: float) -> bool:
        return self.min <= price <= self.max

    def label(self) -> str:
        top = "∞" if math.isinf(self.max) else f"{self.max:g}"
        return f"${self.min:g}-{top}/M blended"


BUDGET_RANGES: Final[dict[Budget, BudgetRange]] = {
    "low": BudgetRange(0.0, 1.0),
    "medium": BudgetRange(0.0, 5.0),
    "high": BudgetRange(0.0, 30.0),
    "any": BudgetRange(0.0, math.inf),
}


def effective_price(model: ModelRecord) -> float:
    """The blended price used for budgets: the model's own blended price."""
    return model.pricing.blended


def in_budget(model: ModelRecord, budget: Budget) -> bool:
    """Whether the model's blended price lies in the budget's range."""
    return BUDGET_RANGES[budget].contains(effective_price(model))


def wider_budgets(budget: Budget) -> tuple[Budget, ...]:
    """The budgets above ``budget``, cheapest first."""
    return BUDGETS[BUDGETS.index(budget) + 1 :]


def escalate(budget: Budget) -> Budget:
    """The next budget up (``any`` stays ``any``)."""
    higher = wider_budgets(budget)
    return higher[0] if higher else budget
