"""The draw sites of one function, with their first and last lines."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst

from seedlint.engine import FunctionAnalysis
from seedlint.parse.paths import parse_quietly
from seedlint.runtime.plan import PlanError, Site, parsed_source


def draw_sites(analysis: FunctionAnalysis, path: Path) -> list[Site]:
    """The function's draw sites, each with the line its statement ends on."""
    ends = _end_lines(path)
    return [
        Site(d.line, ends.get((d.line, d.column), d.line), d.name, [], stream=d.stream)
        for d in analysis.draws
    ]


def _end_lines(path: Path) -> dict[tuple[int, int], int]:
    """(line, 1-based column) of each call -> the line its statement ends on."""
    text = parsed_source(path).text
    tree = parse_quietly(text)
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


def definition_node(target: str) -> cst.FunctionDef | cst.Module:
    """The libcst node of FILE::QUALNAME, for its parameter defaults."""
    file_part, _, qualname = target.partition("::")
    module = parsed_source(Path(file_part)).module
    node: cst.Module | cst.ClassDef | cst.FunctionDef = module
    for part in qualname.split("."):
        body = node.body.body if isinstance(node, (cst.ClassDef, cst.FunctionDef)) else node.body
        found = next(
            (
                s
                for s in body
                if isinstance(s, (cst.ClassDef, cst.FunctionDef)) and s.name.value == part
            ),
            None,
        )
        if found is None:
            raise PlanError(f"{file_part}: no function {qualname}")
        node = found
    if not isinstance(node, cst.FunctionDef):
        raise PlanError(f"{target} is not a function")
    return node
