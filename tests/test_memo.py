"""The bounded memo every "remembered answers" cache uses."""

from __future__ import annotations

from seedlint.store.memo import BoundedMemo


def test_a_full_memo_forgets_everything_before_it_remembers_more() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(3)
    assert [memo.remember(k, v) for k, v in (("a", 1), ("b", 2), ("c", 3))] == [1, 2, 3]
    assert dict(memo) == {"a": 1, "b": 2, "c": 3}
    assert memo.remember("d", 4) == 4
    assert dict(memo) == {"d": 4}  # never more than the limit, the newest answer kept


def test_a_remembered_key_is_replaced_in_place() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(2)
    memo.remember("a", 1)
    memo.remember("b", 2)
    memo.remember("b", 3)  # full: forgets, then keeps the new answer
    assert dict(memo) == {"b": 3}
