# (9) SDL301 reads the wrong argument: image=None is not the seed. SDL301 today; expected:
# nothing.
import torch


def enhance(prompt, image, seed):
    torch.manual_seed(seed)
    return prompt


def run(prompt, seed=10):
    return enhance(prompt, image=None, seed=seed)
