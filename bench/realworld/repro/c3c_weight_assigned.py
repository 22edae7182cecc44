# (3c) Built, then its weight assigned at once (dequantisation). SDL101 today; expected: nothing.
import mlx.core as mx
import mlx.nn as nn


def dequantize(q, seed=0):
    layer = nn.Linear(q.shape[1], q.shape[0])
    layer.weight = mx.dequantize(q.weight, q.scales, q.biases)
    mx.random.seed(seed)
    return layer
