"""The symbol tables of the last run over the same files, kept in the cache: a run after
an edit starts from copies of them and loads only the files whose text changed, instead
of every file's index (on unsloth-zoo, 250 of them: most of what a pre-commit run after
a one-line edit spent).

Kept by the files' paths in order (a file's position is its unit's order in the tables),
the prefilter's words and the cache folder (the spill files the units name live there).
Each saved table lists the cache key of the file each of its units came from: a unit
whose file has another key now, whose spill file is gone, or that another saved table
holds too (two runs saving at once) is dropped, and its file loaded as without the
tables. A run over other files or settings has its own entry.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from seedlint.store.cache import Cache
from seedlint.store.codec import CodecError
from seedlint.store.databases import SCRATCH_PRAGMAS, keep, unpack
from seedlint.store.spill import SpillError
from seedlint.store.symbols import SymbolTable

_KIND = "tables"
_FEW = 8  # units loaded again that do not make the tables worth saving again
_MANIFEST = """
CREATE TABLE resident_root (root TEXT NOT NULL);
CREATE TABLE resident_unit (ord INTEGER PRIMARY KEY, key TEXT NOT NULL);
"""


class ResidentTables:
    def __init__(self, cache: Cache, key: str) -> None:
        self.cache = cache
        self.key = key
        self.restored: dict[int, str] = {}  # the units restored: order -> key

    def _entry(self, number: int) -> Path:
        return self.cache.file(_KIND, f"{self.key}-{number}.blob")

    def restore(self, folder: Path, keys: Mapping[int, str]) -> dict[Path, SymbolTable]:
        """Copies of the saved tables in `folder`, by root folder, holding only the units
        whose file has the key `keys` gives its order (`restored` lists them)."""
        tables: dict[Path, SymbolTable] = {}
        if not self.cache.usable():
            return tables
        for number in range(1 << 16):
            entry = self._entry(number)
            target = folder / f"symbols-{len(tables)}.sqlite"
            try:
                unpack(self.cache, entry, target)
            except FileNotFoundError:
                break
            except (OSError, CodecError):
                target.unlink(missing_ok=True)
                continue  # damaged: its files are loaded instead
            try:
                found = self._restore_one(target, keys, set(tables))
            except (sqlite3.DatabaseError, SpillError, TypeError, ValueError):
                found = None
            if found is None:
                target.unlink(missing_ok=True)
            else:
                tables[found[0]] = found[1]
        return tables

    def _restore_one(
        self, target: Path, keys: Mapping[int, str], roots: set[Path]
    ) -> tuple[Path, SymbolTable] | None:
        table = SymbolTable(target, written=True)
        try:
            (root,) = table.db.execute("SELECT root FROM resident_root").fetchone()
            saved = dict(table.db.execute("SELECT ord, key FROM resident_unit"))
            table.db.executescript("DROP TABLE resident_root; DROP TABLE resident_unit;")
            if Path(root) in roots:  # (two runs saving at once)
                raise ValueError("a root folder twice")
            held = list(table.orders())
            stale = []
            for order, quiet in held:
                key = saved.get(order)
                if key is None or keys.get(order) != key or order in self.restored:
                    stale.append(order)
                elif quiet == self._still_cached(key):
                    # A module whose spill file is gone, or a quiet file parsed since (to
                    # wake it, say): a run without these tables loads it as a module.
                    stale.append(order)
                else:
                    self.restored[order] = key
            if len(stale) == len(held):
                raise ValueError("no unit still holds")
            table.drop(stale)
        except BaseException:
            table.close()
            raise
        return Path(root), table

    def _still_cached(self, key: str) -> bool:
        """Whether the cache holds the file's index and spill file (marked as used)."""
        return self.cache.has_used("index", f"{key}.blob") and self.cache.has_used("spill", key)

    def save(
        self, folder: Path, tables: Mapping[Path, SymbolTable], keys: Mapping[int, str]
    ) -> None:
        """Keep `tables` for the next run, units listed with the key `keys` gives them
        (one without a key is not kept as it is), unless they hold little more than was
        restored: a few files loaded again cost less than writing every table (the
        edited file is parsed again anyway). `folder`: the run's spill folder."""
        held = {order: keys.get(order) for table in tables.values() for order, _ in table.orders()}
        new = sum(1 for order, key in held.items() if self.restored.get(order) != key)
        if (self.restored and new <= max(_FEW, len(held) // 50)) or not self.cache.usable():
            return
        with contextlib.suppress(OSError, sqlite3.Error):
            for number, (root, table) in enumerate(tables.items()):
                copy = folder / f"resident-{number}.sqlite"
                try:
                    _write_copy(copy, root, table, keys)
                    keep(self.cache, self._entry(number), copy)
                finally:
                    copy.unlink(missing_ok=True)
            number = len(tables)
            while self._entry(number).is_file():  # from a run with more root folders
                self._entry(number).unlink()
                number += 1


def _write_copy(path: Path, root: Path, table: SymbolTable, keys: Mapping[int, str]) -> None:
    target = sqlite3.connect(path)
    try:
        target.executescript(SCRATCH_PRAGMAS)  # (a scratch copy, read back whole or not)
        table.copy_to(target)
        target.executescript(_MANIFEST)
        target.execute("INSERT INTO resident_root VALUES (?)", (str(root),))
        target.executemany(
            "INSERT INTO resident_unit VALUES (?, ?)",
            [(order, keys[order]) for order, _ in table.orders() if order in keys],
        )
        target.commit()
    finally:
        target.close()
