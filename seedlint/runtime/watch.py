"""Which way a run took each witness condition, seen from the trace of the frames of the
target and of the helpers its draw sites go down through.

A condition that is a whole `if` or `while` test is read off the next line the frame runs
after its test: inside the guarded branch means true. One that is part of a test (`a and
b`) is evaluated in the frame when its test starts, if that calls no checked code (the
plan says so). A run may decide a condition several times (in a loop): each value seen
counts.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Any

from seedlint.runtime.search import Outcomes


@dataclass(frozen=True, slots=True)
class Probe:
    index: int  # the condition's index in the plan
    end_line: int  # the test's last line
    body: tuple[int, int] | None  # the true branch's lines; None: evaluate `code`
    code: types.CodeType | None


def tests_by_line(conditions: list[dict[str, Any]]) -> dict[str, dict[int, list[Probe]]]:
    """The probes to run when a frame reaches each line, by the function they are
    tested in ("" the target, else a helper's `module:qualname`)."""
    out: dict[str, dict[int, list[Probe]]] = {}
    for index, condition in enumerate(conditions):
        code = None
        if condition["safe"]:
            try:
                code = compile(condition["text"], "<condition>", "eval")
            except SyntaxError:
                code = None
        lines = out.setdefault(condition["function"], {})
        for line, end_line, body in condition["tests"]:
            # A branch on the test's own line cannot be told apart by the next line.
            guarded = tuple(body) if body and body[0] > end_line else None
            if guarded or code is not None:
                lines.setdefault(line, []).append(Probe(index, end_line, guarded, code))
    return out


@dataclass(slots=True)
class Watch:
    by_code: dict[types.CodeType, dict[int, list[Probe]]]  # the probes of each function
    outcomes: Outcomes = field(default_factory=dict)
    # Per function, the tests whose branch is still to be seen: (test line, probe).
    pending: dict[types.CodeType, list[tuple[int, Probe]]] = field(default_factory=dict)

    def line(self, frame: Any, line: int) -> None:
        """The frame is about to run `line`."""
        code = frame.f_code
        waiting = []
        for start, probe in self.pending.get(code, ()):
            assert probe.body is not None
            if start <= line <= probe.end_line:
                waiting.append((start, probe))  # still in the test
                continue
            taken = probe.body[0] <= line <= probe.body[1]
            self.outcomes.setdefault(probe.index, set()).add(taken)
        for probe in self.by_code.get(code, {}).get(line, ()):
            if probe.body is not None:
                waiting.append((line, probe))
            elif probe.code is not None:
                try:
                    value = bool(eval(probe.code, frame.f_globals, frame.f_locals))
                except Exception:  # the test would not have evaluated it either
                    continue
                self.outcomes.setdefault(probe.index, set()).add(value)
        self.pending[code] = waiting
