"""Compile files to ModuleIndexes, from the cache or in worker processes.

Each worker reads one file at a time (once: the content hash for the cache comes from
the same bytes), parses it, writes the module's graphs to a spill file and sends back
only its index, which the caller stores as it arrives: no process holds the graphs,
or the indexes, of the whole tree, and the main process never parses checked code
(seedlint.lower.supervisor keeps a crash, a hang or a memory blow-up to the file's own
unanalysable-file finding)."""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from seedlint.config import Config
from seedlint.lower.ir import LoweredParts, ModuleIndex, ModuleIR
from seedlint.lower.supervisor import Failure, Supervisor, after_answer
from seedlint.parse.depth import too_complex
from seedlint.parse.notebooks import Cells, as_module
from seedlint.parse.packages import module_name_for
from seedlint.parse.paths import parse_quietly, real, real_files
from seedlint.parse.prefilter import Quiet, Vocabulary, references
from seedlint.parse.sources import (
    DEFAULT_MAX_FILE_SIZE,
    SourceError,
    read_file,
    signature,
    source_text,
)
from seedlint.store.cache import Cache, digest
from seedlint.store.spill import SpillError, spill_module

if TYPE_CHECKING:
    from seedlint.engine import Options

# Modules of this many lines or more are lowered in parts: after an edit, a module of
# 20,000 lines is parsed again in 0.3 s instead of 2 s (seedlint.lower.parts).
PARTS_FROM = 2000

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
    parts_from: int = PARTS_FROM  # lines from which a module is lowered in parts

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
    key = _cache_key(real(job.path), job.path, content) if job.cache is not None else ""
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
    return cache.has("index", key) and cache.has_file("spill", key)


def _unit(job: _Job, data: bytes, key: str) -> Unit | SourceError:
    if job.vocabulary is not None and not job.vocabulary.mentioned_in(data):
        quiet = _quiet(job.path, data)
        if quiet is not None:
            return quiet
    refusal = too_complex(data)
    if refusal is not None:
        return SourceError(str(job.path), refusal)
    # Here, not at the top: a run answered from the cache never loads libcst.
    from seedlint.lower.lowering import lower_file

    try:
        in_parts = _in_parts(job, data) if data.count(b"\n") >= job.parts_from else None
        module = in_parts or lower_file(job.path, data)
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


def _in_parts(job: _Job, data: bytes) -> ModuleIR | None:
    """A large module lowered in parts (seedlint.lower.parts), reusing the parts of its
    last lowering kept in the cache; None where it must be lowered whole."""
    from seedlint.lower.parts import lower_in_parts

    text = source_text(data)
    if text is None:
        return None
    cache = job.cache
    key = digest("parts", str(real(job.path)))
    kept = cache.get("parts", key, LoweredParts) if cache is not None else None
    earlier = dict(kept.definitions) if kept is not None else {}
    found = lower_in_parts(job.path, text, str(job.path), earlier.get)
    if found is None:
        return None
    module, parts = found
    if cache is not None and any(earlier.get(k) is not part for k, part in parts.definitions):
        after_answer(lambda: cache.put("parts", key, parts))  # (for the next lowering)
    return module


def _cache_key(
    where: Path, path: Path, content: str, packages: dict[Path, tuple[str, ...]] | None = None
) -> str:
    # By where the file is (`where`, its resolved path), not how it was named: `src/a.py`
    # from the repository and `/home/me/repo/src/a.py` from an editor share one entry
    # (the path as given is put back when it is loaded).
    return digest(str(where), module_name_for(path, packages)[0], content)


