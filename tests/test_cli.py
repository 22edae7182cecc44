"""The command line as users run it: real subprocesses, exit codes, formats, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import FINDING, ROOT


def seedlint(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedlint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_bad_files_are_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    (tmp_path / "latin.py").write_bytes(b"x = '\xff\xfe'\n")
    (tmp_path / "real.py").write_text(FINDING)
    result = seedlint(str(tmp_path))
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert len(lines) == 3, result.stdout
    assert any(
        "broken.py" in line and "SDL001" in line and "syntax error" in line for line in lines
    )
    assert any("latin.py" in line and "SDL001" in line and "decode" in line for line in lines)
    assert any(line.startswith(f"{tmp_path / 'real.py'}:5:12: SDL101") for line in lines)


def test_missing_path_and_directory_named_like_a_file(tmp_path: Path) -> None:
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_text("y = 1\n")
    result = seedlint(str(tmp_path / "nope.py"), str(tmp_path / "x.py"))
    assert result.returncode == 1
    assert "nope.py:1:1: SDL001 no such file or directory" in result.stdout
    assert "Traceback" not in result.stderr


def test_json_contract(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(FINDING)
    result = seedlint("--format", "json", str(tmp_path))
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 1
    finding = data[0]
    for key, kind in (
        ("path", str),
        ("line", int),
        ("column", int),
        ("code", str),
        ("message", str),
    ):
        assert isinstance(finding[key], kind)
    assert (finding["line"], finding["column"], finding["code"]) == (5, 12, "SDL101")
    assert finding["path"].endswith("real.py")


def test_json_carries_the_messages_arguments() -> None:
    """Beside the text, the parts of each message as data: what a tool reads."""
    found = json.loads(seedlint("--format", "json", str(ROOT / "examples")).stdout)
    assert found
    for finding in found:
        arguments = finding["arguments"]
        assert f"`{arguments['callee'].split(' ')[0]}" in finding["message"]
        assert arguments["stream"] == finding["stream"]
        for line in arguments["seed_lines"]:
            assert f"line {line}" in finding["message"] or f"{line}," in finding["message"]
        if finding["code"] == "SDL101":
            assert arguments["condition"] in finding["message"]
        if finding["code"] == "SDL201":
            assert f"at line {arguments['drawn_at']}" in finding["message"]
    bad = seedlint("--format", "json", str(ROOT / "missing.py"))
    (unanalysable,) = json.loads(bad.stdout)
    assert unanalysable["arguments"] == {"reason": unanalysable["message"]}


def test_clean_exit_zero_and_output_sorted(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text(FINDING)
    (tmp_path / "a.py").write_text(FINDING)
    (tmp_path / "clean.py").write_text("x = 1\n")
    assert seedlint(str(tmp_path / "clean.py")).returncode == 0
    lines = seedlint(str(tmp_path)).stdout.splitlines()
    assert lines == sorted(lines) and len(lines) == 2


def test_noqa_select_ignore(tmp_path: Path) -> None:
    path = tmp_path / "real.py"
    path.write_text(FINDING.replace("((2,))", "((2,))  # noqa: SDL101"))
    assert seedlint(str(path)).returncode == 0
    path.write_text(FINDING)
    assert seedlint("--ignore", "SDL101", str(path)).returncode == 0
    assert seedlint("--select", "SDL2", str(path)).returncode == 0
    assert seedlint("--select", "SDL1", str(path)).returncode == 1


def test_configuration_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.seedlint]\nignore = ["SDL101"]\n')
    (tmp_path / "real.py").write_text(FINDING)
    assert seedlint(str(tmp_path)).returncode == 0
    (tmp_path / "pyproject.toml").write_text('[tool.seedlint]\nadjacency = "loose"\n')
    result = seedlint(str(tmp_path))
    assert result.returncode == 2
    assert "adjacency" in result.stderr and "Traceback" not in result.stderr


def test_seed_params_are_case_sensitive_globs() -> None:
    from seedlint.config import Config

    config = Config(seed_params=("seed", "*_seed", "rng?"))
    matches = {n: config.is_seed_param(n) for n in ("seed", "init_seed", "rng1", "seeds", "Seed")}
    assert matches == {"seed": True, "init_seed": True, "rng1": True, "seeds": False, "Seed": False}
    assert not Config(seed_params=()).is_seed_param("seed")


def test_user_defined_seeder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.seedlint]\n[[tool.seedlint.seed]]\ncall = "mylib.seed_all"\nstreams = ["mlx"]\n'
    )
    (tmp_path / "real.py").write_text(
        "import mlx.core as mx\nimport mylib\ndef f():\n    mylib.seed_all(0)\n"
        "    return mx.random.normal((2,))\n"
    )
    assert seedlint(str(tmp_path)).returncode == 0
    (tmp_path / "real.py").write_text(
        "import mlx.core as mx\nimport mylib\ndef f(flag):\n    if flag:\n"
        "        mylib.seed_all(0)\n    return mx.random.normal((2,))\n"
    )
    assert "SDL101" in seedlint(str(tmp_path)).stdout


def test_rule_docs() -> None:
    result = seedlint("rule", "SDL101")
    assert result.returncode == 0
    assert "## Why is this bad?" in result.stdout
    assert seedlint("rule", "SDL999").returncode == 2


def test_static_linter_never_imports_checked_code(tmp_path: Path) -> None:
    marker = tmp_path / "imported.txt"
    (tmp_path / "evil.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\nimport mlx.core as mx\n"
        "def f(seed):\n    return mx.random.normal((2,))\n"
    )
    result = seedlint(str(tmp_path))
    assert result.returncode == 1
    assert not marker.exists()


def test_seedlint_on_its_own_source_reports_nothing() -> None:
    result = seedlint(str(ROOT / "seedlint"), str(ROOT / "tests"))
    assert result.returncode == 0, result.stdout
