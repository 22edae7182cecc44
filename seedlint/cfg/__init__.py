"""Control-flow graphs of function bodies."""

from seedlint.cfg.build import build_cfg
from seedlint.cfg.model import CFG, Block, Edge, EdgeKind

__all__ = ["CFG", "Block", "Edge", "EdgeKind", "build_cfg"]
