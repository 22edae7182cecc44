"""Immediate dominators (Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm")."""

from __future__ import annotations

from collections.abc import Sequence


def reverse_postorder(successors: Sequence[Sequence[int]], entry: int) -> list[int]:
    seen = {entry}
    order: list[int] = []
    stack: list[tuple[int, int]] = [(entry, 0)]
    while stack:
        node, index = stack.pop()
        out = successors[node]
        if index < len(out):
            stack.append((node, index + 1))
            target = out[index]
            if target not in seen:
                seen.add(target)
                stack.append((target, 0))
        else:
            order.append(node)
    order.reverse()
    return order


def immediate_dominators(successors: Sequence[Sequence[int]], entry: int) -> dict[int, int]:
    """Map each node reachable from `entry` to its immediate dominator (entry maps to itself)."""
    order = reverse_postorder(successors, entry)
    position = {node: index for index, node in enumerate(order)}
    predecessors: dict[int, list[int]] = {node: [] for node in order}
    for node in order:
        for target in successors[node]:
            predecessors[target].append(node)
    idom: dict[int, int] = {entry: entry}

    def intersect(a: int, b: int) -> int:
        while a != b:
            while position[a] > position[b]:
                a = idom[a]
            while position[b] > position[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for node in order[1:]:
            processed = [p for p in predecessors[node] if p in idom]
            new = processed[0]
            for other in processed[1:]:
                new = intersect(other, new)
            if idom.get(node) != new:
                idom[node] = new
                changed = True
    return idom


def dominates(idom: dict[int, int], dominator: int, node: int) -> bool:
    """Whether `dominator` dominates `node` (every node dominates itself)."""
    if node not in idom:
        return False
    while True:
        if node == dominator:
            return True
        parent = idom[node]
        if parent == node:
            return False
        node = parent
