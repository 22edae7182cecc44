"""Which input sets to run, in the child: a search guided by the way each run went.

A scenario is one input set: the tiny model's kind, the arguments, and attributes set on
the model. A finding's witness is a list of conditions with the value its path needs; a
run records the values each condition took (`Run.outcomes`). From the scenario the
witness names, the search changes one parameter (or model attribute, or model kind) the
first condition not yet met depends on (its backward slice, from the plan), and keeps the
change that meets the most conditions, until the finding's question is answered, no
change helps, or the budget is spent. A run that takes the path but raises before the
answer has one of the leaves of a built parameter it read last changed (`args.x`), kept
if the run then gets further. Nothing here imports a framework.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

Scenario: TypeAlias = dict[str, Any]  # {"kind": str, "inputs": {...}, "attrs": {...}}
Witness: TypeAlias = list[tuple[int, bool]]  # (condition index, the value the path needs)
Outcomes: TypeAlias = dict[int, set[bool]]  # condition index -> values a run saw

# Values tried for any parameter a condition depends on, after the literals it is
# compared with: truth values, None and the empty values a length test turns on.
GENERIC: tuple[Any, ...] = (True, False, None, [], "", 0)
_STEPS = 8  # changes kept, at most, while climbing towards one witness
_EXPLORE = 16  # single changes tried, at most, once the path is taken
_BLAMED = 3  # leaves read last that a failed run's search changes


def key(scenario: Scenario) -> str:
    return json.dumps(scenario, sort_keys=True, default=repr)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def met(plan: dict[str, Any], outcomes: Outcomes, index: int, value: bool) -> bool:
    """Whether a run took the condition the way the path needs (a condition the plan
    could not locate in the source cannot be watched, and does not count against)."""
    if not plan["conditions"][index]["tests"]:
        return True
    return value in outcomes.get(index, set())


def unmet(plan: dict[str, Any], outcomes: Outcomes, witness: Witness) -> list[tuple[int, bool]]:
    return [(i, v) for i, v in witness if not met(plan, outcomes, i, v)]


def values(plan: dict[str, Any], param: str) -> list[Any]:
    """What to try for a parameter: literals it is compared with, its default, then
    the generic values; each once."""
    out: list[Any] = []
    for value in [*plan["candidates"].get(param, []), *GENERIC]:
        if not any(_same(value, seen) for seen in out):
            out.append(value)
    return out


def moves(
    plan: dict[str, Any],
    state: Scenario,
    params: list[str],
    attrs: list[str],
    kinds: tuple[str, ...],
) -> Iterator[Scenario]:
    """Scenarios one change away from `state`: a parameter, a model attribute, or the
    model's kind. Parameters the user set (`--set`) stay as they are."""
    # The built parameters vary by their leaves (`args.seed`), not as a whole.
    fixed = set(plan.get("overrides", {})) | {plan["model_param"], *plan.get("objects", {})}
    for param in params:
        if param in fixed:
            continue
        current = state["inputs"].get(param, plan["defaults"].get(param, object()))
        for value in values(plan, param):
            if not _same(value, current):
                yield {**state, "inputs": {**state["inputs"], param: value}}
    for attribute in attrs:
        for value in (True, False):
            if state["attrs"].get(attribute) is not value:
                changed = {**state, "attrs": {**state["attrs"], attribute: value}}
                yield changed  # and on the other kinds, whose shape the attribute may say
                yield from ({**changed, "kind": k} for k in kinds if k != state["kind"])
    for kind in kinds:
        if kind != state["kind"]:
            yield {**state, "kind": kind}


def depends(plan: dict[str, Any], index: int) -> tuple[list[str], list[str]]:
    """The parameters and model attributes condition `index` depends on (all the
    parameters when its slice found none)."""
    condition = plan["conditions"][index]
    return condition["params"] or plan["params"], condition["attrs"]


class Tried(Protocol):
    """What the search reads of a run."""

    outcomes: Outcomes
    error: str  # "" when the function returned
    reads: list[str]  # the leaves of built parameters it read, in order


Attempt: TypeAlias = Callable[[Scenario], "Tried | None"]  # None: the budget is spent


def _score(plan: dict[str, Any], path: Witness, tried: Tried) -> tuple[int, bool]:
    """How far a run went: the path's conditions it met, then whether it returned."""
    return len(path) - len(unmet(plan, tried.outcomes, path)), not tried.error


