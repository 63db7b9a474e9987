"""Builders of small synthetic catalogs for selection tests."""

from __future__ import annotations

from smart_spawn_plugin.models import (
    Capabilities,
    Catalog,
    CategoryScore,
    Evidence,
    ModelRecord,
    Pricing,
    Speed,
)


def record(
    model_id: str,
    *,
    prompt: float,
    completion: float,
    scores: dict[str, float],
    vision: bool = False,
    tools: bool = True,
    context: int = 128_000,
    tps: float | None = None,
    ttft: float | None = None,
    baseline: bool = False,
    variant: str | None = None,
) -> ModelRecord:
    provenance = {
        cat: CategoryScore(
            score=score,
            baseline=baseline,
            evidence=[]
            if baseline
            else [
                Evidence(benchmark="arena", source="lmarena", raw=1400, normalized=score, weight=1),
                Evidence(
                    benchmark="intelligenceIndex",
                    source="artificial-analysis",
                    raw=50,
                    normalized=score,
                    weight=1,
                ),
            ],
        )
        for cat, score in scores.items()
    }
    base = model_id.split(":")[0] if variant else None
    return ModelRecord(
        id=model_id,
        name=model_id.split("/")[1],
        provider=model_id.split("/")[0],
        context_length=context,
        pricing=Pricing(prompt=prompt, completion=completion),
        capabilities=Capabilities(vision=vision, function_calling=tools),
        scores=scores,  # type: ignore[arg-type]
        provenance=provenance,  # type: ignore[arg-type]
        speed=Speed(output_tokens_per_second=tps, time_to_first_token=ttft),
        categories=["general", *[c for c in scores if c != "general"]],  # type: ignore[list-item]
        base_id=base,
        variant=variant,
    )


def small_catalog() -> Catalog:
    return Catalog(
        models=[
            record("anthropic/opus", prompt=5, completion=25, scores={"general": 90, "coding": 92}),
            record(
                "openai/gpt-big", prompt=1.75, completion=14, scores={"general": 88, "coding": 89}
            ),
            record(
                "google/flash",
                prompt=0.3,
                completion=2.5,
                scores={"general": 75, "coding": 74},
                vision=True,
                tps=200,
                ttft=0.4,
            ),
            record(
                "qwen/small",
                prompt=0.05,
                completion=0.2,
                scores={"general": 55, "coding": 50},
                tps=150,
                ttft=0.3,
            ),
            record(
                "qwen/small:free",
                prompt=0,
                completion=0,
                scores={"general": 55, "coding": 50},
                variant="free",
            ),
            record(
                "mystery/nobench",
                prompt=0.2,
                completion=0.6,
                scores={"general": 30, "coding": 30},
                baseline=True,
            ),
        ],
        norm_params={"arena": (1300.0, 50.0)},
    )
