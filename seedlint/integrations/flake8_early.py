"""The flake8 bridge started early. flake8 given one file (an editor's run) checks it
with its own plugins first; seedlint's part is worked out meanwhile, in a child process
forked when flake8 parses its options (`EarlyFindings.start`). The child reads the file
the way flake8 does (flake8's own FileProcessor, standard input included), and the
plugin takes its findings only if flake8 hands it the same name and lines; otherwise,
or if the child failed, the plugin works them out itself.

On the 20,000-line module of unsloth-zoo, flake8's own checks take two seconds, which
the analysis no longer waits for."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
from dataclasses import dataclass

from seedlint.lower.supervisor import Worker
from seedlint.report.diagnostics import Diagnostic

_UNLIMITED = 1 << 44  # bytes: the analysis runs as it would in flake8's own process


@dataclass(frozen=True, slots=True)
class _Findings:
    """The job of the child: the findings of one file as flake8 read it."""

    filename: str
    lines: list[str]

    def run(self) -> list[Diagnostic]:
        """The findings, sent as soon as they are known: the child keeps what it learnt
        for the next run (the cache) while flake8 goes on."""
        from seedlint.integrations.flake8_bridge import diagnostics
        from seedlint.lower.supervisor import answer_now
        from seedlint.lower.warm import warm_worker

        return diagnostics(self.filename, self.lines, (warm_worker(),), answer_now)


def _prepare() -> None:
    """The child's first steps: its parser worker starts, then it imports the bridge."""
    from seedlint.lower.warm import start_early

    start_early()
    import seedlint.integrations.flake8_bridge  # noqa: F401


class EarlyFindings:
    def __init__(self, job: _Findings) -> None:
        self.job = job
        self.worker = Worker(_prepare, memory=_UNLIMITED)
        self.worker.connection.send(job)

    @classmethod
    def start(cls, options: argparse.Namespace) -> EarlyFindings | None:
        """The findings of the one file flake8 was given, being worked out; None if it
        was given several, or a folder."""
        names = getattr(options, "filenames", None) or []
        if len(names) != 1 or (names[0] != "-" and not os.path.isfile(names[0])):
            return None
        try:
            from flake8.processor import FileProcessor  # type: ignore[import-untyped]

            processor = FileProcessor(names[0], options)
        except Exception:  # flake8 itself will say what is wrong with the file
            return None
        return cls(_Findings(processor.filename, processor.lines))

    def take(self, filename: str, lines: list[str]) -> list[Diagnostic] | None:
        """The findings, if they are those of `filename` with `lines`; else None. Once
        they are taken, the child finishes writing the cache while flake8 goes on, and
        flake8's exit waits for it."""
        if filename != self.job.filename or lines != self.job.lines:
            self.stop()
            return None
        answered, result = self.worker.receive(wait=None)
        if answered and type(result) is list:
            atexit.register(self.stop)
            return result
        self.stop()
        return None

    def stop(self) -> None:
        """Stop the child, once it has written what it writes after answering."""
        with contextlib.suppress(OSError):
            self.worker.finish()
