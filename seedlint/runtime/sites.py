"""The draw sites of one function, with their first and last lines."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst

from seedlint.config import Config
from seedlint.diagnostics import Diagnostic
from seedlint.engine import _check_module, load, model_project
from seedlint.events import EventKind
from seedlint.packs import Packs
from seedlint.positions import Positions
from seedlint.project import Project
from seedlint.runtime.plan import PlanError, Site
from seedlint.scopes import Definition


def draw_sites(
    scope_dir: Path, path: Path, module_name: str, qualname: str, config: Config, packs: Packs
) -> tuple[Definition, Project, list[Site], list[Diagnostic]]:
    """The function's draw sites and the static findings in it (one analysis pass)."""
    loaded = load([str(scope_dir)], config)
    for modules in loaded.projects:
        module = next(
            (m for m in modules if m.name == module_name and m.path.resolve() == path.resolve()),
            None,
        )
        if module is None:
            continue
        modelled = model_project(modules, packs)
        definition = next((d for d in module.definitions if d.display == qualname), None)
        if definition is None:
            raise PlanError(f"{path}: no function {qualname}")
        flow = modelled.models[definition.qualname].flow(modelled.summaries, packs.streams)
        positions = Positions(module.module, loaded.source(module).text)
        ends = _end_lines(loaded.source(module).text)
        sites: dict[int, Site] = {}
        for _block, _index, event, _state in flow.points():
            if event.kind is not EventKind.CONSUME:
                continue
            line, column = positions.of(event.call)
            if line not in sites:
                sites[line] = Site(line, ends.get((line, column), line), event.name, [])
        findings = [
            d
            for d in _check_module(module, loaded.source(module), modelled, config, packs)
            if d.function == qualname
        ]
        return definition, modelled.project, sorted(sites.values(), key=lambda s: s.line), findings
    raise PlanError(f"{path}: cannot be parsed")


def _end_lines(text: str) -> dict[tuple[int, int], int]:
    """(line, 1-based column) of each call -> the line its statement ends on."""
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
    node: cst.CSTNode = module
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
