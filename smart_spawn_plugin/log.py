"""Logging: library code only gets a logger; entry points call :func:`configure` once."""

from __future__ import annotations

import logging
import sys

import structlog


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger for a module. Events are snake_case verbs with fields."""
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
