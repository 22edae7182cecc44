"""The torch backend: torch's CPU generator (a Mersenne Twister), a tiny Llama from
transformers built from its configuration, parameters through `named_parameters`.

Draws are counted in the generator's 32-bit outputs: its state holds the twisted array
and the position in it, so the outputs since a seed are the twists that lead from the
seed's array to this one, times 624, plus the position.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from seedlint.runtime.backends import Params, Seen
from seedlint.runtime.growth import Parts

_N = 624  # words in the Mersenne Twister's state
_MAX_TWISTS = 4096  # followed from a seed: 2.5 million outputs
# Offsets in torch.get_rng_state() (CPUGeneratorImplStateLegacy): the seed (uint64), left
# (int32), seeded (int32), next (uint64), then the state words, each as a uint64.
_LEFT, _NEXT, _WORDS = 8, 16, 24


def _seeded_words(seed: int) -> npt.NDArray[np.uint32]:
    """The state array right after manual_seed(seed) (init_genrand of its low 32 bits)."""
    words = np.empty(_N, dtype=np.uint32)
    value = seed & 0xFFFFFFFF
    for index in range(_N):
        words[index] = value
        value = (1812433253 * (value ^ (value >> 30)) + index + 1) & 0xFFFFFFFF
    return words


def _twisted(words: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The next state array (the Mersenne Twister's twist, as torch's next_state does it
    in place), in the three runs whose words depend only on words already computed."""
    out: npt.NDArray[np.uint32] = words.copy()
    for start, stop, shift in ((0, 227, 397), (227, 454, -227), (454, 623, -227)):
        mixed = (out[start:stop] & 0x80000000) | (out[start + 1 : stop + 1] & 0x7FFFFFFF)
        tail = out[start + shift : stop + shift]
        out[start:stop] = tail ^ (mixed >> 1) ^ ((mixed & 1) * np.uint32(0x9908B0DF))
    mixed = (out[_N - 1] & 0x80000000) | (out[0] & 0x7FFFFFFF)
    out[_N - 1] = out[396] ^ (mixed >> 1) ^ ((mixed & 1) * np.uint32(0x9908B0DF))
    return out


class _Chain:
    """The arrays one seed's generator goes through, twisted on demand."""

    def __init__(self, seed: int) -> None:
        self.words = _seeded_words(seed)
        self.initial = self.words.tobytes()  # the array right after the seed
        self.twists: dict[bytes, int] = {}

    def twists_to(self, words: bytes) -> int | None:
        while words not in self.twists and len(self.twists) < _MAX_TWISTS:
            self.words = _twisted(self.words)
            self.twists[self.words.tobytes()] = len(self.twists) + 1
        return self.twists.get(words)


class TorchBackend:
    def __init__(self) -> None:
        self._seed = torch.manual_seed
        self._chains: dict[int, _Chain] = {}

    def record_seeds(self, record: Callable[[int], None]) -> None:
        original = self._seed

        def recording_seed(value: Any) -> torch.Generator:
            record(int(value))
            return original(value)

        torch.manual_seed = recording_seed  # record, then seed
        torch.random.manual_seed = recording_seed

    def seed(self, value: int) -> None:
        self._seed(value)

    def state(self) -> Hashable:
        return bytes(torch.get_rng_state().numpy().tobytes())

    def draws(self, seed: int, state: Hashable) -> int | None:
        assert isinstance(state, bytes)
        raw = np.frombuffer(state, dtype=np.uint8)
        left = int(raw[_LEFT : _LEFT + 4].view(np.int32)[0])
        position = int(raw[_NEXT : _NEXT + 8].view(np.uint64)[0])
        words = raw[_WORDS : _WORDS + 8 * _N].view(np.uint64).astype(np.uint32).tobytes()
        chain = self._chains.get(seed)
        if chain is None:
            chain = self._chains[seed] = _Chain(seed)
        if left == 1 and position == 0:  # nothing drawn since a seed
            return 0 if words == chain.initial else None
        twists = chain.twists_to(words)
        return None if twists is None else (twists - 1) * _N + position

    def build(self, kind: str, param: str) -> Any:
        from transformers import LlamaConfig, LlamaForCausalLM

        if kind != "text":
            raise ValueError(f"the torch backend builds a text model only, not {kind!r}")
        config = LlamaConfig(
            vocab_size=64,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
        )
        if "config" in param.lower():
            return config
        self.seed(0)
        return LlamaForCausalLM(config)

    def parts(self) -> Parts:
        nn = torch.nn
        return Parts(nn.Module, nn.ModuleList, nn.ModuleDict, lambda: nn.Linear(32, 32))

    def snapshot(self, model: Any, local_values: Mapping[str, Any], seen: Seen) -> Params:
        """Each parameter once, under the name it was first seen by in this run: a layer
        that peft wraps keeps its weight object, so it is not taken for a new one."""
        out: Params = {}
        done: set[int] = set()
        roots = [("model", model), *local_values.items()]
        for root, value in roots:
            if not isinstance(value, torch.nn.Module):
                continue
            for name, tensor in _unwrapped(value).named_parameters():
                if tensor.is_meta or id(tensor) in done:
                    continue
                done.add(id(tensor))
                label = seen.setdefault(id(tensor), (f"{root}.{name}", tensor))[0]
                out[label] = tensor.detach().cpu().double().numpy()
        return out


def _unwrapped(module: torch.nn.Module) -> torch.nn.Module:
    """The model inside a peft wrapper, so its parameters keep their model's names."""
    inner = getattr(module, "get_base_model", None)
    base = inner() if callable(inner) else module
    return base if isinstance(base, torch.nn.Module) else module


def make() -> TorchBackend:
    """The backend of the child process, which it also sets up: nothing is downloaded,
    and one thread is plenty for a tiny model."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(1)
    return TorchBackend()
