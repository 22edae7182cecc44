# (missed) A method called on a project function's result draws before the seed. Nothing
# today; expected: SDL101 at get_sampler().draw.
import mlx.core as mx


class Sampler:
    def draw(self, shape):
        return mx.random.normal(shape)


def get_sampler():
    return Sampler()


def generate(shape, seed=0):
    noise = get_sampler().draw(shape)
    mx.random.seed(seed)
    return noise
