"""Incremental analysis: after any series of edits, a run that resumes from the cache's
project state reports exactly what a run from scratch reports, and computes less.

The package is generated from a small model (modules of functions that seed, draw, call
each other — recursion included — and branch on a flag or on a literal-valued option,
so that callers specialise them), and edited at random: statements added, removed or
moved into branches, calls to other helpers, option literals changed, functions and
modules added and removed."""

from __future__ import annotations

import contextlib
import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from seedlint.config import Config
from seedlint.engine import Options, RunResult, analyse
from seedlint.lower.workers import PARTS_FROM
from seedlint.report.diagnostics import Diagnostic
from seedlint.store import resident, state
from seedlint.store.cache import Cache

Statement = tuple[str, ...]


@dataclass
class Function:
    name: str
    body: list[Statement] = field(default_factory=list)


@dataclass
class Package:
    modules: dict[str, list[Function]]
    counter: int = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def functions(self) -> list[tuple[str, Function]]:
        return [(m, f) for m, functions in self.modules.items() for f in functions]

    def write(self, root: Path) -> None:
        folder = root / "pkg"
        for old in folder.glob("*.py"):
            if old.stem != "__init__" and old.stem not in self.modules:
                old.unlink()
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").write_text("")
        for module, functions in self.modules.items():
            lines = ["import mlx.core as mx", "import mlx.nn as nn"]
            lines += [f"from pkg import {other}" for other in self.modules if other != module]
            for function in functions:
                lines += ["", "", f"def {function.name}(seed=None, flag=False, mode='a'):"]
                lines += [f"    {line}" for s in function.body for line in _render(s)] or [
                    "    pass"
                ]
            (folder / f"{module}.py").write_text("\n".join(lines) + "\n")


def _render(statement: Statement) -> list[str]:
    kind = statement[0]
    if kind == "seed":
        return ["mx.random.seed(seed)"]
    if kind == "draw":
        return ["mx.random.normal((2,))"]
    if kind == "layer":
        return ["nn.Linear(2, 2)"]
    if kind == "call":
        _, module, name, mode = statement
        return [f"{module}.{name}(seed, flag, mode={mode!r})"]
    if kind == "stop":
        return ["raise SystemExit(1)"]
    inner = _render(statement[2:])
    test = "flag" if kind == "if_flag" else f"mode == {statement[1]!r}"
    return [f"if {test}:", *(f"    {line}" for line in inner)]


def _statement(package: Package, rng: random.Random) -> Statement:
    kind = rng.choice(["seed", "draw", "draw", "layer", "call", "call", "if_flag", "if_mode"])
    if kind == "call":
        module, function = rng.choice(package.functions())
        return ("call", module, function.name, rng.choice("ab"))
    if kind in ("if_flag", "if_mode"):
        inner = rng.choice([("seed",), ("draw",), ("stop",), ("layer",)])
        return (kind, rng.choice("ab"), *inner)
    return (kind,)


def _edit(package: Package, rng: random.Random) -> None:
    """One random edit, as a user would make it."""
    module, function = rng.choice(package.functions())
    action = rng.choice(
        ["add", "add", "add", "remove", "mode", "new_function", "drop_function", "new_module"]
    )
    if action == "add" or (action == "remove" and not function.body):
        function.body.insert(rng.randint(0, len(function.body)), _statement(package, rng))
    elif action == "remove":
        function.body.pop(rng.randrange(len(function.body)))
    elif action == "mode":
        calls = [i for i, s in enumerate(function.body) if s[0] == "call"]
        if calls:
            i = rng.choice(calls)
            kind, target_module, name, mode = function.body[i]
            function.body[i] = (kind, target_module, name, "b" if mode == "a" else "a")
    elif action == "new_function":
        made = Function(package.fresh("f"), [_statement(package, rng)])
        package.modules[module].append(made)
    elif action == "drop_function" and len(package.modules[module]) > 1:
        package.modules[module].remove(function)
    elif action == "new_module":
        package.modules[package.fresh("m")] = [Function(package.fresh("f"), [("draw",)])]


def _initial() -> Package:
    """A chain of helpers across modules under a function that seeds: what an edit at
    the bottom does reaches the findings at the top only through the summaries between."""
    return Package(
        {
            "m0": [
                Function(
                    "train", [("call", "m1", "build", "a"), ("seed",), ("call", "m1", "build", "b")]
                ),
                Function("loop", [("if_flag", "a", "stop"), ("call", "m0", "loop", "a")]),
            ],
            "m1": [Function("build", [("call", "m2", "init", "a")])],
            "m2": [Function("init", [("if_mode", "b", "layer"), ("call", "m3", "leaf", "a")])],
            "m3": [Function("leaf", [])],
        }
    )


def _run(root: Path, options: Options, only: Path | None = None) -> RunResult:
    config = Config()
    report = (lambda path: path.resolve() == only.resolve()) if only else (lambda path: True)
    key = f"only\0{only}" if only else ""
    return analyse([str(root / "pkg")], config, config.load_packs(), report, None, options, key)


