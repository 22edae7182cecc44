"""Summaries after an edit: what the edited files cannot change is taken from the run
before, the rest is computed again, callers only while a summary comes out different.

In: a project's SummaryTable just recorded (no summaries yet) and the ProjectState an
earlier run of the same project left. Out: the summaries a run from scratch computes.

A function is computed again when its body or its call targets changed; then each
caller of a function whose summary came out different, of a function whose body
changed (callers read more of a callee than its summary: its None tests and parameter
defaults are in its body too), and of a function that callers may specialise (they
summarise its body for their arguments). A strongly connected component is computed as a
whole, as from scratch, so that a recursion reaches the same fixed point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from seedlint.analysis.events import Summary
from seedlint.analysis.graphs import components
from seedlint.store.summary_table import Known, SummaryTable
from seedlint.store.symbols import load


@dataclass(frozen=True, slots=True)
class ProjectState:
    """What a run leaves for the next one of the same project."""

    interface: str  # SymbolTable.interface() when its summaries were computed
    parsed: tuple[str, ...]  # the modules it parsed, quiet ones it woke included
    rows: tuple[tuple[str, Known], ...]  # every function's row

    def known(self) -> dict[str, Known]:
        return dict(self.rows)


def snapshot(facts: SummaryTable, interface: str, parsed: Iterable[str]) -> ProjectState:
    return ProjectState(interface, tuple(parsed), tuple(facts.rows()))


def resume(facts: SummaryTable, known: dict[str, Known], compute: Callable[[], None]) -> int:
    """Fill `facts` from `known` and `compute` (which summarises the functions without a
    summary, callees first); how many functions were computed."""
    names = {i: name for name, i in facts.ids().items()}
    adopted, edited = facts.adopt(known)
    stale = set(adopted)
    before: dict[int, Summary | None] = {}
    for function_id in stale:
        old = known.get(names[function_id])
        blob = old.summary if old is not None else None
        before[function_id] = load(blob, Summary) if blob is not None else None
    callers: dict[int, list[int]] = {}
    callees: dict[int, list[int]] = {}
    for caller, callee in facts.edges():
        callers.setdefault(callee, []).append(caller)
        callees.setdefault(caller, []).append(callee)
    component: dict[int, int] = {}
    members: list[list[int]] = []
    for group in components(len(names), lambda node: callees.get(node, ())):
        component.update((node, len(members)) for node in group)
        members.append(group)
    computed = 0
    while stale:
        stale = {m for node in stale for m in members[component[node]]}
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
        stale = {c for node in changed for c in callers.get(node, ())} - stale
    return computed
