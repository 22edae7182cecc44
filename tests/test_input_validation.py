"""Typos in rule codes, stream names and dotted names are usage errors (exit 2, one line
naming the value and where it came from), never a silently smaller check."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedlint.checks import ALL_RULES
from tests.conftest import FINDING
from tests.test_cli import seedlint


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--select", "XYZ9"), "--select: unknown rule code or prefix 'XYZ9'"),
        (("--select", "SDL1,SDL8"), "--select: unknown rule code or prefix 'SDL8'"),
        (("--ignore", "SDL777"), "--ignore: unknown rule code or prefix 'SDL777'"),
    ],
)
def test_unknown_codes_on_the_command_line(
    tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    (tmp_path / "real.py").write_text(FINDING)
    result = seedlint("--no-cache", *args, str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"seedlint: {named} (rules: {', '.join(r.code for r in ALL_RULES)})"
    ]


def test_known_codes_and_prefixes_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(FINDING)
    assert seedlint("--no-cache", "--select", "sdl1", str(tmp_path)).returncode == 1
    assert (
        seedlint("--no-cache", "--select", "SDL", "--ignore", "SDL0", str(tmp_path)).returncode == 1
    )
    assert seedlint("--no-cache", "--select", "SDL001", str(tmp_path)).returncode == 0


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('select = ["SDL1", "SDX"]', "[tool.seedlint] 'select': unknown rule code or prefix 'SDX'"),
        ('ignore = "XYZ9"', "[tool.seedlint] 'ignore': unknown rule code or prefix 'XYZ9'"),
        (
            'per-file-ignores = { "tests/*" = ["SDL2", "SDL77"] }',
            "[tool.seedlint] 'per-file-ignores'.'tests/*': unknown rule code or prefix 'SDL77'",
        ),
        (
            '[[tool.seedlint.seed]]\ncall = "pkg.seed_all"\nstreams = ["mlxx"]',
            "[tool.seedlint]: [[seed]] entry 1: unknown stream 'mlxx'",
        ),
        (
            '[[tool.seedlint.consume]]\ncall = "1bad name!"\nstreams = ["mlx"]',
            "[tool.seedlint]: [[consume]] entry 1: 'call' '1bad name!' is not a valid name",
        ),
        (
            '[[tool.seedlint.pure]]\ncall = ["pkg.io.*", "pkg..x"]',
            "[tool.seedlint]: [[pure]] entry 1: 'call' 'pkg..x' is not a valid name",
        ),
        (
            '[[tool.seedlint.consume]]\nattribute = "from base"\nstreams = ["mlx"]',
            "[tool.seedlint]: [[consume]] entry 1: 'attribute' 'from base' is not a valid name",
        ),
        (
            '[[tool.seedlint.empty]]\ncall = "pkg.on_meta"\nstreams = ["torch"]\nequals = "meta"',
            "[tool.seedlint]: [[empty]] entry 1: 'equals' needs 'value_arg' or 'value_kwarg'",
        ),
        (
            '[[tool.seedlint.advance]]\ncall = "pkg.make"\nstreams = ["torch"]\nequals = 1',
            "[tool.seedlint]: [[advance]] entry 1: 'equals' must be a string, boolean or integer,"
            " on [[empty]] or [[consume]] entries only",
        ),
        (
            '[[tool.seedlint.consume]]\ncall = "pkg.Loader"\nstreams = ["torch"]\non = "iter"',
            '[tool.seedlint]: [[consume]] entry 1: \'on\' must be "call", "result", "iteration"',
        ),
        (
            '[[tool.seedlint.consume]]\ncall = "pkg.Loader"\nstreams = ["torch"]\n'
            'otherwise = "advance"',
            "[tool.seedlint]: [[consume]] entry 1: 'otherwise' must be \"advance\", on"
            " [[consume]] entries with 'equals'",
        ),
        (
            '[[tool.seedlint.consume]]\ncall = "pkg.Loader"\nstreams = ["torch"]\n'
            'value_kwarg = "shuffle"\nequals = true\notherwise = "pure"',
            "[tool.seedlint]: [[consume]] entry 1: 'otherwise' must be \"advance\"",
        ),
        (
            '[[tool.seedlint.consume]]\ncall = "pkg.Pipe"\nstreams = ["torch"]\n'
            'returns_self = ["to"]',
            "[tool.seedlint]: [[consume]] entry 1: 'returns_self' needs on = \"result\" or"
            ' "iteration"',
        ),
        (
            '[[tool.seedlint.advance]]\ncall = "pkg.load"\nstreams = ["torch"]\nfills = -1',
            "[tool.seedlint]: [[advance]] entry 1: 'fills' must be a non-negative integer",
        ),
        (
            '[[tool.seedlint.pure]]\nstore = ["weight"]',
            "[tool.seedlint]: [[pure]] entry 1: 'store' belongs to [[load]] entries only",
        ),
        (
            '[[tool.seedlint.consume]]\ncall = "pkg.make"\nstreams = ["torch"]\nkey = true',
            "[tool.seedlint]: [[consume]] entry 1: 'key' must be true or false, on [[pure]]",
        ),
        (
            '[[tool.seedlint.consume]]\ncall = "pkg.make"\nstreams = ["torch"]\n'
            'when_keyword = "num labels"',
            "[tool.seedlint]: [[consume]] entry 1: 'when_keyword' must be a keyword name",
        ),
        (
            '[[tool.seedlint.consume]]\ncall = "pkg.make"\nstreams = ["torch"]\n'
            "value_arg = 0\nunless_equals = false",
            "[tool.seedlint]: [[consume]] entry 1: 'unless_equals' must be a string, boolean or"
            " integer, on [[seed]] entries only",
        ),
        (
            '[[tool.seedlint.seed]]\ncall = "pkg.seed_all"\nstreams = ["torch"]\n'
            "unless_equals = false",
            "[tool.seedlint]: [[seed]] entry 1: 'unless_equals' needs 'value_arg' or 'value_kwarg'",
        ),
    ],
)
def test_invalid_configuration_values(tmp_path: Path, table: str, named: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.seedlint]\n{table}\n")
    (tmp_path / "real.py").write_text(FINDING)
    result = seedlint("--no-cache", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"seedlint: {tmp_path / 'pyproject.toml'}: {named}")


def test_valid_user_entries_still_work(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.seedlint]\n[[tool.seedlint.seed]]\ncall = "pkg.seed_all"\n'
        'streams = ["mlx", "numpy"]\n'
        '[[tool.seedlint.pure]]\ncall = "pkg.io.*"\n'
    )
    (tmp_path / "real.py").write_text(FINDING)
    assert seedlint("--no-cache", str(tmp_path)).returncode == 1