@dataclass(slots=True)
class Lowered:
    """What reading every file gave, beyond the units handed over as they came."""

    errors: list[tuple[Path, SourceError]] = field(default_factory=list)
    parsed: list[tuple[int, Path]] = field(default_factory=list)
    contents: dict[Path, str] = field(default_factory=dict)  # hash, or why unreadable
    resolved: dict[Path, Path] = field(default_factory=dict)  # each file's resolved path
    signatures: dict[Path, tuple[int, ...] | None] = field(default_factory=dict)
    cached: list[tuple[int, Path, str]] = field(default_factory=list)  # index still to load
    # By position: the cache key of each file whose text was known before parsing, and
    # of each unit handed over that the cache holds as it is (from there, or quiet).
    keys: dict[int, str] = field(default_factory=dict)
    unit_keys: dict[int, str] = field(default_factory=dict)
    jobs: list[tuple[int, _Job]] = field(default_factory=list)  # files still to parse
    seen: Seen | None = None  # what the cache knew of the files, to be told what was read
    read: set[Path] = field(default_factory=set)  # the files whose text came from the disk
    started: int = 0  # when the files were read

    @property
    def transient(self) -> bool:
        """Whether a file failed in a way another run might not (a time limit, say)."""
        return any(error.transient for _, error in self.errors)

    def drop(self, positions: Mapping[int, str]) -> None:
        """Leave out the files in these positions: their units are held already (with
        these keys)."""
        self.cached = [item for item in self.cached if item[0] not in positions]
        self.jobs = [item for item in self.jobs if item[0] not in positions]
        self.unit_keys.update(positions)

    @property
    def complete(self) -> bool:
        """Whether every file's content is known (no worker is left to read one)."""
        return all(job.data is not None for _, job in self.jobs)

    def remember(self, cache: Cache | None) -> None:
        """Tell the cache what the files held (once every content is known)."""
        if cache is not None and self.seen is not None:
            self.read |= {job.path for _, job in self.jobs if job.data is None}
            self.seen.store(cache, self, self.read, self.started)
            self.seen = None


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
    def load(cls, cache: Cache, resolved: Iterable[Path]) -> Seen:
        key = digest("seen", *(str(where) for where in resolved))
        found = cache.get("seen", key, dict) or {}
        return cls(key, {name: entry for name, entry in found.items() if _is_entry(entry)})

    def knows(self, where: Path) -> bool:
        """Whether the file (by its resolved path) was read before (then it is likely
        one edit away)."""
        return str(where) in self.entries

    def unchanged(self, path: Path, where: Path) -> tuple[str, tuple[int, ...]] | None:
        """The file's content hash and signature, if it is as it was when last read."""
        entry = self.entries.get(str(where))
        if entry is None:
            return None
        before, content, read_at = entry
        now = signature(path)
        modified = before[1] if len(before) > 1 else read_at
        if now != before or modified > read_at - _RACY_NS:
            return None
        return content, now

    def store(self, cache: Cache, lowered: Lowered, read: set[Path], started: int) -> None:
        """Keep what this run read (`read`: the files whose text came from the disk)."""
        entries = {}
        for path, content in lowered.contents.items():
            now = lowered.signatures.get(path)
            name = str(lowered.resolved.get(path) or real(path))
            if path in read and now is not None:
                entries[name] = (now, content, started)
            elif path not in read and name in self.entries:
                entries[name] = self.entries[name]
        if entries != self.entries:
            cache.put("seen", self.key, entries)
            self.entries = entries


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
    """Where and how files are lowered: the run's workers, spill folder and limits."""

    supervisor: Supervisor
    spill_dir: Path
    max_size: float = DEFAULT_MAX_FILE_SIZE
    parts_from: int = PARTS_FROM


def _job(
    path: Path,
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    cache: Cache | None,
    work: Work,
    lookup: bool = True,
    where: Path | None = None,
) -> _Job:
    data = overrides.get(where or real(path))
    return _Job(
        path, data, vocabulary, cache, work.spill_dir, work.max_size, lookup, work.parts_from
    )


def read_all(
    files: Sequence[Path],
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    options: Options,
    work: Work,
) -> Lowered:
    """What is known of every file before any is parsed: the files whose index is in
    the cache are left in `cached`, the others in `jobs`, for `load_cached`. A file read
    before whose signature changed (an edit, most often) is read and hashed here, so that
    a run answered from the cache as a whole (`complete`) loads and parses nothing; a file
    never seen is left to a worker to read, hash and parse at once."""
    cache = options.cache
    lowered = Lowered(resolved=real_files(files))
    packages: dict[Path, tuple[str, ...]] = {}  # each folder's package names
    lowered.seen = Seen.load(cache, lowered.resolved.values()) if cache is not None else None
    lowered.started = time.time_ns()
    for position, path in enumerate(files):
        where = lowered.resolved[path]
        job = _job(path, overrides, vocabulary, cache, work, where=where)
        if cache is None or lowered.seen is None or where in overrides:
            lowered.jobs.append((position, job))
            continue
        known = lowered.seen.unchanged(path, where)
        if known is None and lowered.seen.knows(where):
            read = read_file(path, work.max_size)
            if isinstance(read, SourceError):
                lowered.contents[path] = read.reason
                lowered.signatures[path] = None
                lowered.errors.append((path, read))
                continue
            lowered.read.add(path)
            known = hashlib.sha256(read.data).hexdigest(), read.signature
            job = replace(job, data=read.data, lookup=False)
        if known is not None:
            content, now = known
            lowered.contents[path] = content
            lowered.signatures[path] = now
            key = lowered.keys[position] = _cache_key(where, path, content, packages)
            if _cached(cache, key):  # nothing to parse: the index is loaded from the cache
                lowered.cached.append((position, path, key))
                continue
        lowered.jobs.append((position, job))
    if lowered.complete:
        lowered.remember(cache)
    return lowered


