"""Eval report tables printed to a pipe are as wide as they need: no header or figure cut to '…'."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from docpipe.cli import _report_console


def test_a_table_wider_than_132_columns_prints_whole_when_piped() -> None:
    table = Table(title="wide")
    for i in range(12):
        table.add_column(f"straight-through-{i}", justify="right")
    table.add_row(*[f"0.{i:02d} (13/65)" for i in range(12)])
    console = _report_console(table)
    console.file = io.StringIO()
    console.print(table)
    text = console.file.getvalue()
    assert "…" not in text and "straight-through-11" in text
    assert console.width >= Console(width=400).measure(table).maximum > 132
