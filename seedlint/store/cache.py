"""On-disk cache: each file's ModuleIndex and spill file by content, and whole-run
results by everything they depend on (seedlint's code, packs, configuration, every
file's content).

Entries are blobs of seedlint.store.codec (data only, checksummed): a damaged or planted
file is discarded and recomputed, never run. The folders are private to the user
(0700, files 0600), and a cache folder that belongs to someone else is not used."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from seedlint import __version__
from seedlint.store.codec import MAX_BLOB, CodecError, decode, encode

T = TypeVar("T")
_PRIVATE = 0o700


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
    package = Path(__file__).parent
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
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._usable: bool | None = None

    def _path(self, kind: str, key: str) -> Path:
        return self.file(kind, f"{key}.blob")

    def file(self, kind: str, key: str) -> Path:
        """Where a file of this kind with this key belongs, for callers that write it."""
        return self.folder / kind / key[:2] / key

    def has(self, kind: str, key: str) -> bool:
        """Whether an entry is stored (it may still fail to load)."""
        return self._path(kind, key).is_file()

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
            with open(self._path(kind, key), "rb") as handle:
                data = handle.read(MAX_BLOB + 1024)
            return decode(data, expected)
        except (OSError, CodecError):
            return None  # missing, damaged or written by another version: recompute

    def put(self, kind: str, key: str, value: Any) -> None:
        if not self.usable():
            return
        # A read-only or full cache folder, or a value too big to keep, only costs speed.
        with contextlib.suppress(OSError, CodecError):
            write_atomically(self._path(kind, key), [encode(value)])
