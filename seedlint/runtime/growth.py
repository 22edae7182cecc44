"""Growing a tiny model the attributes the checked code reads off it (in the child).

Each path of the plan (`vision_tower.proj`, `vision_tower.layers[0]`) is walked from the
model; what is missing is added: a container module on the way, a list of them for an
index, and a small linear layer at the end. What exists is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def grow(
    model: Any, paths: list[list[str | int]], container: Callable[[], Any], layer: Callable[[], Any]
) -> list[str]:
    """Add what `model` lacks of `paths`; the paths added, dotted."""
    added: list[str] = []
    for path in paths:
        here, grew = model, False
        for position, part in enumerate(path):
            last = position == len(path) - 1
            nxt = path[position + 1] if not last else None
            here, made = _step(here, part, nxt, last, container, layer)
            if here is None:
                break
            grew = grew or made
        if grew:
            added.append(_dotted(path))
    return added


def _step(
    here: Any,
    part: str | int,
    nxt: str | int | None,
    last: bool,
    container: Callable[[], Any],
    layer: Callable[[], Any],
) -> tuple[Any, bool]:
    """The object at `part` of `here`, made if missing (None if it cannot be)."""
    if isinstance(part, int):
        if not isinstance(here, list):
            return None, False
        made = len(here) <= part
        while len(here) <= part:
            here.append(layer() if last else container())
        return here[part], made
    try:
        return getattr(here, part), False
    except Exception:  # missing (a property may raise anything)
        pass
    value: Any = layer() if last else ([] if isinstance(nxt, int) else container())
    try:
        setattr(here, part, value)
    except Exception:
        return None, False
    return getattr(here, part, None), True


def _dotted(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
