"""Packages are discovered, so a new subpackage is never left out of the wheel; the rule
packs live in the top-level rules/ folder and ship as `seedlint.rules` (pyproject.toml)."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["seedlint", "seedlint.*"]), "seedlint.rules"])
