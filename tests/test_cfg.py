"""CFG edges asserted between statements found by their source text."""

from __future__ import annotations

import textwrap

import libcst as cst

from seedlint.cfg.build import build_cfg
from seedlint.cfg.model import CFG, EdgeKind
from tests.conftest import parseable_fixtures

_MODULE = cst.Module(body=[])


def graph(source: str) -> CFG:
    module = cst.parse_module(textwrap.dedent(source))
    function = module.body[0]
    assert isinstance(function, cst.FunctionDef)
    return build_cfg(function)


def block_of(cfg: CFG, text: str) -> int:
    """The block that evaluates the call whose source starts with `text`."""
    found = [b.id for b in cfg.blocks for c in b.calls if _MODULE.code_for_node(c).startswith(text)]
    assert len(found) == 1, f"{text!r} in {len(found)} blocks"
    return found[0]


def reaches(cfg: CFG, source: int, target: int, avoid: int | None = None) -> bool:
    seen, stack = {source}, [source]
    while stack:
        node = stack.pop()
        if node == target:
            return True
        for edge in cfg.successors[node]:
            if edge.target not in seen and edge.target != avoid:
                seen.add(edge.target)
                stack.append(edge.target)
    return False


def test_if_else_both_reach_join() -> None:
    cfg = graph("""
    def f(c):
        a()
        if c:
            b()
        else:
            d()
        e()
    """)
    a, b, d, e = (block_of(cfg, t) for t in ("a()", "b()", "d()", "e()"))
    assert reaches(cfg, a, e, avoid=b) and reaches(cfg, a, e, avoid=d)
    assert not reaches(cfg, b, d) and not reaches(cfg, d, b)
    (decision,) = [b.id for b in cfg.blocks if b.condition is not None]
    assert {edge.kind for edge in cfg.successors[decision]} == {EdgeKind.TRUE, EdgeKind.FALSE}


def test_return_and_raise_end_paths() -> None:
    cfg = graph("""
    def f(c):
        if c:
            return g()
        if c > 1:
            raise h()
        k()
    """)
    g, h, k = (block_of(cfg, t) for t in ("g()", "h()", "k()"))
    assert not reaches(cfg, g, k) and not reaches(cfg, h, k)
    assert reaches(cfg, g, cfg.exit) and not reaches(cfg, h, cfg.exit)
    assert reaches(cfg, h, cfg.raise_exit)


def test_loop_back_edge_break_and_else() -> None:
    cfg = graph("""
    def f(xs):
        for x in xs:
            if x:
                brk()
                break
            body()
        else:
            exhausted()
        after()
    """)
    brk, body, exhausted, after = (
        block_of(cfg, t) for t in ("brk()", "body()", "exhausted()", "after()")
    )
    assert reaches(cfg, body, body)  # back edge
    assert any(e.kind is EdgeKind.BACK for out in cfg.successors for e in out)
    assert reaches(cfg, brk, after, avoid=exhausted)
    assert not reaches(cfg, brk, exhausted)


def test_try_statement_may_jump_to_handler_before_its_effects() -> None:
    cfg = graph("""
    def f():
        try:
            first()
            second()
        except ValueError:
            handler()
        finally:
            cleanup()
        after()
    """)
    first, second, handler, cleanup = (
        block_of(cfg, t) for t in ("first()", "second()", "handler()", "cleanup()")
    )
    entry_to_handler_without_first = reaches(cfg, cfg.entry, handler, avoid=first)
    assert entry_to_handler_without_first
    assert reaches(cfg, first, handler, avoid=second)
    assert reaches(cfg, handler, cleanup)
    # An exception the handler does not catch still runs finally and leaves by raise.
    assert reaches(cfg, cleanup, cfg.raise_exit)


def test_while_true_leaves_only_by_break() -> None:
    cfg = graph("""
    def f():
        while True:
            spin()
        never()
    """)
    assert not any(
        "never" in _MODULE.code_for_node(c) for b in cfg.blocks for c in b.calls
    ) or not reaches(cfg, cfg.entry, block_of(cfg, "never()"))
    assert not reaches(cfg, cfg.entry, cfg.exit)


def test_short_circuit_seed_is_conditional() -> None:
    cfg = graph("""
    def f(flag):
        flag and seed()
        use()
    """)
    seed, use = block_of(cfg, "seed()"), block_of(cfg, "use()")
    assert reaches(cfg, cfg.entry, use, avoid=seed)


def test_lambda_and_nested_def_bodies_do_not_run() -> None:
    cfg = graph("""
    def f():
        g = lambda: inner()
        def h():
            nested()
        outer()
    """)
    calls = {_MODULE.code_for_node(c) for b in cfg.blocks for c in b.calls}
    assert calls == {"outer()"}


def test_match_without_wildcard_falls_through() -> None:
    cfg = graph("""
    def f(x):
        match x:
            case 1:
                one()
        after()
    """)
    one, after = block_of(cfg, "one()"), block_of(cfg, "after()")
    assert reaches(cfg, cfg.entry, after, avoid=one)


def test_assert_failure_raises() -> None:
    cfg = graph("""
    def f(x):
        assert check(x)
        after()
    """)
    check = block_of(cfg, "check(x)")
    assert reaches(cfg, check, cfg.raise_exit)


def _paths(cfg: CFG, limit: int = 2000) -> set[tuple[tuple[str, ...], str]]:
    """Calls and conditions (with the branch taken) along every path from the entry
    that visits no block twice, each with where it ends: a bounded walk."""
    out: set[tuple[tuple[str, ...], str]] = set()
    stack: list[tuple[int, tuple[str, ...], frozenset[int]]] = [(cfg.entry, (), frozenset())]
    while stack and len(out) < limit:
        node, seen, visited = stack.pop()
        block = cfg.blocks[node]
        here = seen + tuple(_MODULE.code_for_node(c) for c in block.calls)
        ends = {cfg.exit: "exit", cfg.raise_exit: "raise"}
        if node in ends:
            out.add((here, ends[node]))
        for edge in cfg.successors[node]:
            step = here
            if block.condition is not None:
                step += (f"{_MODULE.code_for_node(block.condition)}={edge.kind.value}",)
            if edge.target in visited | {node}:
                out.add((step, f"loop:{edge.kind.value}"))
            else:
                stack.append((edge.target, step, visited | {node}))
    return out


def test_compaction_keeps_every_path_and_drops_pass_through_blocks() -> None:
    from seedlint.cfg.compact import compact

    dropped = 0
    for path in parseable_fixtures():
        module = cst.parse_module(path.read_bytes())
        for node in module.body:
            if not isinstance(node, cst.FunctionDef):
                continue
            full = build_cfg(node)
            small = compact(full)
            assert _paths(small) == _paths(full), f"{path.name}: {node.name.value}"
            assert [b.id for b in small.blocks] == list(range(len(small.blocks)))
            dropped += len(full.blocks) - len(small.blocks)
            for b, block in enumerate(small.blocks):
                out = small.successors[b]
                passes_on = len(out) == 1 and out[0].kind is EdgeKind.NEXT
                fixed = b in (small.entry, small.exit, small.raise_exit)
                kept = block.calls or block.iterations or block.condition is not None
                assert fixed or kept or not passes_on
    assert dropped > 0
