"""The only module that knows the order: files → ModuleIndex and spilled graphs (in
workers) → summaries → checks → placed diagnostics.

A file that cannot be read, parsed or analysed becomes one unanalysable-file diagnostic
naming the reason, and the run goes on with the other files. Nothing here imports or runs
the code being checked.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from seedlint.analysis.arguments import Specialiser
from seedlint.analysis.events import Event, EventKind
from seedlint.analysis.incremental import ProjectState, resume, snapshot
from seedlint.analysis.summaries import (
    ResolvedFunction,
    compute_summaries,
    needs_flow,
    resolve_function,
    specialiser,
)
from seedlint.checks import ALL_CHECKS, FunctionFacts, UnusedNoqa, unanalysable, unused_noqa
from seedlint.config import Config
from seedlint.lower.ir import FunctionIndex, ModuleFile
from seedlint.lower.supervisor import Failure, Supervisor
from seedlint.lower.watcher import removed_with_parent
from seedlint.lower.workers import Unit, Work, compile_all, load_cached, read_all
from seedlint.parse.notebooks import Cells
from seedlint.parse.packages import placement
from seedlint.parse.paths import real
from seedlint.parse.prefilter import Vocabulary
from seedlint.parse.sources import SourceError, discover, signature
from seedlint.report.diagnostics import Diagnostic, Finding
from seedlint.report.noqa import suppressed
from seedlint.report.positions import FileView, Loader, Positions, ViewJob, load_view
from seedlint.resolve.packs import Packs
from seedlint.resolve.project import Project
from seedlint.store.cache import Cache, digest
from seedlint.store.spill import SpillError, read_function
from seedlint.store.summary_table import SummaryTable
from seedlint.store.symbols import SymbolTable


@dataclass(frozen=True, slots=True)
class RunResult:
    diagnostics: list[Diagnostic]
    files: int  # files read (analysed or not)
    parsed: tuple[Path, ...] = ()  # files parsed in this run (not skipped, not cached)
    summarised: int = 0  # functions whose summaries were computed (not reused)


@dataclass(frozen=True, slots=True)
class Options:
    """How to run, not what to find: none of these change a result."""

    jobs: int = 1
    cache: Cache | None = None
    prefilter: bool = True


def _error(error: SourceError) -> Diagnostic:
    return unanalysable(error.path, error.reason, error.line, error.column, error.cell)


class Projects:
    """Units as they arrive, stored in one symbol table per root folder; then merged
    into projects: tables whose module names do not clash."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.by_root: dict[Path, SymbolTable] = {}
        self._roots: dict[int, list[Path]] = {}  # id of a merged table -> its root folders

    def add(self, order: int, unit: Unit) -> None:
        root = placement(Path(unit.path)).import_root
        table = self.by_root.get(root)
        if table is None:
            table = SymbolTable(self.folder / f"symbols-{len(self.by_root)}.sqlite")
            self.by_root[root] = table
        table.add(unit, order)

    def close(self) -> None:
        for table in self.by_root.values():
            table.close()

    def merged(self) -> list[SymbolTable]:
        out: list[tuple[SymbolTable, set[str]]] = []
        self._roots = {id(table): [root] for root, table in self.by_root.items()}
        for table in sorted(self.by_root.values(), key=lambda t: t.first):
            names = table.names()
            for existing, existing_names in out:
                if not existing_names & names:
                    existing.merge(table)
                    existing_names |= names
                    self._roots[id(existing)] += self._roots.pop(id(table))
                    table.close()
                    break
            else:
                out.append((table, names))
        return [table for table, _ in out]

    def roots(self, table: SymbolTable) -> list[Path]:
        """The root folders whose modules a merged table holds."""
        return sorted(self._roots[id(table)])


def project_tables(
    files: list[Path],
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    options: Options,
    spill_dir: Path,
) -> tuple[list[SymbolTable], list[tuple[Path, SourceError]], list[Path]]:
    """Compile `files` into the symbol tables of their projects; errors, files parsed."""
    projects = Projects(spill_dir)
    errors, parsed = compile_all(files, overrides, vocabulary, options, spill_dir, projects.add)
    return projects.merged(), errors, parsed


