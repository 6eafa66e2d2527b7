"""Tests of the models of Bianco et al. 2018's comparison (arXiv 1810.00736): the families
added for it (AlexNet, VGG, SqueezeNet, DPN and ShuffleNet: convnet_lib.models.alexnet, vgg,
squeezenet, dpn, shufflenet) and its rows in the existing families (ResNet-18/34/101/152,
CaffeResNet-101, FBResNet-152, ResNeXt-101, SE-ResNet-101/152, SE-ResNeXt-101 in
convnet_lib.models.senet; DenseNet-161; GoogLeNet and BN-Inception in
convnet_lib.models.inception).

The full-size builds (marked slow) check that each model's trainable parameters equal its
PyTorch reference to the unit, and that its multiply-adds of convolution and dense layers
equal the reference's. Both reference numbers were measured on the PyTorch models
(torch 2.14.1, torchvision 0.29.1, Cadene pretrainedmodels HEAD 8aae3d8,
CeLuigi/models-comparison.pytorch HEAD 51388f0) at 1000 classes and batch 1, counting
`sum(p.numel() for p in model.parameters())` and, with forward hooks, out_elements *
in_channels / groups * kh * kw per Conv2d plus in_features * out_features per Linear.
Cadene's SE blocks are 1x1 convolutions on the pooled vector, ours Dense layers: the same
multiply-adds.
"""

import math

import keras
import numpy as np
import pytest

import convnet_lib.models.alexnet as alexnet
import convnet_lib.models.dpn as dpn
import convnet_lib.models.inception as inception
import convnet_lib.models.shufflenet as shufflenet
import convnet_lib.models.squeezenet as squeezenet
import convnet_lib.models.vgg as vgg
from convnet_lib.complexity import count_params
from convnet_lib.complexity import flops_table
from convnet_lib.models._registry import build_model
from convnet_lib.models._registry import model_info

# (trainable parameters, conv + FC multiply-adds at 224x224) of the PyTorch references.
REFERENCE = {
    "alexnet": (61_100_840, 714_188_480),
    "vgg11": (132_863_336, 7_609_090_048),
    "vgg11_bn": (132_868_840, 7_609_090_048),
    "vgg13": (133_047_848, 11_308_466_176),
    "vgg13_bn": (133_053_736, 11_308_466_176),
    "vgg16": (138_357_544, 15_470_264_320),
    "vgg16_bn": (138_365_992, 15_470_264_320),
    "vgg19": (143_667_240, 19_632_062_464),
    "vgg19_bn": (143_678_248, 19_632_062_464),
    "squeezenet1_0": (1_248_424, 818_924_576),
    "squeezenet1_1": (1_235_496, 349_151_936),
    "dpn68": (12_611_602, 2_326_163_456),
    "dpn68b": (12_611_602, 2_326_163_456),
    "dpn92": (37_668_392, 6_501_684_224),
    "dpn98": (61_570_728, 11_671_217_152),
    "dpn107": (86_917_800, 18_298_764_288),
    "dpn131": (79_254_504, 16_013_648_896),
    "shufflenet": (2_454_304, 138_365_952),
    "shufflenet_g3": (1_877_920, 137_460_672),
    # Rows of the existing families.
    "resnet18": (11_689_512, 1_814_073_344),
    "resnet34": (21_797_672, 3_663_761_408),
    "resnet101": (44_549_160, 7_801_405_440),
    "resnet152": (60_192_808, 11_513_626_624),
    "cafferesnet101": (44_549_160, 7_570_194_432),  # stride on the 1x1: fewer MACs
    "fbresnet152": (60_268_520, 11_513_626_624),  # + 75,712 convolution biases
    "resnext101_32x4d": (44_177_704, 7_969_996_800),
    "resnext101_64x4d": (83_455_272, 15_460_270_080),
    "se_resnet101": (49_326_872, 7_574_937_600),
    "se_resnet152": (66_821_848, 11_288_993_792),
    "se_resnext101_32x4d": (48_955_416, 7_974_739_968),
    "densenet161": (28_681_000, 7_727_907_072),
    "googlenet": (6_998_552, 1_582_671_872),  # BVLC Caffe GoogLeNet, not torchvision's
    "bninception": (11_295_240, 2_032_600_064),
}
FAMILY_MODULES = {"alexnet": alexnet, "vgg": vgg, "squeezenet": squeezenet, "dpn": dpn,
                  "shufflenet": shufflenet}
