"""The only module that knows the order: read → scopes → graphs → summaries → checks.

A file that cannot be read, parsed or analysed becomes one SDL001 diagnostic naming
the reason, and the run goes on with the other files. Nothing here imports or runs
the code being checked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from seedlint.analysis.dataflow import Flow
from seedlint.checks import ALL_CHECKS, FunctionFacts
from seedlint.config import Config
from seedlint.diagnostics import UNANALYSABLE, Diagnostic, Finding
from seedlint.events import EventKind, Summary
from seedlint.noqa import suppressed
from seedlint.packs import Packs
from seedlint.positions import Positions, source_lines
from seedlint.project import ModuleInfo, Project, module_name_for, written
from seedlint.scopes import Definition, collect_scopes
from seedlint.sources import Source, SourceError, discover, read_source
from seedlint.summaries import FunctionModel, compute_summaries, model_function


@dataclass(frozen=True, slots=True)
class RunResult:
    diagnostics: list[Diagnostic]
    files: int  # files read (analysed or not)


def _error(error: SourceError) -> Diagnostic:
    return Diagnostic(error.path, error.line, error.column, UNANALYSABLE, error.reason)


def _group_projects(infos: list[tuple[ModuleInfo, Path]]) -> list[list[ModuleInfo]]:
    """One project per set of roots whose module names do not clash."""
    by_root: dict[Path, list[ModuleInfo]] = defaultdict(list)
    for info, root in infos:
        by_root[root].append(info)
    projects: list[tuple[set[str], list[ModuleInfo]]] = []
    for modules in by_root.values():
        names = {m.name for m in modules}
        for taken, members in projects:
            if not taken & names:
                taken |= names
                members += modules
                break
        else:
            projects.append((names, list(modules)))
    return [members for _, members in projects]


def _root_of(path: Path, module_name: str, is_package: bool) -> Path:
    depth = module_name.count(".") + (1 if is_package else 0)
    root = path.resolve().parent
    for _ in range(depth):
        root = root.parent
    return root


@dataclass(slots=True)
class Loaded:
    """Parsed modules, grouped into projects, and the files that could not be used."""

    projects: list[list[ModuleInfo]]
    sources: dict[str, Source]
    errors: list[tuple[Path | None, SourceError]]
    files: int

    def source(self, module: ModuleInfo) -> Source:
        return self.sources[module.name + "\0" + str(module.path)]


def load(
    paths: Iterable[str], config: Config, overrides: Mapping[Path, bytes] | None = None
) -> Loaded:
    errors: list[tuple[Path | None, SourceError]] = []
    sources: dict[str, Source] = {}
    infos: list[tuple[ModuleInfo, Path]] = []
    files = 0
    for found in discover(list(paths), config):
        if isinstance(found, SourceError):
            errors.append((None, found))
            continue
        files += 1
        source = read_source(found, (overrides or {}).get(found.resolve()))
        if isinstance(source, SourceError):
            errors.append((found, source))
            continue
        name, is_package = module_name_for(found)
        package = name if is_package else name.rpartition(".")[0]
        try:
            scope, definitions, classes = collect_scopes(source.module, name, package)
        except RecursionError:
            errors.append((found, SourceError(source.display, "too deeply nested to analyse")))
            continue
        sources[name + "\0" + source.display] = source
        info = ModuleInfo(name, found, source.module, scope, tuple(definitions), classes)
        infos.append((info, _root_of(found, name, is_package)))
    return Loaded(_group_projects(infos), sources, errors, files)


@dataclass(slots=True)
class Modelled:
    """One project's functions as graphs, with the summaries of every helper."""

    project: Project
    models: dict[str, FunctionModel]
    summaries: dict[str, Summary]
    usable: list[ModuleInfo]
    errors: list[tuple[Path, SourceError]]


def model_project(modules: list[ModuleInfo], packs: Packs) -> Modelled:
    project = Project(modules, packs)
    models: dict[str, FunctionModel] = {}
    usable: list[ModuleInfo] = []
    errors: list[tuple[Path, SourceError]] = []
    for module in modules:
        try:
            built = {d.qualname: model_function(d, project) for d in module.definitions}
        except RecursionError:
            errors.append(
                (module.path, SourceError(str(module.path), "too deeply nested to analyse"))
            )
            continue
        models.update(built)
        usable.append(module)
    return Modelled(project, models, compute_summaries(models, packs.streams), usable, errors)


def analyse(
    paths: Iterable[str],
    config: Config,
    packs: Packs,
    report: Callable[[Path], bool] = lambda path: True,
    overrides: Mapping[Path, bytes] | None = None,
) -> RunResult:
    """Check every Python file under `paths`; diagnostics only for files `report` accepts.

    `overrides` gives the text of files (by resolved path) to use instead of the disk's.
    """
    loaded = load(paths, config, overrides)
    diagnostics = [_error(error) for path, error in loaded.errors if path is None or report(path)]
    for modules in loaded.projects:
        modelled = model_project(modules, packs)
        diagnostics += [_error(error) for path, error in modelled.errors if report(path)]
        for module in modelled.usable:
            if report(module.path):
                diagnostics += _check_module(module, loaded.source(module), modelled, config, packs)
    diagnostics.sort()
    return RunResult(diagnostics, loaded.files)


def responsibility(
    definition: Definition, flow: Flow, config: Config, packs: Packs
) -> tuple[tuple[str, ...], frozenset[str]]:
    """Seed-like parameters, and the streams the function takes responsibility for."""
    seed_params = tuple(p for p in definition.params if config.is_seed_param(p))
    seeding = frozenset(
        e.stream
        for events in flow.events
        for e in events
        if e.stream and e.kind in (EventKind.SEED, EventKind.MAYBE_SEED)
    )
    return seed_params, frozenset(packs.streams) if seed_params else seeding


def _check_module(
    module: ModuleInfo, source: Source, modelled: Modelled, config: Config, packs: Packs
) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    positions = Positions(module.module, source.text)
    lines = source_lines(source.text)
    for definition in module.definitions:
        model = modelled.models[definition.qualname]
        flow = model.flow(modelled.summaries, packs.streams)
        seed_params, responsible = responsibility(definition, flow, config, packs)
        if not responsible:
            continue
        facts = FunctionFacts(
            model,
            flow,
            responsible,
            seed_params,
            modelled.project,
            config,
            lambda node, p=positions: p.of(node)[0],
        )
        for check in ALL_CHECKS:
            if not config.enabled(check.code, check.default, source.display):
                continue
            for finding in check.run(facts):
                diagnostic = _place(finding, source, positions, definition.display)
                text = lines[diagnostic.line - 1] if diagnostic.line <= len(lines) else ""
                if not suppressed(text, diagnostic.code):
                    diagnostics.append(diagnostic)
    return diagnostics


def _place(finding: Finding, source: Source, positions: Positions, function: str) -> Diagnostic:
    line, column = positions.of(finding.node)
    call = finding.node.func if isinstance(finding.node, cst.Call) else finding.node
    return Diagnostic(
        source.display,
        line,
        column,
        finding.code,
        finding.message,
        function,
        finding.stream,
        finding.witness,
        written(call),
    )