@dataclass(slots=True)
class AnalysedProject:
    """One project: what every call refers to, and the summaries of every function."""

    project: Project
    summaries: SummaryTable  # also the targets of each function's calls
    is_seed_param: Callable[[str], bool]
    specialise: Specialiser | None = None  # callee summaries for a call's arguments
    summarised: int = 0  # functions whose summaries this round computed

    def resolved(self, qualname: str) -> ResolvedFunction:
        """The graph of the definition a name denotes (the last, if a module defines
        the name twice), read back from its module's spill file."""
        found = self.project.symbols.located(qualname)
        assert found is not None, qualname
        return self.resolved_of(*found)

    def resolved_of(self, module: ModuleFile, function: FunctionIndex) -> ResolvedFunction:
        return resolve_function(read_function(module, function), self.project, self.is_seed_param)

    def has_events(self, function: FunctionIndex) -> bool:
        """Whether the function seeds, draws or calls something that never returns: a
        function without is never flagged, and its graph is not read."""
        return needs_flow(self.project.call_targets(function), self.summaries)

    def is_relevant(self, qualname: str | None) -> bool:
        """Whether a project function, or a class by one of its methods (a module that
        builds one may call them through a typed receiver), seeds or draws."""
        if qualname is None:
            return False
        facts = self.summaries
        if facts.has_effects(qualname):
            return True
        info = self.project.symbols.class_info(qualname)
        return info is not None and any(facts.has_effects(f"{qualname}.{m}") for m in info.methods)


def analyse_project(
    symbols: SymbolTable,
    packs: Packs,
    earlier: SummaryTable | None = None,
    round_number: int = 0,
    config: Config | None = None,
    state: ProjectState | None = None,
) -> AnalysedProject:
    """Model a project; with `earlier` (the facts of the same project with fewer
    modules parsed) or `state` (what an earlier run of it left, before an edit),
    summaries that cannot have changed are reused."""
    project = Project(symbols, packs)
    known = state.known() if state is not None else None
    same_interface = state is not None and state.interface == symbols.interface()
    facts = SummaryTable(project, round_number, known if same_interface else None)
    analysed = AnalysedProject(project, facts, (config or Config()).is_seed_param)
    specialise = specialiser(facts, packs.streams, analysed.resolved, project.definitions.get)
    analysed.specialise = specialise

    def compute() -> None:
        specialise.memo.clear()  # specialisations made with summaries since replaced
        compute_summaries(facts, packs.streams, analysed.resolved, specialise)

    if known is not None:
        analysed.summarised = resume(facts, known, compute)
        return analysed
    if earlier is not None:
        facts.reuse(earlier)
    analysed.summarised = facts.count() - len(facts)
    compute()
    return analysed


def _quiet_callees(analysed: AnalysedProject, config: Config) -> set[str]:
    """Quiet modules called from code whose results depend on paths (a helper there
    might never return, which cuts those paths)."""
    out = set()
    facts = analysed.summaries
    for qualname, params, effects in facts.parameters():
        if effects or any(config.is_seed_param(p) for p in params):
            out |= {t.quiet_module for t in facts.targets(qualname) if t.quiet_module}
    return out


def analyse(
    paths: Iterable[str],
    config: Config,
    packs: Packs,
    report: Callable[[Path], bool] = lambda path: True,
    overrides: Mapping[Path, bytes] | None = None,
    options: Options = Options(),
    report_key: str = "",
) -> RunResult:
    """Check every Python file under `paths`; diagnostics only for files `report` accepts.

    `overrides` gives the text of files (by resolved path) to use instead of the disk's.
    With a cache, `report_key` must tell apart the `report` filters used with it.
    """
    overrides = overrides or {}
    found = list(discover(list(paths), config, overrides.keys()))
    if options.cache is not None and not options.cache.usable():
        options = replace(options, cache=None)
    run = partial(_analyse, found, config, packs, report, overrides, report_key=report_key)
    try:
        result = run(options)
    except SpillError:
        if options.cache is None:
            raise
        # The cache folder changed under the run (cleared, say): work without it.
        return run(replace(options, cache=None))
    if options.cache is not None:
        options.cache.tidy()
    return result


def _run_key(
    found: list[Path | SourceError],
    contents: Mapping[Path, str],
    config: Config,
    packs: Packs,
    report_key: str,
) -> str:
    """Everything a run's answer depends on: what each path gave (its text's hash, or
    why it has none: a missing path is part of the answer too)."""
    parts = [repr(config), packs.fingerprint(), report_key]
    for item in found:
        if isinstance(item, SourceError):
            parts.append(f"{item.path}\0error\0{item.reason}")
        else:
            parts.append(f"{item}\0{contents.get(item, '')}")
    return digest(*parts)


