"""The project's own standards, checked in CI: ruff (lint and format) and
mypy in strict mode."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, a dependency of the project on 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "seedlint", "tests", "bench"],
        ["ruff", "format", "--check", "seedlint", "tests", "bench"],
        ["mypy"],  # files and strictness from [tool.mypy]
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_code_quality(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_configured_strict() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["strict"] is True and config["files"] == ["seedlint"]


_MUTABLE_DISPLAYS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
_MUTABLE_CALLS = {"list", "dict", "set", "defaultdict", "OrderedDict", "deque", "Counter"}


def _module_level_mutables(path: Path) -> list[str]:
    out = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        else:
            continue
        value = node.value
        called = isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
        mutable = isinstance(value, _MUTABLE_DISPLAYS) or (
            called and value.func.id in _MUTABLE_CALLS  # type: ignore[union-attr]
        )
        out += [f"{path.name}:{node.lineno} {n}" for n in names if mutable and n != "__all__"]
    return out


def test_no_module_holds_mutable_state() -> None:
    """Module-level tables are frozen (MappingProxyType, frozenset, tuple); what a run
    learns lives in objects it passes on, so two runs in one process cannot meet."""
    found = [
        m for p in sorted((ROOT / "seedlint").rglob("*.py")) for m in _module_level_mutables(p)
    ]
    assert found == []


def test_the_mutable_state_check_sees_tables_and_caches(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("A = {}\nB: list[int] = []\nC = frozenset()\nD = defaultdict(list)\n")
    assert _module_level_mutables(module) == ["m.py:1 A", "m.py:2 B", "m.py:4 D"]


def test_every_stage_package_says_what_it_does_and_the_readme_lists_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    packages = [p.parent for p in (ROOT / "seedlint").glob("*/__init__.py")]
    assert len(packages) >= 10
    for package in packages:
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert docstring and len(docstring) > 40, f"{package.name}: no docstring"
        assert f"\n  {package.name}/ " in readme, f"{package.name}/ is not in the README's layout"
    top = sorted(p.name for p in (ROOT / "seedlint").glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py", "config.py", "engine.py"]
