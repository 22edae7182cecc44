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
    """`real` of each path, each folder resolved once."""
    folders: dict[str, str] = {}
    return {path: real_in(path, folders) for path in paths}


def real_in(path: Path, folders: dict[str, str]) -> Path:
    """`real` of `path`, its folder's real path taken from (or added to) `folders`: a
    file or folder that is not a link itself is its folder's real path and its name."""
    text = os.fspath(path)
    head, name = os.path.split(text)
    if _is_link(text) or name in ("", ".", ".."):
        return real(path)
    return Path(os.path.join(_real_folder(head, folders), name))


def _real_folder(folder: str, known: dict[str, str]) -> str:
    found = known.get(folder)
    if found is None:
        head, name = os.path.split(folder)
        if not name or name in (".", "..") or head == folder or _is_link(folder):
            found = os.path.realpath(folder or os.curdir)
        else:
            found = os.path.join(_real_folder(head, known), name)
        known[folder] = found
    return found


def _is_link(path: str) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return True  # (missing or unreadable: `realpath` says what it can)


def parse_quietly(source: str | bytes) -> ast.Module:
    """`ast.parse` without the SyntaxWarnings the checked code may trigger."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)
