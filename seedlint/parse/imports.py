"""Import statements → the local names they bind and the qualified names bound to them.

The one import resolver: the scopes (libcst) and the prefilter (CPython's ast) both hand
it the statement's parts."""

from __future__ import annotations


def absolute_module(module: str, level: int, package: str) -> str | None:
    """`from ..x import y` in `package`: the module it imports from (None if above the root)."""
    if not level:
        return module
    base = package.split(".") if package else []
    if level - 1 > len(base):
        return None
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base) or None


def import_binding(name: str, asname: str | None) -> tuple[str, str]:
    """`import a.b` binds `a` to `a`; `import a.b as c` binds `c` to `a.b`."""
    if asname:
        return asname, name
    head = name.split(".", 1)[0]
    return head, head


def from_import_binding(module: str, name: str, asname: str | None) -> tuple[str, str]:
    """`from module import name [as asname]` (module already absolute): local → qualified."""
    return asname or name, f"{module}.{name}"
