"""An instance for a method that needs one (in the child): its class built with the
tiny model for each parameter that names a model, defaults for the rest. A class that
cannot be built so is a reason to give, not a crash."""

from __future__ import annotations

import inspect
import types
from typing import Any


class NoInstance(Exception):
    """The method's class could not be built: the reason, for the report."""


def owner(module: types.ModuleType, qualname: str) -> type | None:
    """The class a `Class.method` qualname's method is defined in, when the method takes
    `self` (not a static or class method)."""
    parts = qualname.split(".")
    if len(parts) < 2:
        return None
    holder: Any = module
    for part in parts[:-1]:
        holder = getattr(holder, part, None)
    if not isinstance(holder, type):
        return None
    raw = inspect.getattr_static(holder, parts[-1], None)
    if isinstance(raw, (staticmethod, classmethod)) or not inspect.isfunction(raw):
        return None
    names = raw.__code__.co_varnames[: raw.__code__.co_argcount]
    return holder if names[:1] == ("self",) else None


def build(cls: type, model: Any) -> Any:
    """`cls(...)` with `model` for each parameter whose name says model, the defaults
    for the others; NoInstance when a parameter has neither or the constructor raises."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError) as error:
        raise NoInstance(f"cannot read the signature of {cls.__qualname__}: {error}") from error
    kwargs: dict[str, Any] = {}
    for name, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if "model" in name:
            kwargs[name] = model
        elif param.default is param.empty:
            raise NoInstance(
                f"cannot build {cls.__qualname__} for the method: its parameter "
                f"`{name}` has no default and names no model"
            )
    try:
        return cls(**kwargs)
    except Exception as error:
        raise NoInstance(
            f"cannot build {cls.__qualname__} for the method: {type(error).__name__}: {error}"
        ) from error
