"""Jupyter notebooks as Python text: the code cells, in order, as one module.

In: a checked file's bytes. Out: the text the analysis reads (a `.py` file's bytes as they
are) and, for a notebook, the line of that text where each code cell starts (`Cells`), or
a one-line reason (SourceError) the notebook cannot be read.

A notebook is read as nbformat 4 JSON with the stdlib `json`: nothing is imported or
run. Code cells are numbered from 1 in the order they are in the file (markdown and raw
cells are not counted; empty and skipped code cells are). IPython syntax, which is not
Python, is blanked in place so that every line keeps its number: line magics (`%pip`),
shell lines (`!ls`, `files = !ls`), help (`?obj`, `obj??`), and the whole of a cell
under a cell magic (`%%bash`, `%%writefile`), except the magics that run the cell's
Python (`%%time`, `%%timeit`, `%%capture`, `%%prun`), whose first line alone is
blanked. A blanked line inside a block becomes `pass`, so the block stays valid. Each
code cell is checked by CPython's parser on its own, so that a syntax error names the
cell it is in.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from seedlint.parse.paths import parse_quietly
from seedlint.parse.sources import NOTEBOOK_SUFFIX, SourceError

# Cell magics whose body is Python run in the kernel (its RNG state is the notebook's).
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
_CELL_MAGIC = re.compile(r"%%(\w*)")
# At the start of a logical line: a line magic, a shell command (also assigned: `x = !ls`),
# a help request. None of them is valid Python.
_ESCAPED = re.compile(r"[ \t]*(?:[%!?]|[\w.]+[ \t]*=[ \t]*[%!]|[\w.*]+[ \t]*\?\??[ \t]*$)")
_INDENT = re.compile(r"[ \t]*")
_NEWLINE = re.compile(r"\r\n|\r|\n")  # as Python's tokenizer counts lines
_BRACKETS = MappingProxyType({"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1})


def is_notebook(path: Path) -> bool:
    return path.suffix == NOTEBOOK_SUFFIX


@dataclass(frozen=True, slots=True)
class Cells:
    """Where a notebook's code cells are in its text: `starts[i]` is the line (1-based)
    the code cell i + 1 begins at. Empty for a `.py` file, whose lines are its own."""

    starts: tuple[int, ...] = ()

    def locate(self, line: int) -> tuple[int | None, int]:
        """(code cell, line in that cell) of a line of the text; (None, line) in a
        `.py` file."""
        if not self.starts:
            return None, line
        index = max(bisect.bisect_right(self.starts, line) - 1, 0)
        return index + 1, line - self.starts[index] + 1

    def where(self, line: int) -> str:
        """A line of the text as a message names it: `line 5`, `cell 3, line 5`."""
        return where(*self.locate(line))

    def lines(self, lines: Sequence[int]) -> str:
        """Lines of the text as a message names them: `line 3`, `lines 3, 9`; in a
        notebook `cell 1, lines 3, 9; cell 2, line 1`."""
        by_cell: dict[int | None, list[int]] = {}
        for line in lines:
            cell, number = self.locate(line)
            by_cell.setdefault(cell, []).append(number)
        return "; ".join(_named(cell, numbers) for cell, numbers in by_cell.items())

    def value(self, line: int) -> int | str:
        """A line of the text as a message's argument (JSON): the number in a `.py`
        file, `cell 3, line 5` in a notebook."""
        return self.where(line) if self.starts else line


NO_CELLS = Cells()  # a `.py` file's: its lines are its own


def where(cell: int | None, line: int) -> str:
    """`line 5`, or `cell 3, line 5` for a line of a notebook's code cell."""
    return _named(cell, [line])


def _named(cell: int | None, numbers: list[int]) -> str:
    text = f"line {numbers[0]}" if len(numbers) == 1 else f"lines {', '.join(map(str, numbers))}"
    return text if cell is None else f"cell {cell}, {text}"


@dataclass(frozen=True, slots=True)
class Module:
    """What the analysis reads of a file: its text as bytes, and where its cells are."""

    data: bytes
    cells: Cells = NO_CELLS


def as_module(path: Path, data: bytes) -> Module | SourceError:
    """The text the analysis reads for the file at `path` whose bytes are `data`."""
    if not is_notebook(path):
        return Module(data)
    return read_notebook(str(path), data)


def read_notebook(display: str, data: bytes) -> Module | SourceError:
    """A notebook's code cells as one module, or why it cannot be read (or parsed)."""
    sources = _code_cells(display, data)
    if isinstance(sources, SourceError):
        return sources
    lines: list[str] = []
    starts: list[int] = []
    for number, source in enumerate(sources, start=1):
        cell = _python_lines(source)
        error = _syntax_error(display, number, cell)
        if error is not None:
            return error
        starts.append(len(lines) + 1)
        lines += cell
    text = "".join(f"{line}\n" for line in lines)
    return Module(text.encode("utf-8", "surrogatepass"), Cells(tuple(starts)))


