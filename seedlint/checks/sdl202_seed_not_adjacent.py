"""SDL202 seed-not-adjacent."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

from seedlint.checks.base import FunctionFacts, Question, Severity, draws_to_judge, say
from seedlint.report.diagnostics import Finding


class SeedNotAdjacent:
    """## What it does
    With `adjacency = "strict"` (or `--adjacency strict`), flags a draw whose seed is
    separated from it by calls of unknown effect, even though no known draw lies
    between them. Off by default.

    ## Why is this bad?
    mlx-lm's convention is that the seed is the last thing before LoRA construction.
    A call seedlint cannot see into (a third-party helper, a callback) may draw from
    the stream in a later version and silently shift every adapter weight.

    ## Example
    ```python
    mx.random.seed(args.seed)
    prepare(model)  # unknown library call
    linear_to_lora_layers(model, 8, config)  # SDL202
    ```

    ## Use instead
    Move the seed to just before the draw:
    ```python
    prepare(model)
    mx.random.seed(args.seed)
    linear_to_lora_layers(model, 8, config)
    ```

    ## Options
    - `adjacency`: `"strict"` turns this rule on.
    - `packs`: calls the packs list as pure are not of unknown effect.

    ## Known problems
    Every call of unknown effect counts, including pure library calls that no pack lists:
    expect findings that need a `[[tool.seedlint.pure]]` entry to go away.
    """

    code: ClassVar[str] = "SDL202"
    name: ClassVar[str] = "seed-not-adjacent"
    brief: ClassVar[str] = "calls of unknown effect between seed and draw"
    default: ClassVar[bool] = False
    severity: ClassVar[Severity] = "warning"
    options: ClassVar[tuple[str, ...]] = ("adjacency", "packs")
    turned_on_by: ClassVar[tuple[tuple[str, str], ...]] = (("adjacency", "strict"),)
    confirms: ClassVar[Question | None] = "drift"
    messages: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "unknown_between": "{callee} is not adjacent to its seed: `{unknown}` at "
            "{unknown_at} has an unknown effect on the {stream} RNG",
        }
    )
    VALID: ClassVar[tuple[str, ...]] = (
        """
import mlx.core as mx
from mlx_lm.tuner.utils import linear_to_lora_layers
def f(model, seed):
    model.freeze()
    mx.random.seed(seed)
    linear_to_lora_layers(model, 4, {})
""",
    )
    INVALID: ClassVar[tuple[str, ...]] = (
        """
import mlx.core as mx
from somewhere import prepare
from mlx_lm.tuner.utils import linear_to_lora_layers
def f(model, seed):
    mx.random.seed(seed)
    prepare(model)
    linear_to_lora_layers(model, 4, {})  # SDL202
""",
    )

    def run(self, facts: FunctionFacts) -> Iterator[Finding]:
        for _block, event, stream, current in draws_to_judge(facts):
            drift = [e for e in current.drift if e.call is not event.call]
            unknown = [e for e in current.unknown if e.call is not event.call]
            if not current.seeded or drift or not unknown:
                continue
            first = min(unknown, key=lambda e: (facts.line_of(e.call), e.name))
            yield Finding(
                event.call,
                self.code,
                say(
                    self,
                    "unknown_between",
                    callee=facts.name(event),
                    unknown=first.name,
                    unknown_at=facts.cells.where(facts.line_of(first.call)),
                    stream=stream,
                ),
                stream,
                arguments=(
                    ("callee", event.name),
                    ("stream", stream),
                    ("unknown", first.name),
                    ("unknown_at", facts.cells.value(facts.line_of(first.call))),
                ),
            )
