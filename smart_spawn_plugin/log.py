"""Logging: library code only gets a logger; entry points call :func:`configure` once.

Logs always go to stderr: stdout belongs to the program's output (a CLI's JSON, the MCP stdio
protocol, an ``llm`` answer). structlog's own default prints to stdout, so when nobody has
configured structlog yet (a gateway that loads the plugin, ``llm``, an embedding program), the
first :func:`get_logger` points its output at stderr — and changes nothing else, and nothing at
all when the host has configured structlog itself.
"""

from __future__ import annotations

import logging
import sys

import structlog


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger for a module. Events are snake_case verbs with fields."""
    if not structlog.is_configured():
        # structlog's default factory prints to stdout; keep every other default
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()))  # type: ignore[arg-type]
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is *now* (tests and embedding hosts swap it; a
    logger bound to an old, closed stream would raise on its next event)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(*, level: str = "WARNING", json: bool = False) -> None:
    """Configure structlog for an entry point (CLI, server, MCP main). Logs go to stderr."""
    logging.basicConfig(stream=sys.stderr, level=level.upper(), format="%(message)s")
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
