"""Runs in a child process started by `seedlint confirm`: imports the checked module,
calls the target function on tiny real models, and reports the RNG state at each draw.

Protocol: `child PLAN ANSWER [MODULE ...]`: the MODULEs (frameworks) are imported first,
while the parent may still be writing the plan; then the plan (JSON) is read from the file
PLAN once it exists, and one JSON object is written to the file ANSWER at the end. The
file is opened only then, so nothing the checked code starts holds it open; its stdout
and stderr are the parent's to redirect.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import os
import random
import sys
import time
import traceback
import types
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np

from seedlint.runtime.backends import Params, Seen, framework
from seedlint.runtime.growth import grow
from seedlint.runtime.search import (
    Goal,
    Outcomes,
    Scenario,
    Witness,
    climb,
    key,
    phrase,
    unmet,
)
from seedlint.runtime.watch import Watch, tests_by_line


@dataclass(slots=True)
class SiteRecord:
    key_before: Hashable | None = None  # the generator's state when the call starts
    key_after: Hashable | None = None
    params_before: Params = field(default_factory=dict)
    params_after: Params = field(default_factory=dict)
    seeds_before: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Run:
    sites: dict[int, SiteRecord]
    seeds: list[int]
    error: str = ""  # the exception the function raised, with the line it came from
    outcomes: Outcomes = field(default_factory=dict)  # the values each condition took


def _import(root: str, module: str) -> tuple[types.ModuleType, bool]:
    sys.path.insert(0, root)
    try:
        return importlib.import_module(module), False
    except Exception:  # the package's own __init__ may not import on this platform
        for name in [
            m
            for m in sys.modules
            if m == module.split(".")[0] or m.startswith(module.split(".")[0] + ".")
        ]:
            del sys.modules[name]
    parts = module.split(".")
    for depth in range(1, len(parts)):
        name = ".".join(parts[:depth])
        stub = types.ModuleType(name)
        stub.__path__ = [os.path.join(root, *parts[:depth])]
        sys.modules[name] = stub
    return importlib.import_module(module), True


def raised(exc: BaseException, root: str) -> str:
    """The exception, with the line of the checked code it came from (the innermost
    frame under `root`, else the innermost below the call)."""
    frames = traceback.extract_tb(exc.__traceback__)[1:]  # not the runner's own frame
    inside = [f for f in frames if os.path.abspath(f.filename).startswith(root + os.sep)]
    where = ""
    if inside or frames:
        frame = (inside or frames)[-1]
        name = os.path.relpath(frame.filename, root) if inside else frame.filename
        where = f" (at {name}:{frame.lineno})"
    return f"{type(exc).__name__}: {exc}{where}"


def _resolve(module: types.ModuleType, qualname: str) -> Any:
    target: Any = module
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


class Runner:
    def __init__(self, plan: dict[str, Any]) -> None:
        from seedlint.runtime.backends import load

        self.backend = load(plan.get("framework", "mlx"))
        self.plan = plan
        self.seeds: list[int] = []
        # Before the import, so that a module that imports the seeding function by name
        # gets the recording one too.
        self.backend.record_seeds(self.seeds.append)
        self.module, self.bypassed = _import(plan["root"], plan["module"])
        self.function = _resolve(self.module, plan["qualname"])
        self.code = getattr(self.function, "__code__", None)
        if self.code is None:
            raise TypeError(f"{plan['qualname']} is not a plain function")
        # Values of the seed-like parameters in the scenario being measured.
        self.current_inputs_seed_values: list[Any] = []
        self.models: dict[tuple[str, bool], Any] = {}  # (kind, grown) -> the model
        self.grown: dict[str, list[str]] = {}  # kind -> the attributes grown on it
        self.ambient_runs: dict[tuple[str, int], Run] = {}
        self.tests = tests_by_line(plan["conditions"])
        # The generators of the standard library and numpy as the import left them.
        self.python_state = random.getstate()
        self.numpy_state = np.random.get_state()

    # --- one call of the target function -------------------------------------------
    def model(self, scenario: Scenario) -> Any:
        """A fresh copy of the tiny model of the scenario's kind (built once), with the
        scenario's attributes set."""
        kind, grown = scenario["kind"], bool(scenario.get("grow"))
        if (kind, grown) not in self.models:
            base = self.backend.build(kind, self.plan["model_param"])
            if grown:
                self.backend.seed(0)  # the grown layers' weights are the same every run
                self.grown[kind] = grow(base, self.plan["model_paths"], *self.backend.parts())
            self.models[kind, grown] = base
        model = copy.deepcopy(self.models[kind, grown])
        for attribute, value in scenario["attrs"].items():
            setattr(model, attribute, value)
        return model

    def from_ambient(self, scenario: Scenario, ambient: int) -> Run:
        """`run` without a reseed, once for each scenario and ambient state (rows
        measured on the same input set share it)."""
        known = (key(scenario), ambient)
        if known not in self.ambient_runs:
            self.ambient_runs[known] = self.run(scenario, ambient)
        return self.ambient_runs[known]

    def run(self, scenario: Scenario, ambient: int, reseed: dict[int, int] | None = None) -> Run:
        backend = self.backend
        model = self.model(scenario)
        kwargs = dict(scenario["inputs"])
        kwargs[self.plan["model_param"]] = model
        sites = {s["line"]: (s["end_line"], SiteRecord()) for s in self.plan["sites"]}
        self.seeds.clear()
        random.setstate(self.python_state)  # what an earlier run drew does not carry over
        np.random.set_state(self.numpy_state)
        backend.seed(ambient)
        code = self.code
        seen: Seen = {}
        watch = Watch(self.tests)

        def local(frame: Any, event: str, arg: Any) -> Any:
            line = frame.f_lineno
            if event == "line":
                watch.line(frame, line)
            for start, (end, record) in sites.items():
                if record.key_before is None and event == "line" and line == start:
                    record.params_before = backend.snapshot(model, frame.f_locals, seen)
                    record.seeds_before = list(self.seeds)
                    if reseed and start in reseed:
                        backend.seed(reseed[start])
                    record.key_before = backend.state()
                elif (
                    record.key_before is not None
                    and record.key_after is None
                    and (event == "return" or (event == "line" and (line < start or line > end)))
                ):
                    record.key_after = backend.state()
                    record.params_after = backend.snapshot(model, frame.f_locals, seen)
            return local

        def calls(frame: Any, event: str, arg: Any) -> Any:
            return local if frame.f_code is code else None

        error = ""
        sys.settrace(calls)
        try:
            self.function(**kwargs)
        except Exception as exc:  # the function may fail on a tiny model after the draws
            error = raised(exc, self.plan["root"])
        finally:
            sys.settrace(None)
        records = {line: record for line, (_, record) in sites.items()}
        return Run(records, list(self.seeds), error, watch.outcomes)

    # --- what a site's record says ---------------------------------------------------
    def state_at(self, record: SiteRecord, ambient: int) -> tuple[bool | None, int | None]:
        assert record.key_before is not None
        candidates = list(reversed(record.seeds_before))
        candidates += [v for v in self.seed_param_values() if v not in candidates]
        for seed in candidates:
            draws = self.backend.draws(seed, record.key_before)
            if draws is not None:
                return True, draws
        draws = self.backend.draws(ambient, record.key_before)
        return (False, draws) if draws is not None else (None, None)

    def seed_param_values(self) -> list[int]:
        return [v for v in self.current_inputs_seed_values if isinstance(v, int)]

    def affected(self, record: SiteRecord) -> list[str]:
        out = []
        for name, after in record.params_after.items():
            before = record.params_before.get(name)
            if before is None or before.shape != after.shape or not np.array_equal(before, after):
                out.append(name)
        return out

    def max_abs_diff(self, a: SiteRecord, b: SiteRecord, names: list[str]) -> float | None:
        values = []
        for name in names:
            x, y = a.params_after.get(name), b.params_after.get(name)
            if x is None or y is None or x.shape != y.shape:
                continue
            values.append(
                float(np.max(np.abs(x.astype("float64") - y.astype("float64")))) if x.size else 0.0
            )
        return max(values) if values else None


