"""ResNet and its Squeeze-and-Excitation variants: SE-ResNet, SE-ResNeXt, SENet-154, a mini.

Reference:
    Hu, Shen, Albanie, Sun, Wu, "Squeeze-and-Excitation Networks", CVPR 2018 / TPAMI 2019,
    https://arxiv.org/abs/1709.01507
    He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
    https://arxiv.org/abs/1512.03385
    Xie, Girshick, Dollar, Tu, He, "Aggregated Residual Transformations for Deep Neural
    Networks" (ResNeXt), CVPR 2017, https://arxiv.org/abs/1611.05431

Every model is a row of `RESNET_CONFIGS` (a frozen `ResNetConfig`), and one SE piece
(`convnet_lib.models.se.se_block`) is switched on per row with `use_se`. The ImageNet
rows mirror the layouts of the PyTorch models that Bianco et al. 2018 (arXiv 1810.00736)
measured: torchvision's ResNets and the released Caffe/Torch models as ported by Cadene's
`pretrainedmodels` (and timm's `legacy_*` models): BatchNormalization with scale and offset,
no convolution bias (but FBResNet-152), SE FC layers with bias, so their trainable parameter
counts are equal. ResNet-50, CaffeResNet-101 and the SE-ResNets put the stride of a
downsampling bottleneck on its first 1x1 convolution (the original Caffe layout);
torchvision's ResNet-101/152, FBResNet-152, the ResNeXts, SE-ResNeXts and SENet-154 put it
on the 3x3 (same parameters, more multiply-adds).
Strided convolutions pad symmetrically (ZeroPadding2D + "valid"), as PyTorch does. The
stem's max pooling pads one pixel on each side (as keras.applications ResNet50 and
torchvision do), where the Caffe/Cadene models use `ceil_mode`; the output sizes, parameters
and FLOPs are the same. SE-Inception-v3 lives with the Inception tables
(`convnet_lib.models.inception`).
"""

import dataclasses

import keras
from keras import layers

from convnet_lib._checks import check_bool
from convnet_lib._checks import check_choice
from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models.common import ModelRow
from convnet_lib.models.common import family_input
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import conv_bn
from convnet_lib.models.common import register_family
from convnet_lib.models.common import se_model_name
from convnet_lib.models.se import se_block
from convnet_lib.models.se import se_units

# PyTorch's BatchNorm2d epsilon, the one the ported Caffe models use.
BN_EPSILON = 1e-5

# How much each stem shrinks the input: "imagenet" is a 7x7/2 conv and a 3x3/2 max pool,
# "deep" three 3x3 convs (the first with stride 2) and the max pool, "small" one 3x3 conv.
STEMS = {"imagenet": 4, "deep": 4, "small": 1}


