"""fixtures/**.py: each file marks the findings it expects inline (`# SDL101`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedlint.config import Config
from seedlint.engine import analyse
from tests.conftest import ROOT, expected_marks

FIXTURES = sorted((ROOT / "fixtures").rglob("*.py"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT / "fixtures")))
def test_fixture(path: Path) -> None:
    config = Config(adjacency="strict") if "strict" in path.name else Config()
    # A fixture folder is one project, so helpers in sibling files are seen.
    result = analyse([str(path.parent)], config, config.load_packs())
    found = {(d.line, d.code) for d in result.diagnostics if Path(d.path) == path}
    assert found == expected_marks(path.read_text(encoding="utf-8"))


def test_there_are_fixtures() -> None:
    assert len(FIXTURES) >= 5
