"""A site's row, measured on the run chosen for it (in the child): re-run from another
ambient state and with the seed moved next to the call, or as another process would run
it for a seed's value, and the verdict of what the rule asks."""

from __future__ import annotations

from typing import Any

from seedlint.runtime.runner import Run, Runner
from seedlint.runtime.search import Scenario
from seedlint.runtime.trials import seed_values


def measure(
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
    runner.current_inputs_seed_values = seed_values(plan, plan["defaults"], scenario)
    record_a = run_a.sites[site["line"]]
    if plan["questions"].get(code) == "reproducible":
        return _reproduced(runner, site, code, scenario, run_a, ambient_b)
    seeded, draws = runner.state_at(record_a, ambient_a)
    run_b = runner.from_ambient(scenario, ambient_b)
    last_seed = (record_a.seeds_before or runner.seed_param_values() or [0])[-1]
    run_r = runner.run(scenario, ambient_a, reseed={site["line"]: last_seed})
    names = runner.affected(record_a)
    ambient = runner.max_abs_diff(record_a, run_b.sites[site["line"]], names)
    reference = runner.max_abs_diff(record_a, run_r.sites[site["line"]], names)
    inputs = _inputs(runner, scenario)
    return row(
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


def _inputs(runner: Runner, scenario: Scenario) -> dict[str, Any]:
    """The input set as the report shows it: arguments, model kind and attributes."""
    inputs = {**scenario["inputs"], "model": scenario["kind"], **scenario["attrs"]}
    built = [n for n in runner.plan["objects"] if n not in scenario["inputs"]]
    if built:
        inputs["built"] = built
    if runner.grown.get(scenario["kind"]):
        inputs["grown"] = runner.grown[scenario["kind"]]
    return inputs


def _reproduced(
    runner: Runner,
    site: dict[str, Any],
    code: str | None,
    scenario: Scenario,
    run_a: Run,
    ambient_b: int,
) -> dict[str, Any]:
    """Run the scenario again as another process would (another ambient state, the
    clock later, another pid, fresh entropy) and compare the generator's state right
    after the seeding call: a seed that follows any of those leaves another state."""
    run_b = runner.run(scenario, ambient_b, elsewhere=True)
    after_a, after_b = run_a.sites[site["line"]], run_b.sites[site["line"]]
    if after_b.key_after is None:
        return row(site, code, "inconclusive", detail="the second run did not reach the call")
    differs = after_a.key_after != after_b.key_after
    seeds = [
        run.seeds[len(record.seeds_before)]
        for run, record in ((run_a, after_a), (run_b, after_b))
        if len(run.seeds) > len(record.seeds_before)
    ]
    told = f" (seeds {seeds[0]} and {seeds[1]})" if len(seeds) == 2 and differs else ""
    detail = (
        f"the generator's state after the call differed between two runs with the same "
        f"inputs, the second as another process later would run it{told}"
        if differs
        else "the same generator state after the call in both runs, the second as "
        "another process later would run it"
    )
    inputs = _inputs(runner, scenario)
    verdict = "confirmed" if differs else "not-confirmed"
    return row(site, code, verdict, inputs=inputs, detail=detail)


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


def row(
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
