"""Combining several trained classifiers: averaging, voting, fitted weights, feature fusion.

An ensemble only helps when its members make *different* mistakes. This module holds the
combination rules taught in the ensembles notebook, each a few lines of NumPy on a stack of
predicted probabilities of shape (models, examples, classes):

- `average_probabilities`: the plain mean;
- `weighted_average`: a convex combination with given weights;
- `fit_ensemble_weights`: the weights that minimise the log-loss on a validation split;
- `majority_vote`: one vote per model, with a documented tie rule;
- `fusion_model`: deep feature fusion, a small trainable head (`fusion_head`) on the
  concatenated penultimate features of frozen models (`feature_extractor`): a stacked
  generalisation (Wolpert 1992) whose second level sees features instead of probabilities;
- `average_model`: an averaging ensemble as one Keras model.

How good the combinations are is measured with `convnet_lib.metrics`; trained members are
cached with `convnet_lib.cache.load_or_train`.
"""

import numbers

import keras
import numpy as np
from keras import layers

from convnet_lib._checks import check_activation
from convnet_lib._checks import check_choice
from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib._checks import check_labels
from convnet_lib._checks import check_probabilities

TIE_RULES = ("average", "lowest")


# --------------------------------------------------------------------------- checks


def _check_weights(weights, models):
    """Returns `weights` as a float64 array of length `models`, non-negative, sum > 0."""
    if isinstance(weights, (str, bytes)) or not (
        isinstance(weights, (list, tuple)) or isinstance(weights, np.ndarray)
    ):
        raise ValueError(
            f"`weights` must be a list or 1D array of {models} numbers, one per model. "
            f"Received: weights={weights!r}"
        )
    array = np.asarray(weights)
    if array.ndim != 1 or array.shape[0] != models:
        raise ValueError(
            f"`weights` must have one entry per model ({models} models). "
            f"Received {array.shape[0] if array.ndim == 1 else array.shape} "
            f"entries: weights={weights!r}"
        )
    if not all(
        isinstance(w, numbers.Real) and not isinstance(w, bool) for w in array.tolist()
    ):
        raise ValueError(f"`weights` must contain only numbers. Received: weights={weights!r}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0) or array.sum() <= 0:
        raise ValueError(
            "`weights` must be finite, non-negative and not all zero. "
            f"Received: weights={weights!r}"
        )
    return array


# ------------------------------------------------------------------ combination rules


def average_probabilities(probabilities):
    """Averages the predicted probabilities of several models.

    Args:
        probabilities: array (models, examples, classes), or a list of (examples,
            classes) arrays, one per model.

    Returns:
        float64 array (examples, classes): the mean over models.
    """
    return check_probabilities(probabilities).mean(axis=0)


def weighted_average(probabilities, weights):
    """Averages the predicted probabilities with one non-negative weight per model.

    The weights are normalised to sum to one, so `weights=(2, 1)` and `(2/3, 1/3)` give
    the same result and the output rows stay probability vectors.

    Args:
        probabilities: array (models, examples, classes) or a list of 2D arrays.
        weights: one finite, non-negative number per model, not all zero.

    Returns:
        float64 array (examples, classes).

    Raises:
        ValueError: if the number of weights differs from the number of models.
    """
    array = check_probabilities(probabilities)
    weights = _check_weights(weights, array.shape[0])
    weights = weights / weights.sum()
    return np.tensordot(weights, array, axes=1)


def majority_vote(probabilities, tie_rule="average"):
    """Predicts, for each example, the class that most models rank first.

    Each model casts one vote, for its most probable class. Tie rule, when several classes
    get the same largest number of votes:

    - `tie_rule="average"` (default): among the tied classes, the one with the largest
      *averaged* probability wins; if those are also equal, the lowest class index wins.
    - `tie_rule="lowest"`: the lowest class index among the tied classes wins.

    (Within one model, equal top probabilities go to the lowest class index, as
    `numpy.argmax` does.)

    Args:
        probabilities: array (models, examples, classes) or a list of 2D arrays.
        tie_rule: "average" or "lowest".

    Returns:
        int64 array (examples,) of predicted class indices.
    """
    array = check_probabilities(probabilities)
    check_choice(tie_rule, "tie_rule", TIE_RULES)
    return _votes_to_labels(vote_counts(array), array.mean(axis=0), tie_rule)


def vote_counts(probabilities):
    """Returns an int64 array (examples, classes): how many models rank each class first."""
    array = check_probabilities(probabilities)
    models, examples, classes = array.shape
    votes = np.zeros((examples, classes), dtype=np.int64)
    top = array.argmax(axis=-1)  # (models, examples)
    for model_top in top:
        votes[np.arange(examples), model_top] += 1
    return votes


def _votes_to_labels(votes, mean_probabilities, tie_rule):
    """Applies the tie rule of `majority_vote` to vote counts."""
    is_top = votes == votes.max(axis=-1, keepdims=True)
    if tie_rule == "lowest":
        return is_top.argmax(axis=-1).astype(np.int64)
    # Among the top-voted classes, the largest averaged probability; argmax takes the
    # lowest index among exact equals.
    masked = np.where(is_top, mean_probabilities, -np.inf)
    return masked.argmax(axis=-1).astype(np.int64)


def fit_ensemble_weights(probabilities, labels, steps=500, learning_rate=0.5):
    """Fits one weight per model that minimises the log-loss of the weighted average.

    The weights live on the simplex (non-negative, sum one). The log-loss of a convex
    combination of probability vectors is a convex function of the weights, so
    exponentiated gradient descent (Kivinen & Warmuth 1997) from equal weights reaches the
    minimum; fit the weights on a validation split, never on the test set.

    Args:
        probabilities: array (models, examples, classes) of validation predictions.
        labels: int array (examples,) of validation labels.
        steps: number of gradient steps (>= 1).
        learning_rate: step size (> 0).

    Returns:
        float64 array (models,) of weights that sum to one.
    """
    array = check_probabilities(probabilities)
    models, examples, classes = array.shape
    labels = check_labels(labels, examples=examples, classes=classes)
    check_int(steps, "steps", minimum=1)
    check_float(learning_rate, "learning_rate", minimum=0.0)
    if learning_rate <= 0:
        raise ValueError(
            f"`learning_rate` must be > 0. Received: learning_rate={learning_rate!r}"
        )
    normalised = array / array.sum(axis=-1, keepdims=True)
    # Probability each model gives to the true class: (models, examples).
    true_class = normalised[:, np.arange(examples), labels]
    true_class = np.maximum(true_class, 1e-12)
    weights = np.full(models, 1.0 / models)
    for _ in range(steps):
        mixture = weights @ true_class  # (examples,)
        gradient = -(true_class / mixture).mean(axis=1)  # d log-loss / d weight
        # Subtracting the minimum leaves the update unchanged (it cancels when normalising)
        # and keeps exp() from overflowing.
        step = -learning_rate * (gradient - gradient.min())
        weights = weights * np.exp(step)
        weights = weights / weights.sum()
    return weights


def log_loss(probabilities, labels):
    """Mean negative log-probability of the true class; `probabilities` is (examples, classes)."""
    array = check_probabilities([probabilities])[0]
    labels = check_labels(labels, examples=array.shape[0], classes=array.shape[1])
    array = array / array.sum(axis=-1, keepdims=True)
    true_class = np.maximum(array[np.arange(array.shape[0]), labels], 1e-12)
    return float(-np.log(true_class).mean())


# ----------------------------------------------------------------------- feature fusion


def fusion_head(
    features,
    classes=10,
    hidden_units=0,
    dropout_rate=0.0,
    classifier_activation="softmax",
    name="fusion_head",
):
    """The trainable part of deep feature fusion: a small classifier on concatenated features.

    Optional dropout on the features ("fusion_dropout"), an optional hidden Dense+ReLU layer
    ("fusion_hidden"), then a Dense classifier ("fusion_predictions"). It can be trained on
    its own on pre-computed features (cheap: the frozen members run once per image instead
    of once per epoch) and then plugged into `fusion_model(..., head=...)`.

    Args:
        features: length of the concatenated feature vector (>= 1).
        classes: number of classes (>= 2).
        hidden_units: width of the hidden layer; 0 for a linear head.
        dropout_rate: dropout on the input features, in [0, 1).
        classifier_activation: activation of the last layer (e.g. "softmax").
        name: name of the returned model.

    Returns:
        keras.Model mapping (batch, features) to (batch, classes).
    """
    check_int(features, "features", minimum=1)
    check_int(classes, "classes", minimum=2)
    check_int(hidden_units, "hidden_units", minimum=0)
    check_float(dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)
    if dropout_rate >= 1.0:
        raise ValueError(f"`dropout_rate` must be < 1. Received: dropout_rate={dropout_rate!r}")
    check_activation(classifier_activation)
    _check_name(name)
    inputs = keras.Input(shape=(features,), name="fused_features")
    x = inputs
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="fusion_dropout")(x)
    if hidden_units > 0:
        x = layers.Dense(hidden_units, activation="relu", name="fusion_hidden")(x)
    outputs = layers.Dense(
        classes, activation=classifier_activation, name="fusion_predictions"
    )(x)
    return keras.Model(inputs, outputs, name=name)