class _Parsing:
    """The workers parsing files while the main process does other work: a thread
    waits for their outcomes and queues them, to be handled as they come once the
    caller iterates (no more of them held at once than arrived meanwhile)."""

    def __init__(self, supervisor: Supervisor, jobs: list[_Job]) -> None:
        # Largest files first, so that no worker is left with a big one at the end.
        self._order = sorted(range(len(jobs)), key=lambda i: -_size(jobs[i].path))
        self._jobs = jobs
        self._queue: queue.SimpleQueue[tuple[int, object] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._collect, args=(supervisor,), daemon=True)
        if jobs:
            supervisor.ready(self._workers)
            self._thread.start()

    @property
    def _workers(self) -> int:
        return max(1, len(self._jobs) // _MIN_FILES_PER_WORKER)

    def _collect(self, supervisor: Supervisor) -> None:
        outcomes = supervisor.map([self._jobs[i] for i in self._order], self._workers)
        try:
            for i, outcome in outcomes:
                if self._stop.is_set():
                    break
                self._queue.put((self._order[i], outcome))
        except BaseException as error:  # raised in the caller's thread
            self._error = error
        finally:
            outcomes.close()  # stops the workers still holding jobs, if it stopped early
            self._queue.put(None)

    def __iter__(self) -> Iterator[tuple[int, object]]:
        """(index in the jobs, outcome or Failure) of each job, as they end."""
        if not self._jobs:
            return
        while (item := self._queue.get()) is not None:
            yield item
        self._thread.join()
        if self._error is not None:
            raise self._error

    def cancel(self) -> None:
        """Stop once the running jobs end (their outcomes unused): the caller is failing."""
        self._stop.set()
        if self._jobs:
            self._thread.join()


def _load(
    lowered: Lowered, cache: Cache | None, add: Callable[[int, Unit], None]
) -> list[tuple[int, Path]]:
    """Give `add` the indexes `lowered` has yet to load from the cache; the files whose
    entry was lost since."""
    again = []
    for position, path, key in lowered.cached:
        assert cache is not None
        index = cache.get("index", key, ModuleIndex)
        spill = cache.file("spill", key)
        if index is not None and spill.is_file():
            # The cache folder may have moved since the index was written, and the file
            # may have been named otherwise.
            file = replace(index.file, spill=spill, path=path, display=str(path))
            add(position, replace(index, file=file))
            lowered.unit_keys[position] = key
            cache.touch(spill)
        else:
            again.append((position, path))
    return again


def load_cached(
    lowered: Lowered,
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    options: Options,
    work: Work,
    add: Callable[[int, Unit], None],
    meanwhile: Callable[[], None] = lambda: None,
) -> tuple[list[tuple[Path, SourceError]], list[Path]]:
    """Give `add` every file's unit: the cached indexes `read_all` left, loaded while the
    workers parse its jobs (and those whose cache entry was lost since), then theirs;
    the errors and the files parsed, in order. `meanwhile` runs while they parse."""
    cache = options.cache
    parsing = _Parsing(work.supervisor, [job for _, job in lowered.jobs])
    try:
        again = _load(lowered, cache, add)
        meanwhile()
    except BaseException:
        parsing.cancel()
        raise
    lowered.cached = []
    _take(parsing, lowered.jobs, cache, add, lowered)
    lowered.remember(cache)
    again += _load(lowered, cache, add)  # found in the cache by a worker
    lowered.cached, lowered.jobs = [], []
    if again:
        jobs = [
            (p, _job(path, overrides, vocabulary, cache, work, lookup=False)) for p, path in again
        ]
        _take(_Parsing(work.supervisor, [job for _, job in jobs]), jobs, cache, add, lowered)
    return lowered.errors, [path for _, path in sorted(lowered.parsed)]


def lower_all(
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
            return lower_all(
                files,
                overrides,
                vocabulary,
                options,
                spill_dir,
                add,
                Work(supervisor, spill_dir, parts_from=options.parts_from),
            )
    lowered = read_all(files, overrides, vocabulary, options, work)
    return load_cached(lowered, overrides, vocabulary, options, work, add)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _take(
    outcomes: Iterable[tuple[int, object]],
    jobs: list[tuple[int, _Job]],
    cache: Cache | None,
    add: Callable[[int, Unit], None],
    lowered: Lowered,
) -> None:
    """Hand over the units of finished jobs, keeping what each file held."""
    for i, outcome in outcomes:
        position, job = jobs[i]
        if isinstance(outcome, Failure):
            error = SourceError(str(job.path), outcome.reason, transient=outcome.transient)
            outcome = _Outcome(error, content=outcome.reason)
        assert isinstance(outcome, _Outcome)
        lowered.contents[job.path] = outcome.content
        if outcome.signature is not None or job.path not in lowered.signatures:
            lowered.signatures[job.path] = outcome.signature
        result = outcome.unit
        if result is None:  # in the cache after all: loaded from there
            lowered.cached.append((position, job.path, outcome.key))
        elif isinstance(result, SourceError):
            lowered.errors.append((job.path, result))
        else:
            add(position, result)
            if isinstance(result, ModuleIndex):
                lowered.parsed.append((position, job.path))
                if cache is not None and result.file.spill == cache.file("spill", outcome.key):
                    cache.put("index", key=outcome.key, value=result)
                    lowered.unit_keys[position] = outcome.key
            elif outcome.key:
                lowered.unit_keys[position] = outcome.key
