"""The attribute paths the function (and the helpers it passes the model to) read off
the model parameter, or off another parameter (static): `model.vision_tower.proj`,
`model.vision_tower.layers[0]`, `getattr(model, "multi_modal_projector")`,
`args.lora_parameters["rank"]`, through locals (`lm = model.language_model`).

The child grows what the tiny model lacks of them, so that code written for a bigger
model runs its own paths; a part whose length the code takes, that it iterates or
slices is a list (the path goes on with `[0]`). Only what the code needs is collected:
not what a `hasattr` probes, not a `getattr` with a default, not a method it calls, not
the last attribute of an assignment target.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from seedlint.parse.scopes import Definition, dotted_name
from seedlint.parse.walk import children
from seedlint.runtime.growth import key_part
from seedlint.runtime.slicing import Callee, assignments

_DEPTH = 2  # helpers followed below the function
Path = tuple[str | int, ...]


def chain_of(node: cst.BaseExpression, roots: dict[str, Path]) -> Path | None:
    """`root.a[0].b` -> roots[root] + ("a", 0, "b"); None if not rooted in `roots`."""
    if isinstance(node, cst.Name):
        return roots.get(node.value)
    if isinstance(node, cst.Attribute):
        inner = chain_of(node.value, roots)
        return None if inner is None else (*inner, node.attr.value)
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer):
            inner = chain_of(node.value, roots)
            return None if inner is None else (*inner, int(index.value.value))
        key = _string(index.value) if isinstance(index, cst.Index) else None
        if key is not None:
            inner = chain_of(node.value, roots)
            return None if inner is None else (*inner, key_part(key))
    if isinstance(node, cst.Call) and dotted_name(node.func) == "getattr" and len(node.args) == 2:
        name = _string(node.args[1].value)
        if name is not None:
            inner = chain_of(node.args[0].value, roots)
            return None if inner is None else (*inner, name)
    return None


def _string(node: cst.BaseExpression) -> str | None:
    value = node.evaluated_value if isinstance(node, cst.SimpleString) else None
    return value if isinstance(value, str) else None


def _sized(node: cst.CSTNode, roots: dict[str, Path]) -> Path | None:
    """The part the node takes the length of, iterates or slices (`len(m.layers)`,
    `for layer in m.layers`, `m.layers[-2:]`): the code needs a list there."""
    held: cst.BaseExpression | None = None
    if isinstance(node, cst.Call) and dotted_name(node.func) == "len" and len(node.args) == 1:
        held = node.args[0].value
    elif isinstance(node, cst.For):
        held = node.iter
    elif isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Slice) or not isinstance(
            getattr(index, "value", None), (cst.Integer, cst.SimpleString)
        ):
            held = node.value
    return chain_of(held, roots) if held is not None else None


def _skipped(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Parts of `node` whose last attribute the code does not need to exist."""
    if isinstance(node, cst.Call):
        yield node.func  # a method it calls is the model's own
    if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
        targets = node.targets if isinstance(node, cst.Assign) else [node]
        yield from (t.target for t in targets)


def paths(definition: Definition, model_param: str, callee: Callee) -> list[Path]:
    """The attribute paths the code reads off `model_param`, longest first unique."""
    found: set[Path] = set()
    _collect(definition, {model_param: ()}, callee, 0, found)
    return sorted(found, key=lambda p: [str(part) for part in p])


def _collect(
    definition: Definition,
    roots: dict[str, Path],
    callee: Callee,
    depth: int,
    found: set[Path],
) -> None:
    roots = dict(roots)
    # `lm = model.language_model`, `block = _tower(model)`: locals that hold a part.
    for name, values in assignments(definition).items():
        value = values[0][0]
        if len(values) != 1 or name in roots or not isinstance(value, cst.BaseExpression):
            continue
        chain = chain_of(value, roots)
        if chain is None and isinstance(value, cst.Call) and depth < _DEPTH:
            chain = _returned(value, definition, roots, callee)
        if chain is not None:
            roots[name] = chain

    def visit(node: cst.CSTNode, owned: bool) -> None:
        if isinstance(node, (cst.FunctionDef, cst.Lambda)) and node is not definition.node:
            return
        skipped = {id(n) for n in _skipped(node)}
        sized = _sized(node, roots)
        if sized is not None:
            found.add((*sized, 0))  # a list: grown with one element
        if isinstance(node, cst.BaseExpression):
            chain = chain_of(node, roots)
            if chain is not None:
                if chain:
                    found.add(chain if not owned else chain[:-1])
                return
        if isinstance(node, cst.Call) and depth < _DEPTH:
            _into_helper(node, definition, roots, callee, depth, found)
        for child in children(node):
            visit(child, id(child) in skipped)

    visit(definition.node, False)
    found.discard(())


def _bound(call: cst.Call, helper: Definition, roots: dict[str, Path]) -> dict[str, Path] | None:
    """The helper's parameters that the call binds to parts of the model."""
    params = [p for p in helper.params if p not in ("self", "cls")]
    inner: dict[str, Path] = {}
    for position, arg in enumerate(call.args):
        if arg.star:
            return None
        chain = chain_of(arg.value, roots)
        if arg.keyword:
            name = arg.keyword.value
        else:
            name = params[position] if position < len(params) else ""
        if chain is not None and name:
            inner[name] = chain
    return inner


def _returned(
    call: cst.Call, scope: Definition, roots: dict[str, Path], callee: Callee
) -> Path | None:
    """The part of the model a helper returns (`return model.vision_tower.layers[0]`)."""
    helper = callee(call, scope)
    inner = _bound(call, helper, roots) if helper else None
    if helper is None or not inner or len(helper.returns) != 1:
        return None
    return chain_of(helper.returns[0], inner)


def _into_helper(
    call: cst.Call,
    scope: Definition,
    roots: dict[str, Path],
    callee: Callee,
    depth: int,
    found: set[Path],
) -> None:
    helper = callee(call, scope)
    inner = _bound(call, helper, roots) if helper else None
    if helper is not None and inner:
        _collect(helper, inner, callee, depth + 1, found)
