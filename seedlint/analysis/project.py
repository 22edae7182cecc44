"""One project modelled: what every call refers to, and every function's summary (from
scratch, from an earlier round's, or resumed from the state an earlier run left)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from seedlint.analysis.arguments import Specialiser
from seedlint.analysis.incremental import resume
from seedlint.analysis.summaries import (
    ResolvedFunction,
    compute_summaries,
    needs_flow,
    resolve_function,
    specialiser,
)
from seedlint.config import Config
from seedlint.lower.ir import FunctionIndex, ModuleFile
from seedlint.resolve.packs import Packs
from seedlint.resolve.project import Project
from seedlint.store.spill import read_function
from seedlint.store.state import ProjectState, attached
from seedlint.store.summary_table import SummaryTable
from seedlint.store.symbols import SymbolTable


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
    if state is None:
        facts = SummaryTable(project, round_number)
        analysed, compute = _analysed(project, facts, packs, config)
        if earlier is not None:
            facts.reuse(earlier)
        analysed.summarised = facts.count() - len(facts)
        compute()
        return analysed
    with attached(symbols.db, state.path) as rows:
        same_interface = state.interface == symbols.interface()
        facts = SummaryTable(project, round_number, rows if same_interface else None)
        analysed, compute = _analysed(project, facts, packs, config)
        analysed.summarised = resume(facts, rows, compute, same_interface)
    return analysed


def _analysed(
    project: Project, facts: SummaryTable, packs: Packs, config: Config | None
) -> tuple[AnalysedProject, Callable[[], None]]:
    """The project and its facts; and what computes the summaries still missing."""
    analysed = AnalysedProject(project, facts, (config or Config()).is_seed_param)
    specialise = specialiser(facts, packs.streams, analysed.resolved, project.definitions.get)
    analysed.specialise = specialise

    def compute() -> None:
        specialise.memo.clear()  # specialisations made with summaries since replaced
        compute_summaries(facts, packs.streams, analysed.resolved, specialise)

    return analysed, compute


def quiet_callees(analysed: AnalysedProject, config: Config) -> set[str]:
    """Quiet modules called from code whose results depend on paths (a helper there
    might never return, which cuts those paths)."""
    out = set()
    facts = analysed.summaries
    for qualname, params, effects in facts.parameters():
        if effects or any(config.is_seed_param(p) for p in params):
            out |= {t.quiet_module for t in facts.targets(qualname) if t.quiet_module}
    return out
