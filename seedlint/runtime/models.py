"""Tiny real models built in-process (no downloads): an mlx-lm text model and a
VLM-shaped module (language model, vision tower and projector of nn.Linear layers)."""

from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn
from mlx_lm.models import llama


def text_model() -> nn.Module:
    args = llama.ModelArgs(
        model_type="llama",
        hidden_size=32,
        num_hidden_layers=2,
        intermediate_size=64,
        num_attention_heads=4,
        num_key_value_heads=2,
        rms_norm_eps=1e-5,
        vocab_size=64,
    )
    return llama.Model(args)


class _Block(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.o_proj = nn.Linear(width, width)
        self.fc1 = nn.Linear(width, 2 * width)
        self.fc2 = nn.Linear(2 * width, width)


class _Tower(nn.Module):
    def __init__(self, width: int, depth: int) -> None:
        super().__init__()
        self.layers = [_Block(width) for _ in range(depth)]


class _Projector(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.linear_1 = nn.Linear(width, width)
        self.linear_2 = nn.Linear(width, width)


class VisionLanguageModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.language_model = text_model()
        self.vision_tower = _Tower(16, 2)
        self.multi_modal_projector = _Projector(16)

    @property
    def layers(self) -> list[nn.Module]:
        layers: list[nn.Module] = self.language_model.layers
        return layers


def build(kind: str, seed: int = 0) -> nn.Module:
    """Built under a fixed seed, so base weights are the same in every run."""
    mx.random.seed(seed)
    model = VisionLanguageModel() if kind == "vlm" else text_model()
    mx.eval(model.parameters())
    return model
