"""The compact form of a module that the analysis works on.

A worker process turns a file's libcst tree into this form (calls with their names,
function graphs, scopes). The tree never leaves the worker, and neither do the graphs:
they go to a spill file (seedlint.store.spill), and the main process receives the module's
index (ModuleIndex), which is all that whole-project resolution needs; it keeps that
on disk too (seedlint.store.symbols).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from seedlint.cfg.model import CFG
from seedlint.parse.bindings import Scope


@dataclass(frozen=True, slots=True)
class CallKey:
    """What decides the target of a call: equal keys resolve alike in one project."""

    qualified: str | None  # the qualified name the callee denotes where it is called
    attribute: str | None  # the last attribute of the callee (`from_base`), if any
    inner: CallKey | None  # the callee when it is itself a call: `make()(x)`
    keywords: tuple[tuple[str, bool], ...]  # (name, value is the literal None)
    # The callee as a value path (seedlint.resolve.receivers) when no qualified name denotes it:
    # through a call (`make().run` → `pkg.make().run`) or a local assigned once.
    path: str | None = None
    # `super().attribute(...)` in a method: the class whose bases the lookup starts from.
    above: str | None = None
    # Not a call but the iteration of the value at `path` (a `for` header, `iter(x)`); the
    # keywords are those of the call that made the value (`DataLoader(..., generator=g)`).
    iterated: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class CallSite:
    """One call expression, as much of it as the analysis needs."""

    index: int  # unique within its module
    written: str  # the callee as written, short
    key: CallKey
    args: tuple[Arg, ...] = ()
    target: str | None = None  # what its statement assigns the value to: `model`, `m.lora_a`
    within: tuple[CallSite, ...] = ()  # the calls of the `with` items it runs under

    @property
    def stored_in_object(self) -> bool:
        """The value is assigned to an attribute or item of an object (`m.lora_a = ...`)."""
        return self.target is not None and ("." in self.target or "[" in self.target)

    @property
    def positional(self) -> list[Arg]:
        """The positional arguments, `*args` left out."""
        return [a for a in self.args if a.keyword is None and not a.star]

    @property
    def receiver(self) -> str | None:
        """`model` for `model.load_weights(...)`: the object a method is called on."""
        head, dot, _ = self.written.rpartition(".")
        return head if dot else None


@dataclass(frozen=True, slots=True, eq=False)
class Arg:
    """An argument value, for judging seed values (nonreproducible-seed)."""

    keyword: str | None
    star: bool
    is_none: bool  # the literal None
    name: str | None  # a bare name
    calls: tuple[CallSite, ...]  # calls inside the value
    # A literal's Python repr (`None`, `True`, `'gaussian'`, `3`), SOME_VALUE for any
    # other value that is not None, None when it may be None.
    literal: str | None = None


SOME_VALUE = "..."


@dataclass(frozen=True, slots=True)
class FunctionIR:
    qualname: str
    display: str
    class_qualname: str | None
    params: tuple[str, ...]
    cfg: CFG  # blocks hold CallSites and condition texts
    assignments: dict[str, Arg] = field(default_factory=dict)  # names assigned exactly once
    defaults: tuple[tuple[str, str], ...] = ()  # parameter, repr of its literal default
    positional: int = 0  # how many of `params` take positional arguments
    returned: tuple[str, ...] = ()  # value paths of what it returns, where known
    predicate: str | None = None  # "is None" / "is not None": `return v is not None`
    returns_value: bool = True  # some `return` gives a value
    # Where its calls and iterables count from (seedlint.store.spill keeps them in its
    # FunctionIndex, not in its record: see FunctionIndex.call_base).
    call_base: int = 0
    iteration_base: int = 0


@dataclass(frozen=True, slots=True)
class ClassIR:
    qualname: str
    methods: frozenset[str]
    bases: tuple[str | None, ...]  # qualified names of the bases, where known
    # (attribute, value path) for each `self.ATTR = f(...)` in its methods and each
    # class-level `ATTR = f(...)` (an annotation `Cls` counts as `Cls()`)
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LoweredFunction:
    """A function lowered in an earlier run (seedlint.lower.parts), kept encoded: its
    FunctionIR's spill record and its index without a place in a spill file."""

    record: bytes
    index: FunctionIndex


