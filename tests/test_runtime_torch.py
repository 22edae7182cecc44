"""`seedlint confirm` with the real torch, transformers and peft (CPU) on a tiny Llama built
from its configuration: fixtures/torch_lora is flagged statically and confirmed at run
time; its twin with the seed first is neither."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from seedlint.config import Config
from seedlint.engine import analyse
from seedlint.runtime.backends.torch import TorchBackend
from seedlint.runtime.growth import grow, key_part
from tests.conftest import ROOT, write_package
from tests.test_runtime import confirm, row

FIXTURE = ROOT / "fixtures" / "torch_lora"
FLAGGED, TWIN = FIXTURE / "lora.py", FIXTURE / "lora_seeded.py"
# Two layers, each with LoRA A and B on q_proj and v_proj.
LORA_PARAMETERS = "8 parameter(s) set by the call"


def static_findings(path: Path) -> set[tuple[int, str, str]]:
    result = analyse([str(path.parent)], Config(), Config().load_packs())
    return {(d.line, d.code, d.stream) for d in result.diagnostics if Path(d.path) == path}


def test_the_fixture_is_flagged_on_the_torch_stream_and_its_twin_is_clean() -> None:
    assert static_findings(FLAGGED) == {
        (9, "SDL101", "torch"),  # the model built from its config
        (11, "SDL101", "torch"),
        (18, "SDL101", "torch"),
    }
    assert static_findings(TWIN) == set()


@pytest.mark.parametrize(
    ("function", "line", "draws"),
    [("lora_model", 11, r"[1-9]\d* draw\(s\)"), ("add_lora", 18, r"0 draw\(s\)")],
    ids=["builds-from-config", "model-passed-in"],
)
def test_adapters_before_the_seed_are_confirmed(function: str, line: int, draws: str) -> None:
    started = time.monotonic()
    code, rows = confirm(f"{FLAGGED}::{function}")
    seconds = time.monotonic() - started
    assert code == 1
    found = row(rows, line, "SDL101")
    assert found["verdict"] == "confirmed" and found["seeded"] is False
    assert found["ambient_max_abs_diff"] > 0.01  # the LoRA A matrices differ
    # Only the adapters count as set: peft's wrapped layers keep their weights.
    assert LORA_PARAMETERS in found["detail"]
    # The tiny Llama's own draws (built here from the config) are counted from the ambient state.
    assert re.search(f"; {draws} since the ambient state;", found["detail"])
    assert seconds < 30, f"confirm took {seconds:.1f} s"


@pytest.mark.parametrize("function", ["lora_model", "add_lora"])
def test_adapters_after_the_seed_are_not_confirmed(function: str) -> None:
    line = {"lora_model": 17, "add_lora": 24}[function]
    code, rows = confirm(f"{TWIN}::{function}")
    assert code == 0
    found = row(rows, line, None)
    assert found["verdict"] == "not-confirmed"
    assert (found["seeded"], found["draws_since_seed"]) == (True, 0)
    assert found["ambient_max_abs_diff"] == 0 and found["reference_max_abs_diff"] == 0
    assert LORA_PARAMETERS in found["detail"]


def test_the_rows_are_those_of_mlx(tmp_path: Path) -> None:
    mlx_target = write_package(
        tmp_path,
        """\
        import mlx.core as mx
        from mlx_lm.tuner.utils import linear_to_lora_layers
        def apply(model, seed=0):
            linear_to_lora_layers(model, 2, {"rank": 4, "scale": 2.0, "dropout": 0.0})
            mx.random.seed(seed)
            return model
        """,
    )
    _, (mlx_row,) = confirm(mlx_target)
    _, (torch_row,) = confirm(f"{FLAGGED}::add_lora")
    assert mlx_row["verdict"] == torch_row["verdict"] == "confirmed"
    assert list(torch_row) == list(mlx_row)
    for key, value in torch_row.items():
        assert type(value) is type(mlx_row[key]), key


def test_grown_containers_are_torch_modules_the_model_walks() -> None:
    model = torch.nn.Module()
    added = grow(
        model,
        [["vision_tower", "layers", 1, "q_proj"], ["adapters", key_part("default")]],
        TorchBackend().parts(),
    )
    assert added == ["vision_tower.layers[1].q_proj", "adapters['default']"]
    assert isinstance(model.vision_tower.layers, torch.nn.ModuleList)
    assert isinstance(model.adapters, torch.nn.ModuleDict)
    names = {name for name, _ in model.named_modules()}
    assert {"vision_tower.layers.1.q_proj", "adapters.default"} <= names
    assert len(list(model.parameters())) == 4  # two linear layers: weight and bias each


def test_a_part_read_only_behind_a_hasattr_is_grown_before_the_first_run(
    tmp_path: Path,
) -> None:
    target = write_package(
        tmp_path,
        """\
        import torch
        def apply(model, seed=0):
            if hasattr(model, "vision_tower"):
                block = model.vision_tower.layers[0]
                torch.nn.init.normal_(block.weight)
            torch.manual_seed(seed)
            return model
        """,
    )
    code, rows = confirm(target)
    found = row(rows, 5, "SDL101")
    # No AttributeError ever asks for it: the tiny Llama has the tower from the start,
    # in a ModuleList, so the parameters the call set are seen.
    assert found["verdict"] == "confirmed", found
    assert found["inputs"]["grown"] == ["vision_tower.layers[0]"]
    assert "1 parameter(s) set by the call" in found["detail"]
    assert code == 1


def test_a_numpy_draw_is_left_to_its_stream(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        """\
        import numpy as np
        from peft import LoraConfig, get_peft_model
        from transformers import set_seed
        def apply(model, seed=0):
            noise = np.random.normal(size=3)
            model = get_peft_model(model, LoraConfig(r=2, target_modules=["q_proj"]))
            set_seed(seed)
            return model, noise
        """,
    )
    code, rows = confirm(target)
    assert code == 1
    assert row(rows, 6, "SDL101")["verdict"] == "confirmed"
    numpy_row = row(rows, 5, "SDL101")
    assert numpy_row["verdict"] == "inconclusive"
    assert "numpy stream" in numpy_row["detail"]


def test_hang_is_inconclusive_within_the_time_limit(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        """\
        import time
        import torch
        def apply(model, seed=1, flag=True):
            if flag:
                torch.manual_seed(seed)
            time.sleep(600)
            return torch.randn(2)
        """,
    )
    started = time.monotonic()
    code, rows = confirm(target, "--timeout", "8")
    assert time.monotonic() - started < 20
    assert code == 0
    assert rows and all(r["verdict"] == "inconclusive" for r in rows)
    assert "timed out after 8 s" in rows[0]["detail"]


def test_without_torch_a_torch_target_gets_the_install_hint() -> None:
    # torch made unimportable in the CLI's process (find_spec sees None in sys.modules).
    boot = "import sys; sys.modules['torch'] = None; from seedlint.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", boot, "confirm", f"{FLAGGED}::add_lora"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "seedlint: seedlint confirm needs torch, transformers and peft: "
        "pip install 'seedlint[torch]'"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize("count", [0, 1, 623, 624, 625, 1248, 1249, 5000])
def test_draws_are_counted_from_the_generator_state(count: int) -> None:
    backend = TorchBackend()
    torch.manual_seed(7)
    if count:
        torch.randint(0, 100, (count,))  # one 32-bit output per number
    state = backend.state()
    assert backend.draws(7, state) == count
    assert backend.draws(8, state) is None
