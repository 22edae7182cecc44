"""A module lowered in parts (its skeleton, and each function body apart) is the module
lowered whole: the same functions, classes, bindings and callee names, every call at the
same place in the module's numbering; and a part is lowered again only when its text,
or what the module binds the names it mentions to, changed."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from typing import Any

import pytest

from seedlint.lower.ir import (
    CallSite,
    FunctionIndex,
    FunctionIR,
    LoweredDefinition,
    LoweredFunction,
    ModuleIR,
    place,
)
from seedlint.lower.lowering import lower_file
from seedlint.lower.parts import lower_in_parts
from seedlint.lower.skeleton import skeleton_of, source_lines
from seedlint.parse.sources import source_text
from seedlint.store.codec import decode
from seedlint.store.spill import lowered_function

ROOT = Path(__file__).resolve().parents[1]

EDGE_CASES = '''\
"""A module with the shapes a skeleton must keep."""
import functools
import mlx.core as mx
import mlx.nn as nn
from functools import wraps as _wraps
from torch.utils.data import DataLoader

for _layer in [nn.Linear(1, 1) for _ in range(2)]:
    pass

TYPE_CHECKING = False
if TYPE_CHECKING:
    def typed(x): return mx.random.normal((x,))


def one_line(seed): mx.random.seed(seed)


def docstring_only():
    """Nothing else."""


@functools.lru_cache(maxsize=mx.array(3).item())
def decorated(a=mx.random.normal((2,)), *, b=lambda: nn.Linear(2, 2)) -> nn.Linear:
    # a comment first
    @_wraps(decorated)
    def inner(*args):
        global TYPE_CHECKING
        TYPE_CHECKING = nn.Linear(2, 2)
        return mx.random.normal((2,))

    return inner(mx.random.uniform(shape=(1,)))


def batches(data, seed):
    loader = DataLoader(data, shuffle=True)
    for batch in loader:
        yield [sum(x for x in iter(loader)) for _ in batch]
    for item in enumerate(DataLoader(data)):
        yield item


async def waits(seed):
    class Local:
        def __init__(self):
            self.layer: nn.Linear = make()

    mx.random.seed(seed)
    x = [mx.random.normal((2,)) for _ in range(2)]; y = nn.Linear(2, 2)
    return x, y


class Model(nn.Module):
    layers = [nn.Linear(2, 2)]

    def __init__(self, seed=None):
        super().__init__()
        if seed is not None:
            mx.random.seed(seed)
        self.proj = nn.Linear(2, 2)

    @staticmethod
    def make(size):
        return nn.Linear(size, size)

    @classmethod
    def build(cls, seed):
        mx.random.seed(seed)
        return cls()

    head = nn.Linear(2, 2)

    def __call__(self, x): return self.proj(x)

    class Inner:
        def draw(self):
            return mx.random.normal((2,))

    def lora(self):
        class Adapter(nn.Module):
            scale = nn.Linear(1, 1)

            def __init__(self):
                self.a = nn.Linear(2, 2)

        def walk(module):
            for child in module.children():
                walk(child)
            return self.proj.from_base(module)

        return walk(self)


def one_line(seed):
    mx.random.seed(seed)
    return Model(seed).lora()
'''


def _shifted(value: Any, function: FunctionIndex, memo: dict[int, Any]) -> Any:
    """`value` with every CallSite's index the module's (shared objects stay shared)."""
    base = function
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, CallSite):
        fields = {
            f.name: _shifted(getattr(value, f.name), base, memo) for f in dataclasses.fields(value)
        }
        out: Any = dataclasses.replace(value, **{**fields, "index": place(function, value)})
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: _shifted(getattr(value, f.name), base, memo) for f in dataclasses.fields(value)
        }
        out = dataclasses.replace(value, **fields)
    elif isinstance(value, tuple):
        out = tuple(_shifted(v, base, memo) for v in value)
    elif isinstance(value, list):
        out = [_shifted(v, base, memo) for v in value]
    elif isinstance(value, dict):
        out = {k: _shifted(v, base, memo) for k, v in value.items()}
    else:
        return value
    memo[id(value)] = out
    return out


def _absolute(function: FunctionIR | LoweredFunction) -> FunctionIR:
    """The function with every call site numbered as in its module, as spilled."""
    if isinstance(function, FunctionIR):
        function = lowered_function(function)
    ir = decode(function.record, FunctionIR)
    return _shifted(ir, function.index, {})  # type: ignore[no-any-return]


def _plain(value: Any) -> Any:
    """`value` as nested tuples (some of the graph's classes compare by identity)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value).__name__, *(_plain(getattr(value, f.name)) for f in fields))
    if isinstance(value, tuple | list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _plain(v)) for k, v in value.items())
    return value


def _in_parts(path: Path, text: str, reuse: Any = lambda key: None) -> tuple[ModuleIR, Any]:
    found = lower_in_parts(path, text, str(path), reuse)
    assert found is not None
    return found


def _assert_same(whole: ModuleIR, parts: ModuleIR) -> None:
    assert parts.call_names == whole.call_names
    assert parts.digest == whole.digest
    assert parts.classes == whole.classes
    assert parts.scope.bindings == whole.scope.bindings
    assert [f.qualname for f in map(_absolute, parts.functions)] == [
        f.qualname for f in map(_absolute, whole.functions)
    ]
    for got, want in zip(
        map(_absolute, parts.functions), map(_absolute, whole.functions), strict=True
    ):
        assert _plain(got) == _plain(want), want.qualname


