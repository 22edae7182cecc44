"""On-disk cache: each file's ModuleIndex and spill file by content, and whole-run
results by everything they depend on (seedlint's code, packs, configuration, every
file's content)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from seedlint import __version__


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


def write_atomically(path: Path, chunks: Iterable[bytes]) -> None:
    """Write `path` so that readers see the old file or the whole new one; raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent)
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

    def _path(self, kind: str, key: str) -> Path:
        return self.file(kind, f"{key}.pickle")

    def file(self, kind: str, key: str) -> Path:
        """Where a file of this kind with this key belongs, for callers that write it."""
        return self.folder / kind / key[:2] / key

    def has(self, kind: str, key: str) -> bool:
        """Whether an entry is stored (it may still fail to load)."""
        return self._path(kind, key).is_file()

    def get(self, kind: str, key: str) -> Any:
        try:
            with open(self._path(kind, key), "rb") as handle:
                return pickle.load(handle)
        except (
            OSError,
            EOFError,
            pickle.UnpicklingError,
            AttributeError,
            ImportError,
            TypeError,
            ValueError,
        ):
            return None  # missing, or written by another version: recompute

    def put(self, kind: str, key: str, value: Any) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        # A read-only or full cache folder only costs speed.
        with contextlib.suppress(OSError):
            write_atomically(self._path(kind, key), [data])
