"""ResNet, SE-ResNet, SE-ResNeXt, SENet-154 and SE-Inception-v3, plus a small SE-ResNet.

Reference:
    Hu, Shen, Albanie, Sun, Wu, "Squeeze-and-Excitation Networks", CVPR 2018 / TPAMI 2019,
    https://arxiv.org/abs/1709.01507
    He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
    https://arxiv.org/abs/1512.03385
    Xie, Girshick, Dollar, Tu, He, "Aggregated Residual Transformations for Deep Neural
    Networks" (ResNeXt), CVPR 2017, https://arxiv.org/abs/1611.05431
    Szegedy et al., "Rethinking the Inception Architecture for Computer Vision"
    (Inception-v3), CVPR 2016, https://arxiv.org/abs/1512.00567

One SE piece (`convnet_lib.models.se.se_block`) is switched on per model. The ImageNet
models mirror the layouts of the released Caffe models as ported to PyTorch by Cadene's
`pretrainedmodels` (and timm's `legacy_*` models): BatchNormalization with scale and offset,
no convolution bias, SE FC layers with bias, so their trainable parameter counts are equal.
ResNet-50 and SE-ResNet-50 put the stride of a downsampling bottleneck on its first 1x1
convolution (the original Caffe layout); SE-ResNeXt and SENet-154 put it on the 3x3.
Strided convolutions pad symmetrically (ZeroPadding2D + "valid"), as PyTorch does. The
stem's max pooling pads one pixel on each side (as keras.applications ResNet50 and
torchvision do), where the Caffe/Cadene models use `ceil_mode`; the output sizes, parameters
and FLOPs are the same.
"""

import dataclasses

import keras
from keras import layers

from convnet_lib._checks import check_bool
from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models._registry import register_model
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import conv_bn
from convnet_lib.models.common import model_input
from convnet_lib.models.common import validate_head_arguments
from convnet_lib.models.common import validate_input_shape
from convnet_lib.models.se import se_block
from convnet_lib.models.se import se_units

# PyTorch's BatchNorm2d epsilon, the one the ported Caffe models use.
BN_EPSILON = 1e-5


@dataclasses.dataclass(frozen=True)
class BottleneckSpec:
    """One row of the ImageNet model table.

    depths: bottleneck units in each of the four stages.
    widths: (conv1, conv2) widths of a unit as multiples of its `planes` (64, 128, 256,
        512 in stages 1-4); conv3 always has 4 * planes filters.
    groups: groups of the 3x3 convolution (cardinality; 1 = plain ResNet).
    stride_on_3x3: where a downsampling unit strides: the 3x3 (True) or the first 1x1.
    use_se: an SE block on the residual branch of every unit.
    deep_stem: three 3x3 convolutions (64, 64, 128) instead of one 7x7 (64).
    shortcut_kernel: kernel of the projection shortcut in stages 2-4 (stage 1 uses 1x1).
    dropout_rate: dropout before the classifier.
    """

    depths: tuple
    widths: tuple
    groups: int
    stride_on_3x3: bool
    use_se: bool
    deep_stem: bool
    shortcut_kernel: int
    dropout_rate: float


MODEL_SPECS = {
    "resnet50": BottleneckSpec((3, 4, 6, 3), (1, 1), 1, False, False, False, 1, 0.0),
    "se_resnet50": BottleneckSpec((3, 4, 6, 3), (1, 1), 1, False, True, False, 1, 0.0),
    "se_resnext50_32x4d": BottleneckSpec((3, 4, 6, 3), (2, 2), 32, True, True, False, 1, 0.0),
    "senet154": BottleneckSpec((3, 8, 36, 3), (2, 4), 64, True, True, True, 3, 0.2),
}


