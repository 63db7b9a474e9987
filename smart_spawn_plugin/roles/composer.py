"""Compose a sub-agent's role prompt from blocks: the original's ``POST /roles/compose``, fixed.

Shapes (camelCase on the wire):

- request ``{task*, persona?, stack?: [ids] | "a,b", domain?, format?, guardrails?: [ids] | "a,b",
  autoGuardrails?: bool = true}``;
- response ``{hasRole, persona, personaTitle, stack, domain, format, guardrails, autoGuardrails,
  wordCount, rolePrompt, fullPrompt, warnings?}``.

Differences from the original, all on purpose (its defect 31):

- an unknown id is never echoed back as applied: it yields a warning (with a "did you mean"
  hint) and its response field stays ``null``/absent from the list;
- automatic guardrails are added only for a *known* persona, and are listed in
  ``autoGuardrails``; ``autoGuardrails: false`` in the request turns them off;
- ``hasRole`` is true only when a real block produced a section;
- the caps (:data:`STACK_BULLET_CAP` stack bullets, :data:`RULE_CAP` rules) are reported in
  ``warnings``, and ``stack`` / ``guardrails`` list only blocks that contributed at least one
  line to the prompt (a block cut part-way is listed and named in a warning as truncated).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import ConfigDict, Field, ValidationError, model_validator

from smart_spawn_plugin.errors import InvalidBody, InvalidParam, MissingParam
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import Wire
from smart_spawn_plugin.roles.blocks import (
    BlockKind,
    DomainBlock,
    FormatBlock,
    PersonaBlock,
    RoleLibrary,
    library,
)

log = get_logger(__name__)

#: Most stack bullets in one prompt, over all stack blocks together (the original's cap).
STACK_BULLET_CAP: Final = 10
#: Most guardrail rules in one prompt, over all guardrails together (the original's cap).
RULE_CAP: Final = 6
#: Longest accepted block id, and most ids in one list; beyond them the request is invalid.
MAX_ID_LENGTH: Final = 64
MAX_IDS: Final = 50

_ID_FIELDS: Final = ("persona", "domain", "format")
_LIST_FIELDS: Final = ("stack", "guardrails")


def _id(data: Mapping[str, object], name: str) -> str | None:
    """A single optional block id: a string, trimmed and lower-cased; blank means absent."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParam(f"{name} must be a string", field=name)
    value = value.strip().lower()
    if len(value) > MAX_ID_LENGTH:
        raise InvalidParam(f"{name} must be at most {MAX_ID_LENGTH} characters", field=name)
    return value or None


def _ids(data: Mapping[str, object], name: str) -> list[str]:
    """A list of block ids (an array of strings on the wire, as the original requires: a bare
    string such as ``"react"`` is an ``INVALID_PARAM``, not silently split); deduplicated."""
    value = data.get(name)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        items: list[object] = list(value)
    else:
        raise InvalidParam(f'{name} must be an array of strings, e.g. ["react"]', field=name)
    if not all(isinstance(item, str) for item in items):
        raise InvalidParam(f"{name} must be a list of strings", field=name)
    if len(items) > MAX_IDS:
        raise InvalidParam(f"{name} must have at most {MAX_IDS} entries", field=name)
    out: list[str] = []
    for item in items:
        norm = str(item).strip().lower()
        if len(norm) > MAX_ID_LENGTH:
            raise InvalidParam(
                f"{name} entries must be at most {MAX_ID_LENGTH} characters", field=name
            )
        if norm and norm not in out:
            out.append(norm)
    return out


def _task(data: Mapping[str, object]) -> str:
    value = data.get("task")
    if value is None:
        raise MissingParam("task required", field="task")
    if not isinstance(value, str):
        raise InvalidParam("task must be a string", field="task")
    if not value.strip():
        raise MissingParam("task required", field="task")
    return value.strip()


