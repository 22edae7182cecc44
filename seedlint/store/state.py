"""What a run of a project leaves for the next run of it (seedlint.analysis.incremental):
every function's row of the summary table, the names each function calls, and what the
rows were computed from, kept in the cache as databases (seedlint.store.databases) and
copied with SQL, so that neither side handles the rows one value at a time.

A run after an edit changes a few rows of thousands: it keeps those as a delta beside the
full state (the base), which is written again only once the delta has grown. The delta
names the base it applies to (by checksum): one written for another base is left out,
and the base alone is then an earlier state, which costs only work.
"""

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
_ROWS = """
CREATE TABLE known (qualname TEXT PRIMARY KEY, body TEXT NOT NULL, params TEXT NOT NULL,
    returns INTEGER NOT NULL, targets BLOB NOT NULL, tested INTEGER NOT NULL,
    callees TEXT NOT NULL, summary BLOB, effects INTEGER NOT NULL);
CREATE TABLE callee (caller TEXT NOT NULL, callee TEXT NOT NULL);
"""
_SCHEMA = "CREATE TABLE made (interface TEXT NOT NULL, parsed TEXT NOT NULL);" + _ROWS
# The delta: rows that replace or add to the base's, and the functions gone since.
_DELTA = (
    "CREATE TABLE made (interface TEXT NOT NULL, parsed TEXT NOT NULL, base TEXT NOT NULL);"
    "CREATE TABLE gone (qualname TEXT PRIMARY KEY);" + _ROWS
)
_DELTA_ROWS = 256  # a delta of more rows (or of a twentieth of them) makes a new base


@dataclass(frozen=True, slots=True)
class ProjectState:
    """What a run leaves for the next one of the same project."""

    interface: str  # SymbolTable.interface() when its summaries were computed
    parsed: tuple[str, ...]  # the modules it parsed, quiet ones it woke included
    path: Path  # a copy of the database, with every function's row in its table `known`
    base: str  # the checksum of the base it was made from
    delta: Path | None  # a copy of the delta applied to that base, if there was one


@contextlib.contextmanager
def attached(db: sqlite3.Connection, path: Path, name: str = "earlier") -> Iterator[str]:
    """The database `path`, attached to `db` under the name given."""
    db.execute(f"ATTACH DATABASE ? AS {name}", (str(path),))
    try:
        yield name
    finally:
        db.commit()
        db.execute(f"DETACH DATABASE {name}")


def _entry(cache: Cache, key: str, delta: bool = False) -> Path:
    # (framed: not a database as it lies)
    return cache.file(_KIND, f"{key}-delta.blob" if delta else f"{key}.blob")


def keep_state(
    cache: Cache,
    key: str,
    facts: SummaryTable,
    interface: str,
    parsed: Iterable[str],
    scratch: Path,
    earlier: ProjectState | None = None,
) -> None:
    """Keep the rows of `facts` (and what they were computed from) under `key`: as a
    delta to the base `earlier` came from, while it stays small; `scratch`: a folder of
    the run's own, for the files while they are written."""
    made = (interface, "\n".join(parsed))
    with contextlib.suppress(OSError, sqlite3.Error, CodecError):
        if earlier is None or not _keep_delta(cache, key, facts, made, scratch, earlier):
            _keep_base(cache, key, facts, made, scratch)


def _keep_base(
    cache: Cache, key: str, facts: SummaryTable, made: tuple[str, str], scratch: Path
) -> None:
    path = _new(scratch / f"kept-{key}.sqlite", _SCHEMA, "INSERT INTO made VALUES (?, ?)", made)
    db = facts.db
    with attached(db, path, "kept"):
        db.executescript("PRAGMA kept.journal_mode = OFF; PRAGMA kept.synchronous = OFF;")
        db.execute(f"INSERT INTO kept.known ({_COLUMNS}) SELECT {_COLUMNS} FROM {facts.fact}")
        db.execute(
            f"INSERT INTO kept.callee SELECT f.qualname, c.callee FROM {facts.call} c"
            f" JOIN {facts.fact} f ON f.id = c.caller"
        )
    keep(cache, _entry(cache, key), path)
    _entry(cache, key, delta=True).unlink(missing_ok=True)  # (it was for the old base)
    path.unlink()


