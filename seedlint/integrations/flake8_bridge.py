"""What the flake8 plugin reports for one file: its package analysed through the cache,
with flake8's text of the file (see seedlint.integrations.flake8_plugin)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from seedlint.checks import unanalysable
from seedlint.config import Config, ConfigError, find_pyproject, load_config
from seedlint.engine import Options, analyse
from seedlint.lower.supervisor import Worker
from seedlint.parse.notebooks import is_notebook
from seedlint.parse.packages import placement
from seedlint.parse.paths import real
from seedlint.report.diagnostics import Diagnostic
from seedlint.resolve.packs import PackError, Packs
from seedlint.store.cache import Cache, default_cache_dir

_STDIN = ("stdin", "-", "")
Told = Callable[[list[Diagnostic]], None] | None


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

    def findings(
        self, target: Path, text: bytes | None, warm: tuple[Worker, ...] = (), told: Told = None
    ) -> list[Diagnostic]:
        """`target`'s findings, with `text` instead of the disk's if it is given; `told`
        hears them as soon as they are known (before the cache is written)."""
        if text is None and self.asked:
            if self.everything is None:
                self.everything = self._analyse(None, lambda checked: True, "", warm)
            return [d for d in self.everything if real(Path(d.path)) == target]
        self.asked = True
        overrides = {target: text} if text is not None else None
        only = f"only\0{target}"

        def of_target(found: list[Diagnostic]) -> list[Diagnostic]:
            # (a sibling that cannot be read is reported by its own path: not this file's)
            return [d for d in found if real(Path(d.path)) == target]

        hear = None if told is None else lambda found: told(of_target(found))
        found = self._analyse(overrides, lambda checked: real(checked) == target, only, warm, hear)
        return of_target(found)

    def _analyse(
        self,
        overrides: dict[Path, bytes] | None,
        report: Callable[[Path], bool],
        key: str,
        warm: tuple[Worker, ...],
        told: Told = None,
    ) -> list[Diagnostic]:
        options = Options(cache=Cache(default_cache_dir()), warm=warm, found=told)
        return analyse(
            [str(self.scope)], self.config, self.packs, report, overrides, options, key
        ).diagnostics


@lru_cache(maxsize=8)
def _package(scope: Path, settings_folder: Path) -> _Package:
    return _Package(scope, *_settings(settings_folder))


def diagnostics(
    filename: str, lines: list[str], warm: tuple[Worker, ...] = (), told: Told = None
) -> list[Diagnostic]:
    """The findings of the file flake8 read as `lines` (an editor's buffer, perhaps);
    `warm`: workers started for the run (seedlint.lower.warm), stopped if it needs none;
    `told` hears the findings as soon as they are known, before the cache is written."""
    try:
        return _diagnostics(filename, lines, warm, told)
    finally:
        for worker in warm:  # (a supervisor that took it has stopped it already)
            worker.stop()


def _diagnostics(
    filename: str, lines: list[str], warm: tuple[Worker, ...], told: Told
) -> list[Diagnostic]:
    path = Path(filename)
    if is_notebook(path):
        return []  # its lines are not the file's: the command line reports on it
    folder = real(path).parent
    try:
        config, packs = _settings(folder)
    except (ConfigError, PackError) as error:
        reason = str(error)
        return [unanalysable(filename, reason)]
    text = "".join(lines).encode("utf-8")
    if filename in _STDIN or not path.is_file():
        overrides = {real(path): text}
        options = Options(warm=warm, found=told)
        return analyse([filename], config, packs, overrides=overrides, options=options).diagnostics
    package = _package(real(placement(path).top_package), folder)
    changed = None if _same_text(path.read_bytes(), text) else text
    return package.findings(real(path), changed, warm, told)


def _same_text(disk: bytes, given: bytes) -> bool:
    """Whether flake8's lines are the file as saved: flake8 reads with universal newlines,
    so a file saved with CRLF reaches the plugin with LF (same lines, same columns)."""
    if disk == given:
        return True
    return disk.replace(b"\r\n", b"\n").replace(b"\r", b"\n") == given
