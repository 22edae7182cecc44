"""Runs the `confirm` child in its own session and a fresh temporary working folder.

The child reads its plan from a file and writes its answer to another, both outside its
working folder (it may start before the plan is written, to import the frameworks
meanwhile); its stdout and stderr go to files. So nothing the checked code starts
can hold a pipe of ours open: the answer is read when the direct child exits. Then, or
when the time is up, the child's whole process group is ended (SIGTERM, then SIGKILL),
and the files the code left in its working folder are listed before the folder goes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import seedlint

# The child imports seedlint even when it is not installed (run from a checkout); the
# entry is appended so it shadows nothing the checked code imports.
_BOOT = "import sys; sys.path.append({!r}); from seedlint.runtime.child import main; main()"
_GRACE = 1.0  # seconds between SIGTERM and SIGKILL


@dataclass(slots=True)
class Outcome:
    answer: str | None  # what the child wrote to its answer file, if anything
    timed_out: bool
    stderr_tail: str  # the last line the child (or the checked code) wrote to stderr
    files_written: list[str]  # relative to the child's working folder


class Child:
    """A child started before its plan is ready: it imports the modules `warm` names
    (frameworks, never the checked code) while the parent plans, then waits for its plan.
    `run` hands the plan over and waits for the answer; leaving the `with` block ends the
    child's group (if `run` did not) and removes its folder."""

    def __init__(self, warm: list[str]) -> None:
        self._folder = tempfile.TemporaryDirectory(
            prefix="seedlint-confirm-", ignore_cleanup_errors=True
        )
        self.base = Path(self._folder.name)
        self.work = self.base / "work"
        self.work.mkdir()
        self.plan_file, self.answer_file = self.base / "plan.json", self.base / "answer.json"
        boot = _BOOT.format(str(Path(seedlint.__file__).resolve().parent.parent))
        with (
            open(self.base / "stdout.txt", "wb") as out,
            open(self.base / "stderr.txt", "wb") as err,
        ):
            self.process = subprocess.Popen(
                [sys.executable, "-c", boot, str(self.plan_file), str(self.answer_file), *warm],
                cwd=self.work,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # its own group: grandchildren can be ended too
            )
        self.ended = False

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *_: object) -> None:
        if not self.ended:
            _end_group(self.process)
        self._folder.cleanup()

    def run(self, payload: dict[str, Any], timeout: float) -> Outcome:
        """Hand the plan over, wait at most `timeout` seconds, end the child's group."""
        ready = self.plan_file.with_suffix(".part")
        ready.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(ready, self.plan_file)  # whole when the child sees it
        try:
            timed_out = not _exited(self.process, timeout)
        finally:
            _end_group(self.process)
            self.ended = True
        answer_file = self.answer_file
        answer = answer_file.read_text(encoding="utf-8") if answer_file.is_file() else None
        text = (self.base / "stderr.txt").read_text(encoding="utf-8", errors="replace")
        lines = text.split("\n")
        tail = next((line.strip() for line in reversed(lines) if line.strip()), "no output")
        return Outcome(None if timed_out else answer, timed_out, tail, _files(self.work))


def run_child(payload: dict[str, Any], timeout: float) -> Outcome:
    """Start the child on `payload`, wait at most `timeout` seconds, end its group."""
    with Child([]) as child:
        return child.run(payload, timeout)


def _exited(child: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait for the child to exit without reaping it: while it is a zombie its pid, and
    so its process group's id, cannot be reused, and the group can be signalled safely."""
    if not hasattr(os, "waitid"):  # no WNOWAIT here: reap, and signal the group after
        try:
            child.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        if os.waitid(os.P_PID, child.pid, flags) is not None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.05)


def _signal(group: int, sig: int) -> bool:
    """Send `sig` to the group; False if no process of it is left to receive it."""
    try:
        os.killpg(group, sig)
    except (ProcessLookupError, PermissionError):  # macOS: EPERM for a group of zombies
        return False
    return True


def _running(group: int) -> bool:
    """Whether a process of the group still runs. Orphans that died stay in it as zombies
    until init reaps them, which can take a second; on Linux /proc tells them apart."""
    if not _signal(group, 0):
        return False
    proc = Path("/proc")
    if not (proc / "self" / "stat").is_file():
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            state, _parent, member = stat.read_text().rpartition(")")[2].split()[:3]
        except (OSError, ValueError):
            continue  # gone meanwhile
        if member == str(group) and state not in ("Z", "X"):
            return True
    return False


def _end_group(child: subprocess.Popen[bytes]) -> None:
    group = child.pid  # start_new_session made the child its group's leader
    _signal(group, signal.SIGTERM)
    try:
        child.wait(_GRACE)
    except subprocess.TimeoutExpired:
        _signal(group, signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + _GRACE
    while _running(group):  # grandchildren still in the group
        if time.monotonic() >= deadline:
            _signal(group, signal.SIGKILL)
            return
        time.sleep(0.02)


def _files(work: Path) -> list[str]:
    found: list[str] = []
    for folder, dirs, names in os.walk(work):
        here = Path(folder)
        found += [str((here / n).relative_to(work)) for n in names]
        found += [str((here / n).relative_to(work)) for n in dirs if (here / n).is_symlink()]
    return sorted(found)
