"""Which arguments of a seeding call carry the seed value, and what they are made of."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from seedlint.lower.ir import Arg, CallSite
from seedlint.resolve.packs import PackEntry


def receiver_offset(params: Sequence[str], call: CallSite | None = None) -> int:
    """1 when a method's first parameter (`self`, `cls`) is bound by the object it is
    called on, not by an argument: always when `call` is None (a position recorded for
    any call), else only when the call goes through an attribute (`obj.m(...)`)."""
    bound = bool(params) and params[0] in ("self", "cls")
    return 1 if bound and (call is None or "." in call.written) else 0


def pack_seed_values(call: CallSite, entry: PackEntry) -> list[Arg] | None:
    """The value argument of a pack seeding API; [] if it is not known which argument it
    is, None when the value is missing and the API then seeds from entropy."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword == entry.value_kwarg:
            return [arg]
    positional = call.positional
    if entry.value_arg is not None and entry.value_arg < len(positional):
        return [positional[entry.value_arg]]
    return None if entry.missing_value_is_entropy else []


def passes_literal(call: CallSite, entry: PackEntry, literal: str) -> bool:
    """Whether the call passes `literal` (a repr) as the pack entry's value argument."""
    return any(arg.literal == literal for arg in pack_seed_values(call, entry) or ())


def seed_value_args(call: CallSite, entry: PackEntry | None) -> list[Arg]:
    """The arguments that carry a seeding call's value: a pack seeder's value argument,
    every argument of a project seeder (any might become the seed)."""
    if entry is None:
        return [a for a in call.args if not a.star]
    return pack_seed_values(call, entry) or []


def helper_seed_values(
    call: CallSite, params: Sequence[str], is_seed_param: Callable[[str], bool]
) -> list[Arg]:
    """The arguments a call binds to a project helper's seed-like parameters (all of
    them if the helper has none: any might become the seed)."""
    seed_like = [p for p in params if is_seed_param(p)]
    if not seed_like:
        return [a for a in call.args if not a.star]
    bound: list[Arg] = []
    offset = receiver_offset(params, call)
    for position, arg in enumerate(call.positional):
        index = position + offset
        if index < len(params) and params[index] in seed_like:
            bound.append(arg)
    bound += [a for a in call.args if a.keyword in seed_like]
    return bound


def made_of(values: Iterable[Arg]) -> tuple[set[int], set[str]]:
    """The calls (by id) and bare names a value is computed from, through the arguments
    of the calls in it (`int(seed)`, `seed or randint(...)`)."""
    calls: set[int] = set()
    names: set[str] = set()
    for arg in _walk(values):
        if arg.name is not None:
            names.add(arg.name)
        calls.update(id(c) for c in arg.calls)
    return calls, names


def _walk(values: Iterable[Arg], depth: int = 0) -> Iterator[Arg]:
    for arg in values:
        yield arg
        if depth < 4:
            for call in arg.calls:
                yield from _walk(call.args, depth + 1)
