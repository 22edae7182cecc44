"""The frameworks `seedlint confirm` runs the checked code with, behind one interface.

`Framework` is what the parent process knows of one (without importing it): the stream
it draws from, the modules it needs and how to install them. `Backend` is what the child
uses to run the code: seed and read the global generator, count the draws since a seed,
build the tiny models and read their parameters. Verdicts and output are the same code
for every framework.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

if TYPE_CHECKING:  # the parent process does not import numpy
    import numpy.typing as npt

    from seedlint.runtime.growth import Parts


@dataclass(frozen=True, slots=True)
class Framework:
    stream: str  # the random stream of the static analysis this framework's draws are
    modules: tuple[str, ...]  # what must be importable for confirm to run
    label: str  # for the notice and the report
    extra: str  # seedlint's optional dependency that installs `modules`
    kinds: tuple[str, ...]  # the tiny models it builds (`--model`)
    warm: tuple[str, ...]  # what the child imports while the parent plans

    @property
    def install_hint(self) -> str:
        return f"seedlint confirm needs {self.label}: pip install 'seedlint[{self.extra}]'"

    def missing(self) -> bool:
        return any(importlib.util.find_spec(name) is None for name in self.modules)


FRAMEWORKS = (
    Framework(
        "mlx",
        ("mlx", "mlx_lm"),
        "mlx and mlx-lm",
        "mlx",
        ("text", "vlm"),
        ("mlx.core", "mlx.nn", "mlx_lm.models.llama", "mlx_lm.tuner.utils"),
    ),
    Framework(
        "torch",
        ("torch", "transformers", "peft"),
        "torch, transformers and peft",
        "torch",
        ("text",),
        ("torch", "transformers", "peft"),
    ),
)


def framework(stream: str) -> Framework:
    found = next((f for f in FRAMEWORKS if f.stream == stream), None)
    if found is None:
        raise ValueError(f"no runtime backend for the {stream} stream")
    return found


def likely(source: str) -> list[str]:
    """What to import ahead for code that imports these frameworks: a guess from its
    import statements, made before the plan says which framework runs it."""
    imported = set(re.findall(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", source, re.MULTILINE))
    return [m for f in FRAMEWORKS if imported & set(f.modules) for m in f.warm]


def choose(streams: list[str]) -> str:
    """The first stream (of the findings, then of the draw sites) a backend runs; mlx by
    default, as before there was a choice."""
    return next((s for s in streams if any(f.stream == s for f in FRAMEWORKS)), "mlx")


Params: TypeAlias = "dict[str, npt.NDArray[Any]]"
# A run's parameters seen so far, by id: (the name first seen under, the object held so
# that its id is not reused during the run).
Seen: TypeAlias = dict[int, tuple[str, Any]]


class Backend(Protocol):
    def record_seeds(self, record: Callable[[int], None]) -> None:
        """Make the framework's seeding function report each seed to `record`."""

    def seed(self, value: int) -> None:
        """Seed the global generator (not reported to the recorder)."""

    def state(self) -> Hashable:
        """The global generator's state now; equal states compare equal."""

    def draws(self, seed: int, state: Hashable) -> int | None:
        """How many draws lead from `seed` to `state`, None if it is not on that chain."""

    def build(self, kind: str, param: str) -> Any:
        """What to pass as the model parameter `param`: a tiny model of `kind` built
        under a fixed seed (the same base weights in every run), or its configuration."""

    def parts(self) -> Parts:
        """Makers of the framework's modules, to grow a tiny model the attributes the
        checked code reads."""

    def snapshot(self, model: Any, local_values: Mapping[str, Any], seen: Seen) -> Params:
        """The parameters of the model passed in (and of the models the function's locals
        hold), by name, as numpy arrays."""


def load(stream: str) -> Backend:
    """The backend for `stream`; imports its framework (in the child only)."""
    framework(stream)
    module = importlib.import_module(f"seedlint.runtime.backends.{stream}")
    backend: Backend = module.make()
    return backend
