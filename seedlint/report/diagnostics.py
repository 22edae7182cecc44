"""Findings, before and after they are placed in a file."""

from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering
from typing import TypeAlias

from seedlint.lower.ir import CallSite
from seedlint.parse.notebooks import where

# A message's arguments as data (callee, stream, seed lines, condition), for JSON.
# In a notebook, a line is `cell 3, line 5` (seedlint.parse.notebooks.Cells.value).
Argument: TypeAlias = "str | int | tuple[int | str, ...]"
Arguments: TypeAlias = "tuple[tuple[str, Argument], ...]"
Witness: TypeAlias = "tuple[tuple[str, bool], ...]"  # (condition, value) decisions of the path


@dataclass(frozen=True, slots=True)
class Finding:
    """What a check reports about one call; the engine adds path and position."""

    node: CallSite
    code: str
    message: str
    stream: str = ""
    witness: Witness = ()
    arguments: Arguments = ()


@total_ordering
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A finding placed in a file. In a notebook, `line` counts the lines of code cell
    `cell` (1-based, code cells only); in a `.py` file `cell` is None."""

    path: str
    line: int
    column: int  # 1-based
    code: str
    message: str
    function: str = ""  # the function judged, as Python's __qualname__
    stream: str = ""
    witness: Witness = ()
    call: str = ""  # the flagged callee as written, for line-independent fingerprints
    arguments: Arguments = ()
    cell: int | None = None

    def _order(self) -> tuple[str, int, int, int, str, str, str, str, Witness, str, Arguments]:
        # By file, then cell (none in a .py file), line, column, code and the rest.
        return (
            self.path,
            self.cell or 0,
            self.line,
            self.column,
            self.code,
            self.message,
            self.function,
            self.stream,
            self.witness,
            self.call,
            self.arguments,
        )

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Diagnostic):
            return NotImplemented
        return self._order() < other._order()

    @property
    def where(self) -> str:
        """`line 5`, or `cell 3, line 5` in a notebook."""
        return where(self.cell, self.line)

    @property
    def title(self) -> str:
        """The code, and in a notebook where it is, `CODE (cell 3, line 5)`: for formats
        whose locations are lines of the file (GitHub, GitLab), which a cell's are not."""
        return self.code if self.cell is None else f"{self.code} ({self.where})"

    def to_json(self) -> dict[str, object]:
        cell = {} if self.cell is None else {"cell": self.cell}
        return {
            "path": self.path,
            **cell,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "function": self.function,
            "stream": self.stream,
            "witness": [{"condition": c, "value": v} for c, v in self.witness],
            "call": self.call,
            "arguments": {
                name: list(value) if isinstance(value, tuple) else value
                for name, value in self.arguments
            },
        }


UNANALYSABLE = "SDL001"
