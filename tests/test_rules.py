"""Every rule's VALID and INVALID examples, collected automatically (one rule at a time);
its documentation, generated into docs/rules.md and the README's table; rules own their
codes."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from seedlint.checks import ALL_RULES
from seedlint.config import Config
from seedlint.report import rule_docs
from tests.conftest import ROOT, expected_marks, lint_text

CODE = re.compile(r"SDL\d{3}")

CASES = [
    pytest.param(check.code, kind, text, id=f"{check.code}-{kind}-{index}")
    for check in ALL_RULES
    for kind, samples in (("valid", check.VALID), ("invalid", check.INVALID))
    for index, text in enumerate(samples)
]


@pytest.mark.parametrize(("code", "kind", "text"), CASES)
def test_examples(tmp_path: Path, code: str, kind: str, text: str) -> None:
    found = {(d.line, d.code) for d in lint_text(tmp_path, text, select=(code,))}
    expected = expected_marks(textwrap.dedent(text)) if kind == "invalid" else set()
    if kind == "invalid":
        assert expected, "an INVALID example must mark the line it expects"
    assert found == expected


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_every_rule_is_documented(rule) -> None:
    doc = rule_docs.text(rule)
    headings = re.findall(r"^## (.+)$", doc, flags=re.MULTILINE)
    assert tuple(headings) == rule_docs.SECTIONS
    options = doc.split("## Options")[1].split("## Known problems")[0]
    fields = {f.name for f in dataclasses.fields(Config)}
    for option in rule.options:
        assert f"`{option}`" in options, f"{rule.code}: option {option} is not documented"
        assert option.replace("-", "_") in fields, f"{rule.code}: {option} is no option"
    assert rule.VALID and rule.INVALID and rule.brief


def test_docs_rules_md_is_generated_from_the_rules() -> None:
    written = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert written == rule_docs.reference(), (
        "stale: run `seedlint rule --reference > docs/rules.md`"
    )
    for rule in ALL_RULES:
        assert f"## {rule.code} {rule.name}" in written
        assert rule_docs.text(rule).split("\n", 1)[1] in written.replace("\n### ", "\n## ")


def test_the_readme_table_is_the_rules_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert rule_docs.table() in readme


def test_seedlint_rule_lists_every_rule_and_prints_the_reference() -> None:
    def rule(*args: str) -> str:
        command = [sys.executable, "-m", "seedlint", "rule", *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    listed = [line.split()[0] for line in rule().splitlines()]
    assert listed == [r.code for r in ALL_RULES] and "SDL001" in listed
    assert rule("--reference") == rule_docs.reference()
    assert rule("sdl001").startswith("# SDL001 unanalysable-file\n")


def test_no_module_outside_the_rules_names_a_rule_code() -> None:
    """Reporters, configuration, engine and runtime ask the rules (seedlint.checks)."""
    package = ROOT / "seedlint"
    named = {
        path.relative_to(package).as_posix(): CODE.findall(path.read_text(encoding="utf-8"))
        for path in package.rglob("*.py")
        if "checks" not in path.relative_to(package).parts
    }
    named = {path: codes for path, codes in named.items() if codes}
    assert named == {"report/diagnostics.py": ["SDL001"]}  # the engine's own code, as a constant


def _template_pattern(template: str) -> str:
    """A template as a regex: each field any text (a sub-message field too)."""
    parts = re.split(r"\{(\w+)\}", template)
    return "".join(re.escape(p) if i % 2 == 0 else ".*?" for i, p in enumerate(parts))


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_a_rules_messages_come_from_its_declared_templates(rule) -> None:
    from seedlint.engine import analyse

    templates = dict(rule.messages)
    assert templates, f"{rule.code} declares no messages"
    sources = "".join(p.read_text() for p in (ROOT / "seedlint").rglob("*.py"))
    for name in templates:
        # Declared once, and said somewhere (by the check or, for SDL001, by its helper).
        assert sources.count(f'"{name}"') >= 2, f"{rule.code}: template {name!r} is never used"
    fixture = ROOT / "fixtures" / "rules" / f"{rule.code}.py"
    config = Config(select=(rule.code,), adjacency="strict")
    found = analyse([str(fixture)], config, config.load_packs()).diagnostics
    patterns = [re.compile(_template_pattern(t) + "$") for t in templates.values()]
    assert found
    for diagnostic in found:
        assert any(p.match(diagnostic.message) for p in patterns), diagnostic.message


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_the_code_a_rule_recommends_passes_seedlint(rule, tmp_path: Path) -> None:
    """Every ```python block under "Use instead" is clean, SDL202 included."""
    section = re.search(r"## Use instead\n(.*?)(?:\n\s*## |\Z)", type(rule).__doc__, re.S)
    assert section, f"{rule.code} has no 'Use instead'"
    for block in re.findall(r"```python\n(.*?)```", section.group(1), re.S):
        found = lint_text(tmp_path, block, adjacency="strict")
        assert found == [], [(d.line, d.code, d.message) for d in found]


def test_the_readme_names_every_stream_the_packs_know() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    streams = Config().load_packs().streams
    assert streams and all(f"`{stream}`" in readme for stream in streams)


def test_the_reference_lists_every_message_template() -> None:
    reference = (ROOT / "docs" / "rules.md").read_text()
    for rule in ALL_RULES:
        section = reference.split(f"## {rule.code} ")[1].split("\n## SDL")[0]
        for name, template in rule.messages.items():
            assert f"{name}: {template}" in section, (rule.code, name)
