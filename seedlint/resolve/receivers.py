"""What a value path (seedlint.lower.valuepaths) denotes, as far as the project's own code
shows it: `self.vae.encode` runs `Vae.encode` when some method of the class sets
`self.vae = Vae(...)`; `self._get_talker().generate` runs `Talker.generate` when
`_get_talker` returns `Talker(...)` or an attribute typed so.

An attribute set in several places (or a function with several returns) may hold any
of the project values they give, so all are kept; what is not project code (another
library's objects, `None`, parameters) adds nothing. A call then runs every candidate's
method, like a call of a class runs both `__init__` and `__post_init__`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from seedlint.store.memo import BoundedMemo

if TYPE_CHECKING:
    from seedlint.resolve.project import Project

Value = tuple[Literal["class", "instance", "function"], str]  # and its qualified name

_MEMO_LIMIT = 1 << 14  # remembered answers, per kind
_MAX_ACTIVE = 24  # paths evaluated inside one another (attributes typed by attributes)
_MAX_BASES = 16


class Receivers:
    """Value paths evaluated over a project's symbol table, each answer remembered."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._values: BoundedMemo[str, tuple[Value, ...]] = BoundedMemo(_MEMO_LIMIT)
        self._attributes: BoundedMemo[tuple[str, str], tuple[Value, ...]] = BoundedMemo(_MEMO_LIMIT)
        self._results: BoundedMemo[str, tuple[Value, ...]] = BoundedMemo(_MEMO_LIMIT)
        self._active: set[str] = set()  # paths being evaluated: a cycle gives nothing

    def callees(self, path: str) -> tuple[str, ...]:
        """The project functions a call of `path` runs: a function or method, a class's
        constructors, or an instance's `__call__` (never its constructor)."""
        out: list[str] = []
        for kind, name in self.values(path):
            if kind == "function":
                out.append(name)
            elif kind == "class":
                out += self.project.constructors(name)
            else:
                method = self.project.find_method(name, "__call__")
                if method:
                    out.append(method)
        return tuple(dict.fromkeys(out))

    def values(self, path: str) -> tuple[Value, ...]:
        """The project classes, instances and functions `path` may denote."""
        found = self._values.get(path)
        if found is not None:
            return found
        if path in self._active or len(self._active) >= _MAX_ACTIVE:
            return ()
        self._active.add(path)
        try:
            found = self._evaluate(path)
        finally:
            self._active.discard(path)
        return self._values.remember(path, found)

    def _evaluate(self, path: str) -> tuple[Value, ...]:
        segments = path.split(".")
        names = [s.rstrip("()") for s in segments]
        calls = [(len(s) - len(n)) // 2 for s, n in zip(segments, names, strict=True)]
        first_call = next((i for i, c in enumerate(calls) if c), len(names) - 1)
        # The longest plain prefix that is project code; the rest are steps from it.
        project = self.project
        for end in range(first_call, -1, -1):
            found = project.canonical(".".join(names[: end + 1]))
            if found is not None:
                break
        else:
            return ()
        values: tuple[Value, ...] = (("class" if project.is_class(found) else "function", found),)
        values = self._called(values, calls[end])
        for name, count in zip(names[end + 1 :], calls[end + 1 :], strict=True):
            if not values:
                break
            values = self._called(self._member(values, name), count)
        return values

    def _member(self, values: tuple[Value, ...], name: str) -> tuple[Value, ...]:
        out: list[Value] = []
        project = self.project
        for kind, owner in values:
            if kind == "function":
                continue
            method = project.find_method(owner, name)
            if method is not None:
                out.append(("function", method))
            elif project.is_class(f"{owner}.{name}"):
                out.append(("class", f"{owner}.{name}"))
            else:
                out += self.attribute(owner, name)
        return tuple(dict.fromkeys(out))

    def _called(self, values: tuple[Value, ...], count: int) -> tuple[Value, ...]:
        for _ in range(count):
            out: list[Value] = []
            for kind, name in values:
                if kind == "class":
                    out.append(("instance", name))
                elif kind == "instance":
                    method = self.project.find_method(name, "__call__")
                    if method is not None:
                        out += self.results(method)
                else:
                    out += self.results(name)
            values = tuple(dict.fromkeys(out))
        return values

    def results(self, function: str) -> tuple[Value, ...]:
        """What calling a project function may give, from its `return` statements."""
        found = self._results.get(function)
        if found is None:
            index = self.project.symbols.function(function)
            out: list[Value] = []
            for path in index.returned if index is not None else ():
                out += self.values(path)
            found = self._results.remember(function, tuple(dict.fromkeys(out)))
        return found

    def attribute(self, owner: str, name: str, depth: int = 0) -> tuple[Value, ...]:
        """What attribute `name` of an instance of class `owner` may hold, from the
        assignments of the class and its project base classes."""
        key = (owner, name)
        found = self._attributes.get(key)
        if found is not None:
            return found
        project = self.project
        info = project.symbols.class_info(owner)
        out: list[Value] = []
        if info is not None:
            for attribute, path in info.attributes:
                if attribute == name:
                    out += self.values(path)
            for base in info.bases:
                base_class = project.canonical(base) if base else None
                if base_class is not None and project.is_class(base_class) and depth < _MAX_BASES:
                    out += self.attribute(base_class, name, depth + 1)
        return self._attributes.remember(key, tuple(dict.fromkeys(out)))
