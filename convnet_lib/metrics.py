"""How good a classifier is: accuracy, per-class metrics and paired comparisons.

Every accuracy the course prints is computed here, once:

- `accuracy`, `report_accuracy` (the `test accuracy: 0.xxx` line every notebook prints);
- `per_class_accuracy`, `per_class_metrics`, `per_class_accuracy_table`;
- `cohen_kappa`, `conditional_error`: how similar two classifiers' mistakes are (bounded
  measures of an ensemble's diversity);
- `bootstrap_accuracy_difference`: two classifiers on the same test examples, a paired
  bootstrap interval for their accuracy difference (Efron & Tibshirani 1993, "An
  Introduction to the Bootstrap");
- `paired_comparison`: two *training recipes or architectures*, each trained with several
  seeds, compared over seeds and test examples (a two-level paired bootstrap), and its
  one-line report `comparison: A vs B: ...`.
"""

import collections
import dataclasses

import numpy as np
import pandas as pd

from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib._checks import check_labels
from convnet_lib._checks import check_probabilities

BootstrapResult = collections.namedtuple(
    "BootstrapResult", ["difference", "low", "high", "confidence", "resamples"]
)


def format_test_accuracy(accuracy, count, label=None):
    """The line every notebook ends a training run with: `<label> test accuracy: 0.xxx (N test images)`."""
    if label is not None and not isinstance(label, str):
        raise ValueError(f"`label` must be None or a string. Received: label={label!r}")
    prefix = f"{label} " if label else ""
    return f"{prefix}test accuracy: {accuracy:.3f} ({count:,} test images)"


def _check_predicted(predicted, labels, name="predicted"):
    """`predicted` may be class indices (examples,) or probabilities (examples, classes)."""
    array = np.asarray(predicted)
    if array.ndim == 2:
        array = check_probabilities([array], name=name)[0].argmax(axis=-1)
    return check_labels(array, name=name, examples=labels.shape[0])


def accuracy(labels, predicted):
    """Fraction of examples whose predicted class equals the label.

    `predicted` may be class indices (examples,) or probabilities (examples, classes).
    """
    labels = check_labels(labels)
    predicted = _check_predicted(predicted, labels)
    return float((labels == predicted).mean())


def report_accuracy(labels, predicted, label=None):
    """Prints `<label> test accuracy: 0.xxx (N test images)` and returns the accuracy.

    `convnet_lib.training.report_test_accuracy` prints the same line for a model and a dataset.
    """
    if label is not None and not isinstance(label, str):
        raise ValueError(f"`label` must be None or a string. Received: label={label!r}")
    value = accuracy(labels, predicted)
    print(format_test_accuracy(value, len(np.asarray(labels)), label))
    return value


def per_class_accuracy(labels, predicted, classes):
    """Accuracy within each true class (the per-class recall), as a float array (classes,).

    A class with no examples gets NaN.
    """
    check_int(classes, "classes", minimum=1)
    labels = check_labels(labels, classes=classes)
    predicted = _check_predicted(predicted, labels)
    correct = np.bincount(labels, weights=(labels == predicted), minlength=classes)
    support = np.bincount(labels, minlength=classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, correct / np.maximum(support, 1), np.nan)


def per_class_metrics(labels, predicted, class_names):
    """Precision, recall (= per-class accuracy), F1 and support of each class.

    Returns a pandas DataFrame indexed by class name. A precision or F1 with a zero
    denominator is NaN.
    """
    class_names = _check_class_names(class_names)
    classes = len(class_names)
    labels = check_labels(labels, classes=classes)
    predicted = _check_predicted(predicted, labels)
    if np.any(predicted >= classes):
        raise ValueError(
            f"`predicted` must hold class indices in 0..{classes - 1}. "
            f"Received values up to {predicted.max()}."
        )
    true_positive = np.bincount(labels, weights=(labels == predicted), minlength=classes)
    support = np.bincount(labels, minlength=classes)
    predicted_count = np.bincount(predicted, minlength=classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted_count > 0, true_positive / predicted_count, np.nan)
        recall = np.where(support > 0, true_positive / support, np.nan)
        f1 = 2 * precision * recall / (precision + recall)
    return pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support},
        index=pd.Index(class_names, name="class"),
    )


def per_class_accuracy_table(labels, predictions, class_names):
    """Per-class accuracy of several models: a DataFrame with one row per model.

    Args:
        labels: int array (examples,).
        predictions: dict {model name: predicted class indices or probabilities}.
        class_names: one name per class (the columns).
    """
    class_names = _check_class_names(class_names)
    if not isinstance(predictions, dict) or not predictions:
        raise ValueError(
            "`predictions` must be a non-empty dict {model name: predictions}. "
            f"Received: predictions of type {type(predictions).__name__}"
        )
    rows = {
        name: per_class_accuracy(labels, predicted, len(class_names))
        for name, predicted in predictions.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(class_names))


