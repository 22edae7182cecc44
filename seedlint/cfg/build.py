"""Build a CFG from a function body (or a module body) written in libcst.

Each `visit_*` takes the block control is in and returns the block where it continues
(None once the path has ended in return, raise, break or continue). Nested `def` and
`lambda` bodies are not walked: they do not run where they are defined. A class body
does run where it stands, so its statements are part of the enclosing graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import libcst as cst

from seedlint.cfg.model import CFG, Block, EdgeKind, linked
from seedlint.parse.walk import calls_in, children, has_call

_CATCH_ALL = frozenset({None, "BaseException", "Exception"})
_SPECIAL = frozenset(
    {
        cst.Lambda,
        cst.BooleanOperation,
        cst.IfExp,
        cst.ListComp,
        cst.SetComp,
        cst.GeneratorExp,
        cst.DictComp,
    }
)


@dataclass(slots=True, eq=False)
class _Block:
    id: int
    calls: list[cst.Call] = field(default_factory=list)
    condition: cst.BaseExpression | None = None
    statement: cst.CSTNode | None = None
    edges: list[tuple[int, EdgeKind]] = field(default_factory=list)
    stores: list[tuple[int, cst.Attribute]] = field(default_factory=list)
    loop: tuple[str, tuple[str, ...]] | None = None
    iterations: list[tuple[int, cst.BaseExpression]] = field(default_factory=list)


@dataclass(slots=True)
class _Finally:
    entry: _Block
    # "return" | "raise" | "break" | "continue", in the order first met (a set's order
    # would change the edges' order from run to run).
    pending: dict[str, None] = field(default_factory=dict)


@dataclass(slots=True)
class _Frame:
    """Where abrupt exits go from the statements currently being built."""

    raise_to: list[_Block]
    return_to: _Block
    break_to: _Block | None = None
    continue_to: _Block | None = None
    final: _Finally | None = None  # the innermost enclosing `finally`
    in_try: bool = False  # statements may jump to raise_to before their own effects

    def loop_body(self, after: _Block, header: _Block) -> _Frame:
        """A loop's body: `break` leaves to `after`, `continue` goes back to `header`."""
        return _Frame(self.raise_to, self.return_to, after, header, self.final, self.in_try)

    def suppressing(self, after: _Block) -> _Frame:
        """A `with contextlib.suppress(...)` body: any statement may end it, at `after`."""
        return _Frame([after], self.return_to, self.break_to, self.continue_to, self.final, True)

    def through_finally(self, final: _Finally | None) -> _Frame:
        """The exits of a `try` statement's parts: through its `finally`, if it has one."""
        if final is None:
            return replace(self)
        entry = final.entry
        return _Frame(
            [entry],
            entry,
            entry if self.break_to else None,
            entry if self.continue_to else None,
            final,
            self.in_try,
        )

    def try_body(self, handlers: list[_Block], catches_all: bool) -> _Frame:
        """A `try` body (self: the statement's exits): exceptions reach the handlers first."""
        raise_to = handlers + ([] if catches_all else self.raise_to)
        return _Frame(raise_to, self.return_to, self.break_to, self.continue_to, self.final, True)


def _is_true_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "True"
    return isinstance(node, cst.Integer) and node.value not in ("0", "0x0")


