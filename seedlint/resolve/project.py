"""The project: every module given on the command line, and what a call refers to."""

from __future__ import annotations

import builtins
import sys
from dataclasses import dataclass, replace

from seedlint.lower.ir import CallKey, FunctionIndex
from seedlint.parse.bindings import Binding, BindingKind, Scope
from seedlint.resolve.packs import Kind, PackEntry, Packs
from seedlint.resolve.receivers import Receivers
from seedlint.store.memo import BoundedMemo
from seedlint.store.symbols import Definitions, SymbolTable

_BUILTINS = frozenset(dir(builtins))
_MEMO_LIMIT = 1 << 14  # remembered answers, per kind
# Resolved call keys: each pass over a project (facts, then checks) resolves every
# function's calls again, and a big one (transformers) has over 100,000 distinct keys.
_TARGET_LIMIT = 1 << 17
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Target:
    """What a call does, as far as names tell: a pack API, project code, pure, or unknown."""

    pack: PackEntry | None = None
    functions: tuple[str, ...] = ()  # project definitions the call runs
    pure: bool = False
    quiet_module: str | None = None  # resolved into a module the prefilter left unparsed


class Project:
    """What calls refer to, asked of a project's symbol table and remembered per call key."""

    def __init__(self, symbols: SymbolTable, packs: Packs) -> None:
        self.packs = packs
        self.symbols = symbols
        self.definitions = Definitions(symbols)
        # Resolution is asked the same questions for every call: answer each once (up to
        # a bound, so that memory does not grow with the tree).
        self._targets: BoundedMemo[CallKey, Target] = BoundedMemo(_TARGET_LIMIT)
        self._distinct: BoundedMemo[Target, Target] = BoundedMemo(_TARGET_LIMIT)
        self._canonical: BoundedMemo[str, str | None] = BoundedMemo(_MEMO_LIMIT)
        self.receivers = Receivers(self)

    # --- project names -------------------------------------------------------
    def canonical(self, qualname: str) -> str | None:
        """The project definition or class a qualified name denotes, through re-exports."""
        found = self._canonical.get(qualname, _MISSING)
        if found is _MISSING:
            found = self._canonical.remember(qualname, self._follow(qualname, 0))
        return found  # type: ignore[return-value]

    def _follow(self, qualname: str, depth: int) -> str | None:
        symbols = self.symbols
        if symbols.has_function(qualname) or symbols.has_class(qualname):
            return qualname
        if depth > 8:
            return None
        owner, _, member = qualname.rpartition(".")
        if symbols.has_class(owner):
            return self.find_method(owner, member)
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if not symbols.has_module(module):
                continue
            binding = symbols.binding(module, parts[cut])
            if binding is None or binding.target is None or binding.kind is BindingKind.SELF:
                return None
            if binding.kind is BindingKind.IMPORT or binding.target != ".".join(parts[: cut + 1]):
                return self._follow(".".join([binding.target, *parts[cut + 1 :]]), depth + 1)
            return None
        return None

    def is_class(self, qualname: str) -> bool:
        return self.symbols.has_class(qualname)

    def find_method(self, class_qualname: str, method: str, depth: int = 0) -> str | None:
        info = self.symbols.class_info(class_qualname)
        if info is None or depth > 16:
            return None
        if method in info.methods:
            return f"{class_qualname}.{method}"
        for base in info.bases:
            base_class = self.canonical(base) if base else None
            if base_class is not None and self.is_class(base_class):
                found = self.find_method(base_class, method, depth + 1)
                if found:
                    return found
        return None

    def _super(
        self, class_qualname: str, attribute: str, key: CallKey, depth: int
    ) -> Target | None:
        """What `super().attribute(...)` runs in a method of the class: the first base, in
        order, that defines it, a project method or a pack API (`Trainer.__init__` is
        building a `Trainer`)."""
        info = self.symbols.class_info(class_qualname)
        if info is None or depth > 16:
            return None
        for base in info.bases:
            if base is None:
                continue
            project = self.canonical(base)
            if project is not None and self.is_class(project):
                info_of_base = self.symbols.class_info(project)
                if info_of_base is not None and attribute in info_of_base.methods:
                    return Target(functions=(f"{project}.{attribute}",))
                outer = self._super(project, attribute, key, depth + 1)
                if outer is not None:
                    return outer
                continue
            names = (
                (f"{base}.{attribute}", base)
                if attribute == "__init__"
                else (f"{base}.{attribute}",)
            )
            for name in names:
                entry = self.packs.lookup(name)
                if entry is not None:
                    return self._pack_target(entry, key)
        return None

    def constructors(self, class_qualname: str) -> tuple[str, ...]:
        """What building an instance of a project class runs."""
        return tuple(
            m
            for m in (
                self.find_method(class_qualname, "__init__"),
                self.find_method(class_qualname, "__post_init__"),
            )
            if m
        )

    def quiet_module_of(self, qualname: str) -> str | None:
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if self.symbols.is_quiet(module):
                return sys.intern(module)
        return None

    # --- calls ----------------------------------------------------------------
    def call_targets(self, function: FunctionIndex) -> tuple[Target, ...]:
        """The targets of a function's call keys, in the index's order."""
        return tuple(self.resolve(key) for key in function.keys)

    def resolve(self, key: CallKey) -> Target:
        """What a call with this key runs."""
        found = self._targets.get(key)
        if found is None:
            target = self._resolve(key)
            # Most keys resolve to one of a few targets (unknown, pure): keep each once.
            shared = self._distinct.get(target)
            if shared is None:
                shared = self._distinct.remember(target, target)
            found = self._targets.remember(key, shared)
        return found

    def _resolve(self, key: CallKey) -> Target:
        if key.iterated:
            return self._iteration(key)
        if key.above is not None and key.attribute is not None:
            return self._super(key.above, key.attribute, key, 0) or Target()
        if key.inner is None and key.qualified is not None:
            target = self._by_qualname(key.qualified, key)
            if target is not None:
                return target
        if key.path is not None:
            # What a library call gave, called at once or kept in a local: `make()(x)`, or
            # `pipe = X.from_pretrained(...)` then `pipe(prompt)` (an `on = "result"` entry
            # of the call that made it).
            made = self.made_by(key.path)
            if made is not None and made.on == "result":
                return self._pack_target(_drawing(made), key)
        if key.path is not None:
            # A receiver known through a call or a local: `make().run`, `obj.run`.
            runs = self.receivers.callees(key.path)
            if runs:
                return Target(functions=runs)
        if key.inner is not None:
            return Target()
        if key.attribute is not None:
            entry = self.packs.lookup_attribute(key.attribute)
            if entry is not None:
                return self._pack_target(entry, key)
        return Target()

    def _iteration(self, key: CallKey) -> Target:
        """Iterating a value (a `for` header, `iter(x)`): it draws only if the library call
        that made it has an `on = "iteration"` entry; the key's keywords are that call's."""
        made = self.made_by(key.path) if key.path is not None else None
        if made is not None and made.on == "iteration":
            return self._pack_target(_drawing(made), key)
        return Target(pure=True)

    def made_by(self, path: str) -> PackEntry | None:
        """The pack entry of the library call that made the value at `path`
        (`pkg.make()`), also through methods that entry says return the value itself
        (`X.from_pretrained().to()`)."""
        if not path.endswith("()"):
            return None
        made = self.packs.lookup(path[:-2])
        if made is not None:
            return made
        receiver, dot, method = path[:-2].rpartition(".")
        if not dot:
            return None
        inner = self.made_by(receiver)
        return inner if inner is not None and method in inner.returns_self else None

    def _by_qualname(self, qualname: str, key: CallKey) -> Target | None:
        entry = self.packs.lookup(qualname)
        if entry is not None:
            return self._pack_target(entry, key)
        project = self.canonical(qualname)
        if project is None:
            # An attribute chain over a project class: `self.vae.encode`, `self(x)`.
            runs = self.receivers.callees(qualname)
            if runs:
                return Target(functions=runs)
            module = self.quiet_module_of(qualname)
            return Target(pure=True, quiet_module=module) if module else None
        if self.symbols.has_function(project):
            return Target(functions=(project,))
        runs = self.constructors(project)
        return Target(functions=runs) if runs else Target(pure=True)

    @staticmethod
    def _pack_target(entry: PackEntry, key: CallKey) -> Target:
        if entry.when_keyword is not None and all(
            name != entry.when_keyword for name, _is_none in key.keywords
        ):
            return Target(pure=True)
        if entry.kind is Kind.PURE and entry.key:
            return Target(pack=entry, pure=True)  # draws nothing; what it keys is noted
        if entry.kind is Kind.PURE or entry.on != "call":
            return Target(pure=True)
        if (
            entry.kind in (Kind.CONSUME, Kind.ADVANCE)
            and entry.pure_with
            and _has_explicit_key(key, entry.pure_with)
        ):
            return Target(pure=True)
        if entry.kind is Kind.ENTROPY:
            return Target(pure=True)
        return Target(pack=entry)


def _qualified(binding: Binding | None, head: str, rest: str) -> str | None:
    if binding is None:
        if head in _BUILTINS:
            return f"builtins.{head}" + (f".{rest}" if rest else "")
        return None
    if binding.target is None:
        return None
    return binding.target + (f".{rest}" if rest else "")


def _has_explicit_key(key: CallKey, keywords: tuple[str, ...]) -> bool:
    return any(name in keywords and not is_none for name, is_none in key.keywords)


def qualify_dotted(dotted: str, scope: Scope) -> str | None:
    head, _, rest = dotted.partition(".")
    return _qualified(scope.lookup(head), head, rest)


def _drawing(entry: PackEntry) -> PackEntry:
    """What calling (or iterating) the result of an `on = "result"` (`"iteration"`)
    entry's call does: the entry's draw, unless the keywords of the key it is judged with
    name one of its `pure_with`."""
    return replace(entry, on="call", when_keyword=None, returns_self=())
