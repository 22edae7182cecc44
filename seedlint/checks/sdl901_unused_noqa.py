"""SDL901 unused-noqa."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

from seedlint.checks.base import Question, Severity, say
from seedlint.report.diagnostics import Diagnostic
from seedlint.report.noqa import find_noqa, names

_OURS = re.compile(r"SDL[0-9]*")


class UnusedNoqa:
    """## What it does
    Reports a `# noqa: SDL…` comment naming a seedlint code that suppresses nothing on
    its line: the finding it silenced is gone (the code was fixed, or moved to another
    line), so the comment would silently hide the next one. Like ruff's RUF100, it is off
    by default; select it to clean up. Codes of other tools in the same comment and a
    bare `# noqa` are left alone.

    ## Why is this bad?
    A stale suppression is a hole in the check: a new unseeded draw written on that line
    later is never reported.

    ## Example
    ```python
    mx.random.seed(seed)
    linear_to_lora_layers(model, 8, config)  # noqa: SDL101
    ```

    ## Use instead
    Remove the comment (or the code it names) when nothing is reported there:
    ```python
    import mlx.core as mx
    from mlx_lm.tuner.utils import linear_to_lora_layers


    def add_lora(model, config, seed):
        mx.random.seed(seed)
        linear_to_lora_layers(model, 8, config)
    ```

    ## Options
    - `select`: it runs only when selected (`--extend-select SDL901`).

    ## Known problems
    Only files that mention something a rule pack knows are read for comments: a
    `# noqa: SDL…` in a file that draws and seeds nothing at all is not reported.
    """

    code: ClassVar[str] = "SDL901"
    name: ClassVar[str] = "unused-noqa"
    brief: ClassVar[str] = "a `# noqa: SDL…` that suppresses nothing on its line"
    default: ClassVar[bool] = False
    severity: ClassVar[Severity] = "warning"
    options: ClassVar[tuple[str, ...]] = ("select",)
    turned_on_by: ClassVar[tuple[tuple[str, str], ...]] = ()
    confirms: ClassVar[Question | None] = None
    messages: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"unused": "unused `# noqa` for {noqa_code}: nothing it names is reported on this line"}
    )
    VALID: ClassVar[tuple[str, ...]] = (
        "import mlx.core as mx\ndef f(seed):\n    return mx.random.normal((2,))  # noqa: SDL101\n",
    )
    INVALID: ClassVar[tuple[str, ...]] = (
        "import mlx.core as mx\n"
        "def f(seed):\n"
        "    mx.random.seed(seed)\n"
        "    return mx.random.normal((2,))  # noqa: SDL101  # SDL901\n",
    )


def unused_noqa(
    path: str, line_count: int, line: Callable[[int], str], found_on: set[tuple[int, str]]
) -> Iterator[Diagnostic]:
    """SDL901 for each seedlint code in a `# noqa:` that covers no finding on its line;
    `found_on` holds the (line, code) of every finding, reported or suppressed."""
    for number in range(1, line_count + 1):
        noqa = find_noqa(line(number))
        if noqa is None:
            continue
        for named in noqa.codes:
            if not _OURS.fullmatch(named):
                continue
            if any(n == number and names(named, c) for n, c in found_on):
                continue
            message = say(UnusedNoqa, "unused", noqa_code=named)
            yield Diagnostic(
                path,
                number,
                noqa.column,
                UnusedNoqa.code,
                message,
                arguments=(("noqa_code", named),),
            )
