"""A large module's skeleton: its text with the bodies of its functions left out.

An edit of a 20,000-line module usually changes one function. The skeleton keeps every
statement that runs when the module is imported (imports, assignments, class bodies,
decorators, defaults) and replaces the body of each top-level function and of each
method of a top-level class by `...`; it is a fifth of the text or less, and libcst
parses it in a fraction of the time. The bodies left out are lowered one definition at
a time (seedlint.lower.parts), and reused while their text and the module names they
use stay the same.

Python's `ast` (a C parser, ten times faster than libcst) finds the bodies. A body is
left out only where it starts a line of its own, so that the lines it spans hold
nothing else.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from seedlint.parse.paths import parse_quietly

# Python's line breaks (`str.splitlines` also breaks at form feeds and others).
_LINE_BREAK = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")
_INDENT = re.compile(r"[ \t\f]*")
_Definition = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class Slot:
    """A top-level function, or a method of a top-level class, in source order."""

    name: str
    owner: str | None  # the class it is a method of
    text: str | None  # the definition as written, decorators included, if its body is left out


@dataclass(frozen=True, slots=True)
class Skeleton:
    text: str
    slots: tuple[Slot, ...]


def source_lines(text: str) -> list[str]:
    """The lines of `text` as Python counts them, each with its line break."""
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if lines and not lines[-1] else lines


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _body_span(node: _Definition, lines: list[str]) -> tuple[int, int, str] | None:
    """The body's lines (0-based, end excluded) and indentation, if it starts a line of
    its own: its first statement (or that statement's first decorator) is the first
    thing on its line."""
    first = node.body[0]
    start = _first_line(first)
    if start <= node.lineno:
        return None
    line = lines[start - 1]
    indent = _INDENT.match(line)
    assert indent is not None
    text = line[indent.end() :]
    if start == first.lineno:
        if len(line[: indent.end()].encode()) != first.col_offset:
            return None
    elif not text.startswith("@"):
        return None
    end = node.end_lineno
    assert end is not None
    return start - 1, end, indent.group()


def skeleton_of(text: str) -> Skeleton | None:
    """The module's skeleton, or None if Python cannot parse it."""
    try:
        tree = parse_quietly(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = source_lines(text)
    slots = []
    out: list[str] = []
    done = 0  # lines of `text` copied to `out` or left out so far

    def place(node: _Definition, owner: str | None) -> None:
        nonlocal done
        span = _body_span(node, lines)
        if span is None:
            slots.append(Slot(node.name, owner, None))
            return
        start, end, indent = span
        definition = "".join(lines[_first_line(node) - 1 : end])
        slots.append(Slot(node.name, owner, definition))
        out.extend(lines[done:start])
        out.append(f"{indent}...\n")
        done = end

    for node in tree.body:
        if isinstance(node, _Definition):
            place(node, None)
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, _Definition):
                    place(member, node.name)
    out.extend(lines[done:])
    return Skeleton("".join(out), tuple(slots))
