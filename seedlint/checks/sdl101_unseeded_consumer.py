"""SDL101 unseeded-rng-consumer."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

from seedlint.analysis.events import Event, EventKind
from seedlint.analysis.values import seed_value_args
from seedlint.analysis.witness import decisions, describe, unseeded_path
from seedlint.checks.base import FunctionFacts, Question, Severity, draws_to_judge, say, seed_lines
from seedlint.lower.ir import SOME_VALUE, CallSite
from seedlint.report.diagnostics import Finding


class UnseededConsumer:
    """## What it does
    Flags a call that draws from a global random stream (MLX, torch, numpy, `random`)
    when some path from the start of the function reaches it without passing a seed of
    that stream, in a function that takes responsibility for seeding: it seeds the
    stream somewhere, or has a seed-like parameter (`seed`, `random_state`, `*_seed`).
    Helpers are followed across the project, so a call to a function that builds LoRA
    layers is a draw even when the library call is two helpers down.

    Not flagged: a path on which the seed parameter is None or false (the caller chose
    not to seed, also through a helper such as `exists(seed)`), or a seed-like attribute
    the function tests is (`if args.seed is not None:`, a run configured without a seed);
    a layer whose weights are then loaded on every path that returns (`load_weights`,
    `load_state_dict`, `layer.weight = w`) or built empty (`with torch.device("meta"):`);
    and, in a function that makes its seed parameter an explicit key
    (`mx.random.key(seed)`), building a model, which is not what that seed is for (its
    plain draws still are).

    ## Why is this bad?
    On the unseeded path the draw depends on whatever state the generator happens to
    be in: adapter weights (`lora_a`), dropout masks or initial weights change from run
    to run although the caller passed a seed. Such a path is often a rarely used branch
    (a vision-only configuration, a fallback), so the tests that pin reproducibility
    never take it. The message names the conditions under which the path is taken.

    ## Example
    ```python
    def get_peft_model(model, random_state=3407, finetune_language_layers=True, train_vision=False):
        if finetune_language_layers:
            mx.random.seed(random_state)
            linear_to_lora_layers(model, 8, config)
        if train_vision:
            LoRALinear.from_base(model.vision_tower.proj)  # SDL101
    ```

    ## Use instead
    Seed on every path right before the draw (one seed before both branches would leave
    the vision adapters drawn after the language ones: SDL201):
    ```python
    import mlx.core as mx
    from mlx_lm.tuner.lora import LoRALinear
    from mlx_lm.tuner.utils import linear_to_lora_layers


    def get_peft_model(
        model, config, random_state=3407, finetune_language_layers=True, train_vision=False
    ):
        if finetune_language_layers:
            mx.random.seed(random_state)
            linear_to_lora_layers(model, 8, config)
        if train_vision:
            mx.random.seed(random_state)
            LoRALinear.from_base(model.vision_tower.proj)
    ```

    ## Options
    - `seed-params`: the parameter names that make a function responsible for seeding.
    - `packs`: which libraries' calls count as draws and seeds.

    ## Known problems
    Draws are found through project code and the rule packs: a third-party helper that
    draws and that no pack lists is not followed (declare it under
    `[[tool.seedlint.consume]]`). A shuffling `DataLoader` or a diffusers pipeline is seen
    to draw when it is iterated or called where the function's own locals show how it was
    built (`loader = DataLoader(data, shuffle=True)`, then `for batch in loader:`); one
    that comes as a parameter, an attribute or a helper's return value, or is iterated
    through a wrapper such as `tqdm(loader)`, is not.
    """

    code: ClassVar[str] = "SDL101"
    name: ClassVar[str] = "unseeded-rng-consumer"
    brief: ClassVar[str] = (
        "a draw reachable from the function's start along a path with no seed of its stream"
    )
    default: ClassVar[bool] = True
    severity: ClassVar[Severity] = "error"
    options: ClassVar[tuple[str, ...]] = ("seed-params", "packs")
    turned_on_by: ClassVar[tuple[tuple[str, str], ...]] = ()
    confirms: ClassVar[Question | None] = "unseeded"
    messages: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "never_seeded": "{callee} draws from the {stream} RNG but nothing seeds {stream} "
            "before it{hint}",
            "never_seeded_with_param": "{callee} draws from the {stream} RNG but nothing seeds "
            "{stream} before it although the function takes `{param}`{hint}",
            "seeded_after": "{callee} draws from the {stream} RNG before it is seeded: {seeds} "
            "{runs} only after it{hint}",
            "unseeded_when": "{callee} draws from the {stream} RNG with no seed before it when "
            "{condition}; {seeds} {runs} only on other paths",
            "unseeded_path": "{callee} draws from the {stream} RNG with no seed before it on the "
            "path that skips {seeds}; {seeds} {runs} only on other paths",
            "hint": "; if `{helper}` seeds it, declare it in pyproject.toml under "
            "[[tool.seedlint.seed]]",
        }
    )
    VALID: ClassVar[tuple[str, ...]] = (
        """
import mlx.core as mx
def f(seed):
    mx.random.seed(seed)
    return mx.random.normal((2,))
""",
        """
import mlx.core as mx
def f(flag, seed):
    if flag:
        mx.random.seed(seed)
    else:
        mx.random.seed(seed + 1)
    return mx.random.normal((2,))
""",
        """
import mlx.core as mx
def helper():
    return mx.random.normal((2,))  # takes no responsibility: judged at its callers
""",
        """
import mlx.core as mx
def f(seed):
    return mx.random.normal((2,), key=mx.random.key(seed))
""",
        """
import torch
import mlx.core as mx
def f():
    torch.manual_seed(0)
    return torch.randn(3)
