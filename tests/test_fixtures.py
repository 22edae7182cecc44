"""fixtures/**.py: each file marks the findings it expects inline (`# SDL101`).

`fixtures/rules/SDLxxx.py` are checked with only that rule selected (and what turns it
on); the other folders are packs' and semantics' fixtures, checked with the defaults."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from seedlint.checks import ALL_RULES, by_code
from seedlint.config import Config
from seedlint.engine import analyse
from tests.conftest import ROOT, expected_marks

RULE_FIXTURES = sorted((ROOT / "fixtures" / "rules").glob("*.py"))
FIXTURES = sorted(set((ROOT / "fixtures").rglob("*.py")) - set(RULE_FIXTURES))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT / "fixtures")))
def test_fixture(path: Path) -> None:
    config = Config(adjacency="strict") if "strict" in path.name else Config()
    # A fixture folder is one project, so helpers in sibling files are seen.
    result = analyse([str(path.parent)], config, config.load_packs())
    found = {(d.line, d.code) for d in result.diagnostics if Path(d.path) == path}
    assert found == expected_marks(path.read_text(encoding="utf-8"))


def test_there_are_fixtures() -> None:
    assert len(FIXTURES) >= 5


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: p.stem)
def test_a_rules_fixture_gives_its_marks_with_only_that_rule(path: Path) -> None:
    rule = by_code(path.stem)
    assert rule is not None, f"{path.name}: no rule has this code"
    config = Config(select=(rule.code,))
    for option, value in rule.turned_on_by:
        config = replace(config, **{option.replace("-", "_"): value})
    result = analyse([str(path)], config, config.load_packs())
    marks = expected_marks(path.read_text(encoding="utf-8"))
    assert marks and {code for _line, code in marks} == {rule.code}
    assert {(d.line, d.code) for d in result.diagnostics} == marks


def test_every_rule_has_its_own_fixture() -> None:
    assert {p.stem for p in RULE_FIXTURES} == {rule.code for rule in ALL_RULES}
