"""cascade: the cheapest adequate model first; a quality gate decides whether to escalate.

Contract (fixing the original's §11.27 and §11.33):

- **Start**: the first budget from ``low`` up to the user's budget that has a model, picked with
  ``best_cost_efficiency`` (score per dollar among models within 15 points of the best — so
  "cheapest *adequate*", not merely cheapest).
- **Gate** (:mod:`.gate`): cheap checks (error, empty, refusal, truncated), then a judge
  sub-agent with a rubric; confidence = score/10; pass when ≥ ``minConfidence``.
- **Escalate**: one budget up (``engine.budget.escalate``), ``balanced`` strategy, excluding
  every model already tried, at most ``maxEscalation`` times. **The user's budget is the
  ceiling**: at the ceiling, escalation tries the next untried model in that budget that is at
  least as strong as the last attempt; when none is left the cascade stops and says so. No
  spawn ever goes above the budget the user set.
- **Judge**: ``judgeModel`` if given, else the most cost-efficient ``general`` model within the
  ceiling other than the model being judged (a model does not grade itself when avoidable).
- **Log**: only spawns that really ran are logged (answers and judges), after they ended;
  ``escalations`` lists every attempt with its gate check and score.
- **Result**: the first answer that passes (``ok``); otherwise the best-scoring answer with
  status ``partial`` and an error saying no answer reached ``minConfidence``.
"""

from __future__ import annotations

from typing import Literal

from smart_spawn_plugin.engine.classify.classifier import classify
from smart_spawn_plugin.engine.select.budget import escalate
from smart_spawn_plugin.errors import NoModel
from smart_spawn_plugin.models import BUDGETS, Budget, Category, Pricing, Strategy
from smart_spawn_plugin.modes.base import (
    Escalation,
    ModeInstructions,
    ModeRequest,
    ModeResult,
    RoutedModel,
    SpawnCall,
    SpawnRecord,
)
from smart_spawn_plugin.modes.gate import (
    Verdict,
    cheap_check,
    judge_prompt,
    parse_judge,
    verdict_from_judge,
)
from smart_spawn_plugin.modes.run import RunContext
from smart_spawn_plugin.modes.support import (
    fixed_model,
    label,
    pick,
    pick_request,
    role_prompt,
    routed_from,
)

START_STRATEGY: Strategy = "best_cost_efficiency"
ESCALATION_STRATEGY: Strategy = "balanced"


class CascadeInstructions(ModeInstructions):
    """The original's cascade payload (cheap/premium) plus the full escalation ladder."""

    action: Literal["cascade"] = "cascade"
    cheap_model: str
    cheap_score: float | None
    cheap_pricing: Pricing | None
    premium_model: str | None
    premium_score: float | None
    premium_pricing: Pricing | None
    cheap_label: str
    premium_label: str | None
    task: str
    category: Category
    budget: Budget
    ladder: list[SpawnCall]
    min_confidence: float
    max_escalation: int
    judge_instructions: str
    escalation_hint: str


def resolve_category(req: ModeRequest) -> Category:
    """The request's category, or the classifier's for the task text."""
    return req.category or classify(req.task).category


