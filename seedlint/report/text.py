"""`path:line:col: CODE message`, one finding a line (coloured as ruff colours it, on
request: bold path, cyan colons, red code). In a notebook the line is named with its code
cell: `nb.ipynb:cell 3:line 5:col: CODE message`."""

from __future__ import annotations

from collections.abc import Sequence

import click

from seedlint.report.diagnostics import Diagnostic


def position(diagnostic: Diagnostic, colon: str = ":") -> str:
    """`line:col`, or `cell N:line M:col` in a notebook."""
    d = diagnostic
    line = str(d.line) if d.cell is None else f"cell {d.cell}{colon}line {d.line}"
    return f"{line}{colon}{d.column}"


def plain(diagnostic: Diagnostic) -> str:
    """One finding's line, uncoloured, without its newline."""
    d = diagnostic
    return f"{d.path}:{position(d)}: {d.code} {d.message}"


def render(diagnostics: Sequence[Diagnostic], colour: bool = False) -> str:
    if not colour:
        return "".join(f"{plain(d)}\n" for d in diagnostics)
    colon = click.style(":", fg="cyan")
    return "".join(
        f"{click.style(d.path, bold=True)}{colon}{position(d, colon)}{colon} "
        f"{click.style(d.code, fg='red', bold=True)} {d.message}\n"
        for d in diagnostics
    )
