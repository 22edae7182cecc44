"""How seedlint's memory grows with the tree: one real package copied 1, 2, 4, ... times
side by side into one project, so that the tree grows while its largest file stays the
same. Not a test: run it by hand (after bench/corpus.sh).

    python bench/scaling.py .bench-corpus/mlx-vlm-0.7.10 --copies 1 2 4 8

Each copy of a top-level package gets its own name (`mlx_vlm`, `mlx_vlm_copy1`, ...);
its relative imports stay inside the copy, its absolute ones reach the first copy.
Every row is one cold run with all cores and no cache.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from run import timed_seedlint

from seedlint.engine import default_jobs


def _packages(distribution: Path) -> list[Path]:
    return sorted(p for p in distribution.iterdir() if (p / "__init__.py").is_file())


def _lines(folder: Path) -> list[int]:
    return [len(p.read_bytes().splitlines()) for p in folder.rglob("*.py")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("distribution", type=Path, help="A folder holding top-level packages.")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    packages = _packages(args.distribution)
    if not packages:
        raise SystemExit(f"{args.distribution}: no package folder (one with __init__.py)")
    cores = str(default_jobs())
    print(f"{args.distribution.name}, {cores} cores, cold, no cache")
    for copies in args.copies:
        with tempfile.TemporaryDirectory(prefix="seedlint-scaling-") as folder:
            root = Path(folder)
            for number in range(copies):
                suffix = f"_copy{number}" if number else ""
                for package in packages:
                    shutil.copytree(package, root / f"{package.name}{suffix}")
            sizes = _lines(root)
            seconds, peak, main_rss = timed_seedlint(["--no-cache", "-j", cores, str(root)])
        print(
            f"{copies:3d} copies: {len(sizes):6d} files {sum(sizes):9d} lines, largest file "
            f"{max(sizes):6d}: {seconds:7.1f} s, peak {peak / 1024:4.0f} MiB, "
            f"main process {main_rss / 1024:4.0f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