def _state_key(config: Config, packs: Packs, roots: list[Path]) -> str:
    """Where the state of the project of these root folders is kept: one per project
    and settings, replaced by each run."""
    return digest("state", repr(config), packs.fingerprint(), *(str(real(r)) for r in roots))


def _unchanged(signatures: Mapping[Path, tuple[int, ...] | None]) -> bool:
    """Whether every file read is as it was then (so that what was read again later,
    for positions or a woken file, was the same text)."""
    return all(old is None or signature(path) == old for path, old in signatures.items())


def _analyse(
    found: list[Path | SourceError],
    config: Config,
    packs: Packs,
    report: Callable[[Path], bool],
    overrides: Mapping[Path, bytes],
    options: Options,
    report_key: str = "",
) -> RunResult:
    files = [f for f in found if isinstance(f, Path)]
    diagnostics = [_error(f) for f in found if isinstance(f, SourceError)]
    # Strict adjacency asks about every unknown call, so the prefilter would change its
    # answers.
    prefilter = options.prefilter and config.adjacency != "strict"
    vocabulary = Vocabulary.of(packs) if prefilter else None
    cache = options.cache if not overrides else None
    with (
        _spill_folder() as spill_dir,
        Supervisor(options.jobs, config.file_timeout) as supervisor,
    ):
        work = Work(supervisor, Path(spill_dir), config.max_file_size)
        projects = Projects(Path(spill_dir))
        first = read_all(files, overrides, vocabulary, options, work)
        run_key = None
        if cache is not None and first.complete:
            run_key = _run_key(found, first.contents, config, packs, report_key)
            answer = _stored_answer(cache, run_key)
            if answer is not None:
                projects.close()
                return RunResult(answer, len(files))
        errors, parsed = load_cached(first, overrides, vocabulary, options, work, projects.add)
        if cache is not None and run_key is None:  # a worker read a file: known only now
            run_key = _run_key(found, first.contents, config, packs, report_key)
            answer = _stored_answer(cache, run_key)
            if answer is not None:
                projects.close()
                return RunResult(answer, len(files))
        diagnostics += [_error(e) for path, e in errors if report(path)]
        transient = first.transient
        summarised = 0

        def load(module: ModuleFile, data: bytes | None) -> tuple[Positions, list[str]]:
            answer = supervisor.call(ViewJob(module, data))
            if isinstance(answer, Failure):
                return [], []
            assert isinstance(answer, tuple)
            return answer

        for symbols in projects.merged():
            key = _state_key(config, packs, projects.roots(symbols))
            state = options.cache.get("state", key, ProjectState) if options.cache else None
            analysed, more, woken_transient = _summarise_rounds(
                symbols, packs, config, overrides, options, Path(spill_dir), work, state
            )
            if options.cache is not None:
                kept = snapshot(analysed.summaries, symbols.interface(), symbols.module_names())
                options.cache.put("state", key, kept)
            parsed += more
            transient |= woken_transient
            summarised += analysed.summarised
            # (quiet files report nothing)
            for module, functions in symbols.modules(lambda m: report(Path(m.path))):
                text = overrides.get(real(Path(module.path)))
                diagnostics += check_module(module, functions, analysed, config, packs, text, load)
            symbols.close()
    diagnostics.sort()
    # Store the answer only if it holds for the text the key describes: no file changed
    # while it was worked out, and no file hit a limit that another run might not.
    if run_key is not None and cache is not None and not transient and _unchanged(first.signatures):
        cache.put("run", run_key, diagnostics)
    return RunResult(diagnostics, len(files), tuple(parsed), summarised)


def _stored_answer(cache: Cache, run_key: str) -> list[Diagnostic] | None:
    """The findings a run of the same files and settings stored, if any."""
    cached = cache.get("run", run_key, list)
    if cached is not None and all(type(d) is Diagnostic for d in cached):
        return cached
    return None


@contextlib.contextmanager
def _spill_folder() -> Iterator[str]:
    try:
        folder = tempfile.TemporaryDirectory(prefix="seedlint-")
    except OSError as error:
        raise SpillError(f"cannot create a temporary folder (set TMPDIR): {error}") from error
    with removed_with_parent(folder.name), folder as path:
        try:
            yield path
        except sqlite3.Error as error:  # the folder filled up or vanished, say
            raise SpillError(f"cannot keep analysis data in {path}: {error}") from error


