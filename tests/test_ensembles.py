"""Tests of convnet_lib.ensembles on small synthetic predictions with hand-computed answers."""

import keras
import numpy as np
import pytest

from convnet_lib import ensembles
from convnet_lib.models import build_model

# Two models, two examples, two classes.
A = [[0.9, 0.1], [0.4, 0.6]]
B = [[0.3, 0.7], [0.2, 0.8]]

# Four models, three examples, three classes (votes worked out in the comments).
VOTE_PROBABILITIES = np.array(
    [
        # example 0        example 1          example 2
        [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.4, 0.35, 0.25]],  # votes 0, 2, 0
        [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.45, 0.45, 0.1]],  # votes 0, 1, 0 (tie -> 0)
        [[0.1, 0.8, 0.1], [0.1, 0.6, 0.3], [0.1, 0.2, 0.7]],  # votes 1, 1, 2
        [[0.2, 0.2, 0.6], [0.05, 0.15, 0.8], [0.2, 0.3, 0.5]],  # votes 2, 2, 2
    ]
)
# example 0: class 0 has 2 votes, a clear majority.
# example 1: classes 1 and 2 have 2 votes each; averaged probabilities 0.3875 vs 0.5.
# example 2: classes 0 and 2 have 2 votes each; averaged probabilities 0.2875 vs 0.3875.


# ------------------------------------------------------------------ combination rules


def test_average_probabilities_hand_computed():
    np.testing.assert_allclose(
        ensembles.average_probabilities([A, B]), [[0.6, 0.4], [0.3, 0.7]]
    )
    # A 3D array and a list of 2D arrays are the same input.
    np.testing.assert_allclose(
        ensembles.average_probabilities(np.array([A, B])), [[0.6, 0.4], [0.3, 0.7]]
    )


def test_weighted_average_hand_computed():
    np.testing.assert_allclose(
        ensembles.weighted_average([A, B], [3, 1]), [[0.75, 0.25], [0.35, 0.65]]
    )
    # Weights are normalised: (1, 3) and (0.25, 0.75) agree; here example 0 flips to class 1.
    result = ensembles.weighted_average([A, B], [1, 3])
    np.testing.assert_allclose(result, [[0.45, 0.55], [0.25, 0.75]])
    np.testing.assert_allclose(ensembles.weighted_average([A, B], np.array([0.25, 0.75])), result)
    # Equal weights are the plain average; a single nonzero weight picks one model.
    np.testing.assert_allclose(
        ensembles.weighted_average([A, B], [1, 1]), ensembles.average_probabilities([A, B])
    )
    np.testing.assert_allclose(ensembles.weighted_average([A, B], [0, 2]), B)


@pytest.mark.parametrize("weights", [[1.0], [1, 2, 3], [], np.ones((2, 1))])
def test_weighted_average_wrong_number_of_weights(weights):
    with pytest.raises(ValueError, match="weights"):
        ensembles.weighted_average([A, B], weights)


@pytest.mark.parametrize("weights", [[-1, 2], [0, 0], [np.nan, 1], ["a", "b"], "ab", 3, None])
def test_weighted_average_invalid_weights(weights):
    with pytest.raises(ValueError, match="weights"):
        ensembles.weighted_average([A, B], weights)


def test_majority_vote_hand_computed_and_tie_rules():
    np.testing.assert_array_equal(ensembles.majority_vote(VOTE_PROBABILITIES), [0, 2, 2])
    np.testing.assert_array_equal(
        ensembles.majority_vote(VOTE_PROBABILITIES, tie_rule="lowest"), [0, 1, 0]
    )
    np.testing.assert_array_equal(
        ensembles.vote_counts(VOTE_PROBABILITIES), [[2, 1, 1], [0, 2, 2], [2, 0, 2]]
    )


def test_majority_vote_tie_in_votes_and_averages_goes_to_lowest_class():
    probabilities = [[[0.0, 0.6, 0.4]], [[0.0, 0.4, 0.6]]]
    np.testing.assert_array_equal(ensembles.majority_vote(probabilities), [1])
    np.testing.assert_array_equal(ensembles.majority_vote(probabilities, "lowest"), [1])


def test_majority_vote_can_differ_from_averaging():
    # Two weakly confident models outvote one very confident model.
    probabilities = [[[0.55, 0.45]], [[0.55, 0.45]], [[0.0, 1.0]]]
    np.testing.assert_array_equal(ensembles.majority_vote(probabilities), [0])
    assert ensembles.average_probabilities(probabilities).argmax(axis=-1)[0] == 1


@pytest.mark.parametrize("tie_rule", ["random", None, 0])
def test_majority_vote_invalid_tie_rule(tie_rule):
    with pytest.raises(ValueError, match="tie_rule"):
        ensembles.majority_vote(VOTE_PROBABILITIES, tie_rule=tie_rule)


