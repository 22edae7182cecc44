"""RNG events: what each call does to each stream, given packs and helper summaries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from seedlint.ir import CallSite
from seedlint.packs import Kind
from seedlint.project import Target


class EventKind(Enum):
    SEED = "seed"
    MAYBE_SEED = "maybe-seed"  # seeds on some paths only
    CONSUME = "consume"
    ADVANCE = "advance"
    OPAQUE = "opaque"  # unknown effect (for SDL202)
    NORETURN = "noreturn"  # the call never returns normally


DRAWS = (EventKind.CONSUME, EventKind.ADVANCE)


@dataclass(frozen=True, slots=True, eq=False)
class Event:
    kind: EventKind
    stream: str | None
    call: CallSite
    name: str  # the callee as written
    via: tuple[str, ...] = ()  # inside a helper: the calls down to the library API
    order: int = 0  # position among the events of the call (seed before its own draws)
    index: int = 0  # position among all events of the function, for a stable order

    @property
    def after_seed(self) -> bool:
        """A helper's draw that happens only after the helper's own seed."""
        return self.order == 2


@dataclass(frozen=True, slots=True)
class StreamEffect:
    """What calling a project function does to one stream."""

    seeds: str = "never"  # "always" | "sometimes" | "never"
    before: EventKind | None = None  # a draw that may happen before any seed of the call
    after: EventKind | None = None  # a draw that may happen after the call's last seed
    via_before: tuple[str, ...] = ()
    via_after: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    effects: Mapping[str, StreamEffect] = field(default_factory=dict)
    opaque: bool = False
    noreturn: bool = False


PURE_SUMMARY = Summary()


def events_for(target: Target, call: CallSite, summaries: Mapping[str, Summary]) -> list[Event]:
    if target.pure:
        return []
    if target.pack is not None:
        kind = {
            Kind.SEED: EventKind.SEED,
            Kind.CONSUME: EventKind.CONSUME,
            Kind.ADVANCE: EventKind.ADVANCE,
        }[target.pack.kind]
        return [Event(kind, stream, call, call.written) for stream in target.pack.streams]
    if not target.functions:
        return [Event(EventKind.OPAQUE, None, call, call.written)]
    events: list[Event] = []
    for function in target.functions:
        events += _summary_events(summaries.get(function, PURE_SUMMARY), call, call.written)
    return events


def _summary_events(summary: Summary, call: CallSite, name: str) -> list[Event]:
    events: list[Event] = []
    for stream, effect in summary.effects.items():
        if effect.before is not None:
            events.append(Event(effect.before, stream, call, name, effect.via_before, 0))
        if effect.seeds == "always":
            events.append(Event(EventKind.SEED, stream, call, name, (), 1))
        elif effect.seeds == "sometimes":
            events.append(Event(EventKind.MAYBE_SEED, stream, call, name, (), 1))
        if effect.after is not None:
            events.append(Event(effect.after, stream, call, name, effect.via_after, 2))
    events.sort(key=lambda e: e.order)
    if summary.opaque:
        events.append(Event(EventKind.OPAQUE, None, call, name))
    if summary.noreturn:
        events.append(Event(EventKind.NORETURN, None, call, name))
    return events