def _summarise_rounds(
    symbols: SymbolTable,
    packs: Packs,
    config: Config,
    overrides: Mapping[Path, bytes],
    options: Options,
    spill_dir: Path,
    work: Work | None = None,
    state: ProjectState | None = None,
) -> tuple[AnalysedProject, list[Path], bool]:
    """Summaries for a project; quiet files that turn out to matter are parsed too.
    Also whether one of those hit a time or memory limit. With `state` (what the last
    run of this project left), the files it parsed are parsed from the start, and its
    summaries are reused where they still hold."""
    parsed: list[Path] = []
    transient = False
    earlier = None

    def parse(wake: list[tuple[str, Path]]) -> None:
        nonlocal transient
        symbols.wake([name for name, _path in wake])
        errors, woken = compile_all(
            [path for _name, path in wake],
            overrides,
            None,
            options,
            spill_dir,
            _appender(symbols),
            work,
        )
        parsed.extend(woken)
        transient |= any(error.transient for _path, error in errors)

    modules, quiet = symbols.counts()
    if 0 < quiet < modules:
        # The prefilter skipped fewer files than it let through: parsing them now costs
        # less than the rounds that would wake them a few at a time (each round models
        # the whole project again).
        parse([(q.name, Path(q.path)) for q in symbols.quiet_units()])
    elif state is not None:
        # Parsing more than a run from scratch would is harmless (the prefilter only
        # saves time), and this saves the rounds that woke them last time.
        before = set(state.parsed)
        woken = [(q.name, Path(q.path)) for q in symbols.quiet_units() if q.name in before]
        if woken:
            parse(woken)
    summarised = 0
    for round_number in itertools.count():
        resumed = state if round_number == 0 else None
        analysed = analyse_project(symbols, packs, earlier, round_number, config, resumed)
        summarised = analysed.summarised = summarised + analysed.summarised
        if earlier is not None:
            earlier.drop()
        called = _quiet_callees(analysed, config)
        # Names and paths only: a quiet file's references are not kept.
        wake = [
            (q.name, Path(q.path))
            for q in symbols.quiet_units()
            if q.name in called
            or any(analysed.is_relevant(analysed.project.canonical(r)) for r in q.references)
        ]
        if not wake:
            return analysed, parsed, transient
        earlier = analysed.summaries
        del analysed  # with its project's memos: the next round makes its own
        parse(wake)
    raise AssertionError("unreachable")


def _appender(symbols: SymbolTable) -> Callable[[int, Unit], None]:
    """Adds units after those `symbols` has, in the order of their positions."""
    base = symbols.next_order()
    return lambda order, unit: symbols.add(unit, base + order)


def responsibility(
    function: FunctionIndex, events: list[list[Event]], config: Config, packs: Packs
) -> tuple[tuple[str, ...], frozenset[str]]:
    """Seed-like parameters, and the streams the function takes responsibility for: all
    with a seed-like parameter, else those it seeds. A callee that seeds and also draws
    for its own result (a self-contained seeded computation) does not count."""
    seed_params = tuple(p for p in function.params if config.is_seed_param(p))
    if seed_params:
        return seed_params, frozenset(packs.streams)
    return seed_params, seeded_streams(events)


def seeded_streams(events: list[list[Event]]) -> frozenset[str]:
    """The streams a function seeds itself or through seed helpers."""
    flat = [e for block in events for e in block]
    # A callee that draws from the stream as well as seeding it (before or after its
    # seed) is a seeded computation of its own, not a seed helper.
    contained = {(id(e.call), e.stream) for e in flat if e.kind is EventKind.CONSUME}
    seeding = frozenset(
        e.stream
        for e in flat
        if e.stream
        and e.kind in (EventKind.SEED, EventKind.MAYBE_SEED)
        and (id(e.call), e.stream) not in contained
    )
    return seeding


