# (5b) The callee draws only when noise is None; the call passes noise. SDL101 today.
import mlx.core as mx


def separate(x, noise=None):
    if noise is None:
        noise = mx.random.normal(x.shape)
    return x + noise


def separate_long(x, seed=0):
    noise = mx.random.normal(x.shape, key=mx.random.key(seed))
    return separate(x, noise=noise)