def _keep_delta(
    cache: Cache,
    key: str,
    facts: SummaryTable,
    made: tuple[str, str],
    scratch: Path,
    earlier: ProjectState,
) -> bool:
    """Keep the rows that differ from the base as a delta; False if there are too many."""
    if earlier.delta is not None:
        path = earlier.delta
        with contextlib.closing(sqlite3.connect(path)) as delta:
            delta.execute("UPDATE made SET interface = ?, parsed = ?", made)
            delta.commit()
    else:
        insert = "INSERT INTO made VALUES (?, ?, ?)"
        path = _new(scratch / f"delta-{key}.sqlite", _DELTA, insert, (*made, earlier.base))
    db, fact = facts.db, facts.fact
    same = " AND ".join(f"k.{c} IS f.{c}" for c in _COLUMNS.split(", "))
    with attached(db, earlier.path) as before, attached(db, path, "delta"):
        db.executescript(
            "PRAGMA delta.journal_mode = OFF; PRAGMA delta.synchronous = OFF;"
            "CREATE TEMP TABLE IF NOT EXISTS changed (qualname TEXT PRIMARY KEY);"
            "CREATE TEMP TABLE IF NOT EXISTS vanished (qualname TEXT PRIMARY KEY);"
            "DELETE FROM changed; DELETE FROM vanished;"
        )
        # (a row copied from the base and not summarised since is the base's row)
        db.execute(
            f"INSERT INTO changed SELECT f.qualname FROM {fact} f LEFT JOIN {before}.known k"
            f" ON k.qualname = f.qualname WHERE NOT f.copied AND (NOT ({same})"
            " OR k.qualname IS NULL)"
        )
        db.execute(
            f"INSERT INTO vanished SELECT qualname FROM {before}.known"
            f" EXCEPT SELECT qualname FROM {fact}"
        )
        for table, column in (("known", "qualname"), ("callee", "caller")):
            db.execute(
                f"DELETE FROM delta.{table} WHERE {column} IN"
                " (SELECT qualname FROM changed UNION SELECT qualname FROM vanished)"
            )
        db.execute("DELETE FROM delta.gone WHERE qualname IN (SELECT qualname FROM changed)")
        db.execute("INSERT OR IGNORE INTO delta.gone SELECT qualname FROM vanished")
        db.execute(
            f"INSERT INTO delta.known ({_COLUMNS}) SELECT {_COLUMNS} FROM {fact}"
            " WHERE qualname IN (SELECT qualname FROM changed)"
        )
        db.execute(
            f"INSERT INTO delta.callee SELECT f.qualname, c.callee FROM {facts.call} c"
            f" JOIN {fact} f ON f.id = c.caller WHERE f.qualname IN (SELECT qualname FROM changed)"
        )
        (rows,) = db.execute("SELECT count(*) FROM delta.known").fetchone()
        (total,) = db.execute(f"SELECT count(*) FROM {fact}").fetchone()
    if rows > max(_DELTA_ROWS, total // 20):
        return False
    keep(cache, _entry(cache, key, delta=True), path)
    return True


def _new(path: Path, schema: str, insert: str, values: tuple[str, ...]) -> Path:
    """A new scratch database at `path` of `schema`, its one `made` row inserted."""
    path.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(SCRATCH_PRAGMAS + schema)
        db.execute(insert, values)
        db.commit()
    return path


def load_state(cache: Cache, key: str, scratch: Path) -> ProjectState | None:
    """The state kept under `key`, if there is one that reads back whole: the base with
    its delta applied, copied into `scratch`, to be `attached` to the symbol table."""
    path = scratch / f"state-{key}.sqlite"
    try:
        db, base = restore(cache, _entry(cache, key), path, _SCHEMA)
    except (OSError, CodecError, SpillError):
        path.unlink(missing_ok=True)
        return None
    try:
        (interface, parsed), *more = db.execute("SELECT interface, parsed FROM made")
        whole = not more and type(interface) is str and type(parsed) is str and _typed(db, "")
        delta = _apply_delta(db, cache, key, base, scratch) if whole else None
        if delta is not None:
            (interface, parsed), *more = db.execute("SELECT interface, parsed FROM made")
    except (sqlite3.Error, ValueError, OSError):
        whole = False
    finally:
        db.close()
    if not whole:
        path.unlink(missing_ok=True)
        return None
    return ProjectState(interface, tuple(parsed.split("\n")) if parsed else (), path, base, delta)


def _apply_delta(
    db: sqlite3.Connection, cache: Cache, key: str, base: str, scratch: Path
) -> Path | None:
    """Apply the delta kept for this base to the copy of the base `db`; where its copy
    is (for the run to add to), or None if there is none for this base."""
    path = scratch / f"delta-{key}.sqlite"
    try:
        delta, _ = restore(cache, _entry(cache, key, delta=True), path, _DELTA)
    except (OSError, CodecError, SpillError):
        path.unlink(missing_ok=True)
        return None
    try:
        made = delta.execute("SELECT interface, parsed, base FROM made").fetchall()
        usable = (
            len(made) == 1
            and made[0][2] == base
            and all(type(v) is str for v in made[0])
            and _typed(delta, "")
            and not delta.execute("SELECT 1 FROM gone WHERE typeof(qualname) != 'text'").fetchone()
        )
    finally:
        delta.close()
    if not usable:
        path.unlink(missing_ok=True)
        return None
    with attached(db, path, "delta"):
        replaced = "SELECT qualname FROM delta.known UNION SELECT qualname FROM delta.gone"
        db.execute(f"DELETE FROM known WHERE qualname IN ({replaced})")
        db.execute(f"DELETE FROM callee WHERE caller IN ({replaced})")
        db.execute(f"INSERT INTO known ({_COLUMNS}) SELECT {_COLUMNS} FROM delta.known")
        db.execute("INSERT INTO callee SELECT caller, callee FROM delta.callee")
        db.execute(
            "UPDATE made SET (interface, parsed) = (SELECT interface, parsed FROM delta.made)"
        )
    return path


def _typed(db: sqlite3.Connection, schema: str) -> bool:
    """Whether every row holds the types it was written with: SQLite keeps whatever a
    file holds in any column, and a damaged entry must not reach the analysis with a
    number where a digest belongs."""
    (wrong,) = db.execute(
        f"SELECT (SELECT count(*) FROM {schema}known WHERE NOT ({_TYPED})) + (SELECT count(*)"
        f" FROM {schema}callee WHERE typeof(caller) != 'text' OR typeof(callee) != 'text')"
    ).fetchone()
    return not wrong
