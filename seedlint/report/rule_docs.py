"""The rules' documentation, from their docstrings: one rule's text, its summary, and the
whole reference (docs/rules.md, `seedlint rule`, SARIF's rule descriptions)."""

from __future__ import annotations

import inspect

from seedlint.checks import ALL_RULES, Rule

SECTIONS = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Options",
    "Known problems",
)
HEADER = (
    "# Rules\n\n"
    "<!-- Generated from the rules' docstrings (seedlint/checks/) by "
    "`seedlint rule --reference > docs/rules.md`; a test fails when it is stale. -->\n"
)


def text(rule: Rule) -> str:
    """The rule's docstring, dedented (sections headed `## What it does`, ...)."""
    return inspect.cleandoc(type(rule).__doc__ or "")


def summary(rule: Rule) -> str:
    """What the rule finds, as one line."""
    what = text(rule).split("## Why is this bad?")[0].replace("## What it does", "")
    return " ".join(what.split())


def status(rule: Rule) -> str:
    """`on by default`, or what turns it on."""
    if rule.default:
        return "on by default"
    turned_on = ", ".join(f'`{option} = "{value}"`' for option, value in rule.turned_on_by)
    return "off by default" + (f"; on with {turned_on}" if turned_on else "")


def table(anchors: bool = False) -> str:
    """The rules as a Markdown table: the README's, and with `anchors` (links to each
    rule's section) the reference's."""
    lines = ["| code | name | severity | finds |", "|---|---|---|---|"]
    for rule in ALL_RULES:
        code = f"[{rule.code}](#{rule.code.lower()}-{rule.name})" if anchors else rule.code
        off = "" if rule.default else f"({status(rule)}) "
        lines.append(f"| {code} | {rule.name} | {rule.severity} | {off}{rule.brief} |")
    return "\n".join(lines) + "\n"


def reference() -> str:
    """docs/rules.md: the table of the rules, then each rule's documentation."""
    lines = [HEADER, table(anchors=True)]
    for rule in ALL_RULES:
        body = text(rule).replace("\n## ", "\n### ")
        body = body[3:] if body.startswith("## ") else body
        lines += [
            f"## {rule.code} {rule.name}",
            "",
            f"Severity: {rule.severity}; {status(rule)}.",
            "",
            f"### {body}",
            "",
            *messages(rule),
        ]
    return "\n".join(lines)


def messages(rule: Rule) -> list[str]:
    """The rule's message templates as the reference lists them (the JSON output's
    `arguments` carry the named fields)."""
    if not rule.messages:
        return []
    templates = [f"{name}: {template}" for name, template in rule.messages.items()]
    return ["### Messages", "", "```text", *templates, "```", ""]
