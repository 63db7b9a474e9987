"""The ``llm`` plugin (extra ``llm``; entry point group ``llm``, name ``smart-spawn``).

Two things for Simon Willison's ``llm``:

- **Tools** (``register_tools``): the :class:`SmartSpawn` toolbox — ``pick``, ``recommend``,
  ``spawn`` (runs a task on the best model *your* llm can run, through llm's own models) and
  ``feedback``. So ``llm -T SmartSpawn '…'`` and ``llm chat -T 'SmartSpawn(budget="low")'`` work.
- **A routed model** (``register_models``): ``smart-spawn/auto`` (alias ``smart-spawn``) and its
  budget variants ``smart-spawn/auto-low``, ``-high`` and ``-any``. For each prompt it picks the
  best model among the models installed in llm (with their keys present) that the smart-spawn
  catalog knows, runs the prompt on it, records it as the response's ``resolved_model`` (shown
  by ``llm logs``), puts the decision in ``response_json`` and, unless ``-o announce 0``, names
  it on stderr.

Everything here is synchronous (llm calls tools and models from sync code, sometimes inside a
running event loop), so it uses the runtime's synchronous use cases (``runtime.local.pick_now``,
``recommend_now``, ``Runtime.rate_now``) — the same selection, the same feedback blending, the
same rating path (community report queued when opted in) — never ``asyncio.run``. Routing is
always local (the in-process engine over ``SMART_SPAWN_HOME``); the runtime is opened on first
use, never at import or registration.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, Final, get_args

import llm
from pydantic import Field

from smart_spawn_plugin.client.base import OutcomeReport, stars, verdict
from smart_spawn_plugin.engine.catalog.aliases import AliasTable
from smart_spawn_plugin.engine.select.requests import Decision, PickRequest
from smart_spawn_plugin.errors import InvalidParam, NoModel
from smart_spawn_plugin.models import Budget, Category, bare_model_id
from smart_spawn_plugin.runtime import Runtime

ROUTED_PREFIX: Final = "smart-spawn/"
_BUDGETS: Final[tuple[str, ...]] = get_args(Budget)
_CATEGORIES: Final[tuple[str, ...]] = get_args(Category)


def _budget(value: str, field: str = "budget") -> Budget:
    if value not in _BUDGETS:
        raise InvalidParam(f"{field}: must be one of {', '.join(_BUDGETS)}", field=field)
    return value  # type: ignore[return-value]  # checked against the Literal's values


def _category(value: str) -> Category:
    if value not in _CATEGORIES:
        raise InvalidParam(f"category: must be one of {', '.join(_CATEGORIES)}", field="category")
    return value  # type: ignore[return-value]  # checked against the Literal's values


def _runnable(model: llm.Model) -> bool:
    """Whether llm can run ``model`` now: it needs no key, or its key is set."""
    try:
        model.get_key()
    except llm.NeedsKeyException:
        return False
    return True


class Router:
    """Sync routing over the local engine; opens the ``Runtime`` lazily (once)."""

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime.open(recommender="local")
        return self._runtime

    def pick(self, request: PickRequest) -> Decision:
        return self.runtime.local.pick_now(request)

    def catalog_id(self, model_id: str, by_id: dict[str, object]) -> str | None:
        """The catalog id an llm model id stands for (exact, ``openrouter/`` prefixed, a unique
        id tail such as ``gpt-4o-mini``, or a curated alias), else None."""
        bare = bare_model_id(model_id)
        if bare in by_id:
            return bare
        tails = [cid for cid in by_id if cid.rsplit("/", 1)[-1].lower() == bare.lower()]
        if len(tails) == 1:
            return tails[0]
        found = AliasTable.load().lookup(bare)
        return found if found in by_id else None

    def runnable_models(self) -> dict[str, llm.Model]:
        """Catalog id → the llm model that runs it, among llm's models with keys present."""
        by_id: dict[str, object] = dict(self.runtime.catalog.selector().by_id)
        found: dict[str, llm.Model] = {}
        for model in llm.get_models():
            if model.model_id.startswith(ROUTED_PREFIX) or not _runnable(model):
                continue
            cid = self.catalog_id(model.model_id, by_id)
            if cid is not None:
                found.setdefault(cid, model)
        return found

    def route(
        self, task: str, budget: Budget, category: Category | None = None
    ) -> tuple[llm.Model, Decision]:
        """The best runnable llm model for ``task``. ``NoModel`` when none is known/runnable."""
        runnable = self.runnable_models()
        if not runnable:
            raise NoModel(
                "none of the models your llm can run is in the smart-spawn catalog "
                "(install a provider plugin such as llm-openrouter and set its key)"
            )
        everything = self.runtime.catalog.current().models
        exclude = [m.id for m in everything if m.id not in runnable]
        request = PickRequest(task=task, category=category, budget=budget, exclude=exclude)
        decision = self.pick(request)
        # ``exclude`` cannot name router pseudo-models (``openrouter/*``): skip past them
        for cid in (decision.id, *decision.fallbacks, *(r.id for r in decision.runner_ups)):
            if cid in runnable:
                if cid == decision.id:
                    return runnable[cid], decision
                why = f"{decision.reason}; {decision.id} is not runnable here, so {cid}"
                return runnable[cid], decision.model_copy(update={"id": cid, "reason": why})
        raise NoModel(
            f"no model your llm can run fits the {budget} budget for this task", budget=budget
        )


