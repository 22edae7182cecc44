"""What the names of a scope are bound to: data only (no libcst), kept in the symbol
table and read by resolution; seedlint.parse.scopes collects them from a module."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class BindingKind(Enum):
    IMPORT = "import"
    DEF = "def"
    CLASS = "class"
    SELF = "self"  # first parameter of a method: the class itself
    LOCAL = "local"
    GLOBAL = "global"  # `global x`: look x up in the module scope


@dataclass(frozen=True, slots=True)
class Binding:
    kind: BindingKind
    target: str | None = None  # qualified name for IMPORT/DEF/CLASS/SELF


# Shared: most bindings are plain locals.
LOCAL = Binding(BindingKind.LOCAL)
GLOBAL = Binding(BindingKind.GLOBAL)


@dataclass(slots=True, eq=False)
class Scope:
    kind: str  # "module" | "function" | "class"
    qualname: str  # prefix for definitions made in this scope
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def own(self, name: str) -> Binding | None:
        """The binding that decides `name` in this scope, if the scope binds it."""
        found = self.bindings.get(name)
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        for binding in found:
            if binding.kind is BindingKind.GLOBAL:
                return binding
        known = [b for b in found if b.kind not in (BindingKind.LOCAL,)]
        if not known:
            return found[0]
        # At module level `try: import a as x / except: import b as x` binds x twice:
        # the first import is the one that normally runs.
        return known[0] if self.kind == "module" else known[-1]

    def lookup(self, name: str) -> Binding | None:
        scope: Scope | None = self
        first = True
        while scope is not None:
            # Class bodies are not visible from the functions nested in them.
            if first or scope.kind != "class":
                binding = scope.own(name)
                if binding is not None:
                    if binding.kind is BindingKind.GLOBAL:
                        return self.module_scope().own(name)
                    return binding
            first = False
            scope = scope.parent
        return None

    def module_scope(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope
