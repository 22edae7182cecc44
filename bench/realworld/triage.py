"""Lint the real-world triage packages and compare the findings with labels.toml.

Usage: triage.py SRC [--only NAME-VERSION ...] [--save DIR | --load DIR] [--seedlint PATH]

SRC holds the packages as fetch.sh unpacks them (SRC/<name>-<version>/). Each package is
linted as a whole folder with the installed CLI (`seedlint --format json --no-cache .`,
run from the package root, so paths are relative to it). Every finding is matched with a
label by (package, path, line, code, stream). The report gives per package the wall and CPU
seconds, the findings, true, false, debatable, unlabelled and precision = true / (true +
false), then the unlabelled findings, the labels whose finding disappeared, and the recall
on the missed bugs.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, a dependency of the project on 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
VERDICTS = ("true", "false", "debatable")
Key = tuple[str, str, int, str, str]


@dataclass(frozen=True, slots=True)
class Finding:
    package: str
    path: str
    line: int
    code: str
    stream: str
    call: str
    message: str

    @property
    def key(self) -> Key:
        return (self.package, self.path, self.line, self.code, self.stream)


@dataclass(frozen=True, slots=True)
class Run:
    package: str
    seconds: float
    cpu: float  # user + system seconds of seedlint and its workers: stable on a busy machine
    findings: tuple[Finding, ...]


def packages(listing: Path) -> list[str]:
    """The package folders named by packages.txt, as <name>-<version>."""
    specs = (ln.strip() for ln in listing.read_text().splitlines())
    return [s.replace("==", "-") for s in specs if s and not s.startswith("#")]


def default_seedlint() -> str:
    """The CLI of the environment running this script, so a venv need not be activated."""
    beside = Path(sys.executable).with_name("seedlint")
    return str(beside) if beside.exists() else (shutil.which("seedlint") or "seedlint")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def lint(seedlint: str, root: Path, package: str) -> Run:
    start, before = time.perf_counter(), _children_cpu()
    proc = subprocess.run(
        [seedlint, "--format", "json", "--no-cache", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds, cpu = time.perf_counter() - start, _children_cpu() - before
    if proc.returncode not in (0, 1):
        sys.exit(f"{root}: seedlint exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    rows = json.loads(proc.stdout)
    found = tuple(
        Finding(
            package,
            r["path"],
            r["line"],
            r["code"],
            r.get("stream", ""),
            r.get("call", ""),
            r["message"],
        )
        for r in rows
    )
    return Run(package, seconds, cpu, found)


def save(run: Run, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [_row(f) for f in run.findings]
    payload = {"seconds": run.seconds, "cpu": run.cpu, "findings": rows}
    (folder / f"{run.package}.json").write_text(json.dumps(payload, indent=1))


def _row(f: Finding) -> dict[str, object]:
    return {
        "path": f.path,
        "line": f.line,
        "code": f.code,
        "stream": f.stream,
        "call": f.call,
        "message": f.message,
    }


def load(folder: Path, package: str) -> Run:
    data = json.loads((folder / f"{package}.json").read_text())
    found = tuple(Finding(package, **r) for r in data["findings"])
    return Run(package, data["seconds"], data.get("cpu", 0.0), found)


def read_labels(path: Path) -> tuple[dict[Key, dict[str, object]], list[dict[str, object]]]:
    data = tomllib.loads(path.read_text())
    labels: dict[Key, dict[str, object]] = {}
    for entry in data.get("finding", []):
        key = (entry["package"], entry["path"], int(entry["line"]), entry["code"], entry["stream"])
        if key in labels:
            sys.exit(f"{path}: two labels for {key}")
        if entry["verdict"] not in VERDICTS:
            sys.exit(f"{path}: verdict {entry['verdict']!r} of {key} is not one of {VERDICTS}")
        labels[key] = entry
    return labels, list(data.get("missed", []))


def precision(true: int, false: int) -> str:
    return f"{true / (true + false):.2f}" if true + false else "-"


def table(runs: list[Run], labels: dict[Key, dict[str, object]]) -> list[str]:
    head = (
        f"{'package':<24}{'secs':>7}{'cpu':>7}{'found':>7}{'true':>6}{'false':>7}{'debat':>7}"
        f"{'unlab':>7}{'prec':>6}"
    )
    lines = [head, "-" * len(head)]
    total: Counter[str] = Counter()
    seconds = cpu = 0.0
    for run in runs:
        count = Counter(
            str(labels[f.key]["verdict"]) if f.key in labels else "unlabelled" for f in run.findings
        )
        count["found"] = len(run.findings)
        total.update(count)
        seconds += run.seconds
        cpu += run.cpu
        lines.append(_row_text(run.package, run.seconds, run.cpu, count))
    lines.append("-" * len(head))
    lines.append(_row_text("overall", seconds, cpu, total))
    return lines


def _row_text(name: str, seconds: float, cpu: float, c: Counter[str]) -> str:
    return (
        f"{name:<24}{seconds:>7.1f}{cpu:>7.1f}{c['found']:>7}{c['true']:>6}{c['false']:>7}"
        f"{c['debatable']:>7}{c['unlabelled']:>7}{precision(c['true'], c['false']):>6}"
    )


def recall(runs: list[Run], missed: list[dict[str, object]]) -> list[str]:
    reported = {f.key[:4] for run in runs for f in run.findings}
    linted = {run.package for run in runs}
    lines = []
    hits = total = 0
    for m in missed:
        if m["package"] not in linted:
            continue
        total += 1
        key = (str(m["package"]), str(m["path"]), int(str(m["line"])), str(m["code"]))
        hit = key in reported
        hits += hit
        mark = "found " if hit else "MISSED"
        lines.append(f"  {mark} {key[0]} {key[1]}:{key[2]} {key[3]}  {m.get('why', '')}")
    share = f"{hits / total:.2f}" if total else "-"
    return [f"missed-bug recall: {hits}/{total} = {share}", *lines]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path, help="folder with <name>-<version>/ as fetch.sh unpacks")
    ap.add_argument("--only", nargs="*", default=None, help="lint only these package folders")
    ap.add_argument("--labels", type=Path, default=HERE / "labels.toml")
    ap.add_argument("--save", type=Path, help="write each package's findings to DIR")
    ap.add_argument("--load", type=Path, help="read findings saved by --save instead of linting")
    ap.add_argument(
        "--seedlint",
        default=default_seedlint(),
        help="the CLI to run (default: the one beside this Python, else on PATH)",
    )
    args = ap.parse_args(argv)

    names = packages(HERE / "packages.txt")
    if args.only:
        names = [n for n in names if n in args.only]
    labels, missed = read_labels(args.labels)
    runs = []
    for name in names:
        root = args.src / name
        if args.load:
            run = load(args.load, name)
        elif not root.is_dir():
            sys.exit(f"{root}: missing; run fetch.sh {args.src} first")
        else:
            run = lint(args.seedlint, root, name)
        if args.save:
            save(run, args.save)
        runs.append(run)

    print("\n".join(table(runs, labels)))
    reported = {f.key for run in runs for f in run.findings}
    unlabelled = [f for run in runs for f in run.findings if f.key not in labels]
    print(f"\nunlabelled findings: {len(unlabelled)}")
    for f in unlabelled:
        print(f"  {f.package} {f.path}:{f.line} {f.code} [{f.stream}] `{f.call}`: {f.message}")
    for f in (f for run in runs for f in run.findings if f.key in labels):
        want = str(labels[f.key].get("call", ""))
        if want and want != f.call:
            print(
                f"  call changed at {f.package} {f.path}:{f.line} {f.code}: {want!r} -> {f.call!r}"
            )
    linted = {run.package for run in runs}
    gone = [k for k in labels if k[0] in linted and k not in reported]
    print(f"\nlabelled findings no longer reported: {len(gone)}")
    for k in gone:
        lab = labels[k]
        print(f"  [{lab['verdict']}] {k[0]} {k[1]}:{k[2]} {k[3]} [{k[4]}] `{lab.get('call', '')}`")
    print()
    print("\n".join(recall(runs, missed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