_ROUTER = Router()


class SmartSpawn(llm.Toolbox):  # type: ignore[no-untyped-call]  # llm's __init_subclass__
    """Pick the best LLM for a task from benchmark data and your feedback, and run it."""

    def __init__(self, budget: str = "medium") -> None:
        self.budget = _budget(budget)

    def pick(self, task: str, category: str = "", budget: str = "") -> str:
        """The best model for a task: id, score, reason and runner-ups (JSON).
        category: optional, one of coding, reasoning, creative, research, general, fast-cheap,
        vision. budget: optional, low, medium, high or any."""
        request = PickRequest(
            task=task,
            category=_category(category) if category else None,
            budget=_budget(budget) if budget else self.budget,
        )
        d = _ROUTER.pick(request)
        # the original's camelCase names, as on every other surface
        out = {
            "id": d.id, "score": d.score, "category": d.category, "budget": d.budget,
            "reason": d.reason, "confidence": d.confidence,
            "runnerUps": [r.id for r in d.runner_ups],
        }  # fmt: skip
        return json.dumps(out)

    def recommend(self, task: str, count: int = 3) -> str:
        """Up to 5 diverse models for a task, best first (JSON)."""
        request = PickRequest(task=task, budget=self.budget)
        result = _ROUTER.runtime.local.recommend_now(request, count)
        return json.dumps(
            [{"id": r.model.id, "score": r.score, "reason": r.reason} for r in result.data]
        )

    def spawn(self, task: str, model: str = "") -> str:
        """Run a task as a sub-agent on the best model your llm can run (or the named llm
        model) and return its answer, headed by the model that answered."""
        if model:
            target = llm.get_model(model)
            why = "named by the caller"
        else:
            target, decision = _ROUTER.route(task, self.budget)
            why = decision.reason
        answer = target.prompt(task).text()
        return f"[answered by {target.model_id}: {why}]\n{answer}"

    def feedback(self, model: str, category: str, rating: float) -> str:
        """Rate a model's work on a category from 1 (bad) to 5 (excellent); later picks use it."""
        try:
            whole = stars(rating)
        except ValueError as exc:
            raise InvalidParam(f"rating: {exc}", field="rating") from exc
        chosen = _category(category)
        report = _ROUTER.runtime.local.checked(
            OutcomeReport(model=model, category=chosen, rating=whole)
        )
        reported = _ROUTER.runtime.rate_now(report)
        return json.dumps(
            {
                "recorded": True,
                "model": report.model,
                "category": chosen,
                "rating": whole,
                "communityReported": reported,
                "message": f"{report.model} will be {verdict(whole)} for {chosen} tasks.",
            }
        )


class SmartSpawnAuto(llm.Model):
    """``smart-spawn/auto[-budget]``: routes each prompt to the best model llm can run."""

    can_stream = True

    class Options(llm.Options):
        announce: bool = Field(default=True, description="Name the chosen model on stderr.")

    def __init__(self, budget: Budget = "medium", router: Router | None = None) -> None:
        self.budget = budget
        self.model_id = ROUTED_PREFIX + ("auto" if budget == "medium" else f"auto-{budget}")
        self.router = router or _ROUTER

    def execute(
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.Response,
        conversation: llm.Conversation | None,
    ) -> Iterator[str]:
        target, decision = self.router.route(prompt.prompt or "", self.budget)
        response.set_resolved_model(target.model_id)
        response.response_json = {
            "smart_spawn": {
                "model": target.model_id, "catalog_id": decision.id,
                "category": decision.category, "budget": decision.budget,
                "reason": decision.reason, "score": decision.score,
            }
        }  # fmt: skip
        if getattr(prompt.options, "announce", True):
            print(f"smart-spawn: {self.model_id} → {target.model_id} ({decision.reason})",
                  file=sys.stderr)  # fmt: skip
        inner = target.prompt(
            prompt.prompt, system=prompt.system, attachments=prompt.attachments, stream=stream
        )
        yield from inner
        usage: Any = inner.usage()
        response.set_usage(input=usage.input, output=usage.output)


@llm.hookimpl
def register_tools(register: Any) -> None:
    register(SmartSpawn)


@llm.hookimpl
def register_models(register: Any) -> None:
    register(SmartSpawnAuto("medium"), aliases=["smart-spawn"])
    for budget in ("low", "high", "any"):
        register(SmartSpawnAuto(budget))
