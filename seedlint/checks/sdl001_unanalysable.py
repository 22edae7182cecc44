"""SDL001 unanalysable-file."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

from seedlint.checks.base import Question, Severity, say
from seedlint.report.diagnostics import UNANALYSABLE, Diagnostic


class Unanalysable:
    """## What it does
    Reports a file seedlint could not analyse, with the reason in one line: it cannot be
    read (missing, unreadable, larger than `max-file-size`), is not valid UTF-8 or not
    valid Python, is nested too deeply, or took longer than `file-timeout`. A notebook
    that is not nbformat 4 JSON is reported with the reason, and a syntax error in one
    of its code cells at that cell and line. The other files are analysed as usual. The
    engine reports it; it is not judged per function.

    ## Why is this bad?
    A file that is not analysed can hold exactly the unseeded draw the run should have
    found; a linter that skipped it silently would pass code it never read.

    ## Example
    ```python
    def build(model, seed:  # SDL001: a syntax error, the file is not analysed
        mx.random.seed(seed)
    ```

    ## Use instead
    Fix the file so that it reads and parses as Python, or exclude it (`exclude` in
    `[tool.seedlint]`) if it is not meant to be.

    ## Options
    - `max-file-size`: megabytes above which a file is not read.
    - `file-timeout`: seconds of processor time one file may take.

    ## Known problems
    A syntax error found by the tokenizer (an unmatched bracket) is reported at line 1.
    """

    code: ClassVar[str] = UNANALYSABLE
    name: ClassVar[str] = "unanalysable-file"
    brief: ClassVar[str] = "a file that cannot be read, decoded, parsed or analysed in time"
    default: ClassVar[bool] = True
    severity: ClassVar[Severity] = "error"
    options: ClassVar[tuple[str, ...]] = ("max-file-size", "file-timeout")
    turned_on_by: ClassVar[tuple[tuple[str, str], ...]] = ()
    confirms: ClassVar[Question | None] = None
    # The reason is the file reader's, parser's or supervisor's (seedlint.parse.sources).
    messages: ClassVar[Mapping[str, str]] = MappingProxyType({"unanalysable": "{reason}"})
    VALID: ClassVar[tuple[str, ...]] = ("x = 1\n",)
    INVALID: ClassVar[tuple[str, ...]] = ("x = 1\nreturn = 2  # SDL001\n",)


def unanalysable(
    path: str, reason: str, line: int = 1, column: int = 1, cell: int | None = None
) -> Diagnostic:
    """The diagnostic of a file that is not analysed, and why (engine, flake8 bridge);
    `cell` is the notebook's code cell that `line` counts in."""
    message = say(Unanalysable, "unanalysable", reason=reason)
    return Diagnostic(
        path, line, column, Unanalysable.code, message, arguments=(("reason", reason),), cell=cell
    )