""",
        """
import mlx.core as mx
def exists(value):
    return value is not None
def f(seed=None):
    if exists(seed):  # seed=None is the caller choosing not to seed
        mx.random.seed(seed)
    return mx.random.normal((2,))
""",
        """
import torch
def load(path, seed=0):
    with torch.device("meta"):  # built empty: nothing is drawn
        model = torch.nn.Linear(4, 4)
    model.load_state_dict(torch.load(path), assign=True)
    torch.manual_seed(seed)
    return model
""",
    )
    INVALID: ClassVar[tuple[str, ...]] = (
        """
import torch
def f(args):
    layer = torch.nn.Linear(2, 2)  # SDL101
    torch.manual_seed(args.seed)
    torch.manual_seed(args.seed + 1)  # re-seeding from configuration, not a test's
    return layer
""",
        """
import mlx.core as mx
def f(flag, seed):
    if flag:
        mx.random.seed(seed)
    return mx.random.normal((2,))  # SDL101
""",
        """
from mlx_lm.tuner.utils import linear_to_lora_layers
def f(model, seed):
    linear_to_lora_layers(model, 4, {})  # SDL101
""",
        """
import mlx.core as mx
import torch
def f(seed):
    torch.manual_seed(seed)
    return mx.random.uniform()  # SDL101
""",
        """
import mlx.nn as nn
import mlx.core as mx
def build():
    return nn.Linear(4, 4)
def run(model, ok):
    layer = build()  # SDL101
    mx.random.seed(0)
""",
    )

    def run(self, facts: FunctionFacts) -> Iterator[Finding]:
        seeds = _SeedEvents(facts)  # read once per function, not once per draw
        for block, event, stream, state in draws_to_judge(facts):
            # A helper's draw after its own seed runs only on the paths where it seeded.
            if event.after_seed or not state.unseeded:
                continue
            if event.init and stream in facts.keyed:
                continue  # a construction in a sampler keyed by its seed
            if not state.seeded and _reseeds(seeds[stream], facts):
                continue  # the seeds serve the draws after them, each its own
            path = unseeded_path(facts.flow, stream, block)
            found = decisions(facts.flow, stream, path) if path else []
            when = describe(found)
            lines = _seed_lines(facts, event, seeds[stream])
            yield Finding(
                event.call,
                self.code,
                self._message(facts, event, lines, state.seeded, when),
                stream,
                tuple((d.expression, d.value) for d in found),
                (
                    ("callee", event.name),
                    ("stream", stream),
                    ("seed_lines", tuple(facts.cells.value(n) for n in lines)),
                    ("condition", when),
                ),
            )

    @classmethod
    def _message(
        cls, facts: FunctionFacts, event: Event, seeds: list[int], seeded_elsewhere: bool, when: str
    ) -> str:
        # Every template takes what it names of these (str.format ignores the rest).
        fields = {
            "callee": facts.name(event),
            "stream": event.stream,
            "hint": _hint(facts),
            "param": facts.seed_params[0] if facts.seed_params else "",
            "seeds": seed_lines(seeds, facts.cells) if seeds else "",
            "runs": "runs" if len(seeds) == 1 else "run",
            "condition": when,
        }
        if not seeds:
            return say(
                cls, "never_seeded_with_param" if facts.seed_params else "never_seeded", **fields
            )
        if not seeded_elsewhere:
            return say(cls, "seeded_after", **fields)
        return say(cls, "unseeded_when" if when else "unseeded_path", **fields)


def _seed_lines(facts: FunctionFacts, event: Event, stream_seeds: list[Event]) -> list[int]:
    """The lines of the function's seeds of the stream, never the draw's own line."""
    return sorted(
        {
            facts.line_of(e.call)
            for e in stream_seeds
            if e.call is not event.call  # a helper that draws before its own seed
        }
        - {facts.line_of(event.call)}
    )


class _SeedEvents(dict[str, list[Event]]):
    """The function's seed events of each stream, collected when first asked for."""

    def __init__(self, facts: FunctionFacts) -> None:
        super().__init__()
        self.facts = facts

    def __missing__(self, stream: str) -> list[Event]:
        found = self[stream] = [
            e
            for events in self.facts.flow.events
            for e in events
            if e.stream == stream and e.kind in (EventKind.SEED, EventKind.MAYBE_SEED)
        ]
        return found


def _reseeds(stream_seeds: list[Event], facts: FunctionFacts) -> bool:
    """Whether the function seeds the stream at two or more places, each with a literal
    value (`mx.random.seed(0)`): it re-seeds before each computation it compares, as a
    test does, and a draw before the first seed is not theirs. Seeds from configuration
    (`set_seed(args.seed)`, a seeding constructor) are a program's: what runs before the
    first of them is unseeded."""
    calls = {id(e.call): e.call for e in stream_seeds}
    return len(calls) >= 2 and all(_literal_value(call, facts) for call in calls.values())


def _literal_value(call: CallSite, facts: FunctionFacts) -> bool:
    values = seed_value_args(call, facts.function.targets[id(call)].pack)
    return any(a.literal not in (None, SOME_VALUE) for a in values)


_SEEDER_LIKE = re.compile(r"seed", re.IGNORECASE)


def _hint(facts: FunctionFacts) -> str:
    """A call of unknown effect that looks like a seeder: say how to declare it."""
    for events in facts.flow.events:
        for e in events:
            if (
                e.kind is EventKind.OPAQUE
                and "(" not in e.name  # a method of something built here: not a helper
                and _SEEDER_LIKE.search(e.name.rpartition(".")[2])
            ):
                return say(UnseededConsumer, "hint", helper=e.name)
    return ""
