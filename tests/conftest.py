"""Isolation for every test: a temporary SMART_SPAWN_HOME and no SMART_SPAWN_* or provider keys
from the developer's environment.

Building the catalog from the bundled snapshot takes most of a second, and most tests only
need *a* built catalog. ``catalog_template`` builds it once per session into a store file;
``seed_home(path)`` gives a test its own copy of that file (so ratings, spawn logs and refreshes
stay private to the test), and the home then opens on the warm path — the saved catalog — as
a user's second run does. Tests about the cold path (first run, refresh) just do not seed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

#: Environment variables a developer may have set that would change what tests see.
_PROVIDER_KEYS = frozenset({"OPENROUTER_API_KEY", "ARTIFICIAL_ANALYSIS_API_KEY", "REFRESH_API_KEY"})


def _clear_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SMART_SPAWN_") or name in _PROVIDER_KEYS:
            monkeypatch.delenv(name, raising=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run in which no test passed (nothing collected, or everything skipped — say, the
    shared data missing) must not look green: it exits 5, like pytest's "no tests ran"."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if (
        exitstatus == pytest.ExitCode.OK
        and reporter is not None
        and not reporter.stats.get("passed")
    ):
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_env(monkeypatch)
    monkeypatch.setenv("SMART_SPAWN_HOME", str(tmp_path / "home"))
    # The default classifier here is the offline linear model alone: the embedding heads cost
    # milliseconds a text, and bulk tests classify thousands. tests/engine/classify/
    # test_embedding.py exercises the heads (and the CLI with them) explicitly.
    monkeypatch.setenv("SMART_SPAWN_EMBEDDINGS", "off")


@pytest.fixture(scope="session")
def catalog_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file holding the catalog built once from the bundled snapshot (never opened
    for writing again: tests get copies)."""
    from smart_spawn_plugin.runtime import Runtime

    build_home = tmp_path_factory.mktemp("catalog-build")
    template = tmp_path_factory.mktemp("catalog-template") / "store.db"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _clear_env(monkeypatch)
        with Runtime.open(home=build_home) as runtime:
            runtime.catalog.current()
            # one self-contained file (no -wal/-shm beside it) that a plain copy reproduces
            runtime.db.execute("VACUUM INTO ?", (str(template),))
    with sqlite3.connect(template) as check:
        assert check.execute("SELECT model_count FROM catalog WHERE id = 1").fetchone()[0] > 0
    check.close()
    return template


@pytest.fixture(scope="session")
def _parse_template_once(catalog_template: Path) -> Iterator[None]:
    """Parse the template's catalog once, not once per home that loads it.

    Parsing the saved catalog (``Catalog.model_validate_json``) is the bulk of a warm start.
    While this fixture is active, parsing exactly the template's JSON text returns a shallow
    copy of one parsed catalog (its own ``sources`` map, which the store overlays); any other
    text is parsed normally. Nothing in the package or the tests mutates model records, and
    the check at the end of the session fails loudly if something starts to.
    """
    from smart_spawn_plugin.models import Catalog

    with sqlite3.connect(catalog_template) as conn:
        body: str = conn.execute("SELECT body FROM catalog WHERE id = 1").fetchone()[0]
    conn.close()
    parse = Catalog.model_validate_json
    shared = parse(body)

    def cached(cls: type[Catalog], json_data: str | bytes, /, **kwargs: Any) -> Catalog:
        if cls is Catalog and not kwargs and json_data == body:
            return shared.model_copy(update={"sources": dict(shared.sources)})
        return parse.__func__(cls, json_data, **kwargs)  # type: ignore[attr-defined, no-any-return]

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(Catalog, "model_validate_json", classmethod(cached))
        yield
    assert shared.model_dump_json(by_alias=True) == body, "a test mutated the shared catalog"


SeedHome = Callable[[Path], Path]


@pytest.fixture
def seed_home(catalog_template: Path, _parse_template_once: None) -> SeedHome:
    """``seed_home(home)`` → ``home``, holding a private copy of the session's built store."""

    def seed(home: Path) -> Path:
        from smart_spawn_plugin.settings import Settings

        db_path = Settings(home=home).db_path
        db_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(catalog_template, db_path)
        return home

    return seed


@pytest.fixture
def warm_home(seed_home: SeedHome, tmp_path: Path) -> Path:
    """The test's SMART_SPAWN_HOME, seeded with the built catalog."""
    return seed_home(tmp_path / "home")


@pytest.fixture
def warm_tmp_path(seed_home: SeedHome, tmp_path: Path) -> Path:
    """``tmp_path`` used as a home (``--home tmp_path``), seeded with the built catalog."""
    return seed_home(tmp_path)


@pytest.fixture(scope="session")
def pg_server():  # type: ignore[no-untyped-def]
    """One real PostgreSQL server for the session (see tests/engines.py)."""
    from tests.engines import postgres

    with postgres() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server():  # type: ignore[no-untyped-def]
    """One real redis-server for the session (see tests/engines.py)."""
    from tests.engines import redis

    with redis() as server:
        yield server
