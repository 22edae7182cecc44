"""Fast read-only traversal of libcst trees.

libcst's own `visit` rebuilds every node it passes through, which costs several times
the parse. seedlint only reads, so it walks the dataclass fields that can hold code,
skipping whitespace and punctuation.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import cast

import libcst as cst

_TOKEN_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "leading_lines",
        "header",
        "footer",
        "newline",
        "comma",
        "semicolon",
        "colon",
        "equal",
        "dot",
        "star",
        "lines_after_decorators",
        "operator",
        "asynchronous",
        "trailing_whitespace",
        "default_indent",
        "default_newline",
        "encoding",
        "has_trailing_newline",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "whitespace",
        "relative",
        "await_",
        "star_tok",
        "indent",
        "whitespace_after_arrow",
        "arrow",
    }
)


def _code_fields(kind: type) -> tuple[str, ...]:
    return tuple(
        f.name
        for f in dataclasses.fields(kind)
        if f.name not in _TOKEN_FIELDS and not f.name.startswith("whitespace")
    )


def _is_node_type(kind: type) -> bool:
    # isinstance against the CSTNode ABC is slow.
    return issubclass(kind, cst.CSTNode)


# Both are asked per node and answered per node type (a few hundred): remembered.
_fields = cast(Callable[[type], tuple[str, ...]], functools.cache(_code_fields))
_is_node = cast(Callable[[type], bool], functools.cache(_is_node_type))


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Direct children that can contain code, in source order."""
    for name in _fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                if _is_node(type(item)):
                    yield item
        elif _is_node(kind):
            yield value


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call under `node` (not inside lambdas), callee and arguments first."""
    out: list[cst.Call] = []
    _collect_calls(node, out)
    return out


def _collect_calls(node: cst.CSTNode, out: list[cst.Call]) -> None:
    kind = type(node)
    if kind is cst.Lambda:
        return
    for child in children(node):
        _collect_calls(child, out)
    if kind is cst.Call:
        out.append(node)  # type: ignore[arg-type]


def has_call(node: cst.CSTNode) -> bool:
    kind = type(node)
    if kind is cst.Call:
        return True
    if kind is cst.Lambda:
        return False
    return any(has_call(child) for child in children(node))


# Node types whose dataclass fields are not in source order.
_SOURCE_ORDER: Mapping[type, tuple[str, ...]] = MappingProxyType(
    {
        cst.FunctionDef: ("decorators", "params", "returns", "body"),
        cst.ClassDef: ("decorators", "bases", "keywords", "body"),
        cst.IfExp: ("body", "test", "orelse"),
        cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
        cst.ExceptHandler: ("type", "name", "body"),
        cst.MatchCase: ("pattern", "guard", "body"),
    }
)


def source_ordered(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Direct children in the order they appear in the source."""
    order = _SOURCE_ORDER.get(type(node))
    if order is None:
        yield from children(node)
        return
    for name in order:
        value = getattr(node, name, None)
        if isinstance(value, (tuple, list)):
            yield from (v for v in value if _is_node(type(v)))
        elif value is not None and _is_node(type(value)):
            yield value


def calls_in_source_order(
    node: cst.CSTNode,
    out: list[cst.Call],
    iterables: list[cst.BaseExpression] | None = None,
) -> None:
    """Every call under `node`, lambdas included, outer calls before the calls inside them;
    and into `iterables`, if given, the iterable of every `for` clause (statements and
    comprehensions), in the order they start."""
    kind = type(node)
    if kind is cst.Call:
        out.append(node)  # type: ignore[arg-type]
    elif iterables is not None and (kind is cst.For or kind is cst.CompFor):
        iterables.append(node.iter)  # type: ignore[attr-defined]
    for child in source_ordered(node):
        calls_in_source_order(child, out, iterables)