@dataclasses.dataclass(frozen=True, kw_only=True)
class ResNetConfig(ModelRow):
    """One row of RESNET_CONFIGS.

    unit: "bottleneck" (1x1, 3x3, 1x1; 4 * width channels out) or "basic" (two 3x3).
    depths: residual units in each stage.
    widths: width of each stage: its output channels for basic units, its `planes` for
        bottlenecks (64, 128, 256, 512 in ResNet-50).
    bottleneck_widths: (conv1, conv2) widths of a bottleneck as multiples of its planes.
    groups: groups of the bottleneck's 3x3 convolution (cardinality; 1 = plain ResNet).
    stride_on_3x3: where a downsampling bottleneck strides: the 3x3 (True) or the first 1x1.
    stem: a key of `STEMS`.
    stem_width: filters of the stem (the deep stem: stem_width // 2, stem_width // 2,
        stem_width).
    first_stride: stride of the first stage (1 after a pooling stem, 2 after "small").
    shortcut_kernel: kernel of the projection shortcut in stages 2 and later (the first
        stage uses 1x1).
    use_se: an SE block on the residual branch of every unit.
    reduction_ratio: r of every SE block (16 in the paper); unused without SE.
    use_bias: a bias on every convolution (keras.applications.ResNet50 has them).
    dropout_rate: dropout before the classifier.
    """

    unit: str
    depths: tuple
    widths: tuple
    bottleneck_widths: tuple = (1, 1)
    groups: int = 1
    stride_on_3x3: bool = False
    stem: str = "imagenet"
    stem_width: int = 64
    first_stride: int = 1
    shortcut_kernel: int = 1
    use_se: bool = False
    reduction_ratio: float = 16
    use_bias: bool = False
    dropout_rate: float = 0.0

    def __post_init__(self):
        check_choice(self.unit, "unit", ("bottleneck", "basic"))
        widths = check_int_sequence(self.widths, "widths", minimum=1)
        if not widths:
            raise ValueError(f"`widths` must name at least one stage. Received: widths={widths!r}")
        depths = check_int_sequence(self.depths, "depths", minimum=1, length=len(widths))
        bottleneck_widths = check_int_sequence(
            self.bottleneck_widths, "bottleneck_widths", minimum=1, length=2
        )
        for field, value in (("widths", widths), ("depths", depths),
                             ("bottleneck_widths", bottleneck_widths)):
            object.__setattr__(self, field, value)
        check_int(self.groups, "groups", minimum=1)
        check_choice(self.stem, "stem", STEMS)
        check_int(self.stem_width, "stem_width", minimum=1)
        check_choice(self.first_stride, "first_stride", (1, 2))
        check_choice(self.shortcut_kernel, "shortcut_kernel", (1, 3))
        for field in ("stride_on_3x3", "use_se", "use_bias"):
            check_bool(getattr(self, field), field)
        check_float(self.reduction_ratio, "reduction_ratio", minimum=1.0)
        check_float(self.dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)


_WIDTHS = (64, 128, 256, 512)
_RESNET50 = dict(unit="bottleneck", depths=(3, 4, 6, 3), widths=_WIDTHS, input_size=224)
_RESNET101 = dict(unit="bottleneck", depths=(3, 4, 23, 3), widths=_WIDTHS, input_size=224)
_RESNET152 = dict(unit="bottleneck", depths=(3, 8, 36, 3), widths=_WIDTHS, input_size=224)
# ResNeXt "32x4d": 32 groups of 4 channels in the first stage's 3x3 (128 = 2 x planes),
# and "64x4d": 64 groups of 4 (256 = 4 x planes); the stride is on the 3x3.
_32X4D = dict(bottleneck_widths=(2, 2), groups=32, stride_on_3x3=True)
_64X4D = dict(bottleneck_widths=(4, 4), groups=64, stride_on_3x3=True)
_CADENE = "Cadene pretrainedmodels"

