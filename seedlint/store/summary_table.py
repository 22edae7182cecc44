"""One modelling round's facts about every function, on disk beside the symbol table:
the targets of its calls, the project functions it calls, and its summary.

With the symbol table, this keeps the main process's memory off the size of the tree:
it holds a few integers per function (for the strongly connected components) and
bounded caches, and reads the rest back when it is needed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping

from seedlint.analysis.events import Summary
from seedlint.resolve.project import Project, Target
from seedlint.store.codec import encode
from seedlint.store.memo import BoundedMemo
from seedlint.store.spill import SpillError
from seedlint.store.symbols import load

Targets = tuple[Target, ...]  # of a function's call keys, in the index's order

_CACHE_LIMIT = 4096
_BATCH = 4096  # function rows written at a time


def _targets(data: bytes) -> Targets:
    found = load(data, tuple)
    if not all(type(target) is Target for target in found):
        raise SpillError("damaged analysis data: targets of a function")
    return found


class SummaryTable(Mapping[str, Summary]):
    """Per-function facts of one round; as a mapping, the summaries known so far."""

    def __init__(self, project: Project, round_number: int, earlier: str | None = None) -> None:
        """With `earlier` (the name of an attached database holding an earlier run's rows
        in its table `known`, from a run of the same project whose modules showed the
        same interface), a function whose body is unchanged takes its call targets from
        there instead of resolving them again."""
        self.db: sqlite3.Connection = project.symbols.db
        self.fact = f"fact_{round_number}"
        self.edge = f"edge_{round_number}"
        self.call = f"call_{round_number}"  # (caller id, callee name) of every name it calls
        self._summaries: BoundedMemo[str, Summary | None] = BoundedMemo(_CACHE_LIMIT)
        self._targets: BoundedMemo[str, Targets] = BoundedMemo(_CACHE_LIMIT)
        self._record(project, earlier)

    # --- building -------------------------------------------------------------------
    def _record(self, project: Project, earlier: str | None) -> None:
        db, fact, edge, call = self.db, self.fact, self.edge, self.call
        db.executescript(
            f"DROP TABLE IF EXISTS {fact}; DROP TABLE IF EXISTS {edge};"
            f"DROP TABLE IF EXISTS {call}; CREATE TABLE {call} (caller INTEGER, callee TEXT);"
            f"CREATE TABLE {fact} (id INTEGER PRIMARY KEY, qualname TEXT UNIQUE NOT NULL,"
            " params TEXT NOT NULL, returns INTEGER NOT NULL, targets BLOB NOT NULL, summary BLOB,"
            " effects INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL, tested INTEGER NOT NULL,"
            " callees TEXT NOT NULL, copied INTEGER NOT NULL DEFAULT 0);"
            f"CREATE TABLE {edge} (caller INTEGER NOT NULL, callee INTEGER NOT NULL,"
            " PRIMARY KEY (caller, callee)) WITHOUT ROWID;"
            "CREATE TEMP TABLE IF NOT EXISTS definition (id INTEGER PRIMARY KEY, key INTEGER);"
            "DELETE FROM definition;"
        )
        symbols = project.symbols
        symbols.number_definitions("temp.definition")
        if earlier is not None:
            # Unchanged bodies: the earlier rows, and their callees, copied in SQL.
            # (their summaries too: same body, same targets; `adopt` judges the rest)
            # A row stays marked `copied` until its summary is set again: the state kept
            # for the next run (seedlint.store.state) compares only the others with it.
            db.execute(
                f"INSERT INTO {fact} (id, qualname, params, returns, targets, tested, callees,"
                " body, summary, effects, copied) SELECT d.id, f.qualname, k.params, k.returns,"
                " k.targets, k.tested, k.callees, f.body, k.summary, k.effects, 1"
                f" FROM temp.definition d JOIN function f ON f.key = d.key"
                f" JOIN {earlier}.known k ON k.qualname = f.qualname AND k.body = f.body"
                " WHERE f.body != ''"
            )
            db.execute(
                f"INSERT INTO {call} SELECT f.id, c.callee FROM {earlier}.callee c"
                f" JOIN {fact} f ON f.qualname = c.caller"
            )
        insert = (
            f"INSERT INTO {fact} (id, qualname, params, returns, targets, tested, callees,"
            " body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
        rows: list[tuple[object, ...]] = []
        calls: list[tuple[int, str]] = []
        for position, name, key, info, body in db.execute(
            f"SELECT d.id, f.qualname, f.key, f.info, f.body FROM temp.definition d"
            f" JOIN function f ON f.key = d.key WHERE d.id NOT IN (SELECT id FROM {fact})"
            " ORDER BY d.id"
        ).fetchall():
            function = symbols.decoded(key, info)
            targets = project.call_targets(function)
            callees = sorted({f for t in targets for f in t.functions})
            params = " ".join(function.params)
            row = (params, function.returns, encode(targets), bool(function.tested))
            rows.append((position, name, *row, " ".join(callees), body))
            calls += [(position, callee) for callee in callees]
            if len(rows) >= _BATCH:  # (a batch at a time: the rows' blobs stay on disk)
                db.executemany(insert, rows)
                db.executemany(f"INSERT INTO {call} VALUES (?, ?)", calls)
                rows, calls = [], []
        db.executemany(insert, rows)
        db.executemany(f"INSERT INTO {call} VALUES (?, ?)", calls)
        db.execute(
            f"INSERT OR IGNORE INTO {edge} SELECT c.caller, f.id FROM {call} c"
            f" JOIN {fact} f ON f.qualname = c.callee"
        )
        db.execute(f"CREATE INDEX {edge}_callee ON {edge} (callee)")
        db.execute("DELETE FROM temp.definition")

    # --- another run's rows (seedlint.analysis.incremental) ----------------------------
    def adopt(self, earlier: str) -> tuple[list[int], set[int]]:
        """Take the summaries of the earlier rows (in the attached database `earlier`) for
        the functions whose body and call targets are as they were; the ids of the
        others, which have none yet, and of those among them whose body changed (or that
        are new)."""
        db, fact = self.db, self.fact
        same = f"k.qualname = {fact}.qualname AND k.body = {fact}.body AND {fact}.body != ''"
        db.execute(
            f"UPDATE {fact} SET (summary, effects) = (SELECT k.summary, k.effects FROM"
            f" {earlier}.known k WHERE k.qualname = {fact}.qualname) WHERE summary IS NULL"
            f" AND EXISTS (SELECT 1 FROM {earlier}.known k WHERE {same}"
            f" AND k.summary IS NOT NULL AND k.targets = {fact}.targets)"
        )
        # Targets written differently may still be the same.
        alike = [
            (summary, effects, function_id)
            for function_id, targets, before, summary, effects in db.execute(
                f"SELECT {fact}.id, {fact}.targets, k.targets, k.summary, k.effects FROM {fact}"
                f" JOIN {earlier}.known k ON {same} WHERE {fact}.summary IS NULL"
                " AND k.summary IS NOT NULL"
            ).fetchall()
            if _targets(targets) == _targets(before)
        ]
        db.executemany(f"UPDATE {fact} SET summary = ?, effects = ? WHERE id = ?", alike)
        stale = [i for (i,) in db.execute(f"SELECT id FROM {fact} WHERE summary IS NULL")]
        edited = {
            i
            for (i,) in db.execute(
                f"SELECT id FROM {fact} WHERE summary IS NULL AND NOT EXISTS (SELECT 1 FROM"
                f" {earlier}.known k WHERE {same})"
            )
        }
        self._summaries.clear()
        return stale, edited

    def earlier_summary(self, earlier: str, function_id: int) -> Summary | None:
        """A function's summary in the earlier rows, if it had one."""
        row = self.db.execute(
            f"SELECT k.summary FROM {earlier}.known k JOIN {self.fact} f"
            " ON f.qualname = k.qualname WHERE f.id = ?",
            (function_id,),
        ).fetchone()
        return load(row[0], Summary) if row is not None and row[0] is not None else None

    def forget(self, function_ids: Iterable[int]) -> None:
        """Drop these functions' summaries, to compute them again."""
        self.db.executemany(
            f"UPDATE {self.fact} SET summary = NULL, effects = 0, copied = 0 WHERE id = ?",
            [(i,) for i in function_ids],
        )
        self._summaries.clear()

    def summary_of(self, function_id: int) -> Summary | None:
        row = self.db.execute(
            f"SELECT summary FROM {self.fact} WHERE id = ?", (function_id,)
        ).fetchone()
        return load(row[0], Summary) if row and row[0] is not None else None

    def specialisable(self, function_id: int) -> bool:
        """Whether callers may summarise its body for their arguments (it tests some
        parameter): then what they know of it is more than its summary."""
        row = self.db.execute(f"SELECT tested FROM {self.fact} WHERE id = ?", (function_id,))
        return bool(row.fetchone()[0])

    def calls_from(self, function_id: int) -> list[int]:
        """The project functions a function calls (summarised or not)."""
        rows = self.db.execute(f"SELECT callee FROM {self.edge} WHERE caller = ?", (function_id,))
        return [callee for (callee,) in rows]

    def called_by(self, function_id: int) -> list[int]:
        """The project functions that call a function."""
        rows = self.db.execute(f"SELECT caller FROM {self.edge} WHERE callee = ?", (function_id,))
        return [caller for (caller,) in rows]

    def reuse(self, earlier: SummaryTable) -> None:
        """Take the summaries of `earlier` that still hold: those of functions whose calls
        resolve as before and that call only such functions."""
        db, fact, old = self.db, self.fact, earlier.fact
        db.executescript("CREATE TEMP TABLE IF NOT EXISTS changed (id INTEGER PRIMARY KEY);")
        db.execute("DELETE FROM changed")
        rows = db.execute(
            f"SELECT n.id, n.targets, o.targets FROM {fact} n"
            f" LEFT JOIN {old} o ON o.qualname = n.qualname"
        )
        changed = [
            (new_id,)
            for new_id, new, before in rows
            if before is None or (new != before and _targets(new) != _targets(before))
        ]
        db.executemany("INSERT INTO changed VALUES (?)", changed)
        db.execute(
            f"WITH RECURSIVE stale(id) AS (SELECT id FROM changed UNION"
            f" SELECT e.caller FROM {self.edge} e JOIN stale s ON e.callee = s.id)"
            f" UPDATE {fact} SET (summary, effects) ="
            f" (SELECT o.summary, o.effects FROM {old} o WHERE o.qualname = {fact}.qualname)"
            f" WHERE id NOT IN stale"
        )
        self._summaries.clear()

    def drop(self) -> None:
        """Remove this round's tables (a later round has taken what it reuses)."""
        self.db.executescript(
            f"DROP TABLE {self.fact}; DROP TABLE {self.edge}; DROP TABLE {self.call};"
        )
        self._summaries.clear()
        self._targets.clear()

    # --- reading ----------------------------------------------------------------------
    def count(self) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {self.fact}").fetchone()[0])

    def name(self, function_id: int) -> str:
        row = self.db.execute(f"SELECT qualname FROM {self.fact} WHERE id = ?", (function_id,))
        return str(row.fetchone()[0])

    def unsummarised(self) -> bytearray:
        """1 for each function (by id) without a summary yet, else 0."""
        flags = bytearray(self.count())
        for (function_id,) in self.db.execute(f"SELECT id FROM {self.fact} WHERE summary IS NULL"):
            flags[function_id] = 1
        return flags

    def callees(self, function_id: int) -> list[int]:
        """The project functions without a summary yet that a function calls, by name."""
        rows = self.db.execute(
            f"SELECT e.callee FROM {self.edge} e JOIN {self.fact} f ON f.id = e.callee"
            f" WHERE e.caller = ? AND f.summary IS NULL ORDER BY f.qualname",
            (function_id,),
        )
        return [callee for (callee,) in rows]

    def calls_itself(self, function_id: int) -> bool:
        row = self.db.execute(
            f"SELECT 1 FROM {self.edge} WHERE caller = ? AND callee = ?",
            (function_id, function_id),
        )
        return row.fetchone() is not None

    def returns(self, qualname: str) -> bool:
        row = self.db.execute(f"SELECT returns FROM {self.fact} WHERE qualname = ?", (qualname,))
        return bool(row.fetchone()[0])

    def targets(self, qualname: str) -> Targets:
        found = self._targets.get(qualname)
        if found is None:
            row = self.db.execute(
                f"SELECT targets FROM {self.fact} WHERE qualname = ?", (qualname,)
            ).fetchone()
            if row is None:
                raise KeyError(qualname)
            found = self._targets.remember(qualname, _targets(row[0]))
        return found

    def parameters(self) -> Iterator[tuple[str, list[str], bool]]:
        """Each function's name, parameters, and whether it seeds or draws."""
        rows = self.db.execute(f"SELECT qualname, params, effects FROM {self.fact} ORDER BY id")
        return ((name, params.split(), bool(effects)) for name, params, effects in rows)

    def has_effects(self, qualname: str) -> bool:
        row = self.db.execute(
            f"SELECT effects FROM {self.fact} WHERE qualname = ?", (qualname,)
        ).fetchone()
        return bool(row and row[0])

    # --- summaries --------------------------------------------------------------------
    def set_summary(self, qualname: str, summary: Summary) -> None:
        self.db.execute(
            f"UPDATE {self.fact} SET summary = ?, effects = ?, copied = 0 WHERE qualname = ?",
            (encode(summary), bool(summary.effects), qualname),
        )
        self._remember(qualname, summary)

    def _remember(self, qualname: str, summary: Summary | None) -> None:
        self._summaries.remember(qualname, summary)

    def __getitem__(self, qualname: str) -> Summary:
        if qualname in self._summaries:
            found = self._summaries[qualname]
        else:
            row = self.db.execute(
                f"SELECT summary FROM {self.fact} WHERE qualname = ?", (qualname,)
            ).fetchone()
            found = load(row[0], Summary) if row and row[0] is not None else None
            self._remember(qualname, found)
        if found is None:
            raise KeyError(qualname)
        return found

    def __iter__(self) -> Iterator[str]:
        rows = self.db.execute(
            f"SELECT qualname FROM {self.fact} WHERE summary IS NOT NULL ORDER BY id"
        )
        return (name for (name,) in rows)

    def __len__(self) -> int:
        row = self.db.execute(f"SELECT count(*) FROM {self.fact} WHERE summary IS NOT NULL")
        return int(row.fetchone()[0])
