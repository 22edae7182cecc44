# (missed) generator=generator with a parameter defaulting to None draws from the global
# stream in a function that takes a seed. Nothing today; expected: SDL101.
import torch


def init_head(dim, seed=0, generator=None):
    return torch.nn.init.normal_(torch.empty(dim, dim), generator=generator)
