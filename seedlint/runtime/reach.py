"""What the helpers a draw site's call goes down through must decide for it to draw
(static).

A site is flagged because a helper its call runs draws: `_lora_walk_module(...)` reaches
`LoRALinear.from_base` through its nested `_walk`. Whether a run draws there is decided
in those helpers: by the `if`s around the first drawing call of each helper on the way
down, and by the `if`s before it whose body leaves. Each such condition is located in its
helper's source (the child watches that function's frames too) and sliced back to the
target's parameters: in the helper, then through the arguments of each call on the way
up, and for a helper nested in the one above through that one's locals.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import libcst as cst

from seedlint.parse.scopes import Definition, dotted_name
from seedlint.parse.walk import children
from seedlint.runtime.conditions import guards
from seedlint.runtime.slicing import Callee, Slice, argument_names, slice_of

_DEPTH = 3  # helpers followed below the target
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
# Whether a call draws, itself or through the project functions it runs.
Draws = Callable[[cst.Call, Definition], bool]
# A project function's `module:qualname` and its `def` in its module's syntax tree.
Located = Callable[[Definition], "tuple[str, FunctionNode] | None"]


@dataclass(frozen=True, slots=True)
class Step:
    """One call on the way down: made in `caller`, running `helper`."""

    caller: Definition
    call: cst.Call
    helper: Definition


@dataclass(frozen=True, slots=True)
class Needed:
    """A condition a helper on the way must take for the site's call to draw."""

    function: str  # the helper's `module:qualname`
    node: FunctionNode  # its `def`, where the condition is located
    text: str
    value: bool
    params: list[str]  # the target's parameters its value follows from
    attrs: list[str]  # attributes of the target's model parameter it reads


def site_call(definition: Definition, node: FunctionNode, line: int, name: str) -> cst.Call | None:
    """The call written `name` that starts on `line` of the function (libcst keeps no
    positions: calls of one name are paired in source order with the syntax tree's)."""
    lines = [n.lineno for n in _ast_calls(node) if ast.unparse(n.func) == name]
    calls = [c for c in own_calls(definition) if dotted_name(c.func) == name]
    if line not in lines or len(lines) != len(calls):
        return None
    return calls[lines.index(line)]


def needed(
    call: cst.Call,
    target: Definition,
    model_param: str,
    callee: Callee,
    draws: Draws,
    located: Located,
) -> list[Needed]:
    """The conditions of the helpers below the site's `call` (in `target`) that the way
    to a draw takes, outermost first."""
    out: list[Needed] = []
    steps: list[Step] = []
    caller = target
    for _ in range(_DEPTH):
        helper = callee(call, caller)
        found = located(helper) if helper is not None else None
        if helper is None or found is None:
            break
        steps.append(Step(caller, call, helper))
        function, node = found
        drawing = _drawing(helper, node, draws)
        # Needed on every way to a draw of the helper, not on one of them.
        common = guards(node, drawing[0][1]) if drawing else []
        for _, line in drawing[1:]:
            common = [g for g in common if g in guards(node, line)]
        for text, value in common:
            try:
                expression = cst.parse_expression(text)
            except cst.ParserSyntaxError:
                continue
            lifted = _lifted(steps, expression, model_param, callee)
            out.append(
                Needed(function, node, text, value, sorted(lifted.params), sorted(lifted.attrs))
            )
        if len(drawing) != 1:  # below a choice of draws, no one helper is on the way
            break
        (call, _), caller = drawing[0], helper
    return out


def _drawing(helper: Definition, node: FunctionNode, draws: Draws) -> list[tuple[cst.Call, int]]:
    """The helper's calls that draw, with their lines, in source order."""
    by_name: dict[str, list[int]] = {}
    for found in _ast_calls(node):
        by_name.setdefault(ast.unparse(found.func), []).append(found.lineno)
    seen: dict[str, int] = {}
    out = []
    for call in own_calls(helper):
        name = dotted_name(call.func) or ""
        count = seen[name] = seen.get(name, -1) + 1
        lines = by_name.get(name, [])
        if count < len(lines) and draws(call, helper):
            out.append((call, lines[count]))
    return out


def _lifted(steps: list[Step], expression: cst.CSTNode, model_param: str, callee: Callee) -> Slice:
    """What `expression`, in the last step's helper, depends on in the target."""
    last = steps[-1].helper
    found = slice_of(last, expression, _model_of(last), callee)
    params, free, carried = found.params, found.free, found.attrs
    out = Slice()
    for step in reversed(steps):
        names = argument_names(step.call, step.helper, params)
        if step.helper.qualname.startswith(f"{step.caller.qualname}.<locals>."):
            names |= free  # the enclosing function's locals it reads
        top = step is steps[0]
        model = model_param if top else _model_of(step.caller)
        # Attributes the helper reads off its model are the caller's model's when the
        # call passes that model on as it is.
        passed = argument_names(step.call, step.helper, {_model_of(step.helper)})
        carried = carried if model and passed == {model} else set()
        params, free = set(), set()
        for name in sorted(names):
            inner = slice_of(step.caller, cst.Name(name), model, callee)
            params |= inner.params
            free |= inner.free
            if top:
                out.attrs |= inner.attrs
    out.params = params
    out.attrs |= carried
    return out


def _model_of(definition: Definition) -> str:
    return next((p for p in definition.params if "model" in p), "")


def _ast_calls(node: FunctionNode) -> list[ast.Call]:
    """The calls of a function's own body (not of nested definitions), in source order."""
    out: list[ast.Call] = []

    def visit(here: ast.AST) -> None:
        if isinstance(here, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        if isinstance(here, ast.Call):
            out.append(here)
        for child in ast.iter_child_nodes(here):
            visit(child)

    for statement in node.body:
        visit(statement)
    return sorted(
        out, key=lambda c: (c.lineno, c.col_offset, -(c.end_lineno or 0), -(c.end_col_offset or 0))
    )


def own_calls(definition: Definition) -> Iterator[cst.Call]:
    """The calls of a function's own body, in source order."""

    def visit(here: cst.CSTNode) -> Iterator[cst.Call]:
        if isinstance(here, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return
        if isinstance(here, cst.Call):
            yield here
        for child in children(here):
            yield from visit(child)

    node = definition.node
    if isinstance(node, cst.FunctionDef):
        for child in children(node.body):
            yield from visit(child)
