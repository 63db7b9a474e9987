"""Budget tiers, decided on blended cost (3:1 prompt:completion, USD per 1M tokens).

| budget | blended price range |
|--------|---------------------|
| low    | 0 – 1.00            |
| medium | 0 – 5.00            |
| high   | 0 – 30.00           |
| any    | no limit            |
| auto   | one of the above, from the task's complexity and category (:func:`auto_budget`) |

Ranges are nested, not windows: a higher budget *allows* more spend, it does not force it, so an
excellent model priced just under a boundary is never hidden (the original's $2 floor on "high"
did that). Quality decides within the range. Prices below zero (OpenRouter's router
pseudo-models) are never in range.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

from smart_spawn_plugin.models import BUDGETS, Budget, BudgetChoice, Category, ModelRecord


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


#: ``auto``: complexity cuts between tiers (complexity below the first → low, …, above the last
#: → any). Complexity is "how likely a cheap model falls short" (engine.classify.complexity).
AUTO_CUTS: Final[tuple[tuple[float, Budget], ...]] = (
    (0.25, "low"),
    (0.45, "medium"),
    (0.65, "high"),
)
#: Per category, how far the complexity is shifted before the cut: look-ups and short
#: transformations rarely need a flagship; maths, proofs and research reward one.
AUTO_CATEGORY_SHIFT: Final[dict[Category, float]] = {
    "fast-cheap": -0.15,
    "general": -0.05,
    "creative": 0.0,
    "vision": 0.0,
    "coding": 0.05,
    "research": 0.1,
    "reasoning": 0.1,
}
#: The tier of ``auto`` when there is no task text to measure (a bare category).
AUTO_DEFAULT: Final[Budget] = "medium"


def auto_budget(complexity: float | None, category: Category) -> tuple[Budget, str]:
    """The tier ``auto`` chooses for a task, and the sentence that says why.

    ``complexity`` in [0, 1] (None: no task text) is shifted by the category's
    :data:`AUTO_CATEGORY_SHIFT` and cut by :data:`AUTO_CUTS`.
    """
    if complexity is None:
        return AUTO_DEFAULT, f"budget auto → {AUTO_DEFAULT}: no task text to measure"
    level = min(1.0, max(0.0, complexity + AUTO_CATEGORY_SHIFT.get(category, 0.0)))
    tier: Budget = next((b for cut, b in AUTO_CUTS if level < cut), "any")
    kind = (
        "simple"
        if tier == "low"
        else "moderate"
        if tier == "medium"
        else "demanding"
        if tier == "high"
        else "hard"
    )
    return tier, (
        f"budget auto → {tier}: {kind} {category} task (complexity {complexity:.2f}), "
        f"{BUDGET_RANGES[tier].label()}"
    )


def concrete_budget(choice: BudgetChoice, task: str | None, category: Category | None) -> Budget:
    """A tier for ``choice``: itself, or for ``auto`` the tier :func:`auto_budget` gives the task
    (classified for its complexity; a given ``category`` wins over the classifier's)."""
    if choice != "auto":
        return choice
    if not task or not task.strip():
        return auto_budget(None, category or "general")[0]
    from smart_spawn_plugin.engine.classify.classifier import classify

    result = classify(task)
    return auto_budget(result.signals.complexity, category or result.category)[0]
