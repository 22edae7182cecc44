"""SDL301 nonreproducible-seed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

from seedlint.analysis.dataflow import State
from seedlint.analysis.events import EventKind
from seedlint.analysis.values import helper_seed_values, pack_seed_values
from seedlint.checks.base import FunctionFacts, Question, Severity, say
from seedlint.lower.ir import Arg, CallSite
from seedlint.report.diagnostics import Finding
from seedlint.resolve.packs import Kind, PackEntry
from seedlint.resolve.project import Target

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

    ## Options
    - `seed-params`: the parameters whose values reach the seeders.
    - `packs`: which calls seed, and which seed from entropy (`missing_value = "entropy"`).

    ## Known problems
    Only values seedlint can trace are judged: a seed read from a file, a command line or
    an environment variable is taken as given.
    """

    code: ClassVar[str] = "SDL301"
    name: ClassVar[str] = "nonreproducible-seed"
    brief: ClassVar[str] = "a seed from the clock, pid, OS entropy, `None`, or an unseeded draw"
    default: ClassVar[bool] = True
    severity: ClassVar[Severity] = "warning"
    options: ClassVar[tuple[str, ...]] = ("seed-params", "packs")
    turned_on_by: ClassVar[tuple[tuple[str, str], ...]] = ()
    confirms: ClassVar[Question | None] = "reproducible"
    messages: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"nonreproducible": "`{callee}` is not reproducible: {reason}"}
    )
    VALID: ClassVar[tuple[str, ...]] = (
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
    INVALID: ClassVar[tuple[str, ...]] = (
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
            target = facts.function.targets[id(event.call)]
            values = self._values(facts, event.call, target)
            if values is None:
                reason: str | None = "it has no value, so it seeds from OS entropy"
            else:
                reason = next((r for v in values if (r := self._reason(facts, v, state, 0))), None)
            if reason:
                reported.add(id(event.call))
                yield Finding(
                    event.call,
                    self.code,
                    say(self, "nonreproducible", callee=event.name, reason=reason),
                    event.stream or "",
                    arguments=(
                        ("callee", event.name),
                        ("stream", event.stream or ""),
                        ("reason", reason),
                    ),
                )

    @staticmethod
    def _values(facts: FunctionFacts, call: CallSite, target: Target) -> list[Arg] | None:
        """The arguments that reach the seeder; None when the value is missing and
        means entropy."""
        if target.pack is not None:
            return pack_seed_values(call, target.pack)
        # A project helper: the arguments bound to its seed parameters. `None` there is
        # the caller choosing not to seed (the helper's own `is None` branch decides).
        params: tuple[str, ...] = ()
        for qualname in target.functions:
            definition = facts.project.definitions.get(qualname)
            if definition is not None:
                params = definition.params
                break
        bound = helper_seed_values(call, params, facts.config.is_seed_param)
        return [a for a in bound if not a.is_none]

    def _reason(self, facts: FunctionFacts, value: Arg, state: State, depth: int) -> str | None:
        if value.is_none:
            return "the value is `None`, which seeds from OS entropy"
        function = facts.function.definition
        if value.name in facts.seed_params:
            # The caller's seed; a value picked here only when it is None is the
            # caller choosing not to seed.
            return None
        if value.name is not None and depth < _MAX_DEPTH:
            assigned = function.assignments.get(value.name)
            if assigned is not None:
                return self._reason(facts, assigned, state, depth + 1)
        for call in value.calls:
            qualname = call.key.qualified
            entry = facts.project.packs.lookup(qualname) if qualname else None
            if entry is not None and entry.kind is Kind.ENTROPY:
                return f"`{call.written}()` differs from run to run"
            if entry is not None and entry.kind is Kind.CONSUME:
                unseeded = [s for s in entry.streams if s in state and state[s].unseeded]
                if unseeded and not _has_key(call, entry):
                    return f"`{call.written}()` is an unseeded draw from the {unseeded[0]} RNG"
        return None


def _has_key(call: CallSite, entry: PackEntry) -> bool:
    return any(name in entry.pure_with for name, _ in call.key.keywords)
