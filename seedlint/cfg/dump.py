"""A function's control-flow graph as text: one paragraph per block, its label, its calls
and its labelled edges. For snapshot tests and for reading a graph while debugging
(`python -m seedlint.cfg.dump FILE FUNCTION`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import libcst as cst

from seedlint.cfg.build import build_cfg
from seedlint.cfg.model import CFG, Block
from seedlint.parse.sources import SourceError, read_source

_MODULE = cst.Module(body=[])


def dump(cfg: CFG) -> str:
    """Blocks in id order: `b3 if flag:` then its calls and `-> b4 (true)` lines."""
    roles = {cfg.entry: "entry", cfg.exit: "exit", cfg.raise_exit: "raise-exit"}
    paragraphs = []
    for block in cfg.blocks:
        lines = [f"b{block.id} {roles.get(block.id) or _label(block)}".rstrip()]
        lines += _calls_and_iterations(block)
        if block.condition is not None:
            lines.append(f"  test {_text(block.condition)}")
        lines += [f"  -> b{e.target} ({e.kind.value})" for e in cfg.successors[block.id]]
        paragraphs.append("\n".join(lines))
    return "\n".join(paragraphs) + "\n"


def _calls_and_iterations(block: Block) -> list[str]:
    """`call g()` and `iter xs` lines in the order they run."""
    lines = [f"  call {_text(call)}" for call in block.calls]
    for position, iterable in reversed(block.iterations):
        lines.insert(position, f"  iter {_text(iterable)}")
    return lines


def _label(block: Block) -> str:
    if block.statement is None:
        return ""
    return _MODULE.code_for_node(block.statement).strip().split("\n", 1)[0]


def _text(item: Any) -> str:
    """A libcst node as code; a lowered call by the callee as written; text as it is."""
    if isinstance(item, cst.CSTNode):
        return " ".join(_MODULE.code_for_node(item).split())
    written = getattr(item, "written", None)
    return f"{written}()" if isinstance(written, str) else str(item)


def _function(module: cst.Module, qualname: str) -> cst.FunctionDef:
    node: cst.Module | cst.ClassDef | cst.FunctionDef = module
    for part in qualname.split("."):
        body = node.body if isinstance(node, cst.Module) else node.body.body
        found = [
            s
            for s in body
            if isinstance(s, (cst.ClassDef, cst.FunctionDef)) and s.name.value == part
        ]
        if not found:
            raise SystemExit(f"no {qualname}")
        node = found[-1]
    if not isinstance(node, cst.FunctionDef):
        raise SystemExit(f"{qualname} is not a function")
    return node


def main(argv: list[str]) -> None:
    path, qualname = argv
    source = read_source(Path(path))
    if isinstance(source, SourceError):
        raise SystemExit(f"{source.path}: {source.reason}")
    sys.stdout.write(dump(build_cfg(_function(source.module, qualname))))


if __name__ == "__main__":
    main(sys.argv[1:])
