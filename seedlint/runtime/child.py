"""Runs in a child process started by `seedlint confirm`: imports the checked module once
(`runner`), runs the input sets the search picks (`trials`, `search`) on tiny real models,
and measures each draw site on the run that answers its rule's question (`verdicts`).

Protocol: `child PLAN ANSWER [MODULE ...]`: the MODULEs (frameworks) are imported first,
while the parent may still be writing the plan; then the plan (JSON) is read from the file
PLAN once it exists, and one JSON object is written to the file ANSWER at the end. The
file is opened only then, so nothing the checked code starts holds it open; its stdout
and stderr are the parent's to redirect.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import time
from typing import Any

from seedlint.runtime.backends import framework
from seedlint.runtime.runner import Runner
from seedlint.runtime.search import (
    Goal,
    Scenario,
    Witness,
    climb,
    phrase,
    unmet,
)
from seedlint.runtime.trials import Key, Trials, scenarios
from seedlint.runtime.verdicts import measure, row


def confirm(plan: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    stream = plan.get("framework", "mlx")
    # Sites of another stream (numpy in a torch function, say) are not measured here.
    others = [s for s in plan["sites"] if s.get("stream") not in (None, "", stream)]
    plan = {**plan, "sites": [s for s in plan["sites"] if s not in others]}
    runner = Runner(plan)
    ambient_a, ambient_b = 1234, 98765
    model = plan.get("model", "auto")
    kinds = framework(stream).kinds if model == "auto" else (model,)
    trials = Trials(plan, runner, started, ambient_a)
    unbuilt = runner.cannot_build(scenarios(plan, model, kinds)[0][0])
    if unbuilt:  # a method whose class cannot be built: nothing to search
        rows = [
            row(s, c, "inconclusive", detail=unbuilt)
            for s in plan["sites"]
            for c in s["codes"] or [None]
        ]
        return {
            "results": rows,
            "bypassed_init": runner.bypassed,
            "ran_from": runner.ran_from,
            "seconds": None,
            "runs": 0,
        }
    missing = _search(trials, kinds, *scenarios(plan, model, kinds))
    results = [
        _result(trials, site, code, missing.get((site["line"], code), []), ambient_b)
        for site in plan["sites"]
        for code in site["codes"] or [None]
    ]
    results += [
        row(
            site,
            code,
            "inconclusive",
            detail=f"draws from the {site['stream']} stream, "
            f"not from {stream}'s that this run follows",
        )
        for site in others
        for code in site["codes"] or [None]
    ]
    results.sort(key=lambda row: row["line"])  # stable: a site's codes stay in order
    return {
        "results": results,
        "bypassed_init": runner.bypassed,
        "ran_from": runner.ran_from,
        "seconds": round(time.monotonic() - started, 3),
        "runs": len(trials.done),
    }


def _search(
    trials: Trials,
    kinds: tuple[str, ...],
    named: list[Scenario],
    expanded: list[Scenario],
    starts: dict[int, Scenario],
) -> dict[Key, list[tuple[int, bool]]]:
    """Run the input sets the witnesses name; then, for each site and code still without
    its run, climb from its witness's input set (the defaults without one) along what
    its conditions and those of the `if`s around the call depend on; then one literal
    changed at a time. The conditions each climb could not meet."""
    plan = trials.plan
    for scenario in named:
        if trials.finished() or trials.attempt(scenario) is None:
            break
    missing: dict[Key, list[tuple[int, bool]]] = {}
    for site in plan["sites"]:
        for code in site["codes"] or [None]:
            wanted: Key = (site["line"], code)
            if wanted in trials.chosen:
                continue
            witness = site["witness"].get(code or "", [])
            path = witness + [g for g in site["guards"] if g[0] not in dict(witness)]
            start = starts.get(site["line"]) if witness else None
            goal = Goal(
                path,
                functools.partial(trials.chosen.__contains__, wanted),
                functools.partial(trials.settled, wanted),
                _related(plan, site, path),
            )
            missing[wanted] = climb(plan, goal, start or starts[0], kinds, trials.attempt)
    for scenario in expanded:
        if trials.finished(missing) or trials.attempt(scenario) is None:
            break
    return missing


def _related(plan: dict[str, Any], site: dict[str, Any], path: Witness) -> list[str]:
    """The parameters the site's other conditions (the witnesses of its other codes)
    depend on and `path`'s do not: what may answer another question on the same path
    (the seed that a drift needs, say)."""
    on_path = {p for index, _ in path for p in plan["conditions"][index]["params"]}
    out: list[str] = []
    for index, _ in (pair for w in site["witness"].values() for pair in w):
        out += [p for p in plan["conditions"][index]["params"] if p not in out and p not in on_path]
    return out


def _result(
    trials: Trials,
    site: dict[str, Any],
    code: str | None,
    missing: list[tuple[int, bool]],
    ambient_b: int,
) -> dict[str, Any]:
    """The row of one site and code, measured on the run the search chose."""
    plan, wanted = trials.plan, (site["line"], code)
    witness = site["witness"].get(code or "", [])
    answered = trials.chosen.get(wanted) or trials.elsewhere.get(wanted)
    pick = answered or next(iter(trials.reaching.get(site["line"], [])), None)
    tried = f"{len(trials.done)} input sets tried"
    if pick is None:
        detail = f"the call was never reached with a draw ({tried})"
        closest = trials.closest.get(wanted)
        if missing:
            detail += f"; could not make {phrase(plan, missing)}"
        elif closest and witness and closest[0] == len(witness) and not closest[1].error:
            detail += "; on the finding's path the call drew nothing"
        if closest and closest[1].error:
            detail += f"; the function raised {closest[1].error}"
            if plan["objects"]:
                built = ", ".join(plan["objects"])
                detail += f" (with {built} built from what the code reads off them)"
        return row(site, code, "inconclusive", detail=detail)
    found = measure(trials.runner, plan, site, code, *pick, trials.ambient, ambient_b)
    off = unmet(plan, pick[1].outcomes, witness)
    if not off:
        return found
    found["detail"] += (
        f"; on another path than the finding's ({phrase(plan, off, ran=True)}; {tried})"
    )
    pinned = set(plan.get("overrides", {}))
    if answered is None and not all(set(plan["conditions"][i]["params"]) <= pinned for i, _ in off):
        # A run that reached the call on another path says nothing of the finding's
        # (unless the user pinned what that path turns on).
        found["verdict"] = "inconclusive"
    return found


def _warm(modules: list[str]) -> None:
    """Import the frameworks the plan will likely need while the parent makes it."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the plan decides what is needed; a failure shows there
            continue


def _wait_for(path: str) -> bool:
    """Wait until the parent has written the plan; False if the parent went away."""
    parent = os.getppid()
    pause = 0.002
    while not os.path.exists(path):
        if os.getppid() != parent:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
    return True


def main() -> None:
    plan_file, answer_file, *warm = sys.argv[1:]
    _warm(warm)
    if not _wait_for(plan_file):
        return
    with open(plan_file, encoding="utf-8") as source:
        plan = json.load(source)
    try:
        answer = confirm(plan)
    except Exception as exc:
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    with open(answer_file, "w", encoding="utf-8") as out:
        out.write(json.dumps(answer, default=repr))


if __name__ == "__main__":
    main()
