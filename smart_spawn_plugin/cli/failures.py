"""Exceptions (and tool error results) → one line on stderr and an exit status: the CLI's
only error translator.

Status 2 for usage errors (bad flags, bad values: ``InvalidInput`` and pydantic validation),
1 for everything else that went wrong, 130 for Ctrl-C. The cause comes first; a traceback only
with ``-vv`` (and then for unexpected errors alone).
"""

from __future__ import annotations

import json
from typing import Any, Final

#: As ``errors.EXIT_USAGE``/``EXIT_FAILURE`` (restated: this module must not import pydantic
#: at import time; tests/cli/test_app.py checks they agree).
USAGE: Final = 2
FAILURE: Final = 1
INTERRUPTED: Final = 130


class CommandFailed(Exception):
    """A command's own verdict: ``message`` is the whole line, ``status`` the exit status.

    Raised by handlers whose failure is already explained (a failed run: cause first, details
    on stdout under ``--json``).
    """

    def __init__(self, message: str, status: int = FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def explain(exc: BaseException) -> tuple[str, int]:
    """The one-line message (without the ``smart-spawn: error:`` prefix) and exit status.

    Errors of the package's tree and validation errors go through the package's translator
    (``errors.exit_status``); a file or store the OS refused, and anything unexpected, are
    worded here (the latter pointing at ``-vv``).
    """
    import sqlite3

    from pydantic import ValidationError

    from smart_spawn_plugin.errors import SmartSpawnError, exit_status

    if isinstance(exc, CommandFailed):
        return exc.message, exc.status
    if isinstance(exc, SmartSpawnError | ValidationError):
        return exit_status(exc)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}", FAILURE
    if isinstance(exc, sqlite3.Error):
        return f"the store could not be read ({exc}); is --home right?", FAILURE
    return f"unexpected {type(exc).__name__}: {exc} (-vv shows the traceback)", FAILURE


#: Tool error codes that mean the user's input was wrong (exit 2).
USAGE_CODES: Final = frozenset({"INVALID_PARAM", "MISSING_PARAM", "INVALID_BODY"})


def checked(result: Any) -> object:
    """A ``ToolResult``'s JSON; an error result about the input raises ``CommandFailed``.

    A failed run is an error result too, but carries the run: it is returned, and
    :func:`smart_spawn_plugin.cli.spawn_views.raise_if_failed` explains it (so ``--json``
    can still print it).
    """
    text: str = result.text_content
    if not result.is_error:
        return json.loads(text)
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and "status" in body:
        return body
    details = result.details if isinstance(result.details, dict) else {}
    message = str(details.get("message") or text.removeprefix("Error "))
    field = details.get("field")
    if isinstance(field, str) and field and not message.startswith(field):
        message = f"{field}: {message}"
    status = USAGE if details.get("code") in USAGE_CODES else FAILURE
    raise CommandFailed(message, status)