def _scenarios(
    plan: dict[str, Any], model: str, built: tuple[str, ...]
) -> tuple[list[Scenario], list[Scenario], dict[int, Scenario]]:
    """Input sets to try: those the witnesses name (and the defaults), then one literal
    changed at a time; and the first scenario of each site, where its search starts.
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
    base = add(dict(overrides), {})
    for site in plan["sites"]:
        starts.setdefault(site["line"], base)
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

    def attempt(self, scenario: Scenario) -> Outcomes | None:
        """Run `scenario` (unless it ran before); None once the time is up. At least one
        input set runs, however long the imports took: else nothing is learnt."""
        known = self.done.get(key(scenario))
        if known is not None:
            return known.outcomes
        if self.done and time.monotonic() - self.started > self.plan["budget"]:
            return None
        plan, runner = self.plan, self.runner
        runner.current_inputs_seed_values = _seed_values(plan, plan["defaults"], scenario)
        run = runner.run(scenario, self.ambient)
        self.done[key(scenario)] = run
        for site in plan["sites"]:
            self._observe(site, scenario, run)
        if run.error.startswith("AttributeError") and plan["model_paths"]:
            # The code reads what the tiny model lacks: grow it, and run again.
            grown = self.attempt({**scenario, "grow": True}) if "grow" not in scenario else None
            if grown is not None:
                return grown
        return run.outcomes

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
    named, expanded, starts = _scenarios(plan, model, kinds)
    for scenario in named:
        if trials.finished() or trials.attempt(scenario) is None:
            break
    # Then from each witness's own scenario, follow what its conditions (and those of
    # the `if`s around the call) depend on.
    missing: dict[Key, list[tuple[int, bool]]] = {}
    for site in plan["sites"]:
        for code in site["codes"] or [None]:
            wanted: Key = (site["line"], code)
            witness = site["witness"].get(code or "", [])
            path = witness + [g for g in site["guards"] if g[0] not in dict(witness)]
            if path and wanted not in trials.chosen:
                goal = Goal(
                    path,
                    functools.partial(trials.chosen.__contains__, wanted),
                    functools.partial(trials.settled, wanted),
                    _related(plan, site, path),
                )
                missing[wanted] = climb(plan, goal, starts[site["line"]], kinds, trials.attempt)
    for scenario in expanded:
        if trials.finished(missing) or trials.attempt(scenario) is None:
            break
    results = [
        _result(trials, site, code, missing.get((site["line"], code), []), ambient_b)
        for site in plan["sites"]
        for code in site["codes"] or [None]
    ]
    results += [
        _row(
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
        "seconds": round(time.monotonic() - started, 3),
        "runs": len(trials.done),
    }


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
        return _row(site, code, "inconclusive", detail=detail)
    row = _measure(trials.runner, plan, site, code, *pick, trials.ambient, ambient_b)
    off = unmet(plan, pick[1].outcomes, witness)
    if not off:
        return row
    row["detail"] += (
        f"; on another path than the finding's ({phrase(plan, off, ran=True)}; {tried})"
    )
    pinned = set(plan.get("overrides", {}))
    if answered is None and not all(set(plan["conditions"][i]["params"]) <= pinned for i, _ in off):
        # A run that reached the call on another path says nothing of the finding's
        # (unless the user pinned what that path turns on).
        row["verdict"] = "inconclusive"
    return row


def _seed_values(
    plan: dict[str, Any], defaults: dict[str, Any], scenario: dict[str, Any]
) -> list[Any]:
    return [{**defaults, **scenario["inputs"]}.get(p) for p in plan["seed_params"]]


def _measure(
    runner: Runner,
    plan: dict[str, Any],
    site: dict[str, Any],
    code: str | None,
    scenario: dict[str, Any],
    run_a: Run,
    ambient_a: int,
    ambient_b: int,
) -> dict[str, Any]:
    """Re-run the scenario from another ambient state, and with the seed moved next to
    the call (the reference order), and compare what the call set."""
    runner.current_inputs_seed_values = _seed_values(plan, plan["defaults"], scenario)
    record_a = run_a.sites[site["line"]]
    seeded, draws = runner.state_at(record_a, ambient_a)
    run_b = runner.from_ambient(scenario, ambient_b)
    last_seed = (record_a.seeds_before or runner.seed_param_values() or [0])[-1]
    run_r = runner.run(scenario, ambient_a, reseed={site["line"]: last_seed})
    names = runner.affected(record_a)
    ambient = runner.max_abs_diff(record_a, run_b.sites[site["line"]], names)
    reference = runner.max_abs_diff(record_a, run_r.sites[site["line"]], names)
    inputs = {**scenario["inputs"], "model": scenario["kind"], **scenario["attrs"]}
    if scenario.get("grow"):
        inputs["grown"] = runner.grown.get(scenario["kind"], [])
    return _row(
        site,
        code,
        _verdict(code, plan["questions"].get(code), seeded, draws, ambient, reference),
        seeded,
        draws,
        ambient,
        reference,
        inputs,
        _detail(seeded, draws, len(names), run_a.error),
    )


def _verdict(
    code: str | None,
    question: str | None,  # what the rule of `code` asks: "unseeded", "drift" or nothing
    seeded: bool | None,
    draws: int | None,
    ambient: float | None,
    reference: float | None,
) -> str:
    if seeded is None:
        return "inconclusive"
    if question == "unseeded":
        return "confirmed" if not seeded and (ambient or 0) > 0 else "not-confirmed"
    if question == "drift":
        drifted = seeded and (draws or 0) > 0 and (reference or 0) > 0
        return "confirmed" if drifted else "not-confirmed"
    if code is None:
        # Unseeded counts only when the values follow the ambient state: a helper that
        # seeds and then builds (`tiny_llama(config, seed)`) is reproducible.
        unseeded = not seeded and (ambient or 0) > 0
        wrong = unseeded or (seeded and (draws or 0) > 0 and (reference or 0) > 0)
        return "confirmed" if wrong else "not-confirmed"
    return "inconclusive"


def _detail(seeded: bool | None, draws: int | None, changed: int, error: str) -> str:
    if seeded is None:
        state = "the RNG key at the call is on no known seed's chain"
    elif seeded:
        state = f"seeded, {draws} draw(s) since the seed"
    else:
        state = f"no seed observed; {draws} draw(s) since the ambient state"
    text = f"{state}; {changed} parameter(s) set by the call"
    return text + (f"; the function then raised {error}" if error else "")


def _row(
    site: dict[str, Any],
    code: str | None,
    verdict: str,
    seeded: bool | None = None,
    draws: int | None = None,
    ambient: float | None = None,
    reference: float | None = None,
    inputs: dict[str, Any] | None = None,
    detail: str = "",
) -> dict[str, Any]:
    return {
        "line": site["line"],
        "call": site["name"],
        "code": code,
        "verdict": verdict,
        "seeded": seeded,
        "draws_since_seed": draws if seeded else None,
        "ambient_max_abs_diff": ambient,
        "reference_max_abs_diff": reference,
        "inputs": inputs or {},
        "detail": detail,
    }


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
