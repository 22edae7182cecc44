"""Summaries after an edit: what the edited files cannot change is taken from the run
before, the rest is computed again, callers only while a summary comes out different.

In: a project's SummaryTable just recorded (no summaries yet) and the rows an
earlier run of the same project left. Out: the summaries a run from scratch computes.

A function is computed again when its body or its call targets changed; then each
caller of a function whose summary came out different, and of a function that callers
may specialise (they summarise its body for their arguments). Callers read more of a
callee than its summary (its None tests, parameter defaults, what it returns: its
index), so where the project's interface changed (it digests every function's index),
each caller of a function whose body changed is computed again too. A strongly connected
component is computed as a whole, as from scratch, so that a recursion reaches the same
fixed point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from seedlint.analysis.graphs import components
from seedlint.store.summary_table import SummaryTable


def resume(
    facts: SummaryTable, earlier: str, compute: Callable[[], None], same_interface: bool
) -> int:
    """Fill `facts` from the earlier rows (the attached database `earlier`) and `compute`
    (which summarises the functions without a summary, callees first); how many
    functions were computed. `same_interface`: whether the project's interface is the
    one the earlier rows were computed with. The call graph is read around the functions
    computed again, never as a whole."""
    adopted, edited = facts.adopt(earlier)
    if same_interface:
        edited = set()  # (callers see the same index of each: only its summary counts)
    stale = set(adopted)
    before = {function_id: facts.earlier_summary(earlier, function_id) for function_id in stale}
    computed = 0
    while stale:
        stale = _with_components(facts, stale)
        for node in stale:
            if node not in before:
                before[node] = facts.summary_of(node)
        facts.forget(stale)
        compute()
        computed += len(stale)
        changed = []
        for node in stale:
            summary = facts.summary_of(node)
            if summary != before[node] or facts.specialisable(node) or node in edited:
                changed.append(node)
            before[node] = summary
        stale = {c for node in changed for c in facts.called_by(node)} - stale
    return computed


def _with_components(facts: SummaryTable, stale: set[int]) -> set[int]:
    """`stale` and every function in a strongly connected component with one of them:
    those lie on a path from one of them back to one of them."""
    region = _reach(stale, facts.calls_from) & _reach(stale, facts.called_by)
    order = sorted(region)
    position = {node: i for i, node in enumerate(order)}

    def successors(i: int) -> list[int]:
        return [position[c] for c in facts.calls_from(order[i]) if c in position]

    out = set(stale)
    for group in components(len(order), successors):
        members = {order[i] for i in group}
        if members & stale:
            out |= members
    return out


def _reach(start: set[int], step: Callable[[int], Iterable[int]]) -> set[int]:
    seen = set(start)
    work = list(start)
    while work:
        for nxt in step(work.pop()):
            if nxt not in seen:
                seen.add(nxt)
                work.append(nxt)
    return seen
