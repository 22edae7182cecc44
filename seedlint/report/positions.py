"""Line and column of calls, computed only for files that report something.

Workers number every call in source order (outer calls before the calls inside them),
then every `for` clause's iterable (an iteration has no call of its own), and keep no
positions. For a file with findings, Python's `ast` gives every call's position at a
fraction of libcst's cost: its calls sorted by start (outer first), then its iterables
sorted the same way, pair with the numbering, and the pairing is checked name by name
(the callee's, the iterable's). If anything disagrees, libcst's PositionProvider decides.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from seedlint.lower.ir import ModuleFile
from seedlint.parse.notebooks import as_module
from seedlint.parse.paths import parse_quietly
from seedlint.parse.sources import SourceError, read_file
from seedlint.store.spill import read_call_names

_NEWLINE = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """Physical lines as Python's tokenizer counts them (not str.splitlines)."""
    return _NEWLINE.split(text)


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


Positions = list[tuple[int, int]]
Node = TypeVar("Node", bound=ast.expr)
Loader = Callable[[ModuleFile, bytes | None], tuple[Positions, list[str]]]


def load_view(module: ModuleFile, data: bytes | None = None) -> tuple[Positions, list[str]]:
    """The positions of a module's calls and its lines (parses: run it in a worker)."""
    if data is None:
        read = read_file(Path(module.path))
        if isinstance(read, SourceError):
            return [], []
        data = read.data
    analysed = as_module(Path(module.path), data)  # a notebook's code, as it was analysed
    if isinstance(analysed, SourceError):
        return [], []
    data = analysed.data
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    from_ast = _from_ast(module, text) if digest == module.digest else None
    return from_ast or _from_libcst(data), source_lines(text)


@dataclass(frozen=True, slots=True)
class ViewJob:
    """`load_view` as a job for seedlint.lower.supervisor."""

    module: ModuleFile
    data: bytes | None

    def run(self) -> tuple[Positions, list[str]]:
        return load_view(self.module, self.data)


class FileView:
    """A file that has findings, read again: its calls' positions and its lines."""

    def __init__(
        self, module: ModuleFile, data: bytes | None = None, load: Loader = load_view
    ) -> None:
        self.module = module
        self._data = data
        self._load_with = load
        self._positions: Positions | None = None
        self._lines: list[str] | None = None

    def _load(self) -> None:
        self._positions, self._lines = self._load_with(self.module, self._data)

    def position(self, index: int) -> tuple[int, int]:
        if self._positions is None:
            self._load()
        assert self._positions is not None
        return self._positions[index] if 0 <= index < len(self._positions) else (1, 1)

    def line_count(self) -> int:
        if self._lines is None:
            self._load()
        assert self._lines is not None
        return len(self._lines)

    def line(self, number: int) -> str:
        if self._lines is None:
            self._load()
        assert self._lines is not None
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""


def _from_ast(module: ModuleFile, text: str) -> Positions | None:
    body = text[1:] if text.startswith("\ufeff") else text
    try:
        tree = parse_quietly(body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    calls: list[ast.Call] = []
    iterables: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            iterables.append(node.iter)
    names = read_call_names(module)
    if len(calls) + len(iterables) != len(names):
        return None
    named: list[tuple[ast.expr, str | None]] = [(c, _last_name(c.func)) for c in _by_start(calls)]
    named += [(i, _last_name(i)) for i in _by_start(iterables)]
    lines = [line.encode("utf-8") for line in source_lines(body)]
    out = []
    for (node, found), name in zip(named, names, strict=True):
        if found != name:
            return None
        line = lines[node.lineno - 1] if node.lineno <= len(lines) else b""
        column = len(line[: node.col_offset].decode("utf-8", errors="replace"))
        out.append((node.lineno, column + 1))
    return out


def _by_start(nodes: list[Node]) -> list[Node]:
    """Sorted by where they start, the outer of two that start together first."""
    return sorted(
        nodes,
        key=lambda n: (n.lineno, n.col_offset, -(n.end_lineno or 0), -(n.end_col_offset or 0)),
    )


def _from_libcst(data: bytes) -> Positions:
    import libcst as cst  # the rare file where ast disagrees
    from libcst.metadata import MetadataWrapper, PositionProvider

    from seedlint.parse.walk import calls_in_source_order

    module = cst.parse_module(data)
    calls: list[cst.Call] = []
    iterables: list[cst.BaseExpression] = []
    calls_in_source_order(module, calls, iterables)
    table = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return [(table[n].start.line, table[n].start.column + 1) for n in (*calls, *iterables)]
