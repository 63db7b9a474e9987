"""Role prompts for sub-agents: a library of blocks (package data) and the composer.

``list_blocks()`` is the original's ``GET /roles/blocks``; ``compose(ComposeRequest)`` is its
``POST /roles/compose`` with its defects fixed; ``compose_system_prompt(...)`` is the
convenience the spawning code calls. Nothing is read until one of them is first called.
"""

from smart_spawn_plugin.roles.blocks import (
    BlockCatalog,
    BlockKind,
    DomainBlock,
    FormatBlock,
    GuardrailBlock,
    PersonaBlock,
    RoleLibrary,
    StackBlock,
    library,
    list_blocks,
)
from smart_spawn_plugin.roles.composer import (
    RULE_CAP,
    STACK_BULLET_CAP,
    ComposedRole,
    ComposeRequest,
    compose,
    compose_system_prompt,
    parse_compose_request,
)

__all__ = [
    "RULE_CAP",
    "STACK_BULLET_CAP",
    "BlockCatalog",
    "BlockKind",
    "ComposeRequest",
    "ComposedRole",
    "DomainBlock",
    "FormatBlock",
    "GuardrailBlock",
    "PersonaBlock",
    "RoleLibrary",
    "StackBlock",
    "compose",
    "compose_system_prompt",
    "library",
    "list_blocks",
    "parse_compose_request",
]
