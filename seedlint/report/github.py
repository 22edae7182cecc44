"""GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`."""

from __future__ import annotations

from collections.abc import Sequence

from seedlint.checks import severity
from seedlint.report.diagnostics import Diagnostic


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(
        f"::{severity(d.code)} "
        f"file={_property(d.path)},line={d.line},col={d.column},"
        f"title={_property(d.code)}::{_data(d.message)}\n"
        for d in diagnostics
    )
