"""Parse: paths → checked files → syntax trees and scopes, never importing them.

In: the paths given and the configuration. Out: the files to check (`sources.discover`),
their text or a one-line reason they cannot be read (`sources.read_file`), a Jupyter
notebook's code cells as one module's text and where each cell starts (`notebooks`), a
cheap look at nesting before libcst sees it (`depth`), which files mention a pack's names
at all (`prefilter`), libcst trees walked fast (`walk`) and each module's scopes
(`scopes`) and what their names are bound to (`bindings`, data only)."""
