"""CLI start-up benchmark: wall time of ``smart-spawn --version`` and of ``smart-spawn pick``.

    python bench/cli_startup.py [--runs 15] [--home DIR] [--via-module]

Each run is a fresh subprocess of the installed console script (``smart-spawn`` beside this
Python), timed from spawn to exit, as a user feels it. ``pick`` runs on a warm home: the home
is prepared (catalog built) before timing, so the figure is the routing path, not the first
build. Targets (issue 9): ``--version`` <= 0.3 s and ``pick`` <= 0.5 s on a 2-core machine.
Tasks rotate so no run can lean on an answer cached by the previous one. Bytecode is cached
(in a temporary ``PYTHONPYCACHEPREFIX``) as after a normal install. Reports wall and CPU time
and the load average, since the machine is shared. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TASKS = [
    "Refactor the auth module to use JWT",
    "Write a haiku about autumn",
    "Prove that the square root of 2 is irrational",
    "Summarise this research paper on transformers",
    "Translate this paragraph to French",
]
TARGETS = {"version": 0.3, "pick": 0.5}


def _exe(via_module: bool) -> list[str]:
    if via_module:  # honours PYTHONPATH: e.g. another checkout, for a before/after comparison
        return [sys.executable, "-m", "smart_spawn_plugin"]
    script = Path(sys.executable).with_name("smart-spawn")
    if script.exists():
        return [str(script)]
    found = shutil.which("smart-spawn")
    return [found] if found else [sys.executable, "-m", "smart_spawn_plugin"]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``argv``."""
    cpu = _cpu()
    start = time.perf_counter()
    # Run outside any checkout: with ``-m`` the working directory comes first on sys.path and
    # would shadow the PYTHONPATH a before/after comparison sets.
    proc = subprocess.run(
        argv, env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, _cpu() - cpu


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {
        "median_s": round(statistics.median(ordered), 4),
        "p90_s": round(p90, 4),
        "min_s": round(ordered[0], 4),
        "max_s": round(ordered[-1], 4),
    }


def _stats(samples: list[tuple[float, float]], target: float) -> dict[str, object]:
    """Wall-clock figures (what the target is about) and CPU figures (what a shared, loaded
    machine distorts least: a run waiting for a core costs wall time, not CPU time)."""
    wall = _summary([w for w, _ in samples])
    return {
        "runs": len(samples),
        "wall": wall,
        "cpu": _summary([c for _, c in samples]),
        "target_s": target,
        "median_within_target": wall["median_s"] <= target,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command")
    parser.add_argument("--home", type=Path, default=None, help="warm home (default: a temp dir)")
    parser.add_argument(
        "--via-module", action="store_true", help="run python -m smart_spawn_plugin instead"
    )
    args = parser.parse_args()
    exe = _exe(args.via_module)
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        # Bytecode cached as after a normal install (pip compiles wheels); this machine sets
        # PYTHONDONTWRITEBYTECODE, which would time the compiler instead of the command.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"SMART_SPAWN_HOME": str(home), "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pyc")}
        _time([*exe, "pick", TASKS[0]], env)  # warm the home: build and store the catalog
        _time([*exe, "--version"], env)  # and the OS file cache
        version = [_time([*exe, "--version"], env) for _ in range(args.runs)]
        pick = [_time([*exe, "pick", TASKS[i % len(TASKS)]], env) for i in range(args.runs)]
    print(
        json.dumps(
            {
                "benchmark": "cli_startup",
                "command": exe,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "embeddings": env.get("SMART_SPAWN_EMBEDDINGS", "auto"),
                "version": _stats(version, TARGETS["version"]),
                "pick": _stats(pick, TARGETS["pick"]),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
