"""Compile files to ModuleIndexes, from the cache or in a pool of worker processes.

Each worker parses one file at a time, writes the module's graphs to a spill file and
sends back only its index, which the caller stores as it arrives: no process holds
the graphs, or the indexes, of the whole tree."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from seedlint.cache import Cache, digest
from seedlint.compile import compile_file
from seedlint.ir import ModuleIndex
from seedlint.paths import parse_quietly, real
from seedlint.prefilter import Quiet, Vocabulary, references
from seedlint.project import module_name_for
from seedlint.sources import SourceError
from seedlint.spill import SpillError, spill_module

if TYPE_CHECKING:
    from seedlint.engine import Options

Unit = ModuleIndex | Quiet
_MIN_FILES_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class _Job:
    path: Path
    data: bytes | None  # the text to use instead of the file's (an editor's buffer)
    vocabulary: Vocabulary | None
    cache: Cache | None
    temporary: Path  # the run's spill folder


def _read(path: Path, overrides: Mapping[Path, bytes]) -> bytes | SourceError:
    data = overrides.get(real(path))
    if data is not None:
        return data
    try:
        return path.read_bytes()
    except IsADirectoryError:
        return SourceError(str(path), "is a directory, not a Python file")
    except OSError as error:
        return SourceError(str(path), f"cannot read: {error.strerror or error}")


def _quiet(path: Path, data: bytes) -> Quiet | None:
    """A quiet file's references, or None if CPython cannot parse it (libcst will report)."""
    try:
        tree = parse_quietly(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    name, is_package = module_name_for(path)
    package = name if is_package else name.rpartition(".")[0]
    return Quiet(name, path, str(path), references(tree, package))


def _task(job: _Job) -> tuple[Unit | SourceError, str]:
    """The file's unit (or why it has none), and the key its content is cached under
    (with a cache: the key of the text read here, which may differ from the main's)."""
    data = job.data if job.data is not None else _read(job.path, {})
    if isinstance(data, SourceError):
        return data, ""
    key = _cache_key(job.path, data) if job.cache is not None else ""
    if job.vocabulary is not None and not job.vocabulary.mentioned_in(data):
        quiet = _quiet(job.path, data)
        if quiet is not None:
            return quiet, key
    try:
        module = compile_file(job.path, data)
    except RecursionError:
        return SourceError(str(job.path), "too deeply nested to analyse"), key
    if isinstance(module, SourceError):
        return module, key
    spills: tuple[Path, ...] = (job.temporary / digest(str(job.path)),)
    if job.cache is not None:
        spills = (job.cache.file("spill", key), *spills)
    try:
        return spill_module(module, spills), key
    except SpillError as error:
        return SourceError(str(job.path), str(error)), key


def _cache_key(path: Path, data: bytes) -> str:
    return digest(str(path), module_name_for(path)[0], data)


def compile_all(
    files: Sequence[Path],
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    options: Options,
    spill_dir: Path,
    add: Callable[[int, Unit], None],
) -> tuple[list[tuple[Path, SourceError]], list[Path]]:
    """Give `add` the unit of every file (from the cache where possible) with the file's
    position in `files`, as soon as it is ready; return errors and the files parsed.

    Spill files go to the cache when there is one (so cached indexes stay usable), else
    to `spill_dir`, which must live as long as the units are used. Files are read in
    the workers: the main process never holds the text of the whole tree."""
    errors: list[tuple[Path, SourceError]] = []
    todo: list[tuple[int, _Job]] = []
    cache = options.cache
    for position, path in enumerate(files):
        if cache is not None:
            data = _read(path, overrides)
            if isinstance(data, SourceError):
                errors.append((path, data))
                continue
            key = _cache_key(path, data)
            cached_spill = cache.file("spill", key)
            cached = cache.get("index", key, ModuleIndex)
            if cached is not None and cached_spill.is_file():
                # The cache folder may have moved since the index was written.
                add(position, replace(cached, file=replace(cached.file, spill=cached_spill)))
                continue
        job = _Job(path, overrides.get(real(path)), vocabulary, cache, spill_dir)
        todo.append((position, job))
    parsed: list[tuple[int, Path]] = []
    for i, (result, key) in _run([job for _, job in todo], options.jobs):
        position, job = todo[i]
        if isinstance(result, SourceError):
            errors.append((job.path, result))
            continue
        add(position, result)
        if isinstance(result, ModuleIndex):
            parsed.append((position, job.path))
            if cache is not None and result.file.spill == cache.file("spill", key):
                cache.put("index", key, result)
    return errors, [path for _, path in sorted(parsed)]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _run(todo: list[_Job], jobs: int) -> Iterator[tuple[int, tuple[Unit | SourceError, str]]]:
    """Each job's result with the job's position, as results arrive."""
    workers = min(jobs, len(todo) // _MIN_FILES_PER_WORKER)
    if workers <= 1:
        yield from enumerate(map(_task, todo))
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    # Largest files first, so that no worker is left with a big one at the end.
    order = sorted(range(len(todo)), key=lambda i: -_size(todo[i].path))
    with context.Pool(workers) as pool:
        yield from zip(order, pool.imap(_task, [todo[i] for i in order]), strict=True)
