"""The reproductions of "Findings users act on" (DESIGN.md): each false alarm gives
nothing, each missed bug the right rule at the right line, and the messages say the
condition in plain words. Marks in the snippets are the whole expected output."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import expected_marks, lint_text

CASES = {
    "seed helper that picks a fresh seed, and its callers": """
        import torch
        def set_seed(seed=None):
            if seed is None:
                seed = int(torch.randint(0, 2**31, (1,)))
            torch.manual_seed(seed)
            return seed
        def pick(seed=None):
            seed = seed if seed is not None else torch.randint(0, 9, (1,))
            torch.manual_seed(seed)
        class Recipe:
            def __init__(self, cfg):
                self.seed = set_seed(seed=cfg.seed)
                pick(cfg.seed)
                self.head = torch.nn.Linear(2, 2)
        def run(cfg):
            recipe = Recipe(cfg)
            return recipe
    """,
    "a plain sequence of draws after one seed": """
        import mlx.core as mx
        def test_draws():
            mx.random.seed(1)
            a = mx.random.randint(0, 10, (3,))
            b = mx.random.randint(0, 10, (3,))
            return a, b
    """,
    "built, then loaded": """
        import mlx.core as mx
        import mlx.nn as nn
        class Model(nn.Module):
            def __init__(self, dims):
                super().__init__()
                self.proj = nn.Linear(dims, dims)
        def from_pretrained(path, dims=4):
            model = Model(dims)
            model.load_weights(path)
            return model
        def prepare(path, seed):
            mx.random.seed(seed)
            model = from_pretrained(path)  # built then loaded: only advances the stream
            # A head added after the load depends on how much the model drew:
            model.head = nn.Linear(4, 4)  # SDL201
            return model
        def load_then_seed(path, seed):
            model = from_pretrained(path)
            mx.random.seed(seed)
            return model
        def _apply_weights(model, weights, strict=True):
            if strict:
                model.quantization = None
            model.update(weights)
            return model
        def load_encoder(path):
            encoder = Model(4)
            return _apply_weights(encoder, mx.load(path))
        def encode_then_seed(path, seed):
            encoder = load_encoder(path)
            mx.random.seed(seed)
            return encoder
        def maybe_loaded(path, seed, load):
            model = Model(4)  # SDL101
            if load:
                model.load_weights(path)
            mx.random.seed(seed)
            return model
    """,
    "tests that re-seed right before each compared draw": """
        import mlx.core as mx
        import mlx.nn as nn
        def test_reproducible():
            model = nn.Linear(4, 4)
            mx.random.seed(0)
            a = model(mx.random.normal((4,)))
            mx.random.seed(0)
            b = model(mx.random.normal((4,)))
            assert mx.allclose(a, b)
    """,
    "responsibility is not inherited from a self-contained callee": """
        import mlx.core as mx
        import mlx.nn as nn
        def sample(n):
            mx.random.seed(0)
            return mx.random.normal((n,))
        def build_and_sample(dims):
            layer = nn.Linear(dims, dims)
            noise = sample(dims)
            return layer, noise
    """,
    "optional seeding: the seed parameter is None": """
        import numpy as np
        def shuffled(items, seed=None):
            if seed is not None:
                np.random.seed(seed)
            return np.random.permutation(items)
        def shuffled_too(items, seed=None):
            if seed is None:
                return np.random.permutation(items)
            np.random.seed(seed)
            return np.random.permutation(items)
        def truthy(items, seed=None):
            if seed:  # skips the seed 0: a bug for a rule of its own, not SDL101
                np.random.seed(seed)
            return np.random.permutation(items)
        def exists(value):
            return value is not None
        def through_a_helper(items, seed=None):
            if exists(seed):
                np.random.seed(seed)
            return np.random.permutation(items)
        def not_through_a_helper(items, seed=None):
            if not exists(seed):
                return np.random.permutation(items)
            np.random.seed(seed)
            return np.random.permutation(items)
        def other_test(items, seed=None, shuffle=True):
            if exists(shuffle):
                np.random.seed(seed)
            return np.random.permutation(items)  # SDL101
    """,
    "SDL301 reads the value that reaches the seeder": """
        import torch
        def enhance(prompt, image=None, seed=0):
            torch.manual_seed(seed)
            return torch.randn(2)
        def caller():
            return enhance("a cat", image=None, seed=10)
        def caller_none():
            return enhance("a cat", None, None)
    """,
    "a generator that defaults to None draws from the global stream": """
        import torch
        def noise(shape, generator=None):
            return torch.randn(shape, generator=generator)
        def sample(shape, seed):
            x = noise(shape)  # SDL101
            torch.manual_seed(seed)
            return x
        def sample_keyed(shape, seed):
            g = torch.Generator().manual_seed(seed)
            return noise(shape, generator=g)
        def passed_on(shape, seed, generator=None):
            return noise(shape, generator=generator)  # the caller's choice
        def own(shape, seed, generator=None):
            return torch.randn(shape, generator=generator)  # the caller's choice too
        def keyed(shape, seed):
            g = torch.Generator().manual_seed(seed)
            return torch.randn(shape, generator=g)
    """,
    "arguments decide the callee's branches": """
        import random
        import mlx.core as mx
        import mlx.nn as nn
        def load_audio(samples, segment=None):
            if segment is not None:
                start = random.randint(0, len(samples) - segment)
                samples = samples[start : start + segment]
            return samples
        def separate(mix, noise=None, shuffle=False, init="zeros"):
            if noise is None:
                noise = mx.random.normal((4,))
            if shuffle:
                mix = mx.random.permutation(mix)
            if init == "gaussian":
                mix = mix + mx.random.normal((4,))
            return mix + noise
        def generate(samples, seed=0):
            ref = load_audio(samples)
            cut = load_audio(samples, 4)  # SDL101
            random.seed(seed)
            return ref, cut
        def run(mix, noise, seed):
            quiet = separate(mix, noise, init="zeros")
            loud = separate(mix, noise, shuffle=True)  # SDL101
            spread = separate(mix, noise=noise, init="gaussian")  # SDL101
            mx.random.seed(seed)
            return quiet, loud, spread
    """,
    "drift that matters: an initialiser after another draw": """
        import mlx.core as mx
        import mlx.nn as nn
        def init(model, seed):
            mx.random.seed(seed)
            mask = mx.random.bernoulli(0.5, (4,))
            model.lora_a = mx.random.normal((4, 4))  # SDL201
            model.out = nn.Linear(4, 4)  # SDL201
            return mask
    """,
    "built empty: layers under a meta device or an empty-init context draw nothing": """
        import torch
        from accelerate import init_empty_weights
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = torch.nn.Linear(4, 4)
        def load(path, fabric, seed=0):
            with torch.device("meta"):
                meta = Net()
            with init_empty_weights():
                empty = Net()
            with fabric.init_module(empty_init=True):
                skipped = Net()
            with fabric.init_module(empty_init=False):
                drawn = Net()  # SDL101
            with torch.device("cpu"):
                cpu = Net()  # SDL101
            torch.manual_seed(seed)
            return meta, empty, skipped, drawn, cpu
    """,
    "built then loaded: a weight assigned, a part stored into a loaded object": """
        import mlx.core as mx
        import mlx.nn as nn
        def dequantize(model, weights):
            out = []
            for path, w in weights:
                layer = nn.Linear(4, 4, bias=False)
                layer.weight = w
                out.append((path, layer))
            model.update_modules(out)
        class Talker(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(4, 4)
            @classmethod
            def from_pretrained(cls, path):
                model = cls()
                model.head = nn.Linear(4, 4)
                model.load_weights(path)
                return model
        def run(model, weights, path, seed=0):
            dequantize(model, weights)
            talker = Talker.from_pretrained(path)
            mx.random.seed(seed)
            return talker
        def tied(seed=0):
            m = Talker()  # SDL101
            m.head = nn.Linear(4, 4)  # SDL101
            m.head.weight = m.proj.weight  # a tie loads nothing
            mx.random.seed(seed)
            return m
    """,
    "built then loaded: adapters re-attached, then loaded on every path that returns": """
        import os
        import mlx.core as mx
        from mlx_lm.tuner.lora import LoRALinear
        from mlx_lm.tuner.utils import load_adapters
        def attach(model, paths):
            for p in paths:
                model[p] = LoRALinear.from_base(model[p])
        def reload(model, paths, folder, seed=0):
            mx.random.seed(seed)
            head = LoRALinear.from_base(model.head)
            try:
                attach(model, paths)
                weights = os.path.join(folder, "adapters.safetensors")
                if os.path.exists(weights):
                    model.load_weights(weights, strict=False)
                else:
                    model = load_adapters(model, folder)
            except Exception:
                model = load_adapters(model, folder)
            return model, head
        def not_reloaded(model, paths, seed=0):
            mx.random.seed(seed)
            head = LoRALinear.from_base(model.head)
            attach(model, paths)  # SDL201
            return model, head
    """,
    "self-contained: tests that seed for themselves, tests that keep their models": """
        import torch
        def check_training():
            torch.manual_seed(42)
            model = torch.nn.Linear(1, 1)
            assert model(torch.ones(1)).shape == (1,)
        def test_warns():
            model = torch.nn.Linear(1, 1)
            assert model is not None
        def test_joins():
            model = torch.nn.Linear(1, 1)
            print(model)
        def main():
            test_warns()
            check_training()
            test_joins()
        def main_seeded(rank):
            torch.manual_seed(rank)
            test_warns()
            test_joins()
            head = torch.nn.Linear(1, 1)  # SDL201
            return head
    """,
    "a sampler keyed by its seed: loading the model is not what the seed is for": """
        import mlx.core as mx
        import mlx.nn as nn
        def latents(shape, seed):
            return mx.random.normal(shape, key=mx.random.key(seed))
        class Pipeline:
            def __init__(self):
                self.model = None
            def _ensure(self):
                if self.model is None:
                    self.model = nn.Linear(4, 4)
            def generate(self, seed=42):
                self._ensure()
                return self.model(latents((1, 4), seed=seed))
            def generate_noisy(self, seed=42):
                self._ensure()
                noise = mx.random.normal((1, 4))  # SDL101
                return self.model(latents((1, 4), seed=seed) + noise)
            def generate_unkeyed(self, seed=42):
                self._ensure()  # SDL101
                return self.model(mx.random.normal((1, 4)))  # SDL101
    """,
    "built then copied: a loop over the object's parameters copies into them": """
        import torch
        def reference_adapter(model, config, seed=0):
            model.add_adapter("ref", config)
            for name, param in model.named_parameters():
                if ".default." in name:
                    ref_param = model.get_parameter(name.replace(".default.", ".ref."))
                    ref_param.data.copy_(param.data)
            torch.manual_seed(seed)
            return model
        def shadow_of(state, seed=0):
            shadow = torch.nn.Linear(4, 4)
            for key, p in shadow.state_dict().items():
                p.copy_(state[key])
            torch.manual_seed(seed)
            return shadow
        def only_listed(model, config, seed=0):
            model.add_adapter("ref", config)  # SDL101
            for name, param in model.named_parameters():
                print(name, param.shape)
            torch.manual_seed(seed)
            return model
    """,
    "optional seeding through the configuration: args.seed is None": """
        import torch
        from torch.utils.data import DataLoader
        from transformers import set_seed
        def main(args, data):
            if args.seed is not None:
                set_seed(args.seed)
            # Unseeded only when the run was configured without a seed: its choice.
            model = torch.nn.Linear(2, 2)
            for batch in DataLoader(data, shuffle=True):
                model(batch)
        def seeded_too_late(args):
            model = torch.nn.Linear(2, 2)  # SDL101
            if args.seed is not None:
                set_seed(args.seed)
            return model
        def another_option_decides(args):
            if args.resume is None:
                set_seed(args.seed)
            return torch.nn.Linear(2, 2)  # SDL101
    """,
    "a bit generator of its own is not the global stream": """
        import numpy as np
        def twist(n, seed=0):
            bits = np.random.MT19937(seed)
            other = np.random.Philox(seed)
            np.random.seed(seed)
            return np.random.Generator(bits).random(n), other, np.random.rand(n)
        def legacy(n, seed=0):
            x = np.random.rand(n)  # SDL101
            np.random.seed(seed)
            return x
    """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(tmp_path: Path, name: str) -> None:
    text = textwrap.dedent(CASES[name])
    found = {(d.line, d.code) for d in lint_text(tmp_path, text)}
    assert found == expected_marks(text)


def _message(tmp_path: Path, source: str) -> str:
    [finding] = lint_text(tmp_path, source)
    return finding.message


def test_messages_say_the_condition_in_plain_words(tmp_path: Path) -> None:
    message = _message(
        tmp_path,
        """
        import mlx.core as mx
        def f(seed, flag):
            if flag:
                mx.random.seed(seed)
            return mx.random.normal((2,))
        """,
    )
    assert message == (
        "`mx.random.normal` draws from the mlx RNG with no seed before it when `flag` is "
        "false; the seed at line 5 runs only on other paths"
    )
    assert "dominate" not in message


def test_messages_never_cite_the_consumers_own_line_as_the_seed(tmp_path: Path) -> None:
    found = lint_text(
        tmp_path,
        """
        import mlx.core as mx
        import mlx.nn as nn
        def build_then_seed(seed):
            layer = nn.Linear(2, 2)
            mx.random.seed(seed)
            return layer
        def run(seed):
            return build_then_seed(seed)
        """,
    )
    messages = {d.line: d.message for d in found}
    assert set(messages) == {5, 9}
    assert messages[5].endswith("before it is seeded: the seed at line 6 runs only after it")
    # The helper seeds after its own draw: its call is not the seed of that draw.
    assert "line 9" not in messages[9] and "nothing seeds mlx before it" in messages[9]


def test_messages_hint_at_declaring_an_unresolved_seeder(tmp_path: Path) -> None:
    message = _message(
        tmp_path,
        """
        import mlx.nn as nn
        from mystery import seed_everything
        def run(seed):
            seed_everything(seed)
            return nn.Linear(2, 2)
        """,
    )
    assert "`seed_everything`" in message and "[[tool.seedlint.seed]]" in message, message
