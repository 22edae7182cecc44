"""File → ModuleIR: read, parse, collect scopes, build every function's graph, and keep
only what the analysis needs. Runs in worker processes; nothing here imports or runs
the code being checked."""

from __future__ import annotations

import ast
import hashlib
import sys
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import libcst as cst

from seedlint.cfg.build import build_with_assignments
from seedlint.cfg.compact import compact
from seedlint.cfg.model import CFG, Block
from seedlint.lower.ir import (
    SOME_VALUE,
    Arg,
    CallKey,
    CallSite,
    ClassIR,
    FunctionIR,
    ModuleIR,
)
from seedlint.lower.valuepaths import annotation_path, value_path
from seedlint.parse.bindings import BindingKind, Scope
from seedlint.parse.packages import module_name_for
from seedlint.parse.scopes import ClassInfo, Definition, Store, collect_scopes, dotted_name
from seedlint.parse.sources import SourceError, read_source
from seedlint.parse.walk import calls_in
from seedlint.resolve.project import qualify_dotted

_EMPTY_MODULE = cst.Module(body=[])
_MAX_LOCALS = 4  # locals followed through locals to the call that made a value


class Lowerer:
    """libcst nodes → CallSites, each call once (shared between blocks and arguments).

    Callees are qualified in `scope` (each function's own, while it is lowered)."""

    def __init__(
        self,
        index: dict[int, int],
        scope: Scope,
        iterables: dict[int, int] | None = None,
        bases: Mapping[int, tuple[int, int]] | None = None,
        after: int | None = None,
    ) -> None:
        """`index`: each call's number in the module (by id); `iterables`: each `for`
        clause's iterable's number among them (by id), placed `after` the calls (default:
        all of `index`); `bases`: for the functions that count from their own (by id of
        their definition's node), where their calls and iterables start (see `ir.place`)."""
        self.index = index
        self.iterables = iterables or {}
        self.after = len(index) if after is None else after
        self.bases = bases or {}
        self.base: tuple[int, int] | None = None  # of the function being lowered
        self.scope = scope
        self.assigned: dict[str, cst.BaseExpression] = {}  # the function's single assignments
        # id(call or iterable) -> the names reassigned as chains where it stands
        self.chained_at: dict[int, dict[str, cst.BaseExpression]] = {}
        # (class, attribute, path) of the attributes typed, in the order they were met
        self.typed: list[tuple[str, str, str]] = []
        self.sites: dict[int, CallSite] = {}
        self.stores: dict[int, cst.BaseExpression] = {}  # of the function being lowered
        self.within: dict[int, tuple[cst.Call, ...]] = {}  # its calls' `with` items
        self.none_params: frozenset[str] = frozenset()  # its parameters that default to None
        self.class_qualname: str | None = None  # the class of the method being lowered
        self.keys: dict[CallKey, CallKey] = {}
        self.plain_args: dict[tuple[str | None, bool, bool, str | None, str | None], Arg] = {}

    def site(self, call: cst.Call) -> CallSite:
        found = self.sites.get(id(call))
        if found is not None:
            return found
        func = call.func
        store = self.stores.get(id(call))
        site = CallSite(
            index=self.number(call),
            written=written(func),
            key=self.key(call),
            args=tuple(self.arg(arg.value, arg.keyword, bool(arg.star)) for arg in call.args),
            target=written(store) if store is not None else None,
            within=tuple(self.site(c) for c in self.within.get(id(call), ())),
        )
        self.sites[id(call)] = site
        return site

    def key(self, call: cst.Call) -> CallKey:
        func = call.func
        keywords = self.keywords(call)
        if self.class_qualname and isinstance(func, cst.Attribute) and _is_super(func.value):
            key = CallKey(None, func.attr.value, None, keywords, above=self.class_qualname)
            return self.keys.setdefault(key, key)
        qualified = _callee_qualified(func, self.scope)
        key = CallKey(
            qualified,
            func.attr.value if isinstance(func, cst.Attribute) else None,
            self.site(func).key if isinstance(func, cst.Call) else None,
            keywords,
            value_path(func, self.scope, self.locals_at(call)) if qualified is None else None,
        )
        # Keys repeat (`len`, `self.proj`): one object each per module.
        return self.keys.setdefault(key, key)

    def keywords(self, call: cst.Call) -> tuple[tuple[str, bool], ...]:
        return tuple(
            (arg.keyword.value, self._may_be_none(arg.value)) for arg in call.args if arg.keyword
        )

    def locals_at(self, node: cst.CSTNode) -> Mapping[str, cst.BaseExpression]:
        """The locals whose values are known where `node` stands: those assigned once,
        and the chains in force there."""
        chains = self.chained_at.get(id(node))
        return ChainMap(chains, self.assigned) if chains else self.assigned

    def block_sites(self, block: Block) -> tuple[tuple[CallSite, ...], tuple[tuple[int, str], ...]]:
        """A block's call sites in the order they run, each iteration that can be named
        (of a `for` header, of an argument of `iter(x)`, `list(x)`, ...) among them; and
        its attribute stores, placed among those sites."""
        sites: list[CallSite] = []
        placed: list[int] = []  # how many sites run before the calls' n-th, n = index
        iterations: dict[int, list[CallSite]] = {}
        for at, iterable in block.iterations:
            site = self.iteration(iterable, self.iterable_number(iterable))
            if site is not None:
                iterations.setdefault(at, []).append(site)
        for position in range(len(block.calls) + 1):
            sites += iterations.get(position, ())
            placed.append(len(sites))
            if position < len(block.calls):
                call = block.calls[position]
                sites.append(self.site(call))
                sites += self.iterated_arguments(call)
        stores = tuple((placed[count], written(target)) for count, target in block.stores)
        return tuple(sites), stores

    def iterated_arguments(self, call: cst.Call) -> list[CallSite]:
        """The iterations of the arguments a builtin iterates (`iter(loader)`,
        `enumerate(loader)`, `zip(a, b)`), placed at the builtin's call."""
        iterated = _ITERATES.get(self.site(call).key.qualified or "")
        if iterated is None:
            return []
        first, every = iterated
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        chosen = positional[first:] if every else positional[first : first + 1]
        index = self.number(call)
        sites = (self.iteration(value, index) for value in chosen)
        return [site for site in sites if site is not None]

    def iteration(self, iterable: cst.BaseExpression, index: int) -> CallSite | None:
        """A site for iterating `iterable` when a call made its value (`loader =
        DataLoader(data)`, then `for batch in loader:`): only a pack entry of that call
        can say that iterating draws. Its key and arguments are the making call's."""
        known = self.locals_at(iterable)
        path = value_path(iterable, self.scope, known)
        if path is None or not path.endswith(")") or path.startswith("builtins."):
            return None
        maker = _making_call(iterable, self.scope, known)
        keywords = self.keywords(maker) if maker is not None else ()
        key = CallKey(None, None, None, keywords, path, iterated=True)
        args = maker.args if maker is not None else ()
        return CallSite(
            index=index,
            written=f"iter({written(iterable)})",
            key=self.keys.setdefault(key, key),
            args=tuple(self.arg(arg.value, arg.keyword, bool(arg.star)) for arg in args),
        )

    def number(self, call: cst.Call) -> int:
        found = self.index.get(id(call))
        if found is None:
            return -1
        return found if self.base is None else found - self.base[0]

    def iterable_number(self, node: cst.BaseExpression) -> int:
        """After the calls, or -1, -2, ... in a function that counts from its own."""
        found = self.iterables.get(id(node))
        if found is None:
            return -1
        return self.after + found if self.base is None else -1 - (found - self.base[1])

    def _may_be_none(self, value: cst.BaseExpression) -> bool:
        """The literal None, or a parameter that defaults to None (`generator=generator`)."""
        return _is_none(value) or (isinstance(value, cst.Name) and value.value in self.none_params)

    def arg(self, value: cst.BaseExpression, keyword: cst.Name | None, star: bool) -> Arg:
        calls = tuple(self.site(c) for c in calls_in(value))
        name = value.value if isinstance(value, cst.Name) else None
        key = (keyword.value if keyword is not None else None, star, _is_none(value), name)
        literal = _literal(value)
        if literal is None and name not in self.none_params:
            literal = SOME_VALUE
        if calls:
            return Arg(*key, calls, literal)
        # Arguments without calls are shared: one object per kind in a module.
        shared = (*key, literal)
        found = self.plain_args.get(shared)
        if found is None:
            found = self.plain_args[shared] = Arg(*key, (), literal)
        return found

    def function(self, definition: Definition) -> FunctionIR:
        self.base = self.bases.get(id(definition.node))
        self.scope = definition.scope
        self.class_qualname = definition.class_qualname
        built = build_with_assignments(definition.node)
        self.stores, self.within = built.stores, built.within
        self.none_params = _none_defaults(definition.node)
        self.assigned = assigned = built.assigned
        self.chained_at = built.chained_at
        graph = built.cfg
        blocks = tuple(self.block(b) for b in graph.blocks)
        # Compacted once lowered: a block whose only iteration names no value goes too.
        cfg = compact(
            CFG(
                blocks,
                graph.successors,
                graph.predecessors,
                graph.entry,
                graph.exit,
                graph.raise_exit,
            )
        )
        return FunctionIR(
            definition.qualname,
            definition.display,
            definition.class_qualname,
            definition.params,
            cfg,
            {name: self.arg(value, None, False) for name, value in assigned.items()},
            *_defaults(definition.node),
            self.returned(definition.returns),
            _none_predicate(definition.node),
            bool(definition.returns),
        )

    def block(self, block: Block) -> Block:
        sites, stores = self.block_sites(block)
        condition = _text(block.condition) if block.condition is not None else None
        return Block(block.id, sites, condition, None, stores, block.loop)

    def returned(self, values: list[cst.BaseExpression]) -> tuple[str, ...]:
        paths = (value_path(v, self.scope, self.assigned) for v in values)
        return tuple(dict.fromkeys(p for p in paths if p and not p.startswith("builtins.")))

    def store(self, stores: list[Store]) -> None:
        """Type the attributes these statements set, in the scope lowered last."""
        for owner, attribute, value, annotation in stores:
            # Only results of calls (and annotations) type an attribute; builtins never
            # lead to project code, so they are not kept. Paths are interned: one repeated
            # in a class (`nn.Linear()` for every projection) is pickled once.
            path = value_path(value, self.scope, self.assigned) if value is not None else None
            if path is not None and path.endswith(")") and not path.startswith("builtins."):
                self.typed.append((owner, attribute, sys.intern(path)))
            annotated = annotation_path(annotation, self.scope) if annotation is not None else None
            if annotated is not None and not annotated.startswith("builtins."):
                self.typed.append((owner, attribute, sys.intern(annotated)))

    def classes(self, found: dict[str, ClassInfo]) -> dict[str, ClassIR]:
        """The module's classes, with the attributes typed so far."""
        typed: dict[str, list[tuple[str, str]]] = {}
        for owner, attribute, path in self.typed:
            typed.setdefault(owner, []).append((attribute, path))
        return {
            qualname: ClassIR(
                qualname,
                info.methods,
                tuple(_qualified(base.value, info.scope) for base in info.node.bases),
                tuple(dict.fromkeys(typed.get(qualname, ()))),
            )
            for qualname, info in found.items()
        }