def padded_conv_bn(
    x, filters, kernel_size, name, strides=1, groups=1, activation="relu", use_bias=False
):
    """conv_bn with PyTorch-style symmetric padding for strided convolutions.

    A strided k x k convolution gets ZeroPadding2D(k // 2) (named `{name}_pad`) and
    "valid" padding; every other convolution uses "same".
    """
    padding = "same"
    if strides > 1 and kernel_size > 1:
        x = layers.ZeroPadding2D(kernel_size // 2, name=f"{name}_pad")(x)
        padding = "valid"
    return conv_bn(
        x,
        filters,
        kernel_size,
        name=name,
        strides=strides,
        padding=padding,
        activation=activation,
        use_bias=use_bias,
        bn_epsilon=BN_EPSILON,
        groups=groups,
    )


def bottleneck_unit(
    x,
    planes,
    name,
    strides=1,
    widths=(1, 1),
    groups=1,
    stride_on_3x3=False,
    reduction_ratio=None,
    shortcut_kernel=1,
    use_bias=False,
):
    """A ResNet/ResNeXt bottleneck (1x1, 3x3, 1x1) with an optional SE block on its branch.

    Output channels are 4 * planes. With `reduction_ratio=None` there is no SE block (plain
    ResNet); otherwise SE rescales the branch before it is added to the shortcut, as in
    Fig. 3 of Hu et al. Layer names follow keras.applications ResNet50: `{name}_0_*` is the
    projection shortcut, `{name}_1_*` to `{name}_3_*` the branch, `{name}_se_*` the SE block.
    """
    out_channels = 4 * planes
    if strides != 1 or x.shape[-1] != out_channels:
        shortcut = padded_conv_bn(
            x, out_channels, shortcut_kernel, f"{name}_0", strides=strides,
            activation=None, use_bias=use_bias,
        )
    else:
        shortcut = x
    y = padded_conv_bn(
        x, planes * widths[0], 1, f"{name}_1",
        strides=1 if stride_on_3x3 else strides, use_bias=use_bias,
    )
    y = padded_conv_bn(
        y, planes * widths[1], 3, f"{name}_2",
        strides=strides if stride_on_3x3 else 1, groups=groups, use_bias=use_bias,
    )
    y = padded_conv_bn(y, out_channels, 1, f"{name}_3", activation=None, use_bias=use_bias)
    if reduction_ratio is not None:
        y = se_block(y, reduction_ratio, name=f"{name}_se")
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def basic_unit(x, filters, name, strides=1, reduction_ratio=None):
    """A two-3x3 residual unit (ResNet-18/34 style) with an optional SE block on its branch."""
    if strides != 1 or x.shape[-1] != filters:
        shortcut = padded_conv_bn(x, filters, 1, f"{name}_0", strides=strides, activation=None)
    else:
        shortcut = x
    y = padded_conv_bn(x, filters, 3, f"{name}_1", strides=strides)
    y = padded_conv_bn(y, filters, 3, f"{name}_2", activation=None)
    if reduction_ratio is not None:
        y = se_block(y, reduction_ratio, name=f"{name}_se")
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def _bottleneck_network(
    model_name,
    include_top,
    input_shape,
    pooling,
    classes,
    classifier_activation,
    reduction_ratio,
    use_bias=False,
):
    """Builds one row of MODEL_SPECS with the keras.applications API."""
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    input_shape = validate_input_shape(
        input_shape, default_size=224, min_size=32, model_name=model_name
    )
    spec = MODEL_SPECS[model_name]
    if spec.use_se:
        se_units(64 * 4, reduction_ratio)  # the narrowest SE block: fail before building
    inputs = model_input(input_shape)
    if spec.deep_stem:
        x = padded_conv_bn(inputs, 64, 3, "conv1_1", strides=2)
        x = padded_conv_bn(x, 64, 3, "conv1_2")
        x = padded_conv_bn(x, 128, 3, "conv1_3")
    else:
        x = padded_conv_bn(inputs, 64, 7, "conv1", strides=2, use_bias=use_bias)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, depth in enumerate(spec.depths):
        for unit in range(depth):
            x = bottleneck_unit(
                x,
                planes=64 * 2**stage,
                name=f"conv{stage + 2}_block{unit + 1}",
                strides=2 if (stage > 0 and unit == 0) else 1,
                widths=spec.widths,
                groups=spec.groups,
                stride_on_3x3=spec.stride_on_3x3,
                reduction_ratio=reduction_ratio if spec.use_se else None,
                shortcut_kernel=spec.shortcut_kernel if stage > 0 else 1,
                use_bias=use_bias,
            )
    outputs = classification_head(
        x, include_top, pooling, classes, classifier_activation,
        dropout_rate=spec.dropout_rate,
    )
    return keras.Model(inputs, outputs, name=model_name)


@register_model("resnet50")
def resnet50(
    include_top=True,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    use_bias=False,
):
    """ResNet-50 (He et al., arXiv 1512.03385), original layout: stride on the first 1x1.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications (default input 224x224x3).
        use_bias: a bias on every convolution. False (default) gives the PyTorch-port
            layout (25,557,032 trainable parameters); True gives keras.applications.ResNet50
            (25,583,592), whose weights then copy across one to one.
    """
    check_bool(use_bias, "use_bias")
    return _bottleneck_network(
        "resnet50", include_top, input_shape, pooling, classes, classifier_activation,
        reduction_ratio=None, use_bias=use_bias,
    )


@register_model("se_resnet50")
def se_resnet50(
    include_top=True,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    reduction_ratio=16,
):
    """SE-ResNet-50 (Hu et al., arXiv 1709.01507, Table 1): ResNet-50 + SE in every unit.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications (default input 224x224x3).
        reduction_ratio: r of every SE block (16 in the paper).
    """
    return _bottleneck_network(
        "se_resnet50", include_top, input_shape, pooling, classes, classifier_activation,
        reduction_ratio=reduction_ratio,
    )


@register_model("se_resnext50_32x4d")
def se_resnext50_32x4d(
    include_top=True,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    reduction_ratio=16,
):
    """SE-ResNeXt-50 (32x4d) (Hu et al., arXiv 1709.01507, Table 1; Xie et al., 1611.05431).

    Cardinality 32, width 4 per group: the 3x3 convolution of a stage-1 unit has 128
    channels in 32 groups (a grouped Conv2D), doubling every stage.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications (default input 224x224x3).
        reduction_ratio: r of every SE block (16 in the paper).
    """
    return _bottleneck_network(
        "se_resnext50_32x4d", include_top, input_shape, pooling, classes,
        classifier_activation, reduction_ratio=reduction_ratio,
    )


@register_model("senet154")
def senet154(
    include_top=True,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    reduction_ratio=16,
):
    """SENet-154 (Hu et al., arXiv 1709.01507, appendix), the ILSVRC 2017 winning backbone.

    An SE-ResNeXt-152 (3, 8, 36, 3 units) with 64 groups, a first 1x1 of 2 * planes and a
    3x3 of 4 * planes filters, a stem of three 3x3 convolutions, 3x3 projection shortcuts
    in stages 2-4 and dropout 0.2 before the classifier.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications (default input 224x224x3).
        reduction_ratio: r of every SE block (16 in the paper).
    """
    return _bottleneck_network(
        "senet154", include_top, input_shape, pooling, classes, classifier_activation,
        reduction_ratio=reduction_ratio,
    )


@register_model("se_resnet_mini")
def se_resnet_mini(
    include_top=True,
    input_shape=(32, 32, 1),
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    use_se=True,
    reduction_ratio=8,
    stem_width=16,
    widths=(24, 48, 96),
    depths=(1, 1, 1),
    dropout_rate=0.2,
):
    """A small SE-ResNet for 32x32 Fashion-MNIST images (Hu et al., arXiv 1709.01507).

    A 3x3 stem at full resolution, then one stage per entry of `widths`, each starting with
    a stride-2 basic residual unit (two 3x3 convolutions). `use_se=False` builds the same
    network without SE blocks: the ablation baseline, identical in every other layer.
    With the defaults: 176k parameters and 13.3 MFLOPs per 32x32 image (with SE), small
    enough to train on Fashion-MNIST on a 2-core CPU in minutes.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications (default input 32x32x1, 10 classes).
        use_se: an SE block on the residual branch of every unit.
        reduction_ratio: r of every SE block (8 by default: these blocks are narrow).
        stem_width: filters of the stem convolution.
        widths: filters of each stage.
        depths: residual units in each stage (same length as `widths`).
        dropout_rate: dropout before the classifier.
    """
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    check_bool(use_se, "use_se")
    check_int(stem_width, "stem_width", minimum=1)
    widths = check_int_sequence(widths, "widths", minimum=1)
    if not widths:
        raise ValueError(f"`widths` must name at least one stage. Received: widths={widths!r}")
    depths = check_int_sequence(depths, "depths", minimum=1, length=len(widths))
    if use_se:
        se_units(min(widths), reduction_ratio)
    input_shape = validate_input_shape(
        input_shape, default_size=32, min_size=2 ** len(widths), model_name="se_resnet_mini"
    )
    inputs = model_input(input_shape)
    x = padded_conv_bn(inputs, stem_width, 3, "stem")
    for stage, (filters, depth) in enumerate(zip(widths, depths)):
        for unit in range(depth):
            x = basic_unit(
                x,
                filters,
                name=f"stage{stage + 1}_block{unit + 1}",
                strides=2 if unit == 0 else 1,
                reduction_ratio=reduction_ratio if use_se else None,
            )
    outputs = classification_head(
        x, include_top, pooling, classes, classifier_activation, dropout_rate=dropout_rate
    )
    return keras.Model(inputs, outputs, name="se_resnet_mini" if use_se else "resnet_mini")


# --- SE-Inception-v3 -----------------------------------------------------------------
# Inception-v3 as in keras.applications.InceptionV3 (BN without scale, epsilon 1e-3), with
# an SE block after every Inception module ("mixed0" ... "mixed10"), Fig. 2 of Hu et al.

# (module kind, its width parameter) for mixed0 ... mixed10.
INCEPTION_V3_MODULES = (
    ("a", 32), ("a", 64), ("a", 64),  # 35x35: pool-branch filters
    ("reduction_a", None),
    ("c", 128), ("c", 160), ("c", 160), ("c", 192),  # 17x17: 7x7-branch width
    ("reduction_b", None),
    ("e", None), ("e", None),  # 8x8
)


def _cbn(x, filters, kernel_size, name, strides=1, padding="same"):
    """Inception-v3's conv-BN(no scale)-ReLU, as keras.applications builds it."""
    return conv_bn(
        x, filters, kernel_size, name=name, strides=strides, padding=padding, bn_scale=False
    )


def _inception_a(x, pool_filters, name):
    b1 = _cbn(x, 64, 1, f"{name}_1x1")
    b2 = _cbn(x, 48, 1, f"{name}_5x5_1")
    b2 = _cbn(b2, 64, 5, f"{name}_5x5_2")
    b3 = _cbn(x, 64, 1, f"{name}_3x3dbl_1")
    b3 = _cbn(b3, 96, 3, f"{name}_3x3dbl_2")
    b3 = _cbn(b3, 96, 3, f"{name}_3x3dbl_3")
    b4 = layers.AveragePooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    b4 = _cbn(b4, pool_filters, 1, f"{name}_pool_proj")
    return layers.Concatenate(name=name)([b1, b2, b3, b4])


def _reduction_a(x, width, name):
    b1 = _cbn(x, 384, 3, f"{name}_3x3", strides=2, padding="valid")
    b2 = _cbn(x, 64, 1, f"{name}_3x3dbl_1")
    b2 = _cbn(b2, 96, 3, f"{name}_3x3dbl_2")
    b2 = _cbn(b2, 96, 3, f"{name}_3x3dbl_3", strides=2, padding="valid")
    b3 = layers.MaxPooling2D(3, strides=2, name=f"{name}_pool")(x)
    return layers.Concatenate(name=name)([b1, b2, b3])


def _inception_c(x, width, name):
    b1 = _cbn(x, 192, 1, f"{name}_1x1")
    b2 = _cbn(x, width, 1, f"{name}_7x7_1")
    b2 = _cbn(b2, width, (1, 7), f"{name}_7x7_2")
    b2 = _cbn(b2, 192, (7, 1), f"{name}_7x7_3")
    b3 = _cbn(x, width, 1, f"{name}_7x7dbl_1")
    b3 = _cbn(b3, width, (7, 1), f"{name}_7x7dbl_2")
    b3 = _cbn(b3, width, (1, 7), f"{name}_7x7dbl_3")
    b3 = _cbn(b3, width, (7, 1), f"{name}_7x7dbl_4")
    b3 = _cbn(b3, 192, (1, 7), f"{name}_7x7dbl_5")
    b4 = layers.AveragePooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    b4 = _cbn(b4, 192, 1, f"{name}_pool_proj")
    return layers.Concatenate(name=name)([b1, b2, b3, b4])


def _reduction_b(x, width, name):
    b1 = _cbn(x, 192, 1, f"{name}_3x3_1")
    b1 = _cbn(b1, 320, 3, f"{name}_3x3_2", strides=2, padding="valid")
    b2 = _cbn(x, 192, 1, f"{name}_7x7x3_1")
    b2 = _cbn(b2, 192, (1, 7), f"{name}_7x7x3_2")
    b2 = _cbn(b2, 192, (7, 1), f"{name}_7x7x3_3")
    b2 = _cbn(b2, 192, 3, f"{name}_7x7x3_4", strides=2, padding="valid")
    b3 = layers.MaxPooling2D(3, strides=2, name=f"{name}_pool")(x)
    return layers.Concatenate(name=name)([b1, b2, b3])


def _inception_e(x, width, name):
    b1 = _cbn(x, 320, 1, f"{name}_1x1")
    b2 = _cbn(x, 384, 1, f"{name}_3x3_1")
    b2 = layers.Concatenate(name=f"{name}_3x3_concat")(
        [_cbn(b2, 384, (1, 3), f"{name}_3x3_2a"), _cbn(b2, 384, (3, 1), f"{name}_3x3_2b")]
    )
    b3 = _cbn(x, 448, 1, f"{name}_3x3dbl_1")
    b3 = _cbn(b3, 384, 3, f"{name}_3x3dbl_2")
    b3 = layers.Concatenate(name=f"{name}_3x3dbl_concat")(
        [_cbn(b3, 384, (1, 3), f"{name}_3x3dbl_3a"), _cbn(b3, 384, (3, 1), f"{name}_3x3dbl_3b")]
    )
    b4 = layers.AveragePooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    b4 = _cbn(b4, 192, 1, f"{name}_pool_proj")
    return layers.Concatenate(name=name)([b1, b2, b3, b4])


INCEPTION_V3_BLOCKS = {
    "a": _inception_a,
    "reduction_a": _reduction_a,
    "c": _inception_c,
    "reduction_b": _reduction_b,
    "e": _inception_e,
}


@register_model("se_inception_v3")
def se_inception_v3(
    include_top=True,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    use_se=True,
    reduction_ratio=16,
):
    """SE-Inception-v3 (Hu et al., arXiv 1709.01507, Fig. 2; Szegedy et al., 1512.00567).

    keras.applications.InceptionV3 with an SE block after each of its eleven Inception
    modules. With `use_se=False` it is InceptionV3 itself, layer for layer.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications (default input 299x299x3, at least 75x75).
        use_se: an SE block after every Inception module.
        reduction_ratio: r of every SE block (16 in the paper).
    """
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    check_bool(use_se, "use_se")
    if use_se:
        se_units(256, reduction_ratio)  # mixed0, the narrowest module, has 256 channels
    input_shape = validate_input_shape(
        input_shape, default_size=299, min_size=75, model_name="se_inception_v3"
    )
    inputs = model_input(input_shape)
    x = _cbn(inputs, 32, 3, "stem1", strides=2, padding="valid")
    x = _cbn(x, 32, 3, "stem2", padding="valid")
    x = _cbn(x, 64, 3, "stem3")
    x = layers.MaxPooling2D(3, strides=2, name="stem_pool1")(x)
    x = _cbn(x, 80, 1, "stem4", padding="valid")
    x = _cbn(x, 192, 3, "stem5", padding="valid")
    x = layers.MaxPooling2D(3, strides=2, name="stem_pool2")(x)
    for index, (kind, width) in enumerate(INCEPTION_V3_MODULES):
        x = INCEPTION_V3_BLOCKS[kind](x, width, name=f"mixed{index}")
        if use_se:
            x = se_block(x, reduction_ratio, name=f"mixed{index}_se")
    outputs = classification_head(x, include_top, pooling, classes, classifier_activation)
    return keras.Model(inputs, outputs, name="se_inception_v3" if use_se else "inception_v3")
