"""Where human output goes: a :class:`Term` writes lines and tables.

On a terminal it is :class:`RichTerm` (colours and boxed tables through ``rich``, imported only
then); otherwise (a pipe, a file, a test's captured stream) :class:`PlainTerm` writes plain,
column-aligned text with no escape codes, so ``smart-spawn models | grep`` and scripts see clean
text. ``rich`` honours ``NO_COLOR`` and ``TERM=dumb`` itself.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from rich.console import Console


#: The narrowest a free-text column gets on a narrow terminal.
WRAP_MIN: Final = 24


@dataclass(frozen=True)
class Column:
    """A table column: its header, whether its cells are numbers (right-aligned), and whether
    it is free text that may wrap on a narrow terminal (other columns — ids, figures — keep
    their full width)."""

    header: str
    numeric: bool = False
    wrap: bool = False


class Term(Protocol):
    """Human output. ``style`` is a rich style ("bold", "dim", "green", "red" …); plain output
    ignores it. Text is never parsed as markup (model ids may hold brackets)."""

    def line(self, text: str = "", *, style: str | None = None) -> None: ...

    def table(
        self,
        columns: Sequence[Column | str],
        rows: Sequence[Sequence[str]],
        *,
        title: str | None = None,
    ) -> None: ...


def _column(c: Column | str) -> Column:
    return c if isinstance(c, Column) else Column(c)


class PlainTerm:
    """Plain text: tables as space-aligned columns under their headers."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def line(self, text: str = "", *, style: str | None = None) -> None:
        self.out.write(text + "\n")

    def table(
        self,
        columns: Sequence[Column | str],
        rows: Sequence[Sequence[str]],
        *,
        title: str | None = None,
    ) -> None:
        cols = [_column(c) for c in columns]
        widths = [len(c.header) for c in cols]
        for row in rows:
            widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
        if title:
            self.line(title)

        def fmt(cells: Sequence[str]) -> str:
            parts = [
                cell.rjust(w) if c.numeric else cell.ljust(w)
                for c, cell, w in zip(cols, cells, widths, strict=True)
            ]
            return "  ".join(parts).rstrip()

        self.line(fmt([c.header for c in cols]))
        for row in rows:
            self.line(fmt(row))


class RichTerm:
    """A rich console: styled lines, tables with a header rule."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def line(self, text: str = "", *, style: str | None = None) -> None:
        from rich.text import Text

        self.console.print(Text(text, style=style or ""), soft_wrap=True)

    def table(
        self,
        columns: Sequence[Column | str],
        rows: Sequence[Sequence[str]],
        *,
        title: str | None = None,
    ) -> None:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        table = Table(
            title=Text(title, style="bold") if title else None,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            header_style="bold cyan",
            pad_edge=False,
        )
        cols = [_column(c) for c in columns]
        needed = 2 * (len(cols) - 1)  # one space of padding each side between columns
        for i, c in enumerate(cols):
            widest = max([len(c.header), *(len(row[i]) for row in rows)])
            # ids and figures keep their full width; free text shrinks, down to WRAP_MIN
            floor = min(widest, WRAP_MIN) if c.wrap else widest
            needed += floor
            table.add_column(
                c.header,
                justify="right" if c.numeric else "left",
                no_wrap=not c.wrap,
                min_width=floor,
            )
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        # Never drop or crop a column: a table wider than the terminal is drawn at its own
        # width and the terminal wraps it, as it would plain text.
        width = self.console.width
        self.console.width = max(width, needed)
        try:
            self.console.print(table, crop=False)
        finally:
            self.console.width = width


def is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or fake stream
        return False


def open_term(stream: IO[str] | None = None) -> Term:
    """A rich term on a terminal, a plain one elsewhere (default stream: ``sys.stdout``)."""
    out = stream if stream is not None else sys.stdout
    if not is_terminal(out):
        return PlainTerm(out)
    from rich.console import Console

    return RichTerm(Console(file=out, highlight=False))
