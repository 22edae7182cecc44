"""Where a file sits among packages: its module name, the folder Python imports it from,
and its packages' folders. The one place that walks `__init__.py` files upward."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from seedlint.parse.notebooks import is_notebook
from seedlint.parse.paths import real


@dataclass(frozen=True, slots=True)
class Placement:
    path: Path  # the file, as given
    module: str  # dotted module name, e.g. "pkg.sub.mod" ("pkg.sub" for its __init__.py)
    is_package: bool  # the file is a package's __init__.py

    @property
    def import_root(self) -> Path:
        """The folder on `sys.path` from which `module` imports by that name."""
        folder = real(self.path).parent
        for _ in range(self.module.count(".") + (1 if self.is_package else 0)):
            folder = folder.parent
        return folder

    @property
    def top_package(self) -> Path:
        """The folder of the top-level package holding the file (the file if none)."""
        if "." not in self.module and not self.is_package:
            return self.path
        folder = real(self.path).parent
        for _ in range(self.module.count(".") - (0 if self.is_package else 1)):
            folder = folder.parent
        return folder

    @property
    def own_package(self) -> Path:
        """The folder of the package the file is in (the file if none)."""
        return self.path.parent if (self.path.parent / "__init__.py").is_file() else self.path


def placement(path: Path) -> Placement:
    module, is_package = module_name_for(path)
    return Placement(path, module, is_package)


def module_name_for(
    path: Path, packages: dict[Path, tuple[str, ...]] | None = None
) -> tuple[str, bool]:
    """Dotted module name from the package folders above `path`; and whether it is a package.
    A notebook's own part is marked (`explore-ipynb`): no import names a notebook, and
    `explore.ipynb` may sit beside `explore.py`. So is a module that a package of the same
    name beside it shadows (`x.py` beside `x/__init__.py`: `import x` is the package).
    `packages` remembers each folder's package names, for the files of one run."""
    is_package = path.name == "__init__.py"
    if is_notebook(path):
        own = f"{path.stem}-ipynb"
    elif not is_package and os.path.isfile(os.path.join(path.parent, path.stem, "__init__.py")):
        own = f"{path.stem}-py"
    else:
        own = path.stem
    above = packages.get(path.parent) if packages is not None else None
    if above is None:
        above = _packages_above(path.parent)
        if packages is not None:
            packages[path.parent] = above
    return ".".join((*above, *(() if is_package else (own,)))) or own, is_package


def _packages_above(folder: Path) -> tuple[str, ...]:
    """The names of the packages `folder` is in, outermost first (itself last)."""
    parts = []
    while (folder / "__init__.py").is_file():
        parts.append(folder.name)
        if folder.parent == folder:
            break
        folder = folder.parent
    return tuple(reversed(parts))
