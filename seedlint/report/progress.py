"""A progress line on a terminal's stderr for runs that take more than a moment:
`seedlint: checking 5,301 files… 12 s`, rewritten each second, erased at the end."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

# Seconds before the line appears; SEEDLINT_PROGRESS_AFTER sets it (the tests use 0).
_DEFAULT_AFTER = 2.0


@contextmanager
def progress(count: Callable[[], int], stream: TextIO | None = None) -> Iterator[None]:
    """`count` gives the number of files, asked only if the line is shown."""
    out = stream or sys.stderr
    if not out.isatty():
        yield
        return
    after = float(os.environ.get("SEEDLINT_PROGRESS_AFTER", _DEFAULT_AFTER))
    done = threading.Event()
    start = time.monotonic()
    shown = threading.Event()

    def show() -> None:
        if done.wait(after):
            return
        files = count()
        while not done.is_set():
            seconds = int(time.monotonic() - start)
            noun = "file" if files == 1 else "files"
            out.write(f"\rseedlint: checking {files:,} {noun}… {seconds} s")
            out.flush()
            shown.set()
            done.wait(1.0)

    thread = threading.Thread(target=show, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        if shown.is_set():
            out.write("\r\x1b[2K")  # erase the line
            out.flush()
