"""[tool.seedlint] in pyproject.toml: validated once, passed everywhere explicitly."""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seedlint.parse.paths import real
from seedlint.resolve.packs import (
    Kind,
    PackEntry,
    PackError,
    Packs,
    build_packs,
    parse_pack,
    read_toml,
)

if TYPE_CHECKING:
    from seedlint.checks import Rule  # the checks read Config

DEFAULT_SEED_PARAMS = ("seed", "*_seed", "random_state", "rng_seed")
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "build",
    "dist",
    "__pycache__",
    ".ipynb_checkpoints",  # Jupyter's copies of the notebooks beside it
    "node_modules",
    ".mypy_cache",
    ".ruff_cache",
    "site-packages",
    ".eggs",
    "*.egg-info",
)


class ConfigError(Exception):
    """The configuration is invalid; the message names the file and key."""


@dataclass(frozen=True, slots=True)
class Config:
    select: tuple[str, ...] | None = None  # None: every check that is on by default
    ignore: tuple[str, ...] = ()
    adjacency: str = "default"  # "strict" turns on the rule that judges adjacency
    seed_params: tuple[str, ...] = DEFAULT_SEED_PARAMS
    packs: tuple[str, ...] | None = None  # None: every built-in pack
    rule_files: tuple[Path, ...] = ()
    extra_entries: tuple[tuple[PackEntry, tuple[str, ...], tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    root: Path = Path(".")
    source: str = ""  # the file it came from, for messages
    file_timeout: float = 60.0  # seconds (of processor time) one file may take
    max_file_size: float = 5.0  # MB; larger files are not read
    respect_gitignore: bool = True  # in a git work tree, skip what .gitignore ignores

    def is_seed_param(self, name: str) -> bool:
        return _glob_matcher(self.seed_params)(name) is not None

    def excluded(self, path: Path) -> bool:
        """Whether a pattern matches the path (relative to where the walk began) or one of
        its parts."""
        matches = _glob_matcher((*DEFAULT_EXCLUDE, *self.exclude))
        return any(matches(part) for part in path.parts) or matches(path.as_posix()) is not None

    def enabled(self, rule: Rule, path: str = "") -> bool:
        """Whether the rule reports in this file."""
        code = rule.code
        default = rule.default or any(
            getattr(self, option.replace("-", "_")) == value for option, value in rule.turned_on_by
        )
        on = default if self.select is None else _matches(code, self.select)
        if _matches(code, self.ignore):
            return False
        names = {path}
        if path:
            with contextlib.suppress(ValueError, OSError):
                relative = os.path.relpath(real(Path(path)), real(self.root))
                names.add(Path(relative).as_posix())
        for pattern, codes in self.per_file_ignores.items():
            if any(fnmatch.fnmatchcase(n, pattern) for n in names) and _matches(code, codes):
                return False
        return on

    def load_packs(self) -> Packs:
        return build_packs(self.packs, self.rule_files, self.extra_entries)


def _matches(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


def known_codes() -> tuple[str, ...]:
    """Every rule code there is, the engine's own included."""
    from seedlint.checks import ALL_RULES  # the checks read Config: import late

    return tuple(rule.code for rule in ALL_RULES)


def checked_codes(values: Iterable[str], where: str) -> tuple[str, ...]:
    """`values` as upper-case codes or prefixes; ConfigError for one that matches no rule
    (a typo would otherwise select or ignore nothing, silently)."""
    known = known_codes()
    out = tuple(v.strip().upper() for v in values)
    for value in out:
        if not value or not any(code.startswith(value) for code in known):
            raise ConfigError(
                f"{where}: unknown rule code or prefix '{value}' (rules: {', '.join(known)})"
            )
    return out


def _codes(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of rule codes (strings)")
    return checked_codes(value, where)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


_KEYS = frozenset(
    {
        "select",
        "ignore",
        "adjacency",
        "seed-params",
        "packs",
        "rule-files",
        "exclude",
        "per-file-ignores",
        "seed",
        "consume",
        "advance",
        "pure",
        "entropy",
        "load",
        "empty",
        "file-timeout",
        "max-file-size",
        "respect-gitignore",
    }
)


def positive_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{where} must be a positive number")
    return float(value)


def parse_config(table: Mapping[str, Any], source: str, root: Path) -> Config:
    where = f"{source}: [tool.seedlint]"
    unknown = set(table) - _KEYS
    if unknown:
        raise ConfigError(f"{where} unknown key '{sorted(unknown)[0]}'")
    config = Config(root=root, source=source)
    if "select" in table:
        config = replace(config, select=_codes(table["select"], f"{where} 'select'"))
    if "ignore" in table:
        config = replace(config, ignore=_codes(table["ignore"], f"{where} 'ignore'"))
    if "adjacency" in table:
        if table["adjacency"] not in ("default", "strict"):
            raise ConfigError(f'{where} \'adjacency\' must be "default" or "strict"')
        config = replace(config, adjacency=table["adjacency"])
    if "seed-params" in table:
        config = replace(
            config, seed_params=_strings(table["seed-params"], f"{where} 'seed-params'")
        )
    if "packs" in table:
        config = replace(config, packs=_strings(table["packs"], f"{where} 'packs'"))
    if "rule-files" in table:
        files = _strings(table["rule-files"], f"{where} 'rule-files'")
        config = replace(config, rule_files=tuple(root / f for f in files))
    if "exclude" in table:
        config = replace(config, exclude=_strings(table["exclude"], f"{where} 'exclude'"))
    if "per-file-ignores" in table:
        raw = table["per-file-ignores"]
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} 'per-file-ignores' must be a table of pattern = [codes]")
        config = replace(
            config,
            per_file_ignores={
                k: _codes(v, f"{where} 'per-file-ignores'.'{k}'") for k, v in raw.items()
            },
        )
    if "file-timeout" in table:
        timeout = positive_number(table["file-timeout"], f"{where} 'file-timeout'")
        config = replace(config, file_timeout=timeout)
    if "max-file-size" in table:
        size = positive_number(table["max-file-size"], f"{where} 'max-file-size'")
        config = replace(config, max_file_size=size)
    if "respect-gitignore" in table:
        value = table["respect-gitignore"]
        if not isinstance(value, bool):
            raise ConfigError(f"{where} 'respect-gitignore' must be true or false")
        config = replace(config, respect_gitignore=value)
    document = {kind.value: table[kind.value] for kind in Kind if kind.value in table}
    if document:
        try:
            entries = parse_pack(document, f"{source}: [tool.seedlint]")
        except PackError as error:
            raise ConfigError(str(error)) from error
        config = replace(config, extra_entries=tuple(entries))
    return config


def find_pyproject(start: Path) -> Path | None:
    folder = real(start)
    if folder.is_file():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def load_config(pyproject: Path | None) -> Config:
    if pyproject is None:
        return Config()
    document = read_toml(pyproject, str(pyproject), ConfigError)
    table = document.get("tool", {}).get("seedlint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.seedlint] must be a table")
    return parse_config(table, str(pyproject), pyproject.parent)


@functools.cache
def _glob_matcher(patterns: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """One compiled pattern for a list of `fnmatch` globs (case-sensitive)."""
    return re.compile("|".join(fnmatch.translate(p) for p in patterns) or "(?!)").match
