# (10, new) A seeder reached as a method of a framework object (Lightning Fabric): unresolved,
# so SDL101 today; expected: nothing (a pack entry for the attribute seed_everything).
import lightning as L
import torch


def main(fabric: L.Fabric, seed: int):
    fabric.seed_everything(seed)
    return torch.nn.Linear(4, 4)
