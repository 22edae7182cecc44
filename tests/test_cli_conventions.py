"""The conventions ruff and flake8 users reach for, run as real subprocesses: stdin,
--exit-zero, --output-file, --statistics, --extend-select, the summary line, --help."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import FINDING, ROOT


def seedlint(
    *args: str, stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seedlint", "--no-cache", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_standard_input_is_checked_under_the_name_given(tmp_path: Path) -> None:
    plain = seedlint("-", stdin=FINDING, cwd=tmp_path)
    assert plain.returncode == 1 and plain.stdout.startswith("-:5:12: SDL101"), plain.stdout
    named = seedlint("-", "--stdin-filename", "src/train.py", stdin=FINDING, cwd=tmp_path)
    assert named.stdout.startswith("src/train.py:5:12: SDL101"), named.stdout
    clean = seedlint("-", stdin="x = 1\n", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout == ""


def test_exit_zero_and_output_file(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(FINDING)
    report = tmp_path / "report.json"
    result = seedlint("--exit-zero", "--format", "json", "-o", str(report), "m.py", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""
    assert '"code": "SDL101"' in report.read_text()


def test_statistics_count_each_rule(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(FINDING)
    (tmp_path / "n.py").write_text(FINDING)
    (tmp_path / "bad.py").write_text("def f(:\n")
    result = seedlint("--statistics", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "    2  SDL101  unseeded-rng-consumer",
        "    1  SDL001  unanalysable-file",
        "Found 3 findings.",
    ]


def test_extend_select_adds_a_rule_that_is_off_by_default() -> None:
    fixture = str(ROOT / "fixtures" / "rules" / "SDL202.py")
    assert "SDL202" not in seedlint(fixture).stdout
    extended = seedlint("--extend-select", "SDL202", fixture).stdout
    assert "SDL202" in extended
    assert "SDL202" not in seedlint("--select", "SDL101", fixture).stdout


def test_the_summary_line_is_printed_on_a_terminal_only(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(FINDING)
    piped = seedlint("m.py", cwd=tmp_path).stdout
    assert "Found" not in piped
    assert _on_terminal(tmp_path, "m.py").splitlines()[-1].strip() == "Found 1 finding."


def _on_terminal(cwd: Path, *args: str, **env: str) -> str:
    """What seedlint prints with a (pseudo-)terminal as its standard output."""
    primary, secondary = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "seedlint", "--no-cache", *args],
        stdout=secondary,
        cwd=cwd,
        env={**os.environ, **env},
    ) as process:
        os.close(secondary)
        output = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            output += chunk
        process.wait(timeout=120)
    os.close(primary)
    return output.decode()


def test_colour_on_a_terminal_unless_asked_otherwise(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(FINDING)
    escape = "\x1b["
    assert escape in _on_terminal(tmp_path, "m.py")
    assert escape not in _on_terminal(tmp_path, "m.py", NO_COLOR="1")
    assert escape not in _on_terminal(tmp_path, "--color", "never", "m.py")
    assert escape not in seedlint("m.py", cwd=tmp_path).stdout  # a pipe
    assert escape in seedlint("--color", "always", "m.py", cwd=tmp_path).stdout


def test_help_of_the_command_shows_every_option_of_a_check() -> None:
    text = seedlint("--help").stdout
    for option in (
        "--select",
        "--extend-select",
        "--exit-zero",
        "--output-file",
        "--statistics",
        "--stdin-filename",
        "--format",
        "--context",
        "--baseline",
    ):
        assert option in text, option


def test_package_context_reports_paths_as_given() -> None:
    relative = seedlint("--context", "package", "fixtures/torch_lora/lora.py", cwd=ROOT).stdout
    assert relative.startswith("fixtures/torch_lora/lora.py:9:13: SDL101"), relative
    absolute = str(ROOT / "fixtures" / "torch_lora" / "lora.py")
    assert seedlint("--context", "package", absolute, cwd=ROOT).stdout.startswith(absolute)


def test_noqa_on_the_first_line_of_a_multi_line_call(tmp_path: Path) -> None:
    source = (
        "import mlx.core as mx\ndef f(seed):\n    return mx.random.normal(\n        (2,)\n    )\n"
    )
    (tmp_path / "m.py").write_text(source)
    assert seedlint("m.py", cwd=tmp_path).stdout.startswith("m.py:3:12: SDL101")
    (tmp_path / "m.py").write_text(source.replace("normal(\n", "normal(  # noqa: SDL101\n"))
    assert seedlint("m.py", cwd=tmp_path).returncode == 0


def test_the_readme_sample_is_what_the_command_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("$ seedlint examples/\n", 1)[1].split("```", 1)[0]
    assert sample.count("\n") >= 2
    assert seedlint("examples/", cwd=ROOT).stdout == sample


def test_show_files_lists_what_would_be_checked(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "notes.txt").write_text("")
    (tmp_path / "b.py").write_text(FINDING)
    result = seedlint("--show-files", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert sorted(result.stdout.split()) == ["b.py", "pkg/a.py"]


def test_junit_and_gitlab_formats(tmp_path: Path) -> None:
    from xml.etree import ElementTree

    (tmp_path / "m.py").write_text(FINDING)
    (tmp_path / "n.py").write_text(FINDING + FINDING.replace("def f(", "def g("))
    junit = ElementTree.fromstring(seedlint("--format", "junit", ".", cwd=tmp_path).stdout)
    suite = junit.find("testsuite")
    assert suite is not None and suite.get("failures") == "3" and suite.get("tests") == "2"
    cases = {c.get("name"): len(c.findall("failure")) for c in suite.findall("testcase")}
    assert cases == {"m.py": 1, "n.py": 2}
    clean = ElementTree.fromstring(seedlint("--format", "junit", "-", stdin="x = 1\n").stdout)
    assert clean.find("testsuite").get("failures") == "0"  # type: ignore[union-attr]

    issues = json.loads(seedlint("--format", "gitlab", ".", cwd=tmp_path).stdout)
    assert len(issues) == 3 and len({i["fingerprint"] for i in issues}) == 3
    for issue in issues:
        assert issue["check_name"] == "SDL101" and issue["severity"] in ("major", "minor")
        assert issue["location"]["path"] in ("m.py", "n.py")
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["description"].startswith("SDL101 ")


def test_a_progress_line_on_a_terminals_stderr_then_erased(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(FINDING)
    primary, secondary = pty.openpty()
    env = {**os.environ, "SEEDLINT_PROGRESS_AFTER": "0"}  # test hook: show it at once
    with subprocess.Popen(
        [sys.executable, "-m", "seedlint", "--no-cache", "m.py"],
        stdout=subprocess.PIPE,
        stderr=secondary,
        cwd=tmp_path,
        env=env,
    ) as process:
        os.close(secondary)
        stdout = process.stdout.read().decode() if process.stdout else ""
        process.wait(timeout=120)
        err = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
    os.close(primary)
    assert "seedlint: checking 1 file… 0 s" in err.decode()
    assert err.decode().endswith("\r\x1b[2K")
    assert stdout.startswith("m.py:5:12: SDL101")  # the report itself is untouched
    piped = seedlint("m.py", cwd=tmp_path)
    assert "checking" not in piped.stderr
