"""A run as another process at another moment would see it (in the child): the clock
later, another process id, the standard library's and numpy's generators seeded from the
OS's entropy. Whether a seed's value changes from run to run cannot be seen from two runs
in one process a few milliseconds apart (the same second, the same pid), so the second of
them is made to see what another run would."""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import Iterator

import numpy as np

_LATER = 86_400.5  # seconds added to the clock: another day, another second


@contextlib.contextmanager
def another_process() -> Iterator[None]:
    clock, clock_ns, pid = time.time, time.time_ns, os.getpid
    time.time = lambda: clock() + _LATER
    time.time_ns = lambda: clock_ns() + int(_LATER * 1e9)
    os.getpid = lambda: pid() + 1
    # New states from the OS's entropy, as at a process's start.
    random.setstate(random.Random().getstate())
    np.random.set_state(np.random.RandomState().get_state())
    try:
        yield
    finally:
        time.time, time.time_ns, os.getpid = clock, clock_ns, pid
