"""Interprocedural summaries: which project functions seed, draw, or are proven pure.

Functions are summarised callees first (strongly connected components of the call
graph in reverse topological order); a recursive component is iterated to a fixed
point, with a bound so that a non-monotone cycle still terminates.

Most functions call nothing that seeds, draws or never returns: their summary follows
from the targets of their calls and whether their exit is reachable, both in the
index. Only the others have their graph read back and the data flow solved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from seedlint.analysis.arguments import Context, Specialiser, pruned_edges
from seedlint.analysis.dataflow import Flow, opt_outs, solve, strongest
from seedlint.analysis.events import (
    DRAWS,
    PURE_SUMMARY,
    Event,
    EventKind,
    Specialise,
    StreamEffect,
    Summary,
    events_for,
)
from seedlint.analysis.graphs import components
from seedlint.analysis.refine import key_parameters, loaded_parameters, refine
from seedlint.analysis.values import receiver_offset
from seedlint.cfg.model import CFG
from seedlint.lower.ir import FunctionIndex, FunctionIR
from seedlint.resolve.project import Project, Target
from seedlint.store.summary_table import SummaryTable, Targets

_MAX_ROUNDS = 12


@dataclass(frozen=True, slots=True)
class ResolvedFunction:
    """A function's graph and what each of its calls refers to (independent of summaries)."""

    definition: FunctionIR
    cfg: CFG
    targets: Mapping[int, Target]  # id(call) -> target
    # Its seed-like parameters, and the seed-like attributes its conditions test
    # (`if args.seed is not None:`): a None there is the choice not to seed.
    optional_seeds: frozenset[str] = frozenset()
    stores: frozenset[str] = frozenset()  # attributes whose assignment loads the owner

    def block_events(
        self, summaries: Mapping[str, Summary], specialise: Specialise | None = None
    ) -> list[list[Event]]:
        out: list[list[Event]] = []
        counter = 0
        for block in self.cfg.blocks:
            events = []
            for call in block.calls:
                for event in events_for(self.targets[id(call)], call, summaries, specialise):
                    events.append(replace(event, index=counter))
                    counter += 1
            out.append(events)
        return refine(self.cfg, out, self.targets, summaries, self.stores)

    def loaded_parameters(self, summaries: Mapping[str, Summary]) -> tuple[tuple[int, str], ...]:
        params = self.definition.params
        return loaded_parameters(self.cfg, params, self.targets, summaries, self.stores)

    def key_parameters(self, summaries: Mapping[str, Summary]) -> tuple[tuple[int, str], ...]:
        return key_parameters(self.cfg, self.definition.params, self.targets, summaries)

    def solve(
        self, events: list[list[Event]], streams: Sequence[str], values: Context = ()
    ) -> Flow:
        pruned = pruned_edges(self.cfg, values) if values else frozenset()
        return solve(self.cfg, events, streams, opt_outs(self.cfg, self.optional_seeds), pruned)

    def flow(
        self,
        summaries: Mapping[str, Summary],
        streams: Sequence[str],
        specialise: Specialise | None = None,
    ) -> Flow:
        return self.solve(self.block_events(summaries, specialise), streams)


def resolve_function(
    function: FunctionIR, project: Project, is_seed_param: Callable[[str], bool]
) -> ResolvedFunction:
    targets: dict[int, Target] = {}
    for block in function.cfg.blocks:
        for call in block.calls:
            targets[id(call)] = project.resolve(call.key)
    seed_params = frozenset(p for p in function.params if is_seed_param(p))
    cfg = _predicates_inlined(function.cfg, targets, project)
    optional = seed_params | _seed_attributes(cfg, is_seed_param)
    return ResolvedFunction(function, cfg, targets, optional, project.packs.stores)


_TESTED = re.compile(r"(?:not )?(\w+(?:\.\w+)+)(?: is (?:not )?None)?")


def _seed_attributes(cfg: CFG, is_seed_param: Callable[[str], bool]) -> frozenset[str]:
    """The seed-like attributes the function's conditions test for None or truth
    (`if args.seed is not None: set_seed(args.seed)`): left unset, the run's configuration
    chose not to seed, as a caller does by passing a seed parameter None."""
    found = (_TESTED.fullmatch(b.condition) for b in cfg.blocks if b.condition)
    return frozenset(
        m.group(1) for m in found if m is not None and is_seed_param(m.group(1).rpartition(".")[2])
    )


