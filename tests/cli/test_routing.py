"""``smart-spawn pick|recommend|models|compare|classify|status|refresh`` (``cli.routing``)."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.conftest import SHARED

#: Every test starts from a home holding the built catalog (see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("warm_home")

JWT = "Refactor the auth module to use JWT"
TERRA = "openai/gpt-5.6-terra"


def test_pick_human_and_json(run: Run) -> None:
    code, out, _ = run("pick", JWT)
    assert code == 0
    assert "Best coding model at medium budget" in out
    assert "runner-up" in out and "\x1b[" not in out  # a plain table: not a terminal
    code, out, _ = run("--json", "pick", JWT)
    data = json.loads(out)
    assert data["category"] == "coding"
    assert data["candidateCount"] > 50
    assert data["evidence"]
    assert data["runnerUps"][0]["comparison"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--json", "pick", JWT],
        ["pick", JWT, "--json"],
        ["pick", "--json", JWT],
    ],
)
def test_global_flags_before_or_after_the_command(run: Run, argv: list[str]) -> None:
    code, out, err = run(*argv)
    assert code == 0, err
    assert json.loads(out)["category"] == "coding"


def test_home_after_the_command(run: Run, tmp_path: Path) -> None:
    home = tmp_path / "elsewhere"
    code, _, err = run("pick", JWT, "--home", str(home))
    assert code == 0, err
    assert (home / "smart-spawn.db").exists() or any(home.iterdir())


def test_verbose_logs_go_to_stderr_and_stdout_stays_json(run: Run) -> None:
    code, out, err = run("-vv", "--json", "refresh")
    assert code == 0
    json.loads(out)  # nothing but the JSON document on stdout
    assert "refresh" in err  # the engine's log lines went to stderr
    code, out, _ = run("pick", JWT, "--json", "--verbose")
    assert code == 0
    assert json.loads(out)["category"] == "coding"


def test_ratings_change_later_picks(run: Run) -> None:
    """Bug 1: pick went around the Recommender and ignored the user's ratings."""
    code, out, _ = run("--json", "pick", JWT)
    first = json.loads(out)["id"]
    for _ in range(3):
        code, _, err = run("feedback", first, "coding", "1")
        assert code == 0, err
    code, out, _ = run("--json", "pick", JWT)
    assert code == 0
    assert json.loads(out)["id"] != first
    # a model the user rated highly shows its personal score
    run("feedback", json.loads(out)["id"], "coding", "5")
    code, out, _ = run("--json", "pick", JWT)
    data = json.loads(out)
    assert data["personalScore"] is not None
    code, out, _ = run("pick", JWT)
    assert "your ratings" in out
    # recommend follows the ratings too
    code, out, _ = run("--json", "recommend", JWT, "--count", "5")
    ids = [r["model"]["id"] for r in json.loads(out)["data"]]
    assert ids[0] != first


def test_pick_budget_is_respected(run: Run) -> None:
    _, out, _ = run("--json", "pick", "--budget", "low", "Prove the Cauchy-Schwarz inequality")
    data = json.loads(out)
    assert (3 * data["pricing"]["prompt"] + data["pricing"]["completion"]) / 4 <= 1.0


def test_vision_task_gets_image_model(run: Run) -> None:
    _, out, _ = run("--json", "pick", "Describe what is in this screenshot")
    assert json.loads(out)["category"] == "vision"


def test_recommend_models_compare_status(run: Run) -> None:
    code, out, _ = run("--json", "recommend", "Write a short story", "--count", "3")
    data = json.loads(out)
    assert code == 0 and len(data["data"]) == 3
    assert len({r["model"]["provider"] for r in data["data"]}) == 3
    code, out, _ = run("--json", "models", "--category", "vision", "--limit", "5")
    data = json.loads(out)
    assert all(m["capabilities"]["vision"] for m in data["data"])
    ids = [m["id"] for m in data["data"][:2]]
    code, out, _ = run("--json", "compare", *ids)
    assert code == 0 and [m["id"] for m in json.loads(out)["models"]] == ids
    code, out, _ = run("--json", "status")
    data = json.loads(out)
    assert data["status"] == "ok" and data["modelCount"] > 300
    assert data["sources"]["livebench"]["matchRate"] > 0.5


def test_human_views_are_tables(run: Run) -> None:
    code, out, _ = run("recommend", "Write a short story")
    assert code == 0 and out.splitlines()[1].split()[:3] == ["#", "model", "score"]
    code, out, _ = run("models", "--limit", "3")
    lines = out.splitlines()
    assert lines[0] == "3 of 3 models" or lines[0].startswith("3 of ")
    assert lines[1].split()[:3] == ["model", "tier", "price/1M"] and len(lines) == 5
    code, out, _ = run("--json", "models", "--limit", "2")
    a, b = (m["id"] for m in json.loads(out)["data"])
    code, out, _ = run("compare", f"{a},{b}")
    assert code == 0 and a in out.splitlines()[0] and "price/1M" in out
    code, out, _ = run("status")
    assert out.startswith("catalog ok") and "livebench" in out


