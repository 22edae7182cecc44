"""Argument-sensitive summaries: a callee's branches that test its own parameters
(`if noise is None:`, `if shuffle:`, `if init == "gaussian":`) decided by the literal
arguments a call passes, defaults included, so that a draw on a branch the call never
takes is not charged to the call.

Only literals decide (and "some value" for `is None` tests); a call that decides no
tested parameter uses the function's one general summary. Specialised summaries are
computed on demand, one level deep, and remembered up to a bound.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from seedlint.analysis.values import receiver_offset
from seedlint.cfg.model import CFG, EdgeKind
from seedlint.lower.ir import SOME_VALUE, CallSite, FunctionIndex
from seedlint.store.memo import BoundedMemo

if TYPE_CHECKING:  # the summaries are built from what this module decides
    from seedlint.analysis.events import Summary

Edge = tuple[int, int, EdgeKind]  # source, target, kind

Context = tuple[tuple[str, str], ...]  # parameter, repr of its value (or SOME_VALUE)

_IS_NONE = re.compile(r"(not )?(\w+) is (not )?None")
_COMPARE = re.compile(r"(\w+) (==|!=) (.+)")
TRUTH_TEST = re.compile(r"(not )?(\w+)")  # `if shuffle:`, `if not seed:`
_MEMO_LIMIT = 1 << 12


def _parsed(condition: str) -> tuple[str, Callable[[str], bool | None]] | None:
    """The parameter a condition tests and how its value decides it."""
    found = _IS_NONE.fullmatch(condition)
    if found:
        negated = bool(found.group(1)) != bool(found.group(3))
        return found.group(2), lambda v: (v == "None") != negated
    found = _COMPARE.fullmatch(condition)
    if found:
        try:
            literal = ast.literal_eval(found.group(3))
        except (ValueError, SyntaxError):
            return None
        equal = found.group(2) == "=="

        def compare(value: str) -> bool | None:
            if value == SOME_VALUE:
                return None
            return bool(ast.literal_eval(value) == literal) == equal

        return found.group(1), compare
    found = TRUTH_TEST.fullmatch(condition)
    if found and found.group(2) not in ("True", "False", "None"):
        negated = bool(found.group(1))

        def truth(value: str) -> bool | None:
            if value == SOME_VALUE:
                return None
            return bool(ast.literal_eval(value)) != negated

        return found.group(2), truth
    return None


def tested(cfg: CFG, params: Sequence[str]) -> tuple[str, ...]:
    """The parameters that some branch condition of the graph tests."""
    names = set(params)
    out: dict[str, None] = {}
    for block in cfg.blocks:
        parsed = _parsed(block.condition) if block.condition else None
        if parsed is not None and parsed[0] in names:
            out[parsed[0]] = None
    return tuple(out)


def context(call: CallSite, callee: FunctionIndex) -> Context:
    """What the call's arguments (and the callee's defaults) say of its tested parameters."""
    if not callee.tested:
        return ()
    params = callee.params
    bound: dict[str, str | None] = {}
    positional = [a for a in call.args if a.keyword is None]
    starred = any(a.star for a in call.args)
    offset = receiver_offset(params, call)
    if not any(a.star for a in positional):
        for position, arg in enumerate(positional):
            index = position + offset
            if index < callee.positional:
                bound[params[index]] = arg.literal
    for arg in call.args:
        if arg.keyword is not None:
            bound[arg.keyword] = arg.literal
    defaults = dict(callee.defaults)
    out = []
    for name in callee.tested:
        if name in bound:
            value = bound[name]
        elif starred:
            value = None  # *args or **kwargs may bind it
        else:
            value = defaults.get(name)
        if value is not None:
            out.append((name, value))
    return tuple(out)


def pruned_edges(cfg: CFG, values: Context) -> frozenset[Edge]:
    """The edges a context rules out: the side of each decided branch not taken."""
    known = dict(values)
    out = set()
    for block in cfg.blocks:
        parsed = _parsed(block.condition) if block.condition else None
        if parsed is None or parsed[0] not in known:
            continue
        try:
            outcome = parsed[1](known[parsed[0]])
        except (ValueError, SyntaxError, TypeError):
            outcome = None
        if outcome is None:
            continue
        dead = EdgeKind.FALSE if outcome else EdgeKind.TRUE
        out |= {(e.source, e.target, e.kind) for e in cfg.successors[block.id] if e.kind is dead}
    return frozenset(out)


class Specialiser:
    """Summaries of callees for the arguments of one call, remembered per context."""

    def __init__(
        self,
        index: Callable[[str], FunctionIndex | None],
        summarise: Callable[[str, Context], Summary],
        summaries: Mapping[str, Summary],
    ) -> None:
        self.index = index
        self.summarise = summarise
        self.summaries = summaries
        self.busy: set[str] = set()  # functions whose own summary is still being computed
        self.memo: BoundedMemo[tuple[str, Context], Summary] = BoundedMemo(_MEMO_LIMIT)
        # Each callee's index is read once (a symbol-table query), not at every call.
        self.indexes: BoundedMemo[str, FunctionIndex | None] = BoundedMemo(_MEMO_LIMIT)

    def __call__(self, qualname: str, call: CallSite) -> Summary | None:
        general = self.summaries.get(qualname)
        if general is None or not general.effects or qualname in self.busy:
            return None
        if qualname in self.indexes:
            callee = self.indexes[qualname]
        else:
            callee = self.indexes.remember(qualname, self.index(qualname))
        if callee is None:
            return None
        values = context(call, callee)
        if not values:
            return None
        key = (qualname, values)
        found = self.memo.get(key)
        if found is None:
            found = self.memo.remember(key, self.summarise(qualname, values))
        return found