def _module_files() -> list[Path]:
    found = sorted((ROOT / "fixtures").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))
    corpus = ROOT / ".corpus"
    found += sorted(corpus.glob("unsloth-zoo-2026.5.3/unsloth_zoo/mlx/*.py"))
    found += sorted(corpus.glob("trl-1.14.2/trl/trainer/grpo_trainer.py"))
    return found


@pytest.mark.parametrize("path", _module_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_module_lowered_in_parts_is_the_module_lowered_whole(path: Path) -> None:
    whole = lower_file(path)
    if not isinstance(whole, ModuleIR):
        pytest.skip(f"not analysable: {whole}")
    text = source_text(path.read_bytes())
    assert text is not None
    parts, _kept = _in_parts(path, text)
    _assert_same(whole, parts)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("indent", ["    ", "\t"])
def test_the_shapes_a_skeleton_must_keep(tmp_path: Path, newline: str, indent: str) -> None:
    text = EDGE_CASES.replace("    ", indent).replace("\n", newline)
    path = tmp_path / "shapes.py"
    path.write_bytes(text.encode())
    whole = lower_file(path)
    assert isinstance(whole, ModuleIR)
    parts, kept = _in_parts(path, text)
    _assert_same(whole, parts)
    skeleton = skeleton_of(text)
    assert skeleton is not None
    # Left out: the bodies that start a line of their own (not the one-liners'), methods
    # of top-level classes included (not those of the nested class).
    left_out = {(s.owner, s.name) for s in skeleton.slots if s.text is not None}
    assert left_out == {
        (None, "docstring_only"),
        (None, "decorated"),
        (None, "batches"),
        (None, "waits"),
        ("Model", "__init__"),
        ("Model", "make"),
        ("Model", "build"),
        ("Model", "lora"),
        (None, "one_line"),
    }
    assert len(kept.definitions) == len(left_out)
    assert len(source_lines(skeleton.text)) < len(source_lines(text))


def test_an_edit_lowers_again_only_the_parts_it_touches(tmp_path: Path) -> None:
    path = tmp_path / "shapes.py"
    text = EDGE_CASES
    _, kept = _in_parts(path, text)
    earlier: dict[str, LoweredDefinition] = dict(kept.definitions)
    asked: list[bool] = []

    def reuse(key: str) -> LoweredDefinition | None:
        asked.append(key in earlier)
        return earlier.get(key)

    # A line added in one method shifts every call after it.
    edited = text.replace(
        "        self.proj = nn.Linear(2, 2)\n",
        "        print(mx.random.normal((1,)))\n        self.proj = nn.Linear(2, 2)\n",
    )
    path.write_text(edited)
    parts, _ = _in_parts(path, edited, reuse)
    _assert_same(lower_file(path), parts)  # type: ignore[arg-type]
    assert asked.count(False) == 1 and asked.count(True) == len(earlier) - 1

    # A module-level name a part mentions, bound anew: that part (and only the parts
    # that mention it) is lowered again.
    asked.clear()
    rebound = edited.replace(
        "from functools import wraps as _wraps", "from functools import partial as _wraps"
    )
    path.write_text(rebound)
    parts, _ = _in_parts(path, rebound, reuse)
    _assert_same(lower_file(path), parts)  # type: ignore[arg-type]
    assert asked.count(False) == 2  # `decorated` (which mentions it) and the edited method


def test_the_skeleton_leaves_out_most_of_a_large_module() -> None:
    path = ROOT / ".corpus" / "unsloth-zoo-2026.5.3" / "unsloth_zoo" / "mlx" / "loader.py"
    if not path.is_file():
        pytest.skip("the corpus is not fetched")
    text = source_text(path.read_bytes())
    assert text is not None
    skeleton = skeleton_of(text)
    assert skeleton is not None
    assert len(source_lines(skeleton.text)) < len(source_lines(text)) / 3


def test_text_python_cannot_parse_has_no_skeleton() -> None:
    assert skeleton_of("def f(:\n    pass\n") is None
    assert skeleton_of(textwrap.dedent("x = 1\n")) == skeleton_of("x = 1\n")


def test_a_workers_parts_are_kept_for_the_next_run_after_it_answers(tmp_path: Path) -> None:
    """A module lowered in parts by a worker leaves its parts in the cache for the next
    run (the worker writes them after it has answered: see test_isolation for the wait
    at the run's end)."""
    import os
    import subprocess
    import sys

    from seedlint.lower.workers import PARTS_FROM

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    helpers = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(PARTS_FROM))
    module = package / "big.py"
    build = "def build(seed, warm):\n    if warm:\n        mx.random.seed(seed)\n"
    module.write_text(
        f"import mlx.core as mx\n\n\n{helpers}{build}    return mx.random.normal((2,))\n"
    )
    cache = tmp_path / "cache"
    env = {**os.environ, "SEEDLINT_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "seedlint", "--context", "package", "pkg/big.py"]
    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert "SDL101" in first.stdout, first.stderr
    assert len(list((cache / "parts").glob("*/*"))) == 1
