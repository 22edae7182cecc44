"""Every entry of the built-in packs has a fixture: some file under fixtures/ uses one of
its names (a call's last part, an attribute, a stored attribute), so that what the entry
says is checked against inline marks (tests/test_fixtures.py)."""

from __future__ import annotations

import re

import pytest

from seedlint.resolve.packs import builtin_pack_names, read_pack_file
from tests.conftest import ROOT


def _fixture_text() -> str:
    files = sorted((ROOT / "fixtures").rglob("*.py")) + sorted((ROOT / "fixtures").rglob("*.ipynb"))
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def _entries() -> list[tuple[str, tuple[str, ...]]]:
    """(where, the names a fixture may use) of every built-in entry."""
    out = []
    for pack in builtin_pack_names():
        for entry, calls, attributes in read_pack_file(ROOT / "rules" / f"{pack}.toml", pack):
            names = [call.removesuffix(".*").rpartition(".")[2] for call in calls]
            out.append((entry.origin, (*names, *attributes, *entry.stores)))
    return out


TEXT = _fixture_text()


@pytest.mark.parametrize(("origin", "names"), _entries(), ids=[o for o, _ in _entries()])
def test_every_pack_entry_has_a_fixture(origin: str, names: tuple[str, ...]) -> None:
    words = (re.escape(name).replace(r"\*", r"\w*") for name in names)
    assert any(re.search(rf"\b{word}\b", TEXT) for word in words), (
        f"{origin}: no fixture uses any of {', '.join(names)}"
    )
