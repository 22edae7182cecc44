"""On-disk cache: each file's ModuleIndex and spill file by content, and whole-run
results by everything they depend on (seedlint's code, packs, configuration, every
file's content).

Entries are blobs of seedlint.store.codec (data only, checksummed): a damaged or planted
file is discarded and recomputed, never run. The folders are private to the user
(0700, files 0600), and a cache folder that belongs to someone else is not used.

Entries are never rewritten, only added: an edited file, another configuration or another
version of seedlint makes new ones. So that the folder does not grow without end, an
entry is touched when it is read, and once an hour at most a run that wrote something
removes the entries used longest ago while the folder is over its limit
(`$SEEDLINT_CACHE_LIMIT_MB`, default 1024)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from seedlint import __version__
from seedlint.store.codec import MAX_BLOB, CodecError, decode, encode

T = TypeVar("T")
_PRIVATE = 0o700
_TIDY_EVERY = 3600  # seconds between two looks at the folder's size
_USE_GRAIN = 600  # seconds within which an entry used again is not marked again
_DEFAULT_LIMIT_MB = 1024


def default_limit() -> int:
    """The cache folder's limit in bytes, from $SEEDLINT_CACHE_LIMIT_MB."""
    try:
        megabytes = float(os.environ.get("SEEDLINT_CACHE_LIMIT_MB", _DEFAULT_LIMIT_MB))
    except ValueError:
        megabytes = _DEFAULT_LIMIT_MB
    return int(max(megabytes, 0) * (1 << 20))


def default_cache_dir() -> Path:
    explicit = os.environ.get("SEEDLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "seedlint"


@functools.cache
def _code_fingerprint() -> bytes:
    """seedlint's own source: a cache written by other code (even under the same version
    number, as in a development install) is never read back."""
    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).parents[1]  # all of seedlint, not only this folder
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode())
        h.update(path.read_bytes())
    return h.digest()


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256(_code_fingerprint())
    for part in parts:
        h.update(b"\0")
        h.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
    return h.hexdigest()


def private_folder(folder: Path) -> None:
    """Make `folder` and its missing parents, readable by the user alone; raises OSError."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for made in reversed(missing):
        with contextlib.suppress(FileExistsError):  # a concurrent run made it
            made.mkdir(mode=_PRIVATE)


def write_atomically(path: Path, chunks: Iterable[bytes]) -> None:
    """Write `path` so that readers see the old file or the whole new one (mode 0600,
    its folders 0700 if it makes them); raises OSError."""
    private_folder(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent)  # mode 0600
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise


class Cache:
    def __init__(self, folder: Path, limit: int | None = None) -> None:
        self.folder = folder
        self.limit = default_limit() if limit is None else limit  # bytes
        self._usable: bool | None = None
        self._wrote = False

    def _path(self, kind: str, key: str) -> Path:
        return self.file(kind, f"{key}.blob")

    def file(self, kind: str, key: str) -> Path:
        """Where a file of this kind with this key belongs, for callers that write it."""
        return self.folder / kind / key[:2] / key

    def has(self, kind: str, key: str) -> bool:
        """Whether an entry is stored (it may still fail to load)."""
        return self.has_file(kind, f"{key}.blob")

    def has_file(self, kind: str, key: str) -> bool:
        """Whether `file(kind, key)` is a file."""
        return os.path.isfile(self._file_text(kind, key))

    def _file_text(self, kind: str, key: str) -> str:
        """`file(kind, key)` as text (for checks that run once per file: no Path made)."""
        return os.path.join(self.folder, kind, key[:2], key)

    def usable(self) -> bool:
        """Whether this user alone can write the folder: made private if it is not yet
        (a cache made by older versions was world-readable), refused if it belongs to
        someone else. Checked once."""
        if self._usable is None:
            self._usable = self._check_folder()
        return self._usable

    def _check_folder(self) -> bool:
        try:
            found = self.folder.stat()
        except FileNotFoundError:
            return True  # made private when the first entry is written
        except OSError:
            return False
        problem = (
            "it is not a folder"
            if not stat.S_ISDIR(found.st_mode)
            else "another user owns it"
            if found.st_uid != os.getuid()
            else None
        )
        if problem is not None:
            print(f"seedlint: not using the cache folder {self.folder}: {problem}", file=sys.stderr)
            return False
        if found.st_mode & 0o077:
            with contextlib.suppress(OSError):
                self.folder.chmod(_PRIVATE)
        return True

    def get(self, kind: str, key: str, expected: type[T]) -> T | None:
        """The entry, if there is one that reads back as an `expected`."""
        if not self.usable():
            return None
        try:
            path = self._path(kind, key)
            with open(path, "rb") as handle:
                data = handle.read(MAX_BLOB + 1024)
            found = decode(data, expected)
        except (OSError, CodecError):
            return None  # missing, damaged or written by another version: recompute
        self.touch(path)
        return found

    def touch(self, path: Path | str) -> None:
        """Mark an entry as used now (the entries used longest ago are removed first)."""
        with contextlib.suppress(OSError):
            os.utime(path)

    def has_used(self, kind: str, key: str) -> bool:
        """`has_file`, and if so the file marked as used, unless it was marked within the
        last `_USE_GRAIN` seconds (`tidy` then knows the order of use to within that):
        one system call for most files rather than two (on transformers, 5,700 a run)."""
        path = self._file_text(kind, key)
        try:
            found = os.stat(path)
        except OSError:
            return False
        if not stat.S_ISREG(found.st_mode):
            return False
        if time.time() - found.st_mtime >= _USE_GRAIN:
            self.touch(path)
        return True

    def put(self, kind: str, key: str, value: Any) -> None:
        if not self.usable():
            return
        # A read-only or full cache folder, or a value too big to keep, only costs speed.
        with contextlib.suppress(OSError, CodecError):
            write_atomically(self._path(kind, key), [encode(value)])
            self.wrote()

    def wrote(self) -> None:
        """Note an entry written by the caller itself (at `file(kind, key)`), for `tidy`."""
        self._wrote = True

    def tidy(self) -> None:
        """After a run that wrote entries, at most once an hour: remove the entries used
        longest ago until the folder is well under its limit."""
        if not self._wrote or not self.usable():
            return
        marker = self.folder / "tidy" / "last"  # (entries lie two folders deeper)
        with contextlib.suppress(OSError):
            if time.time() - marker.stat().st_mtime < _TIDY_EVERY:
                return
        try:
            private_folder(marker.parent)
            marker.touch(mode=0o600)
            entries = []
            for path in self.folder.glob("*/*/*"):
                found = path.stat()
                if stat.S_ISREG(found.st_mode):
                    entries.append((found.st_mtime, found.st_size, path))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        if total <= self.limit:
            return
        for _, size, path in sorted(entries):  # a concurrent run that loses one recomputes it
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
            if total <= self.limit * 0.8:
                break
