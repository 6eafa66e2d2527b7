"""Tests of convnet_lib.metrics on small predictions with hand-computed answers."""

import numpy as np
import pytest

from convnet_lib import metrics

# ------------------------------------------------------------------------- measurements

LABELS = [0, 0, 1, 1, 2]
PREDICTED = [0, 1, 1, 1, 0]


def test_accuracy_from_indices_and_probabilities():
    assert metrics.accuracy(LABELS, PREDICTED) == pytest.approx(0.6)
    probabilities = np.eye(3)[PREDICTED] * 0.8 + 0.05
    assert metrics.accuracy(LABELS, probabilities) == pytest.approx(0.6)


def test_per_class_accuracy_hand_computed():
    np.testing.assert_allclose(
        metrics.per_class_accuracy(LABELS, PREDICTED, classes=3), [0.5, 1.0, 0.0]
    )
    # A class with no examples is NaN, not 0.
    result = metrics.per_class_accuracy(LABELS, PREDICTED, classes=4)
    assert np.isnan(result[3])


def test_per_class_metrics_hand_computed():
    table = metrics.per_class_metrics(LABELS, PREDICTED, ["a", "b", "c"])
    assert list(table.index) == ["a", "b", "c"]
    np.testing.assert_allclose(table["precision"], [0.5, 2 / 3, np.nan])
    np.testing.assert_allclose(table["recall"], [0.5, 1.0, 0.0])
    np.testing.assert_allclose(table["f1"], [0.5, 0.8, np.nan])
    np.testing.assert_array_equal(table["support"], [2, 2, 1])


def test_per_class_accuracy_table():
    table = metrics.per_class_accuracy_table(
        LABELS, {"m1": PREDICTED, "m2": LABELS}, ["a", "b", "c"]
    )
    assert list(table.index) == ["m1", "m2"]
    assert list(table.columns) == ["a", "b", "c"]
    np.testing.assert_allclose(table.loc["m1"], [0.5, 1.0, 0.0])
    np.testing.assert_allclose(table.loc["m2"], [1.0, 1.0, 1.0])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: metrics.accuracy(LABELS, [0, 1]), "predicted"),
        (lambda: metrics.accuracy([[0, 1]], [0, 1]), "labels"),
        (lambda: metrics.accuracy([], []), "labels"),
        (lambda: metrics.per_class_accuracy(LABELS, PREDICTED, classes=2), "labels"),
        (lambda: metrics.per_class_accuracy(LABELS, PREDICTED, classes=0), "classes"),
        (lambda: metrics.per_class_metrics(LABELS, PREDICTED, "abc"), "class_names"),
        (lambda: metrics.per_class_metrics([0, 0], [0, 5], ["a", "b"]), "predicted"),
        (lambda: metrics.per_class_accuracy_table(LABELS, [PREDICTED], ["a"]), "predictions"),
        (lambda: metrics.per_class_accuracy_table(LABELS, {}, ["a", "b", "c"]), "predictions"),
    ],
)
def test_measurements_invalid_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bootstrap_known_answers():
    labels = np.arange(50) % 5
    same = metrics.bootstrap_accuracy_difference(labels, labels, labels, resamples=200)
    assert (same.difference, same.low, same.high) == (0.0, 0.0, 0.0)
    wrong = (labels + 1) % 5
    better = metrics.bootstrap_accuracy_difference(labels, labels, wrong, resamples=200)
    assert (better.difference, better.low, better.high) == (1.0, 1.0, 1.0)
    assert better.confidence == 0.95 and better.resamples == 200


def test_bootstrap_interval_matches_normal_approximation():
    # A is right on 80 % of 4000 examples, B on 75 %; they disagree on 600 examples.
    rng = np.random.default_rng(1)
    examples = 4000
    labels = np.zeros(examples, dtype=int)
    a_right = np.zeros(examples, bool)
    b_right = np.zeros(examples, bool)
    a_right[:2900] = True  # both right on 0..2899
    b_right[:2900] = True
    a_right[2900:3200] = True  # only A right on 300 examples
    b_right[3200:3300] = True  # only B right on 100 examples
    order = rng.permutation(examples)
    predicted_a = np.where(a_right[order], 0, 1)
    predicted_b = np.where(b_right[order], 0, 1)
    result = metrics.bootstrap_accuracy_difference(
        labels, predicted_a, predicted_b, resamples=2000, seed=3
    )
    assert result.difference == pytest.approx(0.05)
    # Normal approximation of the paired difference: sd = sqrt((p10 + p01 - d^2) / n).
    sd = np.sqrt((300 / examples + 100 / examples - 0.05**2) / examples)
    assert result.low == pytest.approx(0.05 - 1.96 * sd, abs=0.25 * sd)
    assert result.high == pytest.approx(0.05 + 1.96 * sd, abs=0.25 * sd)
    # Same seed, same interval.
    again = metrics.bootstrap_accuracy_difference(
        labels, predicted_a, predicted_b, resamples=2000, seed=3
    )
    assert again == result


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"resamples": 10}, "resamples"),
        ({"confidence": 1.0}, "confidence"),
        ({"confidence": 0.0}, "confidence"),
        ({"seed": -1}, "seed"),
        ({"predicted_b": [0, 1]}, "predicted_b"),
    ],
)
def test_bootstrap_invalid_arguments(kwargs, match):
    arguments = {"labels": LABELS, "predicted_a": PREDICTED, "predicted_b": LABELS}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        metrics.bootstrap_accuracy_difference(**arguments)