def _handler_catches_all(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    if handler.type is None:
        return True
    if isinstance(handler.type, cst.Name):
        return handler.type.value in _CATCH_ALL
    return False


def _is_suppress(item: cst.WithItem) -> bool:
    call = item.item
    if not isinstance(call, cst.Call):
        return False
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return name == "suppress"


class CFGBuilder:
    """Created once per function; `build` returns the frozen graph."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self.targeted: set[int] = set()
        # `name = value` statements, for following a seed value to where it was made.
        self.assigned: dict[str, list[cst.BaseExpression]] = {}
        self.rebound: set[str] = set()
        # id(call) -> the one target its statement assigns the value to (`model = M()`,
        # `module.lora_a = normal(...)`): where a draw's result goes.
        self.stores: dict[int, cst.BaseExpression] = {}
        # id(call) -> the calls of the `with` items whose bodies it runs in, outermost first.
        self.within: dict[int, tuple[cst.Call, ...]] = {}
        self.contexts: list[cst.Call] = []
        # Names reassigned from a method of their own value (`pipe = pipe.to("cuda")`), with
        # the value the chain makes (`X.from_pretrained(p).to("cuda")`); replaced, never
        # changed, so that each call and iterable keeps the one in force where it stands
        # in the source: id(node) -> chains.
        self.chains: dict[str, cst.BaseExpression] = {}
        self.chained_at: dict[int, dict[str, cst.BaseExpression]] = {}
        self.entry = self.new_block()
        self.exit = self.new_block()
        self.raise_exit = self.new_block()
        self.frames: list[_Frame] = [_Frame(raise_to=[self.raise_exit], return_to=self.exit)]

    # --- plumbing ----------------------------------------------------------
    def new_block(self, statement: cst.CSTNode | None = None) -> _Block:
        block = _Block(len(self.blocks), statement=statement)
        self.blocks.append(block)
        return block

    def edge(self, source: _Block | None, target: _Block, kind: EdgeKind = EdgeKind.NEXT) -> None:
        if source is not None:
            source.edges.append((target.id, kind))
            self.targeted.add(target.id)

    @property
    def frame(self) -> _Frame:
        return self.frames[-1]

    def expression(self, node: cst.CSTNode, block: _Block) -> _Block:
        """Append the calls of `node` in evaluation order; branch where they are conditional."""
        # Exact type checks: isinstance against libcst's abstract classes is slow here.
        kind = type(node)
        if kind in _SPECIAL:
            if kind is cst.Lambda:
                return block
            if kind is cst.BooleanOperation:
                return self._short_circuit(node, block)  # type: ignore[arg-type]
            if kind is cst.IfExp:
                return self._conditional(node, block)  # type: ignore[arg-type]
            if kind is cst.DictComp:
                return self._comprehension(node, block, [node.key, node.value])  # type: ignore[arg-type, attr-defined]
            return self._comprehension(node, block, [node.elt])  # type: ignore[arg-type, attr-defined]
        for child in children(node):
            block = self.expression(child, block)
        if kind is cst.Call:
            block.calls.append(node)  # type: ignore[arg-type]
            if self.contexts:
                self.within[id(node)] = tuple(self.contexts)
            if self.chains:
                self.chained_at[id(node)] = self.chains
        return block

    def _short_circuit(self, node: cst.BooleanOperation, block: _Block) -> _Block:
        block = self.expression(node.left, block)
        if not has_call(node.right):
            return block
        right, join = self.new_block(), self.new_block()
        block.condition = node.left
        is_and = isinstance(node.operator, cst.And)
        self.edge(block, right, EdgeKind.TRUE if is_and else EdgeKind.FALSE)
        self.edge(block, join, EdgeKind.FALSE if is_and else EdgeKind.TRUE)
        self.edge(self.expression(node.right, right), join)
        return join

    def _conditional(self, node: cst.IfExp, block: _Block) -> _Block:
        block = self.expression(node.test, block)
        if not (has_call(node.body) or has_call(node.orelse)):
            return block
        body, orelse, join = self.new_block(), self.new_block(), self.new_block()
        block.condition = node.test
        self.edge(block, body, EdgeKind.TRUE)
        self.edge(block, orelse, EdgeKind.FALSE)
        self.edge(self.expression(node.body, body), join)
        self.edge(self.expression(node.orelse, orelse), join)
        return join

    def _comprehension(
        self, node: cst.BaseComp, block: _Block, parts: Sequence[cst.CSTNode]
    ) -> _Block:
        # The first iterable runs once; the rest runs zero or more times.
        block = self._iterated_expression(node.for_in.iter, block)
        rest: list[cst.CSTNode] = [*node.for_in.ifs, *parts]
        if node.for_in.inner_for_in is not None:
            rest.insert(0, node.for_in.inner_for_in)
        if not any(has_call(part) for part in rest):
            return block
        body, join = self.new_block(), self.new_block()
        self.edge(block, body)
        self.edge(block, join)
        end = body
        for part in rest:
            end = self.expression(part, end)
        self.edge(end, join)
        return join

    def _iterated_expression(self, node: cst.BaseExpression, block: _Block) -> _Block:
        """The calls of an iterable, then its iteration (`iter(node)`), which has no call
        in the source."""
        block = self.expression(node, block)
        block.iterations.append((len(block.calls), node))
        if self.chains:
            self.chained_at[id(node)] = self.chains
        return block

    def _raise_from(self, block: _Block) -> None:
        frame = self.frame
        if frame.final is not None and any(t is frame.final.entry for t in frame.raise_to):
            frame.final.pending.setdefault("raise")
        for target in frame.raise_to:
            self.edge(block, target, EdgeKind.RAISE)

    def _jump(self, block: _Block, kind: str) -> None:
        """return / break / continue, through any enclosing `finally`."""
        frame = self.frame
        target = {
            "return": frame.return_to,
            "break": frame.break_to,
            "continue": frame.continue_to,
        }[kind]
        if target is None:
            return
        if frame.final is not None and target is frame.final.entry:
            frame.final.pending.setdefault(kind)
        self.edge(block, target, EdgeKind.BACK if kind == "continue" else EdgeKind.NEXT)

    # --- statements ----------------------------------------------------------
    def build(self, body: Sequence[cst.CSTNode]) -> CFG:
        end = self.statements(body, self.entry)
        self.edge(end, self.exit)
        return self.freeze()

    def statements(self, body: Sequence[cst.CSTNode], block: _Block | None) -> _Block | None:
        for statement in body:
            if block is None:
                return None  # unreachable code after return/raise/break/continue
            if self.frame.in_try:
                # The statement may raise before any of its own effects.
                start = self.new_block(statement)
                self.edge(block, start)
                self._raise_from(start)
                block = self.new_block(statement)
                self.edge(start, block)
            elif block.statement is not None:
                fresh = self.new_block(statement)
                self.edge(block, fresh)
                block = fresh
            elif block.statement is None:
                block.statement = statement
            block = self.statement(statement, block)
        return block

    def suite(self, suite: cst.BaseSuite, block: _Block | None) -> _Block | None:
        if isinstance(suite, cst.IndentedBlock):
            return self.statements(suite.body, block)
        return self.statements([suite], block)

    def statement(self, node: cst.CSTNode, block: _Block) -> _Block | None:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is not None:
            result: _Block | None = method(node, block)
            return result
        return self.expression(node, block)

    def visit_SimpleStatementLine(
        self, node: cst.SimpleStatementLine, block: _Block
    ) -> _Block | None:
        current: _Block | None = block
        for small in node.body:
            if current is None:
                return None
            current = self.statement(small, current)
        return current

    visit_SimpleStatementSuite = visit_SimpleStatementLine  # `if x: a(); b()` on one line

    def _rebind(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.rebound.add(target.value)
            if target.value in self.chains:
                self.chains = {k: v for k, v in self.chains.items() if k != target.value}
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._rebind(element.value)
        elif isinstance(target, cst.StarredElement):
            self._rebind(target.value)

    def visit_Assign(self, node: cst.Assign, block: _Block) -> _Block:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.assigned.setdefault(target.target.value, []).append(node.value)
            else:
                self._rebind(target.target)
        if len(node.targets) == 1:
            self._store(node.value, node.targets[0].target)
        block = self.expression(node, block)
        if len(node.targets) == 1:
            self._attribute_store(node.targets[0].target, node.value, block)
            if isinstance(node.targets[0].target, cst.Name):
                self._chain(node.targets[0].target.value)
        return block

    def _chain(self, name: str) -> None:
        """After `name = value`: the chain `name` now stands for, if every assignment of
        it so far calls methods of the value before (the first one excepted)."""
        values = self.assigned[name]
        if len(values) < 2:
            return
        previous = self.chains.get(name) if len(values) > 2 else values[0]
        chains = dict(self.chains)
        rerooted = _rerooted(values[-1], name, previous) if previous is not None else None
        if rerooted is None or name in self.rebound:
            chains.pop(name, None)
        else:
            chains[name] = rerooted
        self.chains = chains

    @staticmethod
    def _attribute_store(
        target: cst.BaseExpression, value: cst.BaseExpression, block: _Block
    ) -> None:
        """Keep `layer.weight = w` where `layer` is a local object and `w` is not one of
        its own attributes (`m.head.weight = m.embed.weight` ties, it loads nothing)."""
        if not isinstance(target, cst.Attribute):
            return
        root: cst.BaseExpression = target
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name) or root.value in ("self", "cls"):
            return
        if _mentions(value, root.value):
            return
        block.stores.append((len(block.calls), target))

    def _store(self, value: cst.BaseExpression | None, target: cst.BaseExpression) -> None:
        if value is not None and isinstance(target, (cst.Name, cst.Attribute, cst.Subscript)):
            for call in calls_in(value):
                self.stores[id(call)] = target

    def visit_AugAssign(self, node: cst.AugAssign, block: _Block) -> _Block:
        self._rebind(node.target)
        return self.expression(node, block)

    def visit_AnnAssign(self, node: cst.AnnAssign, block: _Block) -> _Block:
        self._rebind(node.target)
        self._store(node.value, node.target)
        return self.expression(node, block)

    def single_assignments(self) -> dict[str, cst.BaseExpression]:
        return {
            name: values[0]
            for name, values in self.assigned.items()
            if len(values) == 1 and name not in self.rebound
        }

    def visit_Return(self, node: cst.Return, block: _Block) -> None:
        if node.value is not None:
            block = self.expression(node.value, block)
        self._jump(block, "return")

    def visit_Raise(self, node: cst.Raise, block: _Block) -> None:
        block = self.expression(node, block)
        self._raise_from(block)

    def visit_Break(self, node: cst.Break, block: _Block) -> None:
        self._jump(block, "break")

    def visit_Continue(self, node: cst.Continue, block: _Block) -> None:
        self._jump(block, "continue")

    def visit_Assert(self, node: cst.Assert, block: _Block) -> _Block:
        ok = self.new_block()
        failed = self.new_block()
        self.condition(node.test, block, ok, failed)
        if node.msg is not None:
            failed = self.expression(node.msg, failed)
        self._raise_from(failed)
        return ok

    def visit_FunctionDef(self, node: cst.FunctionDef, block: _Block) -> _Block:
        for decorator in node.decorators:
            block = self.expression(decorator.decorator, block)
        return self.expression(node.params, block)

    def visit_ClassDef(self, node: cst.ClassDef, block: _Block) -> _Block | None:
        for decorator in node.decorators:
            block = self.expression(decorator.decorator, block)
        for arg in node.bases:
            block = self.expression(arg, block)
        return self.suite(node.body, block)

    def condition(
        self, test: cst.BaseExpression, block: _Block, true: _Block, false: _Block
    ) -> None:
        """Branch on `test`, splitting `and` / `or` / `not` into their own decisions."""
        if isinstance(test, cst.BooleanOperation):
            middle = self.new_block()
            if isinstance(test.operator, cst.And):
                self.condition(test.left, block, middle, false)
            else:
                self.condition(test.left, block, true, middle)
            self.condition(test.right, middle, true, false)
            return
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            self.condition(test.expression, block, false, true)
            return
        block = self.expression(test, block)
        block.condition = test
        self.edge(block, true, EdgeKind.TRUE)
        self.edge(block, false, EdgeKind.FALSE)

    def visit_If(self, node: cst.If, block: _Block) -> _Block | None:
        body = self.new_block()
        orelse = self.new_block()
        self.condition(node.test, block, body, orelse)
        after = self.new_block()
        self.edge(self.suite(node.body, body), after)
        if isinstance(node.orelse, cst.If):
            self.edge(self.visit_If(node.orelse, orelse), after)
        elif isinstance(node.orelse, cst.Else):
            self.edge(self.suite(node.orelse.body, orelse), after)
        else:
            self.edge(orelse, after)
        return after if self._reachable(after) else None

    def _reachable(self, block: _Block) -> bool:
        return block.id in self.targeted

    def framed(self, frame: _Frame, suite: cst.BaseSuite, block: _Block | None) -> _Block | None:
        """`suite` built with `frame` as the destination of its abrupt exits."""
        self.frames.append(frame)
        try:
            return self.suite(suite, block)
        finally:
            self.frames.pop()

    def _loop(self, header: _Block, body_start: _Block, body: cst.BaseSuite) -> _Block:
        after = self.new_block()
        end = self.framed(self.frame.loop_body(after, header), body, body_start)
        self.edge(end, header, EdgeKind.BACK)
        return after

    def visit_For(self, node: cst.For, block: _Block) -> _Block | None:
        self._rebind(node.target)
        block = self._iterated_expression(node.iter, block)
        header = self.new_block()
        header.loop = _iterated(node)
        self.edge(block, header)
        body = self.new_block()
        exhausted = self.new_block()
        self.edge(header, body)
        self.edge(header, exhausted)
        after = self._loop(header, body, node.body)
        end = self.suite(node.orelse.body, exhausted) if node.orelse else exhausted
        self.edge(end, after)
        return after if self._reachable(after) else None

    def visit_While(self, node: cst.While, block: _Block) -> _Block | None:
        header = self.new_block()
        self.edge(block, header)
        body = self.new_block()
        exhausted = self.new_block()
        if _is_true_constant(node.test):
            self.edge(header, body)
        else:
            self.condition(node.test, header, body, exhausted)
        after = self._loop(header, body, node.body)
        if self._reachable(exhausted):
            end = self.suite(node.orelse.body, exhausted) if node.orelse else exhausted
            self.edge(end, after)
        return after if self._reachable(after) else None

    def visit_With(self, node: cst.With, block: _Block) -> _Block | None:
        for item in node.items:
            block = self.expression(item.item, block)
        managers = [item.item for item in node.items if isinstance(item.item, cst.Call)]
        self.contexts += managers
        try:
            return self._with_body(node, block)
        finally:
            del self.contexts[len(self.contexts) - len(managers) :]

    def _with_body(self, node: cst.With, block: _Block) -> _Block | None:
        if not any(_is_suppress(item) for item in node.items):
            return self.suite(node.body, block)
        # contextlib.suppress: any statement may end the body early.
        after = self.new_block()
        end = self.framed(self.frame.suppressing(after), node.body, block)
        self.edge(end, after)
        return after

    def visit_Try(self, node: cst.Try | cst.TryStar, block: _Block) -> _Block | None:
        parent = self.frame
        final = _Finally(self.new_block()) if node.finalbody is not None else None
        exits = parent.through_finally(final)
        handlers = [self.new_block(h) for h in node.handlers]
        catches_all = any(_handler_catches_all(h) for h in node.handlers)
        end = self.framed(exits.try_body(handlers, catches_all), node.body, block)
        after = self.new_block()
        ends = self._else_and_handlers(node, end, handlers, exits)
        for end in ends:
            self.edge(end, final.entry if final is not None else after)
        if final is not None:
            self._finally(node, final, any(end is not None for end in ends), after, parent)
        return after if self._reachable(after) else None

    def _else_and_handlers(
        self,
        node: cst.Try | cst.TryStar,
        body_end: _Block | None,
        handlers: list[_Block],
        exits: _Frame,
    ) -> list[_Block | None]:
        """The `else` after the body and each `except` from its block: where each ends."""
        self.frames.append(exits)
        try:
            orelse = node.orelse
            ends = [self.suite(orelse.body, body_end) if orelse is not None else body_end]
            except_handlers: Sequence[cst.ExceptHandler | cst.ExceptStarHandler] = node.handlers
            for handler, start in zip(except_handlers, handlers, strict=True):
                if handler.type is not None:
                    start = self.expression(handler.type, start)
                ends.append(self.suite(handler.body, start))
            return ends
        finally:
            self.frames.pop()

    def _finally(
        self,
        node: cst.Try | cst.TryStar,
        final: _Finally,
        normal: bool,
        after: _Block,
        parent: _Frame,
    ) -> None:
        """The `finally` body, then on to `after` (if the statement can end normally) and
        to each abrupt exit that passed through it, in the enclosing frame."""
        fin_end = self.suite(node.finalbody.body, final.entry) if node.finalbody else None
        if fin_end is None:
            return
        if normal:
            self.edge(fin_end, after)
        for kind in final.pending:
            self.frames.append(parent)
            if kind == "raise":
                self._raise_from(fin_end)
            else:
                self._jump(fin_end, kind)
            self.frames.pop()

    visit_TryStar = visit_Try

    def visit_Match(self, node: cst.Match, block: _Block) -> _Block | None:
        block = self.expression(node.subject, block)
        after = self.new_block()
        current = block
        has_wildcard = False
        for case in node.cases:
            body = self.new_block(case)
            irrefutable = _irrefutable(case.pattern) and case.guard is None
            if case.guard is not None:
                guard = self.new_block()
                self.edge(current, guard)
                nxt = self.new_block()
                self.edge(current, nxt)
                self.condition(case.guard, guard, body, nxt)
            else:
                self.edge(current, body)
                nxt = self.new_block()
                if not irrefutable:
                    self.edge(current, nxt)
            self.edge(self.suite(case.body, body), after)
            current = nxt
            if irrefutable:
                has_wildcard = True
                break
        if not has_wildcard:
            self.edge(current, after)
        return after if self._reachable(after) else None

    # --- output --------------------------------------------------------------
    def freeze(self) -> CFG:
        blocks = tuple(
            Block(
                b.id,
                tuple(b.calls),
                b.condition,
                b.statement,
                tuple(b.stores),
                b.loop,
                tuple(b.iterations),
            )
            for b in self.blocks
        )
        return linked(
            blocks,
            [b.edges for b in self.blocks],
            self.entry.id,
            self.exit.id,
            self.raise_exit.id,
        )


def _iterated(node: cst.For) -> tuple[str, tuple[str, ...]] | None:
    """The local object a `for` loop iterates a call on (`model.named_parameters()`,
    `model.state_dict().items()`), with the names it binds."""
    current: cst.BaseExpression = node.iter
    called = False
    while isinstance(current, (cst.Call, cst.Attribute)):
        if isinstance(current, cst.Call):
            called = True
            current = current.func
        else:
            current = current.value
    if not called or not isinstance(current, cst.Name) or current.value in ("self", "cls"):
        return None
    bound = [n.value for n in _bound_names(node.target)]
    return (current.value, tuple(bound)) if bound else None


def _rerooted(
    node: cst.BaseExpression, name: str, base: cst.BaseExpression
) -> cst.BaseExpression | None:
    """`node`, a chain of attributes and calls on `name` (`pipe.to("cuda")`), with `base`
    in place of `name` (`X.from_pretrained(p).to("cuda")`); None for anything else."""
    if isinstance(node, cst.Name):
        return base if node.value == name else None
    if isinstance(node, cst.Attribute):
        value = _rerooted(node.value, name, base)
        return node.with_changes(value=value) if value is not None else None
    if isinstance(node, cst.Call):
        func = _rerooted(node.func, name, base)
        return node.with_changes(func=func) if func is not None else None
    return None


def _bound_names(target: cst.BaseExpression) -> list[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in _bound_names(element.value)]
    return []


def _mentions(node: cst.CSTNode, name: str) -> bool:
    """Whether `name` appears as a name anywhere in `node`."""
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) is cst.Name and current.value == name:
            return True
        stack.extend(children(current))
    return False


def _irrefutable(pattern: cst.MatchPattern) -> bool:
    if isinstance(pattern, cst.MatchAs):
        return pattern.pattern is None or _irrefutable(pattern.pattern)
    if isinstance(pattern, cst.MatchOr):
        return any(_irrefutable(p.pattern) for p in pattern.patterns)
    return False


def build_cfg(node: cst.FunctionDef | cst.Module) -> CFG:
    return build_with_assignments(node).cfg


@dataclass(frozen=True, slots=True)
class Built:
    """A body's graph (its blocks hold libcst calls and attribute-store targets), with
    what lowering needs beside it."""

    cfg: CFG
    assigned: dict[str, cst.BaseExpression]  # names assigned exactly once, with their values
    stores: dict[int, cst.BaseExpression]  # id(call) -> the target its value is assigned to
    within: dict[int, tuple[cst.Call, ...]]  # id(call) -> the `with` items it runs under
    # id(call or iterable) -> the names reassigned as chains where it stands, with their
    # values (`pipe = pipe.to("cuda")`: pipe is `X.from_pretrained(p).to("cuda")`).
    chained_at: dict[int, dict[str, cst.BaseExpression]] = field(default_factory=dict)


def build_with_assignments(node: cst.FunctionDef | cst.Module) -> Built:
    builder = CFGBuilder()
    if isinstance(node, cst.Module):
        statements: Sequence[cst.CSTNode] = node.body
    elif isinstance(node.body, cst.IndentedBlock):
        statements = node.body.body
    else:
        statements = [node.body]
    cfg = builder.build(statements)
    return Built(
        cfg, builder.single_assignments(), builder.stores, builder.within, builder.chained_at
    )