@dataclass(frozen=True, slots=True)
class LoweredDefinition:
    """A function body the skeleton leaves out, lowered: its functions (itself and the
    ones nested in it), the names of its body's callees and iterables, the attributes its
    functions type, as (class, attribute, value path), and the classes it defines."""

    functions: tuple[LoweredFunction, ...]
    call_names: tuple[str | None, ...]
    iterable_names: tuple[str | None, ...]
    typed: tuple[tuple[str, str, str], ...]
    classes: tuple[ClassIR, ...]  # the classes defined in it


@dataclass(frozen=True, slots=True)
class LoweredParts:
    """Every definition of one lowering of a module in parts, by key."""

    definitions: tuple[tuple[str, LoweredDefinition], ...]


@dataclass(frozen=True, slots=True)
class ModuleIR:
    name: str
    path: Path
    display: str
    scope: Scope
    functions: tuple[FunctionIR | LoweredFunction, ...]
    classes: dict[str, ClassIR]
    digest: str  # of the text analysed, to check a later re-read for positions
    # The last name of every call's callee in source order, then of every `for` clause's
    # iterable (seedlint.parse.scopes numbers them after the calls).
    call_names: tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class FunctionIndex:
    """What the whole-project pass needs of a function; its graph stays in the spill file."""

    qualname: str
    class_qualname: str | None
    params: tuple[str, ...]
    keys: tuple[CallKey, ...]  # the distinct keys of the calls in reachable blocks
    returns: bool  # the normal exit is reachable when every call returns
    offset: int  # where the FunctionIR (a codec blob) lies in the module's spill file
    length: int
    # Parameters that branch conditions test (`if noise is None:`), with their literal
    # defaults: what a call's arguments can decide (seedlint.analysis.arguments).
    tested: tuple[str, ...] = ()
    defaults: tuple[tuple[str, str], ...] = ()
    positional: int = 0
    returned: tuple[str, ...] = ()  # value paths of what it returns, where known
    # A None test of its one parameter (`def exists(v): return v is not None`): what a
    # condition `exists(seed)` says of `seed` ("is not None").
    predicate: str | None = None
    # What its calls' indexes count from: a function lowered apart from its module
    # (seedlint.lower.parts) numbers its calls from its definition's first body call, so
    # that its record stays the same when the calls before it change in number; and
    # its iterables from its first body iterable (their indexes are negative: see place).
    call_base: int = 0
    iteration_base: int = 0


def place(function: FunctionIndex, site: CallSite) -> int:
    """Where a call site of `function` lies in its module's numbering: every call in
    source order, then every `for` clause's iterable (seedlint.report.positions). A
    function lowered apart numbers its iterables -1, -2, ... from its first."""
    if site.index < 0:
        return function.iteration_base - 1 - site.index
    return function.call_base + site.index


@dataclass(frozen=True, slots=True)
class ModuleFile:
    """Where a module's file and spill file are: what positions and graphs are read from."""

    name: str
    path: Path
    display: str
    digest: str  # of the text analysed, to check a later re-read for positions
    spill: Path
    names_length: int  # of the callee-names record at the start of the spill file
    # A notebook's: the line of its text where each code cell starts (seedlint.parse.notebooks).
    cells: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ModuleIndex:
    """A module as a worker sends it: the rows the symbol table (seedlint.store.symbols) keeps
    of it, encoded (seedlint.store.codec) in the worker so that the main process only stores
    them.

    The spill file holds the callee names of the calls (for positions) and then each
    function's FunctionIR, each its own blob, so any of them can be read alone."""

    file: ModuleFile
    bindings: tuple[tuple[str, str, str | None], ...]  # name, BindingKind value, target
    classes: tuple[tuple[str, bytes], ...]  # qualname, ClassIR blob
    functions: tuple[tuple[str, bytes], ...]  # qualname, FunctionIndex blob
    # What other modules' resolution and summaries can see of this one (its bindings,
    # classes and function indexes without their own calls and spill offsets), and each
    # function's body (its FunctionIR record), as digests: an edit that leaves
    # `interface` alone changes only the summaries of the functions whose body changed
    # and of their callers (seedlint.analysis.incremental).
    interface: str = ""
    bodies: tuple[str, ...] = ()  # one per function, in order

    @property
    def name(self) -> str:
        return self.file.name

    @property
    def path(self) -> Path:
        return self.file.path
