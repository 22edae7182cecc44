"""The symbol table: a project's module indexes on disk (SQLite), so that the main
process does not hold every module's names, classes and functions while it resolves
calls across the project; it asks this table instead.

Modules keep the order they were given in (`order`): a name defined twice denotes its
last definition, and definitions are listed in the order of their first, as a
dictionary filled module by module would have them.

Files, classes and functions are blobs of seedlint.store.codec, made in the workers (a
cached index brings its own): one that reads back damaged raises SpillError, and the
engine runs again without the cache.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from seedlint.lower.ir import ClassIR, FunctionIndex, ModuleFile, ModuleIndex
from seedlint.parse.bindings import Binding, BindingKind
from seedlint.parse.prefilter import Quiet
from seedlint.store.codec import CodecError, decode, encode
from seedlint.store.databases import SCRATCH_PRAGMAS, check_schema
from seedlint.store.memo import BoundedMemo
from seedlint.store.namefilter import NameFilter
from seedlint.store.spill import SpillError

T = TypeVar("T")

_SLOTS = 1 << 20  # keys of a module's functions and classes: order * _SLOTS + position
_MEMO_LIMIT = 2048  # module files kept in memory
# Classes kept in memory: method lookups climb the same bases again and again, and a big
# project (transformers: 18,000 classes) would otherwise read most of them many times.
_CLASS_LIMIT = 1 << 15
# Decoded functions kept in memory, by row key: each pass over the project (definitions,
# call targets, checks) reads most of them again.
_FUNCTION_LIMIT = 1 << 16

_SCHEMA = """
CREATE TABLE module (
    ord INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, path TEXT NOT NULL, file BLOB NOT NULL,
    interface TEXT NOT NULL
);
CREATE TABLE binding (
    module TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, target TEXT,
    PRIMARY KEY (module, name)
) WITHOUT ROWID;
CREATE TABLE class (key INTEGER PRIMARY KEY, qualname TEXT NOT NULL, info BLOB NOT NULL);
CREATE INDEX class_name ON class (qualname);
CREATE TABLE function (
    key INTEGER PRIMARY KEY, qualname TEXT NOT NULL, info BLOB NOT NULL, body TEXT NOT NULL
);
CREATE INDEX function_name ON function (qualname);
CREATE TABLE quiet (ord INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, unit BLOB NOT NULL);
"""


def load(data: bytes, expected: type[T]) -> T:
    """A value stored in the analysis database; SpillError if it is damaged."""
    try:
        return decode(data, expected)
    except CodecError as error:
        raise SpillError(f"damaged analysis data: {error}") from error


class SymbolTable:
    def __init__(self, path: Path, written: bool = False) -> None:
        """A new, empty table at `path`; or, `written`, the one `copy_to` wrote there
        (SpillError if it is not of this schema)."""
        self.path = path
        self.db = sqlite3.connect(path)
        # A scratch database, deleted with the run: no journal, no syncing.
        self.db.executescript(SCRATCH_PRAGMAS)
        if written:
            check_schema(self.db, _SCHEMA)
        else:
            self.db.executescript(_SCHEMA)
        self._files: BoundedMemo[int, ModuleFile] = BoundedMemo(_MEMO_LIMIT)
        self._classes: BoundedMemo[str, ClassIR | None] = BoundedMemo(_CLASS_LIMIT)
        self._functions: BoundedMemo[int, FunctionIndex] = BoundedMemo(_FUNCTION_LIMIT)
        self._quiet_answers: BoundedMemo[str, bool] = BoundedMemo(_MEMO_LIMIT)
        self.first = -1  # the smallest order added, to list projects in input order
        # The names in each table, so that most "is there one?" questions need no query.
        self._names = {table: NameFilter() for table in ("module", "quiet", "class", "function")}
        if written:
            self._fill_filters()

    def close(self) -> None:
        self.db.close()

    # --- filling ----------------------------------------------------------------
    def add(self, unit: ModuleIndex | Quiet, order: int) -> None:
        """Add a module (or a file the prefilter left unparsed) given `order`-th."""
        if self.first < 0 or order < self.first:
            self.first = order
        if isinstance(unit, Quiet):
            self._names["quiet"].add(unit.name)
            self._quiet_answers.clear()
            self.db.execute("INSERT INTO quiet VALUES (?, ?, ?)", (order, unit.name, encode(unit)))
            return
        db = self.db
        self._classes.clear()  # a class defined again is now its last definition
        db.execute(
            "INSERT INTO module VALUES (?, ?, ?, ?, ?)",
            (order, unit.name, str(unit.file.path), encode(unit.file), unit.interface),
        )
        db.executemany(
            "INSERT INTO binding VALUES (?, ?, ?, ?)",
            [(unit.name, *row) for row in unit.bindings],
        )
        self._names["module"].add(unit.name)
        for name, _ in unit.classes:
            self._names["class"].add(name)
        for name, _ in unit.functions:
            self._names["function"].add(name)
        base = order * _SLOTS
        db.executemany(
            "INSERT INTO class VALUES (?, ?, ?)",
            [(base + i, name, info) for i, (name, info) in enumerate(unit.classes)],
        )
        bodies = unit.bodies or ("",) * len(unit.functions)
        db.executemany(
            "INSERT INTO function VALUES (?, ?, ?, ?)",
            [
                (base + i, name, info, body)
                for i, ((name, info), body) in enumerate(zip(unit.functions, bodies, strict=True))
            ],
        )

    def _fill_filters(self) -> None:
        for table, column in (
            ("module", "name"),
            ("quiet", "name"),
            ("class", "qualname"),
            ("function", "qualname"),
        ):
            add = self._names[table].add
            for (name,) in self.db.execute(f"SELECT {column} FROM {table}"):
                add(name)
        self._find_first()

    def _find_first(self) -> None:
        (first,) = self.db.execute(
            "SELECT min(ord) FROM (SELECT ord FROM module UNION ALL SELECT ord FROM quiet)"
        ).fetchone()
        self.first = -1 if first is None else int(first)

    def copy_to(self, target: sqlite3.Connection) -> None:
        """Write every table into `target` (an empty database), for a later run."""
        self.db.commit()
        self.db.backup(target)

    def orders(self) -> Iterator[tuple[int, bool]]:
        """The order of every unit held, and whether it is a quiet file."""
        for order, quiet in self.db.execute(
            "SELECT ord, 0 FROM module UNION ALL SELECT ord, 1 FROM quiet"
        ):
            yield int(order), bool(quiet)

    def drop(self, orders: Iterable[int]) -> None:
        """Forget the units given in these orders (their files changed). The name
        filters keep their names: a "perhaps" is then answered by a query."""
        dropped = [(order,) for order in orders]
        if not dropped:
            return
        db = self.db
        db.executemany(
            "DELETE FROM binding WHERE module = (SELECT name FROM module WHERE ord = ?)", dropped
        )
        for statement in ("DELETE FROM module WHERE ord = ?", "DELETE FROM quiet WHERE ord = ?"):
            db.executemany(statement, dropped)
        for table in ("class", "function"):
            db.executemany(
                f"DELETE FROM {table} WHERE key >= ? AND key < ?",
                [(order * _SLOTS, (order + 1) * _SLOTS) for (order,) in dropped],
            )
        self._files.clear()
        self._classes.clear()
        self._functions.clear()
        self._quiet_answers.clear()
        self._find_first()

    def next_order(self) -> int:
        found = self.db.execute(
            "SELECT max(coalesce((SELECT max(ord) FROM module), -1),"
            " coalesce((SELECT max(ord) FROM quiet), -1))"
        ).fetchone()
        return int(found[0]) + 1

    def merge(self, other: SymbolTable) -> None:
        """Append every unit of `other` (whose module names differ from these)."""
        offset = self.next_order()
        self._classes.clear()
        self._functions.clear()
        self._quiet_answers.clear()
        for table, names in self._names.items():
            names.update(other._names[table])
        self.db.commit()
        other.db.commit()
        self.db.execute("ATTACH DATABASE ? AS other", (str(other.path),))
        slots = offset * _SLOTS
        for statement, shift in (
            (
                "INSERT INTO module SELECT ord + ?, name, path, file, interface FROM other.module",
                offset,
            ),
            ("INSERT INTO quiet SELECT ord + ?, name, unit FROM other.quiet", offset),
            ("INSERT INTO class SELECT key + ?, qualname, info FROM other.class", slots),
            (
                "INSERT INTO function SELECT key + ?, qualname, info, body FROM other.function",
                slots,
            ),
        ):
            self.db.execute(statement, (shift,))
        self.db.execute("INSERT INTO binding SELECT * FROM other.binding")
        self.db.commit()
        self.db.execute("DETACH DATABASE other")

    def counts(self) -> tuple[int, int]:
        """How many modules were parsed, and how many quiet ones were not."""
        row = self.db.execute(
            "SELECT (SELECT count(*) FROM module), (SELECT count(*) FROM quiet)"
        ).fetchone()
        return int(row[0]), int(row[1])

    def wake(self, names: list[str]) -> None:
        """Forget these quiet files: they are about to be added as modules."""
        self.db.executemany("DELETE FROM quiet WHERE name = ?", [(n,) for n in names])
        self._quiet_answers.clear()

    # --- modules ------------------------------------------------------------------
    def names(self) -> set[str]:
        """Every module name, quiet or not."""
        rows = self.db.execute("SELECT name FROM module UNION ALL SELECT name FROM quiet")
        return {name for (name,) in rows}

    def module_names(self) -> list[str]:
        """The parsed modules, in order."""
        return [name for (name,) in self.db.execute("SELECT name FROM module ORDER BY ord")]

    def has_module(self, name: str) -> bool:
        if name not in self._names["module"]:
            return False
        found = self.db.execute("SELECT 1 FROM module WHERE name = ?", (name,)).fetchone()
        return found is not None

    def module(self, name: str) -> ModuleFile | None:
        if name not in self._names["module"]:
            return None
        found = self.db.execute("SELECT ord FROM module WHERE name = ?", (name,)).fetchone()
        return self._file(found[0]) if found else None

    def _file(self, order: int) -> ModuleFile:
        file = self._files.get(order)
        if file is None:
            (data,) = self.db.execute("SELECT file FROM module WHERE ord = ?", (order,)).fetchone()
            file = self._files.remember(order, load(data, ModuleFile))
        return file

    def modules(
        self, wanted: Callable[[Path], bool] = lambda path: True
    ) -> Iterator[tuple[ModuleFile, tuple[FunctionIndex, ...]]]:
        """Every module whose file's path `wanted` accepts, with its functions, one module
        in memory at a time (the others are not read)."""
        paths = self.db.execute("SELECT ord, path FROM module ORDER BY ord").fetchall()
        for order, path in paths:
            if not wanted(Path(path)):
                continue
            file = self._file(order)
            rows = self.db.execute(
                "SELECT key, info FROM function WHERE key >= ? AND key < ? ORDER BY key",
                (order * _SLOTS, (order + 1) * _SLOTS),
            )
            yield file, tuple(self._function(key, info) for key, info in rows)

    def binding(self, module: str, name: str) -> Binding | None:
        """The binding that decides `name` in the module scope of `module`."""
        found = self.db.execute(
            "SELECT kind, target FROM binding WHERE module = ? AND name = ?", (module, name)
        ).fetchone()
        return Binding(BindingKind(found[0]), found[1]) if found else None

    def is_quiet(self, name: str) -> bool:
        if name not in self._names["quiet"]:
            return False
        known = self._quiet_answers.get(name)
        if known is None:
            found = self.db.execute("SELECT 1 FROM quiet WHERE name = ?", (name,)).fetchone()
            known = self._quiet_answers.remember(name, found is not None)
        return known

    def quiet_units(self) -> Iterator[Quiet]:
        for (data,) in self.db.execute("SELECT unit FROM quiet ORDER BY ord"):
            yield load(data, Quiet)

    # --- definitions and classes ------------------------------------------------------
    def function(self, qualname: str) -> FunctionIndex | None:
        """The last definition of `qualname`."""
        found = self._last("function", qualname)
        return self._function(*found) if found else None

    def located(self, qualname: str) -> tuple[ModuleFile, FunctionIndex] | None:
        """The last definition of `qualname` and its module."""
        found = self._last("function", qualname)
        return (self._file(found[0] // _SLOTS), self._function(*found)) if found else None

    def has_function(self, qualname: str) -> bool:
        if qualname not in self._names["function"]:
            return False
        found = self.db.execute("SELECT 1 FROM function WHERE qualname = ?", (qualname,))
        return found.fetchone() is not None

    def has_class(self, qualname: str) -> bool:
        if qualname not in self._names["class"]:
            return False
        if qualname in self._classes:
            return self._classes[qualname] is not None
        found = self.db.execute("SELECT 1 FROM class WHERE qualname = ?", (qualname,))
        return found.fetchone() is not None

    def class_info(self, qualname: str) -> ClassIR | None:
        # Method lookups climb the same base classes again and again: keep some.
        if qualname in self._classes:
            return self._classes[qualname]
        found = self._last("class", qualname)
        info = load(found[1], ClassIR) if found else None
        return self._classes.remember(qualname, info)

    def _function(self, key: int, data: bytes) -> FunctionIndex:
        function = self._functions.get(key)
        if function is None:
            function = self._functions.remember(key, load(data, FunctionIndex))
        return function

    def _last(self, table: str, qualname: str) -> tuple[int, bytes] | None:
        if qualname not in self._names[table]:
            return None
        return self.db.execute(  # type: ignore[no-any-return]
            f"SELECT key, info FROM {table} WHERE qualname = ? ORDER BY key DESC LIMIT 1",
            (qualname,),
        ).fetchone()

    def definitions(self) -> Iterator[tuple[str, FunctionIndex]]:
        """Each defined name with its last definition, in the order of the first."""
        rows = self.db.execute(
            "SELECT f.qualname, f.key, f.info FROM"
            " (SELECT min(key) AS first, max(key) AS last FROM function GROUP BY qualname) d"
            " JOIN function f ON f.key = d.last ORDER BY d.first"
        )
        for qualname, key, info in rows:
            yield qualname, self._function(key, info)

    def definition_rows(self) -> Iterator[tuple[str, int, bytes, str]]:
        """`definitions` undecoded: name, row key, FunctionIndex blob, body digest."""
        return self.db.execute(
            "SELECT f.qualname, f.key, f.info, f.body FROM"
            " (SELECT min(key) AS first, max(key) AS last FROM function GROUP BY qualname) d"
            " JOIN function f ON f.key = d.last ORDER BY d.first"
        )

    def number_definitions(self, table: str) -> None:
        """Fill `table` (id, key) with the row key of each of `definition_rows`, numbered
        from 0 in their order."""
        self.db.execute(
            f"INSERT INTO {table} (id, key) SELECT row_number() OVER (ORDER BY d.first) - 1,"
            " d.last FROM (SELECT min(key) AS first, max(key) AS last FROM function"
            " GROUP BY qualname) d"
        )

    def decoded(self, key: int, info: bytes) -> FunctionIndex:
        """The FunctionIndex of a row `definition_rows` gave."""
        return self._function(key, info)

    def interface(self) -> str:
        """A digest of what resolving any call can read of the modules, and of which
        modules are left unparsed: equal digests, equal call targets for every function
        whose own body is unchanged. By name, not order: module names are distinct, so
        their order decides nothing (a run from scratch appends the files it wakes, a
        run from the cache has them in place)."""
        h = hashlib.sha256()
        for name, interface in self.db.execute("SELECT name, interface FROM module ORDER BY name"):
            h.update(f"m\0{name}\0{interface}\0".encode())
        for (name,) in self.db.execute("SELECT name FROM quiet ORDER BY name"):
            h.update(f"q\0{name}\0".encode())
        return h.hexdigest()

    def definition_count(self) -> int:
        return int(self.db.execute("SELECT count(DISTINCT qualname) FROM function").fetchone()[0])


class Definitions(Mapping[str, FunctionIndex]):
    """A project's definitions by name, read from its symbol table."""

    def __init__(self, symbols: SymbolTable) -> None:
        self.symbols = symbols

    def __getitem__(self, qualname: str) -> FunctionIndex:
        found = self.symbols.function(qualname)
        if found is None:
            raise KeyError(qualname)
        return found

    def __contains__(self, qualname: object) -> bool:
        return isinstance(qualname, str) and self.symbols.has_function(qualname)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.symbols.definitions())

    def __len__(self) -> int:
        return self.symbols.definition_count()

    def items(self) -> Iterator[tuple[str, FunctionIndex]]:  # type: ignore[override]
        return self.symbols.definitions()