MAC_KINDS = ("conv", "depthwise conv", "separable conv", "matmul")
# One small representative per family, with a small input it accepts.
SMALL = {"alexnet": 63, "vgg11_bn": 32, "squeezenet1_0": 21, "squeezenet1_1": 17,
         "dpn68": 32, "shufflenet": 32, "shufflenet_g3": 32}


def conv_and_dense_macs(model):
    """Multiply-adds of the Conv2D/DepthwiseConv2D/Dense layers, bias additions left out.

    complexity.flops_table counts 2 FLOPs per multiply-add plus one per output element for
    a bias, so MACs = (flops - bias additions) / 2.
    """
    table = flops_table(model)
    total = 0
    for row in table[table["counted_as"].isin(MAC_KINDS)].itertuples():
        bias = math.prod(row.output_shape) if model.get_layer(row.layer).use_bias else 0
        total += (row.flops - bias) // 2
    return total


def weights_of(model):
    return [np.asarray(w) for w in model.weights]


# --- registration -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_registered_with_reference_count(name):
    info = model_info(name)
    assert info.reference_params == REFERENCE[name][0]
    assert info.input_size == 224 and info.classes == 1000
    sources = ("torchvision", "Cadene", "CeLuigi/models-comparison.pytorch")
    assert info.reference_source.split()[0] in sources


# --- small builds -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SMALL))
def test_smallest_input_builds_and_one_pixel_less_is_refused(name):
    size = SMALL[name]
    assert model_info(name).min_input_size == size
    model = build_model(name, include_top=False, input_shape=(size, size, 3))
    assert model.output_shape[1:3] == (1, 1)
    with pytest.raises(ValueError, match=rf"Received: input_shape=\({size - 1}, {size - 1}, 3\)"):
        build_model(name, include_top=False, input_shape=(size - 1, size - 1, 3))


@pytest.mark.parametrize("name", ["squeezenet1_0", "squeezenet1_1", "dpn68", "shufflenet"])
def test_classes_change_only_the_classifier(name):
    """At 10 classes the model loses exactly (1000 - 10) * (features + 1) parameters."""
    model = build_model(name, input_shape=(64, 64, 3), classes=10, classifier_activation=None)
    features = {"squeezenet1_0": 512, "squeezenet1_1": 512, "dpn68": 832, "shufflenet": 1536}[name]
    assert model.output_shape == (None, 10)
    assert count_params(model).trainable == REFERENCE[name][0] - 990 * (features + 1)


def test_output_widths_of_the_feature_extractors():
    assert build_model("dpn68", include_top=False, input_shape=(64, 64, 3)).output_shape == (
        None, 2, 2, 832)  # residual 512 + dense 2*64 + 3*64
    assert build_model("shufflenet_g3", include_top=False, pooling="avg",
                       input_shape=(64, 64, 3)).output_shape == (None, 960)
    assert build_model("vgg11", include_top=False, pooling="max",
                       input_shape=(64, 64, 3)).output_shape == (None, 512)
    assert build_model("alexnet", include_top=False, input_shape=(224, 224, 3)).output_shape == (
        None, 6, 6, 256)


@pytest.mark.parametrize("name,size", [("vgg16", 64), ("vgg11_bn", 448 + 32), ("alexnet", 448)])
def test_fully_connected_head_refuses_maps_it_cannot_pool(name, size):
    with pytest.raises(ValueError, match=rf"include_top=True.*input_shape=\({size}, {size}, 3\)"):
        build_model(name, input_shape=(size, size, 3))


@pytest.mark.parametrize("name", ["alexnet", "vgg13", "squeezenet1_1", "dpn92", "shufflenet"])
@pytest.mark.parametrize(
    "argument,value",
    [("classes", 0), ("pooling", "mean"), ("include_top", "yes"),
     ("classifier_activation", 3), ("input_shape", (224, 224))],
)
def test_bad_arguments_raise_value_error(name, argument, value):
    with pytest.raises(ValueError, match=argument):
        build_model(name, **{argument: value})


# --- the PyTorch-semantics pieces, against NumPy -----------------------------------------