def check_module(
    module: ModuleFile,
    functions: tuple[FunctionIndex, ...],
    analysed: AnalysedProject,
    config: Config,
    packs: Packs,
    text: bytes | None = None,
    load: Loader = load_view,
) -> list[Diagnostic]:
    """Findings in one module; `text` is its content if not the disk's (for positions,
    which `load` computes). In a notebook they are placed in its code cells."""
    diagnostics: list[Diagnostic] = []
    view = FileView(module, text, load)
    cells = Cells(module.cells)
    judge_noqa = config.enabled(UnusedNoqa(), module.display)
    found_on: set[tuple[int, str]] = set()  # (line, code) of every finding, shown or not
    for function in functions:
        # Each definition is checked, also when a name is defined twice (a property
        # and its setter): calls to the name resolve to the last one.
        if not analysed.has_events(function):
            continue
        model = analysed.resolved_of(module, function)
        events = model.block_events(analysed.summaries, analysed.specialise)
        seed_params, responsible = responsibility(function, events, config, packs)
        if not responsible:
            continue
        flow = model.solve(events, packs.streams)
        keyed: frozenset[str] = frozenset()
        if seed_params:
            keys = {name for _position, name in model.key_parameters(analysed.summaries)}
            if all(p in keys for p in seed_params):
                keyed = responsible - seeded_streams(events)
        facts = FunctionFacts(
            model,
            flow,
            responsible,
            seed_params,
            analysed.project,
            config,
            lambda call: view.position(call.index)[0],
            keyed,
            cells,
        )
        for check in ALL_CHECKS:
            on = config.enabled(check, module.display)
            if not on and not judge_noqa:
                continue  # (to judge noqa comments, every rule's findings count)
            for finding in check.run(facts):
                diagnostic = _place(finding, module, view, model.definition.display)
                found_on.add((diagnostic.line, diagnostic.code))
                if on and not suppressed(view.line(diagnostic.line), diagnostic.code):
                    diagnostics.append(diagnostic)
    if judge_noqa:
        diagnostics += unused_noqa(module.display, view.line_count(), view.line, found_on)
    return [_in_cell(d, cells) for d in diagnostics]


def _in_cell(diagnostic: Diagnostic, cells: Cells) -> Diagnostic:
    """A diagnostic placed by the line of the module's text, placed in its cell (`# noqa`
    is judged before: a comment is on the text's line)."""
    cell, line = cells.locate(diagnostic.line)
    return diagnostic if cell is None else replace(diagnostic, cell=cell, line=line)


def _place(finding: Finding, module: ModuleFile, view: FileView, function: str) -> Diagnostic:
    line, column = view.position(finding.node.index)
    return Diagnostic(
        module.display,
        line,
        column,
        finding.code,
        finding.message,
        function,
        finding.stream,
        finding.witness,
        finding.node.written,
        finding.arguments,
    )


@dataclass(frozen=True, slots=True)
class Draw:
    """A call that draws from a stream in a function, where it is written."""

    line: int
    column: int  # 1-based
    name: str  # the callee as written
    stream: str


@dataclass(frozen=True, slots=True)
class FunctionAnalysis:
    """One function of a project, analysed: its draws and its findings."""

    function: FunctionIndex
    project: Project  # readable until the analysis is closed
    draws: list[Draw]
    findings: list[Diagnostic]


@contextlib.contextmanager
def analyse_function(
    folder: Path,
    path: Path,
    qualname: str,
    config: Config,
    packs: Packs,
    options: Options | None = None,
) -> Iterator[FunctionAnalysis]:
    """`qualname` of `path`, analysed with the project in `folder` (for its helpers);
    the symbol tables are closed and removed on exit. Raises LookupError naming what
    is missing."""
    with tempfile.TemporaryDirectory(prefix="seedlint-") as spill_dir:
        files = [f for f in discover([str(folder)], config) if isinstance(f, Path)]
        tables, _errors, _parsed = project_tables(
            files, {}, None, options or Options(), Path(spill_dir)
        )
        try:
            yield _function_analysis(tables, path, qualname, config, packs)
        finally:
            for table in tables:
                table.close()


def _function_analysis(
    tables: list[SymbolTable], path: Path, qualname: str, config: Config, packs: Packs
) -> FunctionAnalysis:
    wanted = real(path)
    found = next(
        (
            (symbols, module, functions)
            for symbols in tables
            for module, functions in symbols.modules(lambda m: real(m.path) == wanted)
        ),
        None,
    )
    if found is None:
        raise LookupError(f"{path}: cannot be parsed")
    symbols, module, functions = found
    analysed = analyse_project(symbols, packs, config=config)
    function = next((f for f in functions if f.qualname == f"{module.name}.{qualname}"), None)
    if function is None:
        raise LookupError(f"{path}: no function {qualname}")
    flow = analysed.resolved_of(module, function).flow(
        analysed.summaries, packs.streams, analysed.specialise
    )
    view = FileView(module)
    draws: dict[int, Draw] = {}
    for _block, _index, event, _state in flow.points():
        if event.kind is EventKind.CONSUME:
            line, column = view.position(event.call.index)
            draws.setdefault(line, Draw(line, column, event.name, event.stream or ""))
    findings = [
        d
        for d in check_module(module, functions, analysed, config, packs)
        if d.function == qualname
    ]
    ordered = sorted(draws.values(), key=lambda d: d.line)
    return FunctionAnalysis(function, analysed.project, ordered, findings)


def default_jobs() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
