"""A cache that cannot be turned against its user: whatever the cache folder holds
(planted pickles, flipped bytes, truncated or empty files, folders where files belong),
the real command line gives the findings and exit code of `--no-cache`, runs nothing it
reads and warns at most once; what the cache makes is private to the user. And the
codec gives back what it was given, and nothing else."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pickle
import random
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedlint.analysis.events import Summary
from seedlint.analysis.project import analyse_project
from seedlint.cfg.model import Block
from seedlint.config import Config
from seedlint.engine import Options, analyse, project_tables
from seedlint.lower.ir import (
    CallKey,
    CallSite,
    ClassIR,
    FunctionIndex,
    FunctionIR,
    ModuleIndex,
    ModuleIR,
)
from seedlint.lower.lowering import lower_file
from seedlint.parse.prefilter import Quiet, Vocabulary
from seedlint.parse.sources import discover
from seedlint.store import databases, state
from seedlint.store.cache import Cache
from seedlint.store.codec import MAX_DEPTH, CodecError, decode, encode, frame
from seedlint.store.spill import spill_module
from tests.conftest import parseable_fixtures

ROOT = Path(__file__).resolve().parents[1]


@dataclasses.dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def seedlint(*args: str) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "seedlint", *args],
        capture_output=True,
        text=True,
        umask=0o022,  # the usual one: what the cache makes must be private all the same
    )
    return Run(done.returncode, done.stdout, done.stderr)


@dataclasses.dataclass(frozen=True)
class Setup:
    project: Path
    cold: Run  # `--no-cache`
    cache: Path  # a filled cache, to copy and damage


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    base = tmp_path_factory.mktemp("safety")
    project = base / "mlx_lm_peft"
    shutil.copytree(ROOT / "fixtures" / "mlx_lm_peft", project)
    cold = seedlint("--no-cache", str(project))
    assert cold.code == 1 and "SDL101" in cold.out  # a real finding
    cache = base / "cache"
    assert seedlint("--cache-dir", str(cache), str(project)) == cold
    return Setup(project, cold, cache)


def _files(folder: Path) -> list[Path]:
    found = sorted(p for p in folder.rglob("*") if p.is_file())
    assert found
    return found


def _damaged(setup: Setup, tmp_path: Path, damage: Callable[[Path], None]) -> Path:
    cache = tmp_path / "cache"
    shutil.copytree(setup.cache, cache)
    for path in _files(cache):
        damage(path)
    return cache


def assert_runs_as_without_cache(setup: Setup, cache: Path) -> None:
    for _ in range(2):  # a damaged cache must not spoil later runs either
        run = seedlint("--cache-dir", str(cache), str(setup.project))
        assert (run.code, run.out) == (setup.cold.code, setup.cold.out), run.err
        assert len(run.err.splitlines()) <= 1, run.err


class _Planted:
    """Unpickled, it writes the marker: what a planted cache entry could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return exec, (f"open({str(self.marker)!r}, 'w').write('ran')",)


def _plant(marker: Path) -> Callable[[Path], None]:
    """Replace a file by the pickle, padded to the file's size: a record read at the
    file's start runs it (the unpickler stops where the pickle ends)."""

    def damage(path: Path) -> None:
        planted = pickle.dumps(_Planted(marker))
        path.write_bytes(planted.ljust(path.stat().st_size, b"\0"))

    return damage


