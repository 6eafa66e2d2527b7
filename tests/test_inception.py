"""Tests for convnet_lib.models.inception: Inception-v4, Inception-ResNet-v2,
SE-Inception-v3 and the mini. (Trainable counts against each row's reference are checked
for every model in test_registry_and_common.py.)"""

import keras
import numpy as np
import pytest

from convnet_lib.complexity import count_params
from convnet_lib.complexity import flops_table
from convnet_lib.models import build_model
from convnet_lib.models import inception
from convnet_lib.models import model_info
from convnet_lib.models import se
from tests.reference_checks import max_relative_difference
from tests.reference_checks import pooled_features


@pytest.fixture(scope="module")
def inception_v4_model(build_once):
    return build_once("inception_v4")


@pytest.fixture(scope="module")
def se_inception_v3_model(build_once):
    return build_once("se_inception_v3")


@pytest.mark.slow
def test_inception_v4_batch_norm_statistics(inception_v4_model):
    params = count_params(inception_v4_model)
    assert params.non_trainable == 63_168  # BN moving mean and variance, 2 x 31,584 channels
    assert inception_v4_model.input_shape == (None, *model_info("inception_v4").input_shape)


@pytest.mark.slow
def test_inception_v4_flops(inception_v4_model):
    table = flops_table(inception_v4_model)
    conv_and_dense = table[table.counted_as.isin(["conv", "matmul"])].flops.sum()
    # 12,253,974,624 multiply-adds in the convolutions and the classifier (+1000 biases).
    assert conv_and_dense == 2 * 12_253_974_624 + 1000
    total = table.flops.sum()
    assert 24.5e9 <= total <= 24.7e9  # BN, pooling and softmax add well under 1 %


@pytest.mark.slow
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
        ("mixed0", (35, 35, 192), (35, 35, 256)),
        ("mixed3", (35, 35, 288), (17, 17, 768)),
        ("mixed4", (17, 17, 768), (17, 17, 768)),
        ("mixed8", (17, 17, 768), (8, 8, 1280)),
        ("mixed9", (8, 8, 1280), (8, 8, 2048)),
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


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, options", [("inception_resnet_v2", {}), ("se_inception_v3", {"use_se": False})]
)
def test_keras_applications_layouts(name, options):
    """Same parameters (at 1000 classes) and the same pooled features after copying the
    reference's (BN-randomised) weights. The smallest input keeps it fast."""
    keras.backend.clear_session()
    info = model_info(name)
    twin = info.keras_twin or "InceptionV3"  # se_inception_v3 without SE
    shape = (info.min_input_size, info.min_input_size, 3)
    reference = getattr(keras.applications, twin)(weights=None, input_shape=shape)
    ours = build_model(name, input_shape=shape, **options)
    assert count_params(ours) == count_params(reference)
    assert max_relative_difference(pooled_features(reference), pooled_features(ours), shape) < 1e-4


@pytest.mark.slow
def test_se_inception_v3_has_se_after_every_module(se_inception_v3_model):
    model = se_inception_v3_model
    names = se.excitation_layer_names(model)
    assert names == [f"mixed{index}_se_sigmoid" for index in range(11)]
    assert model.get_layer("mixed10_se_scale").output.shape[-1] == 2048
    assert model.get_layer("mixed0_se_reduce").units == 256 // 16
    # SE adds exactly its FC layers to InceptionV3: C * C/16 + C/16 + C/16 * C + C per module.
    channels = [model.get_layer(f"mixed{index}_concat").output.shape[-1] for index in range(11)]
    assert channels == [256, 288, 288, 768, 768, 768, 768, 768, 1280, 2048, 2048]
    se_params = sum(2 * c * (c // 16) + c // 16 + c for c in channels)
    size = model_info("se_inception_v3").min_input_size  # the count does not depend on it
    plain = build_model("se_inception_v3", use_se=False, input_shape=(size, size, 3))
    assert plain.name == "inception_v3"
    assert count_params(model).trainable - count_params(plain).trainable == se_params
    assert count_params(model).total - count_params(plain).total == se_params


def test_se_switch_of_the_mini_puts_se_on_residual_branches():
    model = build_model("inception_resnet_mini", use_se=True, reduction_ratio=4)
    assert model.name == "inception_resnet_mini"
    # After mixed_5b, each of the 6 blocks' residual branches and the two reductions.
    assert len(se.excitation_layer_names(model)) == 1 + 6 + 2
    scale = model.get_layer("block17_1_scale")
    assert scale.input._keras_history[0].name == "block17_1_se_scale"


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
        ({"stem": "resnet"}, "stem"),
        ({"stages": (("block35", "mixed_6b"),)}, "stages"),
        ({"width": 0.0}, "width"),
        ({"use_se": 1}, "use_se"),
        ({"reduction_ratio": 0.5}, "reduction_ratio"),
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
        build_model("inception_resnet_v2", residual_scales=(0.17, 0.1))
    with pytest.raises(ValueError, match="use_se"):
        build_model("se_inception_v3", use_se=1)
    with pytest.raises(ValueError, match="input_shape"):
        build_model("se_inception_v3", input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="reduction_ratio"):
        build_model("se_inception_v3", reduction_ratio=300)  # 256 channels // 300 = 0
