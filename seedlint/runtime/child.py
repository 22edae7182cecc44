"""Runs in a child process started by `seedlint confirm`: imports the checked module,
calls the target function on tiny real models, and reports the RNG state at each draw.

Protocol: `child PLAN ANSWER`: the plan (JSON) is read from the file PLAN, and one JSON
object is written to the file ANSWER at the end. The file is opened only then, so nothing
the checked code starts holds it open; its stdout and stderr are the parent's to redirect.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import types
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seedlint.runtime.backends import Params, Seen, framework


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
    error: str = ""


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

    # --- one call of the target function -------------------------------------------
    def run(
        self, scenario: dict[str, Any], ambient: int, reseed: dict[int, int] | None = None
    ) -> Run:
        backend = self.backend
        model = backend.build(scenario["kind"], self.plan["model_param"])
        for attribute, value in scenario["attrs"].items():
            setattr(model, attribute, value)
        kwargs = dict(scenario["inputs"])
        kwargs[self.plan["model_param"]] = model
        sites = {s["line"]: (s["end_line"], SiteRecord()) for s in self.plan["sites"]}
        self.seeds.clear()
        backend.seed(ambient)
        code = self.code
        seen: Seen = {}

        def local(frame: Any, event: str, arg: Any) -> Any:
            line = frame.f_lineno
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
            error = f"{type(exc).__name__}: {exc}"
        finally:
            sys.settrace(None)
        return Run({line: record for line, (_, record) in sites.items()}, list(self.seeds), error)

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


def _scenarios(plan: dict[str, Any], model: str, built: tuple[str, ...]) -> list[dict[str, Any]]:
    """Input sets to try, in order; `built` are the models the framework's backend builds."""
    vlm_attrs = {a: v for s in plan["sites"] for a, v in s["model_attrs"].items() if v}
    kinds = list(built) if model == "auto" else [model]
    out: list[dict[str, Any]] = []

    # A VLM path checks attributes of the model: from a witness, else one flag at a time.
    flag_sets: list[dict[str, Any]] = (
        [vlm_attrs] if vlm_attrs else [{f: True} for f in plan.get("model_flags", [])]
    )

    def add(inputs: dict[str, Any], attrs: dict[str, Any], kind: str | None = None) -> None:
        for k in [kind] if kind else kinds:
            if k != "vlm":
                variants = [{a: v for a, v in attrs.items() if not v}]
            else:
                variants = [attrs] if attrs else (flag_sets or [{}])
            for variant in variants:
                scenario = {"kind": k, "inputs": inputs, "attrs": variant}
                if scenario not in out:
                    out.append(scenario)

    overrides = plan.get("overrides", {})
    for site in plan["sites"]:
        if site["inputs"] or site["model_attrs"]:
            wants_vlm = any(site["model_attrs"].values())
            kind = None if model != "auto" else ("vlm" if wants_vlm and "vlm" in kinds else "text")
            add({**site["inputs"], **overrides}, site["model_attrs"], kind)
    add(dict(overrides), {})
    bases = [dict(overrides)] + [{**s["inputs"], **overrides} for s in plan["sites"] if s["inputs"]]
    for base in bases:
        for param, values in plan["candidates"].items():
            if param in base:
                continue
            for value in values:
                add({**base, param: value}, {})
    return out


def confirm(plan: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    stream = plan.get("framework", "mlx")
    # Sites of another stream (numpy in a torch function, say) are not measured here.
    others = [s for s in plan["sites"] if s.get("stream") not in (None, "", stream)]
    plan = {**plan, "sites": [s for s in plan["sites"] if s not in others]}
    runner = Runner(plan)
    ambient_a, ambient_b = 1234, 98765
    defaults = plan.get("defaults", {})
    reaching: dict[int, list[tuple[dict[str, Any], Run, bool, int | None]]] = {}
    wanted = {(site["line"], code) for site in plan["sites"] for code in site["codes"] or [None]}
    chosen: dict[tuple[int, str | None], tuple[dict[str, Any], Run]] = {}
    tried = 0
    for scenario in _scenarios(plan, plan.get("model", "auto"), framework(stream).kinds):
        # At least one input set, however long the imports took: else nothing is learnt.
        if len(chosen) == len(wanted) or (tried and time.monotonic() - started > plan["budget"]):
            break
        runner.current_inputs_seed_values = _seed_values(plan, defaults, scenario)
        run = runner.run(scenario, ambient_a)
        tried += 1
        for site in plan["sites"]:
            record = run.sites[site["line"]]
            if record.key_before is None or record.key_after == record.key_before:
                continue  # not reached, or reached without drawing
            seeded, draws = runner.state_at(record, ambient_a)
            for code in site["codes"] or [None]:
                if (site["line"], code) in chosen:
                    continue
                fits = {
                    "unseeded": seeded is False,
                    "drift": bool(seeded and draws),
                }.get(plan["questions"].get(code) or "", True)
                if fits:
                    chosen[(site["line"], code)] = (scenario, run)
                reaching.setdefault(site["line"], []).append((scenario, run, bool(seeded), draws))
    results = []
    for site in plan["sites"]:
        for code in site["codes"] or [None]:
            pick = chosen.get((site["line"], code))
            if pick is None and reaching.get(site["line"]):
                pick = reaching[site["line"]][0][:2]
            if pick is None:
                results.append(
                    _row(
                        site,
                        code,
                        "inconclusive",
                        detail=(
                            f"the call was never reached with a draw ({tried} input sets tried)"
                        ),
                    )
                )
                continue
            results.append(
                _measure(runner, plan, defaults, site, code, *pick, ambient_a, ambient_b)
            )
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
        "runs": tried,
    }


def _seed_values(
    plan: dict[str, Any], defaults: dict[str, Any], scenario: dict[str, Any]
) -> list[Any]:
    return [{**defaults, **scenario["inputs"]}.get(p) for p in plan["seed_params"]]


def _measure(
    runner: Runner,
    plan: dict[str, Any],
    defaults: dict[str, Any],
    site: dict[str, Any],
    code: str | None,
    scenario: dict[str, Any],
    run_a: Run,
    ambient_a: int,
    ambient_b: int,
) -> dict[str, Any]:
    """Re-run the scenario from another ambient state, and with the seed moved next to
    the call (the reference order), and compare what the call set."""
    runner.current_inputs_seed_values = _seed_values(plan, defaults, scenario)
    record_a = run_a.sites[site["line"]]
    seeded, draws = runner.state_at(record_a, ambient_a)
    run_b = runner.run(scenario, ambient_b)
    last_seed = (record_a.seeds_before or runner.seed_param_values() or [0])[-1]
    run_r = runner.run(scenario, ambient_a, reseed={site["line"]: last_seed})
    names = runner.affected(record_a)
    ambient = runner.max_abs_diff(record_a, run_b.sites[site["line"]], names)
    reference = runner.max_abs_diff(record_a, run_r.sites[site["line"]], names)
    inputs = {**scenario["inputs"], "model": scenario["kind"], **scenario["attrs"]}
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


def main() -> None:
    plan_file, answer_file = sys.argv[1:3]
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
