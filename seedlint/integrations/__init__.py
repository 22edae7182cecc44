"""Integrations: seedlint where people lint, through the engine's public functions.

The flake8 bridge (`flake8_plugin`, light to import, and `flake8_bridge`, which does the
work), the package context used by pre-commit and the bridge (`context`) and baselines of
accepted findings (`baseline`)."""
