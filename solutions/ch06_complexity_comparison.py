"""Solutions to the checked exercises of notebook 06 (complexity comparison)."""

import numpy as np


def my_pareto_frontier(cost, accuracy):
    """True for the models that no other model beats: cost <= and accuracy >=, with at
    least one of the two strictly better."""
    cost = np.asarray(cost, dtype=np.float64)
    accuracy = np.asarray(accuracy, dtype=np.float64)
    on_front = np.ones(len(cost), dtype=bool)
    for i in range(len(cost)):
        no_worse = (cost <= cost[i]) & (accuracy >= accuracy[i])
        better = (cost < cost[i]) | (accuracy > accuracy[i])
        on_front[i] = not np.any(no_worse & better)
    return on_front


def my_accuracy_density(top1, params):
    """Top-1 accuracy in % per million parameters."""
    return np.asarray(top1, dtype=np.float64) / (np.asarray(params, dtype=np.float64) / 1e6)


def my_gmacs(flops):
    """Papers' "GFLOPs" are billions of multiply-adds; one multiply-add is 2 of our FLOPs."""
    return flops / 2 / 1e9
