# (3) Built, then loaded: the layer draws, load_weights replaces every weight. SDL101 today at
# load(...); expected: nothing (an advance).
import mlx.core as mx
import mlx.nn as nn


def load(path):
    model = nn.Linear(4, 4)
    model.load_weights(path)
    return model


def generate(path, seed=0):
    model = load(path)
    mx.random.seed(seed)
    return model(mx.random.normal((1, 4)))
