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
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

from seedlint import __version__
from seedlint.checks import unanalysable
from seedlint.config import Config, ConfigError, find_pyproject, load_config
from seedlint.engine import Options, analyse
from seedlint.parse.notebooks import is_notebook
from seedlint.parse.packages import placement
from seedlint.parse.paths import real
from seedlint.report.diagnostics import Diagnostic
from seedlint.resolve.packs import PackError, Packs
from seedlint.store.cache import Cache, default_cache_dir

_STDIN = ("stdin", "-", "")


@lru_cache(maxsize=32)
def _settings(folder: Path) -> tuple[Config, Packs]:
    config = load_config(find_pyproject(folder))
    return config, config.load_packs()


class _Package:
    """A package as this process sees it: the first file asked of it is checked alone
    (an editor asks for one); once a second is asked (`flake8 src/`), the whole package
    is checked once and each file takes its findings from that."""

    def __init__(self, scope: Path, config: Config, packs: Packs) -> None:
        self.scope = scope
        self.config = config
        self.packs = packs
        self.asked = False
        self.everything: list[Diagnostic] | None = None

    def findings(self, target: Path, text: bytes | None) -> list[Diagnostic]:
        """`target`'s findings, with `text` instead of the disk's if it is given."""
        if text is None and self.asked:
            if self.everything is None:
                self.everything = self._analyse(None, lambda checked: True, "")
            return [d for d in self.everything if real(Path(d.path)) == target]
        self.asked = True
        overrides = {target: text} if text is not None else None
        found = self._analyse(overrides, lambda checked: real(checked) == target, f"only\0{target}")
        # (a sibling that cannot be read is reported by its own path: not this file's)
        return [d for d in found if real(Path(d.path)) == target]

    def _analyse(
        self, overrides: dict[Path, bytes] | None, report: Callable[[Path], bool], key: str
    ) -> list[Diagnostic]:
        options = Options(cache=Cache(default_cache_dir()))
        return analyse(
            [str(self.scope)], self.config, self.packs, report, overrides, options, key
        ).diagnostics


@lru_cache(maxsize=8)
def _package(scope: Path, settings_folder: Path) -> _Package:
    return _Package(scope, *_settings(settings_folder))


class SeedlintChecker:
    name = "seedlint"
    version = __version__
    reported = True  # whether flake8 reports SDL codes at all (from its options)

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """flake8 runs every plugin and filters their codes afterwards: when its options
        leave out every SDL code (`flake8 --select E9`), seedlint does no work."""
        cls.reported = _reports_seedlint(options)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if not self.reported:
            return
        for diagnostic in self._diagnostics():
            message = f"{diagnostic.code} {diagnostic.message}"
            yield diagnostic.line, max(diagnostic.column - 1, 0), message, type(self)

    def _diagnostics(self) -> list[Diagnostic]:
        path = Path(self.filename)
        if is_notebook(path):
            return []  # its lines are not the file's: the command line reports on it
        folder = real(path).parent
        try:
            config, packs = _settings(folder)
        except (ConfigError, PackError) as error:
            reason = str(error)
            return [unanalysable(self.filename, reason)]
        text = "".join(self.lines).encode("utf-8")
        if self.filename in _STDIN or not path.is_file():
            overrides = {real(path): text}
            return analyse([self.filename], config, packs, overrides=overrides).diagnostics
        package = _package(real(placement(path).top_package), folder)
        return package.findings(real(path), None if _same_text(path.read_bytes(), text) else text)


def _same_text(disk: bytes, given: bytes) -> bool:
    """Whether flake8's lines are the file as saved: flake8 reads with universal newlines,
    so a file saved with CRLF reaches the plugin with LF (same lines, same columns)."""
    if disk == given:
        return True
    return disk.replace(b"\r\n", b"\n").replace(b"\r", b"\n") == given


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
