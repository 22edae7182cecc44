"""`.gitignore` respected in a git work tree, as git reads it (the real git decides the
expected answer where it is installed), and `--no-respect-gitignore` turns it off."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seedlint.config import Config
from seedlint.parse.sources import discover
from tests.conftest import FINDING

IGNORE = "ignored/\n*.gen.py\n/top_only.py\n!keep.gen.py\ndocs/**/build.py\n"
FILES = [
    "main.py",
    "ignored/x.py",
    "a.gen.py",
    "keep.gen.py",
    "top_only.py",
    "sub/top_only.py",
    "docs/x/y/build.py",
    "docs/build2.py",
]


def _repo(root: Path) -> Path:
    (root / ".git" / "info").mkdir(parents=True)
    (root / ".git" / "info" / "exclude").write_text("excluded_locally.py\n")
    (root / ".gitignore").write_text(IGNORE)
    for name in [*FILES, "excluded_locally.py"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(FINDING)
    return root


def _found(root: Path, config: Config) -> set[str]:
    return {
        p.relative_to(root).as_posix() for p in discover([str(root)], config) if isinstance(p, Path)
    }


def test_ignored_files_are_skipped_and_negations_kept(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert _found(root, Config()) == {"main.py", "keep.gen.py", "sub/top_only.py", "docs/build2.py"}
    everything = _found(root, Config(respect_gitignore=False))
    assert everything == {*FILES, "excluded_locally.py"}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_same_files_as_git_ignores(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text(IGNORE)
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(FINDING)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert _found(root, Config()) == {n for n in listed if n.endswith(".py")}


def test_outside_a_work_tree_nothing_is_ignored(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("x.py\n")
    (tmp_path / "x.py").write_text(FINDING)
    assert _found(tmp_path, Config()) == {"x.py"}


def test_a_named_folder_is_checked_even_if_ignored(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    found = [p for p in discover([str(root / "ignored")], Config()) if isinstance(p, Path)]
    assert [p.name for p in found] == ["x.py"]


def test_the_command_line_flag(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    command = [sys.executable, "-m", "seedlint", "--no-cache", "--statistics", "."]
    on = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120)
    off = subprocess.run(
        [*command, "--no-respect-gitignore"], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert on.stdout.splitlines()[-1] == "Found 4 findings."
    assert off.stdout.splitlines()[-1] == "Found 9 findings."
