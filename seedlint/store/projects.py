"""Symbol tables as units arrive: one per root folder, then merged into projects (tables
whose module names do not clash)."""

from __future__ import annotations

from pathlib import Path

from seedlint.lower.workers import Unit
from seedlint.parse.packages import Placement
from seedlint.store.symbols import SymbolTable


class Projects:
    """Units as they arrive, stored in one symbol table per root folder; then merged
    into projects: tables whose module names do not clash."""

    def __init__(self, folder: Path, tables: dict[Path, SymbolTable] | None = None) -> None:
        """`tables`: tables by root folder to add to (those a run before left, say)."""
        self.folder = folder
        self.by_root: dict[Path, SymbolTable] = tables or {}
        self._roots: dict[int, list[Path]] = {}  # id of a merged table -> its root folders

    def add(self, order: int, unit: Unit) -> None:
        path = Path(unit.path)
        # (the unit's name is the one the package folders above it give: no need to walk them)
        root = Placement(path, unit.name, path.name == "__init__.py").import_root
        table = self.by_root.get(root)
        if table is None:
            table = SymbolTable(self.folder / f"symbols-{len(self.by_root)}.sqlite")
            self.by_root[root] = table
        table.add(unit, order)

    def close(self) -> None:
        for table in self.by_root.values():
            table.close()

    def merged(self) -> list[SymbolTable]:
        out: list[tuple[SymbolTable, set[str]]] = []
        self._roots = {id(table): [root] for root, table in self.by_root.items()}
        for table in sorted(self.by_root.values(), key=lambda t: t.first):
            names = table.names()
            for existing, existing_names in out:
                if not existing_names & names:
                    existing.merge(table)
                    existing_names |= names
                    self._roots[id(existing)] += self._roots.pop(id(table))
                    table.close()
                    break
            else:
                out.append((table, names))
        return [table for table, _ in out]

    def roots(self, table: SymbolTable) -> list[Path]:
        """The root folders whose modules a merged table holds."""
        return sorted(self._roots[id(table)])
