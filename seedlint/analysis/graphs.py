"""Strongly connected components of a call graph given by numbered nodes."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator


def components(
    count: int,
    successors: Callable[[int], Iterable[int]],
    include: Callable[[int], bool] = lambda node: True,
) -> Iterator[list[int]]:
    """Tarjan's strongly connected components of the nodes `include` accepts (their
    successors are expected to be included ones), successors before predecessors; a few
    integers per node are held, the edges are asked for as they are needed."""
    index = array("q", [-1]) * count
    low = array("q", [0]) * count
    on_stack = bytearray(count)
    stack: list[int] = []
    counter = 0
    for root in range(count):
        if index[root] >= 0 or not include(root):
            continue
        work: list[tuple[int, list[int]]] = [(root, list(successors(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        while work:
            node, pending = work[-1]
            if pending:
                child = pending.pop()
                if index[child] < 0:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack[child] = 1
                    work.append((child, list(successors(child))))
                elif on_stack[child]:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack[member] = 0
                    component.append(member)
                    if member == node:
                        break
                yield component