def feature_extractor(model, feature_layer="avg_pool", name=None):
    """The part of `model` up to `feature_layer`, as a model with outputs [features, predictions].

    One pass gives both the penultimate features (for feature fusion) and the model's own
    predictions (for averaging and voting). `feature_layer` must output one vector per
    example, e.g. "avg_pool", the globally pooled features every model here feeds its
    classifier with.
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"`model` must be a keras.Model. Received: model={model!r}")
    output = _feature_output(model, feature_layer, "model")
    name = f"{model.name}_features" if name is None else _check_name(name)
    return keras.Model(model.inputs, [output, model.outputs[0]], name=name)


def features_and_probabilities(model, dataset, feature_layer="avg_pool"):
    """Runs `model` once over `dataset` (batches of (images, labels) or images).

    Returns:
        (features, probabilities, labels) as NumPy arrays; `labels` is None when the
        dataset yields images only.
    """
    extractor = feature_extractor(model, feature_layer)
    features, probabilities, labels = [], [], []
    for batch in dataset:
        images = batch[0] if isinstance(batch, (tuple, list)) else batch
        feature_batch, probability_batch = extractor(images, training=False)
        features.append(keras.ops.convert_to_numpy(feature_batch))
        probabilities.append(keras.ops.convert_to_numpy(probability_batch))
        if isinstance(batch, (tuple, list)):
            labels.append(keras.ops.convert_to_numpy(batch[1]))
    if not features:
        raise ValueError("`dataset` yielded no batches.")
    return (
        np.concatenate(features),
        np.concatenate(probabilities),
        np.concatenate(labels) if labels else None,
    )


def _check_name(name):
    if not isinstance(name, str) or not name:
        raise ValueError(f"`name` must be a non-empty string. Received: name={name!r}")
    return name


def _check_models(models):
    if not isinstance(models, (list, tuple)) or len(models) < 2:
        raise ValueError(
            "`models` must be a list of at least two Keras models. "
            f"Received: models={models!r}"
        )
    for index, model in enumerate(models):
        if not isinstance(model, keras.Model):
            raise ValueError(
                f"Every entry of `models` must be a keras.Model. "
                f"Received: models[{index}]={model!r}"
            )
    shapes = [tuple(model.input_shape[1:]) for model in models]
    if len(set(shapes)) != 1:
        raise ValueError(
            "Every model in `models` must take the same input shape. "
            f"Received input shapes: {shapes}"
        )
    return shapes[0]


def _feature_output(model, feature_layer, label):
    if not isinstance(feature_layer, str) or not feature_layer:
        raise ValueError(
            f"`feature_layer` must be a layer name. Received: feature_layer={feature_layer!r}"
        )
    if feature_layer not in [layer.name for layer in model.layers]:
        raise ValueError(
            f"{label} ({model.name!r}) has no layer named {feature_layer!r}. "
            f"Received: feature_layer={feature_layer!r}"
        )
    output = model.get_layer(feature_layer).output
    if len(output.shape) != 2:
        raise ValueError(
            f"Layer {feature_layer!r} of {label} ({model.name!r}) must output one vector per "
            f"example; its output shape is {tuple(output.shape)}."
        )
    return output


def fusion_model(
    models,
    classes=10,
    hidden_units=0,
    dropout_rate=0.0,
    feature_layer="avg_pool",
    classifier_activation="softmax",
    head=None,
    name="feature_fusion",
):
    """Deep feature fusion: a small head trained on the concatenated features of frozen models.

    Each member is cut at `feature_layer` (by default "avg_pool", the globally pooled
    features that feed its classifier), frozen, and called in inference mode, so its
    BatchNormalization statistics and dropout never change while the head trains. The
    features are concatenated ("fusion_concat") and fed to the head, a `fusion_head`.
    Only the head's parameters are trainable.

    Args:
        models: list of at least two trained Keras models with the same input shape,
            each with a layer named `feature_layer` whose output is a vector per example.
        classes, hidden_units, dropout_rate, classifier_activation: the new head's
            settings (see `fusion_head`); ignored when `head` is given.
        feature_layer: name of the layer whose output each member contributes.
        head: None to build a new head, or a (trained) head model from `fusion_head`
            whose input length equals the total feature length; it is reused, not copied.
        name: name of the returned model.

    Returns:
        keras.Model mapping the shared input to the head's predictions.
    """
    input_shape = _check_models(models)
    _check_name(name)
    outputs = [
        _feature_output(model, feature_layer, f"models[{index}]")
        for index, model in enumerate(models)
    ]
    total = sum(int(output.shape[-1]) for output in outputs)
    if head is None:
        head = fusion_head(
            total,
            classes=classes,
            hidden_units=hidden_units,
            dropout_rate=dropout_rate,
            classifier_activation=classifier_activation,
        )
    elif not isinstance(head, keras.Model) or tuple(head.input_shape[1:]) != (total,):
        raise ValueError(
            f"`head` must be a keras.Model taking the {total} concatenated features "
            f"(e.g. from fusion_head({total}, ...)). Received: head={head!r}"
        )
    inputs = keras.Input(shape=input_shape, name="input_layer")
    features = []
    for index, (model, output) in enumerate(zip(models, outputs)):
        extractor = keras.Model(
            model.inputs, output, name=f"member{index}_{model.name}_features"
        )
        extractor.trainable = False
        # training=False pins BatchNormalization and dropout of the member in inference
        # mode even while the head trains.
        features.append(extractor(inputs, training=False))
    x = layers.Concatenate(name="fusion_concat")(features)
    return keras.Model(inputs, head(x), name=name)


def average_model(models, weights=None, name="average_ensemble"):
    """One Keras model that outputs the (weighted) average of several models' outputs.

    Useful to deploy an averaging ensemble as a single model, or to count its parameters
    and FLOPs. `weights` (one per model, normalised to sum one) defaults to equal weights.
    """
    input_shape = _check_models(models)
    weights = _check_weights(
        [1.0] * len(models) if weights is None else weights, len(models)
    )
    weights = weights / weights.sum()
    _check_name(name)
    inputs = keras.Input(shape=input_shape, name="input_layer")
    outputs = []
    for index, model in enumerate(models):
        member = keras.Model(model.inputs, model.outputs[0], name=f"member{index}_{model.name}")
        y = member(inputs, training=False)
        outputs.append(
            layers.Rescaling(float(weights[index]), name=f"member{index}_weight")(y)
        )
    return keras.Model(inputs, layers.Add(name="ensemble_sum")(outputs), name=name)


# ------------------------------------------------------------------------- measurements
