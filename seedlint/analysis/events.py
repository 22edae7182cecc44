"""RNG events: what each call does to each stream, given packs and helper summaries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

from seedlint.analysis.values import passes_literal
from seedlint.lower.ir import CallSite
from seedlint.resolve.packs import Kind, PackEntry
from seedlint.resolve.project import Target


class EventKind(Enum):
    SEED = "seed"
    MAYBE_SEED = "maybe-seed"  # seeds on some paths only
    CONSUME = "consume"
    ADVANCE = "advance"
    OPAQUE = "opaque"  # unknown effect (for seed-not-adjacent)
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
    init: bool = False  # a draw of initial weights or adapters (what seed-drift judges)
    # The function's own parameter (a generator or key defaulting to None) that makes
    # the draw pure when the caller passes one: drawing globally is the caller's choice.
    keyed_by: str | None = None

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
    init_before: bool = False  # the draws before any seed initialise weights or adapters
    init_after: bool = False  # the draws after the last seed do
    # The parameter (position among a call's arguments, name) whose generator or key
    # keys them all.
    keyed_before: tuple[int, str] | None = None
    keyed_after: tuple[int, str] | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    effects: Mapping[str, StreamEffect] = field(default_factory=dict)
    opaque: bool = False
    noreturn: bool = False
    # Parameters whose object it loads weights into on every path to its return, as
    # (position among the arguments a call passes, name): `_apply_weights(model, w)`.
    loads: tuple[tuple[int, str], ...] = ()
    # Parameters it makes explicit keys or generators of (`mx.random.key(seed)`), the same
    # way: a seed passed there keys draws instead of seeding a stream.
    keys: tuple[tuple[int, str], ...] = ()


PURE_SUMMARY = Summary()
_KINDS = MappingProxyType(
    {
        Kind.SEED: EventKind.SEED,
        Kind.CONSUME: EventKind.CONSUME,
        Kind.ADVANCE: EventKind.ADVANCE,
    }
)


Specialise = Callable[[str, CallSite], "Summary | None"]


def events_for(
    target: Target,
    call: CallSite,
    summaries: Mapping[str, Summary],
    specialise: Specialise | None = None,
) -> list[Event]:
    if target.pure:
        return []
    if target.pack is not None:
        entry = target.pack
        if entry.kind in (Kind.LOAD, Kind.EMPTY):
            return []
        if entry.unless_equals is not None and passes_literal(call, entry, entry.unless_equals):
            return []  # the literal that turns the seeding off
        kind = _kind(entry, call)
        if kind is None:
            return []
        init = kind is EventKind.CONSUME and (entry.initialises or call.stored_in_object)
        keyed = _maybe_none_key(call, entry.pure_with) if kind is not EventKind.SEED else None
        return [
            Event(kind, stream, call, call.written, init=init, keyed_by=keyed)
            for stream in entry.streams
        ]
    if not target.functions:
        return [Event(EventKind.OPAQUE, None, call, call.written)]
    events: list[Event] = []
    for function in target.functions:
        summary = specialise(function, call) if specialise is not None else None
        if summary is None:
            summary = summaries.get(function, PURE_SUMMARY)
        events += _summary_events(summary, call, call.written)
    return events


def _kind(entry: PackEntry, call: CallSite) -> EventKind | None:
    """What a pack entry's call is: its own kind, unless it names a literal its value
    argument must be (`equals`) and the call passes another: then its `otherwise`, or
    nothing (`DataLoader(data)` does not shuffle: iterating it only advances)."""
    if entry.equals is None or entry.kind is not Kind.CONSUME:
        return _KINDS[entry.kind]
    if passes_literal(call, entry, entry.equals):
        return EventKind.CONSUME
    return _KINDS[entry.otherwise] if entry.otherwise is not None else None


def _maybe_none_key(call: CallSite, keywords: tuple[str, ...]) -> str | None:
    """The parameter passed as `generator=`/`key=` that may be None (lowering marks a
    parameter defaulting to None so); None if the draw has no such key."""
    for arg in call.args:
        if arg.keyword in keywords and arg.name is not None and not arg.is_none:
            return arg.name
    return None


_DROP = "\0drop"


def _passed_key(call: CallSite, param: tuple[int, str] | None) -> str | None:
    """How a call passes a callee's generator/key parameter: a real one makes the draws
    pure (_DROP), the caller's own may-be-None parameter keys them by that, else none."""
    if param is None:
        return None
    position, name = param
    positional = [a for a in call.args if a.keyword is None]
    found = next((a for a in call.args if a.keyword == name), None)
    if found is None and not any(a.star for a in positional) and position < len(positional):
        found = positional[position]
    if found is None or found.is_none:
        return None
    return found.name if found.literal is None else _DROP


def _summary_events(summary: Summary, call: CallSite, name: str) -> list[Event]:
    events: list[Event] = []
    for stream, effect in summary.effects.items():
        draws = (
            (effect.before, effect.via_before, 0, effect.init_before, effect.keyed_before),
            (effect.after, effect.via_after, 2, effect.init_after, effect.keyed_after),
        )
        for kind, via, order, init, key in draws:
            keyed = _passed_key(call, key)
            if kind is not None and keyed != _DROP:
                init = init or call.stored_in_object
                events.append(
                    Event(kind, stream, call, name, via, order, init=init, keyed_by=keyed)
                )
        if effect.seeds == "always":
            events.append(Event(EventKind.SEED, stream, call, name, (), 1))
        elif effect.seeds == "sometimes":
            events.append(Event(EventKind.MAYBE_SEED, stream, call, name, (), 1))
    events.sort(key=lambda e: e.order)
    if summary.opaque:
        events.append(Event(EventKind.OPAQUE, None, call, name))
    if summary.noreturn:
        events.append(Event(EventKind.NORETURN, None, call, name))
    return events
