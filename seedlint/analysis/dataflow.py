"""Per-stream seed state along a CFG: reached unseeded? which draws since the last seed?

One forward may-analysis answers both questions: a draw reached with `unseeded` set has a
path with no seed (unseeded-rng-consumer); a draw reached with a non-empty `drift` on a
seeded path has another draw between it and the seed (seed-drift).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from seedlint.analysis.events import DRAWS, Event, EventKind
from seedlint.cfg.model import CFG, EdgeKind

_EMPTY: frozenset[Event] = frozenset()
# The sets only name witnesses, so they are kept small: a function of 50,000 calls
# must not hold a set of every earlier call at every point.
_KEEP = 2


def _bounded(events: frozenset[Event]) -> frozenset[Event]:
    if len(events) <= _KEEP:
        return events
    return frozenset(sorted(events, key=lambda e: e.index)[:_KEEP])


def _bounded_draws(events: frozenset[Event]) -> frozenset[Event]:
    """At most a few draws of each kind, initialisers apart (a summary needs to know
    which kinds occur)."""
    if len(events) <= _KEEP:
        return events
    kept: list[Event] = []
    for kind in DRAWS:
        for init in (False, True):
            same = (e for e in events if e.kind is kind and e.init is init)
            kept += sorted(same, key=lambda e: e.index)[:_KEEP]
    return frozenset(kept)


@dataclass(frozen=True, slots=True)
class StreamState:
    unseeded: bool = True  # some path reaches here with no seed of the stream
    seeded: bool = False  # some path reaches here after a seed
    drift: frozenset[Event] = _EMPTY  # draws since the last seed, on seeded paths
    unknown: frozenset[Event] = _EMPTY  # calls of unknown effect since the last seed
    seeds: frozenset[Event] = _EMPTY  # the last seeds on the seeded paths

    def join(self, other: StreamState) -> StreamState:
        return StreamState(
            self.unseeded or other.unseeded,
            self.seeded or other.seeded,
            _bounded_draws(self.drift | other.drift),
            _bounded(self.unknown | other.unknown),
            _bounded(self.seeds | other.seeds),
        )


State = Mapping[str, StreamState]  # stream -> state; None for an unreachable point
Edge = tuple[int, int, EdgeKind]  # source, target, kind (as seedlint.analysis.arguments)
_OPT_OUT = re.compile(r"([\w.]+) is (not )?None")
_TRUTH = re.compile(r"(not )?([\w.]+)")  # `if seed:`, `if not args.seed:`


def opt_outs(cfg: CFG, seed_params: frozenset[str]) -> frozenset[Edge]:
    """The edges taken when one of the function's own seed parameters, or a seed-like
    attribute it tests (`args.seed`), is None (or false, for `if seed:`): the caller or the
    configuration chose not to seed, so the paths through them are not unseeded paths."""
    if not seed_params:
        return frozenset()
    out = set()
    for block in cfg.blocks:
        if not block.condition:
            continue
        found = _OPT_OUT.fullmatch(block.condition)
        if found is not None and found.group(1) in seed_params:
            none_side = EdgeKind.FALSE if found.group(2) else EdgeKind.TRUE
        else:
            found = _TRUTH.fullmatch(block.condition)
            if found is None or found.group(2) not in seed_params:
                continue
            none_side = EdgeKind.TRUE if found.group(1) else EdgeKind.FALSE
        out |= {
            (e.source, e.target, e.kind) for e in cfg.successors[block.id] if e.kind is none_side
        }
    return frozenset(out)


def _opted_out(state: State | None) -> State | None:
    if state is None:
        return None
    return {
        stream: StreamState(False, s.seeded, s.drift, s.unknown, s.seeds) if s.unseeded else s
        for stream, s in state.items()
    }


def step(state: State | None, event: Event) -> State | None:
    if state is None or event.kind is EventKind.NORETURN:
        return None
    if event.kind is EventKind.OPAQUE:
        return {
            stream: StreamState(
                s.unseeded, s.seeded, s.drift, _bounded(s.unknown | {event}), s.seeds
            )
            if s.seeded
            else s
            for stream, s in state.items()
        }
    assert event.stream is not None
    current = state[event.stream]
    if event.kind is EventKind.SEED:
        new = StreamState(False, True, _EMPTY, _EMPTY, frozenset({event}))
    elif event.kind is EventKind.MAYBE_SEED:
        new = StreamState(
            current.unseeded,
            True,
            current.drift,
            current.unknown,
            _bounded(current.seeds | {event}),
        )
    elif current.seeded:
        new = StreamState(
            current.unseeded,
            True,
            _bounded_draws(current.drift | {event}),
            current.unknown,
            current.seeds,
        )
    else:
        return state
    return {**state, event.stream: new}


def join(a: State | None, b: State | None) -> State | None:
    if a is None:
        return b
    if b is None:
        return a
    return {stream: a[stream].join(b[stream]) for stream in a}


@dataclass(frozen=True, slots=True)
class Flow:
    """The fixed point: the state on entry to every block (None if unreachable)."""

    cfg: CFG
    events: Sequence[Sequence[Event]]  # per block, in evaluation order
    entry_states: Sequence[State | None]
    opt_outs: frozenset[Edge] = frozenset()  # edges where the seed parameter is None

    def points(self) -> Iterator[tuple[int, int, Event, State]]:
        """Every event at a reachable point: (block, index, event, state just before it)."""
        for block, events in enumerate(self.events):
            state = self.entry_states[block]
            for index, event in enumerate(events):
                if state is None:
                    break
                yield block, index, event, state
                state = step(state, event)

    def exit_state(self) -> State | None:
        return self.entry_states[self.cfg.exit]


def solve(
    cfg: CFG,
    events: Sequence[Sequence[Event]],
    streams: Sequence[str],
    opt_outs: frozenset[Edge] = frozenset(),
    pruned: frozenset[Edge] = frozenset(),
) -> Flow:
    """The fixed point; `pruned` edges are never taken (a branch the arguments decide)."""
    order = cfg.reverse_postorder()
    entry_states: list[State | None] = [None] * len(cfg.blocks)
    entry_states[cfg.entry] = {stream: StreamState() for stream in streams}
    out: list[State | None] = [None] * len(cfg.blocks)
    changed = True
    while changed:
        changed = False
        for block in order:
            if block != cfg.entry:
                state: State | None = None
                for edge in cfg.predecessors[block]:
                    if pruned and (edge.source, edge.target, edge.kind) in pruned:
                        continue
                    came = out[edge.source]
                    if opt_outs and (edge.source, edge.target, edge.kind) in opt_outs:
                        came = _opted_out(came)
                    state = join(state, came)
                entry_states[block] = state
            result = entry_states[block]
            for event in events[block]:
                result = step(result, event)
            if result != out[block]:
                out[block] = result
                changed = True
    return Flow(cfg, events, entry_states, opt_outs)


def strongest(kinds: Sequence[EventKind]) -> EventKind | None:
    if EventKind.CONSUME in kinds:
        return EventKind.CONSUME
    return EventKind.ADVANCE if EventKind.ADVANCE in kinds else None
