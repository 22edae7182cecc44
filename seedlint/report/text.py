"""`path:line:col: CODE message`, one finding a line."""

from __future__ import annotations

from collections.abc import Sequence

from seedlint.report.diagnostics import Diagnostic


def render(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}\n" for d in diagnostics)
