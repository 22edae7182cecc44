"""The input sets of one confirmation and the runs made of them (in the child): which
to try first, and for each site and code which run answers its question."""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any, TypeAlias

from seedlint.runtime.runner import Run, Runner
from seedlint.runtime.search import (
    Scenario,
    key,
    unmet,
)


def scenarios(
    plan: dict[str, Any], model: str, built: tuple[str, ...]
) -> tuple[list[Scenario], list[Scenario], dict[int, Scenario]]:
    """Input sets to try: those the witnesses name (and the defaults), then one literal
    changed at a time; and the first scenario of each site whose witness names inputs,
    where its search starts (under line 0, the defaults).
    `built` are the models the framework's backend builds."""
    vlm_attrs = {a: v for s in plan["sites"] for a, v in s["model_attrs"].items() if v}
    kinds = list(built) if model == "auto" else [model]
    out: list[Scenario] = []

    # A VLM path checks attributes of the model: from a witness, else one flag at a time.
    flag_sets: list[dict[str, Any]] = (
        [vlm_attrs] if vlm_attrs else [{f: True} for f in plan.get("model_flags", [])]
    )

    def add(inputs: dict[str, Any], attrs: dict[str, Any], kind: str | None = None) -> Scenario:
        first: Scenario | None = None
        for k in [kind] if kind else kinds:
            if k != "vlm":
                variants = [{a: v for a, v in attrs.items() if not v}]
            else:
                variants = [attrs] if attrs else (flag_sets or [{}])
            for variant in variants:
                scenario = {"kind": k, "inputs": inputs, "attrs": variant}
                first = first or scenario
                if scenario not in out:
                    out.append(scenario)
        assert first is not None
        return first

    overrides = plan.get("overrides", {})
    starts: dict[int, Scenario] = {}
    for site in plan["sites"]:
        if site["inputs"] or site["model_attrs"]:
            wants_vlm = any(site["model_attrs"].values())
            kind = None if model != "auto" else ("vlm" if wants_vlm and "vlm" in kinds else "text")
            starts[site["line"]] = add({**site["inputs"], **overrides}, site["model_attrs"], kind)
    starts[0] = add(dict(overrides), {})  # the defaults: where a search without a witness starts
    named = list(out)
    bases = [dict(overrides)] + [{**s["inputs"], **overrides} for s in plan["sites"] if s["inputs"]]
    for inputs in bases:
        for param, values in plan["candidates"].items():
            if param in inputs:
                continue
            for value in values:
                add({**inputs, param: value}, {})
    return named, out[len(named) :], starts


Key: TypeAlias = tuple[int, "str | None"]  # (site line, code)


class Trials:
    """The runs made so far, each scenario once, and what they answered: for each
    site and code the first run that fits its question, the runs that reached the site
    with a draw, and the run that met most of its witness."""

    def __init__(self, plan: dict[str, Any], runner: Runner, started: float, ambient: int):
        self.plan, self.runner, self.started, self.ambient = plan, runner, started, ambient
        self.done: dict[str, Run] = {}
        self.chosen: dict[Key, tuple[Scenario, Run]] = {}
        self.reaching: dict[int, list[tuple[Scenario, Run]]] = {}
        self.closest: dict[Key, tuple[int, Run]] = {}
        self.elsewhere: dict[Key, tuple[Scenario, Run]] = {}
        self.wanted = [(s["line"], c) for s in plan["sites"] for c in s["codes"] or [None]]

    def finished(self, settled: Collection[Key] = ()) -> bool:
        """Whether every site and code has its run; those `settled` (searched for
        already) may make do with a run on another path."""
        return all(k in self.chosen or (k in settled and k in self.elsewhere) for k in self.wanted)

    def settled(self, wanted: Key) -> bool:
        return wanted in self.chosen or wanted in self.elsewhere

    def attempt(self, scenario: Scenario) -> Run | None:
        """Run `scenario` (unless it ran before); None once the time is up. At least one
        input set runs, however long the imports took: else nothing is learnt."""
        known = self.done.get(key(scenario))
        if known is not None:
            return known
        if self.done and time.monotonic() - self.started > self.plan["budget"]:
            return None
        plan, runner = self.plan, self.runner
        runner.current_inputs_seed_values = seed_values(plan, plan["defaults"], scenario)
        run = runner.run(scenario, self.ambient)
        self.done[key(scenario)] = run
        for site in plan["sites"]:
            self._observe(site, scenario, run)
        return run

    def _observe(self, site: dict[str, Any], scenario: Scenario, run: Run) -> None:
        plan = self.plan
        for code in site["codes"] or [None]:
            witness = site["witness"].get(code or "", [])
            score = len(witness) - len(unmet(plan, run.outcomes, witness))
            if score > self.closest.get((site["line"], code), (-1, run))[0]:
                self.closest[(site["line"], code)] = (score, run)
        record = run.sites[site["line"]]
        if record.key_before is None or record.key_after == record.key_before:
            return  # not reached, or reached without drawing
        if record.ended and run.error:  # the call drew, then raised: look further
            self.reaching.setdefault(site["line"], []).append((scenario, run))
            return
        seeded, draws = self.runner.state_at(record, self.ambient)
        for code in site["codes"] or [None]:
            if (site["line"], code) in self.chosen:
                continue
            fits = {
                "unseeded": seeded is False,
                "drift": bool(seeded and draws),
            }.get(plan["questions"].get(code) or "", True)
            if not fits:
                continue
            witness = site["witness"].get(code or "", [])
            if not unmet(plan, run.outcomes, witness):
                self.chosen[(site["line"], code)] = (scenario, run)
            else:  # the question answered, on another path than the finding's
                self.elsewhere.setdefault((site["line"], code), (scenario, run))
        self.reaching.setdefault(site["line"], []).append((scenario, run))


def seed_values(
    plan: dict[str, Any], defaults: dict[str, Any], scenario: dict[str, Any]
) -> list[Any]:
    return [{**defaults, **scenario["inputs"]}.get(p) for p in plan["seed_params"]]
