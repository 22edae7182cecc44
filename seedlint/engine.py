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

from seedlint.analysis.events import EventKind
from seedlint.analysis.project import AnalysedProject, analyse_project, quiet_callees
from seedlint.checks import unanalysable
from seedlint.checks.module import check_module
from seedlint.config import Config
from seedlint.lower.ir import FunctionIndex, ModuleFile, place
from seedlint.lower.supervisor import Failure, Supervisor, Worker
from seedlint.lower.warm import load_parser
from seedlint.lower.watcher import removed_with_parent
from seedlint.lower.workers import (
    PARTS_FROM,
    Unit,
    Work,
    load_cached,
    lower_all,
    read_all,
)
from seedlint.parse.paths import real
from seedlint.parse.prefilter import Vocabulary
from seedlint.parse.sources import SourceError, discover, signature
from seedlint.report.diagnostics import Diagnostic
from seedlint.report.positions import FileView, Positions, ViewJob
from seedlint.resolve.packs import Packs
from seedlint.resolve.project import Project
from seedlint.store.cache import Cache, digest
from seedlint.store.projects import Projects
from seedlint.store.resident import ResidentTables
from seedlint.store.spill import SpillError
from seedlint.store.state import ProjectState, keep_state, load_state
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
    parts_from: int = PARTS_FROM  # lines from which a module is lowered in parts
    warm: tuple[Worker, ...] = ()  # workers started already (seedlint.lower.warm)
    # Told the findings once they are known, before the run keeps what it learnt for the
    # next one (the flake8 bridge answers flake8 then).
    found: Callable[[list[Diagnostic]], None] | None = None


def _error(error: SourceError) -> Diagnostic:
    return unanalysable(error.path, error.reason, error.line, error.column, error.cell)


def project_tables(
    files: list[Path],
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    options: Options,
    spill_dir: Path,
) -> tuple[list[SymbolTable], list[tuple[Path, SourceError]], list[Path]]:
    """Compile `files` into the symbol tables of their projects; errors, files parsed."""
    projects = Projects(spill_dir)
    errors, parsed = lower_all(files, overrides, vocabulary, options, spill_dir, projects.add)
    return projects.merged(), errors, parsed


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


def _resident(
    cache: Cache | None, files: list[Path], vocabulary: Vocabulary | None
) -> ResidentTables | None:
    """The symbol tables kept for runs over these files (see store.resident)."""
    if cache is None:
        return None
    words = vocabulary.pattern.pattern if vocabulary is not None else b""
    return ResidentTables(cache, digest("tables", str(cache.folder), words, *map(str, files)))


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
        Supervisor(
            options.jobs, config.file_timeout, prepare=load_parser, warm=options.warm
        ) as supervisor,
    ):
        # A worker started now has the parser imported by the time an edited file needs
        # it; a run that parses nothing just stops it.
        supervisor.ready(1)
        work = Work(supervisor, Path(spill_dir), config.max_file_size, options.parts_from)
        first = read_all(files, overrides, vocabulary, options, work)
        run_key = None
        if cache is not None and first.complete:
            run_key = _run_key(found, first.contents, config, packs, report_key)
            answer = _stored_answer(cache, run_key)
            if answer is not None:
                return RunResult(answer, len(files))
        resident = _resident(options.cache, files, vocabulary)
        tables = resident.restore(Path(spill_dir), first.keys) if resident is not None else {}
        projects = Projects(Path(spill_dir), tables)
        first.drop(resident.restored if resident is not None else {})
        early: dict[str, ProjectState | None] = {}

        def read_state() -> None:
            # One project as the last run left it: its state is read while the edited
            # files are parsed (used if the project still has that one root).
            if options.cache is not None and len(tables) == 1:
                key = _state_key(config, packs, list(tables))
                early[key] = load_state(options.cache, key, Path(spill_dir))

        errors, parsed = load_cached(
            first, overrides, vocabulary, options, work, projects.add, read_state
        )
        if cache is not None and run_key is None:  # a worker read a file: known only now
            run_key = _run_key(found, first.contents, config, packs, report_key)
            answer = _stored_answer(cache, run_key)
            if answer is not None:
                projects.close()
                return RunResult(answer, len(files))
        if resident is not None:
            resident.save(Path(spill_dir), projects.by_root, first.unit_keys)
        diagnostics += [_error(e) for path, e in errors if report(path)]
        transient = first.transient
        summarised = 0

        def load(module: ModuleFile, data: bytes | None) -> tuple[Positions, list[str]]:
            answer = supervisor.call(ViewJob(module, data))
            if isinstance(answer, Failure):
                return [], []
            assert isinstance(answer, tuple)
            return answer

        keeping: list[Callable[[], None]] = []  # what each project leaves the next run
        for symbols in projects.merged():
            key = _state_key(config, packs, projects.roots(symbols))
            store = options.cache  # (with overrides too: the state says what it holds)
            if key in early:
                state = early.pop(key)
            else:
                state = load_state(store, key, Path(spill_dir)) if store is not None else None
            analysed, more, woken_transient = _summarise_rounds(
                symbols, packs, config, overrides, options, Path(spill_dir), work, state
            )
            parsed += more
            transient |= woken_transient
            summarised += analysed.summarised
            # (quiet files report nothing)
            for module, functions in symbols.modules(report):
                text = overrides.get(real(Path(module.path)))
                diagnostics += check_module(module, functions, analysed, config, packs, text, load)
            keeping.append(partial(_keep, store, key, symbols, analysed, Path(spill_dir), state))
        diagnostics.sort()
        if options.found is not None:
            options.found(diagnostics)
        for keep in keeping:
            keep()
    # Store the answer only if it holds for the text the key describes: no file changed
    # while it was worked out, and no file hit a limit that another run might not.
    if run_key is not None and cache is not None and not transient and _unchanged(first.signatures):
        cache.put("run", run_key, diagnostics)
    return RunResult(diagnostics, len(files), tuple(parsed), summarised)


def _keep(
    store: Cache | None,
    key: str,
    symbols: SymbolTable,
    analysed: AnalysedProject,
    spill_dir: Path,
    state: ProjectState | None,
) -> None:
    """Keep a project's state for the next run (if there is a cache); close its table."""
    try:
        if store is not None:
            interface, names = symbols.interface(), symbols.module_names()
            keep_state(store, key, analysed.summaries, interface, names, spill_dir, state)
    finally:
        symbols.close()


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
        errors, woken = lower_all(
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
        if symbols.counts()[1] == 0:  # no quiet file left to wake
            return analysed, parsed, transient
        called = quiet_callees(analysed, config)
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
            for module, functions in symbols.modules(lambda path: real(path) == wanted)
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
            line, column = view.position(place(function, event.call))
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