@dataclass(frozen=True, slots=True)
class Goal:
    """What one site and code needs of a run."""

    path: Witness  # the witness, and what the `if`s around the call need
    answered: Callable[[], bool]  # whether a run on the path answered the question
    settled: Callable[[], bool]  # whether one answered it at all, if on another path
    related: list[str]  # parameters that may answer it once on the path, tried first


def climb(
    plan: dict[str, Any],
    goal: Goal,
    start: Scenario,
    kinds: tuple[str, ...],
    attempt: Attempt,
) -> list[tuple[int, bool]]:
    """Search from `start` for a scenario that takes the goal's path and answers its
    question (judged by the caller on each run); the conditions still unmet at the end
    (none if the path was taken)."""
    path = goal.path
    state = start
    tried = attempt(state)
    for _ in range(_STEPS):
        if tried is None or goal.answered():
            return [] if tried is not None else unmet(plan, {}, path)
        missing = unmet(plan, tried.outcomes, path)
        if not missing and tried.error and tried.reads:
            moved = _unblock(plan, goal, state, tried, attempt)
            if moved is not None:
                state, tried = moved
                continue
        if not missing:
            _explore(plan, goal, state, kinds, attempt)
            return []
        score = _score(plan, path, tried)
        best: tuple[tuple[int, bool], Scenario, Tried] | None = None
        for candidate in moves(plan, state, *depends(plan, missing[0][0]), kinds):
            found = attempt(candidate)
            if found is None:
                break
            if goal.answered():
                return []
            gained = _score(plan, path, found)
            if gained > score and (best is None or gained > best[0]):
                best = (gained, candidate, found)
                if gained == (len(path), True):
                    break
        if best is None:
            return missing
        _, state, tried = best
    return unmet(plan, tried.outcomes if tried else {}, path)


def _unblock(
    plan: dict[str, Any], goal: Goal, state: Scenario, tried: Tried, attempt: Attempt
) -> tuple[Scenario, Tried] | None:
    """The path is taken but the run raised before answering: change one of the last
    leaves of a built parameter it read (an empty dict among the values: one that makes
    its keys as the code reads them); the first change that still takes the path and
    gets further, by the leaves read, or that answers."""
    blamed = list(dict.fromkeys(reversed(tried.reads)))[:_BLAMED]
    fixed = set(plan.get("overrides", {}))
    for param in (b for b in blamed if b not in fixed):
        current = state["inputs"].get(param, plan["defaults"].get(param, object()))
        for value in [*values(plan, param), {}]:
            if _same(value, current):
                continue
            candidate = {**state, "inputs": {**state["inputs"], param: value}}
            found = attempt(candidate)
            if found is None or goal.answered():
                return None
            further = not found.error or len(found.reads) > len(tried.reads)
            if further and not unmet(plan, found.outcomes, goal.path):
                return candidate, found
    return None


def _explore(
    plan: dict[str, Any], goal: Goal, state: Scenario, kinds: tuple[str, ...], attempt: Attempt
) -> None:
    """The path is taken but the question not answered (the call did not draw, or drew
    seeded where drift is asked): try single changes of the related parameters, then
    the literals other parameters are compared with."""
    near = moves(plan, state, goal.related, [], kinds)
    literal = (
        {**state, "inputs": {**state["inputs"], param: value}}
        for param, found in plan["candidates"].items()
        if param not in goal.related and param not in plan.get("overrides", {})
        for value in found
    )
    for count, candidate in enumerate(itertools.chain(near, literal)):
        if count >= _EXPLORE or goal.settled() or attempt(candidate) is None:
            return


def phrase(plan: dict[str, Any], missing: list[tuple[int, bool]], ran: bool = False) -> str:
    """The conditions in plain words, as needed: "`count > 0` false, which depends on
    target_modules"; or as a run took them (`ran`): "`count > 0` true, not false, ..."."""
    parts = []
    for index, value in missing:
        condition = plan["conditions"][index]
        wanted = str(value).lower()
        state = f"{str(not value).lower()}, not {wanted}" if ran else wanted
        on = [*condition["params"], *(f"model.{a}" for a in condition["attrs"])]
        helper = condition["function"].partition(":")[2]
        where = f" (in `{helper}`)" if helper else ""
        depends = f", which depends on {', '.join(on)}" if on else ""
        if helper and not on:
            depends = ", which no parameter of the target sets"
        parts.append(f"`{condition['text']}`{where} {state}{depends}")
    return "; ".join(parts)
