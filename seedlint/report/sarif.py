"""SARIF 2.1.0 as GitHub code scanning reads it. A finding in a notebook has the line in
its code cell as the region, `properties` `cell` and `lineInCell` on its location, and
its message starts with `cell 3, line 5: ` (viewers show no properties)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seedlint import __version__
from seedlint.checks import ALL_RULES, severity
from seedlint.integrations.baseline import fingerprints
from seedlint.report import rule_docs
from seedlint.report.diagnostics import Diagnostic

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HOME = "https://pypi.org/project/seedlint/"


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.name.replace("-", " ")},
            "fullDescription": {"text": rule_docs.summary(rule)},
            "help": {"text": rule_docs.text(rule), "markdown": rule_docs.text(rule)},
            "defaultConfiguration": {"level": rule.severity},
        }
        for rule in ALL_RULES
    ]


def _uri(path: str) -> str:
    relative = os.path.relpath(Path(path).resolve(), Path.cwd())
    return Path(relative).as_posix()


def _location(d: Diagnostic) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(d.path), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": d.line, "startColumn": d.column},
        },
    }
    if d.cell is not None:
        # SARIF has no notebook cells: the region is the line in the code cell, named here.
        location["properties"] = {"cell": d.cell, "lineInCell": d.line}
    return location


def render(diagnostics: Sequence[Diagnostic]) -> str:
    prints = fingerprints(diagnostics)
    results = [
        {
            "ruleId": d.code,
            "level": severity(d.code),
            "message": {"text": d.message if d.cell is None else f"{d.where}: {d.message}"},
            "locations": [_location(d)],
            "partialFingerprints": {"seedlint/v1": prints[index]},
        }
        for index, d in enumerate(diagnostics)
    ]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "seedlint",
                        "version": __version__,
                        "informationUri": HOME,
                        "rules": _rules(),
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