def test_classify_table_and_json_lines_from_args_and_stdin(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run("--json", "classify", "good morning", "用python实现快速排序")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 2
    assert lines[0]["category"] != "coding"
    assert lines[1]["category"] == "coding"
    assert set(lines[0]) >= {"category", "confidence", "signals"}
    code, out, _ = run("classify", "用python实现快速排序")
    header, row = out.splitlines()
    assert header.split() == ["task", "category", "confidence", "signals"]
    assert "coding" in row
    monkeypatch.setattr(sys, "stdin", io.StringIO("Translate hello to French\n\n"))
    code, out, _ = run("classify", "--json")
    assert code == 0 and len(out.splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "needle", "status"),
    [
        (["pick"], "give a task", 2),
        (["pick", ""], "give a task", 2),
        (["pick", "   "], "give a task", 2),
        (["pick", "x", "--budget", "cheap"], "invalid choice: 'cheap'", 2),
        (["pick", "x", "--require", "telepathy"], "require", 2),
        (["pick", "x", "--weights", "coding=heavy"], "bad weight", 2),
        (["pick", "x", "--weights", "vibes=2"], "bad weight", 2),
        (["compare", "only/one"], "at least two", 2),
        (["compare", TERRA, "nope/missing"], "unknown model: nope/missing", 2),
        (["compare", TERRA, "openai/gpt-5.6-terr"], "did you mean openai/gpt-5.6-terra", 2),
        (["models", "--limit", "0"], "limit", 2),
        (["models", "--limit", "many"], "invalid int value", 2),
        (["models", "--sort", "vibes"], "sort", 2),
        (["recommend", "x", "--count", "9"], "count", 2),
        (["refresh", "--source-dir", "/nonexistent/dir"], "not a directory", 2),
        (["refresh", "--import-csv", "/nonexistent.csv"], "not a file", 2),
        (["no-such-command"], "invalid choice", 2),
    ],
)
def test_bad_input_is_one_line_cause_first(
    run: Run, argv: list[str], needle: str, status: int
) -> None:
    code, out, err = run(*argv)
    assert code == status
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("smart-spawn")
    assert "Traceback" not in err and out == ""


def test_home_that_is_a_file(run: Run, tmp_path: Path) -> None:
    home = tmp_path / "a-file"
    home.write_text("not a directory")
    code, out, err = run("--home", str(home), "pick", JWT)
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and str(home) in err
    assert "Traceback" not in err and out == ""


def test_no_model_names_budget(run: Run) -> None:
    code, _, err = run("pick", "x", "--budget", "low", "--min-context", "5000000")
    assert code == 1
    assert "budget=low" in err


@pytest.mark.skipif(not (SHARED / "data" / "sources").is_dir(), reason="needs ../shared")
def test_refresh_from_raw_source_dir(run: Run) -> None:
    code, out, _ = run("--json", "refresh", "--source-dir", str(SHARED / "data" / "sources"))
    data = json.loads(out)
    assert code == 0 and data["origin"] == "files" and data["modelCount"] > 300


def test_import_openmark_csv_routes_on_it(run: Run) -> None:
    csv = Path(__file__).parents[1] / "fixtures" / "sources" / "openmark"
    files = sorted(csv.glob("*.csv"))
    assert files, "fixture OpenMark CSVs missing"
    code, out, _ = run("--json", "refresh", "--import-csv", str(files[0]))
    data = json.loads(out)
    assert code == 0
    assert data["sources"]["openmark"]["matched"] >= 1
    code, out, _ = run("refresh", "--import-csv", str(files[0]))
    assert code == 0 and out.startswith("refreshed from")


def test_console_script_fresh_home(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("smart-spawn")
    proc = subprocess.run(
        [str(exe), "pick", "Build me a React dashboard with auth", "--json", "-v"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"SMART_SPAWN_HOME": str(tmp_path / "fresh"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["category"] == "coding"  # -v logs never reach stdout


def test_version_and_module_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "smart_spawn_plugin", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("smart-spawn ")


def test_compare_speaks_the_same_names_as_models(run: Run) -> None:
    """Issue 11 #18: camelCase everywhere (functionCalling, json, outputTokensPerSecond)."""
    code, out, _ = run("--json", "models", "--limit", "2")
    a, b = (m["id"] for m in json.loads(out)["data"])
    listed = json.loads(out)["data"][0]
    code, out, err = run("--json", "compare", f"{a},{b}")
    assert code == 0, err
    compared = json.loads(out)["models"][0]
    assert set(compared["capabilities"]) == set(listed["capabilities"])
    assert set(compared["speed"]) == set(listed["speed"])
    assert "functionCalling" in compared["capabilities"] and "json" in compared["capabilities"]


def test_live_refresh_without_network_fails_and_keeps_the_catalog(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11 #14: exit non-zero, say which sources failed, keep the last good catalog.

    Every source request goes through a proxy on a closed loopback port, so each fails at once
    and nothing leaves the machine."""
    code, out, _ = run("--json", "status")
    before = json.loads(out)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    code, out, err = run("refresh", "--live")
    assert code == 1
    line = err.strip().splitlines()[-1]
    assert "refresh failed" in line and "openrouter" in line and "kept" in line
    code, out, _ = run("--json", "status")
    after = json.loads(out)
    assert after["modelCount"] == before["modelCount"]
    assert after["lastRefresh"] == before["lastRefresh"]
