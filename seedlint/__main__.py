"""The `seedlint` command (and `python -m seedlint`). A run that may parse starts its
parser worker (seedlint.lower.warm) first, before the command line, its configuration
and the analysis are imported (0.05 s before the worker could start otherwise). The
process ends without tearing the interpreter down (0.02 s): by then every file it wrote
is closed, its workers are stopped and its temporary folder is gone."""

from __future__ import annotations

import os
import sys

# The first arguments after which nothing is parsed (`seedlint check` is the default).
_NOT_CHECKING = frozenset({"rule", "confirm", "--help", "-h", "--version"})


def main() -> None:
    arguments = sys.argv[1:2]
    if not arguments or arguments[0] not in _NOT_CHECKING:
        from seedlint.lower.warm import start_early

        start_early()
    from seedlint.cli import main as command_line

    try:
        command_line()
        code = 0
    except SystemExit as done:
        code = _exit_code(done.code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe, say: the reader has left
        code = code or 1
    os._exit(code)


def _exit_code(code: object) -> int:
    """What `sys.exit(code)` would end the process with."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    main()
