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

import ast
from collections.abc import Iterator, Sequence
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


@lru_cache(maxsize=8)
def _package_findings(scope: Path, settings_folder: Path) -> tuple[Diagnostic, ...]:
    """Every finding of a package as it is on disk, computed once per process."""
    config, packs = _settings(settings_folder)
    return tuple(analyse([str(scope)], config, packs, options=_options()).diagnostics)


def _options() -> Options:
    return Options(cache=Cache(default_cache_dir()))


_asked: set[tuple[Path, Path]] = set()  # (package, settings folder) a file was asked of


class SeedlintChecker:
    name = "seedlint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type]]:
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
        target = real(path)
        scope = real(placement(path).top_package)
        unsaved = path.read_bytes() != text
        if not unsaved and (scope, folder) in _asked:
            found: Sequence[Diagnostic] = _package_findings(scope, folder)
            return [d for d in found if real(Path(d.path)) == target]
        _asked.add((scope, folder))
        found = analyse(
            [str(scope)],
            config,
            packs,
            report=lambda checked: real(checked) == target,
            overrides={target: text} if unsaved else None,
            options=_options(),
            report_key=f"only\0{target}",
        ).diagnostics
        # (a sibling that cannot be read is reported by its own path: not this file's)
        return [d for d in found if real(Path(d.path)) == target]
