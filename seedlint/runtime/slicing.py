"""What a condition's value follows from: a backward slice over the function's
assignments, into the helpers that compute them (static).

`count > 0` with `count = len(keys)` and `keys = resolve(model, target_modules, mode)`
depends on `target_modules` and `mode` (and on `model`): the parameters the run may vary
to change the condition. A helper's result depends on the parameters its `return`s
depend on, sliced the same way (to a fixed depth); a call that does not resolve depends
on all its arguments. Assignments under an `if` also depend on its test. Model
attributes read on the way (`getattr(model, "_is_vlm", False)`, `model.config`) are
collected too: the run can set them on the tiny model.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import libcst as cst

from seedlint.parse.scopes import Definition, dotted_name
from seedlint.parse.walk import children

_DEPTH = 2  # helpers followed below the function
# The helper a call resolves to (None when it is not a project function).
Callee = Callable[[cst.Call, Definition], "Definition | None"]


@dataclass(slots=True)
class Slice:
    params: set[str] = field(default_factory=set)
    attrs: set[str] = field(default_factory=set)
    # Names neither parameters nor assigned in the function: globals, builtins, and the
    # enclosing function's locals when it is nested.
    free: set[str] = field(default_factory=set)


def _names(node: cst.CSTNode) -> Iterator[str]:
    """Names an expression reads (not attribute names or keyword names)."""
    if isinstance(node, cst.Name):
        yield node.value
        return
    if isinstance(node, (cst.Lambda, cst.FunctionDef)):
        return
    for child in children(node):
        if isinstance(node, cst.Attribute) and child is node.attr:
            continue
        if isinstance(node, cst.Arg) and child is node.keyword:
            continue
        yield from _names(child)


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, str) else None
    return None


def _attributes(node: cst.CSTNode, roots: set[str]) -> Iterator[str]:
    """Attributes read directly off one of `roots`: `root.x`, `getattr(root, "x")`."""
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value in roots
    ):
        yield node.attr.value
    if (
        isinstance(node, cst.Call)
        and dotted_name(node.func) in ("getattr", "hasattr")
        and len(node.args) >= 2
        and dotted_name(node.args[0].value) in roots
    ):
        attribute = _string(node.args[1].value)
        if attribute:
            yield attribute
    if isinstance(node, (cst.Lambda, cst.FunctionDef)):
        return
    for child in children(node):
        if isinstance(node, cst.Call) and child is node.func:
            continue  # a method it calls (`model.named_modules()`) is no flag to set
        yield from _attributes(child, roots)


def _calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    if isinstance(node, (cst.Lambda, cst.FunctionDef)):
        return
    if isinstance(node, cst.Call):
        yield node
    for child in children(node):
        yield from _calls(child)


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


Assigned = tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]  # a value, the tests around it


def assignments(definition: Definition) -> dict[str, list[Assigned]]:
    """For each local name, the expressions it is assigned from, each with the tests
    of the `if`s and `while`s around the assignment (its control dependence)."""
    out: dict[str, list[Assigned]] = {}

    def add(target: cst.BaseExpression, values: list[cst.CSTNode]) -> None:
        for name in _target_names(target):
            out.setdefault(name, []).append((values[0], tuple(values[1:])))

    def visit(node: cst.CSTNode, tests: list[cst.CSTNode]) -> None:
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)) and (
            node is not definition.node
        ):
            return
        if isinstance(node, cst.Assign):
            for target in node.targets:
                add(target.target, [node.value, *tests])
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)) and node.value is not None:
            add(node.target, [node.value, *tests])
        elif isinstance(node, cst.For):
            add(node.target, [node.iter, *tests])
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            add(node.asname.name, [node.item, *tests])
        elif isinstance(node, cst.NamedExpr):
            add(node.target, [node.value, *tests])
        inner = [*tests, node.test] if isinstance(node, (cst.If, cst.While)) else tests
        for child in children(node):
            visit(child, inner)

    visit(definition.node, [])
    return out


def argument_names(call: cst.Call, callee: Definition, wanted: set[str]) -> set[str]:
    """Names read by the arguments a call passes for the callee's parameters `wanted`
    (all arguments when one is starred)."""
    params = [p for p in callee.params if p not in ("self", "cls")]
    out: set[str] = set()
    position = 0
    for arg in call.args:
        if arg.star:
            return {n for a in call.args for n in _names(a.value)}
        if arg.keyword is not None:
            name = arg.keyword.value
        else:
            name = params[position] if position < len(params) else ""
            position += 1
        if name in wanted:
            out.update(_names(arg.value))
    if isinstance(call.func, cst.Attribute):  # a method: the receiver counts
        out.update(_names(call.func.value))
    return out


def slice_of(
    definition: Definition,
    expression: cst.CSTNode,
    model_param: str,
    callee: Callee,
    depth: int = 0,
) -> Slice:
    """The parameters of `definition` and the attributes of its model parameter that the
    value of `expression` (evaluated in its body) depends on."""
    params = set(definition.params) - {"self", "cls"}
    assigned = assignments(definition)
    out = Slice()
    done: set[str] = set()
    pending: list[cst.CSTNode] = [expression]
    while pending:
        node = pending.pop()
        out.attrs.update(_attributes(node, {model_param}))
        read = set(_names(node))
        for call in _calls(node):
            helper = callee(call, definition) if depth < _DEPTH else None
            if helper is None:
                continue
            inner = _returns_slice(helper, callee, depth + 1)
            read -= set(_names(call))
            read |= argument_names(call, helper, inner.params)
            if inner.attrs:
                out.attrs |= inner.attrs if model_param in _names(call) else set()
        for name in read - done:
            done.add(name)
            if name in params:
                out.params.add(name)
            elif name not in assigned:
                out.free.add(name)
            for value, tests in assigned.get(name, []):
                pending += [value, *tests]
    return out


def _deciding(definition: Definition) -> Iterator[cst.CSTNode]:
    """What decides which `return` of a function runs: its returned values, and the
    tests of the `if`s and `while`s that hold a `return`."""
    yield from definition.returns

    def holds_return(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Return):
            return True
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        return any(holds_return(child) for child in children(node))

    def visit(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)) and (
            node is not definition.node
        ):
            return
        if isinstance(node, (cst.If, cst.While)) and holds_return(node):
            yield node.test
        for child in children(node):
            yield from visit(child)

    yield from visit(definition.node)


def _returns_slice(helper: Definition, callee: Callee, depth: int) -> Slice:
    """What a helper's result depends on, in terms of its own parameters."""
    out = Slice()
    model = next((p for p in helper.params if "model" in p), "")
    for value in _deciding(helper):
        found = slice_of(helper, value, model, callee, depth)
        out.params |= found.params
        out.attrs |= found.attrs
    return out
