"""A temporary folder that goes away with the process that made it, even when that
process is killed (kill -9 runs no cleanup code of its own).

A small forked child waits on a pipe whose only writer is the parent: the read ends
when the parent closes it or dies, and the child then removes the folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections.abc import Iterator


def _watch(folder: str, read_end: int) -> None:
    """In the child: wait for the parent to go, remove the folder, exit."""
    try:
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_IGN)  # a signal to the group killed the parent
        null = os.open(os.devnull, os.O_RDWR)
        for standard in (0, 1, 2):  # nobody waits for this child's output
            os.dup2(null, standard)
        os.closerange(3, read_end)
        os.closerange(read_end + 1, 1 << 16)
        while os.read(read_end, 1):
            pass
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os._exit(0)


@contextlib.contextmanager
def removed_with_parent(folder: str) -> Iterator[None]:
    """While inside, `folder` is removed should this process die (leave this after the
    caller has removed it); where fork is not available, only the caller's own
    cleanup removes it."""
    if not hasattr(os, "fork"):
        yield
        return
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(write_end)
        _watch(folder, read_end)
    os.close(read_end)
    try:
        yield
    finally:
        # The caller removes the folder itself; a worker forked since still holds the
        # pipe, so the child is stopped rather than waited for.
        os.close(write_end)
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child, 0)
