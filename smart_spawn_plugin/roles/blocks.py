"""Role blocks: typed models, the lazy loader of the bundled library, and the blocks catalog.

The blocks live in package data (``smart_spawn_plugin/data/roles/*.json``), one file per kind,
each shaped ``{"kind": "<kind>", "blocks": [...]}``. They are read with ``importlib.resources``
the first time :func:`library` is called (never at import) and cached for the process.

Kinds and their content:

- **persona**: ``title``, ``core`` (who the sub-agent is), ``style`` (how it works) and
  ``autoGuardrails`` (the guardrails added when a caller names this persona but no guardrails);
- **stack**, **domain**, **format**: ``title`` and 1-8 ``instructions`` bullets; stack blocks may
  carry ``techNotes`` (version notes rendered as one quote line);
- **guardrail**: ``title`` and 1-6 ``rules``.

Every id the original Smart Spawn shipped exists here, so role configs written for it still work.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.models import Wire

BlockKind = Literal["persona", "stack", "domain", "format", "guardrail"]

_DATA_PACKAGE: Final = "smart_spawn_plugin"
_FILES: Final[dict[BlockKind, str]] = {
    "persona": "personas.json",
    "stack": "stacks.json",
    "domain": "domains.json",
    "format": "formats.json",
    "guardrail": "guardrails.json",
}
_ID_PATTERN: Final = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class _Block(BaseModel):
    """Fields every block has. Blocks are immutable and reject unknown keys in the data files."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    id: str = Field(pattern=_ID_PATTERN, max_length=64)
    title: str = Field(min_length=1)


def _bullets(items: tuple[str, ...]) -> str:
    return "\n".join(f"- {item}" for item in items)


class PersonaBlock(_Block):
    """Who the sub-agent is (``core``) and how it works (``style``)."""

    core: str = Field(min_length=1)
    style: str = Field(min_length=1)
    auto_guardrails: tuple[str, ...] = ()

    @property
    def content(self) -> str:
        """The persona's prose: identity, then working style."""
        return f"{self.core} {self.style}"


class InstructionBlock(_Block):
    """A block made of instruction bullets (stack, domain and format blocks)."""

    instructions: tuple[str, ...] = Field(min_length=1, max_length=8)

    @property
    def content(self) -> str:
        """The instructions as Markdown bullets."""
        return _bullets(self.instructions)


class StackBlock(InstructionBlock):
    """Best practice for one technology; ``tech_notes`` holds version-specific notes."""

    tech_notes: str | None = None


class DomainBlock(InstructionBlock):
    """Knowledge and constraints of a business domain."""


class FormatBlock(InstructionBlock):
    """How the sub-agent's output must be shaped."""


class GuardrailBlock(_Block):
    """Rules the sub-agent must follow."""

    rules: tuple[str, ...] = Field(min_length=1, max_length=6)

    @property
    def content(self) -> str:
        """The rules as Markdown bullets."""
        return _bullets(self.rules)


_B = TypeVar("_B", bound=_Block)


@dataclass(frozen=True, slots=True)
class RoleLibrary:
    """Every block, by kind, keyed by id, in data-file order."""

    personas: Mapping[str, PersonaBlock]
    stacks: Mapping[str, StackBlock]
    domains: Mapping[str, DomainBlock]
    formats: Mapping[str, FormatBlock]
    guardrails: Mapping[str, GuardrailBlock]

    def ids(self, kind: BlockKind) -> tuple[str, ...]:
        """The ids of one kind, in data-file order."""
        table: Mapping[BlockKind, Mapping[str, _Block]] = {
            "persona": self.personas,
            "stack": self.stacks,
            "domain": self.domains,
            "format": self.formats,
            "guardrail": self.guardrails,
        }
        return tuple(table[kind])


def _read(kind: BlockKind, model: type[_B]) -> dict[str, _B]:
    """Read and validate one kind's data file. A broken file is a packaging bug: 500."""
    name = _FILES[kind]
    try:
        text = (resources.files(_DATA_PACKAGE) / "data" / "roles" / name).read_text("utf-8")
        raw = json.loads(text)
    except (OSError, ValueError) as exc:
        raise SmartSpawnError(f"role data file {name} is unreadable: {exc}") from exc
    if (
        not isinstance(raw, dict)
        or raw.get("kind") != kind
        or not isinstance(raw.get("blocks"), list)
    ):
        raise SmartSpawnError(f"role data file {name} must be {{'kind': {kind!r}, 'blocks': []}}")
    blocks: dict[str, _B] = {}
    for index, item in enumerate(raw["blocks"]):
        try:
            block = model.model_validate(item)
        except ValidationError as exc:
            raise SmartSpawnError(f"role data file {name}, block #{index}: {exc}") from exc
        if block.id in blocks:
            raise SmartSpawnError(f"role data file {name}: duplicate id {block.id!r}")
        blocks[block.id] = block
    return blocks


@functools.cache
def library() -> RoleLibrary:
    """The bundled role library, loaded on first call and cached for the process.

    Raises :class:`~smart_spawn_plugin.errors.SmartSpawnError` if a data file is missing or
    malformed, or a persona's ``autoGuardrails`` names a guardrail that does not exist.
    """
    lib = RoleLibrary(
        personas=_read("persona", PersonaBlock),
        stacks=_read("stack", StackBlock),
        domains=_read("domain", DomainBlock),
        formats=_read("format", FormatBlock),
        guardrails=_read("guardrail", GuardrailBlock),
    )
    for persona in lib.personas.values():
        missing = [g for g in persona.auto_guardrails if g not in lib.guardrails]
        if missing:
            raise SmartSpawnError(
                f"persona {persona.id!r} auto-guardrails name unknown guardrails: {missing}"
            )
    return lib


class PersonaSummary(Wire):
    """One persona in the blocks catalog."""

    id: str
    title: str
    core: str


class InstructionSummary(Wire):
    """One stack, domain or format block in the catalog: its id and how many instructions."""

    id: str
    instructions: int


class BlockCounts(Wire):
    """How many blocks of each kind exist."""

    personas: int
    stack: int
    domains: int
    formats: int
    guardrails: int


class BlockCatalog(Wire):
    """The ``GET /roles/blocks`` response, shaped exactly as the original's.

    ``{personas:[{id,title,core}], stack:[{id,instructions:<count>}], domains:[…],
    formats:[…], guardrails:[ids], counts:{personas,stack,domains,formats,guardrails}}``
    """

    personas: list[PersonaSummary]
    stack: list[InstructionSummary]
    domains: list[InstructionSummary]
    formats: list[InstructionSummary]
    guardrails: list[str]
    counts: BlockCounts


def _summaries(blocks: Mapping[str, InstructionBlock]) -> list[InstructionSummary]:
    return [InstructionSummary(id=b.id, instructions=len(b.instructions)) for b in blocks.values()]


def list_blocks() -> BlockCatalog:
    """Every available block id, in data-file order, as the original's ``/roles/blocks``."""
    lib = library()
    return BlockCatalog(
        personas=[
            PersonaSummary(id=p.id, title=p.title, core=p.core) for p in lib.personas.values()
        ],
        stack=_summaries(lib.stacks),
        domains=_summaries(lib.domains),
        formats=_summaries(lib.formats),
        guardrails=list(lib.guardrails),
        counts=BlockCounts(
            personas=len(lib.personas),
            stack=len(lib.stacks),
            domains=len(lib.domains),
            formats=len(lib.formats),
            guardrails=len(lib.guardrails),
        ),
    )
