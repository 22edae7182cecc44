"""The MLX backend: the global key chain of `mx.random`, the tiny models of
`seedlint.runtime.models`, parameters through `tree_flatten`."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, cast

import mlx.core as mx
import numpy as np

from seedlint.runtime.backends import Params, Seen
from seedlint.runtime.growth import Parts

_MAX_CHAIN = 4096  # draws followed from a seed


class MlxBackend:
    def __init__(self) -> None:
        self._seed = mx.random.seed
        self._chains: dict[Hashable, dict[Hashable, int]] = {}

    def record_seeds(self, record: Callable[[int], None]) -> None:
        original = self._seed

        def recording_seed(value: Any) -> None:
            record(int(value))
            original(value)

        mx.random.seed = recording_seed  # type: ignore[assignment]  # record, then seed

    def seed(self, value: int) -> None:
        self._seed(value)

    # Each draw replaces the global key by split(key)[0].
    def state(self) -> Hashable:
        state: Any = mx.random.state
        return tuple(state[0].tolist())

    def draws(self, seed: int, state: Hashable) -> int | None:
        start = tuple(cast(list[int], mx.random.key(seed).tolist()))
        found = self._chains.get(start)
        if found is None:
            key = mx.array(list(start), dtype=mx.uint32)
            found = {start: 0}
            for index in range(1, _MAX_CHAIN):
                key = mx.random.split(key)[0]
                found[tuple(cast(list[int], key.tolist()))] = index
            self._chains[start] = found
        return found.get(state)

    def build(self, kind: str, param: str) -> Any:
        from seedlint.runtime.models import build

        return build(kind)

    def parts(self) -> Parts:
        import mlx.nn as nn

        # mlx modules hold lists and dicts of modules as children.
        return Parts(nn.Module, list, dict, lambda: nn.Linear(16, 16))

    def snapshot(self, model: Any, local_values: Mapping[str, Any], seen: Seen) -> Params:
        from mlx.utils import tree_flatten

        flat: list[tuple[str, Any]] = tree_flatten(model.parameters())
        return {name: np.array(value) for name, value in flat}


def make() -> MlxBackend:
    return MlxBackend()
