"""Growing a tiny model the attributes the checked code reads off it (in the child).

Each path of the plan (`vision_tower.proj`, `vision_tower.layers[0]`,
`adapters['default']`) is walked from the model; what is missing is added: a container
module on the way, the framework's list of modules for an index and its dict of modules
for a key (so that the framework's own walks, `named_modules()` and `parameters()`, see
what was grown), and a small linear layer at the end. What exists is left as it is.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Part = str | int  # an attribute, an index, or a key written `['name']` (see `key_of`)


@dataclass(frozen=True, slots=True)
class Parts:
    """Makers of what a grown path is made of, from the framework of the model."""

    container: Callable[[], Any]  # an empty module
    listing: Callable[[], Any]  # an empty list of modules
    mapping: Callable[[], Any]  # an empty dict of modules
    layer: Callable[[], Any]  # a small linear layer


def key_part(key: str) -> str:
    """The part of a path for `[key]`: not an identifier, so never an attribute name."""
    return f"[{key!r}]"


def key_of(part: Part) -> str | None:
    """The key a `['name']` part reads; None for an attribute or an index."""
    if isinstance(part, str) and part.startswith("[") and part.endswith("]"):
        value = ast.literal_eval(part[1:-1])
        return value if isinstance(value, str) else None
    return None


def grow(model: Any, paths: list[list[Part]], parts: Parts) -> list[str]:
    """Add what `model` lacks of `paths`; what was added, dotted, in the paths' order
    (each path up to the last part made for it). Longest first: a part that a longer
    path goes on from is made for it (a list before `[0]`), not as the layer a shorter
    path ends on."""
    grown: dict[int, str] = {}
    for number in sorted(range(len(paths)), key=lambda n: -len(paths[n])):
        path, here = paths[number], model
        for position, part in enumerate(path):
            nxt = path[position + 1] if position + 1 < len(path) else None
            here, made = _step(here, part, nxt, parts)
            if here is None:
                break
            if made:
                grown[number] = dotted(path[: position + 1])
    return list(dict.fromkeys(grown[n] for n in sorted(grown)))


def _made(nxt: Part | None, parts: Parts) -> Any:
    """What to put where the path goes on with `nxt` (ends, when None): a layer also
    where it goes on with what a layer has (`.weight`)."""
    if isinstance(nxt, int):
        return parts.listing()
    if nxt is not None and key_of(nxt) is not None:
        return parts.mapping()
    layer = parts.layer()
    return layer if nxt is None or hasattr(layer, nxt) else parts.container()


def _step(here: Any, part: Part, nxt: Part | None, parts: Parts) -> tuple[Any, bool]:
    """The object at `part` of `here`, made if missing (None if it cannot be)."""
    key = key_of(part)
    try:
        if isinstance(part, int):
            made = len(here) <= part
            while len(here) <= part:
                here.append(_made(nxt, parts))
            return here[part], made
        if key is not None:
            if key not in here:
                here[key] = _made(nxt, parts)
                return here[key], True
            return here[key], False
    except (TypeError, AttributeError, LookupError):  # not a list or dict of modules
        return None, False
    try:
        return getattr(here, part), False
    except Exception:  # missing (a property may raise anything)
        pass
    try:
        setattr(here, part, _made(nxt, parts))
    except Exception:
        return None, False
    return getattr(here, part, None), True


def dotted(path: list[Part]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif key_of(part) is not None:
            out += part
        else:
            out += f".{part}" if out else part
    return out
