"""The symbol table's name filter: "no" must be certain, "maybe" rare for names never
added, and a saturated filter must only cost time, never change an answer."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from test_symbols import _tables

from seedlint.store.namefilter import NameFilter

_names = st.sets(st.text(min_size=1, max_size=30), max_size=200)


@given(_names, _names)
def test_every_added_name_is_kept_through_a_merge(first: set[str], second: set[str]) -> None:
    one, two = NameFilter(), NameFilter()
    for name in first:
        one.add(name)
    for name in second:
        two.add(name)
    one.update(two)
    assert all(name in one for name in first | second)


def test_names_never_added_are_mostly_answered_no() -> None:
    names = NameFilter()
    for number in range(20_000):
        names.add(f"pkg.module_{number}.function")
    unseen = [f"other.module_{number}.Class" for number in range(20_000)]
    false_positives = sum(name in names for name in unseen)
    assert false_positives < 20  # about 1e-4 expected at this load


def test_a_saturated_filter_changes_no_answer(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "__init__.py").write_text("")
    (source / "pkg" / "model.py").write_text(
        "import mlx.core as mx\nclass Net:\n    def __init__(self):\n        mx.random.normal()\n"
        "def build():\n    return Net()\n"
    )
    (symbols,) = _tables(source, tmp_path)
    questions = ["pkg.model.Net", "pkg.model.build", "pkg.model", "pkg.model.missing", "nope"]

    def answers() -> list[object]:
        return [
            (
                symbols.has_class(q),
                symbols.has_function(q),
                symbols.has_module(q),
                symbols.is_quiet(q),
                symbols.class_info(q) is not None,
            )
            for q in questions
        ]

    expected = answers()
    assert expected[0][0] and expected[1][1] and expected[2][2] and not any(expected[3])
    for names in symbols._names.values():
        names.bits = bytearray(b"\xff" * len(names.bits))
    symbols._classes.clear()
    assert answers() == expected
