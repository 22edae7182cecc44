"""Worker processes for everything that parses checked code, so that a file that
crashes the parser, runs too long or needs too much memory costs only its own result.

Each worker runs one job at a time; the supervisor knows which job a worker holds, so
a worker that dies (a signal, a native crash, the memory limit) or overruns the time
limit is reported against that job and replaced. The limit counts processor time
where the system tells it (Linux), so that a loaded machine does not fail big files;
a job that waits without using the processor is stopped after five limits. Workers
cannot outlive the main process: on Linux the kernel kills them when it dies
(PR_SET_PDEATHSIG), elsewhere a thread in each worker watches the parent's pid.
The kernel sends that signal when the *thread* that forked a worker ends, so workers
are kept for later jobs only if the supervisor's own thread forked them (`ready` forks
them there for a map run by another thread).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from typing import Any, Protocol

MEMORY_LIMIT = 2 << 30  # bytes of address space a worker may add to what it inherits
_PR_SET_PDEATHSIG = 1
_FOREVER = 1e9  # seconds: a longer time limit is none
_DEPTH = 2  # jobs sent ahead to each worker
_WALL_FACTOR = 5  # a job stuck without using the processor is stopped after this many limits
_GRACE = 10.0  # seconds an idle worker has to finish its writes when the run ends
_SEND_TRIES = 3  # workers a job is sent to before it fails for want of one


class Job(Protocol):
    def run(self) -> object: ...


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a job has no result; `transient` if another run might succeed."""

    reason: str
    transient: bool = False


@dataclass(frozen=True, slots=True)
class _Raised:
    text: str  # a bug in seedlint: the worker's traceback


