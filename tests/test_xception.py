"""Tests of the Xception builders (convnet_lib.models.xception)."""

import keras
import numpy as np
import pytest

from convnet_lib.complexity import count_flops
from convnet_lib.complexity import count_params
from convnet_lib.complexity import flops_table
from convnet_lib.models import build_model
from convnet_lib.models import model_info
from convnet_lib.models.common import row_options
from convnet_lib.models.xception import XCEPTION_CONFIGS
from tests.reference_checks import max_relative_difference
from tests.reference_checks import pooled_features

XCEPTION = model_info("xception")
MINI = model_info("xception_mini")


@pytest.fixture(scope="module")
def xception(build_once):
    return build_once("xception")


@pytest.fixture(scope="module")
def keras_xception():
    return getattr(keras.applications, XCEPTION.keras_twin)(weights=None)


@pytest.mark.slow
def test_parameter_counts_match_keras_applications(xception, keras_xception):
    ours, theirs = count_params(xception), count_params(keras_xception)
    assert ours == theirs
    # Without the classifier: the Dense layer's 2048 x 1000 weights and 1000 biases go.
    without_top = build_model("xception", include_top=False)
    assert without_top.count_params() == ours.total - (2048 * 1000 + 1000)


@pytest.mark.slow
def test_flops_match_keras_applications(xception, keras_xception):
    ours = count_flops(xception)
    assert ours == count_flops(keras_xception)
    # Convolutions and the classifier: 8.36 G multiply-adds at 299x299, 16.7 GFLOPs.
    table = flops_table(xception)
    arithmetic = table[table["type"].isin(["Conv2D", "SeparableConv2D", "Dense"])]
    assert round(arithmetic["flops"].sum() / 1e9, 1) == 16.7
    # Batch normalization, pooling, additions and softmax add less than 0.5 %.
    assert 16.7e9 < ours < 16.8e9


@pytest.mark.slow
def test_fourteen_modules_thirty_six_convolutions(xception):
    convolutions = [
        layer
        for layer in xception.layers
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.SeparableConv2D))
        and "shortcut" not in layer.name
    ]
    assert len(convolutions) == 36
    modules = {layer.name.split("_")[0] for layer in convolutions}
    assert modules == {f"block{i}" for i in range(1, 15)}
    # Residual connections around every module but the first and the last.
    additions = [layer for layer in xception.layers if isinstance(layer, keras.layers.Add)]
    assert len(additions) == 12


@pytest.mark.slow
def test_same_pooled_features_as_keras_applications(xception, keras_xception):
    # Overwrites the shared models' weights; the other tests read only their structure.
    difference = max_relative_difference(
        pooled_features(keras_xception), pooled_features(xception), XCEPTION.input_shape,
        seed=3,
    )
    assert difference < 1e-4


@pytest.mark.parametrize("height, width", [(-1, -1), (0, -39), (-39, 0)])
def test_imagenet_layout_rejects_small_inputs(height, width):
    size = XCEPTION.min_input_size
    with pytest.raises(ValueError, match=r"input_shape=\(") as error:
        build_model("xception", include_top=False, input_shape=(size + height, size + width, 3))
    assert f"{size}x{size}" in str(error.value)


@pytest.mark.slow
def test_imagenet_layout_accepts_its_minimum():
    size = XCEPTION.min_input_size
    model = build_model("xception", include_top=False, input_shape=(size, size, 3))
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


def test_mini_is_the_same_builder_with_its_table_row():
    mini = build_model("xception_mini")
    same = build_model(
        "xception", input_shape=MINI.input_shape, classes=MINI.classes,
        **row_options(XCEPTION_CONFIGS["xception_mini"]),
    )
    assert [type(layer) for layer in mini.layers] == [type(layer) for layer in same.layers]
    assert mini.count_params() == same.count_params()
    assert mini.count_params() < XCEPTION.reference_params / 20


def test_mini_rejects_too_small_input():
    size = MINI.min_input_size - 1
    with pytest.raises(ValueError, match="input_shape"):
        build_model("xception_mini", input_shape=(size, size, 1))


@pytest.mark.parametrize(
    "argument, value",
    [
        ("include_top", "yes"),
        ("pooling", "sum"),
        ("classes", 0),
        ("classifier_activation", 3),
        ("classifier_activation", "sofmax"),
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
