"""Human output (``cli.term``): plain text off a terminal, rich tables on one."""

from __future__ import annotations

import io

from rich.console import Console

from smart_spawn_plugin.cli.term import Column, PlainTerm, RichTerm, open_term


def test_plain_table_aligns_and_right_justifies_numbers() -> None:
    out = io.StringIO()
    term = PlainTerm(out)
    term.table(["model", Column("score", numeric=True)], [["a/b", "9.5"], ["long/model", "10.25"]],
               title="two models")  # fmt: skip
    assert out.getvalue().splitlines() == [
        "two models",
        "model       score",
        "a/b           9.5",
        "long/model  10.25",
    ]


def test_open_term_is_plain_off_a_terminal() -> None:
    out = io.StringIO()
    term = open_term(out)
    assert isinstance(term, PlainTerm)
    term.line("[bold]not markup[/bold]", style="red")
    assert out.getvalue() == "[bold]not markup[/bold]\n"


def test_rich_table_keeps_ids_whole_and_never_parses_markup() -> None:
    out = io.StringIO()
    term = RichTerm(Console(file=out, force_terminal=True, width=40, color_system="standard"))
    long_id = "google/gemini-3.1-pro-preview-with-a-long-name"
    term.table(["model", Column("why", wrap=True)], [[long_id, "[red]x[/red] " * 8]])
    term.line("[b]literal[/b]", style="green")
    text = out.getvalue()
    assert long_id in text  # wider than the terminal, yet not cropped
    assert "[red]x[/red]" in text and "[b]literal[/b]" in text
    assert "\x1b[" in text  # styled
