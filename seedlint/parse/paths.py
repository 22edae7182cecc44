"""Small helpers that never raise or print: real paths, quiet parsing."""

from __future__ import annotations

import ast
import os
import stat
import warnings
from collections.abc import Iterable
from pathlib import Path


def real(path: Path | str) -> Path:
    """The path with symlinks resolved; never raises, even on a symlink loop."""
    return Path(os.path.realpath(path))


def real_files(paths: Iterable[Path]) -> dict[Path, Path]:
    """`real` of each path, each folder resolved once: a file that is not a link itself
    is its folder's real path and its name."""
    folders: dict[str, str] = {}
    out: dict[Path, Path] = {}
    for path in paths:
        head, name = os.path.split(os.fspath(path))
        try:
            is_link = stat.S_ISLNK(os.lstat(path).st_mode)
        except OSError:
            is_link = True  # (missing or unreadable: `real` says what it can)
        if is_link or name in ("", ".", ".."):
            out[path] = real(path)
            continue
        folder = folders.get(head)
        if folder is None:
            folder = folders[head] = os.path.realpath(head or os.curdir)
        out[path] = Path(folder, name)
    return out


def parse_quietly(source: str | bytes) -> ast.Module:
    """`ast.parse` without the SyntaxWarnings the checked code may trigger."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)
