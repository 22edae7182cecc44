# (5) The callee draws only when a parameter is not None; the call leaves it None. SDL101
# today at load_audio(...); expected: nothing.
import random


def load_audio(samples, segment=None):
    if segment is not None:
        start = random.randint(0, len(samples) - segment)
        samples = samples[start : start + segment]
    return samples


def generate(samples, seed=0):
    ref = load_audio(samples)
    random.seed(seed)
    return ref, random.random()
