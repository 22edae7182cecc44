"""A large module lowered in parts: its skeleton (seedlint.lower.skeleton) as a module,
and each function body the skeleton leaves out as a definition of its own, reused from
the module's last lowering where nothing it depends on changed.

A definition lowered apart numbers its calls from its body's first call (its functions'
`call_base` says where that lies in the module), so its spill records do not change
when an edit adds calls above it. It depends on its own text, on the module's name, on
the class it is a method of and on what the module binds the names it mentions to (its
body's names are looked up in its own scopes, then in the module's: a class body is not
visible from its methods): those make its key. The result is the ModuleIR that
`lower_file` makes of the whole text, but for those call numbers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import libcst as cst

from seedlint.lower.ir import FunctionIR, LoweredDefinition, LoweredFunction, LoweredParts, ModuleIR
from seedlint.lower.lowering import Lowerer, last_name
from seedlint.lower.skeleton import Skeleton, Slot, skeleton_of
from seedlint.parse.bindings import Scope
from seedlint.parse.packages import module_name_for
from seedlint.parse.scopes import Collected, Definition, collect_scopes
from seedlint.store.cache import digest
from seedlint.store.spill import lowered_function

_NAME = re.compile(r"[^\W\d]\w*")


Reuse = Callable[[str], LoweredDefinition | None]


def lower_in_parts(
    path: Path, text: str, display: str, reuse: Reuse
) -> tuple[ModuleIR, LoweredParts] | None:
    """The module of `text` lowered in parts, and its parts for the next lowering (`reuse`
    gives those of the last one by key); None where the skeleton or a definition does
    not parse on its own (then the whole text is lowered)."""
    skeleton = skeleton_of(text)
    if skeleton is None:
        return None
    try:
        tree = cst.parse_module(skeleton.text)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None
    name, is_package = module_name_for(path)
    package = name if is_package else name.rpartition(".")[0]
    try:
        collected = collect_scopes(tree, name, package)
        slots = _slots_in(tree, skeleton)
        if slots is None:
            return None
        parts: dict[int, tuple[str, LoweredDefinition]] = {}  # by id of the stub's node
        for definition in collected.definitions:
            slot = slots.get(id(definition.node))
            if slot is None or slot.text is None:
                continue
            key = _key(slot, definition, name, collected.scope)
            part = reuse(key) or _lower_apart(slot, definition, name, package)
            if part is None:
                return None
            parts[id(definition.node)] = key, part
        module = _assemble(path, text, display, name, collected, parts)
    except RecursionError:
        return None  # (lowered whole, it gets its one-line reason)
    return module, LoweredParts(tuple(parts.values()))


def _slots_in(tree: cst.Module, skeleton: Skeleton) -> dict[int, Slot] | None:
    """The skeleton's top-level functions and methods of top-level classes, by node id,
    paired in source order with the slots `ast` found (None if they disagree)."""
    nodes: list[cst.FunctionDef] = []
    for statement in tree.body:
        if isinstance(statement, cst.FunctionDef):
            nodes.append(statement)
        elif isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            nodes += [s for s in statement.body.body if isinstance(s, cst.FunctionDef)]
    if len(nodes) != len(skeleton.slots):
        return None
    if any(node.name.value != slot.name for node, slot in zip(nodes, skeleton.slots, strict=True)):
        return None
    return {id(node): slot for node, slot in zip(nodes, skeleton.slots, strict=True)}


def _key(slot: Slot, definition: Definition, module: str, scope: Scope) -> str:
    assert slot.text is not None
    mentioned = sorted(set(_NAME.findall(slot.text)) & scope.bindings.keys())
    bindings = repr([(name, scope.bindings[name]) for name in mentioned])
    return digest("definition", module, definition.qualname, slot.text, bindings)


def _lower_apart(
    slot: Slot, stub: Definition, module: str, package: str
) -> LoweredDefinition | None:
    """Lower the definition `slot` holds on its own, in the scopes the skeleton's `stub`
    of it stands in."""
    assert slot.text is not None
    source = slot.text if slot.owner is None else f"class {slot.owner}:\n{slot.text}"
    try:
        tree = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None
    collected = collect_scopes(tree, module, package)
    own = collected.definitions[1:]  # (the first is the module's body)
    if not own or own[0].qualname != stub.qualname:
        return None
    own[0].scope.parent = stub.scope.parent  # the module's scope, or its class's
    calls = collected.calls[own[0].body_calls :]
    iterables = collected.iterables[own[0].body_iterables :]
    lowerer = Lowerer(
        {id(call): number for number, call in enumerate(calls)},
        own[0].scope,
        {id(node): number for number, node in enumerate(iterables)},
        {id(d.node): (0, 0) for d in own},  # (counted from the body's first: see ir.place)
    )
    functions = []
    for definition in own:
        functions.append(lowered_function(lowerer.function(definition)))
        lowerer.store(definition.stores)
    typed = tuple(lowerer.typed)
    # Classes defined in the body: every attribute they type is typed here.
    inner = stub.qualname + "."
    nested = {q: info for q, info in collected.classes.items() if q.startswith(inner)}
    lowerer.assigned, lowerer.chained_at = {}, {}
    for info in nested.values():
        lowerer.scope = info.scope
        lowerer.store(info.stores)
    classes = tuple(lowerer.classes(nested).values())
    return LoweredDefinition(
        tuple(functions),
        tuple(last_name(call.func) for call in calls),
        tuple(last_name(node) for node in iterables),
        typed,
        classes,
    )


def _assemble(
    path: Path,
    text: str,
    display: str,
    name: str,
    collected: Collected,
    parts: dict[int, tuple[str, LoweredDefinition]],
) -> ModuleIR:
    """The ModuleIR of the skeleton's lowering with the parts in the stubs' places."""
    # Every call of the module in source order, then every iterable: the skeleton's,
    # and each left-out body's where its stub stands (after the skeleton's before it).
    stubs = [d for d in collected.definitions if id(d.node) in parts]
    call_bases, names, index = _merged(
        stubs,
        collected.calls,
        lambda call: last_name(call.func),
        lambda stub: stub.body_calls,
        lambda stub: parts[id(stub.node)][1].call_names,
    )
    iteration_bases, iterable_names, iterables = _merged(
        stubs,
        collected.iterables,
        last_name,
        lambda stub: stub.body_iterables,
        lambda stub: parts[id(stub.node)][1].iterable_names,
    )
    after = len(names)
    names += iterable_names

    lowerer = Lowerer(index, collected.scope, iterables, after=after)
    functions: list[FunctionIR | LoweredFunction] = []
    for definition in collected.definitions:
        held = parts.get(id(definition.node))
        if held is None:
            functions.append(lowerer.function(definition))
            lowerer.store(definition.stores)
            continue
        call_base = call_bases[id(definition.node)]
        iteration_base = after + iteration_bases[id(definition.node)]
        part = held[1]
        functions += [
            replace(f, index=replace(f.index, call_base=call_base, iteration_base=iteration_base))
            for f in part.functions
        ]
        lowerer.typed += part.typed
    lowerer.assigned, lowerer.chained_at = {}, {}
    for info in collected.classes.values():
        lowerer.scope = info.scope
        lowerer.store(info.stores)
    classes = lowerer.classes(collected.classes)
    for _key, part in parts.values():
        classes.update((c.qualname, c) for c in part.classes)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return ModuleIR(
        name, path, display, collected.scope, tuple(functions), classes, digest, tuple(names)
    )


Node = TypeVar("Node", bound=cst.CSTNode)


def _merged(
    stubs: list[Definition],
    own: list[Node],
    name: Callable[[Node], str | None],
    before_body: Callable[[Definition], int],
    body_names: Callable[[Definition], tuple[str | None, ...]],
) -> tuple[dict[int, int], list[str | None], dict[int, int]]:
    """The skeleton's nodes of one kind (calls, iterables) and the left-out bodies' in
    one source order: where each body's start (by id of its stub's node), every name in
    order, and the number of each of the skeleton's nodes (by id)."""
    bases: dict[int, int] = {}
    names: list[str | None] = []
    numbers: dict[int, int] = {}
    placed = 0

    def place_bodies(before: int) -> None:
        nonlocal placed
        while placed < len(stubs) and before_body(stubs[placed]) <= before:
            bases[id(stubs[placed].node)] = len(names)
            names.extend(body_names(stubs[placed]))
            placed += 1

    for number, node in enumerate(own):
        place_bodies(number)
        numbers[id(node)] = len(names)
        names.append(name(node))
    place_bodies(len(own))
    return bases, names, numbers
