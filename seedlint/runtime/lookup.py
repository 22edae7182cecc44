"""The project's functions as the plan reads them (static): definitions parsed on demand,
the function a call runs, whether a call draws, and the value a pack names for the
argument a call passes."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libcst as cst

from seedlint.lower.lowering import Lowerer
from seedlint.parse.paths import parse_quietly
from seedlint.parse.scopes import Definition, collect_scopes
from seedlint.parse.sources import Source
from seedlint.resolve.packs import Kind
from seedlint.resolve.project import Project
from seedlint.runtime.conditions import function_node
from seedlint.runtime.objects import literal
from seedlint.runtime.reach import Draws, FunctionNode, own_calls
from seedlint.runtime.slicing import Callee

_DRAW_DEPTH = 3  # project calls followed to see whether a call draws


class Trees:
    """libcst definitions of project functions, parsed on demand (the analysis keeps none)."""

    def __init__(self, project: Project, parsed: Source, read: Callable[[Path], Source]) -> None:
        self.project = project
        self.read = read  # a file read and parsed, as the linter does
        self.by_module: dict[str, dict[str, Definition]] = {}
        self.parsed = parsed  # the target's file, already read
        self.sources: dict[str, Source] = {}  # module name -> its file, read
        self.syntax: dict[str, ast.Module] = {}  # module name -> its syntax tree

    def definition(self, qualname: str) -> Definition | None:
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.project.symbols.module(".".join(parts[:cut]))
            if module is None:
                continue
            if module.name not in self.by_module:
                same = Path(module.path).resolve() == self.parsed.path.resolve()
                source = self.parsed if same else self.read(Path(module.path))
                self.sources[module.name] = source
                package = (
                    module.name
                    if Path(module.path).name == "__init__.py"
                    else (module.name.rpartition(".")[0])
                )
                collected = collect_scopes(source.module, module.name, package)
                self.by_module[module.name] = {d.qualname: d for d in collected.definitions}
            return self.by_module[module.name].get(qualname)
        return None

    def located(self, definition: Definition) -> tuple[str, FunctionNode] | None:
        """A definition's `module:qualname` and its `def` in the module's syntax tree."""
        module = next(
            (m for m, found in self.by_module.items() if found.get(definition.qualname)), None
        )
        if module is None:
            return None
        if module not in self.syntax:
            self.syntax[module] = parse_quietly(self.sources[module].text)
        local = definition.qualname[len(module) + 1 :]
        node = function_node(self.syntax[module], local)
        return (f"{module}:{local}", node) if node is not None else None


def callee_of(project: Project, trees: Trees) -> Callee:
    """The project function a call runs, if it resolves to one."""

    def find(call: cst.Call, scope: Definition) -> Definition | None:
        target = project.resolve(Lowerer({}, scope.scope).key(call))
        return next((d for f in target.functions if (d := trees.definition(f)) is not None), None)

    return find


def draws_of(project: Project, trees: Trees) -> Draws:
    """Whether a call draws: a pack's consuming or advancing API, or a project function
    with such a call (followed a few calls deep)."""
    known: dict[str, bool] = {}

    def draws(call: cst.Call, scope: Definition, depth: int = 0) -> bool:
        target = project.resolve(Lowerer({}, scope.scope).key(call))
        if target.pack is not None:
            return target.pack.kind in (Kind.CONSUME, Kind.ADVANCE)
        if depth >= _DRAW_DEPTH:
            return False
        for qualname in target.functions:
            if qualname not in known:
                known[qualname] = False  # a recursive call draws only through another
                found = trees.definition(qualname)
                known[qualname] = found is not None and any(
                    draws(c, found, depth + 1) for c in own_calls(found)
                )
            if known[qualname]:
                return True
        return False

    return lambda call, scope: draws(call, scope)


# The parameter a call passes as a pack entry's value argument, and the value the entry
# names (`equals`), if any.
Option = Callable[[cst.Call, Definition], "tuple[str, Any] | None"]


def option_of(project: Project) -> Option:
    def find(call: cst.Call, scope: Definition) -> tuple[str, Any] | None:
        entry = project.resolve(Lowerer({}, scope.scope).key(call)).pack
        if entry is None or entry.equals is None:
            return None
        ok, value = literal(cst.parse_expression(entry.equals))
        positional = [a for a in call.args if a.keyword is None and not a.star]
        for position, arg in enumerate(positional):
            if position == entry.value_arg and isinstance(arg.value, cst.Name) and ok:
                return arg.value.value, value
        for arg in call.args:
            named = arg.keyword is not None and arg.keyword.value == entry.value_kwarg
            if named and isinstance(arg.value, cst.Name) and ok:
                return arg.value.value, value
        return None

    return find
