"""Baselines: record today's findings, then report only new ones.

A finding is identified by its file, function, rule and the call it flags (and its
rank among identical ones), not by its line, so inserting unrelated lines above it
keeps it matched.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from seedlint.parse.paths import real
from seedlint.report.diagnostics import Diagnostic

VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be read or is not a seedlint baseline."""


def _key(diagnostic: Diagnostic) -> str:
    path = Path(os.path.relpath(real(Path(diagnostic.path)), Path.cwd())).as_posix()
    return "\0".join((path, diagnostic.function, diagnostic.code, diagnostic.call))


def fingerprints(diagnostics: Sequence[Diagnostic]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for diagnostic in sorted(diagnostics):
        key = _key(diagnostic)
        rank = seen.get(key, 0)
        seen[key] = rank + 1
        out.append((diagnostic, hashlib.sha256(f"{key}\0{rank}".encode()).hexdigest()[:32]))
    by_identity = {id(d): f for d, f in out}
    return [by_identity[id(d)] for d in diagnostics]


def write_baseline(path: Path, diagnostics: Sequence[Diagnostic]) -> None:
    entries = [
        {"fingerprint": f, "path": d.path, "code": d.code, "function": d.function, "call": d.call}
        for d, f in zip(diagnostics, fingerprints(diagnostics), strict=True)
    ]
    document = {"seedlint_baseline": VERSION, "findings": entries}
    path.write_text(json.dumps(document, indent=2) + "\n")


def read_baseline(path: Path) -> set[str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"{path}: cannot read baseline: {error}") from error
    if not isinstance(document, dict) or document.get("seedlint_baseline") != VERSION:
        raise BaselineError(f"{path}: not a seedlint baseline (version {VERSION})")
    return {entry["fingerprint"] for entry in document.get("findings", [])}


def new_findings(diagnostics: Sequence[Diagnostic], known: set[str]) -> list[Diagnostic]:
    prints = fingerprints(diagnostics)
    return [d for d, f in zip(diagnostics, prints, strict=True) if f not in known]
