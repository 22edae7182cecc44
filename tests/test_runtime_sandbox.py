"""`seedlint confirm`'s sandbox, with the real mlx: the checked code's processes, files
and output cannot hold the verdict up, outlive it, or land in the caller's folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

LORA = "    linear_to_lora_layers(model, 2, {'rank': 4, 'scale': 2.0, 'dropout': 0.0})\n"
HEAD = (
    "import os\nimport subprocess\nimport time\nimport mlx.core as mx\n"
    "from mlx_lm.tuner.utils import linear_to_lora_layers\n"
)


def write_package(tmp_path: Path, body: str) -> str:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lora.py").write_text(HEAD + body)
    return f"{package / 'lora.py'}::apply"


def run(
    target: str, *extra: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedlint", "confirm", *extra, target],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, **env},
    )


def rows_of(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode in (0, 1), result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def running(tag: str) -> list[int]:
    """Pids of live processes whose command line holds `tag` (zombies have none)."""
    found = subprocess.run(["pgrep", "-f", tag], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A `sleep 300.<unique>` command line to start from the checked code, the file its
    pids are written to, and, whatever the outcome, no such process left afterwards."""
    tag = f"300.{uuid.uuid4().int % 10**9:09d}"
    pids = tmp_path / "pids.txt"
    yield tag, pids
    for pid in running(f"sleep {tag}"):  # started by this test, through the checked code
        os.kill(pid, signal.SIGKILL)


def starts_sleeper(tag: str, pids: Path) -> str:
    """Two children that inherit stdout and stderr; one ignores SIGTERM."""
    return (
        f"    subprocess.Popen(['sh', '-c', \"trap '' TERM; exec sleep {tag}\"])\n"
        f"    child = subprocess.Popen(['sleep', '{tag}'])\n"
        f"    with open({str(pids)!r}, 'a') as out:\n"
        "        out.write(f'{child.pid}\\n')\n"
    )


def test_a_child_holding_stdout_open_neither_delays_the_verdict_nor_survives(
    tmp_path: Path, sleeper: tuple[str, Path]
) -> None:
    tag, pids = sleeper
    target = write_package(
        tmp_path,
        "def apply(model, seed=7, flag=True):\n"
        + starts_sleeper(tag, pids)
        + "    if flag:\n        mx.random.seed(seed)\n"
        + LORA
        + "    return model\n",
    )
    started = time.monotonic()
    result = run(target, "--format", "json", "--timeout", "60")
    seconds = time.monotonic() - started
    rows = rows_of(result)
    print(f"verdict after {seconds:.1f} s")
    assert seconds < 30, f"{seconds:.1f} s"
    assert [r["verdict"] for r in rows if r["code"] == "SDL101"] == ["confirmed"], rows
    assert pids.read_text().split(), "the checked code never started its child"
    assert running(f"sleep {tag}") == []


def test_on_time_out_the_grandchildren_are_ended_too(
    tmp_path: Path, sleeper: tuple[str, Path]
) -> None:
    tag, pids = sleeper
    target = write_package(
        tmp_path,
        "def apply(model, seed=1, flag=True):\n"
        + starts_sleeper(tag, pids)
        + "    if flag:\n        mx.random.seed(seed)\n"
        + "    time.sleep(600)\n    return mx.random.normal((2,))\n",
    )
    rows = rows_of(run(target, "--format", "json", "--timeout", "15"))
    assert rows and all("timed out" in r["detail"] for r in rows), rows
    assert pids.read_text().split(), "the time-out came before the checked code ran"
    assert running(f"sleep {tag}") == []


def test_slow_imports_still_leave_time_for_one_input_set(tmp_path: Path) -> None:
    # The import takes longer than the search budget (half the time limit).
    target = write_package(
        tmp_path,
        "time.sleep(10.5)\n"
        "def apply(model, seed=7, flag=True):\n"
        "    if flag:\n        mx.random.seed(seed)\n" + LORA + "    return model\n",
    )
    rows = rows_of(run(target, "--format", "json", "--timeout", "20"))
    assert [r["verdict"] for r in rows if r["code"] == "SDL101"] == ["confirmed"], rows


def test_files_the_code_writes_are_named_and_not_left_in_the_callers_folder(
    tmp_path: Path,
) -> None:
    target = write_package(
        tmp_path,
        "def apply(model, seed=7, flag=True):\n"
        "    os.makedirs('out', exist_ok=True)\n"
        "    with open(os.path.join('out', 'log.txt'), 'w') as log:\n"
        "        log.write('step 0')\n"
        "    with open('adapters.safetensors', 'w') as saved:\n"
        "        saved.write('weights')\n"
        "    if flag:\n        mx.random.seed(seed)\n" + LORA + "    return model\n",
    )
    caller, temp = tmp_path / "caller", tmp_path / "tmp"
    caller.mkdir()
    temp.mkdir()
    rows = rows_of(run(target, "--format", "json", cwd=caller, TMPDIR=str(temp)))
    written = ["adapters.safetensors", os.path.join("out", "log.txt")]
    assert rows and all(r["files_written"] == written for r in rows), rows
    text = run(target, cwd=caller, TMPDIR=str(temp))
    assert "the code wrote these files" in text.stdout, text.stdout
    assert ", ".join(written) in text.stdout
    assert list(caller.iterdir()) == []
    assert list(temp.iterdir()) == []  # the sandbox folders are removed


def test_the_notice_comes_before_the_checked_code_runs(tmp_path: Path) -> None:
    err, seen = tmp_path / "stderr.txt", tmp_path / "seen.txt"
    target = write_package(
        tmp_path,
        "def apply(model, seed=7):\n"
        f"    with open({str(err)!r}) as said, open({str(seen)!r}, 'a') as out:\n"
        "        out.write(said.read())  # what seedlint had told the user by now\n"
        "    mx.random.seed(seed)\n" + LORA + "    return model\n",
    )
    with open(err, "w") as stderr:
        result = subprocess.run(
            [sys.executable, "-m", "seedlint", "confirm", "--format", "json", target],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, err.read_text()
    assert seen.is_file(), "the checked code did not run"
    assert "will run the checked code" in seen.read_text().splitlines()[0]
    assert target in seen.read_text().splitlines()[0]


@pytest.mark.parametrize(
    ("name", "spec", "reason"),
    [
        ("notes.txt", "{}::apply", "not a .py file"),
        ("absent.py", "{}::apply", "no such file"),
        ("lora.py", "{}", "expected FILE.py::QUALNAME"),
    ],
)
def test_a_target_that_is_not_a_python_function_is_refused_in_one_line(
    tmp_path: Path, name: str, spec: str, reason: str
) -> None:
    path = tmp_path / name
    if name != "absent.py":
        path.write_text(HEAD + "def apply(model, seed=7):\n    mx.random.seed(seed)\n")
    result = run(spec.format(path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert str(path) in line and reason in line, line
