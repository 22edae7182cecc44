"""Interprocedural summaries: which project functions seed, draw, or are proven pure.

Functions are summarised callees first (strongly connected components of the call
graph in reverse topological order); a recursive component is iterated to a fixed
point, with a bound so that a non-monotone cycle still terminates.

Most functions call nothing that seeds, draws or never returns: their summary follows
from the targets of their calls and whether their exit is reachable, both in the
index. Only the others have their graph read back and the data flow solved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from seedlint.analysis.dataflow import Flow, solve, strongest
from seedlint.cfg.model import CFG
from seedlint.events import (
    DRAWS,
    PURE_SUMMARY,
    Event,
    EventKind,
    StreamEffect,
    Summary,
    events_for,
)
from seedlint.ir import FunctionIndex, FunctionIR
from seedlint.project import Project, Target

Targets = tuple[Target, ...]  # of a function's call keys, in the index's order

_MAX_ROUNDS = 12


@dataclass(frozen=True, slots=True)
class FunctionModel:
    """A function's graph and what each of its calls refers to (independent of summaries)."""

    definition: FunctionIR
    cfg: CFG
    targets: Mapping[int, Target]  # id(call) -> target

    def block_events(self, summaries: Mapping[str, Summary]) -> list[list[Event]]:
        out: list[list[Event]] = []
        counter = 0
        for block in self.cfg.blocks:
            events = []
            for call in block.calls:
                for event in events_for(self.targets[id(call)], call, summaries):
                    events.append(replace(event, index=counter))
                    counter += 1
            out.append(events)
        return out

    def flow(self, summaries: Mapping[str, Summary], streams: tuple[str, ...]) -> Flow:
        return solve(self.cfg, self.block_events(summaries), streams)


def model_function(function: FunctionIR, project: Project) -> FunctionModel:
    targets: dict[int, Target] = {}
    for block in function.cfg.blocks:
        for call in block.calls:
            targets[id(call)] = project.resolve(call.key)
    return FunctionModel(function, function.cfg, targets)


def needs_flow(targets: Targets, summaries: Mapping[str, Summary]) -> bool:
    """Whether some call seeds, draws or never returns (else the summary is plain)."""
    for target in targets:
        if target.pack is not None:
            return True
        for function in target.functions:
            summary = summaries.get(function, PURE_SUMMARY)
            if summary.effects or summary.noreturn:
                return True
    return False


_PLAIN = {
    (opaque, noreturn): Summary({}, opaque, noreturn)
    for opaque in (False, True)
    for noreturn in (False, True)
}


def plain_summary(
    function: FunctionIndex, targets: Targets, summaries: Mapping[str, Summary]
) -> Summary:
    """The summary of a function for which `needs_flow` is false, without its graph:
    what `summarize` gives when the only events are calls of unknown effect."""
    opaque = any(
        not t.pure
        and t.pack is None
        and (not t.functions or any(summaries.get(f, PURE_SUMMARY).opaque for f in t.functions))
        for t in targets
    )
    return _PLAIN[opaque, not function.returns]


def summarize(flow: Flow, streams: Iterable[str]) -> Summary:
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
        )
    return Summary(effects, opaque, exit_state is None)


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


def _components(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, callees before callers."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                child = pending.pop()
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
    return result


def callees(targets: Targets) -> set[str]:
    return {f for t in targets for f in t.functions}


def compute_summaries(
    definitions: Mapping[str, FunctionIndex],
    targets: Mapping[str, Targets],
    streams: tuple[str, ...],
    load: Callable[[str], FunctionModel],
    known: Mapping[str, Summary] | None = None,
) -> dict[str, Summary]:
    """Every function's summary. `known` holds summaries still valid from an earlier
    computation (the function and everything it calls unchanged): only the rest are
    computed, callees first. `load` reads a function's graph back when it is needed."""
    summaries = dict(known or {})
    todo = [name for name in targets if name not in summaries]
    graph = {name: callees(targets[name]) & targets.keys() for name in todo}
    for component in _components(graph):
        models: dict[str, FunctionModel] = {}  # read once per component, then dropped
        for _ in range(_MAX_ROUNDS):
            changed = False
            for name in component:
                if needs_flow(targets[name], summaries):
                    if name not in models:
                        models[name] = load(name)
                    summary = summarize(models[name].flow(summaries, streams), streams)
                else:
                    summary = plain_summary(definitions[name], targets[name], summaries)
                if summaries.get(name) != summary:
                    summaries[name] = summary
                    changed = True
            if not changed or (len(component) == 1 and name not in graph[name]):
                break
    return summaries


def still_valid(
    old: Mapping[str, Targets],
    summaries: Mapping[str, Summary],
    new: Mapping[str, Targets],
) -> dict[str, Summary]:
    """The summaries from `old` that hold for `new`: those of functions whose calls
    resolve as before and call only such functions."""
    changed = [name for name, targets in new.items() if old.get(name) != targets]
    callers: dict[str, list[str]] = {}
    for name, targets in new.items():
        for callee in callees(targets):
            callers.setdefault(callee, []).append(name)
    stale = set(changed)
    while changed:
        for caller in callers.get(changed.pop(), ()):
            if caller not in stale:
                stale.add(caller)
                changed.append(caller)
    return {name: s for name, s in summaries.items() if name in new and name not in stale}
