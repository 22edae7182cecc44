"""What every check sees: one function's events and seed states, and how to place a node."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

from seedlint.analysis.dataflow import Flow, StreamState
from seedlint.analysis.events import Event, EventKind
from seedlint.analysis.summaries import ResolvedFunction
from seedlint.config import Config
from seedlint.lower.ir import CallSite
from seedlint.parse.notebooks import NO_CELLS, Cells
from seedlint.report.diagnostics import Finding
from seedlint.resolve.project import Project


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    function: ResolvedFunction
    flow: Flow
    responsible: frozenset[str]  # streams this function takes responsibility for
    seed_params: tuple[str, ...]
    project: Project
    config: Config
    line_of: Callable[[CallSite], int]
    # Streams it is responsible for only through seed parameters that it makes explicit
    # keys of (`mx.random.key(seed)`): its randomness is keyed, so building (or loading)
    # a model there is not what the seed is for; plain draws still are.
    keyed: frozenset[str] = frozenset()
    # How messages name the lines `line_of` gives: a notebook's name their cells.
    cells: Cells = NO_CELLS

    def name(self, event: Event) -> str:
        via = " → ".join(f"`{step}`" for step in event.via)
        return f"`{event.name}`" + (f" (via {via})" if via else "")


def draws_to_judge(facts: FunctionFacts) -> Iterator[tuple[int, Event, str, StreamState]]:
    """Each draw of a stream the function is responsible for, once per call and stream:
    (block, event, stream, state just before it)."""
    seen: set[tuple[int, str]] = set()
    for block, _index, event, state in facts.flow.points():
        stream = event.stream
        if event.kind is not EventKind.CONSUME or stream not in facts.responsible:
            continue
        if event.keyed_by is not None:
            continue  # drawing globally when no generator is passed is the caller's choice
        assert stream is not None
        if (id(event.call), stream) not in seen:
            seen.add((id(event.call), stream))
            yield block, event, stream, state[stream]


def say(rule: type[Rule] | Rule, message: str, **fields: object) -> str:
    """The rule's message `message` with its fields filled in."""
    return rule.messages[message].format(**fields)


def seed_lines(lines: list[int], cells: Cells) -> str:
    """`the seed at line 3` / `the seeds at lines 3, 9` (in a notebook, with their cells)."""
    return f"the seed{'' if len(lines) == 1 else 's'} at {cells.lines(lines)}"


Severity = Literal["error", "warning"]
# What `seedlint confirm` tests for a finding of the rule: that the call's values follow
# the ambient state (no seed ran), that they differ from the seed-right-before order, or
# that two runs with the same inputs and state leave the generator in different states
# after the call (a seed value that changes from run to run).
Question = Literal["unseeded", "drift", "reproducible"]


class Rule(Protocol):
    """What a rule declares about itself; reporters, configuration and the runtime read
    these and never name a code."""

    code: ClassVar[str]
    name: ClassVar[str]
    brief: ClassVar[str]  # what it finds, in a line (the README's table)
    default: ClassVar[bool]  # on unless the configuration asks otherwise
    severity: ClassVar[Severity]
    options: ClassVar[tuple[str, ...]]  # the [tool.seedlint] keys it reads
    # (option, value) pairs that turn it on when it is off by default.
    turned_on_by: ClassVar[tuple[tuple[str, str], ...]]
    confirms: ClassVar[Question | None]
    # The rule's messages by name, `str.format` templates of named fields.
    messages: ClassVar[Mapping[str, str]]
    VALID: ClassVar[tuple[str, ...]]
    INVALID: ClassVar[tuple[str, ...]]


class Check(Rule, Protocol):
    """A rule judged per function, from its events and seed states."""

    def run(self, facts: FunctionFacts) -> Iterator[Finding]: ...
