"""SDL301 nonreproducible-seed."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from seedlint.analysis.dataflow import State
from seedlint.checks.base import FunctionFacts
from seedlint.diagnostics import Finding
from seedlint.events import EventKind
from seedlint.packs import Kind, PackEntry
from seedlint.walk import calls_in, children

_MAX_DEPTH = 3


class NonreproducibleSeed:
    """## What it does
    Flags a seed whose value differs from run to run: taken from the clock
    (`time.time()`), the process id, OS entropy (`os.urandom`, `secrets`, `uuid4`),
    `None` or a missing value where the API then seeds from entropy, or a draw from a
    stream that is itself unseeded at that point. A local variable assigned once is
    followed to its value.

    ## Why is this bad?
    The code looks seeded, so nobody suspects it, but no two runs agree: results
    cannot be reproduced, compared or bisected.

    ## Example
    ```python
    mx.random.seed(int(time.time()))  # SDL301
    ```

    ## Use instead
    Seed from configuration, and log the value:
    ```python
    mx.random.seed(args.seed)
    ```
    """

    code = "SDL301"
    name = "nonreproducible-seed"
    default = True
    VALID = (
        """
import mlx.core as mx
def f(args):
    mx.random.seed(args.seed)
""",
        """
import numpy as np
import mlx.core as mx
def f():
    np.random.seed(0)
    mx.random.seed(int(np.random.randint(1000)))
""",
    )
    INVALID = (
        """
import time
import mlx.core as mx
def f():
    mx.random.seed(int(time.time()))  # SDL301
""",
        """
import os
import torch
def f():
    value = os.getpid()
    torch.manual_seed(value)  # SDL301
""",
        """
import numpy as np
def f():
    np.random.seed()  # SDL301
""",
        """
import numpy as np
import mlx.core as mx
def f():
    mx.random.seed(int(np.random.randint(1000)))  # SDL301
""",
    )

    def run(self, facts: FunctionFacts) -> Iterator[Finding]:
        reported: set[int] = set()
        for _block, _index, event, state in facts.flow.points():
            if event.kind is not EventKind.SEED or id(event.call) in reported:
                continue
            target = facts.model.targets[id(event.call)]
            values = self._values(event.call, target.pack)
            if values is None:
                reason: str | None = "it has no value, so it seeds from OS entropy"
            else:
                reason = next((r for v in values if (r := self._reason(facts, v, state, 0))), None)
            if reason:
                reported.add(id(event.call))
                yield Finding(
                    event.call,
                    self.code,
                    f"`{event.name}` is not reproducible: {reason}",
                    event.stream or "",
                )

    @staticmethod
    def _values(call: cst.Call, entry: PackEntry | None) -> list[cst.BaseExpression] | None:
        """The seed value expressions; None when the value is missing and means entropy."""
        if entry is None:  # a project helper that seeds: judge every argument
            return [arg.value for arg in call.args]
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == entry.value_kwarg:
                return [arg.value]
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if entry.value_arg is not None and entry.value_arg < len(positional):
            return [positional[entry.value_arg]]
        return None if entry.missing_value_is_entropy else []

    def _reason(
        self, facts: FunctionFacts, value: cst.BaseExpression, state: State, depth: int
    ) -> str | None:
        if isinstance(value, cst.Name) and value.value == "None":
            return "the value is `None`, which seeds from OS entropy"
        if isinstance(value, cst.Name) and depth < _MAX_DEPTH:
            assigned = _single_assignment(facts, value.value)
            if assigned is not None:
                return self._reason(facts, assigned, state, depth + 1)
        for call in calls_in(value):
            qualname = facts.project.qualify(call.func, facts.model.definition.scope)
            entry = facts.project.packs.lookup(qualname) if qualname else None
            written = cst.Module([]).code_for_node(call.func)
            if entry is not None and entry.kind is Kind.ENTROPY:
                return f"`{written}()` differs from run to run"
            if entry is not None and entry.kind is Kind.CONSUME:
                unseeded = [s for s in entry.streams if s in state and state[s].unseeded]
                if unseeded and not _has_key(call, entry):
                    return f"`{written}()` is an unseeded draw from the {unseeded[0]} RNG"
        return None


def _has_key(call: cst.Call, entry: PackEntry) -> bool:
    return any(a.keyword is not None and a.keyword.value in entry.pure_with for a in call.args)


def _assigned_values(node: cst.CSTNode, name: str, out: list[cst.BaseExpression]) -> bool:
    """Collect `name = value` in this function (not nested ones); False if rebound otherwise."""
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return True
    if isinstance(node, cst.Assign):
        for target in node.targets:
            if isinstance(target.target, cst.Name) and target.target.value == name:
                out.append(node.value)
    elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.NamedExpr)):
        target = node.target
        if isinstance(target, cst.Name) and target.value == name:
            return False
    return all(_assigned_values(child, name, out) for child in children(node))


def _single_assignment(facts: FunctionFacts, name: str) -> cst.BaseExpression | None:
    node = facts.model.definition.node
    body = node.body if isinstance(node, cst.FunctionDef) else node
    values: list[cst.BaseExpression] = []
    if _assigned_values(body, name, values) and len(values) == 1:
        return values[0]
    return None
