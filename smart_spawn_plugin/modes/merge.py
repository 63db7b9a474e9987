"""Merge prompts: one sub-agent turns several outputs into one answer.

Inputs are the outputs' *text* (the original fed raw artifact JSON, §11.35), each bounded to
:data:`MERGE_INPUT_CHARS` so a verbose member cannot crowd the others out of the merge model's
context. Two styles:

- ``consensus`` (collective): the answer the members agree on, and a *Disagreements* section
  naming each point of difference and which member said what;
- ``synthesis`` (swarm, plan): one answer combining the sub-task results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

from smart_spawn_plugin.modes.base import SpawnRecord
from smart_spawn_plugin.modes.support import bounded

#: Chars of each input given to the merge model.
MERGE_INPUT_CHARS: Final = 6_000
MERGE_TASK_CHARS: Final = 4_000

MergeStyle = Literal["consensus", "synthesis"]

_INSTRUCTIONS: Final[dict[MergeStyle, str]] = {
    "consensus": (
        "Several independent assistants answered the same task. Write the single best answer:\n"
        "1. Start with the consensus — what the answers agree on, stated as the answer itself.\n"
        "2. Where they conflict, resolve the conflict on the merits when you can.\n"
        "3. End with a section headed 'Disagreements' that names each point where the answers "
        "differ and which answer (by its label) said what; write 'None' if they agree.\n"
        "Do not invent content that none of the answers supports."
    ),
    "synthesis": (
        "The task was split into sub-tasks, each answered separately. Combine their results "
        "into one final answer to the original task: keep the strongest content, remove "
        "repetition, resolve conflicts, and note any sub-task that failed or is missing."
    ),
}


def merge_prompt(task: str, records: Sequence[SpawnRecord], style: MergeStyle) -> str:
    """The merge sub-agent's task: instructions, the original task, each output bounded."""
    parts = [
        _INSTRUCTIONS[style],
        f"\nORIGINAL TASK:\n{bounded(task, MERGE_TASK_CHARS)}",
    ]
    for record in records:
        name = record.node_id or record.label
        parts.append(
            f"\n--- {name} ({record.model}) ---\n"
            f"{bounded((record.output or '').strip(), MERGE_INPUT_CHARS)}"
        )
    return "\n".join(parts)


def merge_template(style: MergeStyle) -> str:
    """The merge instructions alone (for recommend-strategy payloads)."""
    return _INSTRUCTIONS[style]
