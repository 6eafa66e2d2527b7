"""Tests of the SE block and the ResNet/SENet family (convnet_lib.models.se, .senet).

Trainable counts against each row's reference are checked for every model in
test_registry_and_common.py; SE-Inception-v3 is tested with the Inception family.
"""

import keras
import numpy as np
import pytest

from convnet_lib.complexity import count_flops
from convnet_lib.complexity import count_params
from convnet_lib.models import build_model
from convnet_lib.models import se
from tests.reference_checks import max_relative_difference

# Multiply-adds at 224x224 in Hu et al., arXiv 1709.01507, Table 2 (GFLOPs there = G MACs).
PAPER_GMACS = {"se_resnet50": 3.86, "se_resnext50_32x4d": 4.23}


def se_block_model(input_shape, reduction_ratio, name="se"):
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, se.se_block(inputs, reduction_ratio, name=name))


# --- the SE block ----------------------------------------------------------------------


def test_se_block_matches_numpy():
    model = se_block_model((5, 7, 32), reduction_ratio=4)
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.weights])
    x = rng.normal(size=(3, 5, 7, 32)).astype("float32")
    w1, b1 = model.get_layer("se_reduce").get_weights()
    w2, b2 = model.get_layer("se_expand").get_weights()
    z = x.mean(axis=(1, 2))  # squeeze: (3, 32)
    hidden = np.maximum(z @ w1 + b1, 0.0)  # (3, 8)
    s = 1.0 / (1.0 + np.exp(-(hidden @ w2 + b2)))  # (3, 32)
    expected = x * s[:, None, None, :]
    actual = keras.ops.convert_to_numpy(model(x))
    assert w1.shape == (32, 8) and w2.shape == (8, 32)
    assert np.max(np.abs(actual - expected)) < 1e-5


def test_se_block_parameters_and_names():
    model = se_block_model((4, 4, 64), reduction_ratio=16, name="blk")
    # 64 * 4 + 4 (reduce) + 4 * 64 + 64 (expand)
    assert count_params(model).trainable == 64 * 4 + 4 + 4 * 64 + 64
    assert model.output_shape == (None, 4, 4, 64)
    assert se.excitation_layer_names(model) == ["blk_sigmoid"]


@pytest.mark.parametrize("ratio", [0.5, 0, -2])
def test_se_block_rejects_ratio_below_one(ratio):
    with pytest.raises(ValueError, match="reduction_ratio"):
        se_block_model((4, 4, 32), reduction_ratio=ratio)


def test_se_block_rejects_ratio_that_leaves_no_unit():
    se_block_model((4, 4, 16), reduction_ratio=16)  # exactly one unit: fine
    with pytest.raises(ValueError, match="reduction_ratio=17"):
        se_block_model((4, 4, 16), reduction_ratio=17)


def test_se_block_rejects_non_number_ratio_and_bad_tensor():
    with pytest.raises(ValueError, match="reduction_ratio"):
        se_block_model((4, 4, 16), reduction_ratio="16")
    with pytest.raises(ValueError, match="4D tensor"):
        se.se_block(keras.Input((16,)), 4)


def test_excitation_model_rejects_models_without_se():
    with pytest.raises(ValueError, match="no SE blocks"):
        se.excitation_model(build_model("se_resnet_mini", use_se=False))
    with pytest.raises(ValueError, match="model"):
        se.excitation_layer_names("not a model")


# --- the ImageNet models ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PAPER_GMACS))
def test_flops_match_paper(name, build_once):
    flops = count_flops(build_once(name))
    expected = 2 * PAPER_GMACS[name] * 1e9
    assert abs(flops - expected) / expected < 0.01


@pytest.mark.slow
def test_stride_placement_and_groups(build_once):
    resnet = build_once("se_resnet50")
    assert resnet.get_layer("conv3_block1_1_conv").strides == (2, 2)  # Caffe layout
    assert resnet.get_layer("conv3_block1_2_conv").strides == (1, 1)
    resnext = build_once("se_resnext50_32x4d")
    assert resnext.get_layer("conv3_block1_1_conv").strides == (1, 1)
    assert resnext.get_layer("conv3_block1_2_conv").strides == (2, 2)
    assert resnext.get_layer("conv2_block1_2_conv").groups == 32
    assert resnext.get_layer("conv2_block1_2_conv").filters == 128  # 32 groups x 4 wide
    for model in (resnet, resnext):
        layer_types = {type(layer).__name__ for layer in model.layers}
        assert "BatchNormalization" in layer_types
        for layer in model.layers:
            if isinstance(layer, keras.layers.Conv2D):
                assert not layer.use_bias, layer.name


@pytest.mark.slow
def test_se_sits_on_the_residual_branch_before_the_addition(build_once):
    model = build_once("se_resnet50")
    add = model.get_layer("conv2_block2_add")
    inbound = {t._keras_history[0].name for t in add.input}
    assert inbound == {"conv2_block1_out", "conv2_block2_se_scale"}
    assert len(se.excitation_layer_names(model)) == 16  # one per bottleneck unit


