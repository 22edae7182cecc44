# (7) Optional seeding: unseeded only when the caller passes seed=None (directly or through a
# helper such as exists). SDL101 twice today; expected: nothing.
import mlx.core as mx
import numpy as np


def exists(v):
    return v is not None


def sample(n, seed=None):
    if exists(seed):
        mx.random.seed(seed)
    return mx.random.normal((n,))


def iterate_batches(n, seed=None):
    if seed is not None:
        np.random.seed(seed)
    return np.random.permutation(n)