def test_adaptive_average_pool_averages_blocks():
    inputs = keras.Input((14, 14, 3))
    model = keras.Model(inputs, alexnet.adaptive_average_pool(inputs, 7, (448, 448, 3), "vgg"))
    x = np.random.default_rng(0).normal(size=(2, 14, 14, 3)).astype("float32")
    expected = x.reshape(2, 7, 2, 7, 2, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), expected, atol=1e-6)
    same = keras.Input((7, 7, 3))
    assert alexnet.adaptive_average_pool(same, 7, (224, 224, 3), "vgg") is same


def numpy_max_pool(x, size=3, stride=2, pad_before=0, outputs=None):
    """Max pooling over the windows PyTorch uses, ignoring positions outside the input."""
    n = x.shape[1]
    result = np.empty((x.shape[0], outputs, outputs, x.shape[3]), x.dtype)
    for i in range(outputs):
        for j in range(outputs):
            r0, c0 = i * stride - pad_before, j * stride - pad_before
            window = x[:, max(r0, 0):min(r0 + size, n), max(c0, 0):min(c0 + size, n)]
            result[:, i, j] = window.max(axis=(1, 2))
    return result


@pytest.mark.parametrize("size", [8, 9, 109])
def test_ceil_mode_max_pool_matches_pytorch_windows(size):
    inputs = keras.Input((size, size, 2))
    model = keras.Model(inputs, squeezenet.ceil_mode_max_pool(inputs, "pool"))
    x = np.random.default_rng(size).uniform(0, 1, (1, size, size, 2)).astype("float32")
    outputs = math.ceil((size - 3) / 2) + 1  # ceil_mode=True
    expected = numpy_max_pool(x, outputs=outputs)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model(x)), expected)


@pytest.mark.parametrize("size", [8, 9, 112])
def test_padded_max_pool_ignores_padding_like_pytorch(size):
    inputs = keras.Input((size, size, 2))
    model = keras.Model(inputs, shufflenet.pytorch_max_pool(inputs, "pool"))
    # Negative values: a zero padding would win the max at the borders.
    x = np.random.default_rng(size).uniform(-2, -1, (1, size, size, 2)).astype("float32")
    expected = numpy_max_pool(x, pad_before=1, outputs=(size - 1) // 2 + 1)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model(x)), expected)


def test_channel_shuffle_transposes_groups():
    inputs = keras.Input((1, 1, 6))
    model = keras.Model(inputs, shufflenet.channel_shuffle(inputs, 3, "shuffle"))
    x = np.arange(6, dtype="float32").reshape(1, 1, 1, 6)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model(x)).ravel(), [0, 2, 4, 1, 3, 5])


def test_dual_path_block_adds_to_one_path_and_grows_the_other():
    inputs = keras.Input((8, 8, 16))
    residual, dense = dpn.dual_path_block(inputs, None, 8, 32, 4, 2, "b1", projection_strides=2)
    assert residual.shape[1:] == (4, 4, 32) and dense.shape[1:] == (4, 4, 12)
    residual, dense = dpn.dual_path_block(residual, dense, 8, 32, 4, 2, "b2")
    assert residual.shape[1:] == (4, 4, 32) and dense.shape[1:] == (4, 4, 16)


def test_shuffle_unit_concatenates_pooled_input_when_strided():
    inputs = keras.Input((8, 8, 24))
    y = shufflenet.shuffle_unit(inputs, 384, 8, "u1", strides=2, group_first=False)
    model = keras.Model(inputs, y)
    assert model.output_shape == (None, 4, 4, 384)
    # Branch: 24*96+96 (1x1) + 2*96 (BN) + 9*96+96 (depthwise) + 2*96 + 12*360+360 + 2*360.
    assert count_params(model).trainable == 2400 + 192 + 960 + 192 + 4680 + 720


@pytest.mark.parametrize("family", sorted(FAMILY_MODULES))
def test_new_families_register_their_table_rows(family):
    """One registration mechanism: every row of each table is a registered model whose
    builder lists the row's options, and a bad option is a ValueError naming it."""
    module = FAMILY_MODULES[family]
    table = getattr(module, f"{family.upper()}_CONFIGS")
    for name, row in table.items():
        assert model_info(name).reference_params == row.reference_params
        assert model_info(name).min_input_size == module.min_input_size(row)
    name, row = next(iter(table.items()))
    option = [field for field in vars(row) if field not in vars(model_info(name))][0]
    with pytest.raises(ValueError, match=option):
        build_model(name, **{option: -1})


