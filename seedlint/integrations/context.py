"""Report on some files while analysing their whole packages (pre-commit, flake8)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from seedlint.parse.packages import placement
from seedlint.parse.paths import real, real_in


def with_packages(paths: Iterable[str]) -> tuple[list[str], Callable[[Path], bool]]:
    """Analyse the packages of the named files; report only on what was named."""
    named_files: set[Path] = set()
    named_dirs: list[Path] = []
    scope: dict[str, None] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            named_dirs.append(real(path))
            scope[raw] = None
            continue
        named_files.add(real(path))
        if not path.exists():
            scope[raw] = None
            continue
        top = placement(path).top_package
        # Reported paths are as given: relative stays relative (to the current folder).
        scope[str(top) if path.is_absolute() else os.path.relpath(top)] = None

    folders: dict[str, str] = {}  # (each folder resolved once: a package has hundreds)

    def report(found: Path) -> bool:
        resolved = real_in(found, folders)
        return resolved in named_files or any(d in resolved.parents for d in named_dirs)

    return list(scope), report