@pytest.mark.slow
def test_senet154_layout(build_once):
    model = build_once("senet154")
    assert [model.get_layer(f"conv1_{i}_conv").filters for i in (1, 2, 3)] == [64, 64, 128]
    assert model.get_layer("conv2_block1_1_conv").filters == 128  # 2 x planes
    assert model.get_layer("conv2_block1_2_conv").filters == 256  # 4 x planes, 64 groups
    assert model.get_layer("conv2_block1_2_conv").groups == 64
    assert model.get_layer("conv2_block1_0_conv").kernel_size == (1, 1)
    assert model.get_layer("conv3_block1_0_conv").kernel_size == (3, 3)
    assert model.get_layer("dropout").rate == pytest.approx(0.2)
    assert len(se.excitation_layer_names(model)) == 3 + 8 + 36 + 3


@pytest.mark.slow
def test_resnet50_with_bias_reproduces_keras_applications():
    keras.backend.clear_session()
    shape = (64, 64, 3)
    reference = keras.applications.ResNet50(weights=None, include_top=False, input_shape=shape)
    ours = build_model("resnet50", include_top=False, input_shape=shape, use_bias=True)
    assert count_params(ours).total == count_params(reference).total
    assert max_relative_difference(reference, ours, shape) < 1e-4


@pytest.mark.slow
def test_head_arguments():
    keras.backend.clear_session()
    model = build_model("se_resnet50", include_top=False, pooling="avg", input_shape=(32, 32, 3))
    assert model.output_shape == (None, 2048)


def test_mini_head_arguments():
    model = build_model("se_resnet_mini", include_top=False, input_shape=(64, 64, 3))
    assert model.output_shape == (None, 8, 8, 96)
    model = build_model("se_resnet_mini", classes=7, classifier_activation=None, pooling="max")
    assert model.output_shape == (None, 7)


def test_builders_reject_bad_arguments():
    with pytest.raises(ValueError, match="input_shape"):
        build_model("se_resnet50", input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="pooling"):
        build_model("senet154", include_top=False, pooling="mean")
    with pytest.raises(ValueError, match="classes"):
        build_model("se_resnext50_32x4d", classes=0)
    with pytest.raises(ValueError, match="reduction_ratio"):
        build_model("se_resnet50", reduction_ratio=0.5)
    with pytest.raises(ValueError, match="reduction_ratio"):
        build_model("se_resnet50", reduction_ratio=512)  # 256 channels // 512 = 0 units
    with pytest.raises(ValueError, match="use_bias"):
        build_model("resnet50", use_bias="no")
    with pytest.raises(ValueError, match="groups"):
        build_model("resnet50", groups=0)
    with pytest.raises(ValueError, match="stem"):
        build_model("resnet50", stem="7x7")


# --- the small SE-ResNet -----------------------------------------------------------------


def test_mini_defaults_and_ablation_switch():
    keras.backend.clear_session()
    with_se = build_model("se_resnet_mini")
    without = build_model("se_resnet_mini", use_se=False)
    assert with_se.input_shape == (None, 32, 32, 1) and with_se.output_shape == (None, 10)
    assert without.output_shape == (None, 10)
    names_with = {layer.name for layer in with_se.layers}
    names_without = {layer.name for layer in without.layers}
    # Same network apart from the SE blocks.
    assert names_without < names_with
    assert all("_se_" in name for name in names_with - names_without)
    extra = count_params(with_se).trainable - count_params(without).trainable
    # SE of 24, 48 and 96 channels at r = 8: C * C/8 + C/8 + C/8 * C + C each.
    assert extra == sum(2 * c * (c // 8) + c // 8 + c for c in (24, 48, 96))


def test_mini_excitation_model():
    keras.backend.clear_session()
    model = build_model("se_resnet_mini", depths=(2, 1, 1))
    excitations = se.excitation_model(model)
    outputs = excitations(np.zeros((2, 32, 32, 1), "float32"))
    assert [tuple(o.shape) for o in outputs] == [(2, 24), (2, 24), (2, 48), (2, 96)]
    values = np.concatenate([keras.ops.convert_to_numpy(o) for o in outputs], axis=1)
    assert np.all((values > 0) & (values < 1))


def test_mini_rejects_bad_arguments():
    with pytest.raises(ValueError, match="use_se"):
        build_model("se_resnet_mini", use_se="yes")
    with pytest.raises(ValueError, match="depths"):
        build_model("se_resnet_mini", depths=(1, 1))
    with pytest.raises(ValueError, match="widths"):
        build_model("se_resnet_mini", widths=())
    with pytest.raises(ValueError, match="stem_width"):
        build_model("se_resnet_mini", stem_width=0)
    with pytest.raises(ValueError, match="reduction_ratio"):
        build_model("se_resnet_mini", reduction_ratio=32)  # 24 channels // 32 = 0 units
    build_model("se_resnet_mini", reduction_ratio=32, use_se=False)  # no SE: the ratio is unused
    with pytest.raises(ValueError, match="input_shape"):
        build_model("se_resnet_mini", input_shape=(4, 4, 1))
    with pytest.raises(ValueError, match="classifier_activation"):
        build_model("se_resnet_mini", classifier_activation=3)
