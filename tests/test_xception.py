"""Tests of the Xception builders (convnet_lib.models.xception) and of transfer_weights."""

import keras
import numpy as np
import pytest

from convnet_lib.models import available_models
from convnet_lib.models import build_model
from convnet_lib.models.xception import XCEPTION_CONFIGS
from convnet_lib.weights import transfer_weights
from tests.reference_checks import max_relative_difference


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def test_registered():
    assert {"xception", "xception_mini"} <= set(available_models())


def test_parameter_counts_match_keras_applications():
    # keras.applications.Xception: 22,910,480 parameters (22,855,952 trainable, the
    # count of the Xception paper, Table 3) and 20,861,480 without the classifier.
    model = build_model("xception")
    assert model.count_params() == 22_910_480
    assert _trainable(model) == 22_855_952
    assert build_model("xception", include_top=False).count_params() == 20_861_480


def test_same_pooled_features_as_keras_applications():
    reference = keras.applications.Xception(weights=None, include_top=False, pooling="avg")
    ours = build_model("xception", include_top=False, pooling="avg")
    difference = max_relative_difference(reference, ours, (299, 299, 3), seed=3)
    assert difference < 1e-4


def test_flops_match_keras_applications():
    complexity = pytest.importorskip("convnet_lib.complexity")
    ours = complexity.count_flops(build_model("xception"))
    reference = complexity.count_flops(keras.applications.Xception(weights=None))
    assert ours == reference
    # Convolutions and the classifier: 8.36 G multiply-adds at 299x299, 16.7 GFLOPs.
    table = complexity.flops_table(build_model("xception"))
    arithmetic = table[table["type"].isin(["Conv2D", "SeparableConv2D", "Dense"])]
    assert round(arithmetic["flops"].sum() / 1e9, 1) == 16.7
    # Batch normalization, pooling, additions and softmax add less than 0.5 %.
    assert 16.7e9 < ours < 16.8e9


def test_fourteen_modules_thirty_six_convolutions():
    model = build_model("xception", include_top=False)
    convolutions = [
        layer
        for layer in model.layers
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.SeparableConv2D))
        and "shortcut" not in layer.name
    ]
    assert len(convolutions) == 36
    modules = {layer.name.split("_")[0] for layer in convolutions}
    assert modules == {f"block{i}" for i in range(1, 15)}
    # Residual connections around every module but the first and the last.
    additions = [layer for layer in model.layers if isinstance(layer, keras.layers.Add)]
    assert len(additions) == 12


@pytest.mark.parametrize("input_shape", [(70, 70, 3), (71, 32, 3), (32, 32, 1)])
def test_imagenet_layout_rejects_small_inputs(input_shape):
    with pytest.raises(ValueError, match=r"input_shape=\(") as error:
        build_model("xception", include_top=False, input_shape=input_shape)
    assert "71x71" in str(error.value)


def test_imagenet_layout_accepts_71():
    model = build_model("xception", include_top=False, input_shape=(71, 71, 3))
    assert model.output_shape == (None, 3, 3, 2048)


def test_mini_accepts_fashion_mnist_shapes():
    model = build_model("xception_mini")
    assert model.input_shape == (None, 32, 32, 1)
    assert model.output_shape == (None, 10)
    x = np.random.default_rng(0).uniform(size=(2, 32, 32, 1)).astype("float32")
    probabilities = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    small = build_model("xception_mini", input_shape=(28, 28, 1), include_top=False,
                        pooling="max")
    assert small.output_shape == (None, 384)


def test_mini_is_the_same_builder_smaller():
    mini = build_model("xception_mini")
    same = build_model(
        "xception", input_shape=(32, 32, 1), classes=10, **XCEPTION_CONFIGS["xception_mini"]
    )
    assert [type(layer) for layer in mini.layers] == [type(layer) for layer in same.layers]
    assert mini.count_params() == same.count_params()
    assert mini.count_params() < build_model("xception").count_params() / 20


def test_mini_rejects_too_small_input():
    with pytest.raises(ValueError, match="input_shape"):
        build_model("xception_mini", input_shape=(8, 8, 1))


@pytest.mark.parametrize(
    "argument, value",
    [
        ("include_top", "yes"),
        ("pooling", "sum"),
        ("classes", 0),
        ("classifier_activation", 3),
        ("stem_filters", (32,)),
        ("stem_strides", 3),
        ("stem_padding", "causal"),
        ("entry_filters", ()),
        ("entry_filters", (128, 0)),
        ("middle_repeats", -1),
        ("exit_filters", (728, 1024, 2048)),
        ("head_filters", "wide"),
        ("dropout_rate", 1.5),
        ("input_shape", (299, 299)),
    ],
)
def test_bad_arguments_name_themselves(argument, value):
    with pytest.raises(ValueError, match=argument):
        build_model("xception", **{argument: value})


def test_mini_bad_dropout_rate():
    with pytest.raises(ValueError, match="dropout_rate"):
        build_model("xception_mini", dropout_rate=-0.1)


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def test_transfer_weights_fails_clearly_on_shape_mismatch():
    source = build_model("xception_mini", classes=10)
    target = build_model("xception_mini", classes=5)
    before = _weights(target)
    with pytest.raises(ValueError, match=r"does not match.*predictions.*\(384, 10\)"):
        transfer_weights(source, target)
    # Nothing was copied, not even the layers before the mismatch.
    for old, new in zip(before, target.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_transfer_weights_fails_clearly_on_different_depth():
    source = build_model("xception_mini")
    config = dict(XCEPTION_CONFIGS["xception_mini"])
    config["middle_repeats"] += 1
    target = build_model("xception", input_shape=(32, 32, 1), classes=10, **config)
    with pytest.raises(ValueError, match="different numbers of layers with weights"):
        transfer_weights(source, target)


def test_transfer_weights_fails_clearly_on_different_layer_kind():
    # Same weight shapes (1, 1, 4, 4), different layer classes: refused, both named.
    def tiny(layer):
        inputs = keras.Input((8, 8, 4))
        return keras.Model(inputs, layer(inputs))

    source = tiny(keras.layers.Conv2D(4, 1, use_bias=False, name="plain"))
    target = tiny(keras.layers.Conv2DTranspose(4, 1, use_bias=False, name="transposed"))
    with pytest.raises(ValueError, match=r"'plain' \(Conv2D.*'transposed' \(Conv2DTranspose"):
        transfer_weights(source, target)


def test_transfer_weights_rejects_non_models():
    with pytest.raises(ValueError, match="source"):
        transfer_weights("xception", build_model("xception_mini"))


def test_transfer_weights_copies_between_minis():
    source = build_model("xception_mini")
    target = build_model("xception_mini")
    rng = np.random.default_rng(1)
    for variable in source.weights:
        variable.assign(rng.normal(1.0, 0.1, size=variable.shape).astype("float32"))
    copied = transfer_weights(source, target)
    assert copied == len([layer for layer in source.layers if layer.weights])
    x = np.random.default_rng(2).uniform(size=(1, 32, 32, 1)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(target(x, training=False)),
        keras.ops.convert_to_numpy(source(x, training=False)),
        rtol=1e-6,
    )
