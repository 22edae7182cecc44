"""The output formats by name, for `--format`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from seedlint.report import github, gitlab, json_format, junit, sarif, text
from seedlint.report.diagnostics import Diagnostic

FORMATS: Mapping[str, Callable[[Sequence[Diagnostic]], str]] = MappingProxyType(
    {
        "text": text.render,
        "json": json_format.render,
        "sarif": sarif.render,
        "github": github.render,
        "gitlab": gitlab.render,
        "junit": junit.render,
    }
)