_PREDICATE_CALL = re.compile(r"(not )?([\w.]+)\((\w+)\)")
_NEGATED = MappingProxyType({"is None": "is not None", "is not None": "is None"})


def _predicates_inlined(cfg: CFG, targets: Mapping[int, Target], project: Project) -> CFG:
    """The graph with each condition that calls a project None test (`exists(seed)`, where
    `def exists(v): return v is not None`) written as that test (`seed is not None`)."""
    blocks = list(cfg.blocks)
    for number, block in enumerate(blocks):
        found = _PREDICATE_CALL.fullmatch(block.condition) if block.condition else None
        if found is None:
            continue
        callee = next((c for c in block.calls if c.written == found.group(2)), None)
        functions = targets[id(callee)].functions if callee is not None else ()
        indexes = [project.symbols.function(f) for f in functions]
        tests = {index.predicate if index is not None else None for index in indexes}
        if len(tests) != 1 or None in tests:
            continue
        test = tests.pop()
        assert test is not None
        if found.group(1):
            test = _NEGATED[test]
        blocks[number] = replace(block, condition=f"{found.group(3)} {test}")
    if blocks == list(cfg.blocks):
        return cfg
    return replace(cfg, blocks=tuple(blocks))


def needs_flow(targets: Targets, summaries: Mapping[str, Summary]) -> bool:
    """Whether some call seeds, draws or never returns (else the summary is plain)."""
    for target in targets:
        if target.pack is not None:
            return True  # loaders too: the function may load into a parameter
        for function in target.functions:
            summary = summaries.get(function, PURE_SUMMARY)
            if summary.effects or summary.noreturn or summary.loads or summary.keys:
                return True
    return False


_PLAIN = MappingProxyType(
    {
        (opaque, noreturn): Summary({}, opaque, noreturn)
        for opaque in (False, True)
        for noreturn in (False, True)
    }
)


def plain_summary(returns: bool, targets: Targets, summaries: Mapping[str, Summary]) -> Summary:
    """The summary of a function for which `needs_flow` is false, without its graph:
    what `summarize` gives when the only events are calls of unknown effect."""
    opaque = any(
        not t.pure
        and t.pack is None
        and (not t.functions or any(summaries.get(f, PURE_SUMMARY).opaque for f in t.functions))
        for t in targets
    )
    return _PLAIN[opaque, not returns]


def summarize(
    flow: Flow, streams: Iterable[str], params: tuple[str, ...] = (), hands_out: bool = True
) -> Summary:
    """What calling the function does to each stream; `params` place the keys of its
    keyed draws among a call's arguments. A function that takes nothing and returns
    nothing (`hands_out` false, no parameters) keeps the weights it builds to itself: its
    draws are not initialisation for its callers."""
    hands_out = hands_out or bool(params)
    exit_state = flow.exit_state()
    draws: dict[str, list[Event]] = {}
    unseeded_draws: dict[str, list[Event]] = {}
    seeding: set[str] = set()
    opaque = False
    rank: dict[Event, int] = {}
    for _block, _index, event, state in flow.points():
        rank.setdefault(event, len(rank))
        if event.kind is EventKind.OPAQUE:
            opaque = True
        elif event.kind in (EventKind.SEED, EventKind.MAYBE_SEED):
            assert event.stream is not None
            seeding.add(event.stream)
        elif event.kind in DRAWS:
            assert event.stream is not None
            draws.setdefault(event.stream, []).append(event)
            if state[event.stream].unseeded and not event.after_seed:
                unseeded_draws.setdefault(event.stream, []).append(event)
    effects: dict[str, StreamEffect] = {}
    for stream in streams:
        if stream not in draws and stream not in seeding:
            continue
        seeds = "never"
        after: list[Event] = []
        if stream in seeding:
            seeds = "sometimes"
            if exit_state is not None:
                final = exit_state[stream]
                if final.seeded and not final.unseeded:
                    seeds = "always"
                after = sorted(final.drift, key=lambda e: rank.get(e, 0))
        before = unseeded_draws.get(stream, [])
        effects[stream] = StreamEffect(
            seeds,
            strongest([e.kind for e in before]),
            strongest([e.kind for e in after]),
            _via(before),
            _via(after),
            hands_out and _initialises(before),
            hands_out and _initialises(after),
            _keyed(before, params),
            _keyed(after, params),
        )
    return Summary(effects, opaque, exit_state is None)


