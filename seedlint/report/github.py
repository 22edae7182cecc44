"""GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`; for a
finding in a notebook `::error file=…,title=CODE (cell 3, line 5)::message`."""

from __future__ import annotations

from collections.abc import Sequence

from seedlint.checks import severity
from seedlint.report.diagnostics import Diagnostic


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(d: Diagnostic) -> str:
    if d.cell is None:
        return f"file={_property(d.path)},line={d.line},col={d.column},title={_property(d.code)}"
    # A line of the notebook's JSON is not the cell's: the annotation is on the file.
    return f"file={_property(d.path)},title={_property(d.title)}"


def render(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(
        f"::{severity(d.code)} {_annotation(d)}::{_data(d.message)}\n" for d in diagnostics
    )
