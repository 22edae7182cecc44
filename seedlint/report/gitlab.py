"""GitLab Code Quality: a JSON array of issues (description, check_name, fingerprint,
severity, location.path, location.lines.begin), as GitLab's merge-request widget reads it.
In a notebook, `begin` is the line in the code cell the description names."""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import MappingProxyType

from seedlint.checks import severity
from seedlint.integrations.baseline import fingerprints
from seedlint.report.diagnostics import Diagnostic

# GitLab's severities: info, minor, major, critical, blocker.
_SEVERITY = MappingProxyType({"error": "major", "warning": "minor"})


def render(diagnostics: Sequence[Diagnostic]) -> str:
    issues = [
        {
            "description": f"{d.title} {d.message}",
            "check_name": d.code,
            "fingerprint": fingerprint,
            "severity": _SEVERITY.get(severity(d.code), "minor"),
            "location": {"path": d.path, "lines": {"begin": d.line}},
        }
        for d, fingerprint in zip(diagnostics, fingerprints(diagnostics), strict=True)
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
