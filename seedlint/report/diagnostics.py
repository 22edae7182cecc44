"""Findings, before and after they are placed in a file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from seedlint.lower.ir import CallSite

# A message's arguments as data (callee, stream, seed lines, condition), for JSON.
Argument: TypeAlias = "str | int | tuple[int, ...]"
Arguments: TypeAlias = "tuple[tuple[str, Argument], ...]"


@dataclass(frozen=True, slots=True)
class Finding:
    """What a check reports about one call; the engine adds path and position."""

    node: CallSite
    code: str
    message: str
    stream: str = ""
    witness: tuple[tuple[str, bool], ...] = ()  # (condition, value) decisions of the path
    arguments: Arguments = ()


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    path: str
    line: int
    column: int  # 1-based
    code: str
    message: str
    function: str = ""  # the function judged, as Python's __qualname__
    stream: str = ""
    witness: tuple[tuple[str, bool], ...] = ()
    call: str = ""  # the flagged callee as written, for line-independent fingerprints
    arguments: Arguments = ()

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
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
