"""CFG: a function body → its control-flow graph of basic blocks.

In: a libcst function body. Out: a `CFG` (`model`) built by `build`, compacted to the blocks
that hold calls (`compact`), with dominators (`dominators`)."""

from seedlint.cfg.build import build_cfg
from seedlint.cfg.model import CFG, Block, Edge, EdgeKind

__all__ = ["CFG", "Block", "Edge", "EdgeKind", "build_cfg"]
