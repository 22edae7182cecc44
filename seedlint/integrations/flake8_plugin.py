"""flake8 bridge: `flake8 --select SDL` reports what `seedlint` reports, for editors.

flake8 hands over one file at a time, but findings depend on helpers in sibling
modules, so the file's whole package is analysed, with this file's text as flake8 read
it (an editor's unsaved buffer is that text), through the cache that `seedlint` keeps:
an unchanged package is answered from it, and after an edit only the summaries the
edit can change are computed again. Only this file is checked; a process that is asked
for a second file of a package (`flake8 src/`) checks the whole package once instead.
Notebooks are left to `seedlint` itself (flake8 would number the lines of their JSON).
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from seedlint import __version__

if TYPE_CHECKING:
    from seedlint.integrations.flake8_early import EarlyFindings
    from seedlint.lower.supervisor import Worker

# flake8 imports every plugin on every run, also under `--select E9`: the bridge, and the
# engine behind it, are imported only when an SDL code can be reported.


class SeedlintChecker:
    name = "seedlint"
    version = __version__
    reported = True  # whether flake8 reports SDL codes at all (from its options)

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    warm: tuple[Worker, ...] = ()  # a worker started when flake8 starts (seedlint.lower.warm)
    early: EarlyFindings | None = None  # the one file's findings, begun when flake8 starts

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """flake8 runs every plugin and filters their codes afterwards: when its options
        leave out every SDL code (`flake8 --select E9`), seedlint does no work. Otherwise
        the findings of the one file flake8 was given are begun now, while flake8 checks
        it itself (seedlint.integrations.flake8_early); given more, a worker starts
        importing the parser."""
        cls.reported = _reports_seedlint(options)
        if cls.reported:
            from seedlint.integrations.flake8_early import EarlyFindings

            cls.early = EarlyFindings.start(options)
            if cls.early is None:
                from seedlint.lower.warm import warm_worker

                cls.warm = (warm_worker(),)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if not self.reported:
            return
        early, type(self).early = self.early, None  # (for this process's first file)
        found = early.take(self.filename, self.lines) if early is not None else None
        if found is None:
            from seedlint.integrations.flake8_bridge import diagnostics

            warm, type(self).warm = self.warm, ()
            found = diagnostics(self.filename, self.lines, warm)
        for diagnostic in found:
            message = f"{diagnostic.code} {diagnostic.message}"
            yield diagnostic.line, max(diagnostic.column - 1, 0), message, type(self)


def _reports_seedlint(options: argparse.Namespace) -> bool:
    """Whether some SDL code can survive flake8's selection (`--select`, `--extend-select`,
    `--ignore`, `--extend-ignore`, or the same in its configuration files)."""

    def covers(codes: list[str] | None) -> bool:
        return any(c and ("SDL".startswith(c) or c.startswith("SDL")) for c in codes or ())

    if covers(getattr(options, "extend_select", None)):
        return True
    select = getattr(options, "select", None)
    if select is not None:
        return covers(select)
    ignored = [
        *(getattr(options, "ignore", None) or ()),
        *(getattr(options, "extend_ignore", None) or ()),
    ]
    return not any(c and "SDL".startswith(c) for c in ignored)
