"""Compile files to ModuleIR, from the cache or in a pool of worker processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from seedlint.cache import digest
from seedlint.compile import compile_file
from seedlint.ir import ModuleIR
from seedlint.paths import parse_quietly, real
from seedlint.prefilter import Quiet, Vocabulary, references
from seedlint.project import module_name_for
from seedlint.sources import SourceError

if TYPE_CHECKING:
    from seedlint.engine import Options

Unit = ModuleIR | Quiet
_MIN_FILES_PER_WORKER = 4


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


def _task(item: tuple[Path, bytes, Vocabulary | None]) -> Unit | SourceError:
    path, data, vocabulary = item
    if vocabulary is not None and not vocabulary.mentioned_in(data):
        quiet = _quiet(path, data)
        if quiet is not None:
            return quiet
    try:
        return compile_file(path, data)
    except RecursionError:
        return SourceError(str(path), "too deeply nested to analyse")


def compile_all(
    files: Sequence[Path],
    overrides: Mapping[Path, bytes],
    vocabulary: Vocabulary | None,
    options: Options,
) -> tuple[list[Unit], list[tuple[Path, SourceError]], list[Path]]:
    """Units for every file (from the cache where possible), errors, and files parsed."""
    units: list[Unit] = []
    errors: list[tuple[Path, SourceError]] = []
    todo: list[tuple[Path, bytes, Vocabulary | None]] = []
    keys: dict[Path, str] = {}
    for path in files:
        data = _read(path, overrides)
        if isinstance(data, SourceError):
            errors.append((path, data))
            continue
        if options.cache is not None:
            key = digest(str(path), module_name_for(path)[0], data)
            cached = options.cache.get("ir", key)
            if isinstance(cached, ModuleIR):
                units.append(cached)
                continue
            keys[path] = key
        todo.append((path, data, vocabulary))
    parsed: list[Path] = []
    for (path, _, _), result in zip(todo, _run(todo, options.jobs), strict=True):
        if isinstance(result, SourceError):
            errors.append((path, result))
            continue
        units.append(result)
        if isinstance(result, ModuleIR):
            parsed.append(path)
            if options.cache is not None:
                options.cache.put("ir", keys[path], result)
    return units, errors, parsed


def _run(todo: list[tuple[Path, bytes, Vocabulary | None]], jobs: int) -> list[Unit | SourceError]:
    workers = min(jobs, len(todo) // _MIN_FILES_PER_WORKER)
    if workers <= 1:
        return [_task(item) for item in todo]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    # Largest files first, so that no worker is left with a big one at the end.
    order = sorted(range(len(todo)), key=lambda i: -len(todo[i][1]))
    results: list[Unit | SourceError | None] = [None] * len(todo)
    with context.Pool(workers) as pool:
        for i, result in zip(order, pool.imap(_task, [todo[i] for i in order]), strict=True):
            results[i] = result
    return results  # type: ignore[return-value]
