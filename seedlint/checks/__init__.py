"""The rules: every check, in code order, and what each declares about itself (code,
name, severity, options, what the runtime confirms); `module` runs them on a module's
functions. Nothing outside this package names a rule code; it asks here."""

from __future__ import annotations

from seedlint.checks.base import Check, FunctionFacts, Question, Rule, Severity
from seedlint.checks.sdl001_unanalysable import Unanalysable, unanalysable
from seedlint.checks.sdl101_unseeded_consumer import UnseededConsumer
from seedlint.checks.sdl201_seed_drift import SeedDrift
from seedlint.checks.sdl202_seed_not_adjacent import SeedNotAdjacent
from seedlint.checks.sdl301_nonreproducible_seed import NonreproducibleSeed
from seedlint.checks.sdl901_unused_noqa import UnusedNoqa, unused_noqa

# The checks judged per function.
ALL_CHECKS: tuple[Check, ...] = (
    UnseededConsumer(),
    SeedDrift(),
    SeedNotAdjacent(),
    NonreproducibleSeed(),
)
# Every rule there is: the engine's own (a file it cannot analyse, a stale noqa comment) and
# the checks.
ALL_RULES: tuple[Rule, ...] = (Unanalysable(), *ALL_CHECKS, UnusedNoqa())

__all__ = [
    "ALL_CHECKS",
    "ALL_RULES",
    "Check",
    "FunctionFacts",
    "Question",
    "Rule",
    "Severity",
    "UnusedNoqa",
    "by_code",
    "confirms",
    "severity",
    "unanalysable",
    "unused_noqa",
]


def by_code(code: str) -> Rule | None:
    return next((r for r in ALL_RULES if r.code == code.upper()), None)


def severity(code: str) -> Severity:
    """The rule's severity; "warning" for a code no rule owns."""
    found = by_code(code)
    return found.severity if found is not None else "warning"


def confirms(code: str) -> Question | None:
    """What `seedlint confirm` tests for a finding of this rule."""
    found = by_code(code)
    return found.confirms if found is not None else None
