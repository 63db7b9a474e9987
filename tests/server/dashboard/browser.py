"""A real headless Chromium for the dashboard tests: Debian's ``chromium`` driven by Playwright
(from PyPI, pointed at the system browser — never ``playwright install``).

Tests skip with the reason when the browser is absent on a developer's machine; under CI
(``CI=true``) its absence is a failure, since ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The system Chromium, or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def require_browser() -> str:
    """The Chromium path; skip (locally) or fail (CI) when it or Playwright is missing."""
    path = chromium_path()
    problem = None
    if path is None:
        problem = "Debian's chromium is not installed (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (pip install -e '.[dev]')"
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests must run in CI: {problem}")
        pytest.skip(problem)
    assert path is not None
    return path


@dataclass
class PageWatch:
    """Everything that went wrong while a page was open."""

    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on(
            "console",
            lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))
        page.on("requestfailed", lambda req: self.failed.append(f"{req.url} {req.failure}"))
        page.on(
            "response",
            lambda resp: (
                self.failed.append(f"{resp.url} HTTP {resp.status}") if resp.status >= 400 else None
            ),
        )

    def assert_clean(self, what: str) -> None:
        assert not self.console_errors, f"{what}: console errors {self.console_errors}"
        assert not self.failed, f"{what}: failed requests {self.failed}"
        self.console_errors.clear()
        self.failed.clear()


def launch(user_data_dir: Path) -> Iterator[Any]:
    """A fresh persistent Chromium context (its own profile directory), closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = require_browser()
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS[1:],  # Playwright passes its own --headless
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
