"""The speed benchmark: seedlint against the libcst parse floor, and Fixit and flake8
for reference, on a pinned real corpus (bench/corpus.sh). Not a test: run it by hand.

    bash bench/corpus.sh .bench-corpus
    bash bench/others.sh .bench-others        # Fixit and flake8, each in its own venv
    python bench/run.py .bench-corpus --others .bench-others [--runs 3] [--only peft-0.21.2 ...]

Every figure is the median of --runs runs (--reference-runs for Fixit and flake8), each
command in a fresh process; peak memory is the largest of those runs. For seedlint the
peak of its main process is shown apart from the peak of any process (the workers
parse one file at a time, so theirs follows the largest file), and --memory adds one
cold run per package to show how each grows with the tree.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst as cst

from seedlint.config import Config
from seedlint.engine import Options, analyse, default_jobs
from seedlint.parse.prefilter import Vocabulary

_TIMED = (
    "import resource, subprocess, sys, time;"
    "t = time.perf_counter(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
    " stderr=subprocess.DEVNULL);"
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


# seedlint's command line in this process, then its own peak RSS into $SEEDLINT_BENCH_RSS.
_SEEDLINT = (
    "import os, resource, runpy, sys; sys.argv[0] = 'seedlint'\n"
    "try:\n    runpy.run_module('seedlint', run_name='__main__')\n"
    "finally:\n    open(os.environ['SEEDLINT_BENCH_RSS'], 'w').write("
    "str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))"
)


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one command in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _TIMED, *command],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1])


def timed_seedlint(args: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS of any of its processes and of its main process (KiB)."""
    with tempfile.NamedTemporaryFile() as rss:
        env = {**os.environ, "SEEDLINT_BENCH_RSS": rss.name}
        seconds, peak = timed([sys.executable, "-c", _SEEDLINT, *args], env)
        return seconds, peak, int(Path(rss.name).read_text())


def median(command: list[str], runs: int) -> tuple[float, int]:
    results = [timed(command) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def median_seedlint(args: list[str], runs: int) -> tuple[float, int, int]:
    results = [timed_seedlint(args) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in results),
        max(r[1] for r in results),
        max(r[2] for r in results),
    )


def parse_floor(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        with contextlib.suppress(Exception):
            cst.parse_module(path.read_bytes())
    return time.perf_counter() - start


def main() -> None:
    # An installed seedlint has its bytecode: without it each process would compile
    # seedlint's modules again (0.1 s of every warm run).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--reference-runs", type=int, default=None, help="Default: --runs.")
    parser.add_argument("--others", type=Path, help="Where bench/others.sh installed them.")
    parser.add_argument("--memory", action="store_true", help="One cold run per package too.")
    args = parser.parse_args()
    folders = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    if args.only:
        folders = [f for f in folders if f.name in args.only]
    config = Config()
    packs = config.load_packs()
    vocabulary = Vocabulary.of(packs)
    files = [p for f in folders for p in sorted(f.rglob("*.py"))]
    relevant = [p for p in files if vocabulary.mentioned_in(p.read_bytes())]
    lines = {p: p.read_bytes().count(b"\n") for p in files}
    largest = max(files, key=lambda p: lines[p])
    print(f"corpus: {', '.join(f.name for f in folders)}")
    total = sum(lines.values())
    print(f"files: {len(files)} ({len(relevant)} mention pack vocabulary), lines: {total}")
    print(f"largest file: {largest} ({lines[largest]} lines, {largest.stat().st_size} bytes)")
    if args.memory:
        memory_by_package(folders, lines)
    # The files seedlint parses: those that mention the vocabulary, and the quiet ones
    # it wakes because they refer to project code that seeds or draws.
    run = analyse([str(f) for f in folders], config, packs, options=Options(jobs=default_jobs()))
    parsed = list(run.parsed)
    print(f"seedlint parses {len(parsed)} files")
    # The prefilter must not change a result (untimed).
    plain = analyse(
        [str(f) for f in folders], config, packs, options=Options(default_jobs(), prefilter=False)
    )
    same = "identical" if plain.diagnostics == run.diagnostics else "DIFFERENT"
    counts = f"{len(run.diagnostics)} / {len(plain.diagnostics)}"
    print(f"findings with / without the prefilter: {counts}, {same}")

    floor_all = statistics.median(parse_floor(files) for _ in range(args.runs))
    floor_parsed = statistics.median(parse_floor(parsed) for _ in range(args.runs))
    print(
        f"libcst parse, all files: {floor_all:.2f} s; files seedlint parses: {floor_parsed:.2f} s"
    )

    targets = [str(f) for f in folders]
    cores = default_jobs()
    cold: list[float] = []

    def row(label: str, seconds: float, rss: int, main_rss: int | None = None) -> None:
        versus = f"{cold[0] / seconds:6.2f}x vs cold" if cold else ""
        main = f" (main process {main_rss / 1024:.0f} MiB)" if main_rss is not None else ""
        print(
            f"{label:32s} {seconds:8.2f} s  {seconds / floor_parsed:5.2f}x parse(parsed)  "
            f"{seconds / floor_all:5.2f}x parse(all)  {versus}  peak {rss / 1024:.0f} MiB{main}",
            flush=True,
        )

    for label, extra in (
        (f"seedlint cold --jobs {cores}", ["-j", str(cores)]),
        ("seedlint cold --jobs 1", ["-j", "1"]),
        ("seedlint cold, no prefilter", ["--no-prefilter"]),
    ):
        seconds, rss, main_rss = median_seedlint(["--no-cache", *extra, *targets], args.runs)
        cold = cold or [seconds]
        row(label, seconds, rss, main_rss)
    cache = tempfile.mkdtemp(prefix="seedlint-bench-cache-")
    try:
        timed_seedlint(["--cache-dir", cache, *targets])  # fill the cache
        row("seedlint warm (cache)", *median_seedlint(["--cache-dir", cache, *targets], args.runs))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    references = args.reference_runs or args.runs
    for tool, command in (
        ("fixit lint", ["fixit", "lint", *targets]),
        ("flake8 (its defaults)", ["flake8", "-j", str(cores), *targets]),
    ):
        executable = args.others / command[0] / "bin" / command[0] if args.others else None
        if executable is None or not executable.is_file():
            print(f"{tool}: not timed (install it with bench/others.sh, then pass --others)")
            continue
        row(f"{tool} ({references} runs)", *median([str(executable), *command[1:]], references))
    print(f"cores: {cores}; python {sys.version.split()[0]}; {os.uname().machine}")


def memory_by_package(folders: list[Path], lines: dict[Path, int]) -> None:
    """Peak memory of one cold run per package, beside its size and its largest file."""
    cores = str(default_jobs())
    for folder in folders:
        sizes = [n for p, n in lines.items() if p.is_relative_to(folder)]
        _seconds, peak, main_rss = timed_seedlint(["--no-cache", "-j", cores, str(folder)])
        print(
            f"memory {folder.name:28s} {sum(sizes):9d} lines, largest file {max(sizes):6d}: "
            f"peak {peak / 1024:4.0f} MiB, main process {main_rss / 1024:4.0f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