def _outlet(definition: FunctionIR) -> tuple[tuple[str, ...], bool]:
    """How a function can hand what it builds to its caller: parameters, return value."""
    return definition.params, definition.returns_value


def _keyed(events: list[Event], params: tuple[str, ...]) -> tuple[int, str] | None:
    """The parameter that keys every consuming draw, if one does, with its position
    among the arguments a call passes."""
    keys = {e.keyed_by for e in events if e.kind is EventKind.CONSUME}
    if len(keys) != 1:
        return None
    name = keys.pop()
    if name is None or name not in params:
        return None
    return params.index(name) - receiver_offset(params), name


def _initialises(events: list[Event]) -> bool:
    return any(e.init and e.kind is EventKind.CONSUME for e in events)


def _via(events: list[Event]) -> tuple[str, ...]:
    consuming = [e for e in events if e.kind is EventKind.CONSUME] or events
    if not consuming:
        return ()
    first = consuming[0]
    chain = (first.name, *first.via)
    # Recursion would grow the chain each round: keep it to its first repeat.
    seen: set[str] = set()
    out: list[str] = []
    for step in chain:
        if step in seen:
            break
        seen.add(step)
        out.append(step)
    return tuple(out)


def _components(facts: SummaryTable) -> Iterator[list[int]]:
    """The strongly connected components of the functions without a summary, callees
    before callers; the edges are read from the table."""
    flags = facts.unsummarised()
    return components(len(flags), facts.callees, lambda node: flags[node] == 1)


def _summary(
    model: ResolvedFunction, flow: Flow, facts: SummaryTable, streams: Iterable[str]
) -> Summary:
    """A function's summary from its solved flow (general or for a call's arguments), with
    the parameters it loads weights into and those it only uses as keys."""
    summary = summarize(flow, streams, *_outlet(model.definition))
    loads = model.loaded_parameters(facts)
    keys = model.key_parameters(facts)
    return replace(summary, loads=loads, keys=keys) if loads or keys else summary


def specialiser(
    facts: SummaryTable,
    streams: tuple[str, ...],
    load: Callable[[str], ResolvedFunction],
    index: Callable[[str], FunctionIndex | None],
) -> Specialiser:
    """Summaries of a project's functions for the arguments of a call."""

    def summarise(qualname: str, values: Context) -> Summary:
        # Its own calls are specialised too (else this summary would be coarser than the
        # general one); it is busy meanwhile, so a recursion stops at general summaries.
        model = load(qualname)
        added = qualname not in specialise.busy
        specialise.busy.add(qualname)
        try:
            flow = model.solve(model.block_events(facts, specialise), streams, values)
        finally:
            if added:
                specialise.busy.discard(qualname)
        return _summary(model, flow, facts, streams)

    specialise = Specialiser(index, summarise, facts)
    return specialise


def compute_summaries(
    facts: SummaryTable,
    streams: tuple[str, ...],
    load: Callable[[str], ResolvedFunction],
    specialise: Specialiser | None = None,
) -> None:
    """Summarise every function of `facts` without a summary (those reused from an
    earlier round have one), callees first. `load` reads a function's graph back when
    it is needed."""
    for component in _components(facts):
        names = [facts.name(member) for member in component]
        if specialise is not None:
            specialise.busy = set(names)
        models: dict[str, ResolvedFunction] = {}  # read once per component, then dropped
        recursive = len(component) > 1 or facts.calls_itself(component[0])
        for _ in range(_MAX_ROUNDS):
            changed = False
            for name in names:
                targets = facts.targets(name)
                if needs_flow(targets, facts):
                    if name not in models:
                        models[name] = load(name)
                    model = models[name]
                    flow = model.flow(facts, streams, specialise)
                    summary = _summary(model, flow, facts, streams)
                else:
                    summary = plain_summary(facts.returns(name), targets, facts)
                if facts.get(name) != summary:
                    facts.set_summary(name, summary)
                    changed = True
            if not changed or not recursive:
                break
    if specialise is not None:
        specialise.busy = set()  # every summary is final: all may be specialised
