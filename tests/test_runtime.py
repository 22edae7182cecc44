"""`seedlint confirm` with the real mlx and mlx-lm (CPU) on tiny in-process models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

LOADER = "unsloth_zoo/mlx/loader.py::FastMLXModel.get_peft_model"


def confirm(target: str, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    result = subprocess.run(
        [sys.executable, "-m", "seedlint", "confirm", "--format", "json", *extra, target],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def row(rows: list[dict[str, Any]], line: int, code: str | None) -> dict[str, Any]:
    (found,) = [r for r in rows if r["line"] == line and r["code"] == code]
    return found


def test_unsloth_zoo_after_the_move_is_confirmed(corpus: Path) -> None:
    code, rows = confirm(str(corpus / "unsloth-zoo-2026.5.3" / LOADER))
    assert code == 1
    vision = row(rows, 2872, "SDL101")
    assert vision["verdict"] == "confirmed" and vision["seeded"] is False
    assert vision["inputs"]["finetune_language_layers"] is False
    assert vision["inputs"]["train_vision"] is True
    assert vision["ambient_max_abs_diff"] > 0.1
    init = row(rows, 2958, "SDL201")
    assert init["verdict"] == "confirmed" and init["draws_since_seed"] > 0
    assert init["reference_max_abs_diff"] > 0
    for line in (2861, 2948):
        text = row(rows, line, None)
        assert (text["seeded"], text["draws_since_seed"]) == (True, 0)
    for item in rows:
        assert set(item) >= {
            "line",
            "code",
            "verdict",
            "seeded",
            "draws_since_seed",
            "ambient_max_abs_diff",
            "reference_max_abs_diff",
            "inputs",
            "detail",
        }


def test_unsloth_zoo_before_the_move_did_not_drift(corpus: Path) -> None:
    _, rows = confirm(str(corpus / "unsloth-zoo-2026.5.2" / LOADER))
    assert not [r for r in rows if r["verdict"] == "confirmed" and r["seeded"] is False]
    text = row(rows, 2905, None)
    assert (text["seeded"], text["draws_since_seed"]) == (True, 0)


def test_mlx_lm_train_model_runs_on_built_arguments(corpus: Path) -> None:
    target = str(corpus / "mlx-lm-0.32.2" / "mlx_lm" / "lora.py") + "::train_model"
    code, rows = confirm(target)
    # No finding (DESIGN.md): the draw site is judged, on args, train_set and valid_set
    # built from what the function reads off them.
    assert code == 0
    (found,) = rows
    assert found["code"] is None and found["verdict"] == "not-confirmed", found
    assert (found["seeded"], found["draws_since_seed"]) == (True, 0)
    assert found["inputs"]["args.fine_tune_type"] in ("lora", "dora")
    assert found["inputs"]["built"] == ["args", "train_set", "valid_set"]
    text = subprocess.run(
        [sys.executable, "-m", "seedlint", "confirm", target],
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    # The framework imported its own mlx_lm first: the report says which copy ran.
    assert "note: its package was already imported (by the framework) from" in text


def write_package(tmp_path: Path, body: str) -> str:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("raise ImportError('not on this platform')\n")
    (package / "lora.py").write_text(body)
    return f"{package / 'lora.py'}::apply"


def test_seeded_adjacent_call_is_not_confirmed_and_init_is_bypassed(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        (
            "import mlx.core as mx\n"
            "from mlx_lm.tuner.utils import linear_to_lora_layers\n"
            "def apply(model, seed=7, flag=True):\n"
            "    if flag:\n"
            "        mx.random.seed(seed)\n"
            "    linear_to_lora_layers(model, 2, {'rank': 4, 'scale': 2.0, 'dropout': 0.0})\n"
            "    return model\n"
        ),
    )
    code, rows = confirm(target)
    found = row(rows, 6, "SDL101")
    assert found["verdict"] == "confirmed" and found["inputs"]["flag"] is False
    assert code == 1
    code, rows = confirm(target, "--set", "flag=True", "--model", "text")
    assert row(rows, 6, "SDL101")["verdict"] == "not-confirmed"
    assert code == 0


def test_hang_is_inconclusive_within_the_time_limit(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        (
            "import time\nimport mlx.core as mx\n"
            "def apply(model, seed=1, flag=True):\n"
            "    if flag:\n"
            "        mx.random.seed(seed)\n"
            "    time.sleep(600)\n"
            "    return mx.random.normal((2,))\n"
        ),
    )
    code, rows = confirm(target, "--timeout", "8")
    assert code == 0
    assert rows and all(r["verdict"] == "inconclusive" for r in rows)
    assert "timed out" in rows[0]["detail"]
