"""Parameters without a default that the run must build (static): what the function and
the helpers it passes them to read off each (`args.seed`, `args.lora_parameters["rank"]`,
`len(train_set)`), the leaves the search may set (`args.fine_tune_type`, a pseudo
parameter), and the literals each leaf is compared with.

The child builds each from its paths (`runtime/standins.py`): an argparse-like namespace
for attributes, a dict for string keys, a list for an index or a length.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

import libcst as cst

from seedlint.parse.scopes import Definition
from seedlint.parse.walk import children
from seedlint.runtime.accesses import Path, chain_of, paths
from seedlint.runtime.slicing import Callee
from seedlint.runtime.standins import named


def required(node: cst.FunctionDef) -> list[str]:
    """The parameters a call must pass (no default; not `*args`, `**kwargs`)."""
    params = node.params
    found = (*params.posonly_params, *params.params, *params.kwonly_params)
    return [p.name.value for p in found if p.default is None]


def objects(
    definition: Definition, names: list[str], callee: Callee
) -> dict[str, list[list[str | int]]]:
    """For each of `names`, the paths the code reads off it (none: nothing is known)."""
    return {name: [list(p) for p in paths(definition, name, callee)] for name in names}


def leaves(expression: cst.CSTNode, built: dict[str, Any]) -> list[str]:
    """The pseudo parameters of the built objects that `expression` reads."""
    out: list[str] = []
    for name in built:
        for path in _chains(expression, name):
            if named(name, path) not in out:
                out.append(named(name, path))
    return out


def _chains(node: cst.CSTNode, name: str) -> Iterator[Path]:
    """The longest paths read off `name` in `node`."""
    if isinstance(node, cst.BaseExpression):
        found = chain_of(node, {name: ()})
        if found:
            yield found
            return
    if isinstance(node, (cst.Lambda, cst.FunctionDef)):
        return
    for child in children(node):
        yield from _chains(child, name)


def compared(definition: Definition, built: dict[str, Any]) -> dict[str, list[Any]]:
    """Literals a leaf is compared with (`args.fine_tune_type in ["lora", "dora"]` offers
    each), by pseudo parameter."""
    out: dict[str, list[Any]] = {}

    def visit(node: cst.CSTNode) -> None:
        if isinstance(node, (cst.Lambda, cst.FunctionDef)) and node is not definition.node:
            return
        if isinstance(node, cst.Comparison):
            for name in built:
                path = chain_of(node.left, {name: ()})
                if not path:
                    continue
                for comparison in node.comparisons:
                    for value in literals(comparison.comparator):
                        if value not in out.setdefault(named(name, path), []):
                            out[named(name, path)].append(value)
        for child in children(node):
            visit(child)

    visit(definition.node)
    return out


def literal(node: cst.BaseExpression) -> tuple[bool, Any]:
    """Whether the node is a literal, and its value."""
    try:
        return True, ast.literal_eval(cst.Module([]).code_for_node(node))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def literals(node: cst.BaseExpression) -> list[Any]:
    """The scalar literal a node is, or each of a small enumeration (`("a", "b")`)."""
    ok, value = literal(node)
    if not ok:
        return []
    values = value if isinstance(value, (tuple, list, set, frozenset)) else [value]
    return [v for v in values if isinstance(v, (str, int, float, bool, type(None)))]