def test_report_accuracy_prints_the_shared_format(capsys):
    assert metrics.report_accuracy(LABELS, PREDICTED, label="vote") == pytest.approx(0.6)
    assert capsys.readouterr().out == "vote test accuracy: 0.600 (5 test images)\n"
    metrics.report_accuracy(LABELS, LABELS)
    assert capsys.readouterr().out == "test accuracy: 1.000 (5 test images)\n"
    with pytest.raises(ValueError, match="label"):
        metrics.report_accuracy(LABELS, PREDICTED, label=3)


# ----------------------------------------------------------------- paired comparisons


def test_paired_comparison_line_has_the_agreed_form():
    rng = np.random.default_rng(0)
    a = rng.random((3, 2000)) < 0.92
    b = rng.random((3, 2000)) < 0.90
    result = metrics.paired_comparison(a, b, "with SE", "without SE")
    assert result.seeds == 3
    assert result.mean_a == pytest.approx(a.mean())
    assert result.difference == pytest.approx(a.mean() - b.mean())
    assert result.low < result.difference < result.high
    line = result.line()
    assert line.startswith(
        f"comparison: with SE vs without SE: {a.mean():.3f} vs {b.mean():.3f} test accuracy "
        "over 3 seeds; paired difference +0.0"
    )
    assert "(95% CI +0.0" in line and line.endswith(")")
    assert str(result) == line


def test_identical_arms_give_zero_and_a_degenerate_interval():
    a = np.array([[1, 0, 1, 1], [1, 1, 0, 1]])
    result = metrics.paired_comparison(a, a, resamples=200)
    assert (result.difference, result.low, result.high) == (0.0, 0.0, 0.0)
    assert not result.significant


def test_interval_covers_seed_to_seed_variation():
    # Arm A is better on seed 0 and worse on seed 1: the paired interval must include 0,
    # although each seed's difference alone is large.
    a = np.array([[1] * 90 + [0] * 10, [1] * 70 + [0] * 30])
    b = np.array([[1] * 70 + [0] * 30, [1] * 90 + [0] * 10])
    result = metrics.paired_comparison(a, b, resamples=500)
    assert result.difference == pytest.approx(0.0)
    assert result.low < -0.1 and result.high > 0.1


def test_a_clear_difference_is_significant():
    a = np.ones((3, 500))
    b = np.zeros((3, 500))
    b[:, :250] = 1
    result = metrics.paired_comparison(a, b, resamples=300)
    assert result.difference == pytest.approx(0.5)
    assert result.significant and 0.4 < result.low <= result.high < 0.6
    assert result.spread_a == 0.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"correct_b": np.ones((2, 5))}, "same shape"),
        ({"correct_a": np.full((3, 5), 0.5)}, "correct_a"),
        ({"correct_a": "abc"}, "correct_a"),
        ({"name_a": ""}, "name_a"),
        ({"resamples": 10}, "resamples"),
        ({"confidence": 1.0}, "confidence"),
    ],
)
def test_paired_comparison_invalid_arguments(kwargs, match):
    arguments = {"correct_a": np.ones((3, 5)), "correct_b": np.ones((3, 5))}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        metrics.paired_comparison(**arguments)


def test_cohen_kappa_known_values():
    same = [0, 1, 2, 0, 1, 2]
    assert metrics.cohen_kappa(same, same, classes=3) == pytest.approx(1.0)
    # Observed agreement 0.5, chance agreement 0.5 (both predict 0 and 1 half the time).
    assert metrics.cohen_kappa([0, 0, 1, 1], [0, 1, 0, 1], classes=2) == pytest.approx(0.0)
    assert metrics.cohen_kappa([0, 0, 1, 1], [1, 1, 0, 0], classes=2) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="predicted_b"):
        metrics.cohen_kappa([0, 1], [0, 1, 1], classes=2)


def test_conditional_error_known_values():
    labels = np.array([0, 0, 0, 0, 1, 1])
    a = np.array([1, 1, 0, 0, 1, 1])  # wrong on examples 0 and 1
    b = np.array([1, 0, 0, 0, 0, 1])  # wrong on 0 and 4: repeats one of A's two mistakes
    assert metrics.conditional_error(labels, a, b) == pytest.approx(0.5)
    assert np.isnan(metrics.conditional_error(labels, labels, b))
