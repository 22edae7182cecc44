"""The speed of `seedlint confirm`, per target: wall time of the whole command (a cold
run with an empty cache, then the median of --runs with it), the input sets its search
ran, and its verdicts. Not a test: run it by hand, on a machine doing nothing else (the
load average before and after is printed with the table).

    python bench/confirm.py --corpus .corpus [--runs 3] [--only unsloth-zoo-2026.5.3 ...]

The targets are DESIGN.md's public cases (unsloth-zoo's `FastMLXModel.get_peft_model`
before and after the seed move, mlx-lm's `train_model`) from the corpus folder, and the
bundled example and fixture of the project.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOADER = "unsloth_zoo/mlx/loader.py::FastMLXModel.get_peft_model"
PUBLIC = {
    "unsloth-zoo-2026.5.3": LOADER,
    "unsloth-zoo-2026.5.2": LOADER,
    "mlx-lm-0.32.2": "mlx_lm/lora.py::train_model",
}
OWN = {
    "example": str(ROOT / "examples" / "peft_loader.py") + "::get_peft_model",
    "derived-guard": str(ROOT / "fixtures" / "derived_guard" / "lora.py") + "::apply",
}
_SEARCHED = re.compile(r"^searched (\d+) input sets?", re.MULTILINE)
_VERDICT = re.compile(r"^line \d+ \S+ `[^`]*`: (\S+)", re.MULTILINE)


def once(target: str, cache: Path) -> tuple[float, int, Counter[str]]:
    """Wall seconds, input sets searched and verdicts of one `seedlint confirm`."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "seedlint", "confirm", "--cache-dir", str(cache), target],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{target}: exit {done.returncode}\n{done.stderr}")
    found = _SEARCHED.search(done.stdout)
    return seconds, int(found.group(1)) if found else 0, Counter(_VERDICT.findall(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="the folder of the public packages")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="names of the targets to time")
    args = parser.parse_args()
    targets = dict(OWN)
    if args.corpus:
        targets |= {name: str(args.corpus / name / t) for name, t in PUBLIC.items()}
    if args.only:
        targets = {n: t for n, t in targets.items() if n in args.only}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'target':<22} {'cold s':>7} {'median s':>9} {'max s':>6} {'runs':>5}  verdicts")
    for name, target in targets.items():
        with tempfile.TemporaryDirectory() as folder:
            cache = Path(folder)
            cold, searched, verdicts = once(target, cache)
            warm = [once(target, cache)[0] for _ in range(args.runs)]
        shown = ", ".join(f"{count} {verdict}" for verdict, count in sorted(verdicts.items()))
        print(
            f"{name:<22} {cold:7.2f} {statistics.median(warm):9.2f} {max(warm):6.2f} "
            f"{searched:5d}  {shown}"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
