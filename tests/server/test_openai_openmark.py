"""``smart-spawn/openmark/<task>``: the endpoint routes on the user's own OpenMark export, with
the seed's filters, strategies and freshness warning (official ``openai`` SDK, uvicorn, a fake
upstream on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai import OpenAI

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.settings import ServerSettings
from tests.fakes.live_server import LiveServer
from tests.fakes.openai_server import FakeOpenAIServer


class Served:
    def __init__(self, client: OpenAI, ids: list[str]) -> None:
        self.client = client
        self.ids = ids

    def ask(self, model: str) -> tuple[Any, dict[str, Any]]:
        raw = self.client.chat.completions.with_raw_response.create(
            model=model, messages=[{"role": "user", "content": "Rewrite this SQL query as CTEs"}]
        )
        return raw.parse(), json.loads(raw.headers["x-smart-spawn-route"])


def _export(path: Path, ids: list[str], *, exported_at: str | None = None) -> Path:
    a, b, c, d = ids
    header = "# task_name: sql-refactor\n# display_name: SQL refactoring\n"
    if exported_at:
        header += f"# exported_at: {exported_at}\n"
    path.write_text(
        header + "Model,OC OR Key,Score (%),Cost per call ($),Time (s),Stability,Completion %\n"
        f"Strong,{a},90,$0.05,9 s,±2,100%\n"
        f"Cheap,{b},84,$0.001,2 s,±3,96%\n"
        f"Flaky,{c},95,$0.003,1 s,±14,100%\n"
        f"Unfinished,{d},97,$0.001,1 s,±1,70%\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with FakeOpenAIServer() as upstream:
        runtime = Runtime.open(
            home=tmp_path / "home", recommender="local", base_url=upstream.base_url
        )
        ids = sorted(m.id for m in runtime.catalog.current().models if m.variant is None)[:4]
        export = _export(tmp_path / "sql.csv", ids, exported_at="2026-01-02")
        asyncio.run(runtime.catalog.refresh(import_csv=[export]))
        app = create_app(runtime, ServerSettings(access_log=False, background_refresh=False))
        with LiveServer(app, cleanup=runtime.aclose_http) as server:
            yield Served(OpenAI(base_url=server.base_url + "/v1", api_key="x", max_retries=0), ids)
        runtime.close()


def test_the_task_is_a_model_routed_on_its_own_rows(served: Served) -> None:
    strong, cheap, flaky, unfinished = served.ids
    listed = [m.id for m in served.client.models.list()]
    assert "smart-spawn/openmark/sql-refactor" in listed
    answer, route = served.ask("smart-spawn/openmark/sql-refactor@best_score")
    # the flaky (variance 14) and the unfinished (70 %) rows never answer
    assert answer.model == route["model"] == strong
    assert route["reason"].startswith(f"OpenMark sql-refactor, best_score: {strong} 90 %")
    assert "2 filtered out" in route["reason"]
    assert "stability variance 14 > 10" in route["reason"]
    assert "completion 70 % < 80 %" in route["reason"]
    # an export from January is older than freshnessWarningDays (30)
    assert "re-run the benchmark" in route["reason"]
    assert served.ask("smart-spawn/openmark/sql-refactor@best_cost_efficiency")[0].model == cheap
    assert served.ask("smart-spawn/openmark/sql-refactor")[0].model == cheap  # balanced
    assert served.ask("smart-spawn/openmark/sql-refactor@best_under_latency")[0].model == strong
    assert {flaky, unfinished}.isdisjoint({strong, cheap})


def test_an_unknown_task_or_strategy_is_a_clear_error(served: Served) -> None:
    with pytest.raises(openai.NotFoundError, match=r"no OpenMark task 'nope'.*sql-refactor"):
        served.ask("smart-spawn/openmark/nope")
    with pytest.raises(openai.BadRequestError, match="strategy must be one of"):
        served.ask("smart-spawn/openmark/sql-refactor@fastest")
