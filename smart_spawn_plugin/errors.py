"""One tree of errors for the whole package.

Every error carries an HTTP ``status`` and a stable ``code`` so that every surface (HTTP API, CLI,
gateway tool result, MCP tool result) reports the same failure the same way. The codes of the
original Smart Spawn API are kept verbatim; ours are added beside them.

    SmartSpawnError (500, INTERNAL)
    ├── InvalidInput (400)
    │   ├── MissingParam       MISSING_PARAM
    │   ├── InvalidParam       INVALID_PARAM
    │   └── InvalidBody        INVALID_BODY
    ├── Unauthorized (401)     UNAUTHORIZED
    ├── NotFound (404)         NOT_FOUND
    │   └── NoModel            NO_MODEL
    ├── PayloadTooLarge (413)  PAYLOAD_TOO_LARGE
    ├── RateLimited (429)      RATE_LIMITED
    ├── BudgetExceeded (402)   BUDGET_EXCEEDED   (a run's USD cap was reached)
    ├── SourceError (502)      SOURCE_ERROR      (a benchmark source failed)
    ├── UpstreamError (502)    UPSTREAM_ERROR    (a model provider or remote API failed)
    ├── SpawnTimeout (504)     TIMEOUT
    └── StoreError (500)       STORE_ERROR

Third-party exceptions are translated into this tree at the boundary that meets them, by the
one translator :func:`as_error` (a pydantic ``ValidationError`` becomes ``INVALID_PARAM`` naming
the first field as on the wire; anything else unexpected is ``INTERNAL``). Every surface renders
the translated error its own way: ``contract.ToolResult.of_error`` (agent tools), the MCP
server's error results, the HTTP error handlers, and :func:`exit_status` (the CLI).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar, Final

from pydantic import BaseModel, ValidationError

#: Union members appear in a pydantic ``loc`` as type names (``literal['a']``); not fields.
_TYPE_TAG: Final = re.compile(r"[\[\]()'\" ]")


class ErrorBody(BaseModel):
    """The wire shape of an error: ``{"error": {"code": ..., "message": ...}}``."""

    code: str
    message: str
    field: str | None = None


class SmartSpawnError(Exception):
    """Root of every error raised by smart-spawn on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def body(self) -> ErrorBody:
        """The error as its wire shape."""
        return ErrorBody(code=self.code, message=self.message, field=self.field)

    def to_dict(self) -> dict[str, dict[str, str]]:
        """``{"error": {"code", "message"}}``, the original API's envelope."""
        err = {"code": self.code, "message": self.message}
        if self.field is not None:
            err["field"] = self.field
        return {"error": err}


class InvalidInput(SmartSpawnError):
    """Some input was wrong; the message names the field."""

    status = 400
    code = "INVALID_PARAM"


class MissingParam(InvalidInput):
    code = "MISSING_PARAM"


class InvalidParam(InvalidInput):
    code = "INVALID_PARAM"


class InvalidBody(InvalidInput):
    code = "INVALID_BODY"


class Unauthorized(SmartSpawnError):
    status = 401
    code = "UNAUTHORIZED"


class NotFound(SmartSpawnError):
    status = 404
    code = "NOT_FOUND"


class NoModel(NotFound):
    """No model qualifies. ``next_budget`` names the cheapest wider budget that has one."""

    code = "NO_MODEL"

    def __init__(
        self, message: str, *, budget: str | None = None, next_budget: str | None = None
    ) -> None:
        super().__init__(message, field="budget" if budget else None)
        self.budget = budget
        self.next_budget = next_budget


class PayloadTooLarge(SmartSpawnError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class RateLimited(SmartSpawnError):
    status = 429
    code = "RATE_LIMITED"

    def __init__(self, message: str = "Too many requests", *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BudgetExceeded(SmartSpawnError):
    status = 402
    code = "BUDGET_EXCEEDED"


class SourceError(SmartSpawnError):
    status = 502
    code = "SOURCE_ERROR"


class UpstreamError(SmartSpawnError):
    """A model provider or a remote routing API failed. ``retryable`` marks 429/5xx/timeouts."""

    status = 502
    code = "UPSTREAM_ERROR"

    def __init__(self, message: str, *, retryable: bool = False, status_code: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status_code = status_code


class UpstreamRejected(InvalidInput):
    """A model provider refused the request itself (a 4xx that another model would refuse
    too: a bad tool schema, a bad parameter); passed on to the client, never retried."""

    code = "UPSTREAM_REJECTED"


#: Substrings of provider messages that mean "the conversation does not fit this model".
CONTEXT_LENGTH_MARKERS: Final = (
    "context_length",
    "context length",
    "context window",
    "maximum context",
    "too many tokens",
    "exceeds the context",
    "prompt is too long",
)


def is_context_length_error(message: str) -> bool:
    """Whether a provider's error message says the conversation is too long for the model
    (another model, with a larger window, may answer)."""
    lowered = message.lower()
    return any(marker in lowered for marker in CONTEXT_LENGTH_MARKERS)


class SpawnTimeout(SmartSpawnError):
    status = 504
    code = "TIMEOUT"


class StoreError(SmartSpawnError):
    status = 500
    code = "STORE_ERROR"


class StoreUnavailable(StoreError):
    """The shared database cannot be reached now: the write was not stored (nothing was
    acknowledged); retry after ``retry_after`` seconds."""

    status = 503
    code = "STORE_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def invalid_param(exc: ValidationError) -> InvalidParam:
    """The first pydantic error as ``InvalidParam`` naming the field as on the wire (camelCase
    aliases, dotted for nested fields)."""
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"] if not _TYPE_TAG.search(str(part))]
    field = ".".join(loc) or "params"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown parameter"
    return InvalidParam(f"{field}: {message}", field=field)


def as_error(exc: BaseException) -> SmartSpawnError:
    """The one exception translator: ``exc`` as a member of this tree (itself when it is one;
    a ``ValidationError`` as :func:`invalid_param`; anything else as ``INTERNAL`` naming its
    type)."""
    if isinstance(exc, SmartSpawnError):
        return exc
    if isinstance(exc, ValidationError):
        return invalid_param(exc)
    return SmartSpawnError(f"internal error: {type(exc).__name__}: {exc}")


#: CLI exit statuses: bad input (like argparse's usage errors), and every other failure.
EXIT_USAGE: Final = 2
EXIT_FAILURE: Final = 1


def exit_status(exc: BaseException) -> tuple[str, int]:
    """What a command line prints and returns for ``exc``: one line (the cause first, no
    traceback) and the exit status (``EXIT_USAGE`` for bad input, else ``EXIT_FAILURE``)."""
    error = as_error(exc)
    status = EXIT_USAGE if isinstance(error, InvalidInput) else EXIT_FAILURE
    return error.message.replace("\n", " "), status


# ---- secrets: never stored, logged or shown (a provider may quote a key in its error) ----

REDACTED: Final = "[REDACTED]"
#: Key shapes redacted even when the key is not configured here (OpenRouter, OpenAI-style keys,
#: bearer tokens quoted back by a provider).
_KEY_PATTERNS: Final = re.compile(
    r"(sk-or-v1-[A-Za-z0-9]{8,}|sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{16,}|(?<=Bearer )[^\s\"']{8,})"
)


def redact(text: str, secrets: Sequence[str] = ()) -> str:
    """``text`` with each of ``secrets`` (and anything shaped like an API key) replaced by
    ``[REDACTED]``. Short secrets (< 4 chars) are left alone: they would shred normal text."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _KEY_PATTERNS.sub(REDACTED, text)
