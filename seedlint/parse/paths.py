"""Small helpers that never raise or print: real paths, quiet parsing."""

from __future__ import annotations

import ast
import os
import warnings
from pathlib import Path


def real(path: Path | str) -> Path:
    """The path with symlinks resolved; never raises, even on a symlink loop."""
    return Path(os.path.realpath(path))


def parse_quietly(source: str | bytes) -> ast.Module:
    """`ast.parse` without the SyntaxWarnings the checked code may trigger."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)
