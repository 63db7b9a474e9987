"""Logging: library code only gets a logger; entry points call :func:`configure` once.

Logs always go to stderr: stdout belongs to the program's output (a CLI's JSON, the MCP stdio
protocol, an ``llm`` answer). structlog's own default prints to stdout, so when nobody has
configured structlog by the time a logger is first used (a gateway that loads the plugin,
``llm``, an embedding program), its output is pointed at stderr — and nothing else changes,
and nothing at all when the host has configured structlog itself.

structlog is imported when a logger is first *used*, not when a module asks for one: a module
that only logs on failure costs nothing at import, and a short command (``smart-spawn pick``)
that logs nothing never loads structlog (nor what it loads: rich, attrs, asyncio; ~0.07 s).
:func:`configure` called before that records the configuration and applies it at that moment;
until then an event below the configured level is dropped without loading structlog (a server
at ``--log-level warning`` does not load it to drop its ``server_started`` line).
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import structlog

#: ``(level, json)`` given to :func:`configure` before structlog was imported
_pending: tuple[str, bool] | None = None
#: structlog's event methods and their standard levels
_METHOD_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


def _drop(*args: Any, **kwargs: Any) -> None:
    """An event below the configured level (what structlog's filtering logger does with it)."""


class _LazyLogger:
    """Stands in for a structlog logger; the real one is made on first attribute access."""

    __slots__ = ("_logger", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._logger: Any = None

    def __getattr__(self, attr: str) -> Any:
        if self._logger is None:
            if _pending is not None and _METHOD_LEVELS.get(attr, logging.CRITICAL) < _level(
                _pending[0]
            ):
                return _drop
            self._logger = _structlog().get_logger(self._name)
        return getattr(self._logger, attr)


def _structlog() -> Any:
    """structlog, configured: a pending :func:`configure` applied, or (nobody configured it)
    its default output moved from stdout to stderr."""
    global _pending
    import structlog

    if _pending is not None:
        level, json = _pending
        _pending = None
        _apply(level, json)
    elif not structlog.is_configured():
        # structlog's default factory prints to stdout; keep every other default
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()))  # type: ignore[arg-type]
    return structlog


def _level(name: str) -> int:
    level = logging.getLevelName(name.upper())
    return level if isinstance(level, int) else logging.WARNING


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger for a module. Events are snake_case verbs with fields."""
    return cast("structlog.stdlib.BoundLogger", _LazyLogger(name))


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is *now* (tests and embedding hosts swap it; a
    logger bound to an old, closed stream would raise on its next event)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(*, level: str = "WARNING", json: bool = False) -> None:
    """Configure logging for an entry point (CLI, server, MCP main). Logs go to stderr.

    Applied now when structlog is loaded, else when the first logger is used.
    """
    global _pending
    logging.basicConfig(stream=sys.stderr, level=level.upper(), format="%(message)s")
    if "structlog" in sys.modules:
        _pending = None
        _apply(level, json)
    else:
        _pending = (level, json)


def _apply(level: str, json: bool) -> None:
    import structlog

    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        # Not cached: a later configure() (tests, a second entry point) must take effect.
        cache_logger_on_first_use=False,
    )
