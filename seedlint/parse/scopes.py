"""Scopes and bindings of one module, collected without importing anything.

Each scope maps a name to what binds it: an import (to a qualified name), a project
def or class, or a plain local (unknown value). Function scopes follow Python's rule
that a name assigned anywhere in the body is local everywhere in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from seedlint.parse.bindings import GLOBAL, LOCAL, Binding, BindingKind, Scope
from seedlint.parse.imports import absolute_module, from_import_binding, import_binding
from seedlint.parse.walk import calls_in_source_order, source_ordered


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a chain of attributes over a name, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


def _import_module_name(node: cst.ImportFrom, package: str) -> str | None:
    module = dotted_name(node.module) if node.module is not None else ""
    if module is None:
        return None
    return absolute_module(module, len(node.relative), package)


# (class qualname, attribute, value assigned or None, annotation or None)
Store = tuple[str, str, cst.BaseExpression | None, cst.BaseExpression | None]


@dataclass(frozen=True, slots=True)
class Definition:
    """A function (or the module body) whose statements form one unit of analysis."""

    qualname: str  # project-wide, e.g. pkg.mod.Class.method
    display: str  # Python's __qualname__ style, e.g. Class.method
    node: cst.FunctionDef | cst.Module
    scope: Scope
    class_qualname: str | None  # enclosing class for methods
    params: tuple[str, ...]
    # What the body returns, and what it stores into attributes of `self`: (class,
    # attribute, value, annotation), for typing receivers (seedlint.resolve.receivers).
    returns: list[cst.BaseExpression] = field(default_factory=list)
    stores: list[Store] = field(default_factory=list)
    body_calls: int = 0  # the calls (of the module, in source order) before its body
    body_iterables: int = 0  # the same of the `for` clauses' iterables


@dataclass(frozen=True, slots=True)
class ClassInfo:
    qualname: str
    node: cst.ClassDef
    scope: Scope  # the scope the class statement stands in
    methods: frozenset[str]
    stores: list[Store] = field(default_factory=list)  # class-level `ATTR = value`


_MISSING = object()


class ScopeCollector:
    """Walks a module once: scopes, bindings, function definitions and classes."""

    def __init__(self, module_name: str, package: str) -> None:
        self.package = package
        self.module_scope = Scope("module", module_name, None)
        self.stack: list[Scope] = [self.module_scope]
        self.display_stack: list[str] = []
        self.class_stack: list[str | None] = [None]
        self.definitions: list[Definition] = []
        self.classes: dict[str, ClassInfo] = {}
        self.owners: list[Definition | ClassInfo] = []  # where returns and stores go
        self.calls: list[cst.Call] = []  # every call, in source order (outer first)
        self.iterables: list[cst.BaseExpression] = []  # of every `for` clause, in order
        self._handlers: dict[type, Any] = {}

    def walk(self, node: cst.CSTNode) -> None:
        kind = type(node)
        handler = self._handlers.get(kind, _MISSING)
        if handler is _MISSING:
            handler = self._handlers[kind] = getattr(type(self), f"visit_{kind.__name__}", None)
        if handler is not None and handler(self, node) is False:
            return
        for child in source_ordered(node):
            self.walk(child)

    @property
    def scope(self) -> Scope:
        return self.stack[-1]

    def _walk_body(
        self,
        body: cst.BaseSuite,
        scope: Scope,
        enclosing_class: str | None,
        owner: Definition | ClassInfo,
    ) -> None:
        """Walk a definition's body in its own scope, then leave the definition (whose
        name `display_stack` already holds)."""
        self.stack.append(scope)
        self.class_stack.append(enclosing_class)
        self.owners.append(owner)
        self.walk(body)
        self.owners.pop()
        self.class_stack.pop()
        self.stack.pop()
        self.display_stack.pop()

    def _child_qualname(self, name: str) -> str:
        scope = self.scope
        if scope.kind == "function":
            return f"{scope.qualname}.<locals>.{name}"
        return f"{scope.qualname}.{name}"

    # --- definitions -------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        name = node.name.value
        qualname = self._child_qualname(name)
        outer = self.scope
        outer.bind(name, Binding(BindingKind.DEF, qualname))
        enclosing_class = self.class_stack[-1] if outer.kind == "class" else None
        scope = Scope("function", qualname, outer)
        params = _parameter_names(node.params)
        decorators = {dotted_name(d.decorator) for d in node.decorators}
        for index, param in enumerate(params):
            if index == 0 and enclosing_class is not None and "staticmethod" not in decorators:
                # `cls` of a classmethod is the class itself: `cls(...)` builds one,
                # while `self(...)` calls the instance.
                kind = BindingKind.CLASS if "classmethod" in decorators else BindingKind.SELF
                scope.bind(param, Binding(kind, enclosing_class))
            else:
                scope.bind(param, LOCAL)
        self.display_stack.append(name)
        display = ".".join(self.display_stack)
        # Decorators, defaults and annotations run in the outer scope.
        for decorator in node.decorators:
            self.walk(decorator)
        self.walk(node.params)
        if node.returns is not None:
            self.walk(node.returns)
        definition = Definition(
            qualname,
            display,
            node,
            scope,
            enclosing_class,
            tuple(params),
            body_calls=len(self.calls),
            body_iterables=len(self.iterables),
        )
        self.definitions.append(definition)
        self._walk_body(node.body, scope, None, definition)
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        # Only annotations and defaults are walked here (in the outer scope).
        if node.annotation is not None:
            self.walk(node.annotation)
        if node.default is not None:
            self.walk(node.default)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        name = node.name.value
        qualname = self._child_qualname(name)
        self.scope.bind(name, Binding(BindingKind.CLASS, qualname))
        for decorator in node.decorators:
            self.walk(decorator)
        for arg in (*node.bases, *node.keywords):
            self.walk(arg)
        scope = Scope("class", qualname, self.scope)
        methods = frozenset(
            s.name.value for s in _body_statements(node.body) if isinstance(s, cst.FunctionDef)
        )
        info = self.classes[qualname] = ClassInfo(qualname, node, self.scope, methods)
        self.display_stack.append(name)
        self._walk_body(node.body, scope, qualname, info)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        # Counted for positions; binds nothing.
        calls_in_source_order(node, self.calls, self.iterables)
        return False

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.iterables.append(node.iter)

    # --- bindings ----------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            local, qualified = import_binding(full, _asname(alias))
            self.scope.bind(local, Binding(BindingKind.IMPORT, qualified))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _import_module_name(node, self.package)
        if module is None or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            local, qualified = from_import_binding(module, name, _asname(alias))
            self.scope.bind(local, Binding(BindingKind.IMPORT, qualified))

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.scope.bind(item.name.value, GLOBAL)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        # The name belongs to an enclosing function: do not make it local here.
        return None

    def _bind_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.scope.bind(target.value, LOCAL)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind_target(node.target)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._store(target.target, node.value, None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node.target)
        self._store(node.target, node.value, node.annotation.annotation)

    def visit_Return(self, node: cst.Return) -> None:
        owner = self.owners[-1] if self.owners else None
        if node.value is not None and isinstance(owner, Definition):
            owner.returns.append(node.value)

    def _store(
        self,
        target: cst.BaseExpression,
        value: cst.BaseExpression | None,
        annotation: cst.BaseExpression | None,
    ) -> None:
        """Record `self.ATTR = value` in a method, or `ATTR = value` in a class body."""
        owner = self.owners[-1] if self.owners else None
        if isinstance(owner, ClassInfo) and isinstance(target, cst.Name):
            owner.stores.append((owner.qualname, target.value, value, annotation))
        elif (
            isinstance(owner, Definition)
            and isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
        ):
            binding = self.scope.lookup(target.value.value)
            if binding is not None and binding.kind is BindingKind.SELF and binding.target:
                owner.stores.append((binding.target, target.attr.value, value, annotation))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target)
        self.iterables.append(node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._bind_target(node.name.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self._bind_target(node.name)


def _parameter_names(params: cst.Parameters) -> list[str]:
    names = [p.name.value for p in (*params.posonly_params, *params.params)]
    if isinstance(params.star_arg, cst.Param):
        names.append(params.star_arg.name.value)
    names += [p.name.value for p in params.kwonly_params]
    if params.star_kwarg is not None:
        names.append(params.star_kwarg.name.value)
    return names


def _body_statements(body: cst.BaseSuite) -> list[cst.CSTNode]:
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    return []


@dataclass(frozen=True, slots=True)
class Collected:
    scope: Scope
    definitions: list[Definition]
    classes: dict[str, ClassInfo]
    calls: list[cst.Call]  # source order
    # Every `for` clause's iterable, in the order they start: numbered after the calls
    # (seedlint.report.positions places them).
    iterables: list[cst.BaseExpression] = field(default_factory=list)


def collect_scopes(module: cst.Module, module_name: str, package: str) -> Collected:
    collector = ScopeCollector(module_name, package)
    collector.walk(module)
    module_def = Definition(module_name, "<module>", module, collector.module_scope, None, ())
    return Collected(
        collector.module_scope,
        [module_def, *collector.definitions],
        collector.classes,
        collector.calls,
        collector.iterables,
    )
