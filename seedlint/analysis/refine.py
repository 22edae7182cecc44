"""Events refined by what becomes of a draw's value, within one function:

- a draw whose value only becomes a seed (`if seed is None: seed = randint(...)`, then
  `manual_seed(seed)`) is the seeding itself, not a draw to judge;
- a construction whose weights are then replaced on every path to the normal return
  (`model = Model(cfg)` ... `model.load_weights(path)`, or `layer.weight = w`) only
  advances the stream; one stored into an object (`model.head = Head()`) is replaced by
  a load of that object;
- an initialising draw under a context manager that builds layers empty
  (`with torch.device("meta"):`) draws nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from seedlint.analysis.events import DRAWS, Event, EventKind, Summary
from seedlint.analysis.values import (
    made_of,
    passes_literal,
    receiver_offset,
    seed_value_args,
)
from seedlint.cfg.model import CFG, EdgeKind
from seedlint.lower.ir import Arg, CallSite
from seedlint.resolve.packs import Kind, PackEntry
from seedlint.resolve.project import Target

_SEEDS = (EventKind.SEED, EventKind.MAYBE_SEED)


def refine(
    cfg: CFG,
    events: list[list[Event]],
    targets: Mapping[int, Target],
    summaries: Mapping[str, Summary],
    stores: frozenset[str] = frozenset(),
) -> list[list[Event]]:
    picks = _seed_picks(events, targets)
    loads = _loads(cfg, targets, summaries, stores)
    empty = _has_empty_context(events)
    if not picks and not loads and not empty:
        return events
    loaded = _loaded_constructions(cfg, events, loads) if loads else set()
    out: list[list[Event]] = []
    for block in events:
        kept = []
        for event in block:
            # An initialiser's value is a model, never a seed (a seeding constructor such
            # as `Trainer(model=model)` takes both).
            if event.kind in DRAWS and not event.init and _is_pick(event.call, picks):
                continue
            if empty and event.init and _built_empty(event, targets):
                continue
            if id(event) in loaded:
                event = replace(event, kind=EventKind.ADVANCE, init=False)
            kept.append(event)
        out.append(kept)
    return out


def _seed_picks(
    events: Sequence[Sequence[Event]], targets: Mapping[int, Target]
) -> tuple[set[int], set[str]] | None:
    """The calls and names the function's seed values are made of."""
    values: list[Arg] = []
    for block in events:
        for event in block:
            if event.kind not in _SEEDS:
                continue
            values += seed_value_args(event.call, targets[id(event.call)].pack)
    if not values:
        return None
    return made_of(values)


def _is_pick(call: CallSite, picks: tuple[set[int], set[str]] | None) -> bool:
    if picks is None:
        return False
    calls, names = picks
    return id(call) in calls or (call.target is not None and call.target in names)


def _has_empty_context(events: Sequence[Sequence[Event]]) -> bool:
    return any(event.init and event.call.within for block in events for event in block)


def _built_empty(event: Event, targets: Mapping[int, Target]) -> bool:
    """Whether a `with` item the draw runs under builds layers of its stream empty."""
    for manager in event.call.within:
        target = targets.get(id(manager))
        entry = target.pack if target is not None else None
        if (
            entry is not None
            and entry.kind is Kind.EMPTY
            and event.stream in entry.streams
            and _argument_equals(manager, entry)
        ):
            return True
    return False


def _argument_equals(call: CallSite, entry: PackEntry) -> bool:
    return entry.equals is None or passes_literal(call, entry, entry.equals)


def _loads(
    cfg: CFG,
    targets: Mapping[int, Target],
    summaries: Mapping[str, Summary],
    stores: frozenset[str] = frozenset(),
) -> list[tuple[int, int, str]]:
    """(block, position, object) of every call that loads weights into an object: a pack
    loader into its receiver, a project loader into the arguments it loads; and of every
    assignment of a loaded attribute (`layer.weight = w`, position: after the calls
    before it)."""
    out = []
    for block in cfg.blocks:
        for count, written in block.stores:
            _, _, attribute = written.rpartition(".")
            if attribute in stores:
                out.append((block.id, count, written))
        for position, call in enumerate(block.calls):
            target = targets[id(call)]
            entry = target.pack
            if entry is not None and entry.kind is Kind.LOAD:
                loaded = _loaded_object(call, entry.value_arg)
                if loaded is not None:
                    out.append((block.id, position, loaded))
            elif entry is not None and entry.fills is not None:
                loaded = _loaded_object(call, entry.fills)
                if loaded is not None:
                    out.append((block.id, position, loaded))
            for function in target.functions:
                summary = summaries.get(function)
                for name in _loaded_arguments(call, summary.loads if summary else ()):
                    out.append((block.id, position, name))
    return out + _loop_loads(cfg, out)


