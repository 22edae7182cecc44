"""A run as another process at another moment would see it (in the child): the clock
later, another process id, the standard library's and numpy's generators seeded from the
OS's entropy. Whether a seed's value changes from run to run cannot be seen from two runs
in one process a few milliseconds apart (the same second, the same pid), so the second of
them is made to see what another run would.

The functions are replaced in their modules and wherever a module bound them under its
own name at import (`from time import time`). What the process read before the run
(a value kept at import) and other clocks (`datetime.now()`, `time.monotonic()`) are not
changed: a seed taken from them is not seen to move.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

_LATER = 86_400.5  # seconds added to the clock: another day, another second


def _replacements() -> dict[int, tuple[Callable[..., Any], Callable[..., Any]]]:
    """id(original) -> (original, what another process later would see instead)."""
    clock, clock_ns, pid = time.time, time.time_ns, os.getpid
    return {
        id(clock): (clock, lambda: clock() + _LATER),
        id(clock_ns): (clock_ns, lambda: clock_ns() + int(_LATER * 1e9)),
        id(pid): (pid, lambda: pid() + 1),
    }


def _bindings(originals: dict[int, Any]) -> list[tuple[dict[str, Any], str, Any]]:
    """Every module global that holds one of the originals: (namespace, name, value)."""
    found = []
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for name, value in list(namespace.items()):
            if id(value) in originals and value is originals[id(value)]:
                found.append((namespace, name, value))
    return found


@contextlib.contextmanager
def another_process() -> Iterator[None]:
    replacements = _replacements()
    bound = _bindings({k: original for k, (original, _) in replacements.items()})
    for namespace, name, value in bound:
        namespace[name] = replacements[id(value)][1]
    # New states from the OS's entropy, as at a process's start.
    random.setstate(random.Random().getstate())
    np.random.set_state(np.random.RandomState().get_state())
    try:
        yield
    finally:
        for namespace, name, value in bound:
            namespace[name] = value
