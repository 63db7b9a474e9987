"""Asynchronous runs end to end: every mode against the fake OpenAI-compatible server, real
cost, cancel, the USD cap, retries, crash recovery and bad arguments — each with the runs store
on SQLite and on a real PostgreSQL server (``SMART_SPAWN_DATABASE_URL``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from smart_spawn_plugin.mcp.schema import open_runs_db
from smart_spawn_plugin.mcp.state import RUNS_DB
from smart_spawn_plugin.mcp.store import RunStore
from smart_spawn_plugin.modes import MODES
from smart_spawn_plugin.runtime import Runtime
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply
from tests.mcp.conftest import ClientFactory, call_error, call_ok, wait_finished, wait_until


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request: pytest.FixtureRequest, services: Runtime) -> Runtime:
    """The runtime, its MCP runs store on ``request.param`` (the routing store stays SQLite)."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_server").create("runs")
        server = services.settings.server.model_copy(update={"database_url": SecretStr(url)})
        services.settings = services.settings.model_copy(update={"server": server})
    return services


def runs_target(services: Runtime) -> Path | str:
    """Where the MCP server built over ``services`` keeps its runs."""
    url = services.settings.server.database_url
    home = services.settings.mcp.home_for(services.settings.home)
    return url.get_secret_value() if url is not None else home / RUNS_DB


