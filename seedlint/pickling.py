"""Fast pickling for the IR's frozen dataclasses.

Workers send every module's index to the main process, and the cache stores it. Frozen
dataclasses with slots unpickle through a Python `__setstate__` that looks up the
fields for every object; rebuilding through the constructor instead halves the time
the main process spends receiving a tree's IR.

Values that repeat across modules (call keys such as `builtins.len`, import bindings)
are also interned when unpickled, so the main process holds each once, not once per
module that mentions it.
"""

from __future__ import annotations

import sys
import weakref
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")

_INTERNED: dict[type, weakref.WeakValueDictionary[Any, Any]] = {}


def by_constructor(cls: type[T]) -> type[T]:
    """Pickle instances of a dataclass as a call to its constructor with every field."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]

    def __reduce__(self: Any) -> tuple[type[T], tuple[Any, ...]]:
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = __reduce__  # type: ignore[assignment, method-assign]
    return cls


def interned(cls: type[T]) -> type[T]:
    """Like `by_constructor`, and unpickling interns the strings among the fields (alone
    or in tuples and frozensets). For a hashable dataclass with a weakref slot, it also
    returns the live instance equal to the one pickled, if there is one."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    if "__weakref__" in getattr(cls, "__slots__", ()):
        _INTERNED[cls] = weakref.WeakValueDictionary()

    def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
        return _rebuild, (cls, *(getattr(self, name) for name in names))

    cls.__reduce__ = __reduce__  # type: ignore[assignment, method-assign]
    return cls


def _strings(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return sys.intern(value)
    if (kind is tuple or kind is frozenset) and value and type(next(iter(value))) is str:
        return kind(sys.intern(v) if type(v) is str else v for v in value)
    return value


def _rebuild(cls: type[T], *values: Any) -> T:
    fields = tuple(map(_strings, values))
    table = _INTERNED.get(cls)
    if table is None:
        return cls(*fields)
    # Keyed by the field values, not the instance: a key holding the instance would
    # keep it alive, and the table would grow with every value ever seen.
    found = table.get(fields)
    if found is None:
        table[fields] = found = cls(*fields)
    return found  # type: ignore[no-any-return]
