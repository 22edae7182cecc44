"""A worker started before the main process knows it needs one: it imports the parser
(libcst alone takes 0.1 s) while the main process imports the analysis and reads the
cache, so that an edited file is parsed as soon as it is known. The `seedlint` command
starts one before it imports its own command line (seedlint.__main__), the flake8
bridge when flake8 parses its options; the run's supervisor takes it, or stops it."""

from __future__ import annotations

from seedlint.lower.supervisor import Worker

_early: Worker | None = None  # started by the entry point, not yet taken


def load_parser() -> None:
    """What a worker imports and builds before its first job (the jobs' own module too:
    else it is imported when the first job is unpickled, 7 ms after the job arrives)."""
    import seedlint.lower.lowering
    import seedlint.lower.workers  # noqa: F401
    from seedlint.store import codec

    codec.ready()


def start_early() -> None:
    """Start the worker that the next `warm_worker()` of this process takes."""
    global _early
    if _early is None:
        _early = Worker(load_parser)


def warm_worker() -> Worker:
    """The worker started early, if it is still usable; else one started now."""
    global _early
    early, _early = _early, None
    if early is not None and early.usable_here():
        return early
    if early is not None:
        early.stop()
    return Worker(load_parser)
