"""Time seedlint on a folder against libcst parsing alone of the same files (one run each,
side by side). Usage: python bench/parse_ratio.py FOLDER [FOLDER...]"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import libcst as cst

from seedlint.config import Config
from seedlint.engine import analyse


def main(folders: list[str]) -> None:
    config = Config()
    packs = config.load_packs()
    for folder in folders:
        files = sorted(
            p for p in Path(folder).rglob("*.py") if not config.excluded(p.relative_to(folder))
        )
        lines = sum(p.read_bytes().count(b"\n") for p in files)
        start = time.perf_counter()
        for path in files:
            # bench only: a file libcst rejects costs what it costs
            with contextlib.suppress(Exception):
                cst.parse_module(path.read_bytes())
        parse = time.perf_counter() - start
        start = time.perf_counter()
        result = analyse([folder], config, packs)
        lint = time.perf_counter() - start
        print(
            f"{folder}: {len(files)} files, {lines} lines; libcst parse {parse:.2f} s; "
            f"seedlint --jobs 1 {lint:.2f} s ({lint / parse:.2f}x parse, "
            f"{len(result.parsed)} files parsed); {len(result.diagnostics)} findings"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
