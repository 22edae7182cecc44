"""JUnit XML: one test case per checked file that has findings, one failure per finding,
as CI systems (GitLab, Jenkins, Azure) show test reports."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from xml.etree import ElementTree

from seedlint.report import text
from seedlint.report.diagnostics import Diagnostic


def render(diagnostics: Sequence[Diagnostic]) -> str:
    suites = ElementTree.Element("testsuites", name="seedlint")
    suite = ElementTree.SubElement(
        suites,
        "testsuite",
        name="seedlint",
        tests=str(len({d.path for d in diagnostics})),
        failures=str(len(diagnostics)),
        errors="0",
    )
    for path, found in groupby(sorted(diagnostics), key=lambda d: d.path):
        case = ElementTree.SubElement(suite, "testcase", name=path, classname="seedlint")
        for d in found:
            failure = ElementTree.SubElement(
                case, "failure", message=f"{d.code} {d.message}", type=d.code
            )
            failure.text = text.plain(d)
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(suites, encoding="unicode")
        + "\n"
    )