def _die_with(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # it died before the call
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _address_space() -> int:
    """Bytes of address space this process has mapped (0 where /proc cannot tell)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(limit: int) -> None:
    # A forked worker inherits its parent's mappings (big in a test runner or an
    # editor's language server): the limit bounds what the worker adds to them.
    limit += _address_space()
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


_after_answer: list[Callable[[], None]] | None = None  # in a worker: see after_answer
_answering: Connection | None = None  # in a worker: where the job's answer goes
_answered = False  # whether the running job has answered already (answer_now)


def after_answer(work: Callable[[], None]) -> None:
    """Run `work` once the job that asks has sent its answer: in a worker, writing what
    only a later run reads is left out of the time the main process waits for it (the
    supervisor lets a worker finish such work before it stops it). Elsewhere, now."""
    if _after_answer is None:
        work()
    else:
        _after_answer.append(work)


def answer_now(result: object) -> None:
    """In a worker: send the running job's answer now, before the job ends (what it
    returns is then dropped); elsewhere, nothing."""
    global _answered
    if _answering is not None and not _answered:
        _answered = True
        with contextlib.suppress(OSError, ValueError):  # (the supervisor has left)
            _answering.send(result)


def _serve(
    connection: Connection, parent: int, memory: int, prepare: Callable[[], None] | None
) -> None:
    """A worker: run each job received, send its result back, until the pipe closes."""
    global _after_answer, _answering, _answered
    _after_answer, _answering = [], connection
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _limit_memory(memory)
    if prepare is not None:
        with contextlib.suppress(Exception):  # (a job that needs it will say what failed)
            prepare()
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        _answered = False
        try:
            result: object = job.run()
        except MemoryError:
            # The heap may be in any state now: answer, then make way for a fresh worker.
            if not _answered:
                connection.send(Failure(f"needs more than {memory >> 30} GiB of memory", True))
            return
        except Exception:
            result = _Raised(traceback.format_exc())
        if not _answered:
            connection.send(result)
        while _after_answer:
            with contextlib.suppress(Exception):  # (it only saves a later run work)
                _after_answer.pop(0)()


class Worker:
    """One worker process. Forked by hand where the system can fork: multiprocessing
    refuses to start children from a daemonic process, such as a flake8 worker."""

    def __init__(
        self, prepare: Callable[[], None] | None = None, memory: int = MEMORY_LIMIT
    ) -> None:
        """`prepare`: what it does first, before it waits for a job."""
        mine, theirs = multiprocessing.Pipe()
        parent = os.getpid()
        if hasattr(os, "fork"):
            # The child holds the write end of `alive` until it ends: then it reads EOF.
            alive, holder = os.pipe()
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(alive)
                    mine.close()
                    _serve(theirs, parent, memory, prepare)
                finally:
                    os._exit(0)
            os.close(holder)
            self.pid, self.sentinel = pid, alive
            self._process: Any = None
        else:
            context = multiprocessing.get_context("spawn")
            self._process = context.Process(target=_serve, args=(theirs, parent, memory, prepare))
            self._process.start()
            self.pid, self.sentinel = self._process.pid, self._process.sentinel
        theirs.close()  # so that the worker's death reads as the end of the pipe
        self.connection: Connection = mine
        self.parent = parent
        self.memory = memory
        self.forked_by = threading.get_ident()
        self.answered = False  # whether it has answered a job (and may write after it)
        self._status: int | None = None

    def usable_here(self) -> bool:
        """Whether this thread may use it: a process forked since (flake8's own workers,
        say) must start workers of its own."""
        return (
            self.parent == os.getpid() and self.forked_by == threading.get_ident() and self.alive()
        )

    def usable_by(self, memory: int) -> bool:
        """Whether a supervisor in this thread with this memory limit may take it."""
        return self.memory == memory and self.usable_here()

    def receive(self, wait: float | None = 0.0) -> tuple[bool, object]:
        """(True, result), or (False, None) if the worker died before answering (or
        gave no answer within `wait` seconds; None: as long as it lives)."""
        try:
            if self.connection.poll(wait):
                answer = self.connection.recv()
                self.answered = True
                return True, answer
        except (EOFError, OSError, ValueError):
            pass
        return False, None

    def alive(self) -> bool:
        return self._exit_code(block=False) is None

    def _exit_code(self, block: bool) -> int | None:
        """The exit code (negative: the signal), None while it runs."""
        if self._status is None:
            if self._process is not None:
                if block:
                    self._process.join()
                self._status = self._process.exitcode
            else:
                try:
                    pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
                except ChildProcessError:
                    pid, status = self.pid, 0
                if pid:
                    self._status = os.waitstatus_to_exitcode(status)
                    os.close(self.sentinel)
        return self._status

    def finish(self, grace: float = _GRACE) -> None:
        """Stop it once it has finished what it does after its last answer (at most
        `grace` seconds from now); at once if it has answered nothing."""
        self.connection.close()  # (it reads the end of the pipe next)
        if self.answered and self.alive():
            with contextlib.suppress(OSError, ValueError):
                wait([self.sentinel], grace)
        self.stop()

    def stop(self) -> None:
        self.connection.close()
        if self.alive():
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        self._exit_code(block=True)

    def death(self) -> Failure:
        """Why it ended (it closed its pipe: it is ending, give it a moment to)."""
        deadline = time.monotonic() + 2
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        self.stop()
        code = self._exit_code(block=True) or 0
        if code < 0:
            try:
                name = f", {signal.Signals(-code).name}"
            except ValueError:
                name = ""
            transient = -code in (signal.SIGKILL, signal.SIGTERM)  # the OOM killer, a user
            return Failure(f"the parser crashed on this file (signal {-code}{name})", transient)
        return Failure(f"the parser stopped on this file (exit status {code})", True)


def _processor_seconds(pid: int) -> float | None:
    """The processor time a process has used (None where /proc cannot tell)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rpartition(b")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@dataclass(slots=True)
class _Held:
    """The job a worker holds, and when to look at its time again."""

    position: int
    started: float
    processor: float | None  # the worker's processor time when it got the job
    check: float


class Supervisor:
    """Up to `workers` processes running jobs, each within `timeout` seconds."""

    def __init__(
        self,
        workers: int,
        timeout: float,
        memory: int = MEMORY_LIMIT,
        prepare: Callable[[], None] | None = None,
        warm: Sequence[Worker] = (),
    ) -> None:
        """`prepare`: what each worker does first, before it waits for a job (imports
        that would otherwise delay its first job); `warm`: workers started so already,
        in this thread, for it to use (and stop)."""
        self.workers = max(1, workers)
        self.timeout = timeout
        self.memory = memory
        self.prepare = prepare
        self._owner = threading.get_ident()
        self._idle: list[Worker] = [w for w in warm if w.usable_by(memory)]

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().finish()

    def ready(self, workers: int) -> None:
        """Start up to `workers` workers now, in this thread: a map run by another thread
        then forks none unless one is lost."""
        while len(self._idle) < min(max(1, workers), self.workers):
            self._idle.append(Worker(self.prepare, self.memory))

    def call(self, job: Job) -> object:
        """One job's result (or its Failure)."""
        return next(self.map([job]))[1]

    def _left(self, worker: Worker, held: _Held, now: float) -> float:
        """Seconds the job may still take: of processor time where it is known."""
        if now - held.started >= self.timeout * _WALL_FACTOR:
            return 0.0
        used = _processor_seconds(worker.pid)
        if used is None or held.processor is None:
            return 0.0
        left = self.timeout - (used - held.processor)
        return max(left, 0.05) if left > 0 else 0.0

    def map(
        self, jobs: Sequence[Job], workers: int | None = None
    ) -> Generator[tuple[int, Any], None, None]:
        """(position, result or Failure) of each job, as results arrive.

        Each worker is sent up to `_DEPTH` jobs, so that it never waits for the main
        process between two; it runs them in order, so the first one it holds is the
        one it is working on (and the one a crash or the time limit is charged to)."""
        limit = max(1, min(workers or self.workers, self.workers))
        pending = deque(range(len(jobs)))
        busy: dict[Worker, deque[_Held]] = {}
        refused: Counter[int] = Counter()  # by position: workers that could not be sent it

        def start(held: _Held, worker: Worker) -> None:
            held.started = time.monotonic()
            held.processor = _processor_seconds(worker.pid)
            held.check = held.started + self.timeout

        def drop(worker: Worker) -> deque[_Held]:
            """Stop a worker; the jobs it held, the running one first."""
            held = busy.pop(worker)
            worker.stop()
            pending.extendleft(reversed([h.position for h in list(held)[1:]]))
            return held

        try:
            while pending or busy:
                while pending:
                    if len(busy) < limit:
                        worker = (
                            self._idle.pop() if self._idle else Worker(self.prepare, self.memory)
                        )
                        busy[worker] = deque()
                    worker = min(busy, key=lambda w: len(busy[w]))
                    if len(busy[worker]) >= _DEPTH:
                        break
                    position = pending.popleft()
                    payload = ForkingPickler.dumps(jobs[position])  # (a bug if it fails)
                    try:
                        worker.connection.send_bytes(payload)
                    except OSError:
                        # It died: while idle (the job goes to another), or while it ran
                        # a job (charged with its death). A job that no worker takes
                        # fails, rather than start workers without end.
                        failure = worker.death() if busy[worker] else None
                        dropped = drop(worker)
                        if failure is not None:
                            yield dropped[0].position, failure
                        refused[position] += 1
                        if refused[position] < _SEND_TRIES:
                            pending.appendleft(position)
                        else:
                            yield position, Failure("no parser worker would take this file", True)
                        continue
                    busy[worker].append(_Held(position, 0.0, None, 0.0))
                    if len(busy[worker]) == 1:
                        start(busy[worker][0], worker)
                soonest = min(held[0].check for held in busy.values())
                handles: list[Any] = [w.connection for w in busy]
                handles += [w.sentinel for w in busy]
                left = soonest - time.monotonic()
                ready = set(wait(handles, max(0.0, left) if left < _FOREVER else None))
                now = time.monotonic()
                for worker, queue in list(busy.items()):
                    held = queue[0]
                    if worker.connection in ready or worker.sentinel in ready:
                        answered, result = worker.receive()
                        if not answered:
                            failure = worker.death()
                            drop(worker)
                            yield held.position, failure
                            continue
                        if isinstance(result, Failure):
                            drop(worker)  # it is on its way out (see _serve)
                        else:
                            queue.popleft()
                            if queue:
                                start(queue[0], worker)
                            else:
                                del busy[worker]
                                self._idle.append(worker)
                        if isinstance(result, _Raised):
                            raise RuntimeError(f"a seedlint worker failed:\n{result.text}")
                        yield held.position, result
                    elif now >= held.check:
                        left = self._left(worker, held, now)
                        if left > 0:
                            held.check = now + left
                            continue
                        drop(worker)
                        reason = f"took longer than {self.timeout:g} s to analyse"
                        yield held.position, Failure(reason, True)
        finally:
            for worker in list(busy):  # the caller stopped early: these hold unwanted jobs
                worker.stop()
            # A worker forked by a thread that may end before the next map would die
            # with it (PR_SET_PDEATHSIG): kept only if the supervisor's thread forked it.
            lost = [w for w in self._idle if w.forked_by != self._owner or not w.alive()]
            for worker in lost:
                self._idle.remove(worker)
                worker.stop()