@pytest.mark.parametrize("parts_from", [PARTS_FROM, 0], ids=["whole", "in-parts"])
@pytest.mark.parametrize("seed", [3, 5, 6])
def test_resumed_runs_match_runs_from_scratch_after_random_edits(
    tmp_path: Path, seed: int, parts_from: int
) -> None:
    """`in-parts`: the cached runs lower every module in parts (seedlint.lower.parts),
    reusing the parts of the last lowering; the runs from scratch lower them whole."""
    rng = random.Random(seed)
    package = _initial()
    cached = Options(cache=Cache(tmp_path / "cache"), parts_from=parts_from)
    package.write(tmp_path)
    first = _run(tmp_path, cached)
    findings = len(first.diagnostics)
    reused = 0
    for _step in range(12):
        _edit(package, rng)
        package.write(tmp_path)
        resumed = _run(tmp_path, cached)
        cold = _run(tmp_path, Options())
        assert resumed.diagnostics == cold.diagnostics, (_step, package)
        # One file of the package, as the pre-commit hook and the flake8 bridge ask.
        one = tmp_path / "pkg" / f"{rng.choice(list(package.modules))}.py"
        alone = _run(tmp_path, cached, only=one)
        assert alone.diagnostics == [d for d in cold.diagnostics if Path(d.path) == one]
        findings += len(cold.diagnostics)
        reused += resumed.summarised < cold.summarised
    assert findings > 0  # the edits make findings for the comparison to be worth anything
    assert reused > 0  # and the state was resumed from, not recomputed each time


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param([], [("draw",)], id="a-leaf-starts-drawing"),
        pytest.param([("draw",)], [("if_flag", "a", "stop"), ("draw",)], id="a-leaf-may-stop"),
        # The general summary of the leaf is "may draw" either way: only a caller that
        # specialises it for `mode='a'` sees the difference.
        pytest.param(
            [("if_mode", "b", "draw")], [("if_mode", "a", "draw")], id="a-specialised-leaf"
        ),
    ],
)
def test_an_edit_at_the_bottom_of_a_chain_reaches_the_findings_at_the_top(
    tmp_path: Path, before: list[Statement], after: list[Statement]
) -> None:
    package = _initial()
    leaf = package.modules["m3"][0]
    leaf.body = before
    cached = Options(cache=Cache(tmp_path / "cache"))
    package.write(tmp_path)
    first = _run(tmp_path, cached)
    leaf.body = after
    package.write(tmp_path)
    resumed = _run(tmp_path, cached)
    cold = _run(tmp_path, Options())
    assert first.diagnostics != cold.diagnostics  # the edit changes what is found
    assert resumed.diagnostics == cold.diagnostics
    assert resumed.parsed == (tmp_path / "pkg" / "m3.py",)
    assert 0 < resumed.summarised < cold.summarised


def test_the_cache_serves_a_file_however_it_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook names files relative to the repository, an editor absolutely: one entry."""
    _initial().write(tmp_path)
    monkeypatch.chdir(tmp_path)
    config = Config()
    cached = Options(cache=Cache(tmp_path / "cache"))
    relative = analyse(["pkg"], config, config.load_packs(), options=cached)
    absolute = analyse([str(tmp_path / "pkg")], config, config.load_packs(), options=cached)
    assert len(relative.parsed) == 5 and absolute.parsed == ()
    assert relative.diagnostics and absolute.summarised == 0
    assert [(d.path, d.line) for d in absolute.diagnostics] == [
        (str(tmp_path / d.path), d.line) for d in relative.diagnostics
    ]


def test_a_callers_summary_follows_a_none_test_it_inlines(tmp_path: Path) -> None:
    """`if exists(seed):` is read as the test in `exists`'s body: editing that body, which
    leaves `exists`'s own summary as it was, still changes its callers' summaries."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "checks.py").write_text("def exists(v):\n    return v is not None\n")
    (pkg / "steps.py").write_text(
        "import mlx.core as mx\nfrom pkg.checks import exists\n\n\n"
        "def prepare(seed=None):\n    if exists(seed):\n        mx.random.seed(seed)\n"
        "    return mx.random.normal((2,))\n"
    )
    (pkg / "top.py").write_text(
        "import mlx.core as mx\nfrom pkg.steps import prepare\n\n\n"
        "def run(seed, flag):\n    if flag:\n        mx.random.seed(seed)\n"
        "    prepare(None)\n"
    )
    cached = Options(cache=Cache(tmp_path / "cache"))
    first = _run(tmp_path, cached)
    (pkg / "checks.py").write_text("def exists(v):\n    return v is None\n")
    resumed = _run(tmp_path, cached)
    cold = _run(tmp_path, Options())
    assert any(Path(d.path).name == "top.py" for d in cold.diagnostics)
    assert first.diagnostics != cold.diagnostics
    assert resumed.diagnostics == cold.diagnostics
    assert 0 < resumed.summarised < cold.summarised


