"""The main process holds indexes and reads function graphs back from spill files:
summaries made without a graph equal those of the full data flow, spill files never
outlive the run, and a cache folder that moves or is cleared only costs speed."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from seedlint import engine
from seedlint.analysis.project import analyse_project
from seedlint.analysis.summaries import summarize
from seedlint.cli import main
from seedlint.config import Config
from seedlint.engine import Options, analyse, project_tables
from seedlint.parse.sources import discover
from seedlint.store.cache import Cache
from seedlint.store.symbols import SymbolTable
from tests.conftest import parseable_fixtures

ROOT = Path(__file__).resolve().parents[1]

# Functions whose summaries need no graph: pure, opaque, never returning, unreachable
# calls, and callers of each.
PLAIN = """
import os
import mlx.core as mx

def pure(x):
    return x + 1

def opaque(x):
    os.remove(x)

def fails(x):
    raise ValueError(x)

def fails_or_not(x):
    if x:
        raise ValueError(x)
    return opaque(x)

def loops():
    while True:
        pure(1)

def after_return(x):
    return pure(x)
    mx.random.normal((2,))

def calls_them(x):
    pure(x)
    fails_or_not(x)
    loops()

def calls_fails(x):
    fails(x)
    mx.random.normal((2,))
"""


def _symbols(paths: list[Path], spill_dir: Path) -> SymbolTable:
    config = Config()
    files = [f for f in discover([str(p) for p in paths], config) if isinstance(f, Path)]
    tables, errors, _parsed = project_tables(files, {}, None, Options(), spill_dir)
    assert not errors and len(tables) == 1  # the roots' module names do not clash
    return tables[0]


def test_plain_summaries_equal_the_data_flow(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text(PLAIN)
    packs = Config().load_packs()
    symbols = _symbols([tmp_path / "plain.py", *parseable_fixtures(), ROOT / "examples"], tmp_path)
    analysed = analyse_project(symbols, packs)
    definitions = analysed.project.definitions
    plain = [name for name, f in definitions.items() if not analysed.has_events(f)]
    eventful = [name for name, f in definitions.items() if analysed.has_events(f)]
    assert len(plain) > 20 and len(eventful) > 20
    for name in plain:
        flow = analysed.resolved(name).flow(analysed.summaries, packs.streams)
        assert analysed.summaries[name] == summarize(flow, packs.streams), name
    summaries = analysed.summaries
    assert summaries["plain.fails"].noreturn and not summaries["plain.pure"].opaque
    assert summaries["plain.opaque"].opaque and summaries["plain.loops"].noreturn
    assert not summaries["plain.after_return"].effects  # the draw is unreachable
    # A call that never returns needs the graph: it cuts the paths after it.
    assert "plain.calls_fails" in eventful
    assert summaries["plain.calls_fails"].noreturn and not summaries["plain.calls_fails"].effects
    assert "plain.fails_or_not" in plain and not summaries["plain.fails_or_not"].noreturn


def test_spill_files_do_not_outlive_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    config = Config()
    result = analyse([str(ROOT / "fixtures")], config, config.load_packs())
    assert result.diagnostics and result.parsed
    assert list(scratch.iterdir()) == []


CALLS_MAKE = "from .helpers import make\ndef f(seed):\n    return make()\n"


def _package(root: Path) -> Path:
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text(
        "import mlx.nn as nn\ndef make():\n    return nn.Linear(2, 2)\n"
    )
    (package / "main.py").write_text("from .helpers import make\ndef f(seed):\n    return 1\n")
    return package


def _found(result: engine.RunResult) -> list[tuple[str, int, str]]:
    return [(Path(d.path).name, d.line, d.code) for d in result.diagnostics]


def _lint_cached(package: Path, cache: Path) -> engine.RunResult:
    config = Config()
    options = Options(cache=Cache(cache), prefilter=False)
    return analyse([str(package)], config, config.load_packs(), options=options)


def test_cache_reparses_only_what_changed(tmp_path: Path) -> None:
    package = _package(tmp_path)
    first = _lint_cached(package, tmp_path / "cache")
    assert first.diagnostics == [] and len(first.parsed) == 3
    (package / "main.py").write_text(CALLS_MAKE)
    second = _lint_cached(package, tmp_path / "cache")
    assert [p.name for p in second.parsed] == ["main.py"]  # helpers.py came from the cache
    assert _found(second) == [("main.py", 3, "SDL101")]


def test_moved_cache_folder_is_still_used(tmp_path: Path) -> None:
    package = _package(tmp_path)
    assert len(_lint_cached(package, tmp_path / "cache").parsed) == 3
    shutil.move(tmp_path / "cache", tmp_path / "moved")
    (package / "main.py").write_text(CALLS_MAKE)
    second = _lint_cached(package, tmp_path / "moved")
    assert [p.name for p in second.parsed] == ["main.py"]
    assert _found(second) == [("main.py", 3, "SDL101")]


def test_cleared_spill_files_are_rebuilt(tmp_path: Path) -> None:
    package = _package(tmp_path)
    _lint_cached(package, tmp_path / "cache")
    shutil.rmtree(tmp_path / "cache" / "spill")
    (package / "main.py").write_text(CALLS_MAKE)
    second = _lint_cached(package, tmp_path / "cache")
    assert len(second.parsed) == 3  # indexes without their spill files are not used
    assert _found(second) == [("main.py", 3, "SDL101")]


def test_cache_cleared_during_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Test double for the race: the cache's spill files vanish right after compiling.
    package = _package(tmp_path)
    (package / "main.py").write_text(CALLS_MAKE)
    real_load_cached = engine.load_cached

    def compile_then_clear(*args: object, **kwargs: object) -> object:
        out = real_load_cached(*args, **kwargs)  # type: ignore[arg-type]
        shutil.rmtree(tmp_path / "cache" / "spill", ignore_errors=True)
        return out

    monkeypatch.setattr(engine, "load_cached", compile_then_clear)
    result = _lint_cached(package, tmp_path / "cache")
    assert _found(result) == [("main.py", 3, "SDL101")]


def test_no_temporary_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Test double: as root every candidate temporary folder is writable here.
    def unwritable(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/tmp")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", unwritable)
    (tmp_path / "a.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["--no-cache", str(tmp_path / "a.py")])
    assert result.exit_code == 2
    assert result.output.startswith("seedlint: cannot create a temporary folder (set TMPDIR)")
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_failing_analysis_database_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Test double for a full disk: filling one here would disturb the machine.
    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SymbolTable, "add", full)
    (tmp_path / "a.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["--no-cache", str(tmp_path / "a.py")])
    assert result.exit_code == 2
    assert result.output.startswith("seedlint: cannot keep analysis data in ")
    assert result.output.rstrip().endswith("database or disk is full")
    assert len(result.output.splitlines()) == 1
