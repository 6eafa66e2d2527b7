"""Checks for the exercises of notebook 04 (ensembles): a weighted average of the members'
probabilities, majority voting and the log-loss.

    >>> from convnet_lib.exercises import ch04 as check
    >>> check.weighted_average(my_weighted_average)
"""

import math

import numpy as np

from convnet_lib.exercises._report import as_number
from convnet_lib.exercises._report import close
from convnet_lib.exercises._report import exercise
from convnet_lib.exercises._report import first_match
from convnet_lib.exercises._report import library_function

_MODULES = ("convnet_lib.ensembles", "convnet_lib.metrics")


def _softmax(logits, axis=-1):
    shifted = logits - logits.max(axis=axis, keepdims=True)
    exponentials = np.exp(shifted)
    return exponentials / exponentials.sum(axis=axis, keepdims=True)


def _as_array(value, report, what):
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        report.stop(f"{what} must be an array of numbers. Received: {type(value).__name__}")


@exercise("Exercise A: a weighted average of the members' probabilities")
def weighted_average(report, function):
    """Checks `function(logits, weights)` -> (examples, classes) probabilities against
    `ensembles.weighted_average(softmax(logits), weights)`."""
    reference = library_function("weighted_average", _MODULES)
    rng = np.random.default_rng(7)
    logits = 3.0 * rng.normal(size=(3, 8, 4))
    for weights in ((2.0, 1.0, 1.0), (0.5, 0.3, 0.2)):
        probabilities = _softmax(logits)
        expected = reference(probabilities, list(weights))
        got = _as_array(function(logits, np.array(weights)), report, "the result")
        case = f"weights {weights}"
        if got.shape != expected.shape:
            report.stop(f"{case}: result of shape {got.shape}, expected {expected.shape} "
                        "(examples, classes)",
                        "combine over the models axis (axis 0) of the (models, examples, "
                        "classes) array.")
        if close(got, expected, 1e-6):
            continue
        w = np.array(weights)
        normalised = w / w.sum()
        hint = first_match(got, [
            (_softmax(np.tensordot(normalised, logits, axes=1)),
             "you averaged the logits and then applied softmax: apply softmax to each "
             "model's logits first, then average the probabilities."),
            (np.tensordot(w, probabilities, axes=1),
             "the weights are not normalised: divide by their sum, so that every row is a "
             "probability vector again (rows here sum to "
             f"{float(w.sum()):g})."),
            (probabilities.mean(axis=0), "the weights were ignored: that is the plain mean."),
            (np.tensordot(normalised, logits, axes=1),
             "these are logits, not probabilities: apply softmax over the class axis first."),
            (np.tensordot(normalised, _softmax(logits, axis=1), axes=1),
             "softmax over the class axis (axis=-1), not over the examples."),
            (np.tensordot(normalised, _softmax(logits, axis=0), axes=1),
             "softmax over the class axis (axis=-1), not over the models."),
        ], tolerance=1e-6) or "softmax each model's logits, weight, sum, divide by sum(weights)."
        report.stop(f"{case}: different probabilities from the library's", hint)
    report.ok("the same probabilities as convnet_lib's weighted_average for 2 sets of "
              "weights; every row sums to 1")


@exercise("Exercise B: majority vote")
def majority_vote(report, function):
    """Checks `function(probabilities) -> labels` against
    `ensembles.majority_vote(probabilities, tie_rule="lowest")`."""
    reference = library_function("majority_vote", _MODULES)
    rng = np.random.default_rng(8)
    probabilities = rng.dirichlet(np.full(4, 0.5), size=(4, 40))
    # Example 0: two confident votes for class 2 lose to three timid votes for class 1,
    # so voting and averaging disagree. Example 1: a 2-2 tie between classes 3 and 0.
    probabilities[:, 0, :] = [[0.05, 0.4, 0.35, 0.2]] * 3 + [[0.0, 0.0, 1.0, 0.0]]
    probabilities[:, 1, :] = [[0.1, 0, 0, 0.9]] * 2 + [[0.6, 0.2, 0.2, 0.0]] * 2
    expected = reference(probabilities, tie_rule="lowest")
    got = np.asarray(function(probabilities))
    if got.shape != expected.shape:
        report.stop(f"result of shape {got.shape}, expected {expected.shape} "
                    "(one class index per example)",
                    "each model votes with `argmax(axis=-1)` (shape (models, examples)); "
                    "count the votes per example, over the models axis.")
    if not np.issubdtype(got.dtype, np.integer):
        report.stop(f"result of dtype {got.dtype}", "return class *indices* (integers).")
    if np.array_equal(got, expected):
        report.ok(f"the same votes as convnet_lib's majority_vote on {len(got)} examples, "
                  "including a tie")
        return
    averaged = probabilities.mean(axis=0).argmax(axis=-1)
    top = probabilities.argmax(axis=-1)  # (models, examples)
    votes = np.stack([np.bincount(column, minlength=4) for column in top.T])
    tied = (votes == votes.max(axis=-1, keepdims=True)).sum(axis=-1) > 1
    others = np.flatnonzero(~tied)
    if np.array_equal(got, averaged):
        hint = ("that is averaging the probabilities, not voting: each model casts one "
                "vote, for its own argmax; the class with most votes wins.")
    elif np.array_equal(got[others], expected[others]):
        hint = ("ties: among the classes with the most votes, pick the lowest class index "
                "(`np.argmax` on the vote counts does that).")
    else:
        hint = "count, for every example, how many models rank each class first."
    wrong = np.flatnonzero(got != expected)
    report.wrong(f"{len(wrong)} of {len(got)} examples differ (first: example {wrong[0]}, "
                 f"you {got[wrong[0]]}, expected {expected[wrong[0]]})", hint)


@exercise("Exercise C: the log-loss of an ensemble")
def log_loss(report, function):
    """Checks `function(probabilities, labels) -> float` against `ensembles.log_loss`."""
    reference = library_function("log_loss", _MODULES)
    rng = np.random.default_rng(9)
    for examples, classes in ((20, 4), (9, 10)):
        probabilities = rng.dirichlet(np.ones(classes), size=examples)
        labels = rng.integers(0, classes, size=examples)
        expected = reference(probabilities, labels)
        got = as_number(function(probabilities, labels))
        case = f"{examples} examples, {classes} classes"
        if got is None:
            report.stop(f"{case}: your function must return one number.")
        if math.isclose(got, expected, rel_tol=1e-9):
            continue
        true_class = probabilities[np.arange(examples), labels]
        if math.isclose(got, -expected, rel_tol=1e-9):
            hint = "the minus sign is missing: log-probabilities are negative."
        elif math.isclose(got, expected * examples, rel_tol=1e-9):
            hint = "that is the sum: take the mean over the examples."
        elif math.isclose(got, expected / math.log(10), rel_tol=1e-9):
            hint = "use the natural logarithm (np.log), not log10."
        elif math.isclose(got, float(-np.log(probabilities.max(axis=-1)).mean()),
                          rel_tol=1e-9):
            hint = ("use the probability of the *true* class "
                    "(probabilities[np.arange(n), labels]), not of the predicted one.")
        elif math.isclose(got, float(-np.log(true_class).sum() / classes), rel_tol=1e-9):
            hint = "divide by the number of examples, not of classes."
        else:
            hint = "the mean over examples of -log(probability of the true class)."
        report.stop(f"{case}: {got:.6g}, expected {expected:.6g}", hint)
    report.ok("the log-loss agrees with convnet_lib's on 2 sets of predictions")
