"""`path:line:col: CODE message`, one finding a line (coloured as ruff colours it, on
request: bold path, cyan colons, red code)."""

from __future__ import annotations

from collections.abc import Sequence

import click

from seedlint.report.diagnostics import Diagnostic


def render(diagnostics: Sequence[Diagnostic], colour: bool = False) -> str:
    if not colour:
        return "".join(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}\n" for d in diagnostics)
    colon = click.style(":", fg="cyan")
    return "".join(
        f"{click.style(d.path, bold=True)}{colon}{d.line}{colon}{d.column}{colon} "
        f"{click.style(d.code, fg='red', bold=True)} {d.message}\n"
        for d in diagnostics
    )
