"""What a run of a project leaves for the next run of it (seedlint.analysis.incremental):
every function's row of the summary table and what the rows were computed from, kept in
the cache as a database (seedlint.store.databases) and copied there with SQL, so that
neither side handles the rows one value at a time."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from seedlint.store.cache import Cache
from seedlint.store.codec import CodecError
from seedlint.store.databases import keep, restore
from seedlint.store.spill import SpillError
from seedlint.store.summary_table import Known, SummaryTable

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
"""


@dataclass(frozen=True, slots=True)
class ProjectState:
    """What a run leaves for the next one of the same project."""

    interface: str  # SymbolTable.interface() when its summaries were computed
    parsed: tuple[str, ...]  # the modules it parsed, quiet ones it woke included
    known: dict[str, Known]  # every function's row, by qualified name


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
    path = scratch / f"state-{key}.sqlite"
    with contextlib.suppress(OSError, sqlite3.Error, CodecError):
        made = sqlite3.connect(path)
        try:
            made.executescript(_SCHEMA)
            made.execute("INSERT INTO made VALUES (?, ?)", (interface, "\n".join(parsed)))
            made.commit()
        finally:
            made.close()
        facts.copy_rows(path, "known", _COLUMNS)
        keep(cache, _entry(cache, key), path)
    path.unlink(missing_ok=True)


def load_state(cache: Cache, key: str, scratch: Path) -> ProjectState | None:
    """The state kept under `key`, if there is one that reads back whole."""
    path = scratch / f"state-{key}.sqlite"
    try:
        db = restore(cache, _entry(cache, key), path, _SCHEMA)
    except (OSError, CodecError, SpillError):
        path.unlink(missing_ok=True)
        return None
    try:
        (interface, parsed), *more = db.execute("SELECT interface, parsed FROM made")
        if more or type(interface) is not str or type(parsed) is not str:
            return None
        # SQLite keeps whatever a file holds in any column: a damaged entry must not reach
        # the analysis with a number where a digest belongs.
        (wrong,) = db.execute(f"SELECT count(*) FROM known WHERE NOT ({_TYPED})").fetchone()
        if wrong:
            return None
        known = {}
        for row in db.execute(f"SELECT {_COLUMNS} FROM known"):
            name, body, params, returns, targets, tested, callees, summary, effects = row
            known[name] = Known(
                body, params, bool(returns), targets, bool(tested), callees, summary, bool(effects)
            )
    except (sqlite3.Error, ValueError):
        return None
    finally:
        db.close()
        path.unlink(missing_ok=True)
    return ProjectState(interface, tuple(parsed.split("\n")) if parsed else (), known)
