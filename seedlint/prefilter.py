"""Files that mention nothing a rule pack knows are not parsed.

Such a "quiet" file cannot draw or seed by itself. It is parsed after all if it turns
out to matter: it mentions a project helper that seeds or draws, or code whose results
depend on paths calls into it (one of its functions might never return).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from seedlint.packs import Kind, Packs
from seedlint.paths import real


@dataclass(frozen=True, slots=True)
class Vocabulary:
    pattern: re.Pattern[bytes]

    @staticmethod
    def of(packs: Packs) -> Vocabulary:
        return Vocabulary(_words_pattern(packs.words(Kind.SEED, Kind.CONSUME, Kind.ADVANCE)))

    def mentioned_in(self, data: bytes) -> bool:
        return self.pattern.search(data) is not None


def _words_pattern(words: Iterable[str]) -> re.Pattern[bytes]:
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rb"\b(?:" + alternatives.encode() + rb")\b")


@dataclass(frozen=True, slots=True)
class Quiet:
    name: str  # module name
    path: Path
    display: str

    def mentions(self, words: set[str], overrides: Mapping[Path, bytes]) -> bool:
        if not words:
            return False
        data = overrides.get(real(self.path))
        if data is None:
            try:
                data = self.path.read_bytes()
            except OSError:
                return False
        return _words_pattern(words).search(data) is not None
