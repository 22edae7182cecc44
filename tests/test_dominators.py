"""Dominators against the definition on random graphs: d dominates n iff removing d
leaves n unreachable from the entry."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from seedlint.cfg.dominators import dominates, immediate_dominators


@st.composite
def graphs(draw: st.DrawFn) -> list[list[int]]:
    size = draw(st.integers(min_value=1, max_value=12))
    return [
        draw(st.lists(st.integers(min_value=0, max_value=size - 1), max_size=4, unique=True))
        for _ in range(size)
    ]


def reachable(successors: list[list[int]], entry: int, removed: int | None) -> set[int]:
    if entry == removed:
        return set()
    seen, stack = {entry}, [entry]
    while stack:
        for target in successors[stack.pop()]:
            if target != removed and target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_matches_definition(successors: list[list[int]]) -> None:
    idom = immediate_dominators(successors, 0)
    live = reachable(successors, 0, None)
    assert set(idom) == live
    for d in live:
        without = reachable(successors, 0, d)
        for n in live:
            assert dominates(idom, d, n) == (n == d or n not in without)


def test_diamond() -> None:
    idom = immediate_dominators([[1, 2], [3], [3], []], 0)
    assert idom[3] == 0 and idom[1] == 0
