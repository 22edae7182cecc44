"""The child's tracer (sys.monitoring on 3.12+, sys.settrace before) reports the lines of
one function's frames and their end, by return or by an exception, and nothing else."""

from __future__ import annotations

import contextlib
import sys

import pytest

from seedlint.runtime.runner import code_of
from seedlint.runtime.tracing import traced


def target(x: int) -> int:
    y = helper(x)
    if y > 10:
        raise ValueError(y)
    return y


def helper(x: int) -> int:
    z = x * 2
    return z


def outer(names: list[str]) -> int:
    def inner(name: str) -> int:
        size = len(name)
        return size

    return sum(inner(n) for n in names)


def lines_of(x: int) -> list[object]:
    seen: list[object] = []
    first = target.__code__.co_firstlineno
    with (
        traced(
            target.__code__,
            lambda frame, line: seen.append(line - first),
            lambda frame: seen.append(("end", frame.f_locals.get("y"))),
        ),
        contextlib.suppress(ValueError),
    ):
        target(x)
    return seen


def test_lines_and_the_return_of_the_target_only() -> None:
    assert lines_of(1) == [1, 2, 4, ("end", 2)]


def test_an_unwinding_frame_ends_too() -> None:
    assert lines_of(6) == [1, 2, 3, ("end", 12)]


def test_nothing_is_left_installed() -> None:
    lines_of(1)
    assert sys.gettrace() is None
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:
        pytest.skip("no sys.monitoring before Python 3.12")
    assert "seedlint confirm" not in [monitoring.get_tool(tool) for tool in range(6)]


def test_the_lines_of_a_nested_helper_are_reported_with_its_frame() -> None:
    inner = code_of(f"{__name__}:outer.<locals>.inner")
    assert inner is not None and inner.co_name == "inner"
    seen: list[tuple[str, int]] = []
    with traced(
        target.__code__,
        lambda frame, line: seen.append((frame.f_code.co_name, line - inner.co_firstlineno)),
        lambda frame: None,
        others=[inner],
    ):
        outer(["ab", "c"])
    # outer itself is not watched; inner's two lines, once per call.
    assert seen == [("inner", 1), ("inner", 2)] * 2
