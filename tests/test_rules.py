"""Every check's VALID and INVALID examples, collected automatically (one rule at a time)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from seedlint.checks import ALL_CHECKS
from tests.conftest import expected_marks, lint_text

CASES = [
    pytest.param(check.code, kind, text, id=f"{check.code}-{kind}-{index}")
    for check in ALL_CHECKS
    for kind, samples in (("valid", check.VALID), ("invalid", check.INVALID))
    for index, text in enumerate(samples)
]


@pytest.mark.parametrize(("code", "kind", "text"), CASES)
def test_examples(tmp_path: Path, code: str, kind: str, text: str) -> None:
    found = {(d.line, d.code) for d in lint_text(tmp_path, text, select=(code,))}
    expected = expected_marks(textwrap.dedent(text)) if kind == "invalid" else set()
    if kind == "invalid":
        assert expected, "an INVALID example must mark the line it expects"
    assert found == expected


def test_every_check_is_documented() -> None:
    for check in ALL_CHECKS:
        doc = type(check).__doc__ or ""
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert heading in doc, f"{check.code} lacks {heading}"
        assert check.VALID and check.INVALID
