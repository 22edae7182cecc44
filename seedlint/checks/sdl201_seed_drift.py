"""SDL201 seed-drift."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

from seedlint.checks.base import FunctionFacts, Question, Severity, draws_to_judge, say, seed_lines
from seedlint.report.diagnostics import Finding


class SeedDrift:
    """## What it does
    Flags a call that initialises weights or adapters from a global random stream
    (layer or LoRA construction, `nn.init`-style initialisers, a draw stored into an
    attribute such as `module.lora_a = mx.random.normal(...)`, or a helper that does
    one of these) when, on some seeded path, another call drew from the same stream
    between the last seed and this call. The message names the intervening draw and its
    line. Earlier iterations of the same call in a loop are not drift:
    `seed; for layer in layers: wrap(layer)` is one sequence, and neither is a plain
    sequence of draws after one seed (`seed(1); a = randint(); b = randint()`).

    ## Why is this bad?
    The seed no longer fixes what this call draws: the state has advanced by however
    many values the earlier draws took, which depends on the model's shape, the
    configuration and library versions. Two programs that seed with the same value
    produce different adapters, and reordering harmless-looking code changes results.

    ## Example
    ```python
    mx.random.seed(random_state)
    linear_to_lora_layers(model, 8, config)
    init_lora_weights(model)  # SDL201: draws after linear_to_lora_layers advanced the state
    ```

    ## Use instead
    Seed immediately before each consumer whose values must be reproducible, or use
    an explicit key (`key=mx.random.key(seed)`) for the extra draws.

    ## Options
    - `packs`: which calls initialise weights or adapters (`init = true`) and which draw.

    ## Known problems
    The analysis knows that something drew in between, not how much: a draw whose count
    is fixed by the configuration is drift all the same. `seedlint confirm` measures it.
    """

    code: ClassVar[str] = "SDL201"
    name: ClassVar[str] = "seed-drift"
    brief: ClassVar[str] = (
        "an initialiser (layer or LoRA construction, `nn.init`, a draw stored into an "
        "attribute) with another draw of the same stream between it and its seed"
    )
    default: ClassVar[bool] = True
    severity: ClassVar[Severity] = "warning"
    options: ClassVar[tuple[str, ...]] = ("packs",)
    turned_on_by: ClassVar[tuple[tuple[str, str], ...]] = ()
    confirms: ClassVar[Question | None] = "drift"
    messages: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "drift": "{callee} draws from the {stream} RNG after {drawn_by} at {drawn_at} "
            "drew from it{since}",
            "since": " since {seeds}",
        }
    )
    VALID: ClassVar[tuple[str, ...]] = (
        """
import mlx.core as mx
import mlx.nn as nn
def f(layers, seed):
    mx.random.seed(seed)
    for i in range(3):
        layers.append(nn.Linear(4, 4))
""",
        """
import mlx.core as mx
def f(seed):
    mx.random.seed(seed)
    a = mx.random.normal((2,))
    mx.random.seed(seed)
    b = mx.random.normal((2,))
""",
        """
import random
def f(items, seed):
    random.seed(seed)
    random.shuffle(items)
    return random.random()  # one reproducible sequence of draws
""",
    )
    INVALID: ClassVar[tuple[str, ...]] = (
        """
import mlx.core as mx
from mlx_lm.tuner.utils import linear_to_lora_layers
def f(model, seed):
    mx.random.seed(seed)
    linear_to_lora_layers(model, 4, {})
    model.lora_a = mx.random.normal((2,))  # SDL201
""",
        """
import mlx.core as mx
import mlx.nn as nn
def f(model, seed):
    mx.random.seed(seed)
    noise = mx.random.normal((2,))
    model.head = nn.Linear(4, 4)  # SDL201
""",
        """
import mlx.core as mx
def f(model, seed):
    mx.random.seed(seed)
    mask = mx.random.bernoulli(0.5, (4,))
    model.lora_a = mx.random.normal((4, 4))  # SDL201
""",
    )

    def run(self, facts: FunctionFacts) -> Iterator[Finding]:
        for _block, event, stream, current in draws_to_judge(facts):
            if not event.init:
                continue  # a plain sequence of draws after one seed is one stream
            others = [e for e in current.drift if e.call is not event.call]
            if not current.seeded or not others:
                continue
            first = min(others, key=lambda e: (facts.line_of(e.call), e.name))
            seeds = sorted({facts.line_of(e.call) for e in current.seeds})
            since = say(self, "since", seeds=seed_lines(seeds, facts.cells)) if seeds else ""
            yield Finding(
                event.call,
                self.code,
                say(
                    self,
                    "drift",
                    callee=facts.name(event),
                    stream=stream,
                    drawn_by=facts.name(first),
                    drawn_at=facts.cells.where(facts.line_of(first.call)),
                    since=since,
                ),
                stream,
                arguments=(
                    ("callee", event.name),
                    ("stream", stream),
                    ("drawn_by", first.name),
                    ("drawn_at", facts.cells.value(facts.line_of(first.call))),
                    ("seed_lines", tuple(facts.cells.value(n) for n in seeds)),
                ),
            )
