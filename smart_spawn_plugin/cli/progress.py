"""Progress of a run on stderr, as a gateway plugin (``subagent_spawned``/``subagent_ended``).

:class:`PlainProgress` writes one line per sub-agent start and end (pipes, logs, tests);
:class:`LiveProgress` keeps a live table of the sub-agents on a terminal (rich), with their
state, elapsed time, tokens and cost. :func:`open_progress` picks one for the stream. Imported
only when a run starts (it loads the gateway's hook markers).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from smart_spawn_plugin.cli.term import is_terminal
from smart_spawn_plugin.contract import SpawnAccepted, SpawnRequest, SubagentEnded
from smart_spawn_plugin.gateway.hookspecs import hookimpl

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live


def mark(outcome: str) -> str:
    """✓ for a sub-agent that finished ok, ✗ for any other outcome (error, timeout …)."""
    return "✓" if outcome == "ok" else "✗"


def ended_line(ended: SubagentEnded) -> str:
    cost = f" ${ended.cost_usd:.4f}" if ended.cost_usd is not None else ""
    error = ""
    if ended.error and ended.outcome != "ok":
        error = f" — {ended.error.removeprefix(f'{ended.model}: ')}"
    return (
        f"  {mark(ended.outcome)} {ended.outcome} {ended.model} · "
        f"{ended.duration_ms / 1000:.1f}s {ended.usage.total_tokens} tok{cost}{error}"
    )


class PlainProgress:
    """One line per sub-agent start and end, and per chat tool call, to ``out``."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def _write(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    @hookimpl
    def subagent_spawned(self, accepted: SpawnAccepted, request: SpawnRequest) -> None:
        label = request.label or request.task[:60]
        self._write(f"  ↳ started {accepted.model} · {label}")

    @hookimpl
    def subagent_ended(self, ended: SubagentEnded) -> None:
        self._write(ended_line(ended))

    def on_event(self, event: object) -> None:
        """Chat events: one line per finished tool call."""
        if getattr(event, "kind", "") == "tool_result":
            state = "error" if getattr(event, "is_error", False) else "done"
            self._write(f"  · {getattr(event, 'tool_name', '')} {state}")


@dataclass
class _Row:
    model: str
    label: str
    started: float
    ended: SubagentEnded | None = None


class LiveProgress:
    """A live table of sub-agents (rich), redrawn on every event and four times a second."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.rows: dict[str, _Row] = {}

    @hookimpl
    def subagent_spawned(self, accepted: SpawnAccepted, request: SpawnRequest) -> None:
        key = accepted.run_id or str(len(self.rows))
        label = request.label or request.task[:60]
        self.rows[key] = _Row(accepted.model or "?", label, time.monotonic())
        self.live.refresh()

    @hookimpl
    def subagent_ended(self, ended: SubagentEnded) -> None:
        row = self.rows.get(ended.run_id)
        if row is None:
            row = self.rows[ended.run_id] = _Row(
                ended.model or "?", ended.label or "", time.monotonic()
            )
        row.ended = ended
        self.live.refresh()

    def render(self) -> RenderableType:
        from rich import box
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        table = Table(box=box.SIMPLE_HEAD, header_style="bold cyan", title_justify="left")
        for header in ("", "model", "sub-agent", "time", "tokens", "cost"):
            table.add_column(
                header, justify="right" if header in {"time", "tokens", "cost"} else "left"
            )
        now = time.monotonic()
        for row in self.rows.values():
            e = row.ended
            if e is None:
                state: RenderableType = Spinner("dots", style="yellow")
                seconds, tokens, cost = now - row.started, "", ""
            else:
                state = Text(mark(e.outcome), style="green" if e.outcome == "ok" else "red")
                seconds = e.duration_ms / 1000
                tokens = str(e.usage.total_tokens)
                cost = f"${e.cost_usd:.4f}" if e.cost_usd is not None else "—"
            table.add_row(state, Text(row.model), Text(row.label), f"{seconds:.1f}s", tokens, cost)
        if not self.rows:
            table.add_row(Spinner("dots", style="yellow"), Text("routing…"), "", "", "", "")
        return table


@contextmanager
def open_progress(out: IO[str]) -> Iterator[PlainProgress | LiveProgress]:
    """A live table on a terminal, plain lines elsewhere; stopped on exit."""
    if not is_terminal(out):
        yield PlainProgress(out)
        return
    from rich.console import Console
    from rich.live import Live

    console = Console(file=out)
    holder: list[LiveProgress] = []
    live = Live(
        get_renderable=lambda: holder[0].render() if holder else "",
        console=console,
        refresh_per_second=4,
        transient=False,
    )
    holder.append(LiveProgress(live))
    with live:
        yield holder[0]
