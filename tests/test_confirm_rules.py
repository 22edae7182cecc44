"""`seedlint confirm` gives SDL202 and SDL301 findings a verdict, and runs methods on an
instance built with the tiny model; with the real mlx and mlx-lm (CPU)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.test_runtime import confirm, row

HEAD = """\
import os
import time

import mlx.core as mx
from mlx_lm.tuner.utils import linear_to_lora_layers

LORA = {"rank": 4, "scale": 2.0, "dropout": 0.0}
"""


def write_package(tmp_path: Path, body: str, pyproject: str = "") -> Path:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lora.py").write_text(HEAD + textwrap.dedent(body))
    if pyproject:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    return package / "lora.py"


def test_a_seed_from_the_clock_or_the_pid_is_confirmed_one_from_a_parameter_is_not(
    tmp_path: Path,
) -> None:
    path = write_package(
        tmp_path,
        """
        def from_clock(model):
            mx.random.seed(int(time.time()))
            linear_to_lora_layers(model, 2, LORA)

        def from_pid(model):
            mx.random.seed(os.getpid() % 1000)
            linear_to_lora_layers(model, 2, LORA)
        """,
    )
    for function, line in (("from_clock", 10), ("from_pid", 14)):
        code, rows = confirm(f"{path}::{function}")
        found = row(rows, line, "SDL301")
        assert found["verdict"] == "confirmed", found
        assert "differed between two runs with the same inputs" in found["detail"]
        assert code == 1


def test_a_clock_or_pid_bound_at_import_is_seen_to_move(tmp_path: Path) -> None:
    path = write_package(
        tmp_path,
        """
        from os import getpid
        from time import time as clock

        def from_clock(model):
            mx.random.seed(int(clock()))
            linear_to_lora_layers(model, 2, LORA)

        def from_pid(model):
            mx.random.seed(getpid() % 1000)
            linear_to_lora_layers(model, 2, LORA)
        """,
    )
    for function, line in (("from_clock", 13), ("from_pid", 17)):
        code, rows = confirm(f"{path}::{function}")
        found = row(rows, line, "SDL301")
        assert found["verdict"] == "confirmed", found
        assert code == 1


def test_a_call_of_unknown_effect_between_seed_and_draw_is_judged(tmp_path: Path) -> None:
    path = write_package(
        tmp_path,
        """
        HOOKS = {"noise": lambda model: mx.random.normal((4,)), "none": lambda model: None}

        def drawing(model, seed=7):
            mx.random.seed(seed)
            HOOKS["noise"](model)
            linear_to_lora_layers(model, 2, LORA)

        def quiet(model, seed=7):
            mx.random.seed(seed)
            HOOKS["none"](model)
            linear_to_lora_layers(model, 2, LORA)
        """,
        '[tool.seedlint]\nadjacency = "strict"\n',
    )
    code, rows = confirm(f"{path}::drawing")
    found = row(rows, 14, "SDL202")
    assert found["verdict"] == "confirmed" and found["draws_since_seed"] == 1
    assert code == 1
    code, rows = confirm(f"{path}::quiet")
    found = row(rows, 19, "SDL202")
    assert found["verdict"] == "not-confirmed" and found["draws_since_seed"] == 0
    assert code == 0


def test_a_method_runs_on_an_instance_built_with_the_tiny_model(tmp_path: Path) -> None:
    path = write_package(
        tmp_path,
        """
        class Tuner:
            def __init__(self, model, rank=4):
                self.model = model

            def add_lora(self, seed=7, seeded=True):
                if seeded:
                    mx.random.seed(seed)
                linear_to_lora_layers(self.model, 2, LORA)

        class Needy:
            def __init__(self, tokenizer):
                self.tokenizer = tokenizer

            def add_lora(self, model, seed=7, seeded=True):
                if seeded:
                    mx.random.seed(seed)
                linear_to_lora_layers(model, 2, LORA)
        """,
    )
    code, rows = confirm(f"{path}::Tuner.add_lora")
    found = row(rows, 16, "SDL101")
    assert found["verdict"] == "confirmed" and found["inputs"]["seeded"] is False
    assert code == 1
    code, rows = confirm(f"{path}::Needy.add_lora")
    found = row(rows, 25, "SDL101")
    assert found["verdict"] == "inconclusive"
    assert "cannot build Needy for the method: its parameter `tokenizer`" in found["detail"]
    assert code == 0
