"""Shared helpers: lint source text with the real engine; the public corpus, fetched once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from seedlint.config import Config
from seedlint.engine import analyse
from seedlint.report.diagnostics import Diagnostic

ROOT = Path(__file__).resolve().parent.parent
# A function with a seed-like parameter whose draw on line 5 is unseeded when `flag` is false.
FINDING = (
    "import mlx.core as mx\n"
    "def f(seed, flag):\n"
    "    if flag:\n"
    "        mx.random.seed(seed)\n"
    "    return mx.random.normal((2,))\n"
)
MARK = re.compile(r"#\s*((?:SDL\d{3}\s*)+)\s*$")


def lint_text(
    tmp_path: Path, source: str, select: tuple[str, ...] | None = None, **config: object
) -> list[Diagnostic]:
    path = tmp_path / "snippet.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    settings = replace(Config(), select=select, **config)  # type: ignore[arg-type]
    return analyse([str(path)], settings, settings.load_packs()).diagnostics


def expected_marks(text: str) -> set[tuple[int, str]]:
    """(line, code) for every inline `# SDL101` mark (several codes may share a line)."""
    found = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = MARK.search(line)
        if match:
            found |= {(number, code) for code in match.group(1).split()}
    return found


def parseable_fixtures() -> list[Path]:
    """Every fixture but the one that is unanalysable by design (fixtures/rules/SDL001.py)."""
    unparseable = ROOT / "fixtures" / "rules" / "SDL001.py"
    return sorted(p for p in (ROOT / "fixtures").rglob("*.py") if p != unparseable)


def corpus_dir() -> Path:
    return Path(os.environ.get("SEEDLINT_CORPUS", ROOT / ".corpus"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The public real-world packages of DESIGN.md, downloaded from PyPI by fetch.sh."""
    dest = corpus_dir()
    fetch = ROOT.parent / "shared" / "corpus" / "fetch.sh"
    names = (
        "unsloth-zoo-2026.5.2",
        "unsloth-zoo-2026.5.3",
        "mlx-lm-0.32.2",
        "trl-1.14.2",
        "trl-1.15.0",
    )
    if not all((dest / name).is_dir() for name in names):
        assert fetch.is_file(), f"corpus missing and no fetch script at {fetch}"
        subprocess.run(
            ["bash", str(fetch), str(dest)],
            check=True,
            env={**os.environ, "PYTHON": sys.executable},
        )
    return dest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The cache that runs (and the flake8 bridge) use by default, in a test folder: not
    the user's, and shared by the subprocesses the tests start."""
    previous = os.environ.get("SEEDLINT_CACHE_DIR")
    os.environ["SEEDLINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("seedlint-cache"))
    yield
    if previous is None:
        del os.environ["SEEDLINT_CACHE_DIR"]
    else:
        os.environ["SEEDLINT_CACHE_DIR"] = previous


def write_package(tmp_path: Path, body: str) -> str:
    """A package `pkg` in `tmp_path` whose `lora.py` holds `body` (dedented); the
    `FILE::apply` target of its function `apply`."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lora.py").write_text(textwrap.dedent(body))
    return f"{package / 'lora.py'}::apply"
