"""The output formats by name, for `--format`: each a module of seedlint.report with a
`render(diagnostics) -> str`, imported when it is used (the command line names them
before it imports anything heavier)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from seedlint.report.diagnostics import Diagnostic

Render = Callable[[Sequence["Diagnostic"]], str]

_MODULES: Mapping[str, str] = MappingProxyType(
    {
        "text": "text",
        "json": "json_format",
        "sarif": "sarif",
        "github": "github",
        "gitlab": "gitlab",
        "junit": "junit",
    }
)
FORMAT_NAMES = tuple(_MODULES)


def renderer(name: str) -> Render:
    module = importlib.import_module(f"seedlint.report.{_MODULES[name]}")
    return cast("Render", module.render)
