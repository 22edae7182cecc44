# (2) A plain sequence of draws after one seed. SDL201 today; expected: nothing (no weight
# or adapter initialiser among the consumers).
import mlx.core as mx


def calibrate(seed, n):
    mx.random.seed(seed)
    order = mx.random.permutation(n)
    prompts = mx.random.randint(0, 100, (4, 8))
    return order, prompts