def _check_class_names(class_names):
    if isinstance(class_names, str) or not isinstance(class_names, (list, tuple)) or not (
        class_names
    ):
        raise ValueError(
            "`class_names` must be a non-empty list of class names. "
            f"Received: class_names={class_names!r}"
        )
    return list(class_names)


def _check_bootstrap(resamples, confidence, seed):
    """The three settings every bootstrap here takes."""
    check_int(resamples, "resamples", minimum=100)
    check_float(confidence, "confidence", minimum=0.0, maximum=1.0)
    if not 0.0 < confidence < 1.0:
        raise ValueError(
            f"`confidence` must be strictly between 0 and 1. Received: confidence={confidence!r}"
        )
    check_int(seed, "seed", minimum=0)


def bootstrap_accuracy_difference(
    labels, predicted_a, predicted_b, resamples=2000, confidence=0.95, seed=0
):
    """Accuracy of A minus accuracy of B, with a paired bootstrap confidence interval.

    The test examples are resampled with replacement `resamples` times; both classifiers
    are scored on the same resample (paired), which removes the variation that comes from
    how hard the drawn examples are. The interval is the percentile interval of the
    resampled differences. If it contains 0, the difference is within noise.

    Args:
        labels: int array (examples,).
        predicted_a, predicted_b: class indices (examples,) or probabilities
            (examples, classes) of the two classifiers.
        resamples: number of bootstrap resamples (>= 100).
        confidence: coverage of the interval, in (0, 1).
        seed: seed of the resampling (int).

    Returns:
        BootstrapResult(difference, low, high, confidence, resamples), where `difference`
        is the observed accuracy difference on the full set.
    """
    labels = check_labels(labels)
    predicted_a = _check_predicted(predicted_a, labels, name="predicted_a")
    predicted_b = _check_predicted(predicted_b, labels, name="predicted_b")
    _check_bootstrap(resamples, confidence, seed)
    # Per-example difference: +1 where only A is right, -1 where only B is right.
    per_example = (predicted_a == labels).astype(np.float64) - (predicted_b == labels)
    examples = per_example.shape[0]
    rng = np.random.default_rng(seed)
    differences = np.empty(resamples)
    chunk = max(1, 2_000_000 // examples)  # bounds the memory of the index arrays
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        indices = rng.integers(0, examples, size=(stop - start, examples))
        differences[start:stop] = per_example[indices].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(differences, [tail, 1.0 - tail])
    return BootstrapResult(
        float(per_example.mean()), float(low), float(high), float(confidence), resamples
    )


def cohen_kappa(predicted_a, predicted_b, classes):
    """Cohen's kappa between two classifiers' predictions: agreement beyond chance.

    1 = they always predict the same class, 0 = they agree as often as two independent
    classifiers with the same class frequencies would, below 0 = less often. Bounded (unlike
    a ratio of error rates), so it compares across pairs of models (Kuncheva & Whitaker 2003,
    "Measures of diversity in classifier ensembles").
    """
    check_int(classes, "classes", minimum=2)
    a = check_labels(predicted_a, name="predicted_a", classes=classes)
    b = check_labels(predicted_b, name="predicted_b", examples=a.shape[0], classes=classes)
    observed = float(np.mean(a == b))
    chance = float(np.dot(np.bincount(a, minlength=classes), np.bincount(b, minlength=classes))
                   / a.shape[0] ** 2)
    return 1.0 if chance == 1.0 else (observed - chance) / (1.0 - chance)


def conditional_error(labels, predicted_a, predicted_b):
    """P(B wrong | A wrong): of the examples A gets wrong, the share B gets wrong too.

    Between 0 (B fixes every mistake of A) and 1 (B repeats all of them); NaN when A makes
    no mistake. Compare it with B's overall error rate: equal means B's mistakes are
    independent of A's.
    """
    labels = check_labels(labels)
    a = _check_predicted(predicted_a, labels, name="predicted_a")
    b = _check_predicted(predicted_b, labels, name="predicted_b")
    a_wrong = a != labels
    if not a_wrong.any():
        return float("nan")
    return float(np.mean(b[a_wrong] != labels[a_wrong]))


@dataclasses.dataclass(frozen=True)
class PairedComparison:
    """Two arms (A and B), each trained with the same seeds, scored on the same test examples.

    Attributes:
        name_a, name_b: the arms' names.
        accuracies_a, accuracies_b: test accuracy of each seed's model (same seed order).
        difference: mean accuracy of A minus mean accuracy of B.
        low, high: the `confidence` interval of `difference` (two-level paired bootstrap).
        confidence: coverage of the interval, e.g. 0.95.
    """

    name_a: str
    name_b: str
    accuracies_a: tuple
    accuracies_b: tuple
    difference: float
    low: float
    high: float
    confidence: float

    @property
    def seeds(self):
        return len(self.accuracies_a)

    @property
    def mean_a(self):
        return float(np.mean(self.accuracies_a))

    @property
    def mean_b(self):
        return float(np.mean(self.accuracies_b))

    @property
    def spread_a(self):
        """Standard deviation of A's accuracy over seeds (0 for one seed)."""
        return float(np.std(self.accuracies_a, ddof=1)) if self.seeds > 1 else 0.0

    @property
    def spread_b(self):
        return float(np.std(self.accuracies_b, ddof=1)) if self.seeds > 1 else 0.0

    @property
    def significant(self):
        """True when the interval excludes zero."""
        return self.low > 0 or self.high < 0

    def line(self):
        """The one-line report, in the form every chapter prints."""
        return (
            f"comparison: {self.name_a} vs {self.name_b}: {self.mean_a:.3f} vs {self.mean_b:.3f} "
            f"test accuracy over {self.seeds} seeds; paired difference {self.difference:+.3f} "
            f"({100 * self.confidence:.0f}% CI {self.low:+.3f} to {self.high:+.3f})"
        )

    def __str__(self):
        return self.line()


def _check_correct(correct, name):
    """Returns `correct` as a float array (seeds, examples) of 0/1 values."""
    try:
        array = np.asarray(correct, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be an array (seeds, examples) of 0/1 (or True/False) values, one "
            f"row per seed. Received: {name} of type {type(correct).__name__}"
        ) from None
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(
            f"`{name}` must be an array (seeds, examples) with at least one seed and one "
            f"example. Received an array of shape {np.shape(correct)}."
        )
    if not np.all((array == 0) | (array == 1)):
        raise ValueError(
            f"`{name}` must hold 0/1 (or True/False) per example: whether that seed's model "
            f"classified the example correctly. Received values other than 0 and 1."
        )
    return array


def paired_comparison(
    correct_a,
    correct_b,
    name_a="A",
    name_b="B",
    resamples=2000,
    confidence=0.95,
    seed=0,
):
    """Compares two arms trained with several seeds, paired over seeds and test examples.

    Row `i` of `correct_a` and of `correct_b` holds, for seed `i`, whether that seed's model
    got each test example right (same examples, same order in both). The difference is the
    mean accuracy of A minus that of B. Its interval comes from a two-level paired
    bootstrap: each resample draws the seeds with replacement (seed `i` of A stays paired with
    seed `i` of B, which shared its data order and initial randomness) and the test examples
    with replacement (the same draw for both arms), so it covers both the seed-to-seed
    variation of training and the sampling of the test set. With few seeds the seed level is
    coarse: read the interval as approximate, and say when it contains zero.

    Args:
        correct_a, correct_b: arrays (seeds, examples) of 0/1, or lists of per-seed arrays.
        name_a, name_b: names used in the report line.
        resamples: bootstrap resamples (>= 100).
        confidence: coverage of the interval, in (0, 1).
        seed: seed of the resampling.

    Returns:
        PairedComparison; `str()` of it is the report line.
    """
    a = _check_correct(correct_a, "correct_a")
    b = _check_correct(correct_b, "correct_b")
    if a.shape != b.shape:
        raise ValueError(
            "`correct_a` and `correct_b` must have the same shape (seeds, examples): the same "
            f"seeds scored on the same test examples. Received shapes {a.shape} and {b.shape}."
        )
    for value, label in ((name_a, "name_a"), (name_b, "name_b")):
        if not isinstance(value, str) or not value:
            raise ValueError(f"`{label}` must be a non-empty string. Received: {label}={value!r}")
    _check_bootstrap(resamples, confidence, seed)
    seeds, examples = a.shape
    per_example = a - b  # (seeds, examples): +1 only A right, -1 only B right
    rng = np.random.default_rng(seed)
    differences = np.empty(resamples)
    chunk = max(1, 2_000_000 // (examples * seeds))
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        count = stop - start
        seed_draw = rng.integers(0, seeds, size=(count, seeds))
        example_draw = rng.integers(0, examples, size=(count, examples))
        drawn = per_example[seed_draw[:, :, None], example_draw[:, None, :]]
        differences[start:stop] = drawn.mean(axis=(1, 2))
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(differences, [tail, 1.0 - tail])
    return PairedComparison(
        name_a=name_a,
        name_b=name_b,
        accuracies_a=tuple(float(v) for v in a.mean(axis=1)),
        accuracies_b=tuple(float(v) for v in b.mean(axis=1)),
        difference=float(per_example.mean()),
        low=float(low),
        high=float(high),
        confidence=float(confidence),
    )
