"""Valid Python never crashes seedlint, and its JSON output stays valid (hypothesmith).

SEEDLINT_FUZZ_EXAMPLES raises the number of examples for a longer, nightly-style run.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from seedlint.config import Config
from seedlint.engine import analyse
from seedlint.report.json_format import render

EXAMPLES = int(os.environ.get("SEEDLINT_FUZZ_EXAMPLES", "2000"))
CONFIG = Config()
PACKS = CONFIG.load_packs()


# hypothesmith compiles what it generates; its SyntaxWarnings are not seedlint's.
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(hypothesmith.from_grammar())
def test_never_crashes(source: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.py"
        path.write_text(source, encoding="utf-8")
        result = analyse([folder], CONFIG, PACKS)
    data = json.loads(render(result.diagnostics))
    assert isinstance(data, list)
    for item in data:
        assert {"path", "line", "column", "code", "message"} <= set(item)