# Builtins that iterate their positional arguments: the first one they iterate, and
# whether every one after it is iterated too (`zip(a, b)`, `map(f, a, b)`).
_ITERATES: Mapping[str, tuple[int, bool]] = MappingProxyType(
    {
        **{
            f"builtins.{name}": (0, False)
            for name in (
                "iter",
                "enumerate",
                "list",
                "tuple",
                "set",
                "frozenset",
                "sorted",
                "sum",
                "any",
                "all",
            )
        },
        "builtins.zip": (0, True),
        "builtins.map": (1, True),
        "builtins.filter": (1, False),
    }
)


def _making_call(
    node: cst.BaseExpression, scope: Scope, known: Mapping[str, cst.BaseExpression]
) -> cst.Call | None:
    """The call whose value `node` is, through locals whose values are known."""
    for _ in range(_MAX_LOCALS):
        if isinstance(node, cst.Call):
            return node
        if not isinstance(node, cst.Name):
            return None
        binding = scope.lookup(node.value)
        value = known.get(node.value)
        if binding is None or binding.kind is not BindingKind.LOCAL or value is None:
            return None
        node = value
    return None


def _literal(node: cst.BaseExpression) -> str | None:
    """The repr of a literal's value (`None`, `True`, `'x'`, `3`), else None."""
    kind = type(node)
    if kind is cst.Name:
        value = node.value  # type: ignore[attr-defined]
        return value if value in ("None", "True", "False") else None
    if kind in (cst.SimpleString, cst.Integer, cst.Float):
        try:
            return repr(ast.literal_eval(node.value))  # type: ignore[attr-defined]
        except (ValueError, SyntaxError):
            return None
    return None


