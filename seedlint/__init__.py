"""seedlint: static analysis of RNG seed ordering in ML code."""

__version__ = "0.1.0"
