"""Every check, in code order."""

from __future__ import annotations

from seedlint.checks.base import Check, FunctionFacts
from seedlint.checks.sdl101_unseeded_consumer import UnseededConsumer
from seedlint.checks.sdl201_seed_drift import SeedDrift
from seedlint.checks.sdl202_seed_not_adjacent import SeedNotAdjacent
from seedlint.checks.sdl301_nonreproducible_seed import NonreproducibleSeed

ALL_CHECKS: tuple[Check, ...] = (
    UnseededConsumer(),
    SeedDrift(),
    SeedNotAdjacent(),
    NonreproducibleSeed(),
)

__all__ = ["ALL_CHECKS", "Check", "FunctionFacts", "by_code"]


def by_code(code: str) -> Check | None:
    return next((c for c in ALL_CHECKS if c.code == code.upper()), None)