def _loop_loads(cfg: CFG, loads: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A loop over an object's parameters that loads into them (`for name, p in
    model.named_parameters(): p.data.copy_(...)`, or into `model.get_parameter(name)`)
    loads the object, as a whole, at the loop's header."""
    out = []
    for block in cfg.blocks:
        if block.loop is None or not loads:
            continue
        owner, bound = block.loop
        body = _loop_body(cfg, block.id)
        derived = set(bound) | {
            call.target
            for b in body
            for call in cfg.blocks[b].calls
            if call.target is not None and call.receiver == owner
        }
        if any(b in body and _owner(name).split(".")[0] in derived for b, _p, name in loads):
            out.append((block.id, -1, owner))
    return out


def _loop_body(cfg: CFG, header: int) -> set[int]:
    """The blocks of the natural loop of `header`: those reaching a back edge into it."""
    body = {header}
    stack = [e.source for e in cfg.predecessors[header] if e.kind is EdgeKind.BACK]
    while stack:
        node = stack.pop()
        if node in body:
            continue
        body.add(node)
        stack.extend(e.source for e in cfg.predecessors[node])
    return body


def _loaded_object(call: CallSite, value_arg: int | None) -> str | None:
    """What a pack loader fills: its receiver, or the argument at `value_arg`."""
    if value_arg is None:
        return call.receiver
    positional = call.positional
    return positional[value_arg].name if value_arg < len(positional) else None


def _loaded_arguments(call: CallSite, loads: tuple[tuple[int, str], ...]) -> list[str]:
    if not loads:
        return []
    positional = call.positional
    out = []
    for index, name in loads:
        keyword = next((a for a in call.args if a.keyword == name), None)
        arg = keyword or (positional[index] if index < len(positional) else None)
        if arg is not None and arg.name is not None:
            out.append(arg.name)
    return out


def loaded_parameters(
    cfg: CFG,
    params: tuple[str, ...],
    targets: Mapping[int, Target],
    summaries: Mapping[str, Summary],
    stores: frozenset[str] = frozenset(),
) -> tuple[tuple[int, str], ...]:
    """The parameters a function loads weights into on every path to its return."""
    loads = [(b, p, _owner(n)) for b, p, n in _loads(cfg, targets, summaries, stores)]
    offset = receiver_offset(params)
    out = []
    for name in {name for _block, _position, name in loads if name in params}:
        if _always_loaded(cfg, loads, name, cfg.entry, -1):
            out.append((params.index(name) - offset, name))
    return tuple(sorted(out))


def key_parameters(
    cfg: CFG,
    params: tuple[str, ...],
    targets: Mapping[int, Target],
    summaries: Mapping[str, Summary],
) -> tuple[tuple[int, str], ...]:
    """The parameters a function makes explicit keys or generators of: passed to a pack
    key maker (`mx.random.key(seed)`) or to a project function's key parameter."""
    names: set[str] = set()
    for block in cfg.blocks:
        for call in block.calls:
            target = targets[id(call)]
            if target.pack is not None and target.pack.key:
                names.update(a.name for a in call.args if a.name is not None)
            for function in target.functions:
                summary = summaries.get(function)
                if summary is not None and summary.keys:
                    names.update(_loaded_arguments(call, summary.keys))
    offset = receiver_offset(params)
    return tuple(sorted((params.index(n) - offset, n) for n in names if n in params))


def _owner(name: str) -> str:
    """`layer` for `layer.weight`: the object whose parameter a loader fills."""
    head, dot, last = name.rpartition(".")
    return head if dot and last in ("weight", "bias", "data") else name


def _always_loaded(
    cfg: CFG, loads: list[tuple[int, int, str]], name: str, block: int, position: int
) -> bool:
    """Whether every path from `position` in `block` to the normal return passes a load
    of `name`. Exceptions aside: a path that raises is a failure, also when a handler
    later returns something (else every statement of a `try` would break the chain)."""
    loading = {b for b, _p, n in loads if n == name}
    if any(b == block and p > position for b, p, n in loads if n == name):
        return True
    seen = {block}
    stack = [e.target for e in cfg.successors[block] if e.kind is not EdgeKind.RAISE]
    while stack:
        node = stack.pop()
        if node in seen or node in loading:
            continue
        if node == cfg.exit:
            return False
        seen.add(node)
        stack.extend(e.target for e in cfg.successors[node] if e.kind is not EdgeKind.RAISE)
    return True


def _built(call: CallSite) -> set[str]:
    """What a construction fills with weights: the name its value is assigned to and the
    objects that hold it (`model.head = Head()` fills `model.head` and `model`), the
    object it is given first (`linear_to_lora_layers(model, ...)`), or the local object
    it is called on (`model.add_adapter(...)`)."""
    out = set()
    if call.target is not None:
        path = call.target
        while path:
            out.add(path)
            path = path.rpartition(".")[0]
    positional = call.positional
    if positional and positional[0].name is not None:
        out.add(positional[0].name)
    if call.key.qualified is None and call.receiver is not None:
        out.add(call.receiver)  # `model.add_adapter(...)` builds into a local object
    return out


def _loaded_constructions(
    cfg: CFG, events: Sequence[Sequence[Event]], loads: list[tuple[int, int, str]]
) -> set[int]:
    """Ids of the consuming events whose object is loaded on every path to the return."""
    # Loading a weight of the object (`layer.weight.copy_(w)`) fills the object.
    loads = [(b, p, _owner(name)) for b, p, name in loads]
    names = {name for _block, _position, name in loads}
    out: set[int] = set()
    for block, block_events in enumerate(events):
        positions = {id(call): i for i, call in enumerate(cfg.blocks[block].calls)}
        for event in block_events:
            if event.kind is not EventKind.CONSUME:
                continue
            here = positions.get(id(event.call), -1)
            if any(
                _always_loaded(cfg, loads, name, block, here) for name in _built(event.call) & names
            ):
                out.add(id(event))
    return out
