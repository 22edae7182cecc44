"""The public real-world cases of DESIGN.md, each package linted as a whole directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedlint.config import Config
from seedlint.engine import analyse
from seedlint.report.diagnostics import Diagnostic


def lint(package: Path) -> list[Diagnostic]:
    config = Config()
    return analyse([str(package)], config, config.load_packs()).diagnostics


def in_function(found: list[Diagnostic], suffix: str, function: str) -> set[tuple[int, str]]:
    return {(d.line, d.code) for d in found if d.path.endswith(suffix) and d.function == function}


@pytest.fixture(scope="module")
def zoo_after(corpus: Path) -> list[Diagnostic]:
    return lint(corpus / "unsloth-zoo-2026.5.3")


def test_unsloth_zoo_after_the_seed_move(zoo_after: list[Diagnostic]) -> None:
    found = in_function(zoo_after, "unsloth_zoo/mlx/loader.py", "FastMLXModel.get_peft_model")
    assert {(2872, "SDL101"), (2885, "SDL101"), (2958, "SDL101"), (2958, "SDL201")} <= found
    assert not {line for line, _ in found} & {2861, 2948}


def test_vision_witness_names_the_flags(zoo_after: list[Diagnostic]) -> None:
    (vision,) = [d for d in zoo_after if d.line == 2872 and d.code == "SDL101"]
    assert ("finetune_language_layers", False) in vision.witness
    assert ("train_vision", True) in vision.witness
    assert "_walk" in vision.message and "LoRALinear.from_base" in vision.message


def test_unsloth_zoo_before_the_seed_move(corpus: Path) -> None:
    found = in_function(
        lint(corpus / "unsloth-zoo-2026.5.2"),
        "unsloth_zoo/mlx/loader.py",
        "FastMLXModel.get_peft_model",
    )
    assert not {f for f in found if f[1] == "SDL101"}
    assert not {line for line, _ in found} & {2824, 2905}


def test_mlx_lm_train_model_is_clean(corpus: Path) -> None:
    found = lint(corpus / "mlx-lm-0.32.2")
    assert not in_function(found, "mlx_lm/lora.py", "train_model")
    assert not [d for d in found if d.code == "SDL001"]


@pytest.fixture(scope="module")
def trl_before(corpus: Path) -> list[Diagnostic]:
    return lint(corpus / "trl-1.14.2")


def test_trl_builds_lora_before_the_trainer_seeds(trl_before: list[Diagnostic]) -> None:
    found = in_function(trl_before, "trl/trainer/grpo_trainer.py", "GRPOTrainer.__init__")
    assert (460, "SDL101") in found
    (finding,) = [d for d in trl_before if d.line == 460 and d.path.endswith("grpo_trainer.py")]
    assert "get_peft_model" in finding.message and "960" in finding.message


def test_every_trainer_of_trl_1_14_2_that_builds_lora_first(trl_before: list[Diagnostic]) -> None:
    expected = {
        ("trl/trainer/sft_trainer.py", 1136),
        ("trl/trainer/dpo_trainer.py", 652),
        ("trl/trainer/kto_trainer.py", 703),
        ("trl/trainer/rloo_trainer.py", 373),
        ("trl/trainer/distillation_trainer.py", 591),
    }
    flagged = {(d.path[d.path.index("trl/") :], d.line) for d in trl_before if d.code == "SDL101"}
    assert expected <= flagged


def test_trl_seeded_first_is_clean(corpus: Path) -> None:
    found = in_function(
        lint(corpus / "trl-1.15.0"), "trl/trainer/grpo_trainer.py", "GRPOTrainer.__init__"
    )
    assert not {f for f in found if f[0] == 453}
    assert not {f for f in found if f[1] == "SDL101"}


def test_prefilter_jobs_and_cache_change_no_result(corpus: Path, tmp_path: Path) -> None:
    from seedlint.engine import Options
    from seedlint.store.cache import Cache

    config = Config()
    packs = config.load_packs()
    # unsloth-zoo has findings; mlx-lm has none to lose (its trainer seeds where it draws).
    for package, has_findings in (("unsloth-zoo-2026.5.3", True), ("mlx-lm-0.32.2", False)):
        target = [str(corpus / package)]
        plain = analyse(target, config, packs, options=Options(prefilter=False))
        fast = analyse(target, config, packs, options=Options(jobs=2, prefilter=True))
        assert fast.diagnostics == plain.diagnostics
        assert bool(plain.diagnostics) is has_findings
        # Where the prefilter would skip fewer files than it lets through, it parses them
        # all at once (tests/test_prefilter.py); it never parses more.
        assert len(fast.parsed) <= len(plain.parsed)
        cache = Cache(tmp_path / package)
        cold = analyse(target, config, packs, options=Options(jobs=2, cache=cache))
        warm = analyse(target, config, packs, options=Options(jobs=2, cache=cache))
        assert cold.diagnostics == warm.diagnostics == plain.diagnostics
        assert cold.parsed and not warm.parsed
