# (3b) Built on the meta device, then loaded with assign=True: no draw at all. SDL101 today.
import torch


def main(path, seed=0):
    with torch.device("meta"):
        model = torch.nn.Linear(4, 4)
    model.load_state_dict(torch.load(path), assign=True)
    torch.manual_seed(seed)
    return model(torch.randn(1, 4))
