"""DenseNet builders: keras.applications parameter counts and outputs, block shapes, errors."""

import keras
import numpy as np
import pytest

from convnet_lib.complexity import count_params
from convnet_lib.models import build_model
from convnet_lib.models import densenet as dn
from convnet_lib.models import model_info
from tests.reference_checks import max_relative_difference
from tests.reference_checks import pooled_features


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(dn.DENSENET_BLOCK_SIZES))
def test_parameters_and_pooled_features_match_keras_applications(name):
    # 64x64 keeps the forward pass cheap; the parameters do not depend on the input size.
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    shape = (64, 64, 3)
    reference = getattr(keras.applications, model_info(name).keras_twin)(
        weights=None, input_shape=shape
    )
    ours = build_model(name, input_shape=shape)
    assert count_params(ours) == count_params(reference)
    difference = max_relative_difference(
        pooled_features(reference), pooled_features(ours), shape, seed=1
    )
    assert difference < 1e-4


@pytest.mark.parametrize("channels", [1, 64])
@pytest.mark.parametrize("num_layers", [1, 4])
@pytest.mark.parametrize("growth_rate", [1, 12])
@pytest.mark.parametrize("bottleneck", [True, False])
def test_dense_block_adds_num_layers_times_growth_rate(channels, num_layers, growth_rate,
                                                       bottleneck):
    inputs = keras.Input((9, 7, channels))
    outputs = dn.dense_block(inputs, num_layers, growth_rate, name="b", bottleneck=bottleneck)
    assert tuple(outputs.shape) == (None, 9, 7, channels + num_layers * growth_rate)


def test_dense_block_keeps_earlier_feature_maps_unchanged():
    """Concatenation: the first C output channels are the input itself."""
    inputs = keras.Input((8, 8, 5))
    model = keras.Model(inputs, dn.dense_block(inputs, 2, 4, name="b"))
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 5)).astype("float32")
    y = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_array_equal(y[..., :5], x)


@pytest.mark.parametrize("height, width", [(8, 8), (9, 7), (56, 56)])
@pytest.mark.parametrize("channels, compression, out_channels", [(64, 0.5, 32), (7, 0.5, 3),
                                                                 (10, 1.0, 10)])
def test_transition_halves_height_and_width(height, width, channels, compression,
                                            out_channels):
    inputs = keras.Input((height, width, channels))
    outputs = dn.transition_layer(inputs, compression, name="t")
    assert tuple(outputs.shape) == (None, height // 2, width // 2, out_channels)


@pytest.mark.parametrize("growth_rate", [0, -3])
def test_growth_rate_below_one_raises(growth_rate):
    inputs = keras.Input((8, 8, 4))
    with pytest.raises(ValueError, match="growth_rate"):
        dn.dense_block(inputs, 2, growth_rate, name="b")
    with pytest.raises(ValueError, match="growth_rate"):
        dn.dense_layer(inputs, growth_rate, name="l")
    with pytest.raises(ValueError, match="growth_rate"):
        dn.densenet((2, 2), growth_rate=growth_rate, input_shape=(32, 32, 1))


@pytest.mark.parametrize("num_layers", [0, -1])
def test_layer_count_below_one_raises(num_layers):
    inputs = keras.Input((8, 8, 4))
    with pytest.raises(ValueError, match="num_layers"):
        dn.dense_block(inputs, num_layers, 12, name="b")
    with pytest.raises(ValueError, match="block_sizes"):
        dn.densenet((2, num_layers), input_shape=(32, 32, 1))


@pytest.mark.parametrize(
    "arguments, argument_name",
    [
        (dict(block_sizes=()), "block_sizes"),
        (dict(block_sizes=6), "block_sizes"),
        (dict(block_sizes=(2, 2.5)), "block_sizes"),
        (dict(growth_rate=1.5), "growth_rate"),
        (dict(compression=0.0), "compression"),
        (dict(compression=1.5), "compression"),
        (dict(bottleneck="yes"), "bottleneck"),
        (dict(stem="resnet"), "stem"),
        (dict(bn_momentum=1.5), "bn_momentum"),
        (dict(stem_filters=0), "stem_filters"),
        (dict(input_shape=(8, 8, 1), stem="imagenet"), "input_shape"),
        (dict(pooling="sum"), "pooling"),
        (dict(classes=0), "classes"),
    ],
)
def test_bad_builder_arguments_raise(arguments, argument_name):
    values = dict(block_sizes=(2, 2), input_shape=(32, 32, 1), stem="small")
    values.update(arguments)
    with pytest.raises(ValueError, match=argument_name):
        dn.densenet(**values)


def test_transition_error_when_compression_leaves_no_channel():
    with pytest.raises(ValueError, match="compression"):
        dn.transition_layer(keras.Input((8, 8, 1)), 0.5, name="t")
    with pytest.raises(ValueError, match="compression"):
        dn.transition_layer(keras.Input((8, 8, 4)), -0.5, name="t")


def test_teaching_model_stage_channels():
    model = build_model("densenet_teaching", input_shape=(224, 224, 3), classes=10)
    stage_ends = ["pool1"] + [
        name for stage in range(2, 6)
        for name in (f"conv{stage}_block4_concat", f"pool{stage}_pool") if name != "pool5_pool"
    ]
    shapes = [tuple(model.get_layer(name).output.shape[1:]) for name in stage_ends]
    assert [shape[-1] for shape in shapes] == [64, 192, 96, 224, 112, 240, 120, 248]
    assert [shape[0] for shape in shapes] == [56, 56, 28, 28, 14, 14, 7, 7]
    assert tuple(model.output.shape) == (None, 10)


def test_densenet_bc_mini_defaults_and_feature_extractor():
    model = build_model("densenet_bc_mini")
    assert tuple(model.input.shape) == (None, 32, 32, 1)
    assert tuple(model.output.shape) == (None, 10)
    features = build_model("densenet_bc_mini", include_top=False, pooling="max",
                           input_shape=(28, 28, 3))
    assert len(features.output.shape) == 2
    x = np.random.default_rng(0).uniform(size=(2, 32, 32, 1)).astype("float32")
    probabilities = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("stem, size, feature_size", [("cifar", 8, 4), ("small", 8, 2),
                                                      ("imagenet", 32, 4)])
def test_stems_shrink_the_input_as_documented(stem, size, feature_size):
    model = dn.densenet((1, 1), include_top=False, input_shape=(size, size, 1), stem=stem,
                        growth_rate=4)
    assert tuple(model.output.shape) == (None, feature_size, feature_size, (8 + 4) // 2 + 4)


def test_registered_models_are_rows_of_one_table():
    # The paper's models differ only in block sizes (arXiv:1608.06993, Table 1).
    assert dn.DENSENET_BLOCK_SIZES["densenet121"] == (6, 12, 24, 16)
    assert dn.DENSENET_CONFIGS["densenet169"].block_sizes == (6, 12, 32, 32)
    mini = build_model("densenet_bc_mini", growth_rate=8)
    direct = dn.densenet(
        (4, 4, 4), growth_rate=8, stem="small", bn_momentum=0.9, input_shape=(32, 32, 1),
        classes=10, name="densenet_bc_mini",
    )
    assert [layer.name for layer in mini.layers] == [layer.name for layer in direct.layers]
    assert mini.count_params() == direct.count_params()
    assert mini.get_layer("conv2_block1_2_conv").filters == 8
