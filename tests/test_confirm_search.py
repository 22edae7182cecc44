"""`seedlint confirm` reaching the path a finding names: witness conditions located and
sliced statically, then searched at run time with the real mlx and mlx-lm (CPU)."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlx.nn as nn

from seedlint.config import Config
from seedlint.runtime.growth import Parts, grow
from seedlint.runtime.models import build
from seedlint.runtime.plan import build_plan
from seedlint.store.cache import Cache
from tests.conftest import ROOT, write_package
from tests.test_runtime import confirm, row

DERIVED = ROOT / "fixtures" / "derived_guard"
EXAMPLE = ROOT / "examples" / "peft_loader.py"


# --- static: where the witness is decided and what it depends on ---------------------


def test_a_derived_guard_is_sliced_back_through_two_helpers() -> None:
    plan, _ = build_plan(f"{DERIVED / 'lora.py'}::apply", Config())
    (site,) = plan.sites
    ((index, value),) = site.witness["SDL101"]
    condition = plan.conditions[index]
    assert (condition.text, value) == ("count > 0", False)
    # count = len(keys); keys = resolve_keys(target_modules, only_mlp), whose result
    # comes from _matching(names, mode): names from target_modules, mode from only_mlp.
    assert condition.params == ["only_mlp", "target_modules"]
    (test,) = condition.tests
    assert (test.line, test.body) == (14, (15, 15))


def test_guards_and_attribute_paths_come_from_the_source(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        """\
        import mlx.core as mx
        from mlx_lm.tuner.lora import LoRALinear

        def _tower(model):
            return model.vision_tower.layers[0]

        def apply(model, seed=1, vision=False, dry_run=False):
            if not hasattr(model, "tokenizer"):
                mx.random.seed(seed)
            if vision and not dry_run:
                block = _tower(model)
                block.q_proj = LoRALinear.from_base(block.q_proj, r=4)
            model.freeze()
            return getattr(model, "projector", None)
        """,
    )
    plan, _ = build_plan(target, Config())
    (site,) = plan.sites
    assert [(plan.conditions[i].text, v) for i, v in site.guards] == [
        ("vision", True),
        ("dry_run", False),
    ]
    # Read through the helper and the local; not the hasattr probe, the method called
    # or the getattr with a default.
    assert plan.model_paths == [
        ("vision_tower", "layers", 0),
        ("vision_tower", "layers", 0, "q_proj"),
    ]


def test_values_a_pack_names_for_an_argument_are_tried(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        """\
        import torch

        def apply(seed=0, where="cpu", mode="a"):
            if mode in ("b", "c"):
                seed += 1
            with torch.device(where):
                layer = torch.nn.Linear(4, 4)
            torch.manual_seed(seed)
            return layer
        """,
    )
    plan, _ = build_plan(target, Config())
    # torch's pack: layers built under torch.device("meta") draw nothing; and the
    # enumeration `mode` is compared with.
    assert plan.candidates["where"] == ["meta"]
    assert plan.candidates["mode"] == ["b", "c"]


def test_the_plan_is_kept_by_the_text_of_every_file_of_its_package(tmp_path: Path) -> None:
    package = tmp_path / "guarded"
    shutil.copytree(DERIVED, package)
    target = f"{package / 'lora.py'}::apply"
    cache = Cache(tmp_path / "cache")
    fresh, findings = build_plan(target, Config(), cache)
    kept, again = build_plan(target, Config(), cache)
    assert findings and not again  # the second came from the cache
    assert kept.to_json() == fresh.to_json()
    # A helper in another file changes what the guard depends on: planned anew.
    helpers = package / "keys.py"
    helpers.write_text(helpers.read_text().replace("if only_mlp", "if target_modules"))
    changed, findings = build_plan(target, Config(), cache)
    assert findings
    (index, _), *_ = changed.sites[0].witness["SDL101"]
    assert changed.conditions[index].params == ["target_modules"]


def test_growing_adds_only_what_the_tiny_model_lacks() -> None:
    model = build("vlm")
    before = model.vision_tower.layers[0].q_proj
    added = grow(
        model,
        [["vision_tower", "layers", 0, "q_proj"], ["vision_tower", "proj"], ["neck", "layers", 1]],
        Parts(nn.Module, list, dict, lambda: nn.Linear(16, 16)),
    )
    assert added == ["vision_tower.proj", "neck.layers[1]"]
    assert model.vision_tower.layers[0].q_proj is before
    assert isinstance(model.vision_tower.proj, nn.Linear)
    assert len(model.neck.layers) == 2


# --- at run time ---------------------------------------------------------------------


def test_unseeded_path_behind_a_derived_local_is_confirmed() -> None:
    code, rows = confirm(f"{DERIVED / 'lora.py'}::apply")
    assert code == 1
    found = row(rows, 17, "SDL101")
    assert found["verdict"] == "confirmed" and found["seeded"] is False
    assert found["ambient_max_abs_diff"] > 0.01
    assert "another path" not in found["detail"]
    # An input set under which resolve_keys selects nothing.
    inputs = found["inputs"]
    assert inputs.get("only_mlp") is True or inputs.get("target_modules") in ([], "")


def test_its_seeded_twin_is_not_confirmed() -> None:
    code, rows = confirm(f"{DERIVED / 'lora_seeded.py'}::apply")
    assert code == 0
    found = row(rows, 14, None)
    assert found["verdict"] == "not-confirmed"
    assert (found["seeded"], found["draws_since_seed"]) == (True, 0)
    assert found["ambient_max_abs_diff"] == 0


def test_a_condition_it_cannot_make_true_is_named(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        """\
        import mlx.core as mx
        from mlx_lm.tuner.utils import linear_to_lora_layers

        def apply(model, seed=7, names=("a", "b")):
            count = len(names)
            if count != 3:
                mx.random.seed(seed)
            linear_to_lora_layers(model, 2, {"rank": 4, "scale": 2.0, "dropout": 0.0})
            return model
        """,
    )
    code, rows = confirm(target)
    found = row(rows, 8, "SDL101")
    # Reached only seeded, on another path: that says nothing of the finding's path.
    assert found["verdict"] == "inconclusive" and found["seeded"] is True
    assert "`count != 3` true, not false, which depends on names" in found["detail"]
    assert code == 0


HELPER_DECIDES = """\
    import mlx.core as mx
    from mlx_lm.tuner.utils import linear_to_lora_layers

    ATTENTION = ("self_attn.q_proj", "self_attn.v_proj")


    def _select(names):
        return [n for n in (names or ATTENTION) if n in ATTENTION]


    def _add_adapters(model, names):
        keys = _select(names)
        if len(keys) == 0:
            return 0
        linear_to_lora_layers(model, 2, {"rank": 4, "scale": 2.0, "dropout": 0.0, "keys": keys})
        return len(keys)


    def apply(model, seed=7, names=("mlp.gate_proj",)):
        count = _add_adapters(model, names)
        mx.random.seed(seed)
        return count


    def apply_fixed(model, seed=7):
        count = _add_adapters(model, ("mlp.gate_proj",))
        mx.random.seed(seed)
        return count
    """


def test_a_helper_s_condition_on_the_way_to_the_draw_is_planned(tmp_path: Path) -> None:
    plan, _ = build_plan(write_package(tmp_path, HELPER_DECIDES), Config())
    (site,) = plan.sites
    ((index, value),) = site.guards
    condition = plan.conditions[index]
    assert (condition.text, value, condition.function) == (
        "len(keys) == 0",
        False,
        "pkg.lora:_add_adapters",
    )
    # keys = _select(names) in the helper, whose `names` the target passes its own.
    assert condition.params == ["names"]
    assert [t.line for t in condition.tests] == [13]


def test_a_draw_decided_in_a_helper_is_reached_by_tracing_it(tmp_path: Path) -> None:
    target = write_package(tmp_path, HELPER_DECIDES)
    code, rows = confirm(target)
    found = row(rows, 20, "SDL101")
    # The defaults select nothing: the helper returns before its draw. Its condition
    # is watched and searched along `names`.
    assert found["verdict"] == "confirmed", found
    assert found["inputs"]["names"] in (False, None, [], "", 0)
    assert code == 1
    code, rows = confirm(target.replace("::apply", "::apply_fixed"))
    found = row(rows, 26, "SDL101")
    assert found["verdict"] == "inconclusive"
    assert (
        "could not make `len(keys) == 0` (in `_add_adapters`) false, "
        "which no parameter of the target sets" in found["detail"]
    )


BUILT = """\
    import mlx.core as mx
    from mlx_lm.tuner.utils import linear_to_lora_layers


    def train(args, model, dataset, seed):
        if args.fine_tune_type not in ("lora", "dora"):
            raise ValueError(f"unknown fine-tune type {args.fine_tune_type}")
        linear_to_lora_layers(model, args.num_layers, args.lora_parameters)
        mx.random.seed(args.seed + seed)
        return len(dataset)
    """


def test_parameters_without_defaults_are_planned_from_what_is_read_off_them(
    tmp_path: Path,
) -> None:
    target = write_package(tmp_path, BUILT).replace("::apply", "::train")
    plan, _ = build_plan(target, Config())
    assert plan.objects == {
        "args": [["fine_tune_type"], ["lora_parameters"], ["num_layers"], ["seed"]],
        "dataset": [[0]],  # its length is taken: a list
        "seed": [],
    }
    assert plan.candidates["args.fine_tune_type"] == ["lora", "dora"]
    assert plan.defaults["args.seed"] == 0 and "args.seed" in plan.seed_params
    assert plan.defaults["seed"] == 0  # a seed without a default
    (site,) = plan.sites
    ((index, value),) = site.guards
    assert (plan.conditions[index].params, value) == (["args.fine_tune_type"], False)


def test_parameters_without_defaults_are_built_and_searched(tmp_path: Path) -> None:
    target = write_package(tmp_path, BUILT).replace("::apply", "::train")
    code, rows = confirm(target)
    found = row(rows, 8, "SDL101")
    assert found["verdict"] == "confirmed", found
    inputs = found["inputs"]
    assert inputs["built"] == ["args", "dataset", "seed"]
    assert inputs["args.fine_tune_type"] in ("lora", "dora")
    # The library reads the config's keys (rank, scale, dropout): an open dict makes
    # them as read, and the one the run failed on (dropout 1) was changed.
    assert inputs["args.lora_parameters"] == {}
    assert inputs["args.lora_parameters['dropout']"] in (False, 0)
    assert "raised" not in found["detail"]
    assert code == 1


def test_a_call_unreached_on_built_parameters_says_why(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        """\
        import mlx.core as mx
        from mlx_lm.tuner.utils import linear_to_lora_layers

        def apply(model, dataset, seed=7):
            if len(dataset) < 1000:
                raise ValueError(f"{len(dataset)} examples are too few")
            linear_to_lora_layers(model, 2, {"rank": 4, "scale": 2.0, "dropout": 0.0})
            mx.random.seed(seed)
        """,
    )
    _, rows = confirm(target)
    found = row(rows, 7, "SDL101")
    assert found["verdict"] == "inconclusive"
    assert (
        "raised ValueError: 1 examples are too few (at pkg/lora.py:6) "
        "(with dataset built from what the code reads off them)" in found["detail"]
    )


def test_a_model_attribute_a_helper_tests_is_set_on_the_tiny_model(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        """\
        import mlx.core as mx
        from mlx_lm.tuner.utils import linear_to_lora_layers

        def _maybe_adapt(model):
            if not getattr(model, "_wants_lora", False):
                return
            linear_to_lora_layers(model, 2, {"rank": 4, "scale": 2.0, "dropout": 0.0})

        def apply(model, seed=7):
            _maybe_adapt(model)
            mx.random.seed(seed)
        """,
    )
    code, rows = confirm(target)
    found = row(rows, 10, "SDL101")
    # The helper's condition reads an attribute of the model the target passes on.
    assert found["verdict"] == "confirmed", found
    assert found["inputs"]["_wants_lora"] is True
    assert code == 1


def test_the_exception_that_stopped_the_run_is_shown(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        """\
        import mlx.core as mx
        from mlx_lm.tuner.utils import linear_to_lora_layers

        def apply(model, seed=7, flag=True):
            if flag:
                mx.random.seed(seed)
            if len(model.layers) < 100:
                raise ValueError("the model is too small")
            linear_to_lora_layers(model, 2, {"rank": 4, "scale": 2.0, "dropout": 0.0})
            return model
        """,
    )
    _, rows = confirm(target)
    found = row(rows, 9, "SDL101")
    assert found["verdict"] == "inconclusive"
    assert "raised ValueError: the model is too small (at pkg/lora.py:8)" in found["detail"]


def test_an_early_exit_before_the_call_is_searched_past(tmp_path: Path) -> None:
    target = write_package(
        tmp_path,
        """\
        import mlx.core as mx
        from mlx_lm.tuner.utils import linear_to_lora_layers

        def apply(model, seed=7, flag=True):
            if flag:
                mx.random.seed(seed)
            if not hasattr(model, "tokenizer"):
                raise ValueError("the model has no tokenizer")
            linear_to_lora_layers(model, 2, {"rank": 4, "scale": 2.0, "dropout": 0.0})
            return model
        """,
    )
    _, rows = confirm(target)
    found = row(rows, 9, "SDL101")
    # The `if` whose body raises is a condition on the way: the attribute it probes is
    # set on the tiny model.
    assert found["verdict"] == "confirmed", found
    assert found["inputs"]["tokenizer"] is True and found["inputs"]["flag"] is False


def test_every_finding_of_the_bundled_example_is_confirmed() -> None:
    code, rows = confirm(f"{EXAMPLE}::get_peft_model")
    assert code == 1
    flagged = [r for r in rows if r["code"]]
    assert {(r["line"], r["code"]) for r in flagged} == {
        (20, "SDL101"),
        (20, "SDL201"),
        (22, "SDL101"),
        (22, "SDL201"),
    }
    for found in flagged:
        assert found["verdict"] == "confirmed", found
    # The vision tower's `proj`, which the tiny VLM lacks, was grown for the call.
    assert "vision_tower.proj" in row(rows, 20, "SDL101")["inputs"]["grown"]
