"""Tests for convnet_lib.models.inception: Inception-v4, Inception-ResNet-v2 and the mini.

Reference counts: Inception-v4 as the PyTorch ports (timm `inception_v4`, Cadene
`pretrainedmodels`) count it, 42,679,816 parameters (BN moving statistics are buffers
there); Inception-ResNet-v2 as keras.applications, 55,873,736.
"""

import keras
import numpy as np
import pytest

from convnet_lib.complexity import count_params
from convnet_lib.complexity import flops_table
from convnet_lib.models import available_models
from convnet_lib.models import build_model
from convnet_lib.models import inception
from tests.reference_checks import max_relative_difference


@pytest.fixture(scope="module")
def inception_v4_model():
    return inception.inception_v4()


def test_registered():
    for name in ("inception_v4", "inception_resnet_v2", "inception_resnet_mini"):
        assert name in available_models()


def test_inception_v4_parameters_match_the_pytorch_ports(inception_v4_model):
    params = count_params(inception_v4_model)
    assert params.trainable == 42_679_816
    assert params.non_trainable == 63_168  # BN moving mean and variance
    assert params.total == 42_742_984
    assert inception_v4_model.input_shape == (None, 299, 299, 3)
    assert inception_v4_model.output_shape == (None, 1000)


def test_inception_v4_flops(inception_v4_model):
    table = flops_table(inception_v4_model)
    conv_and_dense = table[table.counted_as.isin(["conv", "matmul"])].flops.sum()
    # 12,253,974,624 multiply-adds in the convolutions and the classifier (+1000 biases).
    assert conv_and_dense == 2 * 12_253_974_624 + 1000
    total = table.flops.sum()
    assert 24.5e9 <= total <= 24.7e9  # BN, pooling and softmax add well under 1 %


def test_inception_v4_layer_configuration(inception_v4_model):
    bns = [l for l in inception_v4_model.layers if isinstance(l, keras.layers.BatchNormalization)]
    convs = [l for l in inception_v4_model.layers if isinstance(l, keras.layers.Conv2D)]
    assert len(bns) == len(convs) == 149
    assert all(l.scale and l.center and l.epsilon == 1e-3 for l in bns)
    assert not any(l.use_bias for l in convs)
    shapes = {
        "mixed_5a_concat": (35, 35, 384),
        "reduction_a_concat": (17, 17, 1024),
        "reduction_b_concat": (8, 8, 1536),
        "inception_c3_concat": (8, 8, 1536),
    }
    for name, shape in shapes.items():
        assert inception_v4_model.get_layer(name).output.shape[1:] == shape


@pytest.mark.parametrize(
    "module, input_shape, output_shape",
    [
        ("inception_a", (35, 35, 384), (35, 35, 384)),
        ("reduction_a", (35, 35, 384), (17, 17, 1024)),
        ("inception_b", (17, 17, 1024), (17, 17, 1024)),
        ("reduction_b", (17, 17, 1024), (8, 8, 1536)),
        ("inception_c", (8, 8, 1536), (8, 8, 1536)),
        ("block35", (35, 35, 320), (35, 35, 128)),
        ("mixed_6a", (35, 35, 320), (17, 17, 1088)),
        ("mixed_7a", (17, 17, 1088), (8, 8, 2080)),
    ],
)
def test_module_shapes(module, input_shape, output_shape):
    x = keras.Input(input_shape)
    y = inception.inception_module(x, inception.MODULES[module], module)
    assert tuple(y.shape[1:]) == output_shape


def test_inception_resnet_block_keeps_shape_and_scale_zero_is_identity():
    x = keras.Input((9, 9, 40))
    y = inception.inception_resnet_block(
        x, inception.MODULES["block17"], scale=0.0, name="b", activation=None, width=0.125
    )
    assert tuple(y.shape[1:]) == (9, 9, 40)
    model = keras.Model(x, y)
    data = np.random.default_rng(0).normal(size=(2, 9, 9, 40)).astype("float32")
    np.testing.assert_allclose(model(data), data, atol=1e-6)


