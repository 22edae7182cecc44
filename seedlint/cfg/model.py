"""The control-flow graph of one function: blocks of calls joined by labelled edges."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any


class EdgeKind(Enum):
    NEXT = "next"
    TRUE = "true"
    FALSE = "false"
    RAISE = "raise"
    BACK = "back"


@dataclass(frozen=True, slots=True)
class Edge:
    source: int
    target: int
    kind: EdgeKind


@dataclass(frozen=True, slots=True)
class Block:
    """Calls evaluated in order, then a jump along the outgoing edges.

    A block with a `condition` leaves by its TRUE and FALSE edges.
    """

    id: int
    # libcst calls and condition while building; CallSites and condition text once lowered.
    calls: tuple[Any, ...]
    condition: Any
    # The statement the block begins (a libcst node while the module is lowered), for
    # dumps and tests; not stored.
    statement: Any
    # Attribute assignments of a local object (`layer.weight = w`): (how many of `calls`
    # run before it, the target: a libcst node while building, its text once lowered).
    stores: tuple[tuple[int, Any], ...] = ()
    # A `for` loop's header: the local object its iterable is called on and the names the
    # loop binds (`for name, p in model.named_parameters():` → ("model", ("name", "p"))).
    loop: tuple[str, tuple[str, ...]] | None = None
    # Iterations with no call in the source (a `for` header, a comprehension's first
    # iterable): (how many of `calls` run before it, the iterable's libcst node). Lowering
    # makes call sites of those it can name, among `calls`, and leaves this empty.
    iterations: tuple[tuple[int, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class CFG:
    blocks: tuple[Block, ...]
    successors: tuple[tuple[Edge, ...], ...]
    predecessors: tuple[tuple[Edge, ...], ...]
    entry: int
    exit: int  # normal return
    raise_exit: int  # an exception leaves the function

    @property
    def edges(self) -> tuple[Edge, ...]:
        return tuple(edge for out in self.successors for edge in out)

    def reverse_postorder(self) -> list[int]:
        from seedlint.cfg.dominators import reverse_postorder

        return reverse_postorder([[e.target for e in out] for out in self.successors], self.entry)


def linked(
    blocks: tuple[Block, ...],
    edges: Sequence[Iterable[tuple[int, EdgeKind]]],
    entry: int,
    exit: int,
    raise_exit: int,
) -> CFG:
    """The graph of `blocks` from each block's outgoing (target, kind) pairs, in order;
    a pair repeated from one block counts once."""
    successors: list[list[Edge]] = [[] for _ in blocks]
    predecessors: list[list[Edge]] = [[] for _ in blocks]
    for source, outgoing in enumerate(edges):
        seen: set[tuple[int, EdgeKind]] = set()
        for target, kind in outgoing:
            if (target, kind) in seen:
                continue
            seen.add((target, kind))
            edge = Edge(source, target, kind)
            successors[source].append(edge)
            predecessors[target].append(edge)
    return CFG(
        blocks,
        tuple(tuple(s) for s in successors),
        tuple(tuple(p) for p in predecessors),
        entry,
        exit,
        raise_exit,
    )
