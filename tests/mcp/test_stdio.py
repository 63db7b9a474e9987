"""``smart-spawn mcp`` as a real stdio subprocess: initialise a session, list tools, call one."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from mcp import Client
from mcp.client.stdio import StdioServerParameters


def _command() -> tuple[str, list[str]]:
    """The ``smart-spawn`` console script beside this Python, else ``python -m``."""
    script = shutil.which("smart-spawn", path=str(Path(sys.executable).parent))
    if script is not None:
        return script, ["mcp"]
    return sys.executable, ["-m", "smart_spawn_plugin", "mcp"]


async def test_smart_spawn_mcp_over_stdio(warm_home: Path) -> None:
    command, args = _command()
    params = StdioServerParameters(
        command=command,
        args=args,
        env={"SMART_SPAWN_HOME": str(warm_home), "PYTHONPATH": str(Path.cwd())},
    )
    async with Client(params) as client:
        tools = (await client.list_tools()).tools
        result = await client.call_tool("pick", {"task": "refactor a python module"})
    assert "smartspawn_run_create" in {t.name for t in tools}
    assert "pick" in {t.name for t in tools}
    assert not result.is_error
    text = result.content[0]
    assert text.type == "text"
    assert json.loads(text.text)["category"] == "coding"


def test_http_transport_prints_its_url(tmp_path: Path) -> None:
    """Issue 11 #20: ``smart-spawn mcp --transport http`` says where it listens."""
    import socket
    import subprocess

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smart_spawn_plugin",
            "--home",
            str(tmp_path / "home"),
            "mcp",
            "--transport",
            "http",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/mcp" in line
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
