# (1) A seed helper that picks a fresh seed when none is given. Flagged today in the helper
# (SDL101, SDL301) and at every caller; expected: nothing, the helper is a seed.
import torch


def set_seed(seed=None):
    if seed is None:
        seed = int(torch.randint(0, 2**32 - 1, (1,)))
    torch.manual_seed(seed)
    return seed


def main(cfg):
    set_seed(cfg.seed)
    return torch.nn.Linear(4, 4)