def test_scale_filters():
    assert inception.scale_filters(384, 1.0) == 384
    assert inception.scale_filters(384, 0.125) == 48
    assert inception.scale_filters(32, 0.125) == 8  # never below 8
    assert inception.scale_filters(4, 0.5) == 4  # nor above the original


def test_inception_resnet_v2_matches_keras_applications():
    # 75x75 (the smallest input) keeps it fast; the parameter count does not depend on it.
    reference = keras.applications.InceptionResNetV2(weights=None, input_shape=(75, 75, 3))
    ours = inception.inception_resnet_v2(input_shape=(75, 75, 3))
    assert ours.count_params() == reference.count_params() == 55_873_736
    params = count_params(ours)
    assert (params.trainable, params.non_trainable) == (55_813_192, 60_544)
    # Same pooled features after copying the reference's (BN-randomised) weights.
    reference_features = keras.Model(reference.input, reference.get_layer("avg_pool").output)
    our_features = keras.Model(ours.input, ours.get_layer("avg_pool").output)
    assert our_features.output_shape == (None, 1536)
    assert max_relative_difference(reference_features, our_features, (75, 75, 3)) < 1e-4


@pytest.mark.parametrize(
    "name, min_size", [("inception_v4", 75), ("inception_resnet_v2", 75), ("inception_resnet_mini", 13)]
)
def test_input_below_minimum_size_raises(name, min_size):
    for shape in [(min_size - 1, min_size, 3), (min_size, min_size - 1, 3), (32, 32)]:
        with pytest.raises(ValueError, match="input_shape"):
            build_model(name, input_shape=shape)


@pytest.mark.parametrize("name", ["inception_v4", "inception_resnet_mini"])
def test_minimum_size_leaves_one_pixel(name):
    # At the smallest size the last feature map is 1x1: one pixel less would leave none.
    size = {"inception_v4": 75, "inception_resnet_mini": 13}[name]
    model = build_model(name, include_top=False, input_shape=(size, size, 1))
    assert model.output_shape[1:3] == (1, 1)


def test_inception_resnet_mini():
    model = build_model("inception_resnet_mini")
    assert model.input_shape == (None, 32, 32, 1)
    assert model.output_shape == (None, 10)
    assert count_params(model).trainable < 500_000
    images = np.random.default_rng(0).uniform(size=(2, 32, 32, 1)).astype("float32")
    probabilities = keras.ops.convert_to_numpy(model(images))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    deeper = build_model("inception_resnet_mini", repeats=(1, 3, 1), include_top=False, pooling="max")
    blocks = {layer.name.split("_")[1] for layer in deeper.layers if layer.name.startswith("block17_")}
    assert blocks == {"1", "2", "3"}
    assert deeper.output_shape == (None, inception.scale_filters(1536, 0.125))


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"include_top": "yes"}, "include_top"),
        ({"pooling": "mean"}, "pooling"),
        ({"classes": 0}, "classes"),
        ({"classifier_activation": 3}, "classifier_activation"),
        ({"dropout_rate": 1.5}, "dropout_rate"),
        ({"residual_scales": (0.1, 0.2)}, "residual_scales"),
        ({"residual_scales": (0.1, "a", 0.2)}, "residual_scales"),
        ({"residual_scales": (0.1, -1.0, 0.2)}, "residual_scales"),
        ({"repeats": (1, 1)}, "repeats"),
        ({"repeats": (1, 0, 1)}, "repeats"),
        ({"input_shape": (32, 32, 0)}, "input_shape"),
    ],
)
def test_bad_arguments_raise(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        build_model("inception_resnet_mini", **kwargs)


def test_bad_arguments_of_the_large_builders_raise_before_building():
    with pytest.raises(ValueError, match="dropout_rate"):
        build_model("inception_v4", dropout_rate=-0.1)
    with pytest.raises(ValueError, match="residual_scales"):
        build_model("inception_resnet_v2", residual_scales=None)
