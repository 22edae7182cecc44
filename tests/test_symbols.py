"""The main process keeps a project's indexes and per-function facts on disk (SQLite):
it must answer as the in-memory dictionaries did, and reuse summaries between rounds
only where they still hold."""

from __future__ import annotations

from pathlib import Path

from seedlint.analysis.project import analyse_project
from seedlint.config import Config
from seedlint.engine import Options, _summarise_rounds, project_tables
from seedlint.parse.prefilter import Vocabulary
from seedlint.parse.sources import discover
from seedlint.store.symbols import SymbolTable


def _tables(root: Path, tmp: Path, prefilter: bool = False) -> list[SymbolTable]:
    config = Config()
    files = [f for f in discover([str(root)], config) if isinstance(f, Path)]
    vocabulary = Vocabulary.of(config.load_packs()) if prefilter else None
    tables, errors, _parsed = project_tables(files, {}, vocabulary, Options(), tmp)
    assert not errors
    return tables


def test_a_name_defined_twice_denotes_its_last_definition(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "twice.py").write_text(
        "def first():\n    pass\n"
        "if FLAG:\n    def f(a):\n        pass\nelse:\n    def f(b, c):\n        pass\n"
        "def last():\n    pass\n"
    )
    (symbols,) = _tables(source, tmp_path)
    function = symbols.function("twice.f")
    assert function is not None and function.params == ("b", "c")
    names = [name for name, _ in symbols.definitions()]
    # Listed once, where first defined, as a dictionary filled in order would list it.
    assert names == ["twice", "twice.first", "twice.f", "twice.last"]
    assert dict(symbols.definitions())["twice.f"].params == ("b", "c")
    module, functions = next(symbols.modules())
    assert module.name == "twice" and len(functions) == 5  # both definitions are checked


def test_roots_merge_unless_their_module_names_clash(tmp_path: Path) -> None:
    for folder in ("one", "two", "three"):
        (tmp_path / folder).mkdir()
    (tmp_path / "one" / "a.py").write_text("def f():\n    pass\n")
    (tmp_path / "two" / "b.py").write_text("def g():\n    pass\n")
    (tmp_path / "three" / "a.py").write_text("def h():\n    pass\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    tables = _tables(tmp_path, scratch)
    assert sorted(sorted(t.names()) for t in tables) == [["a"], ["a", "b"]]
    merged = next(t for t in tables if "b" in t.names())
    assert merged.has_function("b.g") and (merged.has_function("a.f") or merged.has_function("a.h"))


def _woken_package(root: Path) -> Path:
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "maker.py").write_text(
        "import mlx.nn as nn\ndef make():\n    return nn.Linear(2, 2)\n"
    )
    # Mentions nothing a pack knows: not parsed until it turns out to call `make`.
    (package / "wrap.py").write_text("from .maker import make\ndef go():\n    return make()\n")
    (package / "main.py").write_text(
        "import mlx.core as mx\nfrom .wrap import go\n"
        "def train(seed):\n    mx.random.seed(seed)\n    return go()\n"
        "def outer(seed):\n    return train(seed)\n"
        "def unrelated(x):\n    return x + 1\n"
    )
    return package


def test_summaries_reused_across_rounds_equal_a_fresh_computation(tmp_path: Path) -> None:
    package = _woken_package(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (symbols,) = _tables(package, scratch, prefilter=True)
    assert symbols.is_quiet("pkg.wrap")
    config = Config()
    packs = config.load_packs()
    first = analyse_project(symbols, packs, None, 100)
    assert not first.summaries["pkg.main.train"].effects["mlx"].before
    analysed, parsed, _transient = _summarise_rounds(symbols, packs, config, {}, Options(), scratch)
    assert [p.name for p in parsed] == ["wrap.py"]
    fresh = analyse_project(symbols, packs, None, 101)
    assert list(fresh.summaries) == list(analysed.summaries)
    for name in fresh.summaries:
        assert analysed.summaries[name] == fresh.summaries[name], name
    # `outer` calls what changed only through `train`: it must have been recomputed.
    assert analysed.summaries["pkg.main.outer"].effects["mlx"].after
