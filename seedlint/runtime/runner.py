"""One call of the checked function in the child, traced: the RNG state and the model's
parameters around each draw site, the way each witness condition went, the exception it
raised. The model is built once per kind (and grown) and copied for each run; the
generators of the standard library and numpy are restored before each."""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import os
import random
import sys
import traceback
import types
from collections.abc import Hashable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import numpy as np

from seedlint.runtime import instances, standins
from seedlint.runtime.another import another_process
from seedlint.runtime.backends import Params, Seen
from seedlint.runtime.growth import grow
from seedlint.runtime.search import Outcomes, Scenario, key
from seedlint.runtime.tracing import traced
from seedlint.runtime.watch import Probe, Watch, tests_by_line


@dataclass(slots=True)
class SiteRecord:
    key_before: Hashable | None = None  # the generator's state when the call starts
    key_after: Hashable | None = None
    params_before: Params = field(default_factory=dict)
    params_after: Params = field(default_factory=dict)
    seeds_before: list[int] = field(default_factory=list)
    ended: bool = False  # closed when the frame ended: with an error, the call raised


@dataclass(slots=True)
class Run:
    sites: dict[int, SiteRecord]
    seeds: list[int]
    error: str = ""  # the exception the function raised, with the line it came from
    outcomes: Outcomes = field(default_factory=dict)  # the values each condition took
    reads: list[str] = field(default_factory=list)  # leaves of built parameters read


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


