"""Fast pickling for the IR's frozen dataclasses.

Workers send every module's index to the main process, the cache stores it, and the
main process reads function indexes and graphs back from disk. Frozen dataclasses
with slots unpickle through a Python `__setstate__` that looks up the fields for every
object; rebuilding through the constructor instead halves the time that takes.
"""

from __future__ import annotations

import pickle
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def dump(value: object) -> bytes:
    """`value` pickled for the spill files, the symbol table and the facts tables."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def by_constructor(cls: type[T]) -> type[T]:
    """Pickle instances of a dataclass as a call to its constructor with every field."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]

    def __reduce__(self: Any) -> tuple[type[T], tuple[Any, ...]]:
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = __reduce__  # type: ignore[assignment, method-assign]
    return cls