class CascadeMode:
    name: Literal["cascade"] = "cascade"

    async def _next(
        self,
        req: ModeRequest,
        ctx: RunContext,
        category: Category,
        tried: list[RoutedModel],
        attempt: int,
    ) -> RoutedModel | None:
        """The model for ``attempt`` (1 = start), or None when escalation has nowhere to go.

        An escalation must be at least as strong as the last attempt: at the budget ceiling a
        weaker untried model is no escalation, so the cascade stops instead of stepping down.
        """
        ceiling = BUDGETS.index(req.budget)
        if not tried:
            ladder, strategy = list(BUDGETS[: ceiling + 1]), START_STRATEGY
        else:
            start = min(BUDGETS.index(escalate(tried[-1].budget)), ceiling)
            ladder, strategy = list(BUDGETS[start : ceiling + 1]), ESCALATION_STRATEGY
        floor = (tried[-1].score or 0.0) if tried else 0.0
        role = "cascade_cheap" if attempt == 1 else f"cascade_escalation_{attempt - 1}"
        exclude = [m.model for m in tried]
        for rung in ladder:
            request = pick_request(
                req, category=category, budget=rung, strategy=strategy, exclude=exclude
            )
            try:
                routed = await ctx.recommender.pick(request)
            except NoModel:
                continue
            choice = routed_from(routed.decision, role=role, source=routed.source)
            if (choice.score or 0.0) >= floor:
                return ctx.route(choice)
        return None

    async def _judge(
        self,
        req: ModeRequest,
        ctx: RunContext,
        answer: SpawnRecord,
        category: Category,
        attempt: int,
    ) -> tuple[Verdict, str]:
        role = f"cascade_judge_{attempt}"
        if req.judge_model:
            judge = fixed_model(
                ctx,
                req.judge_model,
                role=role,
                category="general",
                budget=req.budget,
                why="judge model named in the request",
            )
        else:
            request = pick_request(req, category="general", strategy=START_STRATEGY)
            try:
                judge = await pick(
                    ctx, request.model_copy(update={"exclude": [answer.model]}), role=role
                )
            except NoModel:  # only the answering model qualifies: let it judge, better than none
                judge = await pick(ctx, request, role=role)
        record = await ctx.spawn(
            task=judge_prompt(req.task, answer.output or ""),
            model=judge.model,
            label=label(req, f"smart-spawn-judge-{attempt}", category, judge.model),
            role="cascade_judge",
            mode=self.name,
            category="general",
            budget=judge.budget,
        )
        if not record.ok:
            return Verdict(
                passed=False,
                check="judge_failed",
                confidence=0.0,
                reason=f"judge spawn {record.outcome} (treated as low confidence)",
            ), judge.model
        return verdict_from_judge(parse_judge(record.output), req.min_confidence), judge.model

    async def execute(self, req: ModeRequest, ctx: RunContext) -> ModeResult:
        category = resolve_category(req)
        task, warnings = role_prompt(req, req.task)
        ctx.warnings.extend(warnings)
        tried: list[RoutedModel] = []
        best: tuple[float, str] | None = None
        for attempt in range(1, req.max_escalation + 2):
            choice = await self._next(req, ctx, category, tried, attempt)
            if choice is None:
                if attempt == 1:
                    raise NoModel(
                        f"No model found for {category} within budget={req.budget}",
                        budget=req.budget,
                    )
                ctx.warnings.append(
                    f"no stronger untried model within budget={req.budget}; stopped escalating"
                )
                break
            tried.append(choice)
            record = await ctx.spawn(
                task=task,
                model=choice.model,
                role=choice.role,
                mode=self.name,
                label=label(req, f"smart-spawn-cascade-{attempt}", category, choice.model),
                category=category,
                budget=choice.budget,
            )
            verdict, judge = cheap_check(record), None
            if verdict is None:
                if best is None:  # an answer that passed the cheap checks is a partial result
                    ctx.best_output = record.output
                verdict, judge = await self._judge(req, ctx, record, category, attempt)
            ctx.escalations.append(
                Escalation(
                    attempt=attempt,
                    model=record.model,
                    budget=choice.budget,
                    check=verdict.check,
                    score=verdict.confidence,
                    passed=verdict.passed,
                    reason=verdict.reason,
                    judge_model=judge,
                )
            )
            if verdict.passed:
                return ctx.finish(self.name, "ok", record.output)
            if verdict.check in ("judge", "judge_unparseable", "judge_failed") and record.output:
                score = verdict.confidence or 0.0
                if best is None or score > best[0]:
                    best = (score, record.output)
                    ctx.best_output = record.output
        ctx.errors.append(
            f"no answer reached minConfidence {req.min_confidence:g} "
            f"after {len(tried)} attempt(s); returning the best-scored answer"
        )
        return ctx.finish(self.name, "partial" if best else "failed", best[1] if best else None)

    async def recommend(self, req: ModeRequest, ctx: RunContext) -> CascadeInstructions:
        category = resolve_category(req)
        task, warnings = role_prompt(req, req.task)
        ladder: list[RoutedModel] = []
        for attempt in range(1, req.max_escalation + 2):
            choice = await self._next(req, ctx, category, ladder, attempt)
            if choice is None:
                break
            ladder.append(choice)
        if not ladder:
            raise NoModel(
                f"No model found for {category} within budget={req.budget}", budget=req.budget
            )
        calls = [
            SpawnCall(
                task=task,
                model=m.model,
                role=m.role,
                label=label(req, f"smart-spawn-cascade-{i}", category, m.model),
            )
            for i, m in enumerate(ladder, start=1)
        ]
        cheap, premium = ladder[0], (ladder[-1] if len(ladder) > 1 else None)
        return CascadeInstructions(
            mode=self.name,
            cheap_model=cheap.model,
            cheap_score=cheap.score,
            cheap_pricing=cheap.pricing,
            premium_model=premium.model if premium else None,
            premium_score=premium.score if premium else None,
            premium_pricing=premium.pricing if premium else None,
            cheap_label=calls[0].label,
            premium_label=calls[-1].label if premium else None,
            task=task,
            category=category,
            budget=req.budget,
            ladder=calls,
            min_confidence=req.min_confidence,
            max_escalation=req.max_escalation,
            judge_instructions=judge_prompt("<task>", "<answer>"),
            escalation_hint=(
                "Spawn the first model of the ladder. If its answer is empty, a refusal, "
                "truncated, or scores below minConfidence×10 on the judge rubric, spawn the next "
                "model of the ladder; stop at the first answer that passes."
            ),
            spawns=calls[:1],
            routing_decision=ctx.decision(),
            warnings=warnings,
        )
