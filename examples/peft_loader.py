"""A LoRA loader with the two bugs seedlint was built for: run `seedlint examples/`."""

import mlx.core as mx
from mlx_lm.tuner.lora import LoRALinear
from mlx_lm.tuner.utils import linear_to_lora_layers


def init_gaussian(model):
    for _, module in model.named_modules():
        if hasattr(module, "lora_a"):
            module.lora_a = mx.random.normal(shape=module.lora_a.shape)


def get_peft_model(model, random_state=3407, finetune_language_layers=True, train_vision=False):
    if finetune_language_layers:
        mx.random.seed(random_state)
        linear_to_lora_layers(model.language_model, 4, {"rank": 8, "scale": 2.0, "dropout": 0.0})
    if train_vision:
        # Reached with finetune_language_layers=False: no seed on this path.
        model.vision_tower.proj = LoRALinear.from_base(model.vision_tower.proj, r=8)
    # Draws after linear_to_lora_layers advanced the state.
    init_gaussian(model)
    return model
