"""Where a witness's conditions are tested, read off the function's source (static).

A witness names decisions by their text (`count > 0` is false), as the control-flow graph
splits them: `and`, `or` and `not` apart. The child needs where each one is decided, to
see which way a run went: the line its test starts on and, when the condition is the whole
test, the lines of the branch it guards (the next line a run executes says which side
was taken). A condition that is one part of a test is evaluated in the frame instead, if
that cannot call the checked code (`safe`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeGuard

# Builtins a condition may call and still be evaluated in the frame: none runs user code
# beyond attribute reads (`hasattr` and `getattr` may reach a property).
_PURE_CALLS = frozenset({"len", "isinstance", "issubclass", "hasattr", "getattr", "callable"})
_SAFE_NODES = (
    ast.Name,
    ast.Constant,
    ast.Attribute,
    ast.Subscript,
    ast.Compare,
    ast.BoolOp,
    ast.UnaryOp,
    ast.BinOp,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Load,
    ast.cmpop,
    ast.boolop,
    ast.unaryop,
    ast.operator,
    ast.keyword,
    ast.Slice,
)


@dataclass(frozen=True, slots=True)
class Test:
    """One place a condition is decided."""

    line: int  # the line its test starts on: the run's line event there comes first
    end_line: int  # the test's last line
    body: tuple[int, int] | None  # lines of the true branch, when the condition is the test


@dataclass(slots=True)
class Condition:
    """A witness condition: where it is tested and what its value follows from."""

    text: str
    tests: list[Test]
    safe: bool
    params: list[str] = field(default_factory=list)  # parameters of the function
    attrs: list[str] = field(default_factory=list)  # attributes of the model parameter
    # Where it is tested: "" in the target; `module:qualname` in a helper the draw
    # site's call goes down through (the lines are that function's).
    function: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Condition:
        tests = [Test(a, b, (c[0], c[1]) if c else None) for a, b, c in data["tests"]]
        return cls(
            data["text"], tests, data["safe"], data["params"], data["attrs"], data["function"]
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "tests": [[t.line, t.end_line, list(t.body) if t.body else None] for t in self.tests],
            "safe": self.safe,
            "params": self.params,
            "attrs": self.attrs,
            "function": self.function,
        }


def function_node(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The `def` of a `Class.method`, `function` or `outer.<locals>.inner` qualname in a
    parsed module (an inner function may stand under a loop or an `if` of the outer)."""
    scope: list[ast.stmt] = tree.body
    found: ast.stmt | None = None
    nested = False
    for part in qualname.split("."):
        if part == "<locals>":
            nested = True
            continue
        statements = _own_statements(scope) if nested else scope
        found = next(
            (
                s
                for s in statements
                if isinstance(s, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and s.name == part
            ),
            None,
        )
        if found is None:
            return None
        scope, nested = found.body, False
    return found if isinstance(found, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a function's body at any depth, not inside nested definitions."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack += reversed([c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)])


def _atoms(test: ast.expr) -> Iterator[ast.expr]:
    """The decisions of a test, split as the control-flow graph splits them."""
    if isinstance(test, ast.BoolOp):
        for value in test.values:
            yield from _atoms(value)
    elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _atoms(test.operand)
    else:
        yield test


def _tested(function: ast.AST) -> Iterator[tuple[ast.expr, tuple[int, int] | None]]:
    """Each test in the function's own body (not nested functions), with the lines of
    the branch it guards (None for a conditional expression or a match guard)."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.If, ast.While)):
            yield node.test, (node.body[0].lineno, node.body[-1].end_lineno or node.lineno)
        elif isinstance(node, ast.IfExp):
            yield node.test, None
        elif isinstance(node, ast.match_case) and node.guard is not None:
            yield node.guard, None
        stack.extend(ast.iter_child_nodes(node))


def _safe(node: ast.expr) -> bool:
    for part in ast.walk(node):
        if isinstance(part, ast.Call):
            if not (isinstance(part.func, ast.Name) and part.func.id in _PURE_CALLS):
                return False
        elif not isinstance(part, (*_SAFE_NODES, ast.Name)):
            return False
    return True


def locate(function: ast.AST, text: str) -> tuple[list[Test], bool]:
    """Where the condition `text` is tested in `function`, and whether it can be
    evaluated in the frame. No place if the text does not parse or is not found."""
    wanted = same(text)
    tests: list[Test] = []
    safe = True
    for test, body in _tested(function):
        for atom in _atoms(test):
            if ast.dump(atom) != wanted:
                continue
            whole = atom is test and body is not None
            end = test.end_lineno or test.lineno
            tests.append(Test(test.lineno, end, body if whole else None))
            safe = safe and _safe(atom)
    return sorted(tests, key=lambda t: t.line), safe


def guards(function: ast.AST, line: int) -> list[tuple[str, bool]]:
    """The conditions that must hold for the statement on `line` to run, as far as the
    `if`s and `while`s around it say: each decision of an `and` test whose body holds
    the line is true; the one decision of a test whose `else` holds it is false; and
    the test of an `if` before it whose body leaves (`return`, `raise`, `continue`,
    `break`) is false."""
    out: list[tuple[str, bool]] = []
    node: ast.AST = function
    while True:
        statements = [
            child
            for child in ast.iter_child_nodes(node)
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case))
        ]
        inner = next((s for s in statements if _lines(s)[0] <= line <= _lines(s)[1]), None)
        if inner is None or isinstance(
            inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ):
            return out
        for before in _preceding(node, inner):
            if _leaves(before):
                out += _needed(before.test, False)
        if isinstance(inner, (ast.If, ast.While)) and inner.body:
            in_body = inner.body[0].lineno <= line <= (inner.body[-1].end_lineno or line)
            out += _needed(inner.test, in_body)
        node = inner


def _preceding(node: ast.AST, statement: ast.AST) -> list[ast.stmt]:
    """The statements before `statement` in the block of `node` that holds it."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(node, name, None)
        if isinstance(block, list) and statement in block:
            return block[: block.index(statement)]
    return []


def _leaves(statement: ast.AST) -> TypeGuard[ast.If]:
    """An `if` without `else` whose body always leaves the statements after it."""
    exits = (ast.Return, ast.Raise, ast.Continue, ast.Break)
    return (
        isinstance(statement, ast.If)
        and not statement.orelse
        and isinstance(statement.body[-1], exits)
    )


def _needed(test: ast.expr, value: bool) -> list[tuple[str, bool]]:
    """The decisions (as the witness words them) that make `test` take `value`, when
    that needs each of them one way; none otherwise."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _needed(test.operand, not value)
    if isinstance(test, ast.BoolOp):
        conjunction = isinstance(test.op, ast.And) == value
        return [d for v in test.values for d in _needed(v, value)] if conjunction else []
    return [(ast.unparse(test), value)]


def _lines(node: ast.AST) -> tuple[int, int]:
    if isinstance(node, ast.match_case):
        return node.pattern.lineno, node.body[-1].end_lineno or node.pattern.lineno
    start = getattr(node, "lineno", 0)
    return start, getattr(node, "end_lineno", None) or start


def same(text: str) -> str:
    """A key equal for two spellings of one condition (`a == 'x'`, `a=="x"`)."""
    try:
        return ast.dump(ast.parse(text.strip(), mode="eval").body)
    except SyntaxError:
        return text