class ComposeRequest(Wire):
    """The ``POST /roles/compose`` body.

    Constructing or validating one raises :class:`~smart_spawn_plugin.errors.MissingParam`
    (task absent or blank) or :class:`~smart_spawn_plugin.errors.InvalidParam` (a field of the
    wrong type, too long, too many ids) naming the field, never a pydantic ``ValidationError``.
    Ids are trimmed and lower-cased; ``stack`` and ``guardrails`` must be arrays of strings (as
    the original requires); unknown keys are ignored, as the original does.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    task: str
    persona: str | None = None
    stack: list[str] = Field(default_factory=list)
    domain: str | None = None
    format: str | None = None
    guardrails: list[str] = Field(default_factory=list)
    auto_guardrails: bool = True

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        if isinstance(data, ComposeRequest):
            return data
        if not isinstance(data, Mapping):
            raise InvalidBody("request body must be a JSON object")
        auto = data.get("autoGuardrails", data.get("auto_guardrails", True))
        if not isinstance(auto, bool):
            raise InvalidParam("autoGuardrails must be a boolean", field="autoGuardrails")
        checked: dict[str, object] = {"task": _task(data), "autoGuardrails": auto}
        checked.update({name: _id(data, name) for name in _ID_FIELDS})
        checked.update({name: _ids(data, name) for name in _LIST_FIELDS})
        return checked


def parse_compose_request(body: object) -> ComposeRequest:
    """Validate a decoded JSON body into a :class:`ComposeRequest`; errors name the field."""
    try:
        return ComposeRequest.model_validate(body)
    except ValidationError as exc:  # only reachable through a field the pre-check let through
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidParam(f"{name or 'body'}: {first['msg']}", field=name) from exc


class ComposedRole(Wire):
    """The ``POST /roles/compose`` response.

    ``persona``/``personaTitle``/``domain``/``format`` are set only for known blocks; ``stack``
    and ``guardrails`` list only blocks that are in the prompt; ``autoGuardrails`` lists the
    guardrails among ``guardrails`` that were added automatically. ``rolePrompt`` is the role
    part alone (a system prompt; empty without a role); ``fullPrompt`` is the role part, a rule,
    and the task, or the task alone when ``hasRole`` is false. ``wordCount`` counts the role part,
    or the task when there is no role (as the original).
    """

    has_role: bool
    persona: str | None = None
    persona_title: str | None = None
    stack: list[str] = Field(default_factory=list)
    domain: str | None = None
    format: str | None = None
    guardrails: list[str] = Field(default_factory=list)
    auto_guardrails: list[str] = Field(default_factory=list)
    word_count: int
    role_prompt: str = ""
    full_prompt: str
    warnings: list[str] = Field(default_factory=list)

    def wire(self) -> dict[str, object]:
        """The JSON-ready dict; ``warnings`` is omitted when empty, as the original does."""
        out = super().wire()
        if not self.warnings:
            out.pop("warnings", None)
        return out


_KIND_LABEL: Final[dict[BlockKind, str]] = {
    "persona": "persona",
    "stack": "stack blocks",
    "domain": "domain",
    "format": "format",
    "guardrail": "guardrails",
}


def _unknown_warning(lib: RoleLibrary, kind: BlockKind, unknown: Sequence[str]) -> str:
    """``Unknown stack blocks: "reakt" (did you mean "react"?), "zz"`` — the original's text."""
    parts = []
    for value in unknown:
        hint = ""
        close = difflib.get_close_matches(value, lib.ids(kind), n=1, cutoff=0.6)
        if close:
            hint = f' (did you mean "{close[0]}"?)'
        else:
            other = [k for k in _KIND_LABEL if k != kind and value in lib.ids(k)]
            if other:
                hint = f" (that is a {other[0]} block)"
        parts.append(f'"{value}"{hint}')
    return f"Unknown {_KIND_LABEL[kind]}: {', '.join(parts)}"


@dataclass
class _Capped:
    """Lines taken from blocks under a shared cap, and which blocks were cut."""

    lines: list[str] = field(default_factory=list)
    included: list[str] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)

    def warning(self, what: str, cap: int) -> str | None:
        if not (self.truncated or self.omitted):
            return None
        cut = [f'"{b}" truncated' for b in self.truncated]
        cut += [f'"{b}" omitted' for b in self.omitted]
        return f"{what} capped at {cap}: {', '.join(cut)}"


def _take(blocks: Iterable[tuple[str, Sequence[str]]], cap: int) -> _Capped:
    out = _Capped()
    for block_id, lines in blocks:
        room = cap - len(out.lines)
        if room <= 0:
            out.omitted.append(block_id)
            continue
        out.lines.extend(lines[:room])
        out.included.append(block_id)
        if len(lines) > room:
            out.truncated.append(block_id)
    return out


def _bullets(heading: str, lines: Iterable[str]) -> str:
    return "\n".join([heading, *(f"- {line}" for line in lines)])


def _split_known(ids: Iterable[str], known: Mapping[str, object]) -> tuple[list[str], list[str]]:
    found: list[str] = []
    unknown: list[str] = []
    for block_id in ids:
        (found if block_id in known else unknown).append(block_id)
    return found, unknown


@dataclass
class _Selection:
    """The known blocks a request selects, after automatic guardrails and caps."""

    persona: PersonaBlock | None
    domain: DomainBlock | None
    format: FormatBlock | None
    stack: _Capped
    rules: _Capped
    auto: list[str]
    warnings: list[str]


