"""Path helpers that never raise."""

from __future__ import annotations

import os
from pathlib import Path


def real(path: Path | str) -> Path:
    """The path with symlinks resolved; never raises, even on a symlink loop."""
    return Path(os.path.realpath(path))
