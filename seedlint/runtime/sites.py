"""The draw sites of one function, with their first and last lines."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst

from seedlint.config import Config
from seedlint.diagnostics import Diagnostic
from seedlint.engine import Options, check_module, model_project, project_tables
from seedlint.events import EventKind
from seedlint.ir import FunctionIndex
from seedlint.packs import Packs
from seedlint.positions import FileView
from seedlint.project import Project
from seedlint.runtime.plan import PlanError, Site
from seedlint.sources import discover


def draw_sites(
    scope_dir: Path,
    path: Path,
    qualname: str,
    config: Config,
    packs: Packs,
    spill_dir: Path,
) -> tuple[FunctionIndex, Project, list[Site], list[Diagnostic]]:
    """The function's draw sites and the static findings in it (one analysis pass).
    The project returned reads its symbol table from `spill_dir`."""
    files = [f for f in discover([str(scope_dir)], config) if isinstance(f, Path)]
    tables, _errors, _parsed = project_tables(files, {}, None, Options(), spill_dir)
    found = next(
        (
            (symbols, module, functions)
            for symbols in tables
            for module, functions in symbols.modules()
            if Path(module.path).resolve() == path.resolve()
        ),
        None,
    )
    if found is None:
        raise PlanError(f"{path}: cannot be parsed")
    symbols, module, functions = found
    modelled = model_project(symbols, packs, config=config)
    function = next((f for f in functions if f.qualname == f"{module.name}.{qualname}"), None)
    if function is None:
        raise PlanError(f"{path}: no function {qualname}")
    model = modelled.model_of(module, function)
    flow = model.flow(modelled.summaries, packs.streams, modelled.specialise)
    view = FileView(module)
    ends = _end_lines(Path(module.path))
    sites: dict[int, Site] = {}
    for _block, _index, event, _state in flow.points():
        if event.kind is not EventKind.CONSUME:
            continue
        line, column = view.position(event.call.index)
        if line not in sites:
            end = ends.get((line, column), line)
            sites[line] = Site(line, end, event.name, [], stream=event.stream or "")
    findings = [
        d
        for d in check_module(module, functions, modelled, config, packs)
        if d.function == qualname
    ]
    return function, modelled.project, sorted(sites.values(), key=lambda s: s.line), findings


def _end_lines(path: Path) -> dict[tuple[int, int], int]:
    """(line, 1-based column) of each call -> the line its statement ends on."""
    text = path.read_text(encoding="utf-8", errors="replace")
    tree = ast.parse(text)
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
    module = cst.parse_module(Path(file_part).read_bytes())
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
