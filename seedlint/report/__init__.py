"""Output formats, one module each."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from seedlint.diagnostics import Diagnostic
from seedlint.report import github, json_format, sarif, text

FORMATS: dict[str, Callable[[Sequence[Diagnostic]], str]] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
}