RESNET_CONFIGS = {
    # He et al. 2016, original layout (stride on the first 1x1). use_bias=True gives
    # keras.applications.ResNet50 layer for layer.
    "resnet50": ResNetConfig(
        **_RESNET50, reference_params=25_557_032, reference_source="torchvision resnet50",
    ),
    # Hu et al. 2018, Table 1: ResNet-50 with SE in every unit.
    "se_resnet50": ResNetConfig(
        **_RESNET50, use_se=True, reference_params=28_088_024,
        reference_source=f"{_CADENE} se_resnet50",
    ),
    # Cardinality 32, width 4 per group: the 3x3 of a stage-1 unit has 128 channels in 32
    # groups (a grouped Conv2D), doubling every stage.
    "se_resnext50_32x4d": ResNetConfig(
        **_RESNET50, **_32X4D, use_se=True,
        reference_params=27_559_896, reference_source=f"{_CADENE} se_resnext50_32x4d",
    ),
    # Hu et al., appendix, the ILSVRC 2017 winning backbone: an SE-ResNeXt-152 with 64
    # groups, a first 1x1 of 2 * planes and a 3x3 of 4 * planes, a stem of three 3x3
    # convolutions, 3x3 projection shortcuts in stages 2-4 and dropout 0.2.
    "senet154": ResNetConfig(
        unit="bottleneck", depths=(3, 8, 36, 3), widths=(64, 128, 256, 512),
        bottleneck_widths=(2, 4), groups=64, stride_on_3x3=True, stem="deep",
        stem_width=128, shortcut_kernel=3, use_se=True, dropout_rate=0.2, input_size=224,
        reference_params=115_088_984, reference_source=f"{_CADENE} senet154",
    ),
    # --- The other ResNets of Bianco et al. 2018 (arXiv 1810.00736), each in the layout of
    # the PyTorch model they measured. Trainable parameters equal the reference's; so do the
    # multiply-adds of the convolution and dense layers, which depend on where the stride is.
    # He et al. 2016, Table 1: basic units (two 3x3), torchvision's resnet18/34.
    "resnet18": ResNetConfig(
        unit="basic", depths=(2, 2, 2, 2), widths=_WIDTHS, input_size=224,
        reference_params=11_689_512, reference_source="torchvision resnet18",
    ),
    "resnet34": ResNetConfig(
        unit="basic", depths=(3, 4, 6, 3), widths=_WIDTHS, input_size=224,
        reference_params=21_797_672, reference_source="torchvision resnet34",
    ),
    # torchvision's resnet101/152 ("v1.5"): the stride on the 3x3. The resnet50 row above
    # keeps the original stride on the 1x1 (the SENet chapter's baseline): same parameters
    # as torchvision's resnet50, 3.86 instead of 4.09 G multiply-adds.
    "resnet101": ResNetConfig(
        **_RESNET101, stride_on_3x3=True, reference_params=44_549_160,
        reference_source="torchvision resnet101",
    ),
    "resnet152": ResNetConfig(
        **_RESNET152, stride_on_3x3=True, reference_params=60_192_808,
        reference_source="torchvision resnet152",
    ),
    # The Caffe ResNet-101 of He et al. (stride on the 1x1), ported by Cadene.
    "cafferesnet101": ResNetConfig(
        **_RESNET101, reference_params=44_549_160,
        reference_source=f"{_CADENE} cafferesnet101",
    ),
    # Facebook's Torch ResNet-152 (fb.resnet.torch): a bias on every convolution.
    "fbresnet152": ResNetConfig(
        **_RESNET152, stride_on_3x3=True, use_bias=True, reference_params=60_268_520,
        reference_source=f"{_CADENE} fbresnet152",
    ),
    # Xie et al. 2017, the released Torch ResNeXt-101 models.
    "resnext101_32x4d": ResNetConfig(
        **_RESNET101, **_32X4D, reference_params=44_177_704,
        reference_source=f"{_CADENE} resnext101_32x4d",
    ),
    "resnext101_64x4d": ResNetConfig(
        **_RESNET101, **_64X4D, reference_params=83_455_272,
        reference_source=f"{_CADENE} resnext101_64x4d",
    ),
    # The released Caffe SENets (Hu et al.): SE-ResNets stride on the 1x1, SE-ResNeXts on
    # the 3x3, as se_resnet50 and se_resnext50_32x4d above.
    "se_resnet101": ResNetConfig(
        **_RESNET101, use_se=True, reference_params=49_326_872,
        reference_source=f"{_CADENE} se_resnet101",
    ),
    "se_resnet152": ResNetConfig(
        **_RESNET152, use_se=True, reference_params=66_821_848,
        reference_source=f"{_CADENE} se_resnet152",
    ),
    "se_resnext101_32x4d": ResNetConfig(
        **_RESNET101, **_32X4D, use_se=True, reference_params=48_955_416,
        reference_source=f"{_CADENE} se_resnext101_32x4d",
    ),
    # A small SE-ResNet for 32x32 Fashion-MNIST images: a 3x3 stem at full resolution,
    # then three stages that each start with a stride-2 basic unit; r = 8 because these
    # blocks are narrow. 176k parameters and 13.3 MFLOPs per image with SE; use_se=False
    # is the ablation baseline, identical in every other layer.
    "se_resnet_mini": ResNetConfig(
        unit="basic", depths=(1, 1, 1), widths=(24, 48, 96), stem="small", stem_width=16,
        first_stride=2, use_se=True, reduction_ratio=8, dropout_rate=0.2,
        input_size=32, input_channels=1, classes=10,
    ),
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


def basic_unit(
    x, filters, name, strides=1, reduction_ratio=None, shortcut_kernel=1, use_bias=False
):
    """A two-3x3 residual unit (ResNet-18/34 style) with an optional SE block on its branch."""
    if strides != 1 or x.shape[-1] != filters:
        shortcut = padded_conv_bn(
            x, filters, shortcut_kernel, f"{name}_0", strides=strides, activation=None,
            use_bias=use_bias,
        )
    else:
        shortcut = x
    y = padded_conv_bn(x, filters, 3, f"{name}_1", strides=strides, use_bias=use_bias)
    y = padded_conv_bn(y, filters, 3, f"{name}_2", activation=None, use_bias=use_bias)
    if reduction_ratio is not None:
        y = se_block(y, reduction_ratio, name=f"{name}_se")
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def min_input_size(config):
    """The network's total stride: one pixel left after the stem and every stage."""
    return STEMS[config.stem] * config.first_stride * 2 ** (len(config.depths) - 1)


def _stem(x, config):
    """The layers before the first stage; see `STEMS`. The pooling stems are named
    `conv1*` and `pool1_*` as in keras.applications ResNet50, the small one `stem`."""
    if config.stem == "small":
        return padded_conv_bn(x, config.stem_width, 3, "stem", use_bias=config.use_bias)
    if config.stem == "deep":
        half = config.stem_width // 2
        x = padded_conv_bn(x, half, 3, "conv1_1", strides=2, use_bias=config.use_bias)
        x = padded_conv_bn(x, half, 3, "conv1_2", use_bias=config.use_bias)
        x = padded_conv_bn(x, config.stem_width, 3, "conv1_3", use_bias=config.use_bias)
    else:
        x = padded_conv_bn(x, config.stem_width, 7, "conv1", strides=2,
                           use_bias=config.use_bias)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    return layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)