def _defaults(node: cst.FunctionDef | cst.Module) -> tuple[tuple[tuple[str, str], ...], int]:
    """Literal defaults by parameter, and the number of positional parameters."""
    if isinstance(node, cst.Module):
        return (), 0
    params = node.params
    positional = (*params.posonly_params, *params.params)
    out = []
    for param in (*positional, *params.kwonly_params):
        literal = _literal(param.default) if param.default is not None else None
        if literal is not None:
            out.append((param.name.value, literal))
    return tuple(out), len(positional)


def _none_predicate(node: cst.FunctionDef | cst.Module) -> str | None:
    """ "is not None" for `def exists(v): return v is not None` (one parameter, one
    statement that returns a None test of it), "is None" for its opposite."""
    if isinstance(node, cst.Module) or not isinstance(node.body, cst.IndentedBlock):
        return None
    params = node.params
    every = (*params.posonly_params, *params.params, *params.kwonly_params)
    if len(every) != 1 or len(node.body.body) != 1:
        return None
    line = node.body.body[0]
    statement = (
        line.body[0] if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 else None
    )
    if not isinstance(statement, cst.Return) or not isinstance(statement.value, cst.Comparison):
        return None
    test = statement.value
    if len(test.comparisons) != 1:
        return None
    (target,) = test.comparisons
    operator = type(target.operator)
    if (
        isinstance(test.left, cst.Name)
        and test.left.value == every[0].name.value
        and _is_none(target.comparator)
        and operator in (cst.Is, cst.IsNot)
    ):
        return "is not None" if operator is cst.IsNot else "is None"
    return None