@pytest.mark.parametrize("few", [0, 8])
def test_kept_symbol_tables_give_the_answers_of_a_run_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    """After each edit the run starts from the symbol tables a run before kept (saved
    again after every edit with `few` = 0, else only once), with the edited files'
    units replaced: the findings are those of a run without the cache."""
    monkeypatch.setattr(resident, "_FEW", few)
    restored: list[int] = []
    restore = resident.ResidentTables.restore

    def counting(self: resident.ResidentTables, *args: object) -> object:
        tables = restore(self, *args)  # type: ignore[arg-type]
        restored.append(len(self.restored))
        return tables

    monkeypatch.setattr(resident.ResidentTables, "restore", counting)
    rng = random.Random(11)
    package = _initial()
    cached = Options(cache=Cache(tmp_path / "cache"))
    package.write(tmp_path)
    _run(tmp_path, cached)
    for step in range(8):
        _edit(package, rng)
        package.write(tmp_path)
        assert _run(tmp_path, cached).diagnostics == _run(tmp_path, Options()).diagnostics, step
    # (an edit that adds a module makes another list of files: a run without tables)
    assert restored[0] == 0 and sum(count > 0 for count in restored) >= len(restored) // 2


def test_each_run_leaves_the_state_the_next_one_resumes_from(tmp_path: Path) -> None:
    """After two edits in a row the second run computes what it would after that edit
    alone: the first edit's run left its own state, not the one it resumed from."""
    package = _initial()
    cached = Options(cache=Cache(tmp_path / "cache"))
    package.write(tmp_path)
    _run(tmp_path, cached)
    package.modules["m3"][0].body = [("draw",)]  # the bottom of the chain
    package.write(tmp_path)
    _run(tmp_path, cached)
    package.modules["m0"][1].body.append(("draw",))  # `loop`, which nothing else calls
    package.write(tmp_path)
    second = _run(tmp_path, cached)
    alone = Options(cache=Cache(tmp_path / "alone"))
    package.modules["m0"][1].body.pop()
    package.write(tmp_path)
    _run(tmp_path, alone)
    package.modules["m0"][1].body.append(("draw",))
    package.write(tmp_path)
    assert second.summarised == _run(tmp_path, alone).summarised


def test_a_run_after_an_edit_keeps_a_delta_to_the_state_until_it_grows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full state is written by a run from scratch and again once the rows changed
    since exceed the delta's size; in between, runs add to a delta beside it."""
    package = _initial()
    cache = tmp_path / "cache"
    cached = Options(cache=Cache(cache))
    package.write(tmp_path)
    _run(tmp_path, cached)
    (base,) = cache.glob("state/*/*[0-9a-f].blob")
    written = base.read_bytes()
    assert not list(cache.glob("state/*/*-delta.blob"))
    for body in ([("draw",)], [("seed",), ("draw",)]):
        package.modules["m3"][0].body = body
        package.write(tmp_path)
        resumed = _run(tmp_path, cached)
        assert resumed.diagnostics == _run(tmp_path, Options()).diagnostics
        assert base.read_bytes() == written  # the base stays
        assert len(list(cache.glob("state/*/*-delta.blob"))) == 1
    # A function gone since the base is gone from the state read back.
    package.modules["m0"] = [f for f in package.modules["m0"] if f.name != "loop"]
    package.write(tmp_path)
    _run(tmp_path, cached)
    key = base.name.removesuffix(".blob")
    kept = state.load_state(Cache(cache), key, tmp_path)
    assert kept is not None and kept.delta is not None
    with contextlib.closing(sqlite3.connect(kept.path)) as db:
        names = {name for (name,) in db.execute("SELECT qualname FROM known")}
    assert "pkg.m0.train" in names and "pkg.m0.loop" not in names
    monkeypatch.setattr(state, "_DELTA_ROWS", 0)  # every delta is too big now
    package.modules["m3"][0].body = [("layer",)]
    package.write(tmp_path)
    _run(tmp_path, cached)
    assert base.read_bytes() != written
    assert not list(cache.glob("state/*/*-delta.blob"))


def test_the_findings_are_told_before_the_run_keeps_its_state(tmp_path: Path) -> None:
    """`Options.found` hears the run's findings before the state is written (the flake8
    bridge answers flake8 then): the same findings the run returns."""
    package = _initial()
    package.write(tmp_path)
    cache = tmp_path / "cache"
    heard: list[tuple[list[Diagnostic], bool]] = []

    def found(diagnostics: list[Diagnostic]) -> None:
        heard.append((list(diagnostics), any((cache / "state").glob("*/*"))))

    result = _run(tmp_path, Options(cache=Cache(cache), found=found))
    assert result.diagnostics and heard == [(result.diagnostics, False)]
    assert any((cache / "state").glob("*/*"))
