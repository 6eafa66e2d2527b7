"""Checks for the exercises of notebook 06 (complexity comparison): the Pareto frontier,
accuracy density, and papers' "GFLOPs" (multiply-adds) from our FLOPs.

    >>> from convnet_lib.exercises import ch06 as check
    >>> check.pareto_frontier(my_pareto_frontier)
"""

import math

import numpy as np

from convnet_lib.exercises._report import as_number
from convnet_lib.exercises._report import check_formula
from convnet_lib.exercises._report import close
from convnet_lib.exercises._report import exercise

# (cost, accuracy) pairs: a tie in cost where the first row is worse, an exact duplicate
# on the frontier, and a cheap but poor model.
_POINTS = np.array([
    [4.1, 76.1], [4.1, 77.2], [1.0, 70.0], [11.5, 80.0], [11.5, 80.0], [8.0, 78.5],
    [9.0, 78.0], [0.6, 60.3], [23.0, 79.5], [3.0, 74.0], [3.5, 73.0], [31.0, 82.5],
])


def _reference_frontier(cost, accuracy):
    import pandas as pd

    from convnet_lib.comparison import pareto_frontier

    table = pd.DataFrame({"cost": cost, "accuracy": accuracy})
    return pareto_frontier(table, "cost", "accuracy").to_numpy(dtype=bool)


@exercise("Exercise A: the Pareto frontier")
def pareto_frontier(report, function):
    """Checks `function(cost, accuracy) -> boolean array` against
    `comparison.pareto_frontier`."""
    rng = np.random.default_rng(11)
    random_points = np.column_stack([rng.uniform(0.5, 30, 25), rng.uniform(60, 85, 25)])
    for name, points in (("the chapter-like table", _POINTS), ("25 random models",
                                                               random_points)):
        cost, accuracy = points[:, 0].copy(), points[:, 1].copy()
        expected = _reference_frontier(cost, accuracy)
        got = np.asarray(function(cost, accuracy))
        if got.shape != expected.shape:
            hint = ("return one True/False per model, in the input order (a mask), not "
                    "the indices or the points of the frontier.")
            report.stop(f"{name}: result of shape {got.shape}, expected {expected.shape}",
                        hint)
        got = got.astype(bool)
        if np.array_equal(got, expected):
            continue
        wrong = np.flatnonzero(got != expected)
        if np.array_equal(got, _reference_frontier(-cost, accuracy)):
            hint = "a *lower* cost is better: a model is dominated by a cheaper, more " \
                   "accurate one."
        elif np.array_equal(got, _reference_frontier(cost, -accuracy)):
            hint = "a *higher* accuracy is better."
        else:
            hints = []
            others = np.arange(len(cost))
            if any(np.any((cost == cost[i]) & (accuracy == accuracy[i]) & (others != i))
                   for i in wrong):
                hints.append("Two models with the same cost and the same accuracy do not "
                             "dominate each other: keep both (domination needs one of the "
                             "two strictly better).")
            if any(got[i] and np.any((cost == cost[i]) & (accuracy > accuracy[i]))
                   for i in wrong):
                hints.append("At equal cost the more accurate model dominates the other "
                             "(sorting by cost alone leaves ties in input order).")
            hint = " ".join(hints) or (
                "model i is on the frontier when no other model has cost <= and "
                "accuracy >= with at least one of the two strictly better.")
        report.stop(f"{name}: {len(wrong)} models wrongly marked (first: cost "
                    f"{cost[wrong[0]]:g}, accuracy {accuracy[wrong[0]]:g}, you "
                    f"{bool(got[wrong[0]])}, expected {bool(expected[wrong[0]])})", hint)
    report.ok("the same frontier as convnet_lib.comparison.pareto_frontier on 2 tables, "
              "with ties and duplicates")


@exercise("Exercise B: accuracy density")
def accuracy_density(report, function):
    """Checks `function(top1, params) -> array` against `comparison.accuracy_density`."""
    from convnet_lib.comparison import accuracy_density as reference

    top1 = np.array([76.1, 77.2, 79.0, 82.5, 71.9])
    params = np.array([25_557_032, 22_910_480, 8_062_504, 88_591_464, 3_538_984])
    expected = reference(top1, params)
    try:
        got = np.asarray(function(top1.copy(), params.copy()), dtype=np.float64)
    except (TypeError, ValueError):
        report.stop("return an array of numbers, one per model.")
    if got.shape != expected.shape:
        report.stop(f"result of shape {got.shape}, expected {expected.shape}",
                    "one density per model: divide element by element.")
    if close(got, expected, 1e-9):
        report.ok("the same densities as convnet_lib.comparison.accuracy_density")
        return
    hints = [
        (top1 / params, "accuracy per *million* parameters: divide params by 1e6 first."),
        (top1 / 100 / (params / 1e6), "the accuracy stays in % (76.1, not 0.761)."),
        ((params / 1e6) / top1, "accuracy divided by parameters, not the other way round."),
        (top1 / (params / 1e9), "million is 1e6, not 1e9."),
    ]
    hint = next((h for values, h in hints if close(got, values, 1e-9)),
                "top-1 accuracy in % divided by the parameters in millions.")
    report.wrong(f"first model: {got[0]:.6g}, expected {expected[0]:.6g} (% per million "
                 "parameters)", hint)


def _gmacs_hint(case, got, expected):
    (flops,) = case
    if math.isclose(got, flops / 1e9):
        return ("that is GFLOPs in our convention; papers count multiply-adds, and a "
                "multiply-add is 2 of our FLOPs: divide by 2 as well.")
    if math.isclose(got, flops * 2 / 1e9):
        return "divide by 2 (one multiply-add = 2 FLOPs), do not multiply."
    if math.isclose(got, flops / 2 / 1e6):
        return "G is giga, 1e9 (1e6 is mega)."
    if math.isclose(got, flops / 2):
        return "express the result in billions (divide by 1e9)."
    return "billions of multiply-adds = FLOPs / 2 / 1e9."


@exercise("Exercise C: \"GFLOPs\" as papers count them (multiply-adds)")
def gmacs(report, function):
    """Checks `function(flops) -> float`, the papers' "GFLOPs" (billions of multiply-adds)
    from `convnet_lib.complexity.count_flops`' FLOPs (2 per multiply-add)."""
    import keras
    from keras import layers

    from convnet_lib.complexity import count_flops

    # Bias-free convolutions only: here count_flops is exactly 2 x the multiply-adds.
    inputs = keras.Input((56, 56, 64))
    x = layers.Conv2D(64, 3, padding="same", use_bias=False)(inputs)
    x = layers.Conv2D(256, 1, use_bias=False)(x)
    flops = count_flops(keras.Model(inputs, x))
    macs = 56 * 56 * (3 * 3 * 64 * 64 + 64 * 256)
    cases = [(flops,), (8_200_000_000,), (23_000_000_000,)]
    check_formula(report, function, cases, lambda value: value / 2 / 1e9, _gmacs_hint,
                  "gmacs")
    if report.passed:
        report.note(f"a 3x3 and a 1x1 conv at 56x56: count_flops says {flops:,} FLOPs, "
                    f"the layers do {macs:,} multiply-adds, a paper's table says "
                    f"{as_number(function(flops)):.3f} 'GFLOPs'.")
