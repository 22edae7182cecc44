"""Bad input never breaks a run: each case is one line naming the file and the reason,
every other file's findings stay intact, and exit codes follow DESIGN.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seedlint import engine
from seedlint.config import Config
from seedlint.engine import analyse
from seedlint.parse.paths import real_files
from seedlint.store.cache import Cache
from tests.conftest import FINDING


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedlint", "--no-cache", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def lint(folder: Path) -> list[tuple[str, int, str]]:
    config = Config()
    result = analyse([str(folder)], config, config.load_packs())
    return [(Path(d.path).name, d.line, d.code) for d in result.diagnostics]


def with_good_file(tmp_path: Path) -> Path:
    (tmp_path / "good.py").write_text(FINDING)
    return tmp_path


def one_error_for(found: list[tuple[str, int, str]], name: str) -> None:
    assert ("good.py", 5, "SDL101") in found
    assert [f for f in found if f[0] == name and f[2] == "SDL001"], found
    assert len([f for f in found if f[0] == name]) == 1


def test_nul_bytes(tmp_path: Path) -> None:
    (with_good_file(tmp_path) / "nul.py").write_bytes(b"x = 1\x00\n")
    one_error_for(lint(tmp_path), "nul.py")


def test_bom_crlf_and_coding_cookie_are_analysed(tmp_path: Path) -> None:
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + FINDING.encode())
    (tmp_path / "crlf.py").write_bytes(FINDING.replace("\n", "\r\n").encode())
    latin = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + FINDING
    (tmp_path / "cookie.py").write_bytes(latin.encode("latin-1"))
    found = lint(tmp_path)
    assert sorted(found) == [
        ("bom.py", 5, "SDL101"),
        ("cookie.py", 7, "SDL101"),
        ("crlf.py", 5, "SDL101"),
    ]


def test_empty_file(tmp_path: Path) -> None:
    (with_good_file(tmp_path) / "empty.py").write_bytes(b"")
    assert lint(tmp_path) == [("good.py", 5, "SDL101")]


def test_fifty_thousand_line_function(tmp_path: Path) -> None:
    body = ["import mlx.core as mx", "def big(seed):", "    mx.random.seed(seed)"]
    body += [f"    v{i} = g(v{i - 1} if {i} else 0)" for i in range(50_000)]
    body += ["    mx.random.uniform()", "    m.lora_a = mx.random.normal((2,))"]
    (with_good_file(tmp_path) / "big.py").write_text("\n".join(body) + "\n")
    found = lint(tmp_path)
    assert ("big.py", 50_005, "SDL201") in found and ("good.py", 5, "SDL101") in found


def test_thousand_deep_nesting(tmp_path: Path) -> None:
    ifs = ["def f(x):"] + ["    " * (i + 1) + f"if x > {i}:" for i in range(1000)]
    ifs.append("    " * 1001 + "pass")
    (with_good_file(tmp_path) / "ifs.py").write_text("\n".join(ifs) + "\n")
    (tmp_path / "parens.py").write_text("x = " + "(" * 1000 + "1" + ")" * 1000 + "\n")
    (tmp_path / "calls.py").write_text("x = " + "f(" * 1000 + "1" + ")" * 1000 + "\n")
    found = lint(tmp_path)
    one_error_for(found, "ifs.py")
    for name in ("parens.py", "calls.py"):  # analysed or reported, never a crash
        assert len([f for f in found if f[0] == name]) <= 1


def test_symlink_loops(tmp_path: Path) -> None:
    with_good_file(tmp_path)
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    os.symlink(tmp_path / "b.py", tmp_path / "a.py")
    os.symlink(tmp_path / "a.py", tmp_path / "b.py")
    found = lint(tmp_path)
    assert found.count(("good.py", 5, "SDL101")) == 1
    assert {f[0] for f in found if f[2] == "SDL001"} >= {"a.py", "b.py"}


def test_a_file_and_a_link_to_it_are_one_file_and_each_path_resolves_as_realpath(
    tmp_path: Path,
) -> None:
    (tmp_path / "real").mkdir()
    package = with_good_file(tmp_path / "real")
    os.symlink(package / "good.py", package / "alias.py")  # the same file again
    os.symlink(package, tmp_path / "linked")  # the same folder again
    os.symlink(tmp_path / "nowhere.py", package / "dangling.py")
    found = lint(tmp_path)
    assert [f for f in found if f[2] == "SDL101"] in (
        [("good.py", 5, "SDL101")],
        [("alias.py", 5, "SDL101")],
    ), found
    paths = [
        package / "good.py",
        package / "alias.py",
        tmp_path / "linked" / "good.py",
        package / "dangling.py",
        tmp_path / "missing" / "x.py",
        Path("relative") / ".." / "x.py",
    ]
    assert real_files(paths) == {path: Path(os.path.realpath(path)) for path in paths}


def test_missing_path_and_directory_named_py(tmp_path: Path) -> None:
    (with_good_file(tmp_path) / "x.py").mkdir()
    result = run_cli(
        str(tmp_path / "good.py"), str(tmp_path / "missing.py"), str(tmp_path / "x.py")
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert any("missing.py:1:1: SDL001 no such file" in line for line in lines)
    assert any("good.py:5:" in line for line in lines)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Test double: as root every file is readable, so opening this one is made to fail
    # (the workers are forked from this process, so they see the double too).
    with_good_file(tmp_path)
    secret = tmp_path / "secret.py"
    secret.write_text("x = 1\n")
    real = os.open

    def opening(path: str | Path, *args: Any, **kwargs: Any) -> int:
        if Path(path).name == "secret.py":
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", opening)
    found = lint(tmp_path)
    one_error_for(found, "secret.py")


def test_file_vanishing_during_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Test double for the race: the file is deleted right after it has been found.
    with_good_file(tmp_path)
    doomed = tmp_path / "doomed.py"
    doomed.write_text(FINDING)
    real_discover = engine.discover

    def discover_then_delete(
        paths: list[str], config: Config, *unsaved: object
    ) -> Iterator[Path | object]:
        found = list(real_discover(paths, config, *unsaved))
        doomed.unlink()
        yield from found

    monkeypatch.setattr(engine, "discover", discover_then_delete)
    one_error_for(lint(tmp_path), "doomed.py")


def test_file_edited_during_the_run_is_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Test double for the race: the file is edited after it was read (and the run's key
    # made from it) but before it is read again for positions, so the findings do not
    # belong to the text the key describes and must not be stored.
    edited = tmp_path / "edited.py"
    edited.write_text(FINDING)
    config = Config()
    packs = config.load_packs()
    options = engine.Options(cache=Cache(tmp_path / "cache"))
    real_load_cached = engine.load_cached

    def load_then_edit(*args: Any, **kwargs: Any) -> Any:
        out = real_load_cached(*args, **kwargs)
        edited.write_text("\n\n\n" + FINDING)  # the same finding, three lines down
        return out

    monkeypatch.setattr(engine, "load_cached", load_then_edit)
    first = engine.analyse([str(edited)], config, packs, options=options)
    assert [(d.code, d.line) for d in first.diagnostics] == [("SDL101", 8)]
    monkeypatch.setattr(engine, "load_cached", real_load_cached)
    # Back to the text the first key described: computed again, not the stored line 8.
    edited.write_text(FINDING)
    again = engine.analyse([str(edited)], config, packs, options=options)
    assert [(d.code, d.line) for d in again.diagnostics] == [("SDL101", 5)]


def test_broken_configuration_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(FINDING)
    cases = {
        "[tool.seedlint]\nselect = 5\n": "'select'",
        '[tool.seedlint]\nseed-params = "seed"\n': "'seed-params'",
        '[tool.seedlint]\npacks = ["nope"]\n': "nope",
        '[tool.seedlint]\n[[tool.seedlint.consume]]\ncall = "x.y"\n': "'streams'",
        "[tool.seedlint\n": "invalid TOML",
    }
    for text, expected in cases.items():
        (tmp_path / "pyproject.toml").write_text(text)
        result = run_cli(str(tmp_path))
        assert result.returncode == 2, text
        assert expected in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_broken_rule_file_names_file_and_entry(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(FINDING)
    (tmp_path / "extra.toml").write_text(
        '[[consume]]\ncall = "a.b"\nstreams = "mlx"\npure_with = 3\n'
    )
    (tmp_path / "pyproject.toml").write_text('[tool.seedlint]\nrule-files = ["extra.toml"]\n')
    result = run_cli(str(tmp_path))
    assert result.returncode == 2
    assert "extra.toml" in result.stderr and "[[consume]] entry 1" in result.stderr
    assert "'pure_with'" in result.stderr


def test_json_stays_valid_with_bad_files(tmp_path: Path) -> None:
    (with_good_file(tmp_path) / "bad.py").write_bytes(b"def (:\n\xff")
    data = json.loads(run_cli("--format", "json", str(tmp_path)).stdout)
    assert {d["code"] for d in data} == {"SDL001", "SDL101"}


@pytest.mark.parametrize("text", [FINDING, "y = 1\n"], ids=["drawing", "quiet"])
def test_a_module_beside_a_package_of_its_name(tmp_path: Path, text: str) -> None:
    """`x.py` beside `x/__init__.py` (Python imports the package): both are checked."""
    (tmp_path / "x").mkdir()
    (tmp_path / "x.py").write_text(text)
    (tmp_path / "x" / "__init__.py").write_text(text)
    (tmp_path / "other.py").write_text(FINDING)
    config = Config()
    found = analyse([str(tmp_path)], config, config.load_packs()).diagnostics
    places = sorted((Path(d.path).relative_to(tmp_path).as_posix(), d.code) for d in found)
    drawn = [("x.py", "SDL101"), ("x/__init__.py", "SDL101")] if text == FINDING else []
    assert places == sorted([("other.py", "SDL101"), *drawn])
