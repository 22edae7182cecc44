"""Snapshots of whole graphs: each `cfg_snapshots/NAME.py` function dumped must equal
`NAME.txt` (SEEDLINT_UPDATE_SNAPSHOTS=1 rewrites them; read the diff before committing)."""

from __future__ import annotations

import os
from pathlib import Path

import libcst as cst
import pytest

from seedlint.cfg.build import build_cfg
from seedlint.cfg.dump import dump

SNAPSHOTS = Path(__file__).parent / "cfg_snapshots"


@pytest.mark.parametrize("source", sorted(SNAPSHOTS.glob("*.py")), ids=lambda p: p.stem)
def test_the_graph_of_each_snapshot_function_is_unchanged(source: Path) -> None:
    function = cst.parse_module(source.read_text()).body[0]
    assert isinstance(function, cst.FunctionDef)
    text = dump(build_cfg(function))
    expected = source.with_suffix(".txt")
    if os.environ.get("SEEDLINT_UPDATE_SNAPSHOTS"):
        expected.write_text(text)
    assert text == expected.read_text()


def test_the_dump_labels_roles_calls_tests_and_edges() -> None:
    function = cst.parse_module("def f(x):\n    if x:\n        g()\n").body[0]
    assert isinstance(function, cst.FunctionDef)
    text = dump(build_cfg(function))
    assert text.startswith("b0 entry\n")
    assert "b1 exit\n" in text and "b2 raise-exit\n" in text
    assert "  test x\n" in text and "  call g()\n" in text
    assert "(true)" in text and "(false)" in text
