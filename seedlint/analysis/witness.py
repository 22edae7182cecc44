"""A witness for an unseeded draw: a path from the entry that passes no seed, in user terms.

Only the decisions that matter are named: a branch whose other side would have run a
seed before rejoining the path, or whose other side leaves the draw unreached but
returns normally (taking the branch is what leads to the draw).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from seedlint.analysis.dataflow import Flow
from seedlint.analysis.events import EventKind
from seedlint.cfg.model import EdgeKind


@dataclass(frozen=True, slots=True)
class Decision:
    expression: str
    value: bool

    def phrase(self) -> str:
        return f"`{self.expression}` is {'true' if self.value else 'false'}"


def _blocks_seeding(flow: Flow, stream: str) -> set[int]:
    return {
        block
        for block, events in enumerate(flow.events)
        if any(e.stream == stream and e.kind is EventKind.SEED for e in events)
        or any(e.kind is EventKind.NORETURN for e in events)
    }


def _reach(flow: Flow, start: int, allowed: Callable[[int], bool]) -> set[int]:
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for edge in flow.cfg.successors[node]:
            if edge.target not in seen and allowed(edge.target):
                seen.add(edge.target)
                queue.append(edge.target)
    return seen


def unseeded_path(flow: Flow, stream: str, goal: int) -> list[int] | None:
    """Shortest block path from the entry to `goal` through no block that seeds `stream`."""
    blocked = _blocks_seeding(flow, stream)
    parent: dict[int, int] = {flow.cfg.entry: -1}
    queue = deque([flow.cfg.entry])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while parent[path[-1]] != -1:
                path.append(parent[path[-1]])
            return path[::-1]
        if node in blocked:
            continue
        for edge in flow.cfg.successors[node]:
            if (edge.source, edge.target, edge.kind) in flow.opt_outs:
                continue  # the caller chose not to seed: not an unseeded path
            if edge.target not in parent:
                parent[edge.target] = node
                queue.append(edge.target)
    return None


def decisions(flow: Flow, stream: str, path: list[int]) -> list[Decision]:
    blocked = _blocks_seeding(flow, stream)
    goal = path[-1]
    on_path = set(path)
    out: list[Decision] = []
    for here, nxt in itertools.pairwise(path):
        block = flow.cfg.blocks[here]
        if block.condition is None:
            continue
        chosen = [e for e in flow.cfg.successors[here] if e.target == nxt]
        others = [e for e in flow.cfg.successors[here] if e.target != nxt]
        if not chosen or chosen[0].kind not in (EdgeKind.TRUE, EdgeKind.FALSE) or not others:
            continue
        other = others[0].target
        if other in on_path:
            continue
        # Would the other side seed before it rejoins the path?
        detour = _reach(flow, other, lambda b: b not in on_path)
        seeds_first = bool(detour & blocked)
        everywhere = _reach(flow, other, lambda b: True)
        # A guard whose other side leaves the draw unreached matters only if that side
        # does something with the stream (not an early `return` or `raise`).
        leads_elsewhere = goal not in everywhere and any(
            e.stream == stream for b in everywhere for e in flow.events[b]
        )
        if seeds_first or leads_elsewhere:
            out.append(Decision(str(block.condition), chosen[0].kind is EdgeKind.TRUE))
    return out


def describe(found: Iterable[Decision]) -> str:
    phrases = [d.phrase() for d in found]
    if not phrases:
        return ""
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]
