"""A worker started before the main process knows it needs one: it imports the parser
(libcst alone takes 0.1 s) while the main process imports the analysis and reads the
cache, so that an edited file is parsed as soon as it is known. The command line and
the flake8 bridge start one first; the run's supervisor takes it, or stops it."""

from __future__ import annotations

from seedlint.lower.supervisor import Worker


def load_parser() -> None:
    """What a worker imports before its first job."""
    import seedlint.lower.lowering  # noqa: F401


def warm_worker() -> Worker:
    return Worker(load_parser)
