"""Bounded memos: remembered answers that are forgotten all at once when there are too
many, so memory does not grow with the tree. An answer forgotten is recomputed, never
wrong."""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedMemo(dict[K, V], Generic[K, V]):
    """A dict that empties itself before it would hold more than `limit` entries."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, key: K, value: V) -> V:
        """Store and return `value`, first forgetting everything if the memo is full."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
