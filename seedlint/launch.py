"""The `seedlint` command's entry point. A run that may parse starts its parser worker
(seedlint.lower.warm) first, before the command line, its configuration and the
analysis are imported (0.05 s before the worker could start otherwise)."""

from __future__ import annotations

import sys

# The first arguments after which nothing is parsed (`seedlint check` is the default).
_NOT_CHECKING = frozenset({"rule", "confirm", "--help", "-h", "--version"})


def main() -> None:
    arguments = sys.argv[1:2]
    if not arguments or arguments[0] not in _NOT_CHECKING:
        from seedlint.lower.warm import start_early

        start_early()
    from seedlint.cli import main as command_line

    command_line()
