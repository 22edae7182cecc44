"""The wheel users install holds the whole package: every module of `seedlint/` and every
rule pack, and nothing of the tests or fixtures."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def _source_files() -> set[str]:
    modules = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "seedlint").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    packs = {
        f"seedlint/rules/{p.name}"
        for p in (ROOT / "rules").iterdir()
        if p.suffix in (".py", ".toml")
    }
    return modules | packs


def _clean_copy(destination: Path) -> Path:
    """The checkout as a fresh clone has it (no egg-info, no build/ folder, which would
    let setuptools ship files the configuration leaves out)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return destination


def test_the_wheel_holds_every_module_and_pack(tmp_path: Path) -> None:
    tree = _clean_copy(tmp_path / "checkout")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(tree)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("seedlint-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if ".dist-info/" not in n}
    assert shipped == _source_files()
    assert "seedlint/runtime/child.py" in shipped


def _minimum(requirement: str) -> str | None:
    """`name==X` for a requirement `name>=X` that applies here, else None."""
    spec, _, marker = requirement.partition(";")
    if marker and "python_version < '3.11'" in marker and sys.version_info >= (3, 11):
        return None
    name, found, version = spec.partition(">=")
    return f"{name.strip()}=={version.strip()}" if found else None


def test_the_declared_minimum_versions_give_the_same_findings(tmp_path: Path) -> None:
    """The linter's dependencies at the lowest versions pyproject.toml allows (from PyPI)
    find exactly what the test environment's versions find."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [pin for pin in map(_minimum, declared) if pin]
    assert any(pin.startswith("libcst==") for pin in pins)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*install, *pins], check=True, capture_output=True)
    subprocess.run([*install, "--no-deps", str(_clean_copy(tmp_path / "src"))], check=True)
    for target in ("fixtures", "examples"):
        command = ["-m", "seedlint", "--no-cache", "-j", "1", "--format", "json", target]
        oldest = subprocess.run([python, "-P", *command], cwd=ROOT, capture_output=True)
        newest = subprocess.run([sys.executable, "-P", *command], cwd=ROOT, capture_output=True)
        assert oldest.stderr == b"", oldest.stderr.decode()
        assert (oldest.returncode, oldest.stdout) == (newest.returncode, newest.stdout), target
