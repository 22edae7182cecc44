"""Line and column of call nodes, computed only for files that report something.

libcst's PositionProvider regenerates the whole file with position tracking, which
costs more than parsing it. Python's own `ast` knows every call's position at a
fraction of that cost, so calls are paired in source order (libcst calls in a
source-ordered walk, ast calls sorted by start, outer before inner) and the pairing
is checked name by name; if anything disagrees, PositionProvider decides.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from seedlint.walk import children

# Node types whose dataclass fields are not in source order.
_SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
}


def _source_ordered(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    order = _SOURCE_ORDER.get(type(node))
    if order is None:
        yield from children(node)
        return
    for name in order:
        value = getattr(node, name, None)
        if isinstance(value, (tuple, list)):
            yield from (v for v in value if isinstance(v, cst.CSTNode))
        elif isinstance(value, cst.CSTNode):
            yield value


def _cst_calls(node: cst.CSTNode, out: list[cst.Call]) -> None:
    if isinstance(node, cst.Call):
        out.append(node)
    for child in _source_ordered(node):
        _cst_calls(child, out)


def _last_name(node: cst.BaseExpression | ast.expr) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


_NEWLINE = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """Physical lines as Python's tokenizer counts them (not str.splitlines)."""
    return _NEWLINE.split(text)


class Positions:
    def __init__(self, module: cst.Module, text: str) -> None:
        self.module = module
        self.text = text[1:] if text.startswith("\ufeff") else text
        self._table: dict[int, tuple[int, int]] | None = None

    def of(self, node: cst.CSTNode) -> tuple[int, int]:
        if self._table is None:
            self._table = self._from_ast() or self._from_libcst()
        return self._table.get(id(node), (1, 1))

    def _from_ast(self) -> dict[int, tuple[int, int]] | None:
        try:
            tree = ast.parse(self.text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        py_calls = sorted(
            (n for n in ast.walk(tree) if isinstance(n, ast.Call)),
            key=lambda n: (n.lineno, n.col_offset, -(n.end_lineno or 0), -(n.end_col_offset or 0)),
        )
        cst_calls: list[cst.Call] = []
        try:
            _cst_calls(self.module, cst_calls)
        except RecursionError:
            return None
        if len(py_calls) != len(cst_calls):
            return None
        lines = [line.encode("utf-8") for line in source_lines(self.text)]
        table: dict[int, tuple[int, int]] = {}
        for ours, theirs in zip(cst_calls, py_calls, strict=True):
            if _last_name(ours.func) != _last_name(theirs.func):
                return None
            line = lines[theirs.lineno - 1] if theirs.lineno <= len(lines) else b""
            column = len(line[: theirs.col_offset].decode("utf-8", errors="replace"))
            table[id(ours)] = (theirs.lineno, column + 1)
        return table

    def _from_libcst(self) -> dict[int, tuple[int, int]]:
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        return {
            id(node): (position.start.line, position.start.column + 1)
            for node, position in wrapper.resolve(PositionProvider).items()
            if isinstance(node, cst.Call)
        }
