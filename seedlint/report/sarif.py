"""SARIF 2.1.0 as GitHub code scanning reads it."""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seedlint import __version__
from seedlint.baseline import fingerprints
from seedlint.checks import ALL_CHECKS
from seedlint.diagnostics import UNANALYSABLE, Diagnostic

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HOME = "https://pypi.org/project/seedlint/"


def _level(code: str) -> str:
    return "error" if code.startswith("SDL1") or code == UNANALYSABLE else "warning"


def _rules() -> list[dict[str, Any]]:
    rules = []
    for check in ALL_CHECKS:
        doc = inspect.cleandoc(type(check).__doc__ or "")
        what = doc.split("## Why is this bad?")[0].replace("## What it does", "").strip()
        rules.append(
            {
                "id": check.code,
                "name": check.name,
                "shortDescription": {"text": check.name.replace("-", " ")},
                "fullDescription": {"text": " ".join(what.split())},
                "help": {"text": doc, "markdown": doc},
                "defaultConfiguration": {"level": _level(check.code)},
            }
        )
    rules.append(
        {
            "id": UNANALYSABLE,
            "name": "unanalysable-file",
            "shortDescription": {"text": "unanalysable file"},
            "fullDescription": {"text": "A file that cannot be read, decoded or parsed."},
            "help": {"text": "Fix the file so that it reads and parses as Python."},
            "defaultConfiguration": {"level": "error"},
        }
    )
    return rules


def _uri(path: str) -> str:
    relative = os.path.relpath(Path(path).resolve(), Path.cwd())
    return Path(relative).as_posix()


def render(diagnostics: Sequence[Diagnostic]) -> str:
    prints = fingerprints(diagnostics)
    results = [
        {
            "ruleId": d.code,
            "level": _level(d.code),
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(d.path), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": d.line, "startColumn": d.column},
                    },
                }
            ],
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
