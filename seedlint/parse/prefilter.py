"""Files that mention nothing a rule pack knows are not parsed.

Such a "quiet" file cannot draw or seed by itself. CPython's own parser still checks
it (so bad syntax is reported) and lists what it imports and calls through its imports.
It is parsed after all if it turns out to matter: it refers to project code that seeds
or draws, or code whose results depend on paths calls into it (one of its functions
might never return).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from seedlint.parse.imports import absolute_module, from_import_binding, import_binding
from seedlint.resolve.packs import Kind, Packs


@dataclass(frozen=True, slots=True)
class Vocabulary:
    pattern: re.Pattern[bytes]

    @staticmethod
    def of(packs: Packs) -> Vocabulary:
        return Vocabulary(_words_pattern(packs.words(Kind.SEED, Kind.CONSUME, Kind.ADVANCE)))

    def mentioned_in(self, data: bytes) -> bool:
        return self.pattern.search(data) is not None


def _words_pattern(words: Iterable[str]) -> re.Pattern[bytes]:
    # `*` in a word (from a pack's `*ForCausalLM`) stands for any identifier characters.
    # Longest first, then alphabetical: the same pattern in every process.
    alternatives = "|".join(
        re.escape(w).replace(r"\*", r"\w*")
        for w in sorted(set(words), key=lambda word: (-len(word), word))
    )
    return re.compile(rb"\b(?:" + alternatives.encode() + rb")\b")


@dataclass(frozen=True, slots=True)
class Quiet:
    name: str  # module name
    path: Path
    display: str
    references: frozenset[str]  # qualified names it imports or calls, from its imports


def references(tree: ast.Module, package: str) -> frozenset[str]:
    """Qualified names a file imports, and the dotted calls it makes through them."""
    bindings: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local, qualified = import_binding(alias.name, alias.asname)
                bindings[local] = qualified
        elif isinstance(node, ast.ImportFrom):
            base = absolute_module(node.module or "", node.level, package)
            for alias in node.names:
                if base is not None and alias.name != "*":
                    local, qualified = from_import_binding(base, alias.name, alias.asname)
                    bindings[local] = qualified
    out = set(bindings.values())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if dotted:
                head, _, rest = dotted.partition(".")
                if head in bindings:
                    out.add(bindings[head] + (f".{rest}" if rest else ""))
    return frozenset(out)


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
