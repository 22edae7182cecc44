"""The draw sites of one function, with their first and last lines."""

from __future__ import annotations

import ast

from seedlint.engine import FunctionAnalysis
from seedlint.runtime.plan import Site


def draw_sites(analysis: FunctionAnalysis, text: str, tree: ast.Module) -> list[Site]:
    """The function's draw sites, each with the line its statement ends on; `text` is
    the file's source and `tree` its syntax tree."""
    ends = end_lines(text, tree)
    return [
        Site(d.line, ends.get((d.line, d.column), d.line), d.name, [], stream=d.stream)
        for d in analysis.draws
    ]


def end_lines(text: str, tree: ast.Module) -> dict[tuple[int, int], int]:
    """(line, 1-based column) of each call -> the line its statement ends on."""
    lines = text.splitlines()
    out: dict[tuple[int, int], int] = {}
    for statement in ast.walk(tree):
        if not isinstance(statement, ast.stmt) or isinstance(
            statement,
            (
                ast.FunctionDef,
                ast.AsyncFunctionDef,
                ast.ClassDef,
                ast.If,
                ast.For,
                ast.While,
                ast.Try,
                ast.With,
            ),
        ):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                line_text = lines[node.lineno - 1].encode("utf-8")
                column = len(line_text[: node.col_offset].decode("utf-8", errors="replace")) + 1
                out[(node.lineno, column)] = statement.end_lineno or node.lineno
    return out
