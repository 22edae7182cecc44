"""Expressions → value paths: how a receiver's value is obtained, as text small enough to
keep in the symbol table.

A value path is a qualified name followed by attributes, where `()` marks a call:
`pkg.models.Vae()` is what calling `pkg.models.Vae` gives, `pkg.app.Pipe._get_talker().run`
the `run` attribute of what `self._get_talker()` returns in a method of `pkg.app.Pipe`.
A name bound to `self` stands for its class (as in call keys), and `self(...)` is
`Class.__call__()`. seedlint.resolve.receivers evaluates paths across the project.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from seedlint.parse.bindings import BindingKind, Scope
from seedlint.parse.scopes import dotted_name
from seedlint.resolve.project import qualify_dotted

_MAX_DEPTH = 4  # locals followed through locals


def value_path(
    node: cst.BaseExpression,
    scope: Scope,
    assigned: Mapping[str, cst.BaseExpression],
    depth: int = 0,
) -> str | None:
    """The value path of `node` in `scope`, following locals whose values are known
    (`assigned`: those assigned once, and chains such as `pipe = pipe.to("cuda")`)."""
    kind = type(node)
    if kind is cst.Name:
        name = node.value  # type: ignore[attr-defined]
        binding = scope.lookup(name)
        if binding is not None and binding.kind is BindingKind.LOCAL:
            value = assigned.get(name)
            if value is None or depth >= _MAX_DEPTH:
                return None
            return value_path(value, scope, assigned, depth + 1)
        return qualify_dotted(name, scope)
    if kind is cst.Attribute:
        base = value_path(node.value, scope, assigned, depth)  # type: ignore[attr-defined]
        return f"{base}.{node.attr.value}" if base else None  # type: ignore[attr-defined]
    if kind is cst.Call:
        func = node.func  # type: ignore[attr-defined]
        if type(func) is cst.Name:
            binding = scope.lookup(func.value)
            if binding is not None and binding.kind is BindingKind.SELF and binding.target:
                return f"{binding.target}.__call__()"
        base = value_path(func, scope, assigned, depth)
        return f"{base}()" if base else None
    return None


def annotation_path(node: cst.BaseExpression, scope: Scope) -> str | None:
    """`Cls`, `Cls | None` or `Optional[Cls]` as an annotation: an instance, `Cls()`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        sides = [s for s in (node.left, node.right) if not _is_none(s)]
        return annotation_path(sides[0], scope) if len(sides) == 1 else None
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        dotted = dotted_name(node.value)
        element = node.slice[0].slice
        if dotted and dotted.rpartition(".")[2] == "Optional" and isinstance(element, cst.Index):
            return annotation_path(element.value, scope)
        return None
    dotted = dotted_name(node)
    if dotted is None or dotted == "None":
        return None
    qualified = qualify_dotted(dotted, scope)
    return f"{qualified}()" if qualified else None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