def _select(lib: RoleLibrary, request: ComposeRequest) -> _Selection:
    warnings: list[str] = []

    def known(kind: BlockKind, value: str | None, table: Mapping[str, object]) -> str | None:
        if value is None or value in table:
            return value
        warnings.append(_unknown_warning(lib, kind, [value]))
        return None

    persona_id = known("persona", request.persona, lib.personas)
    domain_id = known("domain", request.domain, lib.domains)
    format_id = known("format", request.format, lib.formats)
    stack_ids, unknown_stack = _split_known(request.stack, lib.stacks)
    guard_ids, unknown_guards = _split_known(request.guardrails, lib.guardrails)
    if unknown_stack:
        warnings.append(_unknown_warning(lib, "stack", unknown_stack))
    if unknown_guards:
        warnings.append(_unknown_warning(lib, "guardrail", unknown_guards))
    auto: list[str] = []
    if persona_id and not request.guardrails and request.auto_guardrails:
        auto = list(lib.personas[persona_id].auto_guardrails)
        guard_ids = auto
    stack = _take(((s, lib.stacks[s].instructions) for s in stack_ids), STACK_BULLET_CAP)
    rules = _take(((g, lib.guardrails[g].rules) for g in guard_ids), RULE_CAP)
    for capped, what, cap in (
        (stack, "Stack bullets", STACK_BULLET_CAP),
        (rules, "Rules", RULE_CAP),
    ):
        if (text := capped.warning(what, cap)) is not None:
            warnings.append(text)
    return _Selection(
        persona=lib.personas[persona_id] if persona_id else None,
        domain=lib.domains[domain_id] if domain_id else None,
        format=lib.formats[format_id] if format_id else None,
        stack=stack,
        rules=rules,
        auto=[g for g in rules.included if g in auto],
        warnings=warnings,
    )


def _render(lib: RoleLibrary, sel: _Selection) -> list[str]:
    """The prompt's sections, in the original's order, for the selected blocks only."""
    sections: list[str] = []
    if sel.persona:
        sections.append(f"# Role: {sel.persona.title}\n{sel.persona.core}")
    if sel.stack.lines:
        sections.append(_bullets("## Stack", sel.stack.lines))
        notes = [n for s in sel.stack.included if (n := lib.stacks[s].tech_notes)]
        if notes:
            sections.append(f"> Tech notes: {' '.join(notes)}")
    if sel.domain:
        sections.append(_bullets(f"## Domain: {sel.domain.title}", sel.domain.instructions))
    if sel.format:
        sections.append(_bullets(f"## Output: {sel.format.title}", sel.format.instructions))
    if sel.rules.lines:
        sections.append(_bullets("## Rules", sel.rules.lines))
    if sel.persona:
        sections.append(f"Style: {sel.persona.style}")
    return sections


def compose(request: ComposeRequest) -> ComposedRole:
    """Compose the role prompt for ``request``.

    Sections, in order and only when their block is known: role (persona title and core),
    stack bullets (capped), tech notes of the included stack blocks, domain, output format,
    rules (deduplicated guardrails, capped), persona style. Automatic guardrails apply only
    to a known persona with no guardrails requested. Never raises for unknown ids: they become
    warnings. With no section at all, ``hasRole`` is false and ``fullPrompt`` is the task.
    """
    lib = library()
    sel = _select(lib, request)
    sections = _render(lib, sel)
    if not sections:
        log.debug("role_composed", has_role=False, warnings=len(sel.warnings))
        return ComposedRole(
            has_role=False,
            word_count=len(request.task.split()),
            full_prompt=request.task,
            warnings=sel.warnings,
        )
    role_prompt = "\n\n".join(sections)
    persona_id = sel.persona.id if sel.persona else None
    log.debug("role_composed", has_role=True, persona=persona_id, warnings=len(sel.warnings))
    return ComposedRole(
        has_role=True,
        persona=persona_id,
        persona_title=sel.persona.title if sel.persona else None,
        stack=sel.stack.included,
        domain=sel.domain.id if sel.domain else None,
        format=sel.format.id if sel.format else None,
        guardrails=sel.rules.included,
        auto_guardrails=sel.auto,
        word_count=len(role_prompt.split()),
        role_prompt=role_prompt,
        full_prompt=f"{role_prompt}\n\n---\n\n## Task\n{request.task}",
        warnings=sel.warnings,
    )


def compose_system_prompt(
    task: str,
    persona: str | None = None,
    stack: Sequence[str] | str = (),
    domain: str | None = None,
    format: str | None = None,
    guardrails: Sequence[str] | str = (),
    *,
    auto_guardrails: bool = True,
) -> ComposedRole:
    """Validate the arguments as a :class:`ComposeRequest` and :func:`compose` it.

    For the spawning code: use ``result.role_prompt`` as the system prompt (when
    ``result.has_role``) or ``result.full_prompt`` as a single user message. Raises
    ``MissingParam``/``InvalidParam`` naming the field on bad arguments.
    """
    body: dict[str, object] = {
        "task": task,
        "persona": persona,
        # Python callers may pass "a,b"; the wire form is always an array
        "stack": stack.split(",") if isinstance(stack, str) else list(stack),
        "domain": domain,
        "format": format,
        "guardrails": guardrails.split(",") if isinstance(guardrails, str) else list(guardrails),
        "autoGuardrails": auto_guardrails,
    }
    return compose(parse_compose_request(body))