def _none_defaults(node: cst.FunctionDef | cst.Module) -> frozenset[str]:
    if isinstance(node, cst.Module):
        return frozenset()
    params = node.params
    every = (*params.posonly_params, *params.params, *params.kwonly_params)
    return frozenset(p.name.value for p in every if p.default is not None and _is_none(p.default))


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _text(node: cst.CSTNode) -> str:
    return " ".join(_EMPTY_MODULE.code_for_node(node).split())


def lower_file(path: Path, data: bytes | None = None) -> ModuleIR | SourceError:
    """The analysable form of one file, or the one-line reason it has none."""
    source = read_source(path, data)
    if isinstance(source, SourceError):
        return source
    name, is_package = module_name_for(path)
    package = name if is_package else name.rpartition(".")[0]
    try:
        collected = collect_scopes(source.module, name, package)
        index = {id(call): number for number, call in enumerate(collected.calls)}
        iterables = {id(node): number for number, node in enumerate(collected.iterables)}
        bases = _bases(source.module, collected.definitions)
        lowerer = Lowerer(index, collected.scope, iterables, bases)
        functions = []
        for definition in collected.definitions:
            function = lowerer.function(definition)
            base = bases.get(id(definition.node))
            if base is not None:
                function = replace(function, call_base=base[0], iteration_base=len(index) + base[1])
            functions.append(function)
            lowerer.store(definition.stores)
        lowerer.assigned, lowerer.chained_at = {}, {}
        for info in collected.classes.values():
            lowerer.scope = info.scope
            lowerer.store(info.stores)
    except RecursionError:
        return SourceError(source.display, "too deeply nested to analyse")
    classes = lowerer.classes(collected.classes)
    call_names = tuple(last_name(call.func) for call in collected.calls) + tuple(
        last_name(node) for node in collected.iterables
    )
    digest = hashlib.sha256(source.text.encode("utf-8", "surrogatepass")).hexdigest()
    return ModuleIR(
        name, path, source.display, collected.scope, tuple(functions), classes, digest, call_names
    )


def _bases(module: cst.Module, definitions: list[Definition]) -> dict[int, tuple[int, int]]:
    """Where the calls and iterables of each top-level function, and each method of a
    top-level class, start; the same for the functions nested in them (by id of the
    definition's node). Their functions count their calls from there, so that an edit
    above leaves their records, and the body digests the incremental analysis compares,
    as they were."""
    top = {id(s) for s in module.body if isinstance(s, cst.FunctionDef)}
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            top |= {id(s) for s in statement.body.body if isinstance(s, cst.FunctionDef)}
    starts = {
        id(d.scope): (d.body_calls, d.body_iterables) for d in definitions if id(d.node) in top
    }
    bases = {}
    for definition in definitions:
        scope: Scope | None = definition.scope
        while scope is not None and id(scope) not in starts:
            scope = scope.parent
        if scope is not None:
            bases[id(definition.node)] = starts[id(scope)]
    return bases


def _qualified(node: cst.BaseExpression, scope: Scope) -> str | None:
    dotted = dotted_name(node)
    return qualify_dotted(dotted, scope) if dotted else None


def _callee_qualified(func: cst.BaseExpression, scope: Scope) -> str | None:
    """The qualified name a callee denotes; `self(...)` calls the instance's `__call__`."""
    if isinstance(func, cst.Name):
        binding = scope.lookup(func.value)
        if binding is not None and binding.kind is BindingKind.SELF and binding.target:
            return f"{binding.target}.__call__"
    return _qualified(func, scope)


def _is_super(node: cst.BaseExpression) -> bool:
    """`super()` (or `super(Cls, self)`): the call a method's `super().f(...)` is made on."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "super"
    )


def last_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def written(node: cst.CSTNode) -> str:
    """The callee as written, short: `mx.random.normal`, `make()()`, `layers[…].from_base`."""
    kind = type(node)
    if kind is cst.Name:
        return node.value  # type: ignore[attr-defined, no-any-return]
    if kind is cst.Attribute:
        return f"{written(node.value)}.{node.attr.value}"  # type: ignore[attr-defined]
    if kind is cst.Call:
        return f"{written(node.func)}()"  # type: ignore[attr-defined]
    if kind is cst.Subscript:
        return f"{written(node.value)}[…]"  # type: ignore[attr-defined]
    return "(…)"
