"""Stand-ins for the parameters without a default that the code reads things off (in the
child): built from the paths the plan collected, an argparse-like namespace for
attributes, a dict for string keys, a list for an index, with each leaf set to what the
scenario gives its pseudo parameter (`args.fine_tune_type`), else 0 for a seed, else 1.
Every leaf read is recorded in order: when a run fails, the search changes what it read
last.
"""

from __future__ import annotations

import types
from typing import Any

from seedlint.runtime.growth import Part, key_of

_LEAF = 1  # a leaf nothing else is known of: a number, true, a size


def named(param: str, path: list[Part] | tuple[Part, ...]) -> str:
    """The pseudo parameter of a path read off `param`: `args.lora_parameters['rank']`."""
    out = param
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (part if key_of(part) else f".{part}")
    return out


def build(param: str, paths: list[list[Part]], values: dict[str, Any], reads: list[str]) -> Any:
    """The stand-in of `param`; `values` by pseudo parameter, `reads` appended to."""
    if param in values or not paths:
        return values.get(param)
    root = _container(paths[0][0], param, reads)
    for path in sorted(paths, key=len, reverse=True):
        here = root
        for position, part in enumerate(path):
            name = named(param, path[: position + 1])
            last = position == len(path) - 1
            here = _step(here, part, path[position + 1] if not last else None, name, values, reads)
            if here is None:
                break
    return root


def _container(part: Part, prefix: str, reads: list[str]) -> Any:
    """What holds `part`: a list for an index, a dict for a key, else a namespace."""
    if isinstance(part, int):
        return []
    return _recorded_dict(prefix, reads) if key_of(part) is not None else _namespace(prefix, reads)


def _step(
    here: Any, part: Part, nxt: Part | None, name: str, values: dict[str, Any], reads: list[str]
) -> Any:
    """The object at `part` of `here`, made if missing (None where it cannot be)."""
    made = values.get(name, _LEAF) if nxt is None else _container(nxt, name, reads)
    if name in values:
        made = values[name]  # the scenario sets this part as a whole
    if made == {} and isinstance(made, dict):
        made = _recorded_dict(name, reads, values)
    if isinstance(part, int):
        if not isinstance(here, list):
            return None
        while len(here) <= part:
            here.append(made)
        return here[part]
    key = key_of(part)
    if key is not None:
        if not isinstance(here, dict):
            return None
        return dict.setdefault(here, key, made)
    if not isinstance(here, types.SimpleNamespace):
        return None
    if part not in vars(here):
        setattr(here, part, made)
    return vars(here)[part]


def _namespace(prefix: str, reads: list[str]) -> types.SimpleNamespace:
    class Namespace(types.SimpleNamespace):
        def __getattribute__(self, attribute: str) -> Any:
            value = super().__getattribute__(attribute)
            if not attribute.startswith("__"):
                reads.append(f"{prefix}.{attribute}")
            return value

    return Namespace()


def _recorded_dict(
    prefix: str, reads: list[str], values: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A dict that records the keys read; with `values`, open: a missing key read is
    made then, its pseudo parameter's value or a leaf (a library reads what the plan
    could not see, `config["rank"]`)."""

    class Recorded(dict[str, Any]):
        def __getitem__(self, key: str) -> Any:
            reads.append(f"{prefix}[{key!r}]")
            return super().__getitem__(key)

        def get(self, key: str, default: Any = None) -> Any:
            if dict.__contains__(self, key):
                reads.append(f"{prefix}[{key!r}]")
            return super().get(key, default)

        def __missing__(self, key: str) -> Any:
            if values is None:
                raise KeyError(key)
            made = self[key] = values.get(f"{prefix}[{key!r}]", _LEAF)
            return made

        def __contains__(self, key: object) -> bool:
            # Open, every key asked for is there (`"scale" not in config` is false);
            # `.get(key, default)` still gives the default of one never made.
            if values is not None and isinstance(key, str) and not dict.__contains__(self, key):
                reads.append(f"{prefix}[{key!r}]")
                self[key] = values.get(f"{prefix}[{key!r}]", _LEAF)
            return dict.__contains__(self, key)

    return Recorded()
