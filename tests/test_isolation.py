"""Hostile files cost only their own SDL001 line: a FIFO, a device, a huge file, nesting
that crashes libcst's native parser, chains it takes minutes on, a file past the time
limit. No process grows past 2 GiB, nothing is left behind when the main process is
killed, and a run answered from the cache never differs from one without it."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seedlint.lower.supervisor import Failure, Supervisor, Worker
from seedlint.parse.depth import too_complex
from tests.conftest import FINDING, ROOT

TWO_GIB_KB = 2 << 20  # ru_maxrss is in KiB on Linux
# 5,000 nested parentheses that a bound on the bytes cannot see (each bracket's partner
# hides in a comment), so that libcst's native parser really gets them and crashes.
DISGUISED_PARENS = (
    "import mlx.core as mx\nmx.random.seed(0)\nx = " + "(  # ),\n" * 5000 + "1" + ")  # (,\n" * 5000
)
# A flat list libcst takes far longer than a second on (tens of seconds here).
SLOW = "import mlx.core as mx\nmx.random.seed(0)\nx = [" + ", ".join(["1"] * 150_000) + "]\n"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")


def seedlint(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedlint", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )


def hostile_folder(root: Path) -> Path:
    folder = root / "hostile"
    shutil.copytree(ROOT / "fixtures" / "mlx_lm_peft", folder / "mlx_lm_peft")
    os.mkfifo(folder / "fifo.py")
    os.symlink("/dev/zero", folder / "z.py")
    with open(folder / "sparse.py", "wb") as handle:
        handle.truncate(2 << 30)
    (folder / "parens.py").write_text("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    # Seeds mx, so the prefilter does not leave it to CPython's parser.
    (folder / "sum.py").write_text(
        "import mlx.core as mx\nmx.random.seed(0)\nx = " + " + ".join(["a"] * 10_000)
    )
    return folder


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_hostile_files_cost_one_line_each(tmp_path: Path, jobs: str) -> None:
    folder = hostile_folder(tmp_path)
    clean = seedlint("--no-cache", str(folder / "mlx_lm_peft"))
    assert clean.returncode == 1 and "SDL101" in clean.stdout
    started = time.monotonic()
    result = seedlint("--no-cache", "-j", jobs, str(folder))
    elapsed = time.monotonic() - started
    assert elapsed < 60, elapsed
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    for name in ("fifo.py", "z.py", "sparse.py", "parens.py", "sum.py"):
        mine = [line for line in lines if line.startswith(f"{folder / name}:")]
        assert len(mine) == 1 and " SDL001 " in mine[0], (name, lines)
    assert [line for line in lines if "mlx_lm_peft" in line] == clean.stdout.splitlines()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak < TWO_GIB_KB, peak


def test_reasons_are_clear(tmp_path: Path) -> None:
    folder = hostile_folder(tmp_path)
    result = seedlint("--no-cache", str(folder))
    reasons = {
        line.split(":", 1)[0].rsplit("/", 1)[1]: line.split(" SDL001 ", 1)[1]
        for line in result.stdout.splitlines()
        if " SDL001 " in line
    }
    assert reasons == {
        "fifo.py": "not a regular file (a FIFO)",
        "z.py": "not a regular file (a character device)",
        "sparse.py": "larger than 5 MB (max-file-size)",
        "parens.py": "too deeply nested to analyse (more than 200 nested brackets)",
        "sum.py": "too deeply nested to analyse (an expression chains more than 1000 operators)",
    }


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_a_parser_crash_costs_only_its_file(tmp_path: Path, jobs: str) -> None:
    (tmp_path / "crash.py").write_text(DISGUISED_PARENS)
    for number in range(8):  # after the crash, a new worker takes the others
        (tmp_path / f"good{number}.py").write_text(FINDING)
    result = seedlint("--no-cache", "-j", jobs, str(tmp_path))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    crash = [line for line in lines if "crash.py" in line]
    assert len(crash) == 1 and "SDL001 the parser crashed on this file (signal" in crash[0], lines
    for number in range(8):
        assert any(f"good{number}.py:5:" in line and "SDL101" in line for line in lines), lines


def test_file_timeout_from_the_command_line_and_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text(SLOW)
    (tmp_path / "good.py").write_text(FINDING)
    for args, settings in (
        (["--file-timeout", "1"], ""),
        ([], "[tool.seedlint]\nfile-timeout = 1\n"),
    ):
        (tmp_path / "pyproject.toml").write_text(settings)
        started = time.monotonic()
        result = seedlint("--no-cache", *args, str(tmp_path))
        assert time.monotonic() - started < 30
        lines = result.stdout.splitlines()
        assert any("good.py:5:" in line for line in lines), lines
        assert [line for line in lines if "slow.py" in line] == [
            f"{tmp_path / 'slow.py'}:1:1: SDL001 took longer than 1 s to analyse"
        ]


def test_a_timed_out_file_is_not_remembered(tmp_path: Path) -> None:
    # A time limit depends on the machine: the next run tries the file again.
    (tmp_path / "slow.py").write_text(SLOW)
    cache = str(tmp_path / "cache")
    first = seedlint("--cache-dir", cache, "--file-timeout", "1", str(tmp_path / "slow.py"))
    assert "took longer than 1 s" in first.stdout
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_max_file_size_and_bad_limits(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(FINDING)
    result = seedlint("--no-cache", "--max-file-size", "0.0001", str(tmp_path))
    assert result.stdout.endswith("good.py:1:1: SDL001 larger than 0.0001 MB (max-file-size)\n")
    for value in ('"x"', "0", "-1", "true"):
        for key in ("file-timeout", "max-file-size"):
            (tmp_path / "pyproject.toml").write_text(f"[tool.seedlint]\n{key} = {value}\n")
            bad = seedlint("--no-cache", str(tmp_path))
            assert bad.returncode == 2, (key, value)
            assert f"'{key}' must be a positive number" in bad.stderr, bad.stderr


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_bytes().rpartition(b")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()[0]
    except OSError:
        return False
    return state != b"Z"  # a zombie has no memory or files left, only an exit status


def _poll(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_kill_9_leaves_no_worker_and_no_temporary_folder(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "slow.py").write_text(SLOW)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    main = subprocess.Popen(
        [sys.executable, "-m", "seedlint", "--no-cache", str(tmp_path / "src")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    try:
        # Running: its temporary folder exists and a worker (besides the watcher) is busy.
        assert _poll(lambda: len(_children(main.pid)) >= 2, 30), _children(main.pid)
        assert list(temporary.glob("seedlint-*"))
        children = _children(main.pid)
        os.kill(main.pid, signal.SIGKILL)
        main.wait()
        assert _poll(lambda: not any(_alive(pid) for pid in children), 5), children
        assert _poll(lambda: not list(temporary.glob("seedlint-*")), 5)
    finally:
        if main.poll() is None:
            main.kill()
            main.wait()


def _same_as_without_cache(tmp_path: Path, *runs: list[str]) -> None:
    cache = str(tmp_path / "cache")
    for args in runs:
        warm = seedlint("--cache-dir", cache, *args)
        cold = seedlint("--no-cache", *args)
        assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout), args


def test_a_missing_path_is_part_of_the_cached_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text(FINDING)
    monkeypatch.chdir(tmp_path)
    _same_as_without_cache(tmp_path, ["a.py"], ["a.py", "missing.py"], ["a.py"])


def test_an_empty_folder_after_a_broken_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty").mkdir()
    os.symlink("loop", tmp_path / "loop")
    monkeypatch.chdir(tmp_path)
    _same_as_without_cache(tmp_path, ["gone.py"], ["empty"], ["loop"], ["empty"])


class _Allocate:
    """A job that wants 6 GiB, more than a worker may have."""

    def run(self) -> int:
        return len(bytearray(6 << 30))


class _Small:
    def run(self) -> int:
        return 42


def test_a_worker_cannot_grow_past_its_memory_limit() -> None:
    with Supervisor(1, 60) as supervisor:
        results = dict(supervisor.map([_Allocate(), _Small()]))
    assert results[0] == Failure("needs more than 2 GiB of memory", True)
    assert results[1] == 42  # a fresh worker took the next job


class _AnswerThenWrite:
    """A job that answers first and then, slowly, writes a file (as a worker writes a
    module's parts to the cache for the next run)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def run(self) -> int:
        from seedlint.lower.supervisor import after_answer

        def write() -> None:
            time.sleep(0.5)
            self.marker.write_text("written")

        after_answer(write)
        return 7


def test_a_run_ends_once_its_workers_have_written_what_they_write_after_answering(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "marker"
    started = time.monotonic()
    with Supervisor(1, 60) as supervisor:
        assert supervisor.call(_AnswerThenWrite(marker)) == 7
        answered = time.monotonic() - started
        assert not marker.exists()  # the answer came first
    assert marker.read_text() == "written"
    assert answered < 0.5


class _AnswerEarly:
    """A job that answers before it ends, then writes a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def run(self) -> int:
        from seedlint.lower.supervisor import answer_now

        answer_now(5)
        time.sleep(0.5)
        self.marker.write_text("written")
        return 6  # (dropped: the job has answered)


def test_a_job_can_answer_before_it_ends(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    started = time.monotonic()
    with Supervisor(1, 60) as supervisor:
        assert supervisor.call(_AnswerEarly(marker)) == 5
        assert time.monotonic() - started < 0.5 and not marker.exists()
        assert supervisor.call(_Small()) == 42  # the next answer is the next job's
    assert marker.read_text() == "written"


def _slow_start() -> None:
    time.sleep(5)


def test_a_worker_that_answered_nothing_is_stopped_at_once() -> None:
    """A worker started in case a file needs parsing, still importing the parser when a
    run answered from the cache ends: the run does not wait for it."""
    from seedlint.lower.supervisor import Worker

    worker = Worker(_slow_start)
    started = time.monotonic()
    worker.finish()
    assert time.monotonic() - started < 1 and not worker.alive()


def _exit_soon() -> None:
    time.sleep(0.2)
    os._exit(0)


def _dead_workers(count: int) -> list[Worker]:
    """Workers alive when a supervisor takes them, gone when it sends them a job."""
    return [Worker(_exit_soon) for _ in range(count)]


def test_a_job_goes_to_another_worker_when_one_has_died_while_idle() -> None:
    dead = _dead_workers(1)
    with Supervisor(1, 60, warm=dead) as supervisor:
        time.sleep(1)
        assert not any(worker.alive() for worker in dead)
        assert supervisor.call(_Small()) == 42  # (a fresh worker took it)


def test_a_job_no_worker_will_take_fails_instead_of_starting_workers_without_end() -> None:
    dead = _dead_workers(3)
    with Supervisor(1, 60, warm=dead) as supervisor:
        time.sleep(1)
        assert supervisor.call(_Small()) == Failure("no parser worker would take this file", True)
        assert supervisor.call(_Small()) == 42  # the next job, to a fresh worker


def test_workers_outlive_the_thread_that_ran_their_jobs() -> None:
    """Linux kills a worker when the thread that forked it ends (PR_SET_PDEATHSIG): a
    job sent right after a map run by a thread that has ended must still be answered."""
    import threading

    with Supervisor(2, 60) as supervisor:
        # Without and with workers started beforehand in the supervisor's thread.
        for ready in [False] * 10 + [True] * 10:
            if ready:
                supervisor.ready(2)
            answers: list[object] = []

            def run_map(into: list[object] = answers) -> None:
                into.extend(dict(supervisor.map([_Small()] * 4)).values())

            thread = threading.Thread(target=run_map)
            thread.start()
            thread.join()
            answers += [supervisor.call(_Small()) for _ in range(3)]
            assert answers == [42] * 7, ready


def test_the_bound_on_the_bytes_refuses_only_extreme_code() -> None:
    fine = [
        "x = [" + ", ".join(["1.5e-3"] * 20_000) + "]\n",  # long, but flat
        "y = " + " + ".join(["2.5 * a ** 2"] * 900) + "\n",  # a long polynomial
        "z = " + "(" * 200 + "1" + ")" * 200 + "\n",  # as deep as CPython allows
        "s = '" + "(" * 5000 + "' + \"" + "+ " * 3000 + '"\n',  # brackets in strings
        "# " + "(" * 5000 + "\n" + "t = a.b(c).d[e]\n" * 3000,  # and in comments
    ]
    for text in fine:
        assert too_complex(text.encode()) is None, text[:40]
    extreme = {
        "x = " + "(" * 201 + "1" + ")" * 201: "more than 200 nested brackets",
        "x = a" + ".b" * 1001: "chains more than 1000 operators",
        "x = f" + "()" * 1001: "chains more than 1000 operators",
        "x = " + "a if b else " * 1001 + "c": "chains more than 1000 operators",
        "x = " + "-" * 1001 + "1": "chains more than 1000 operators",
    }
    for text, reason in extreme.items():
        assert reason in (too_complex(text.encode()) or ""), text[:40]


class _Slow:
    """A parse job that takes a second (`_Parsing` orders jobs by their file's size)."""

    path = Path("missing.py")

    def run(self) -> int:
        time.sleep(1)
        return 7


def test_parsing_in_the_background_stops_when_the_caller_fails() -> None:
    """When loading the cached indexes fails (Ctrl-C, a damaged table), the background
    parse stops once its running jobs end, instead of running every job first; the
    supervisor then works as before."""
    from seedlint.lower.workers import _Parsing

    with Supervisor(2, 60) as supervisor:
        parsing = _Parsing(supervisor, [_Slow()] * 8)  # type: ignore[list-item]
        started = time.monotonic()
        parsing.cancel()
        waited = time.monotonic() - started
        assert waited < 2.5, waited  # the jobs running; all 8 take 4 s on 2 workers
        assert supervisor.call(_Small()) == 42


_MAIN_PROCESS_MODULES = """
import sys
from seedlint.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("libcst", "mlx", "torch"))
print("loaded:", *loaded)
"""


def test_the_main_process_never_loads_the_parser(tmp_path: Path) -> None:
    """Workers parse; the main process (cold, answered from the cache, and after an edit
    of a module lowered in parts) loads neither libcst nor a framework."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    body = "".join(f"\n\ndef f{i}(seed):\n    return nn.Linear(2, {i})\n" for i in range(700))
    (package / "big.py").write_text(f"import mlx.nn as nn\n{body}")
    (package / "small.py").write_text(FINDING)
    command = [sys.executable, "-c", _MAIN_PROCESS_MODULES, "--cache-dir", str(tmp_path / "c")]

    def loaded() -> str:
        run = subprocess.run([*command, str(package)], capture_output=True, text=True)
        assert "SDL101" in run.stdout, run.stderr
        return next(line for line in run.stdout.splitlines() if line.startswith("loaded:"))

    assert loaded() == "loaded:"  # cold
    assert loaded() == "loaded:"  # answered from the cache
    with (package / "big.py").open("a") as big:
        big.write("\n\ndef extra():\n    return nn.Linear(1, 1)\n")
    assert loaded() == "loaded:"
