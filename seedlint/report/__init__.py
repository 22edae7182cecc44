"""Output formats, one module each."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from seedlint.diagnostics import Diagnostic
from seedlint.report import json_format, text

FORMATS: dict[str, Callable[[Sequence[Diagnostic]], str]] = {
    "text": text.render,
    "json": json_format.render,
}