def build_resnet(config, name, include_top, input_shape, pooling, classes,
                 classifier_activation):
    """A ResNet, ResNeXt or their SE variant (Hu et al., arXiv 1709.01507) from a
    `ResNetConfig`; see its docstring for each option.

    Units are named as in keras.applications ResNet50 (`conv2_block1_1_conv`, ...) after
    a pooling stem and `stage1_block1_...` after the small stem; `{unit}_se_*` is the SE
    block. Without SE the model's name loses its "se_" prefix ("resnet_mini").

    `config` is a row of the family's table; the other arguments are those of every
    family builder (see `convnet_lib.models.common.register_family`).
    """
    inputs = family_input(config, name, min_input_size(config), include_top, input_shape,
                          pooling, classes, classifier_activation)
    bottleneck = config.unit == "bottleneck"
    if config.use_se:  # the narrowest SE block: fail before building
        se_units(min(config.widths) * (4 if bottleneck else 1), config.reduction_ratio)
    x = _stem(inputs, config)
    first, prefix = (1, "stage") if config.stem == "small" else (2, "conv")
    for stage, (width, depth) in enumerate(zip(config.widths, config.depths)):
        for unit in range(depth):
            options = dict(
                name=f"{prefix}{stage + first}_block{unit + 1}",
                strides=(config.first_stride if stage == 0 else 2) if unit == 0 else 1,
                reduction_ratio=config.reduction_ratio if config.use_se else None,
                shortcut_kernel=config.shortcut_kernel if stage > 0 else 1,
                use_bias=config.use_bias,
            )
            if bottleneck:
                x = bottleneck_unit(
                    x, width, widths=config.bottleneck_widths, groups=config.groups,
                    stride_on_3x3=config.stride_on_3x3, **options,
                )
            else:
                x = basic_unit(x, width, **options)
    outputs = classification_head(
        x, include_top, pooling, classes, classifier_activation,
        dropout_rate=config.dropout_rate,
    )
    return keras.Model(inputs, outputs, name=se_model_name(name, config.use_se))


register_family(RESNET_CONFIGS, build_resnet, min_input_size)
