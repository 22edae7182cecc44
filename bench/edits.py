"""Latency where people lint: the pre-commit path (`seedlint --context package FILE`)
and the flake8 bridge, after a one-line edit with a warm cache, and on an unchanged
file. Not a test: run it by hand, on a package of the benchmark corpus (bench/corpus.sh).

    python bench/edits.py .bench-corpus/unsloth-zoo-2026.10.9 [--runs 3] [--small F] [--large F]

The package is copied to a temporary folder (the corpus is never edited) and the cache
is filled once. Each edit run inserts a different `print(...)` line at the top of the
first function of the file, as a user would: a call, so the function's graph, its call
targets and its summary change. Every figure is the median of --runs runs, each in a
fresh process; "recomputed" is how many functions' summaries that run computed.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import libcst as cst

from seedlint.config import Config
from seedlint.engine import Options, analyse
from seedlint.parse.prefilter import Vocabulary
from seedlint.store.cache import Cache

_BIN = Path(sys.executable).parent
_edits = itertools.count()


def one_line_edit(path: Path) -> None:
    """Insert a `print` call as the first line of the file's first function."""
    text = path.read_text()
    tree = ast.parse(text)
    first = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
    statement = first.body[0]
    lines = text.splitlines(keepends=True)
    indent = " " * statement.col_offset
    lines.insert(statement.lineno - 1, f"{indent}print('edit {next(_edits)}')\n")
    path.write_text("".join(lines))


def parse_floor(path: Path, runs: int) -> float:
    data = path.read_bytes()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        cst.parse_module(data)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def default_small(package: Path, vocabulary: Vocabulary) -> Path:
    """The shortest module of at least 150 lines that mentions the packs' vocabulary."""
    candidates = [
        (p.read_bytes().count(b"\n"), str(p), p)
        for p in package.rglob("*.py")
        if vocabulary.mentioned_in(p.read_bytes()) and p.read_bytes().count(b"\n") >= 150
    ]
    return min(candidates)[2]


def default_large(package: Path) -> Path:
    return max(package.rglob("*.py"), key=lambda p: (p.stat().st_size, str(p)))


def recomputed(root: Path, file: Path, cache: Path) -> int:
    """Functions whose summaries one resumed pre-commit run computes after an edit."""
    one_line_edit(file)
    config = Config()
    top = root / file.relative_to(root).parts[0]
    result = analyse(
        [str(top)],
        config,
        config.load_packs(),
        report=lambda path: path.resolve() == file.resolve(),
        options=Options(cache=Cache(cache)),
        report_key=f"bench\0{file}",
    )
    return result.summarised


def row(label: str, seconds: float, floor: float | None = None) -> None:
    versus = f"  {seconds / floor:5.2f}x its libcst parse" if floor else ""
    print(f"{label:48s} {seconds:7.2f} s{versus}", flush=True)


def bench_file(file: Path, root: Path, work: Path, runs: int) -> None:
    """The rows of one file: the hook and the bridge, unchanged and after edits."""
    env = {**os.environ, "SEEDLINT_CACHE_DIR": str(work / "cache")}
    floor = parse_floor(file, runs)
    relative = str(file.relative_to(root))
    lines = file.read_bytes().count(b"\n")
    print(f"{relative} ({lines} lines): libcst parse {floor:.2f} s")
    hook = [str(_BIN / "seedlint"), "--context", "package", relative]
    flake8 = [str(_BIN / "flake8"), "--select", "SDL", relative]
    stdin = [str(_BIN / "flake8"), "--select", "SDL", "--stdin-display-name", relative, "-"]
    buffer = work / "buffer.py"

    def run(
        command: list[str], before: Callable[[], None] = lambda: None, text: bool = False
    ) -> float:
        seconds = []
        for _ in range(runs):
            before()
            start = time.perf_counter()
            with buffer.open("rb") if text else open(os.devnull, "rb") as given:
                subprocess.run(command, stdin=given, env=env, cwd=root, capture_output=True)
            seconds.append(time.perf_counter() - start)
        return statistics.median(seconds)

    def unsaved() -> None:
        shutil.copy(file, buffer)
        one_line_edit(buffer)

    row("  pre-commit, unchanged", run(hook))
    row("  pre-commit, after a one-line edit", run(hook, lambda: one_line_edit(file)), floor)
    run(flake8)  # the bridge's own run-level entry
    # flake8's own checks of the file, for reference: without an SDL code selected the
    # bridge does no work, so this is what the bridge rows cost beyond seedlint.
    own = [str(_BIN / "flake8"), "--select", "E,W,F", relative]
    alone = run(own)
    row("  flake8 alone (--select E,W,F: no seedlint)", alone)
    row("  flake8 bridge, unchanged", run(flake8))
    edited = run(flake8, lambda: one_line_edit(file))
    row("  flake8 bridge, after a one-line edit", edited, floor)
    row("    of which seedlint (less flake8 alone)", edited - alone)
    row("  flake8 bridge, an unsaved edited buffer", run(stdin, unsaved, text=True), floor)
    print(f"  functions recomputed after an edit: {recomputed(root, file, work / 'cache')}")


def main() -> None:
    # An installed seedlint has its bytecode: without it each process would compile
    # seedlint's modules again (0.1 s of every warm run).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser()
    parser.add_argument("package", type=Path, help="an unpacked wheel of the corpus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small", type=Path, help="relative to the package")
    parser.add_argument("--large", type=Path, help="relative to the package")
    args = parser.parse_args()
    vocabulary = Vocabulary.of(Config().load_packs())
    work = Path(tempfile.mkdtemp(prefix="seedlint-bench-edits-"))
    try:
        root = work / args.package.name
        shutil.copytree(args.package, root)
        small = root / args.small if args.small else default_small(root, vocabulary)
        large = root / args.large if args.large else default_large(root)
        total = sum(p.read_bytes().count(b"\n") for p in root.rglob("*.py"))
        print(f"package: {args.package.name} ({total} lines); runs: {args.runs}")
        env = {**os.environ, "SEEDLINT_CACHE_DIR": str(work / "cache")}
        start = time.perf_counter()
        hook = [str(_BIN / "seedlint"), "--context", "package", str(small)]
        subprocess.run(hook, env=env, capture_output=True, cwd=root)
        row("cold (fills the cache)", time.perf_counter() - start)
        for file in (small, large):
            bench_file(file, root, work, args.runs)
        print(f"python {sys.version.split()[0]}; {os.uname().machine}; cores {os.cpu_count()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