def _code_cells(display: str, data: bytes) -> list[str] | SourceError:
    """The source of each code cell (all blank in a notebook of another language)."""
    try:
        document = json.loads(data)
    except UnicodeDecodeError as error:
        return SourceError(display, f"cannot decode: {error.reason} at byte {error.start}")
    except json.JSONDecodeError as error:
        reason = f"not a Jupyter notebook: invalid JSON: {error.msg}"
        return SourceError(display, reason, error.lineno, error.colno)
    except RecursionError:
        return SourceError(display, "not a Jupyter notebook: JSON nested too deeply")
    if not isinstance(document, dict):
        return SourceError(display, "not a Jupyter notebook: not a JSON object")
    version = document.get("nbformat", 4)
    if version != 4:
        return SourceError(display, f"nbformat {version} is not supported, only nbformat 4")
    if not isinstance(document.get("cells"), list):
        return SourceError(display, "not a Jupyter notebook: no list of cells")
    sources: list[str] = []
    for position, cell in enumerate(document["cells"], start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            return SourceError(display, f"not a Jupyter notebook: cell {position} has no type")
        if cell["cell_type"] != "code":
            continue
        source = _text(cell.get("source", ""))
        if source is None:
            reason = f"not a Jupyter notebook: code cell {len(sources) + 1} has no text source"
            return SourceError(display, reason)
        sources.append(source)
    if not _is_python(document.get("metadata")):
        return ["" for _ in sources]
    return sources


def _text(source: object) -> str | None:
    """nbformat's multi-line string: a string, or a list of strings to join."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    return None


def _is_python(metadata: object) -> bool:
    """Whether the notebook's language is Python (or not stated)."""
    if not isinstance(metadata, dict):
        return True
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        info = metadata.get(key)
        if isinstance(info, dict) and isinstance(info.get(field), str):
            return str(info[field]).lower() == "python"
    return True


def _python_lines(source: str) -> list[str]:
    """A code cell's lines with IPython syntax blanked (as many lines as it has)."""
    lines = _NEWLINE.split(source)
    if lines[-1] == "":
        lines.pop()  # the newline ends the last line; it starts none
    if not lines:
        return []
    magic = _CELL_MAGIC.match(lines[0])
    if magic is not None:
        if magic.group(1) not in _PYTHON_CELL_MAGICS:
            return ["" for _ in lines]
        return ["", *_blank_escapes(lines[1:])]
    return _blank_escapes(lines)


def _blank_escapes(lines: Iterable[str]) -> list[str]:
    """Lines with the IPython escapes that start a logical line blanked; a line inside
    brackets, a string or a continuation is Python and kept."""
    out = []
    scanner = _Scanner()
    escaped = False  # the previous line was an escape continued with a backslash
    for line in lines:
        if escaped or (scanner.at_statement() and _ESCAPED.match(line)):
            indent = _INDENT.match(line)
            assert indent is not None
            out.append("" if escaped or not indent.group() else f"{indent.group()}pass")
            escaped = line.endswith("\\")
            continue
        scanner.read(line)
        out.append(line)
    return out


class _Scanner:
    """How far Python's tokens run across lines: open brackets, a triple-quoted string,
    a backslash continuation. Only says whether the next line starts a statement."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None  # the triple quote of an open string
        self.continued = False

    def at_statement(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.continued

    def read(self, line: str) -> None:
        i, end = 0, len(line)
        self.continued = False
        while i < end:
            if self.quote is not None:
                close = _closing(line, i, self.quote)
                if close < 0:
                    return
                self.quote, i = None, close
                continue
            char = line[i]
            if char == "#":
                return
            if line.startswith(('"""', "'''"), i):
                self.quote, i = line[i : i + 3], i + 3
            elif char in "'\"":
                close = _closing(line, i + 1, char)
                i = end if close < 0 else close
            else:
                self.depth = max(self.depth + _BRACKETS.get(char, 0), 0)
                i += 1
        self.continued = line.endswith("\\")


def _closing(line: str, start: int, quote: str) -> int:
    """The index after `quote` closes a string opened before `start`, or -1."""
    i = start
    while i < len(line):
        if line[i] == "\\":
            i += 2
        elif line.startswith(quote, i):
            return i + len(quote)
        else:
            i += 1
    return -1


def _syntax_error(display: str, cell: int, lines: list[str]) -> SourceError | None:
    """The cell's syntax error, placed in the cell, or None (also when CPython's parser
    gives up for another reason: libcst decides then)."""
    try:
        parse_quietly("".join(f"{line}\n" for line in lines))
    except SyntaxError as error:
        reason = f"syntax error: {error.msg}"
        return SourceError(display, reason, error.lineno or 1, error.offset or 1, cell=cell)
    except (ValueError, RecursionError, MemoryError):
        return None
    return None
