import json
import subprocess
import sys
from pathlib import Path

import pytest

from smart_spawn_plugin.cli import main
from tests.conftest import SHARED

#: Every test starts from a home holding the built catalog (see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("warm_home")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_pick_human_and_json(capsys):
    code, out, _ = run(capsys, "pick", "Refactor the auth module to use JWT")
    assert code == 0
    assert "Best coding model at medium budget" in out
    code, out, _ = run(capsys, "--json", "pick", "Refactor the auth module to use JWT")
    data = json.loads(out)
    assert data["category"] == "coding"
    assert data["candidateCount"] > 50
    assert data["evidence"]
    assert data["runnerUps"][0]["comparison"]


def test_pick_budget_is_respected(capsys):
    _, out, _ = run(
        capsys, "--json", "pick", "--budget", "low", "Prove the Cauchy-Schwarz inequality"
    )
    data = json.loads(out)
    assert (3 * data["pricing"]["prompt"] + data["pricing"]["completion"]) / 4 <= 1.0


def test_vision_task_gets_image_model(capsys):
    _, out, _ = run(capsys, "--json", "pick", "Describe what is in this screenshot")
    data = json.loads(out)
    assert data["category"] == "vision"


def test_recommend_models_compare_status(capsys):
    code, out, _ = run(capsys, "--json", "recommend", "Write a short story", "--count", "3")
    data = json.loads(out)
    assert code == 0 and len(data["data"]) == 3
    assert len({r["model"]["provider"] for r in data["data"]}) == 3
    code, out, _ = run(capsys, "--json", "models", "--category", "vision", "--limit", "5")
    data = json.loads(out)
    assert all(m["capabilities"]["vision"] for m in data["data"])
    ids = [m["id"] for m in data["data"][:2]]
    code, out, _ = run(capsys, "--json", "compare", *ids, "nope/missing")
    data = json.loads(out)
    assert data["missing"] == ["nope/missing"]
    code, out, _ = run(capsys, "--json", "status")
    data = json.loads(out)
    assert data["status"] == "ok" and data["modelCount"] > 300
    assert data["sources"]["livebench"]["matchRate"] > 0.5


def test_classify_json_lines_from_args_and_stdin(capsys, monkeypatch):
    code, out, _ = run(capsys, "classify", "good morning", "用python实现快速排序")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 2
    assert lines[0]["category"] != "coding"
    assert lines[1]["category"] == "coding"
    assert set(lines[0]) >= {"category", "confidence", "signals"}
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("Translate hello to French\n\n"))
    code, out, _ = run(capsys, "classify")
    assert code == 0 and len(out.splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["pick"], "give a task"),
        (["pick", "x", "--budget", "cheap"], "invalid choice: 'cheap'"),
        (["pick", "x", "--require", "telepathy"], "require"),
        (["compare", "only/one"], "at least two"),
        (["models", "--limit", "0"], "limit"),
        (["models", "--sort", "vibes"], "sort"),
        (["recommend", "x", "--count", "9"], "count"),
        (["pick", "x", "--weights", "coding=heavy"], "bad weight"),
        (["refresh", "--source-dir", "/nonexistent/dir"], "not a directory"),
        (["refresh", "--import-csv", "/nonexistent.csv"], "not a file"),
    ],
)
def test_bad_arguments_one_line_nonzero(capsys, argv, needle):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse-level errors exit directly
        code = exc.code
    _, err = capsys.readouterr()
    assert code not in (0, None)
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_no_model_names_budget(capsys):
    code, _, err = run(capsys, "pick", "x", "--budget", "low", "--min-context", "5000000")
    assert code == 1
    assert "budget=low" in err


@pytest.mark.skipif(not (SHARED / "data" / "sources").is_dir(), reason="needs ../shared")
def test_refresh_from_raw_source_dir(capsys):
    code, out, _ = run(
        capsys, "--json", "refresh", "--source-dir", str(SHARED / "data" / "sources")
    )
    data = json.loads(out)
    assert code == 0 and data["origin"] == "files" and data["modelCount"] > 300


def test_import_openmark_csv_routes_on_it(capsys, tmp_path):
    csv = Path(__file__).parent / "fixtures" / "sources" / "openmark"
    files = sorted(csv.glob("*.csv"))
    assert files, "fixture OpenMark CSVs missing"
    code, out, _ = run(capsys, "--json", "refresh", "--import-csv", str(files[0]))
    data = json.loads(out)
    assert code == 0
    assert data["sources"]["openmark"]["matched"] >= 1


def test_console_script_fresh_home(tmp_path):
    exe = Path(sys.executable).with_name("smart-spawn")
    proc = subprocess.run(
        [str(exe), "pick", "Build me a React dashboard with auth"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"SMART_SPAWN_HOME": str(tmp_path / "fresh"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Best coding model" in proc.stdout