@pytest.mark.parametrize(
    "probabilities",
    [
        [],
        [A, [[0.5, 0.5]]],  # different shapes
        np.array(A),  # 2D, not (models, examples, classes)
        [[[0.5, -0.1]]],  # negative
        [[[np.nan, 1.0]]],
        [[[0.0, 0.0]]],  # row sums to zero
        "abc",
    ],
)
def test_invalid_probabilities(probabilities):
    for function in (
        ensembles.average_probabilities,
        ensembles.majority_vote,
        ensembles.vote_counts,
    ):
        with pytest.raises(ValueError, match="probabilities"):
            function(probabilities)
    with pytest.raises(ValueError, match="probabilities"):
        ensembles.weighted_average(probabilities, [1, 1])


# -------------------------------------------------------------------- weight fitting


def test_fit_ensemble_weights_known_optimum():
    # A is right with certainty on examples 0 and 1, B on example 2 (label 0 everywhere):
    # log-loss = -(2 log w + log(1 - w)) / 3 is smallest at w = 2/3.
    model_a = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    model_b = [[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    weights = ensembles.fit_ensemble_weights([model_a, model_b], [0, 0, 0])
    np.testing.assert_allclose(weights, [2 / 3, 1 / 3], atol=1e-4)


def test_fit_ensemble_weights_prefers_the_perfect_model():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=200)
    perfect = np.eye(4)[labels] * 0.97 + 0.01
    uniform = np.full((200, 4), 0.25)
    weights = ensembles.fit_ensemble_weights([uniform, perfect], labels)
    assert weights[1] > 0.99
    np.testing.assert_allclose(weights.sum(), 1.0)
    # Identical models keep equal weights.
    np.testing.assert_allclose(
        ensembles.fit_ensemble_weights([perfect, perfect], labels), [0.5, 0.5]
    )
    # The fitted weights are no worse than equal weights on the data they were fitted on.
    fitted = ensembles.weighted_average([uniform, perfect], weights)
    equal = ensembles.average_probabilities([uniform, perfect])
    assert ensembles.log_loss(fitted, labels) <= ensembles.log_loss(equal, labels)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"labels": [0, 1]}, "labels"),  # wrong length
        ({"labels": [0, 1, 2]}, "labels"),  # class 2 does not exist
        ({"labels": [0.5, 1, 0]}, "labels"),
        ({"labels": [0, 1, 0], "steps": 0}, "steps"),
        ({"labels": [0, 1, 0], "learning_rate": 0.0}, "learning_rate"),
        ({"labels": [0, 1, 0], "learning_rate": "fast"}, "learning_rate"),
    ],
)
def test_fit_ensemble_weights_invalid_arguments(kwargs, match):
    probabilities = [[[0.5, 0.5]] * 3, [[0.2, 0.8]] * 3]
    with pytest.raises(ValueError, match=match):
        ensembles.fit_ensemble_weights(probabilities, **kwargs)


def test_log_loss_hand_computed():
    np.testing.assert_allclose(
        ensembles.log_loss([[0.5, 0.5], [0.25, 0.75]], [0, 1]),
        -(np.log(0.5) + np.log(0.75)) / 2,
    )
    with pytest.raises(ValueError, match="labels"):
        ensembles.log_loss([[0.5, 0.5]], [3])



# ----------------------------------------------------------------------- Keras models


def tiny_model(widths, seed):
    keras.utils.set_random_seed(seed)
    return build_model(
        "baseline_cnn", input_shape=(8, 8, 1), classes=3, widths=widths, convs_per_stage=1
    )


@pytest.fixture(scope="module")
def members():
    return [tiny_model((4, 6), seed=0), tiny_model((5, 7), seed=1)]


def test_fusion_model_trains_only_the_head(members):
    linear = ensembles.fusion_model(members, classes=3)
    # Head: Dense on the 6 + 7 concatenated features -> 3 classes.
    trainable = sum(int(np.prod(w.shape)) for w in linear.trainable_weights)
    assert trainable == (6 + 7) * 3 + 3
    head = linear.get_layer("fusion_head")
    assert sum(int(np.prod(w.shape)) for w in head.trainable_weights) == (6 + 7) * 3 + 3
    hidden = ensembles.fusion_model(members, classes=3, hidden_units=5, dropout_rate=0.2)
    trainable = sum(int(np.prod(w.shape)) for w in hidden.trainable_weights)
    assert trainable == (13 * 5 + 5) + (5 * 3 + 3)
    # The members' own weights are all frozen but still counted in the total.
    member_total = sum(m.count_params() for m in members)
    member_heads = sum(m.get_layer("predictions").count_params() for m in members)
    assert linear.count_params() == member_total - member_heads + (13 * 3 + 3)


