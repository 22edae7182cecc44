"""`seedlint confirm`: build the plan statically, run it in a child process, report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seedlint.config import Config
from seedlint.runtime.backends import Framework, framework, likely
from seedlint.runtime.plan import Plan, PlanError, build_plan
from seedlint.runtime.sandbox import Child, Outcome, run_child
from seedlint.store.cache import Cache

_SHOWN = 10  # file names listed in the text report


def check_target(target: str) -> None:
    """Refuse a target that is not FILE.py::QUALNAME with an existing file, before any
    notice is printed or anything runs."""
    file_part, sep, qualname = target.partition("::")
    if not sep or not qualname:
        raise PlanError(f"{target}: expected FILE.py::QUALNAME, the function to run")
    path = Path(file_part)
    if path.suffix != ".py":
        raise PlanError(f"{file_part}: not a .py file; confirm runs a function of Python source")
    if not path.is_file():
        raise PlanError(f"{file_part}: no such file")


def notice(target: str, timeout: float, runs_with: Framework) -> str:
    return (
        f"seedlint: confirm will run the checked code {target} (in a child process, in a "
        f"temporary folder, with the real {runs_with.label}; time limit {timeout:g} s)"
    )


def prepare(
    target: str, config: Config, model: str, cache: Cache | None = None
) -> tuple[Plan, Framework]:
    """The plan (static: nothing runs) and the framework that will run it; `cache` is
    the linter's, for the files of the target's package."""
    plan, _findings = build_plan(target, config, cache)
    runs_with = framework(plan.framework)
    if model != "auto" and model not in runs_with.kinds:
        raise PlanError(
            f"--model {model}: the {runs_with.stream} backend builds {' or '.join(runs_with.kinds)}"
        )
    return plan, runs_with


def start_child(target: str) -> Child:
    """The child process, started to import the frameworks the target's file imports
    while the plan is made (none of the checked code runs before `run_confirm`)."""
    path = Path(target.partition("::")[0])
    return Child(likely(path.read_text(encoding="utf-8", errors="replace")))


def run_confirm(
    plan: Plan,
    target: str,
    model: str,
    overrides: dict[str, Any],
    timeout: float,
    child: Child | None = None,
) -> dict[str, Any]:
    payload = plan.to_json()
    payload["model"] = model
    payload["overrides"] = overrides
    payload["budget"] = max(1.0, timeout * 0.5)
    for site in payload["sites"]:
        site["inputs"] = {**site["inputs"], **overrides}
    outcome = child.run(payload, timeout) if child else run_child(payload, timeout)
    answer = _answer(plan, outcome, timeout)
    # Every row comes from the same runs, so each carries the same list.
    answer["files_written"] = outcome.files_written
    for row in answer["results"]:
        row["files_written"] = outcome.files_written
    return answer


def _answer(plan: Plan, outcome: Outcome, timeout: float) -> dict[str, Any]:
    if outcome.timed_out:
        return _all_inconclusive(plan, f"timed out after {timeout:g} s")
    try:
        answer: dict[str, Any] = json.loads(outcome.answer or "")
    except json.JSONDecodeError:
        return _all_inconclusive(plan, f"the child process failed: {outcome.stderr_tail}")
    if "error" in answer:
        return _all_inconclusive(plan, answer["error"])
    return answer


def _all_inconclusive(plan: Plan, reason: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [
        {
            "line": s.line,
            "call": s.name,
            "code": code,
            "verdict": "inconclusive",
            "seeded": None,
            "draws_since_seed": None,
            "ambient_max_abs_diff": None,
            "reference_max_abs_diff": None,
            "inputs": {},
            "detail": reason,
        }
        for s in plan.sites
        for code in (s.codes or [None])  # type: ignore[list-item]
    ]
    return {"results": rows, "bypassed_init": False, "seconds": None, "runs": 0}


def render_text(target: str, answer: dict[str, Any], runs_with: Framework) -> str:
    lines = [
        f"seedlint confirm {target}",
        f"(this ran the checked code, in a child process with the real {runs_with.label})",
    ]
    if answer.get("runs"):
        runs = answer["runs"]
        lines.append(f"searched {runs} input set{'s' * (runs != 1)} in {answer['seconds']:g} s")
    if answer.get("bypassed_init"):
        lines.append("note: the package's own __init__ did not import here; it was bypassed")
    if answer.get("ran_from"):
        lines.append(
            f"note: its package was already imported (by the framework) from "
            f"{answer['ran_from']}: that copy ran, not the file given"
        )
    written = answer.get("files_written") or []
    if written:
        shown = ", ".join(written[:_SHOWN]) + (
            f" and {len(written) - _SHOWN} more" if len(written) > _SHOWN else ""
        )
        lines.append(
            f"the code wrote these files in its working folder (a temporary folder, "
            f"now removed): {shown}"
        )
    for row in answer["results"]:

        def fmt(value: Any) -> str:
            return (
                "-"
                if value is None
                else (f"{value:.4g}" if isinstance(value, float) else str(value))
            )

        lines.append(
            f"line {row['line']} {row['code'] or '-'} `{row['call']}`: {row['verdict']} "
            f"(seeded={fmt(row['seeded'])}, draws since seed={fmt(row['draws_since_seed'])}, "
            f"max|Δ| ambient={fmt(row['ambient_max_abs_diff'])}, "
            f"reference={fmt(row['reference_max_abs_diff'])}) "
            f"inputs={row['inputs']} — {row['detail']}"
        )
    return "\n".join(lines) + "\n"
