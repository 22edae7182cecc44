"""`# noqa` and `# noqa: CODE,CODE` on the reported line, as flake8 reads them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Noqa:
    column: int  # 1-based, of the `#`
    codes: tuple[str, ...]  # upper case, as written (prefixes too); () for a bare `# noqa`

    def covers(self, code: str) -> bool:
        return not self.codes or any(names(c, code) for c in self.codes)


def names(named: str, code: str) -> bool:
    """Whether a code (or prefix) written in a `# noqa:` names `code`."""
    return code.upper().startswith(named.upper())


def find_noqa(line_text: str) -> Noqa | None:
    match = _NOQA.search(line_text)
    if match is None:
        return None
    codes = match.group("codes")
    named = tuple(c.upper() for c in _CODE.findall(codes)) if codes else ()
    return Noqa(match.start() + 1, named)


def suppressed(line_text: str, code: str) -> bool:
    noqa = find_noqa(line_text)
    return noqa is not None and noqa.covers(code)