def test_a_row_option_changes_the_model():
    """vgg11 with batch_norm=True is vgg11_bn (same parameters at any input size)."""
    shape = (32, 32, 3)
    switched = build_model("vgg11", include_top=False, input_shape=shape, batch_norm=True)
    reference = build_model("vgg11_bn", include_top=False, input_shape=shape)
    assert count_params(switched).trainable == count_params(reference).trainable


@pytest.mark.parametrize("name,stride_layer", [
    ("resnet101", "conv3_block1_2_conv"), ("cafferesnet101", "conv3_block1_1_conv"),
    ("resnext101_32x4d", "conv3_block1_2_conv"), ("se_resnet152", "conv3_block1_1_conv"),
])
def test_where_each_resnet_strides(name, stride_layer):
    """torchvision and the ResNeXts stride on the 3x3, the Caffe models on the first 1x1."""
    model = build_model(name, include_top=False, input_shape=(32, 32, 3))
    strided = [layer.name for layer in model.layers
               if layer.name.startswith("conv3_block1_") and getattr(layer, "strides", (1, 1))
               == (2, 2) and not layer.name.startswith("conv3_block1_0")]
    assert strided == [stride_layer]


def test_googlenet_has_no_batch_norm_and_biases_everywhere():
    model = build_model("googlenet", include_top=False, input_shape=(64, 64, 3))
    kinds = {type(layer).__name__ for layer in model.layers}
    assert "BatchNormalization" not in kinds
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convolutions) == 3 + 9 * 6 and all(layer.use_bias for layer in convolutions)
    assert model.output_shape == (None, 2, 2, 1024)  # 64 / 32
    # Inception (3a): 64 + 128 + 32 + 32 channels; the pooling branch is a 3x3/1 max pool.
    assert model.get_layer("inception_3a_concat").output.shape[-1] == 256
    assert model.get_layer("inception_3a_branch3_1_maxpool").strides == (1, 1)


def test_bninception_keeps_conv_biases_before_batch_norm():
    model = build_model("bninception", include_top=False, input_shape=(64, 64, 3))
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert all(layer.use_bias for layer in convolutions)
    batch_norms = [layer for layer in model.layers
                   if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(batch_norms) == len(convolutions)
    assert {layer.epsilon for layer in batch_norms} == {1e-5}
    # The two grid reductions (3c, 4e) and the width of each stage's last module.
    assert [model.get_layer(f"bn_inception_{key}_concat").output.shape[1:] for key in
            ("3b", "3c", "4d", "4e", "5b")] == [(8, 8, 320), (4, 4, 576), (4, 4, 608),
                                                (2, 2, 1056), (2, 2, 1024)]


@pytest.mark.parametrize("name", ["googlenet", "bninception"])
def test_inception_table_computes_the_smallest_input(name):
    """Every convolution and pooling of these two pads "same", so the table's scan finds that
    any input keeps at least one pixel (a 1x1 image gives a 1x1 map)."""
    assert model_info(name).min_input_size == 1
    assert inception.min_input_size(inception.INCEPTION_CONFIGS[name]) == 1
    model = build_model(name, include_top=False, input_shape=(1, 1, 3))
    assert model.output_shape == (None, 1, 1, 1024)


def test_vgg_table_matches_the_paper_depths():
    depths = {name: sum(config.convs_per_stage) + 3 for name, config in vgg.VGG_CONFIGS.items()}
    assert depths == {"vgg11": 11, "vgg11_bn": 11, "vgg13": 13, "vgg13_bn": 13,
                      "vgg16": 16, "vgg16_bn": 16, "vgg19": 19, "vgg19_bn": 19}


# --- full size: exact parameters and multiply-adds ------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_full_size_model_equals_its_reference(name):
    """One build per model: trainable parameters and conv + FC multiply-adds at 224x224.

    Both equal the PyTorch reference to the unit; the multiply-adds would show a wrong
    padding, stride or pooling (a 1-pixel size change moves them), which parameters
    cannot.
    """
    keras.backend.clear_session()
    model = build_model(name)
    params, macs = REFERENCE[name]
    assert model.input_shape == (None, *model_info(name).input_shape)
    assert model.output_shape == (None, 1000)
    assert count_params(model).trainable == params == model_info(name).reference_params
    assert conv_and_dense_macs(model) == macs
