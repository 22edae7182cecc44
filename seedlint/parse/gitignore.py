"""`.gitignore` (and `.git/info/exclude`) as git reads them, for the folders seedlint walks.

Only inside a git work tree. Each entry met while walking is matched against the rules
of its folder and of every folder above it up to the work tree's root (the last
matching pattern decides, `!` re-includes); the folders above the walk's start are not
themselves tested, so a folder named on the command line is checked even if ignored."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class _Pattern:
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool


@dataclass(frozen=True, slots=True)
class Rules:
    """The patterns of one ignore file, matched against paths relative to `base`."""

    base: Path
    patterns: tuple[_Pattern, ...]

    def decision(self, path: Path, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included, None: no pattern matches."""
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return None
        found = None
        for pattern in self.patterns:
            if pattern.dir_only and not is_dir:
                continue
            if pattern.regex.fullmatch(relative):
                found = not pattern.negated
        return found


def rules_of(folder: Path) -> list[Rules]:
    """The ignore files that apply in `folder` itself (its .gitignore; for the work
    tree's root also .git/info/exclude), outermost first."""
    # A missing file (or a `.git` that is a file, in a linked work tree) reads as empty.
    out = []
    for file in (folder / ".git" / "info" / "exclude", folder / ".gitignore"):
        patterns = _read(file)
        if patterns:
            out.append(Rules(folder, patterns))
    return out


def enclosing_rules(start: Path) -> list[Rules] | None:
    """The rules of the folders from the work tree's root down to `start`'s parent, or
    None when `start` is not inside a git work tree (then nothing is ignored)."""
    folder = Path(os.path.abspath(start))
    chain = [folder, *folder.parents]
    for depth, candidate in enumerate(chain):
        if (candidate / ".git").exists():
            above = reversed(chain[1 : depth + 1])  # root … start's parent
            return [r for f in above for r in rules_of(f)]
    return None


def ignored(rules: list[Rules], path: Path, is_dir: bool) -> bool:
    decision = False
    for rule in rules:
        found = rule.decision(path, is_dir)
        if found is not None:
            decision = found
    return decision


def _read(file: Path) -> tuple[_Pattern, ...]:
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    return tuple(p for line in text.splitlines() if (p := _pattern(line)) is not None)


def _pattern(line: str) -> _Pattern | None:
    line = line.rstrip(" ")
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated or line.startswith("\\"):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    body = _translate(line.lstrip("/"))
    regex = body if anchored else f"(?:.*/)?{body}"
    return _Pattern(re.compile(regex), negated, dir_only)


def _translate(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and (end := glob.find("]", i + 2)) != -1:
            inner = glob[i + 1 : end]
            out.append("[" + ("^" + inner[1:] if inner.startswith("!") else inner) + "]")
            i = end + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)
