"""Integrations: seedlint where people lint, through the engine's public functions.

The flake8 bridge (`flake8_plugin`), the package context used by pre-commit and the bridge
(`context`) and baselines of accepted findings (`baseline`)."""
