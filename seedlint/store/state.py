"""What a run of a project leaves for the next run of it (seedlint.analysis.incremental):
every function's row of the summary table and what the rows were computed from, kept in
the cache as a database (seedlint.store.databases) and copied there with SQL, so that
neither side handles the rows one value at a time."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from seedlint.store.cache import Cache
from seedlint.store.codec import CodecError
from seedlint.store.databases import SCRATCH_PRAGMAS, keep, restore
from seedlint.store.spill import SpillError
from seedlint.store.summary_table import SummaryTable

_KIND = "state"
_COLUMNS = "qualname, body, params, returns, targets, tested, callees, summary, effects"
_TYPED = " AND ".join(
    (
        "typeof(qualname) = 'text' AND typeof(body) = 'text' AND typeof(params) = 'text'",
        "typeof(returns) = 'integer' AND typeof(targets) = 'blob' AND typeof(tested) = 'integer'",
        "typeof(callees) = 'text' AND typeof(summary) IN ('blob', 'null')",
        "typeof(effects) = 'integer'",
    )
)
_SCHEMA = """
CREATE TABLE made (interface TEXT NOT NULL, parsed TEXT NOT NULL);
CREATE TABLE known (qualname TEXT PRIMARY KEY, body TEXT NOT NULL, params TEXT NOT NULL,
    returns INTEGER NOT NULL, targets BLOB NOT NULL, tested INTEGER NOT NULL,
    callees TEXT NOT NULL, summary BLOB, effects INTEGER NOT NULL);
CREATE TABLE callee (caller TEXT NOT NULL, callee TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class ProjectState:
    """What a run leaves for the next one of the same project."""

    interface: str  # SymbolTable.interface() when its summaries were computed
    parsed: tuple[str, ...]  # the modules it parsed, quiet ones it woke included
    path: Path  # a copy of the database, with every function's row in its table `known`


@contextlib.contextmanager
def attached(db: sqlite3.Connection, state: ProjectState) -> Iterator[str]:
    """The state's rows, attached to `db` under the name given."""
    db.execute("ATTACH DATABASE ? AS earlier", (str(state.path),))
    try:
        yield "earlier"
    finally:
        db.commit()
        db.execute("DETACH DATABASE earlier")


def _entry(cache: Cache, key: str) -> Path:
    return cache.file(_KIND, f"{key}.blob")  # (framed: not a database as it lies)


def keep_state(
    cache: Cache,
    key: str,
    facts: SummaryTable,
    interface: str,
    parsed: Iterable[str],
    scratch: Path,
) -> None:
    """Keep the rows of `facts` (and what they were computed from) under `key`;
    `scratch`: a folder of the run's own, for the file while it is written."""
    path = scratch / f"kept-{key}.sqlite"  # (not the copy `load_state` made to read)
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError, sqlite3.Error, CodecError):
        made = sqlite3.connect(path)
        try:
            made.executescript(SCRATCH_PRAGMAS + _SCHEMA)
            made.execute("INSERT INTO made VALUES (?, ?)", (interface, "\n".join(parsed)))
            made.commit()
        finally:
            made.close()
        facts.copy_rows(path, "known", _COLUMNS, "callee")
        keep(cache, _entry(cache, key), path)
    path.unlink(missing_ok=True)


def load_state(cache: Cache, key: str, scratch: Path) -> ProjectState | None:
    """The state kept under `key`, if there is one that reads back whole: copied into
    `scratch`, to be `attached` to the symbol table."""
    path = scratch / f"state-{key}.sqlite"
    try:
        db = restore(cache, _entry(cache, key), path, _SCHEMA)
    except (OSError, CodecError, SpillError):
        path.unlink(missing_ok=True)
        return None
    try:
        (interface, parsed), *more = db.execute("SELECT interface, parsed FROM made")
        # SQLite keeps whatever a file holds in any column: a damaged entry must not reach
        # the analysis with a number where a digest belongs.
        (wrong,) = db.execute(
            f"SELECT (SELECT count(*) FROM known WHERE NOT ({_TYPED})) + (SELECT count(*)"
            " FROM callee WHERE typeof(caller) != 'text' OR typeof(callee) != 'text')"
        ).fetchone()
        whole = not more and type(interface) is str and type(parsed) is str and not wrong
    except (sqlite3.Error, ValueError):
        whole = False
    finally:
        db.close()
    if not whole:
        path.unlink(missing_ok=True)
        return None
    return ProjectState(interface, tuple(parsed.split("\n")) if parsed else (), path)
