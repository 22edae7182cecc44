"""Drop the empty blocks that only pass control on to one other block.

The builder leaves many (joins after `if`, loop exits, empty `else` arms). Without
them a function's graph has fewer blocks to send between processes, cache, and solve;
every path keeps its calls, conditions and edge kinds in the same order.
"""

from __future__ import annotations

from dataclasses import replace

from seedlint.cfg.model import CFG, EdgeKind, linked


def compact(cfg: CFG) -> CFG:
    fixed = {cfg.entry, cfg.exit, cfg.raise_exit}
    removable = {
        b
        for b, block in enumerate(cfg.blocks)
        if b not in fixed
        and not block.calls
        and not block.stores
        and not block.iterations
        and block.loop is None
        and block.condition is None
        and len(cfg.successors[b]) == 1
        and cfg.successors[b][0].kind is EdgeKind.NEXT
    }
    if not removable:
        return cfg
    destination: dict[int, int] = {}

    def onward(start: int) -> int:
        """The first kept block control reaches from `start` through removable ones."""
        trail: list[int] = []
        block = start
        while block in removable and block not in destination:
            if block in trail:  # a cycle of empty blocks: keep one of them
                removable.discard(block)
                break
            trail.append(block)
            block = cfg.successors[block][0].target
        end = destination.get(block, block)
        for passed in trail:
            if passed in removable:
                destination[passed] = end
        return end

    for block in sorted(removable):
        onward(block)
    kept = [b for b in range(len(cfg.blocks)) if b not in removable]
    number = {old: new for new, old in enumerate(kept)}
    blocks = tuple(replace(cfg.blocks[b], id=number[b]) for b in kept)
    edges = [[(number[onward(e.target)], e.kind) for e in cfg.successors[b]] for b in kept]
    return linked(blocks, edges, number[cfg.entry], number[cfg.exit], number[cfg.raise_exit])
