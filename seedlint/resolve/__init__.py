"""Resolve: what a call refers to, across the project and the rule packs.

In: the symbol table and the packs (`packs`, from `rules/*.toml` and `[tool.seedlint]`).
Out: a `Target` for each call site (`project`): a project function, a pack entry, or
unknown, with receivers' types followed through the project's own code (`receivers`)."""
