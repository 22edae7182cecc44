"""One JSON array; each finding has path, line, column, code and message (and more)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from seedlint.report.diagnostics import Diagnostic


def render(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
