"""SQLite databases kept in the cache as whole files: tables a later run reads back
with SQL instead of decoding a blob value by value (the symbol tables, a project's
state).

An entry is the database file's bytes framed as every blob is (`codec.frame`: magic,
version, checksum), so a damaged or planted file is refused before SQLite opens it; a
restored copy is opened only if it holds the expected tables and nothing else that
could run (no triggers or views, `trusted_schema` off).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from seedlint.store.cache import Cache, write_atomically
from seedlint.store.codec import checksum, frame_header, unframe
from seedlint.store.spill import SpillError

SCRATCH_PRAGMAS = (
    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE;"
    " PRAGMA trusted_schema = OFF;"
)


def check_schema(db: sqlite3.Connection, schema: str) -> None:
    """SpillError unless `db` holds the tables `schema` creates, and tables only beside
    them (no triggers or views: their statements would run in this process)."""
    expected = sqlite3.connect(":memory:")
    expected.executescript(schema)
    query = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    want = set(expected.execute(query))
    expected.close()
    try:
        found = set(db.execute(query))
    except sqlite3.DatabaseError as error:
        raise SpillError(f"damaged database: {error}") from error
    if not want <= found or any(kind != "table" for kind, _name, _sql in found - want):
        raise SpillError("a database of another shape")


def keep(cache: Cache, entry: Path, database: Path) -> None:
    """Store the closed database file `database` as the cache entry `entry`."""
    payload = database.read_bytes()
    write_atomically(entry, [frame_header(payload), payload])
    cache.wrote()


def unpack(cache: Cache, entry: Path, target: Path) -> str:
    """Copy the database kept as `entry` to `target`, checked against its checksum; that
    checksum. Raises FileNotFoundError if there is none, CodecError if it is damaged."""
    data = entry.read_bytes()
    target.write_bytes(unframe(data, cache.limit))
    cache.touch(entry)
    return checksum(data)


def restore(cache: Cache, entry: Path, target: Path, schema: str) -> tuple[sqlite3.Connection, str]:
    """The database kept as `entry`, copied to `target` and opened, and the checksum of
    what was read. Raises FileNotFoundError if there is none, CodecError or SpillError if
    it is damaged or of another shape (the caller recomputes)."""
    read = unpack(cache, entry, target)
    db = sqlite3.connect(target)
    try:
        db.executescript(SCRATCH_PRAGMAS)
        check_schema(db, schema)
    except (sqlite3.DatabaseError, SpillError) as error:
        db.close()
        raise SpillError(f"{entry}: {error}") from error
    return db, read