@pytest.mark.parametrize("mode", list(MODES))
async def test_a_full_run_in_each_mode(
    mode: str, mcp_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    async with mcp_client() as client:
        created = await call_ok(
            client, "smartspawn_run_create",
            {"task": "write a python function that parses csv files", "mode": mode},
        )  # fmt: skip
        assert created["status"] == "queued"
        status = await wait_finished(client, created["run_id"])
        result = await call_ok(
            client, "smartspawn_run_result", {"run_id": created["run_id"], "include_raw": True}
        )
        merged = await call_ok(
            client, "smartspawn_artifact_get", {"run_id": created["run_id"], "node_id": "merged"}
        )
        listed = await call_ok(client, "smartspawn_run_list", {})
    assert status["status"] == "completed"
    assert status["progress"]["percent"] == 100.0
    nodes = status["nodes"]
    assert nodes and all(n["status"] in ("completed", "skipped") for n in nodes)
    calls = len(fake_openai.requests)
    assert calls == sum(1 for n in nodes if n["status"] == "completed")
    # cost comes from the provider's reported usage, node by node
    assert result["cost"]["usd"] == pytest.approx(0.001 * calls)
    assert result["cost"]["prompt_tokens"] == 10 * calls
    assert result["merged_output"] == "fake answer"
    assert merged["artifact_type"] == "merged"
    assert merged["metadata"]["bytes"] == len("fake answer")
    assert len(result["raw_outputs"]) == calls
    assert listed["runs"][0]["run_id"] == created["run_id"]


async def test_node_artifacts_and_result_json(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        run = await call_ok(client, "smartspawn_run_create", {"task": "say hi", "mode": "single"})
        await wait_finished(client, run["run_id"])
        node = await call_ok(
            client, "smartspawn_artifact_get", {"run_id": run["run_id"], "node_id": "node-1"}
        )
        full = await call_ok(
            client, "smartspawn_artifact_get", {"run_id": run["run_id"], "node_id": "result"}
        )
        missing = json.loads(
            await call_error(
                client, "smartspawn_artifact_get", {"run_id": run["run_id"], "node_id": "node-9"}
            )
        )
    assert node["content"] == "fake answer"
    assert len(node["metadata"]["sha256"]) == 64
    assert json.loads(full["content"])["status"] == "ok"
    assert missing["error"] == {
        "code": "NOT_FOUND", "message": missing["error"]["message"], "field": "node_id"
    }  # fmt: skip


async def test_cancel_stops_running_nodes(
    mcp_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(content="too late", delay=60)
    async with mcp_client() as client:
        run = await call_ok(client, "smartspawn_run_create", {"task": "say hi", "mode": "single"})
        await wait_until(client, run["run_id"], lambda s: s["progress"]["running_nodes"] == 1)
        cancelled = await call_ok(client, "smartspawn_run_cancel", {"run_id": run["run_id"]})
        status = await call_ok(client, "smartspawn_run_status", {"run_id": run["run_id"]})
        again = await call_ok(client, "smartspawn_run_cancel", {"run_id": run["run_id"]})
    assert cancelled == {"run_id": run["run_id"], "status": "cancelled"}
    assert status["status"] == "cancelled"
    assert [n["status"] for n in status["nodes"]] == ["cancelled"]
    assert again["status"] == "cancelled"  # a finished run is returned unchanged


async def test_cancel_a_queued_run(
    mcp_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(content="slow", delay=60)
    async with mcp_client(max_parallel_runs=1) as client:
        first = await call_ok(client, "smartspawn_run_create", {"task": "a", "mode": "single"})
        second = await call_ok(client, "smartspawn_run_create", {"task": "b", "mode": "single"})
        await wait_until(client, first["run_id"], lambda s: s["status"] == "running")
        queued = await call_ok(client, "smartspawn_run_status", {"run_id": second["run_id"]})
        out = await call_ok(client, "smartspawn_run_cancel", {"run_id": second["run_id"]})
        await call_ok(client, "smartspawn_run_cancel", {"run_id": first["run_id"]})
    assert queued["status"] == "queued"  # MAX_PARALLEL_RUNS=1 holds it back
    assert out["status"] == "cancelled"


async def test_the_usd_cap_stops_new_nodes(
    mcp_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(content="pricey", cost=1.0)
    async with mcp_client(max_usd_per_run=0.5, max_parallel_nodes_per_run=1) as client:
        run = await call_ok(
            client, "smartspawn_run_create", {"task": "write a poem", "mode": "collective"}
        )
        status = await wait_finished(client, run["run_id"])
        result = await call_ok(client, "smartspawn_run_result", {"run_id": run["run_id"]})
    # the first worker spent the cap: nothing else started, the rest are skipped nodes
    assert len(fake_openai.requests) == 1
    assert status["outcome"] in ("partial", "budget_exceeded")
    skipped = [n for n in status["nodes"] if n["status"] == "skipped"]
    assert skipped and all("USD cap" in (n["error"] or "") for n in skipped)
    assert result["cost"]["usd"] == pytest.approx(1.0)


async def test_limits_may_only_tighten_the_server_caps(mcp_client: ClientFactory) -> None:
    async with mcp_client(max_usd_per_run=1.0) as client:
        text = await call_error(
            client, "smartspawn_run_create",
            {"task": "x", "mode": "single", "limits": {"max_usd": 2}},
        )  # fmt: skip
    error = json.loads(text)["error"]
    assert error["field"] == "limits.max_usd"
    assert "MAX_USD_PER_RUN" in error["message"]


async def test_bad_run_arguments_get_error_results(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        assert "mode" in await call_error(client, "smartspawn_run_create", {"task": "x"})
        assert "mode" in await call_error(
            client, "smartspawn_run_create", {"task": "x", "mode": "chaos"}
        )
        assert "task" in await call_error(
            client, "smartspawn_run_create", {"task": "", "mode": "single"}
        )
        assert "collective_count" in await call_error(
            client, "smartspawn_run_create", {"task": "x", "mode": "collective",
                                              "collective_count": 9},
        )  # fmt: skip
        assert "limit" in await call_error(client, "smartspawn_run_list", {"limit": 0})
        unknown = json.loads(await call_error(client, "smartspawn_run_status", {"run_id": "nope"}))
    assert unknown["error"]["field"] == "run_id"


async def test_a_mode_not_in_the_registry_is_refused(
    mcp_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(MODES, "swarm", raising=False)
    async with mcp_client() as client:
        text = await call_error(client, "smartspawn_run_create", {"task": "x", "mode": "swarm"})
    assert json.loads(text)["error"]["field"] == "mode"


async def test_retryable_errors_are_retried_and_others_are_not(
    mcp_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    async with mcp_client() as client:
        pick = await call_ok(client, "pick", {"task": "say hi"})
        fake_openai.script(pick["id"], FakeReply(status=429), FakeReply(status=503))
        ok_run = await call_ok(
            client, "smartspawn_run_create", {"task": "say hi", "mode": "single"}
        )
        ok_status = await wait_finished(client, ok_run["run_id"])
        retried = len(fake_openai.requests)
        fake_openai.script(pick["id"], FakeReply(status=400, error_message="bad request"))
        bad_run = await call_ok(
            client, "smartspawn_run_create", {"task": "say hi", "mode": "single"}
        )
        bad_status = await wait_finished(client, bad_run["run_id"])
    assert ok_status["status"] == "completed"
    assert retried == 3  # 429, 503, then the answer
    assert bad_status["status"] == "failed"
    assert len(fake_openai.requests) == retried + 1  # a 400 is not retried
    assert "bad request" in (bad_status["nodes"][0]["error"] or "")


async def test_crash_recovery_fails_interrupted_runs_and_resumes_queued_ones(
    mcp_client: ClientFactory, services: Runtime
) -> None:
    store = RunStore(open_runs_db(runs_target(services)))
    params = json.dumps({"task": "say hi", "mode": "single"})
    crashed = store.create_run(task="say hi", mode="single", budget="medium", params_json=params)
    assert store.claim(crashed.id)
    store.start_node(crashed.id, role="primary", label=None, model="openai/gpt-4o")
    waiting = store.create_run(task="say hi", mode="single", budget="medium", params_json=params)
    store.conn.close()
    async with mcp_client() as client:
        failed = await call_ok(client, "smartspawn_run_status", {"run_id": crashed.id})
        resumed = await wait_finished(client, waiting.id)
    assert failed["status"] == "failed"
    assert failed["outcome"] == "interrupted"
    assert [n["status"] for n in failed["nodes"]] == ["failed"]
    assert "restart" in failed["last_event"]
    assert resumed["status"] == "completed"


async def test_health(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        health = await call_ok(client, "smartspawn_health")
    assert health["executor_configured"] is True
    assert health["db_writable"] is True
    assert health["artifact_storage_writable"] is True
    assert health["worker_alive"] is True
    assert health["catalog_models"] > 0
    assert health["limits"]["max_usd_per_run"] == 5.0


def test_a_second_server_leaves_a_live_servers_runs_alone(tmp_path) -> None:
    """Issue 11 #15: start-up recovery on a shared home fails only runs whose owner is gone."""
    from smart_spawn_plugin.mcp.ownership import FileOwnership

    home = tmp_path / "mcp"
    first = RunStore(open_runs_db(home / RUNS_DB), FileOwnership(home))
    params = json.dumps({"task": "say hi", "mode": "single"})
    live = first.create_run(task="say hi", mode="single", budget="medium", params_json=params)
    assert first.claim(live.id)
    assert first.run(live.id).owner == first.ownership.owner  # type: ignore[union-attr]

    second = RunStore(open_runs_db(home / RUNS_DB), FileOwnership(home))
    assert second.recover() == []
    assert second.run(live.id).status == "running"

    first.close()  # the first server is gone (a crash drops the lock the same way)
    assert second.recover() == [live.id]
    recovered = second.run(live.id)
    assert recovered.status == "failed" and recovered.outcome == "interrupted"
    second.close()


def test_a_killed_owner_is_gone_at_once(tmp_path) -> None:
    """The owner lock is the kernel's: a process killed with SIGKILL releases it immediately."""
    import signal
    import subprocess
    import sys

    from smart_spawn_plugin.mcp.ownership import FileOwnership

    home = tmp_path / "mcp"
    code = (
        "import sys, time; from pathlib import Path;"
        "from smart_spawn_plugin.mcp.ownership import FileOwnership;"
        "o = FileOwnership(Path(sys.argv[1])); print(o.owner, flush=True); time.sleep(120)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(home)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        owner = proc.stdout.readline().strip()
        mine = FileOwnership(home)
        assert mine.alive(owner)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert not mine.alive(owner)
        mine.close()
    finally:
        proc.kill()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
