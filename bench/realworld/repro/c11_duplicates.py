# (11, new) One real bug (the seed parameter is never used) reported once per caller up the
# chain: three SDL101 today; one (line of np.random.permutation) is the finding.
import numpy as np


def batches(n, seed=42):
    return np.random.permutation(n)


def prepare(n, seed):
    return batches(n, seed=seed)


def train(n, seed):
    return prepare(n, seed)