def code_of(function: str) -> types.CodeType | None:
    """The code of a `module:qualname` function, also of one nested in another
    (`outer.<locals>.inner`: a constant of the outer's code); None if not found."""
    module_name, _, qualname = function.partition(":")
    try:
        holder: Any = importlib.import_module(module_name)
    except Exception:  # imported by the target's module or not at all
        return None
    code: types.CodeType | None = None
    for part in qualname.split("."):
        if part == "<locals>":
            continue
        if code is not None:  # inside a function: its nested ones are constants
            code = next(
                (c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == part),
                None,
            )
            if code is None:
                return None
            continue
        holder = getattr(holder, part, None)
        if isinstance(holder, type):
            continue
        found = getattr(inspect.unwrap(holder), "__code__", None) if callable(holder) else None
        if not isinstance(found, types.CodeType):
            return None
        code = found
    return code


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
        # A package the frameworks are part of (mlx_lm) may have been imported before
        # the root was on the path: that copy runs, and the report says so.
        found = os.path.abspath(getattr(self.module, "__file__", None) or plan["root"])
        self.ran_from = "" if found.startswith(plan["root"] + os.sep) else found
        self.function = _resolve(self.module, plan["qualname"])
        self.owner = instances.owner(self.module, plan["qualname"])  # a method's class
        code = getattr(self.function, "__code__", None)
        if not isinstance(code, types.CodeType):
            raise TypeError(f"{plan['qualname']} is not a plain function")
        self.code: types.CodeType = code
        # Values of the seed-like parameters in the scenario being measured.
        self.current_inputs_seed_values: list[Any] = []
        self.models: dict[str, Any] = {}  # kind -> the model, grown
        self.grown: dict[str, list[str]] = {}  # kind -> the attributes grown on it
        self.ambient_runs: dict[tuple[str, int], Run] = {}
        self.watched = self._watched(plan)
        # The generators of the standard library and numpy as the import left them.
        self.python_state = random.getstate()
        self.numpy_state = np.random.get_state()

    def _watched(self, plan: dict[str, Any]) -> dict[types.CodeType, dict[int, list[Probe]]]:
        """The probes of each function whose frames are traced: the target's, and the
        helpers' its draw sites go down through. A helper whose code cannot be found
        here (defined at run time) cannot be watched: its conditions count as met."""
        out: dict[types.CodeType, dict[int, list[Probe]]] = {}
        for function, lines in tests_by_line(plan["conditions"]).items():
            code = self.code if not function else code_of(function)
            if code is not None:
                out[code] = lines
                continue
            for condition in plan["conditions"]:
                if condition["function"] == function:
                    condition["tests"] = []
        return out

    # --- one call of the target function -------------------------------------------
    def model(self, scenario: Scenario) -> Any:
        """A fresh copy of the tiny model of the scenario's kind (built once, and grown
        the attribute paths the code reads before its first run), with the scenario's
        attributes set."""
        kind = scenario["kind"]
        if kind not in self.models:
            base = self.backend.build(kind, self.plan["model_param"])
            self.backend.seed(0)  # the grown layers' weights are the same every run
            self.grown[kind] = grow(base, self.plan["model_paths"], self.backend.parts())
            self.models[kind] = base
        model = copy.deepcopy(self.models[kind])
        for attribute, value in scenario["attrs"].items():
            # A framework may refuse (torch, a flag over a child module): left as built.
            with contextlib.suppress(Exception):
                setattr(model, attribute, value)
        return model

    def cannot_build(self, scenario: Scenario) -> str:
        """Why the method's class cannot be built with the scenario's model ("" if it
        can, or the target is no method)."""
        if self.owner is None:
            return ""
        try:
            instances.build(self.owner, self.model(scenario))
        except instances.NoInstance as exc:
            return str(exc)
        return ""

    def from_ambient(self, scenario: Scenario, ambient: int) -> Run:
        """`run` without a reseed, once for each scenario and ambient state (rows
        measured on the same input set share it)."""
        known = (key(scenario), ambient)
        if known not in self.ambient_runs:
            self.ambient_runs[known] = self.run(scenario, ambient)
        return self.ambient_runs[known]

    def run(
        self,
        scenario: Scenario,
        ambient: int,
        reseed: dict[int, int] | None = None,
        elsewhere: bool = False,  # as another process, at another moment, would run it
    ) -> Run:
        backend = self.backend
        model = self.model(scenario)
        kwargs, reads = self.arguments(scenario)
        if self.plan["model_param"]:
            kwargs[self.plan["model_param"]] = model
        sites = {s["line"]: (s["end_line"], SiteRecord()) for s in self.plan["sites"]}
        self.seeds.clear()
        random.setstate(self.python_state)  # what an earlier run drew does not carry over
        np.random.set_state(self.numpy_state)
        backend.seed(ambient)
        seen: Seen = {}
        watch = Watch(self.watched)

        def line(frame: FrameType, number: int) -> None:
            watch.line(frame, number)
            if frame.f_code is not self.code:
                return
            for start, (last, record) in sites.items():
                if record.key_before is None and number == start:
                    record.params_before = backend.snapshot(model, frame.f_locals, seen)
                    record.seeds_before = list(self.seeds)
                    if reseed and start in reseed:
                        backend.seed(reseed[start])
                    record.key_before = backend.state()
                elif record.key_before is not None and not start <= number <= last:
                    close(record, frame)

        def end(frame: FrameType) -> None:
            for _, record in sites.values():
                record.ended = record.key_after is None and record.key_before is not None
                close(record, frame)

        def close(record: SiteRecord, frame: FrameType) -> None:
            if record.key_before is not None and record.key_after is None:
                record.key_after = backend.state()
                record.params_after = backend.snapshot(model, frame.f_locals, seen)

        error = ""
        try:
            target = self.function
            if self.owner is not None:  # built in the run, as the caller's code would
                target = types.MethodType(self.function, instances.build(self.owner, model))
        except instances.NoInstance as exc:
            target, error = None, str(exc)
        try:
            moved = another_process() if elsewhere else contextlib.nullcontext()
            with traced(self.code, line, end, self.watched), moved:
                if target is not None:
                    target(**kwargs)
        except Exception as exc:  # the function may fail on a tiny model after the draws
            error = raised(exc, self.plan["root"])
        records = {line: record for line, (_, record) in sites.items()}
        return Run(records, list(self.seeds), error, watch.outcomes, reads)

    def arguments(self, scenario: Scenario) -> tuple[dict[str, Any], list[str]]:
        """The keyword arguments of a run but the model: the scenario's parameters, and
        a stand-in for each parameter without a default that it does not set (its
        leaves from the scenario's pseudo parameters); and the list its reads go to."""
        inputs = scenario["inputs"]
        values = {**self.plan["defaults"], **inputs}
        kwargs = {name: value for name, value in inputs.items() if name.isidentifier()}
        reads: list[str] = []
        for name, paths in self.plan["objects"].items():
            if name not in kwargs:
                kwargs[name] = standins.build(name, paths, values, reads)
        return kwargs, reads

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
