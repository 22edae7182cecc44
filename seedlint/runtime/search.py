"""Which input sets to run, in the child: a search guided by the way each run went.

A scenario is one input set: the tiny model's kind, the arguments, and attributes set on
the model. A finding's witness is a list of conditions with the value its path needs; a
run records the values each condition took (`Run.outcomes`). From the scenario the
witness names, the search changes one parameter (or model attribute, or model kind) the
first condition not yet met depends on (its backward slice, from the plan), and keeps the
change that meets the most conditions, until the finding's question is answered, no
change helps, or the budget is spent. Nothing here imports a framework.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeAlias

Scenario: TypeAlias = dict[str, Any]  # {"kind": str, "inputs": {...}, "attrs": {...}}
Witness: TypeAlias = list[tuple[int, bool]]  # (condition index, the value the path needs)
Outcomes: TypeAlias = dict[int, set[bool]]  # condition index -> values a run saw

# Values tried for any parameter a condition depends on, after the literals it is
# compared with: truth values, None and the empty values a length test turns on.
GENERIC: tuple[Any, ...] = (True, False, None, [], "", 0)
_STEPS = 8  # changes kept, at most, while climbing towards one witness


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
    plan: dict[str, Any], state: Scenario, index: int, kinds: tuple[str, ...]
) -> Iterator[Scenario]:
    """Scenarios one change away from `state` in what condition `index` depends on."""
    condition = plan["conditions"][index]
    fixed = set(plan.get("overrides", {})) | {plan["model_param"]}
    params = condition["params"] or plan["params"]
    for param in params:
        if param in fixed:
            continue
        current = state["inputs"].get(param, plan["defaults"].get(param, object()))
        for value in values(plan, param):
            if not _same(value, current):
                yield {**state, "inputs": {**state["inputs"], param: value}}
    for attribute in condition["attrs"]:
        for value in (True, False):
            if state["attrs"].get(attribute) is not value:
                yield {**state, "attrs": {**state["attrs"], attribute: value}}
    for kind in kinds:
        if kind != state["kind"]:
            yield {**state, "kind": kind}


Attempt: TypeAlias = Callable[[Scenario], "Outcomes | None"]  # None: the budget is spent


def climb(
    plan: dict[str, Any],
    witness: Witness,
    start: Scenario,
    kinds: tuple[str, ...],
    attempt: Attempt,
    answered: Callable[[], bool],
) -> list[tuple[int, bool]]:
    """Search from `start` for a scenario that meets the witness and answers the
    question (`answered`, judged by the caller on each run); the conditions still unmet
    at the end (none if it succeeded)."""
    state = start
    outcomes = attempt(state)
    for _ in range(_STEPS):
        if outcomes is None or answered():
            return [] if outcomes is not None else unmet(plan, {}, witness)
        missing = unmet(plan, outcomes, witness)
        if not missing:
            return []  # the path was taken: the run says what happens on it
        score = len(witness) - len(missing)
        best: tuple[int, Scenario, Outcomes] | None = None
        for candidate in moves(plan, state, missing[0][0], kinds):
            found = attempt(candidate)
            if found is None:
                break
            if answered():
                return []
            gained = len(witness) - len(unmet(plan, found, witness))
            if gained > score and (best is None or gained > best[0]):
                best = (gained, candidate, found)
                if gained == len(witness):
                    break
        if best is None:
            return missing
        _, state, outcomes = best
    return unmet(plan, outcomes or {}, witness)


def phrase(plan: dict[str, Any], missing: list[tuple[int, bool]], ran: bool = False) -> str:
    """The conditions in plain words, as needed: "`count > 0` false, which depends on
    target_modules"; or as a run took them (`ran`): "`count > 0` true, not false"."""
    parts = []
    for index, value in missing:
        condition = plan["conditions"][index]
        text = f"`{condition['text']}`"
        if ran:
            parts.append(f"{text} {'false' if value else 'true'}, not {str(value).lower()}")
            continue
        on = [*condition["params"], *(f"model.{a}" for a in condition["attrs"])]
        depends = f", which depends on {', '.join(on)}" if on else ""
        parts.append(f"{text} {'true' if value else 'false'}{depends}")
    return "; ".join(parts)