def test_fusion_model_training_leaves_members_unchanged(members):
    model = ensembles.fusion_model(members, classes=3)
    before = [[w.copy() for w in m.get_weights()] for m in members]
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(16, 8, 8, 1)).astype("float32")
    labels = rng.integers(0, 3, size=16)
    # Without dropout in the head, training and inference mode give the same output:
    # the members run in inference mode (BatchNormalization uses its moving statistics).
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(images, training=True)),
        keras.ops.convert_to_numpy(model(images, training=False)),
        rtol=1e-5,
        atol=1e-6,
    )
    head_before = model.get_layer("fusion_head").get_layer("fusion_predictions").get_weights()[0].copy()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=2, batch_size=8, verbose=0)
    for old, member in zip(before, members):
        for old_weight, new_weight in zip(old, member.get_weights()):
            np.testing.assert_array_equal(old_weight, new_weight)
    assert not np.allclose(head_before, model.get_layer("fusion_head").get_layer("fusion_predictions").get_weights()[0])
    # The original members stay trainable on their own.
    assert all(m.trainable for m in members)


def test_fusion_model_invalid_arguments(members):
    other_shape = build_model(
        "baseline_cnn", input_shape=(16, 16, 1), classes=3, widths=(4, 6), convs_per_stage=1
    )
    cases = [
        ({"models": members[:1]}, "models"),
        ({"models": "abc"}, "models"),
        ({"models": [members[0], "x"]}, "models"),
        ({"models": [members[0], other_shape]}, "input shape"),
        ({"classes": 1}, "classes"),
        ({"hidden_units": -1}, "hidden_units"),
        ({"dropout_rate": 1.0}, "dropout_rate"),
        ({"feature_layer": "no_such_layer"}, "feature_layer"),
        ({"feature_layer": "stage1_pool"}, "one vector per example"),
        ({"classifier_activation": 3}, "classifier_activation"),
        ({"name": ""}, "name"),
        ({"head": ensembles.fusion_head(12, classes=3)}, "head"),
        ({"head": "dense"}, "head"),
    ]
    for kwargs, match in cases:
        arguments = {"models": members, "classes": 3}
        arguments.update(kwargs)
        with pytest.raises(ValueError, match=match):
            ensembles.fusion_model(**arguments)


def test_average_model_matches_weighted_average(members):
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(4, 8, 8, 1)).astype("float32")
    probabilities = [m.predict(images, verbose=0) for m in members]
    model = ensembles.average_model(members, weights=[3, 1])
    np.testing.assert_allclose(
        model.predict(images, verbose=0),
        ensembles.weighted_average(probabilities, [3, 1]),
        rtol=1e-5,
        atol=1e-6,
    )
    assert model.count_params() == sum(m.count_params() for m in members)
    with pytest.raises(ValueError, match="weights"):
        ensembles.average_model(members, weights=[1, 2, 3])
    with pytest.raises(ValueError, match="models"):
        ensembles.average_model(members[:1])


def test_fusion_head_shapes_and_arguments():
    head = ensembles.fusion_head(13, classes=3, hidden_units=5, dropout_rate=0.5)
    assert head.input_shape == (None, 13) and head.output_shape == (None, 3)
    assert [layer.name for layer in head.layers[1:]] == [
        "fusion_dropout",
        "fusion_hidden",
        "fusion_predictions",
    ]
    for kwargs, match in [
        ({"features": 0}, "features"),
        ({"classes": 1}, "classes"),
        ({"hidden_units": 1.5}, "hidden_units"),
        ({"dropout_rate": -0.1}, "dropout_rate"),
        ({"classifier_activation": 1}, "classifier_activation"),
        ({"name": None}, "name"),
    ]:
        arguments = {"features": 13}
        arguments.update(kwargs)
        with pytest.raises(ValueError, match=match):
            ensembles.fusion_head(**arguments)


def test_head_trained_on_features_plugs_into_fusion_model(members):
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(10, 8, 8, 1)).astype("float32")
    labels = rng.integers(0, 3, size=10)
    dataset = tf_dataset(images, labels)
    parts = [ensembles.features_and_probabilities(m, dataset) for m in members]
    features = np.concatenate([p[0] for p in parts], axis=1)
    assert features.shape == (10, 13)
    for (feature, probability, got_labels), member in zip(parts, members):
        np.testing.assert_array_equal(got_labels, labels)
        np.testing.assert_allclose(probability, member.predict(images, verbose=0), atol=1e-6)
    head = ensembles.fusion_head(13, classes=3)
    model = ensembles.fusion_model(members, head=head)
    np.testing.assert_allclose(
        model.predict(images, verbose=0), head.predict(features, verbose=0), atol=1e-6
    )
    # The head is shared, not copied: the fusion model's weights are the head's.
    assert model.get_layer("fusion_head") is head


def test_feature_extractor_arguments(members):
    extractor = ensembles.feature_extractor(members[0])
    assert [tuple(o.shape) for o in extractor.outputs] == [(None, 6), (None, 3)]
    with pytest.raises(ValueError, match="model"):
        ensembles.feature_extractor("resnet")
    with pytest.raises(ValueError, match="feature_layer"):
        ensembles.feature_extractor(members[0], feature_layer="nope")
    with pytest.raises(ValueError, match="name"):
        ensembles.feature_extractor(members[0], name="")


def tf_dataset(images, labels):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
