"""Compile files to ModuleIndexes, from the cache or in worker processes.

Each worker reads one file at a time (once: the content hash for the cache comes from
the same bytes), parses it, writes the module's graphs to a spill file and sends back
only its index, which the caller stores as it arrives: no process holds the graphs,
or the indexes, of the whole tree, and the main process never parses checked code
(seedlint.lower.supervisor keeps a crash, a hang or a memory blow-up to the file's own
unanalysable-file finding)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from seedlint.config import Config
from seedlint.lower.ir import ModuleIndex
from seedlint.lower.supervisor import Failure, Supervisor
from seedlint.parse.depth import too_complex
from seedlint.parse.notebooks import Cells, as_module
from seedlint.parse.packages import module_name_for
from seedlint.parse.paths import parse_quietly, real
from seedlint.parse.prefilter import Quiet, Vocabulary, references
from seedlint.parse.sources import DEFAULT_MAX_FILE_SIZE, SourceError, read_file, signature
from seedlint.store.cache import Cache, digest
from seedlint.store.spill import SpillError, spill_module

if TYPE_CHECKING:
    from seedlint.engine import Options

Unit = ModuleIndex | Quiet
_MIN_FILES_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class _Outcome:
    unit: Unit | SourceError | None  # None: the cache holds the index under `key`
    key: str = ""  # the cache key of the text read ("" without a cache)
    content: str = ""  # the text's hash, or why it could not be read
    signature: tuple[int, ...] | None = None  # the file's when it was read


@dataclass(frozen=True, slots=True)
class _Job:
    path: Path
    data: bytes | None  # the text to use instead of the file's (an editor's buffer)
    vocabulary: Vocabulary | None
    cache: Cache | None
    temporary: Path  # the run's spill folder
    max_size: float  # MB
    lookup: bool = True  # answer "in the cache" without parsing where it is

    def run(self) -> _Outcome:
        return _task(self)


def _quiet(path: Path, data: bytes) -> Quiet | None:
    """A quiet file's references, or None if CPython cannot parse it (libcst will report)."""
    try:
        tree = parse_quietly(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    name, is_package = module_name_for(path)
    package = name if is_package else name.rpartition(".")[0]
    return Quiet(name, path, str(path), references(tree, package))


def _task(job: _Job) -> _Outcome:
    """In a worker: the file's unit (or why it has none), with its cache key."""
    signature = None
    if job.data is not None:
        data = job.data
    else:
        read = read_file(job.path, job.max_size)
        if isinstance(read, SourceError):
            return _Outcome(read, content=read.reason)
        data, signature = read.data, read.signature
    content = hashlib.sha256(data).hexdigest()
    key = _cache_key(job.path, content) if job.cache is not None else ""
    outcome = _Outcome(None, key, content, signature)
    if job.cache is not None and job.lookup and _cached(job.cache, key):
        return outcome
    module = as_module(job.path, data)
    if isinstance(module, SourceError):
        return replace(outcome, unit=module)
    return replace(outcome, unit=_in_cells(_unit(job, module.data, key), module.cells))


def _in_cells(unit: Unit | SourceError, cells: Cells) -> Unit | SourceError:
    """A notebook's unit with the line each cell starts at, its errors placed in cells.
    (The cache keeps the index with its cells: both come from the same bytes.)"""
    if not cells.starts:
        return unit
    if isinstance(unit, ModuleIndex):
        return replace(unit, file=replace(unit.file, cells=cells.starts))
    if isinstance(unit, SourceError) and unit.cell is None:
        cell, line = cells.locate(unit.line)
        return replace(unit, cell=cell, line=line)
    return unit


def _cached(cache: Cache, key: str) -> bool:
    return cache.has("index", key) and cache.file("spill", key).is_file()


def _unit(job: _Job, data: bytes, key: str) -> Unit | SourceError:
    if job.vocabulary is not None and not job.vocabulary.mentioned_in(data):
        quiet = _quiet(job.path, data)
        if quiet is not None:
            return quiet
    refusal = too_complex(data)
    if refusal is not None:
        return SourceError(str(job.path), refusal)
    # Here, not at the top: a run answered from the cache never loads libcst.
    from seedlint.lower.compile import compile_file

    try:
        module = compile_file(job.path, data)
    except RecursionError:
        return SourceError(str(job.path), "too deeply nested to analyse")
    if isinstance(module, SourceError):
        return module
    spills: tuple[Path, ...] = (job.temporary / digest(str(job.path)),)
    if job.cache is not None:
        spills = (job.cache.file("spill", key), *spills)
    try:
        return spill_module(module, spills)
    except SpillError as error:
        return SourceError(str(job.path), str(error))


def _cache_key(path: Path, content: str) -> str:
    # By where the file is, not how it was named: `src/a.py` from the repository and
    # `/home/me/repo/src/a.py` from an editor share one entry (the path as given is put
    # back when it is loaded).
    return digest(str(real(path)), module_name_for(path)[0], content)


@dataclass(slots=True)
class Compiled:
    """What reading every file gave, beyond the units handed over as they came."""

    errors: list[tuple[Path, SourceError]] = field(default_factory=list)
    parsed: list[tuple[int, Path]] = field(default_factory=list)
    contents: dict[Path, str] = field(default_factory=dict)  # hash, or why unreadable
    signatures: dict[Path, tuple[int, ...] | None] = field(default_factory=dict)
    cached: list[tuple[int, Path, str]] = field(default_factory=list)  # index still to load

    @property
    def transient(self) -> bool:
        """Whether a file failed in a way another run might not (a time limit, say)."""
        return any(error.transient for _, error in self.errors)


_RACY_NS = 2_000_000_000  # a file changed this close to its reading may change unseen


@dataclass(slots=True)
class Seen:
    """What the files of a run held when they were last read: by resolved path, the
    signature, the content's hash and when it was read. A file whose signature is the
    same need not be read again, unless it had changed within two seconds of that
    reading (a timestamp is not fine enough to tell a change made right after)."""

    key: str
    entries: dict[str, tuple[tuple[int, ...], str, int]]

    @classmethod
    def load(cls, cache: Cache, files: Sequence[Path]) -> Seen:
        key = digest("seen", *(str(real(path)) for path in files))
        found = cache.get("seen", key, dict) or {}
        return cls(key, {name: entry for name, entry in found.items() if _is_entry(entry)})

    def unchanged(self, path: Path) -> tuple[str, tuple[int, ...]] | None:
        """The file's content hash and signature, if it is as it was when last read."""
        entry = self.entries.get(str(real(path)))
        if entry is None:
            return None
        before, content, read_at = entry
        now = signature(path)
        modified = before[1] if len(before) > 1 else read_at
        if now != before or modified > read_at - _RACY_NS:
            return None
        return content, now

    def store(self, cache: Cache, compiled: Compiled, read: set[Path], started: int) -> None:
        """Keep what this run read (`read`: the files whose text came from the disk)."""
        entries = {}
        for path, content in compiled.contents.items():
            now = compiled.signatures.get(path)
            name = str(real(path))
            if path in read and now is not None:
                entries[name] = (now, content, started)
            elif path not in read and name in self.entries:
                entries[name] = self.entries[name]
        if entries != self.entries:
            cache.put("seen", self.key, entries)


def _is_entry(entry: object) -> bool:
    return (
        type(entry) is tuple
        and len(entry) == 3
        and type(entry[0]) is tuple
        and all(type(number) is int for number in entry[0])
        and type(entry[1]) is str
        and type(entry[2]) is int
    )


@dataclass(frozen=True, slots=True)
class Work:
    """Where and how files are compiled: the run's workers, spill folder and limits."""

    supervisor: Supervisor
    spill_dir: Path
    max_size: float = DEFAULT_MAX_FILE_SIZE


def _job(
    path: Path,
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    cache: Cache | None,
    work: Work,
    lookup: bool = True,
) -> _Job:
    data = overrides.get(real(path))
    return _Job(path, data, vocabulary, cache, work.spill_dir, work.max_size, lookup)


def read_all(
    files: Sequence[Path],
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    options: Options,
    work: Work,
    add: Callable[[int, Unit], None],
) -> Compiled:
    """Read every file once in the workers: give `add` the units parsed (with each
    file's position in `files`) as they arrive; files whose index is in the cache are
    left in `cached` for `load_cached`, so that a run answered from the cache as a
    whole loads none."""
    compiled = Compiled()
    cache = options.cache
    seen = Seen.load(cache, files) if cache is not None else Seen("", {})
    started = time.time_ns()
    jobs, positions = [], []
    for position, path in enumerate(files):
        known = seen.unchanged(path) if real(path) not in overrides else None
        if known is not None and cache is not None:
            content, now = known
            key = _cache_key(path, content)
            if _cached(cache, key):  # nothing to read: the index is loaded from the cache
                compiled.contents[path] = content
                compiled.signatures[path] = now
                compiled.cached.append((position, path, key))
                continue
        jobs.append(_job(path, overrides, vocabulary, cache, work))
        positions.append(position)
    _compile(jobs, positions, work.supervisor, cache, add, compiled)
    if cache is not None:
        seen.store(cache, compiled, {job.path for job in jobs if job.data is None}, started)
    return compiled


def load_cached(
    compiled: Compiled,
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    options: Options,
    work: Work,
    add: Callable[[int, Unit], None],
) -> tuple[list[tuple[Path, SourceError]], list[Path]]:
    """Give `add` the cached indexes `read_all` left (parsing those the cache lost since);
    the errors and the files parsed, in order."""
    cache = options.cache
    again: list[tuple[int, Path]] = []
    for position, path, key in compiled.cached:
        assert cache is not None
        cached = cache.get("index", key, ModuleIndex)
        spill = cache.file("spill", key)
        if cached is not None and spill.is_file():
            # The cache folder may have moved since the index was written, and the file
            # may have been named otherwise.
            file = replace(cached.file, spill=spill, path=path, display=str(path))
            add(position, replace(cached, file=file))
            cache.touch(spill)
        else:
            again.append((position, path))
    compiled.cached = []
    if again:
        jobs = [_job(path, overrides, vocabulary, cache, work, lookup=False) for _, path in again]
        _compile(jobs, [p for p, _ in again], work.supervisor, cache, add, compiled)
    return compiled.errors, [path for _, path in sorted(compiled.parsed)]


def compile_all(
    files: Sequence[Path],
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    options: Options,
    spill_dir: Path,
    add: Callable[[int, Unit], None],
    work: Work | None = None,
) -> tuple[list[tuple[Path, SourceError]], list[Path]]:
    """Give `add` the unit of every file (from the cache where possible) with the file's
    position in `files`, as soon as it is ready; return errors and the files parsed.

    Spill files go to the cache when there is one (so cached indexes stay usable), else
    to `spill_dir`, which must live as long as the units are used. Without `work`, the
    workers are started for this call and stopped after it."""
    if work is None:
        with Supervisor(options.jobs, Config().file_timeout) as supervisor:
            return compile_all(
                files, overrides, vocabulary, options, spill_dir, add, Work(supervisor, spill_dir)
            )
    compiled = read_all(files, overrides, vocabulary, options, work, add)
    return load_cached(compiled, overrides, vocabulary, options, work, add)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _compile(
    jobs: list[_Job],
    positions: list[int],
    supervisor: Supervisor,
    cache: Cache | None,
    add: Callable[[int, Unit], None],
    compiled: Compiled,
) -> None:
    # Largest files first, so that no worker is left with a big one at the end.
    order = sorted(range(len(jobs)), key=lambda i: -_size(jobs[i].path))
    workers = max(1, len(jobs) // _MIN_FILES_PER_WORKER)
    for i, outcome in supervisor.map([jobs[i] for i in order], workers):
        job, position = jobs[order[i]], positions[order[i]]
        if isinstance(outcome, Failure):
            error = SourceError(str(job.path), outcome.reason, transient=outcome.transient)
            outcome = _Outcome(error, content=outcome.reason)
        assert isinstance(outcome, _Outcome)
        compiled.contents[job.path] = outcome.content
        compiled.signatures[job.path] = outcome.signature
        result = outcome.unit
        if result is None:
            compiled.cached.append((position, job.path, outcome.key))
        elif isinstance(result, SourceError):
            compiled.errors.append((job.path, result))
        else:
            add(position, result)
            if isinstance(result, ModuleIndex):
                compiled.parsed.append((position, job.path))
                if cache is not None and result.file.spill == cache.file("spill", outcome.key):
                    cache.put("index", key=outcome.key, value=result)