def test_planted_pickles_are_never_run(setup: Setup, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    cache = _damaged(setup, tmp_path, _plant(marker))
    # The analysis databases live in the run's temporary folder, not in the cache.
    assert not [p for p in cache.rglob("*") if p.suffix in (".sqlite", ".db")]
    assert_runs_as_without_cache(setup, cache)
    assert not marker.exists()


def test_planted_pickles_in_graphs_only_are_never_run(setup: Setup, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    cache = tmp_path / "cache"
    shutil.copytree(setup.cache, cache)
    shutil.rmtree(cache / "run")  # the indexes are intact and point into the graphs
    for path in _files(cache / "spill"):
        _plant(marker)(path)
    assert_runs_as_without_cache(setup, cache)
    assert not marker.exists()


def _flip(seed: int) -> Callable[[Path], None]:
    rng = random.Random(seed)

    def damage(path: Path) -> None:
        data = bytearray(path.read_bytes())
        for _ in range(rng.randint(1, 4)):
            if data:
                data[rng.randrange(len(data))] ^= rng.randint(1, 255)
        path.write_bytes(bytes(data))

    return damage


@pytest.mark.parametrize("seed", range(4))
def test_flipped_bytes_in_every_file(setup: Setup, tmp_path: Path, seed: int) -> None:
    assert_runs_as_without_cache(setup, _damaged(setup, tmp_path, _flip(seed)))


@pytest.mark.parametrize("seed", range(3))
def test_flipped_bytes_in_graphs_read_during_the_run(
    setup: Setup, tmp_path: Path, seed: int
) -> None:
    # The indexes are intact, so the damage shows only when a graph is read back: the
    # engine runs again without the cache.
    cache = tmp_path / "cache"
    shutil.copytree(setup.cache, cache)
    shutil.rmtree(cache / "run")
    for path in _files(cache / "spill"):
        _flip(seed)(path)
    assert_runs_as_without_cache(setup, cache)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside").write_bytes(b"x")


@pytest.mark.parametrize("damage", [_truncate, _empty, _folder], ids=lambda d: d.__name__)
def test_truncated_empty_and_folder_entries(
    setup: Setup, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    assert_runs_as_without_cache(setup, _damaged(setup, tmp_path, damage))


def test_truncated_graphs_read_during_the_run(setup: Setup, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(setup.cache, cache)
    shutil.rmtree(cache / "run")
    for path in _files(cache / "spill"):
        _truncate(path)
    assert_runs_as_without_cache(setup, cache)


def test_files_where_the_cache_folders_belong(setup: Setup, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(setup.cache, cache)
    for kind in list(cache.iterdir()):
        shutil.rmtree(kind)
        kind.write_bytes(b"not a folder")
    assert_runs_as_without_cache(setup, cache)


def _modes(folder: Path) -> Iterator[tuple[Path, int]]:
    yield folder, stat.S_IMODE(folder.stat().st_mode)
    for path in folder.rglob("*"):
        yield path, stat.S_IMODE(path.stat().st_mode)


def test_what_the_cache_makes_is_private(setup: Setup, tmp_path: Path) -> None:
    cache = tmp_path / "home" / "cache" / "seedlint"  # two folders to make
    assert seedlint("--cache-dir", str(cache), str(setup.project)) == setup.cold
    made = list(_modes(tmp_path / "home"))
    assert len(made) > 6
    for path, mode in made:
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_a_looser_cache_folder_is_made_private(setup: Setup, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(setup.cache, cache)
    cache.chmod(0o755)  # as older versions made it
    assert seedlint("--cache-dir", str(cache), str(setup.project)) == setup.cold
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_concurrent_runs_agree(setup: Setup, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    runs: list[Run] = []
    threads = [
        threading.Thread(
            target=lambda: runs.append(seedlint("--cache-dir", str(cache), str(setup.project)))
        )
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert runs == [setup.cold] * 3
    assert seedlint("--cache-dir", str(cache), str(setup.project)) == setup.cold


# --- the codec ------------------------------------------------------------------------
def same(a: Any, b: Any, pairs: dict[int, int] | None = None) -> bool:
    """Equal field by field (also for classes compared by identity), and objects shared
    in `a` are shared alike in `b`."""
    pairs = {} if pairs is None else pairs
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        if id(a) in pairs:
            return pairs[id(a)] == id(b)
        pairs[id(a)] = id(b)
        return all(
            same(getattr(a, f.name), getattr(b, f.name), pairs) for f in dataclasses.fields(a)
        )
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y, pairs) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], pairs) for k in a)
    return a == b


def round_trips(value: object) -> bool:
    back = decode(encode(value), type(value))
    return same(value, back) and encode(back) == encode(value)


def _modules() -> list[Path]:
    corpus = Path(os.environ.get("SEEDLINT_CORPUS", ROOT / ".corpus"))
    real = corpus / "unsloth-zoo-2026.5.3" / "unsloth_zoo" / "mlx" / "loader.py"
    if not real.is_file():
        pytest.skip("the corpus is not fetched")
    return [*parseable_fixtures(), real]


def test_the_ir_of_fixtures_and_a_real_module_round_trips(tmp_path: Path) -> None:
    for path in _modules():
        module = lower_file(path)
        assert isinstance(module, ModuleIR), path
        assert round_trips(module.call_names)
        for function in module.functions:
            assert round_trips(function), (path, function.qualname)
        for info in module.classes.values():
            assert round_trips(info)
        index = spill_module(module, (tmp_path / path.name,))
        assert round_trips(index)
        for _, blob in index.functions:
            assert round_trips(decode(blob, FunctionIndex))
        for _, blob in index.classes:
            assert round_trips(decode(blob, ClassIR))


def test_facts_and_findings_round_trip(tmp_path: Path) -> None:
    config = Config()
    packs = config.load_packs()
    paths = [str(p) for p in (ROOT / "fixtures", ROOT / "examples")]
    files = [f for f in discover(paths, config) if isinstance(f, Path)]
    vocabulary = Vocabulary.of(packs)
    tables, _, _ = project_tables(files, {}, vocabulary, Options(), tmp_path)
    summaries = quiet = 0
    for symbols in tables:
        facts = analyse_project(symbols, packs).summaries
        for name in facts:
            assert isinstance(facts[name], Summary) and round_trips(facts[name])
            assert round_trips(facts.targets(name))
            summaries += 1
        for unit in symbols.quiet_units():
            assert isinstance(unit, Quiet) and round_trips(unit)
            quiet += 1
    assert quiet and summaries > 20
    found = analyse(paths, config, packs).diagnostics
    assert found and round_trips(found)


_plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
    | st.builds(Path, st.text(min_size=1).filter(lambda s: "\0" not in s)),
    lambda inner: (
        st.tuples(inner, inner)
        | st.lists(inner)
        | st.dictionaries(st.text() | st.integers(), inner)
        | st.frozensets(st.text())
    ),
    max_leaves=30,
)


@given(_plain)
@settings(max_examples=300, deadline=None)
def test_plain_values_round_trip(value: object) -> None:
    back = decode(encode(value), type(value))
    assert back == value and type(back) is type(value)


_step = st.sampled_from("vtldfbprABCDEFGHIJKLMNOPQRSTU")
_value = st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=3)


@given(st.lists(_step, max_size=40), st.lists(_value | st.lists(_value), max_size=40))
@settings(max_examples=1000, deadline=None)
def test_any_checksummed_program_reads_back_or_is_refused(
    code: list[str], values: list[object]
) -> None:
    blob = frame(json.dumps(["".join(code), *values]).encode())
    with contextlib.suppress(CodecError):  # anything else fails the test
        decode(blob, object)


def test_refused_data() -> None:
    good = encode((1, "a"))
    for bad in (
        b"",
        good[:-1],
        good[:4] + b"\x63" + good[5:],  # another format version
        frame(b"[not json"),
        frame(b'{"an": "object"}'),
        frame(json.dumps(["t", 10**9]).encode()),  # a count past what is there
        frame(json.dumps(["r", 0]).encode()),  # a reference to nothing
        frame(json.dumps(["vvA", 1, 2]).encode()),  # a class with too few fields
        frame(json.dumps(["v" + "t" * (MAX_DEPTH + 1), 1, *[1] * (MAX_DEPTH + 1)]).encode()),
        frame(pickle.dumps(("a", 1))),
    ):
        with pytest.raises(CodecError):
            decode(bad, tuple)
    with pytest.raises(CodecError):
        decode(good, list)  # the right data of another type
    with pytest.raises(CodecError):
        encode(object())


def test_fields_of_the_wrong_type_are_refused() -> None:
    blob = encode(ClassIR("m.C", frozenset({"f"}), ("m.B",)))
    program = json.loads(blob[21:])
    program[1] = 7  # the qualname, now an int
    with pytest.raises(CodecError):
        decode(frame(json.dumps(program).encode()), ClassIR)


def test_a_stored_block_holds_lowered_calls_only() -> None:
    # While a graph is built its blocks hold libcst nodes: stored, only CallSites and text.
    key = CallKey("f", None, None, ())
    fine = Block(0, (CallSite(0, "f", key),), "x > 1", None)
    assert round_trips(fine)
    for bad in (Block(0, (1,), None, None), Block(0, (), ("x",), None)):
        with pytest.raises(CodecError):
            decode(encode(bad), Block)


def test_deep_values_need_no_deep_stack() -> None:
    value: object = "leaf"
    for _ in range(MAX_DEPTH - 1):
        value = (value,)
    back = decode(encode(value), tuple)
    for _ in range(MAX_DEPTH - 1):  # unwrapped by hand: == would recurse
        assert type(back) is tuple and len(back) == 1
        back = back[0]
    assert back == "leaf"
    with pytest.raises(CodecError):
        encode(((value,),))


def test_a_deeply_nested_call_is_stored_and_read_back(tmp_path: Path) -> None:
    source = "def f():\n    x = " + "g(" * 300 + "1" + ")" * 300 + "\n"
    (tmp_path / "deep.py").write_text(source)
    module = lower_file(tmp_path / "deep.py")
    assert isinstance(module, ModuleIR)
    assert round_trips(module.functions[1])
    assert isinstance(spill_module(module, (tmp_path / "spill",)), ModuleIndex)
    assert isinstance(decode(encode(module.functions[1]), FunctionIR), FunctionIR)


def test_the_cache_folder_stays_under_its_limit_losing_what_was_used_longest_ago(
    tmp_path: Path,
) -> None:
    from seedlint.store.cache import Cache

    cache = Cache(tmp_path / "cache", limit=40_000)
    for number in range(10):  # about 10 kB each
        cache.put("run", f"{number:02d}key", ["x" * 10_000])
    entries = sorted((tmp_path / "cache" / "run").glob("*/*"))
    for age, path in enumerate(entries):  # the first written is the oldest
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    assert cache.get("run", "00key", list) is not None  # read now: used most recently
    cache.tidy()
    left = {p.name.split(".")[0] for p in (tmp_path / "cache" / "run").glob("*/*")}
    size = sum(p.stat().st_size for p in (tmp_path / "cache" / "run").glob("*/*"))
    assert size <= 40_000 * 0.8 and "00key" in left and "01key" not in left
    assert "09key" in left  # the newest of the others stay
    cache.put("run", "10key", ["x" * 40_000])
    cache.tidy()  # within the hour: the folder is not looked at again
    assert cache.get("run", "09key", list) is not None


def test_an_entry_found_in_use_is_marked_as_used_unless_it_was_lately(tmp_path: Path) -> None:
    from seedlint.store.cache import Cache

    cache = Cache(tmp_path / "cache")
    cache.put("index", "oldkey", [1])
    cache.put("index", "newkey", [2])
    old, new = cache.file("index", "oldkey.blob"), cache.file("index", "newkey.blob")
    os.utime(old, (1_000_000, 1_000_000))
    written = new.stat().st_mtime_ns
    assert cache.has_used("index", "oldkey.blob") and cache.has_used("index", "newkey.blob")
    assert old.stat().st_mtime > time.time() - 60  # marked now
    assert new.stat().st_mtime_ns == written  # marked when written: not again
    assert not cache.has_used("index", "nokey.blob")
    cache.file("index", "dirkey").mkdir(parents=True)
    assert not cache.has_used("index", "dirkey")


def test_the_cache_keys_change_with_any_module_of_seedlint(tmp_path: Path) -> None:
    """A cache written by other code is never read back: changing any module (not only
    the cache's own folder) changes every key."""
    copy = tmp_path / "seedlint"
    shutil.copytree(ROOT / "seedlint", copy, ignore=shutil.ignore_patterns("__pycache__"))
    code = "from seedlint.store.cache import digest; print(digest('x'))"

    def key() -> str:
        env = {**os.environ, "PYTHONPATH": str(tmp_path)}
        command = [sys.executable, "-P", "-c", code]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout

    first = key()
    assert first == key()
    summaries = copy / "analysis" / "summaries.py"
    summaries.write_text(summaries.read_text(encoding="utf-8") + "\n# changed\n")
    assert key() != first


def _kept_state(cache: Cache, key: str, tmp_path: Path, body: object) -> None:
    """A state entry holding one function's row whose body digest is `body`."""
    path = tmp_path / f"made-{key}.sqlite"
    db = sqlite3.connect(path)
    db.executescript(state._SCHEMA)
    db.execute("INSERT INTO made VALUES ('interface', 'pkg.a\npkg.b')")
    db.execute(
        "INSERT INTO known VALUES ('pkg.a.f', ?, 'x y', 1, x'00', 0, 'pkg.b.g', NULL, 1)", (body,)
    )
    db.commit()
    db.close()
    databases.keep(cache, state._entry(cache, key), path)


def test_a_kept_state_reads_back_only_with_the_types_it_was_written_with(
    tmp_path: Path,
) -> None:
    cache = Cache(tmp_path / "cache")
    _kept_state(cache, "good", tmp_path, "digest")
    loaded = state.load_state(cache, "good", tmp_path)
    assert loaded is not None
    assert (loaded.interface, loaded.parsed) == ("interface", ("pkg.a", "pkg.b"))
    db = sqlite3.connect(":memory:")
    with state.attached(db, loaded.path) as rows:
        found = db.execute(f"SELECT qualname, body, callees FROM {rows}.known").fetchall()
    assert found == [("pkg.a.f", "digest", "pkg.b.g")]
    loaded.path.unlink()
    _kept_state(cache, "bad", tmp_path, b"\x01")  # bytes where a digest belongs
    assert state.load_state(cache, "bad", tmp_path) is None
    entry = state._entry(cache, "good")
    data = bytearray(entry.read_bytes())
    data[-1] ^= 1  # one bit of the database flipped
    entry.write_bytes(bytes(data))
    assert state.load_state(cache, "good", tmp_path) is None
    assert not list(tmp_path.glob("state-*"))  # no copy is left of what did not read back
