"""Finding the files to check and turning their bytes into syntax trees, or into a reason."""

from __future__ import annotations

import io
import os
import stat
import tokenize
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from seedlint.config import Config
from seedlint.parse.gitignore import Rules, enclosing_rules, ignored, rules_of
from seedlint.parse.paths import real

if TYPE_CHECKING:
    import libcst as cst


@dataclass(frozen=True, slots=True)
class SourceError:
    path: str
    reason: str
    line: int = 1
    column: int = 1
    transient: bool = False  # a time or memory limit: another run may succeed
    cell: int | None = None  # the notebook's code cell `line` is in (seedlint.parse.notebooks)


DEFAULT_MAX_FILE_SIZE = Config().max_file_size  # MB
NOTEBOOK_SUFFIX = ".ipynb"  # Jupyter notebooks, read by seedlint.parse.notebooks
CHECKED_SUFFIXES = (".py", NOTEBOOK_SUFFIX)  # what folders are searched for
_KINDS = MappingProxyType(
    {
        stat.S_IFIFO: "a FIFO",
        stat.S_IFCHR: "a character device",
        stat.S_IFBLK: "a block device",
        stat.S_IFSOCK: "a socket",
    }
)


@dataclass(frozen=True, slots=True)
class Read:
    data: bytes
    signature: tuple[int, ...]  # what changes when the file is written (size, times, inode)


def _signature(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def signature(path: Path) -> tuple[int, ...] | None:
    """The file's signature now (None if it cannot be found), to tell if it changed."""
    try:
        return _signature(os.stat(path))
    except OSError:
        return None


def _refusal(display: str, info: os.stat_result, limit: float) -> SourceError | None:
    if stat.S_ISDIR(info.st_mode):
        return SourceError(display, "is a directory, not a Python file")
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a file")
        return SourceError(display, f"not a regular file ({kind})")
    if info.st_size > limit * 1e6:
        return SourceError(display, f"larger than {limit:g} MB (max-file-size)")
    return None


def read_file(path: Path, limit: float = DEFAULT_MAX_FILE_SIZE) -> Read | SourceError:
    """A regular file's bytes, at most `limit` MB: a FIFO, a device or a huge file
    gives a reason instead of blocking or filling memory."""
    display = str(path)
    try:
        refusal = _refusal(display, os.stat(path), limit)
        if refusal is not None:
            return refusal
        # O_NONBLOCK: should a FIFO replace the file after the check, opening it
        # does not wait for a writer.
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            info = os.fstat(handle)
            refusal = _refusal(display, info, limit)
            if refusal is not None:
                return refusal
            with os.fdopen(handle, "rb", closefd=False) as stream:
                data = stream.read(int(limit * 1e6) + 1)
        finally:
            os.close(handle)
    except OSError as error:
        return SourceError(display, f"cannot read: {error.strerror or error}")
    if len(data) > limit * 1e6:  # it grew after the check
        return SourceError(display, f"larger than {limit:g} MB (max-file-size)")
    return Read(data, _signature(info))


@dataclass(frozen=True, slots=True)
class Source:
    path: Path  # as found (for module names)
    display: str  # as reported
    module: cst.Module
    text: str


def discover(
    paths: list[str], config: Config, unsaved: Collection[Path] = ()
) -> Iterator[Path | SourceError]:
    """Python files and notebooks under `paths`; excluded folders skipped, named files
    always kept, also when they exist only as text given instead of the disk's (`unsaved`,
    resolved paths: stdin, an editor's new buffer)."""
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if real(path) in unsaved and not path.is_dir():
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                yield path
        elif path.is_dir():
            yield from _walk(path, config, seen)
        elif path.exists() or path.is_symlink():
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                yield path
        else:
            yield SourceError(raw, "no such file or directory")


def _walk(root: Path, config: Config, seen: set[str]) -> Iterator[Path | SourceError]:
    visited_dirs: set[str] = set()
    outer = enclosing_rules(root) if config.respect_gitignore else None
    stack: list[tuple[Path, list[Rules] | None]] = [(root, outer)]
    while stack:
        folder, inherited = stack.pop()
        rules = None if inherited is None else inherited + rules_of(Path(os.path.abspath(folder)))
        real = os.path.realpath(folder)
        if real in visited_dirs:
            continue  # a symlink loop or a second way into the same folder
        visited_dirs.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            yield SourceError(str(folder), f"cannot read directory: {error.strerror or error}")
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            relative = path.relative_to(root)
            if config.excluded(relative):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if rules and ignored(rules, Path(os.path.abspath(path)), is_dir):
                continue
            if is_dir:
                subfolders.append((path, rules))
            elif entry.name.endswith(CHECKED_SUFFIXES):
                # (the folder's real path and the name, unless the entry is a link itself)
                key = os.path.join(real, entry.name)
                if _is_link(entry):
                    key = os.path.realpath(path)
                if key not in seen:
                    seen.add(key)
                    yield path
        stack.extend(reversed(subfolders))


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return True


def source_text(data: bytes) -> str | None:
    """A module's text as its encoding declaration (or UTF-8) reads it, or None."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None


def read_source(path: Path, data: bytes | None = None) -> Source | SourceError:
    """Parse `path` (or `data`, an editor's unsaved text of it) into a Source or a reason."""
    import libcst as cst  # only where files are parsed (the workers, `confirm`)

    display = str(path)
    if data is None:
        read = read_file(path)
        if isinstance(read, SourceError):
            return read
        data = read.data
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except SyntaxError as error:
        reason = _one_line(error)
        if "invalid or missing encoding declaration" in reason:
            reason = "the bytes are not valid UTF-8 and no other encoding is declared"
        return SourceError(display, f"cannot decode: {reason}")
    except UnicodeDecodeError as error:
        return SourceError(
            display, f"cannot decode as {error.encoding}: {error.reason} at byte {error.start}"
        )
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError as error:
        first = str(error.message).splitlines()[0] if error.message else "invalid syntax"
        return SourceError(display, f"syntax error: {first}", error.raw_line, error.raw_column + 1)
    except UnicodeDecodeError as error:
        return SourceError(display, f"cannot decode: {error.reason} at byte {error.start}")
    except (LookupError, SyntaxError, ValueError) as error:
        return SourceError(display, f"cannot parse: {_one_line(error)}")
    except RecursionError:
        return SourceError(display, "too deeply nested to parse")
    try:
        text = data.decode(module.encoding)
    except (LookupError, UnicodeDecodeError) as error:
        return SourceError(display, f"cannot decode: {_one_line(error)}")
    return Source(path, display, module, text)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__
