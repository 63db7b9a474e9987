"""The MCP runs store on both engines (a SQLite file, a real PostgreSQL server): concurrent MCP
servers, each with its own connection, never lose or duplicate a run, a claim or a node; and run
ownership through a real Redis lease — a live owner's runs are left alone, a dead owner's are
recovered as ``interrupted`` once its lease expires."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from smart_spawn_plugin.mcp.ownership import FileOwnership, LeaseOwnership, open_ownership
from smart_spawn_plugin.mcp.schema import open_runs_db
from smart_spawn_plugin.mcp.state import RUNS_DB
from smart_spawn_plugin.mcp.store import RunStore
from tests.engines import free_port

PARAMS = json.dumps({"task": "say hi", "mode": "single"})
#: Upper bound on polls for a lease to expire (a hang guard, not a timing assertion).
POLLS = 600


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the runs live: a SQLite file or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "mcp" / RUNS_DB)
    return str(request.getfixturevalue("pg_server").create("runs"))


def together(workers: int, work: Callable[[RunStore, int], None], target: str) -> None:
    """Run ``work(store, i)`` on ``workers`` threads at once, each with its own connection (as
    separate MCP servers would); re-raise the first failure."""
    stores = [RunStore(open_runs_db(target)) for _ in range(workers)]
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            work(stores[i], i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    if errors:
        raise errors[0]


def test_concurrent_servers_claim_each_queued_run_exactly_once(target: str) -> None:
    store = RunStore(open_runs_db(target))
    made = {
        store.create_run(task=f"t{i}", mode="single", budget="low", params_json=PARAMS).id
        for i in range(24)
    }
    claimed: list[str] = []
    lock = threading.Lock()

    def work(mine: RunStore, _: int) -> None:
        while queued := mine.queued(5):
            for row in queued:
                if mine.claim(row.id):
                    with lock:
                        claimed.append(row.id)

    together(4, work, target)
    assert sorted(claimed) == sorted(made)  # every run once: none lost, none twice
    assert {r.status for r in store.runs(limit=100)} == {"running"}
    store.close()


def test_concurrent_nodes_and_events_are_neither_lost_nor_duplicated(target: str) -> None:
    store = RunStore(open_runs_db(target))
    run = store.create_run(task="t", mode="swarm", budget="low", params_json=PARAMS)

    def work(mine: RunStore, i: int) -> None:
        for j in range(5):
            node = mine.start_node(run.id, role=f"w{i}", label=str(j), model="openai/gpt-4o")
            mine.end_node(run.id, node.id, "completed", prompt_tokens=1)

    together(4, work, target)
    nodes = store.nodes(run.id)
    assert [n.seq for n in nodes] == list(range(1, 21))
    assert len({n.id for n in nodes}) == 20
    assert all(n.status == "completed" for n in nodes)
    # one "run created" event, then a start and an end per node
    assert len(store.events(run.id, limit=100)) == 1 + 2 * 20
    store.close()


def test_runs_are_listed_newest_first_and_artifacts_upserted(target: str) -> None:
    from smart_spawn_plugin.mcp.schema import ArtifactRow, now

    store = RunStore(open_runs_db(target))
    ids = [
        store.create_run(task=f"t{i}", mode="single", budget="low", params_json=PARAMS).id
        for i in range(3)
    ]
    assert [r.id for r in store.runs()] == ids[::-1]
    assert [r.id for r in store.queued(10)] == ids
    row = ArtifactRow(run_id=ids[0], node_id="merged", type="merged", path="a", bytes=1,
                      sha256="0" * 64, created_at=now())  # fmt: skip
    store.add_artifact(row)
    store.add_artifact(row.model_copy(update={"path": "b", "bytes": 2}))
    assert [(a.path, a.bytes) for a in store.artifacts(ids[0])] == [("b", 2)]
    store.close()


def test_a_file_owner_on_another_host_is_left_alone(tmp_path: Path) -> None:
    mine = FileOwnership(tmp_path)
    assert mine.alive(mine.owner)
    assert mine.alive("123-abcdef@some-other-host")  # cannot be judged here
    assert not mine.alive("123-abcdef")  # this host, no lock held: gone
    assert not mine.alive("../../etc/passwd")  # not an owner id at all
    assert not mine.alive(None)
    mine.close()
    assert not mine.alive(mine.owner)
    default = open_ownership(tmp_path, None)
    assert isinstance(default, FileOwnership)
    default.close()


_OWNER = """
import sys, time, json
from smart_spawn_plugin.mcp.ownership import LeaseOwnership
from smart_spawn_plugin.mcp.schema import open_runs_db
from smart_spawn_plugin.mcp.store import RunStore
store = RunStore(open_runs_db(sys.argv[1]), LeaseOwnership(sys.argv[2], ttl=float(sys.argv[3])))
run = store.create_run(task="t", mode="single", budget="low", params_json="{}")
assert store.claim(run.id)
print(json.dumps({"run": run.id, "owner": store.ownership.owner}), flush=True)
time.sleep(300)
"""


def test_a_dead_lease_owners_runs_are_recovered_and_a_live_ones_are_not(
    target: str, redis_server, tmp_path: Path
) -> None:
    # The owner that dies runs in its own process (as an MCP server on another host would).
    # Its lease is short so the test waits little for it to expire after the kill.
    proc = subprocess.Popen(
        [sys.executable, "-c", _OWNER, target, redis_server.url, "1.5"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    live = RunStore(open_runs_db(target), LeaseOwnership(redis_server.url))
    me = RunStore(open_runs_db(target), open_ownership(tmp_path, redis_server.url))
    try:
        assert proc.stdout is not None
        doomed = json.loads(proc.stdout.readline())
        mine = live.create_run(task="t", mode="single", budget="low", params_json=PARAMS)
        assert live.claim(mine.id)
        assert isinstance(me.ownership, LeaseOwnership)

        assert me.recover() == []  # both owners alive: nothing is touched
        assert me.run(doomed["run"]).status == "running"

        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        for _ in range(POLLS):  # the lease outlives its owner by at most its ttl
            if not me.ownership.alive(doomed["owner"]):
                break
            time.sleep(0.05)
        assert not me.ownership.alive(doomed["owner"])

        assert me.recover() == [doomed["run"]]
        recovered = me.run(doomed["run"])
        assert recovered.status == "failed" and recovered.outcome == "interrupted"
        assert me.run(mine.id).status == "running"  # the live owner's run is left alone
        assert me.ownership.alive(live.ownership.owner)  # type: ignore[union-attr]
    finally:
        proc.kill()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
        live.close()
        me.close()
    # a stopped server drops its lease at once: its runs are recoverable straight away
    fresh = LeaseOwnership(redis_server.url)
    assert not fresh.alive(live.ownership.owner)  # type: ignore[union-attr]
    fresh.close()


def test_while_redis_cannot_be_asked_no_run_is_failed(target: str) -> None:
    owner = RunStore(open_runs_db(target))
    run = owner.create_run(task="t", mode="single", budget="low", params_json=PARAMS)
    owner.conn.execute("UPDATE runs SET status = 'running', owner = ? WHERE id = ?",
                       ("99-abc@elsewhere", run.id))  # fmt: skip
    blind = RunStore(
        open_runs_db(target), LeaseOwnership(f"redis://127.0.0.1:{free_port()}/0", ttl=1)
    )
    try:
        assert blind.recover() == []
        assert blind.run(run.id).status == "running"
    finally:
        blind.close()
        owner.close()
