"""Every check run on one module's functions: what each function takes responsibility
for, the facts the checks read, and the findings placed at their lines (in a notebook,
in their cells), with `# noqa` applied."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from seedlint.analysis.events import Event, EventKind
from seedlint.analysis.project import AnalysedProject
from seedlint.checks import ALL_CHECKS, FunctionFacts, UnusedNoqa, unused_noqa
from seedlint.config import Config
from seedlint.lower.ir import CallSite, FunctionIndex, ModuleFile, place
from seedlint.parse.notebooks import Cells
from seedlint.report.diagnostics import Diagnostic, Finding
from seedlint.report.noqa import suppressed
from seedlint.report.positions import FileView, Loader, load_view
from seedlint.resolve.packs import Packs


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
            _lines(view, function),
            keyed,
            cells,
        )
        for check in ALL_CHECKS:
            on = config.enabled(check, module.display)
            if not on and not judge_noqa:
                continue  # (to judge noqa comments, every rule's findings count)
            for finding in check.run(facts):
                diagnostic = _place(finding, module, view, function, model.definition.display)
                found_on.add((diagnostic.line, diagnostic.code))
                if on and not suppressed(view.line(diagnostic.line), diagnostic.code):
                    diagnostics.append(diagnostic)
    if judge_noqa:
        diagnostics += unused_noqa(module.display, view.line_count(), view.line, found_on)
    return [_in_cell(d, cells) for d in diagnostics]


def _lines(view: FileView, function: FunctionIndex) -> Callable[[CallSite], int]:
    """The line of each call site of `function`."""
    return lambda call: view.position(place(function, call))[0]


def _in_cell(diagnostic: Diagnostic, cells: Cells) -> Diagnostic:
    """A diagnostic placed by the line of the module's text, placed in its cell (`# noqa`
    is judged before: a comment is on the text's line)."""
    cell, line = cells.locate(diagnostic.line)
    return diagnostic if cell is None else replace(diagnostic, cell=cell, line=line)


def _place(
    finding: Finding, module: ModuleFile, view: FileView, index: FunctionIndex, function: str
) -> Diagnostic:
    line, column = view.position(place(index, finding.node))
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
