"""Xception: an Inception whose modules are depthwise separable convolutions.

Reference: François Chollet, "Xception: Deep Learning with Depthwise Separable
Convolutions", CVPR 2017, https://arxiv.org/abs/1610.02357 (architecture: Figure 5).

The network is 36 convolution layers in 14 modules: an entry flow (a two-convolution stem
and three downsampling modules), a middle flow (one module repeated 8 times) and an exit
flow (one downsampling module and two separable convolutions). Every module except the
first and the last has a linear residual connection; every convolution is followed by
batch normalization. Depth and widths are data: each row of `XCEPTION_CONFIGS` is a frozen
`XceptionConfig`, so the ImageNet model and the small Fashion-MNIST variant come from the
same builder, `build_xception`.
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


@dataclasses.dataclass(frozen=True, kw_only=True)
class XceptionConfig(ModelRow):
    """One row of XCEPTION_CONFIGS: the depth and widths of one Xception.

    stem_filters: widths of the two regular 3x3 convolutions of the stem.
    stem_strides: stride of the first stem convolution, 1 or 2.
    stem_padding: "valid" (ImageNet: the stem trims 2 pixels per convolution) or "same"
        (small images: keep every pixel).
    entry_filters: width of each entry-flow module (each halves the resolution).
    middle_repeats: number of middle-flow modules (8 in the paper); they keep the last
        entry width.
    exit_filters: the two widths of the exit-flow downsampling module.
    head_filters: widths of the two separable convolutions that end the network.
    dropout_rate: dropout before the classifier (0 in the paper).
    separable: True for Xception; False replaces every depthwise separable 3x3
        convolution by a regular 3x3 convolution (the controlled comparison of notebook 02).
    """

    stem_filters: tuple
    stem_strides: int
    stem_padding: str
    entry_filters: tuple
    middle_repeats: int
    exit_filters: tuple
    head_filters: tuple
    dropout_rate: float = 0.0
    separable: bool = True

    def __post_init__(self):
        for field, length in (("stem_filters", 2), ("entry_filters", None),
                              ("exit_filters", 2), ("head_filters", 2)):
            value = check_int_sequence(getattr(self, field), field, minimum=1, length=length)
            object.__setattr__(self, field, value)
        if not self.entry_filters:
            raise ValueError(
                "`entry_filters` must name at least one entry module. "
                f"Received: entry_filters={self.entry_filters!r}"
            )
        check_choice(self.stem_strides, "stem_strides", (1, 2))
        check_choice(self.stem_padding, "stem_padding", ("valid", "same"))
        check_int(self.middle_repeats, "middle_repeats", minimum=0)
        check_float(self.dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)
        check_bool(self.separable, "separable")


XCEPTION_CONFIGS = {
    # Chollet 2017, Figure 5, layer for layer keras.applications.Xception; the paper's
    # Table 3 gives its trainable parameters.
    "xception": XceptionConfig(
        stem_filters=(32, 64), stem_strides=2, stem_padding="valid",
        entry_filters=(128, 256, 728), middle_repeats=8,
        exit_filters=(728, 1024), head_filters=(1536, 2048),
        input_size=299, keras_twin="Xception", reference_params=22_855_952,
        reference_source="Xception paper (Chollet 2017), Table 3",
    ),
    # For 32x32 images: a padded stride-2 stem (16x16 after it), two entry modules
    # (8x8, 4x4), three middle modules at 4x4, the exit module (2x2).
    "xception_mini": XceptionConfig(
        stem_filters=(32, 64), stem_strides=2, stem_padding="same",
        entry_filters=(64, 128), middle_repeats=3,
        exit_filters=(128, 256), head_filters=(256, 384),
        input_size=32, input_channels=1, classes=10,
    ),
    # xception_mini with regular 3x3 convolutions instead of depthwise separable ones, its
    # widths cut so that it has about the same number of parameters (notebook 02, 6.1).
    "xception_mini_regular": XceptionConfig(
        stem_filters=(32, 64), stem_strides=2, stem_padding="same",
        entry_filters=(32, 48), middle_repeats=3,
        exit_filters=(48, 80), head_filters=(80, 128), separable=False,
        input_size=32, input_channels=1, classes=10,
    ),
}


def min_input_size(config):
    """The smallest height/width an Xception of `config` accepts.

    The ImageNet stem (stride 2, unpadded) needs 71x71, as keras.applications.Xception
    says; otherwise at least one pixel must be left after every stride-2 step (stem,
    entry and exit modules).
    """
    if config.stem_strides == 2 and config.stem_padding == "valid":
        return 71
    return config.stem_strides * 2 ** (len(config.entry_filters) + 1)


def sepconv_bn(x, filters, name, relu_first=True, separable=True):
    """(ReLU ->) 3x3 SeparableConv2D -> BatchNormalization, the unit every module repeats.

    Layers are named `{name}_act`, `{name}` and `{name}_bn`. The paper puts the ReLU in
    front of each separable convolution (pre-activation) so that the sum of a residual
    module stays linear. `separable=False` uses a regular 3x3 Conv2D instead.
    """
    if relu_first:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    convolution = layers.SeparableConv2D if separable else layers.Conv2D
    x = convolution(filters, 3, padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(name=f"{name}_bn")(x)


def downsampling_module(x, filters, name, relu_first=True, separable=True):
    """Two separable convolutions, 3x3/2 max pooling, plus a strided 1x1 conv shortcut.

    `filters` is (first, second); the shortcut projects to the second width. This is the
    module of the entry flow (`relu_first=False` for the first, which follows the stem's
    ReLU) and of the exit flow.
    """
    first, second = filters
    # The shortcut is built first: keras.applications does, and `transfer_weights` pairs
    # layers in model order.
    shortcut = conv_bn(x, second, 1, strides=2, activation=None, name=f"{name}_shortcut")
    x = sepconv_bn(x, first, name=f"{name}_sepconv1", relu_first=relu_first,
                   separable=separable)
    x = sepconv_bn(x, second, name=f"{name}_sepconv2", separable=separable)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_pool")(x)
    return layers.Add(name=f"{name}_add")([x, shortcut])


def middle_module(x, filters, name, separable=True):
    """Three ReLU-SeparableConv-BN units with an identity shortcut (the middle flow)."""
    shortcut = x
    for unit in range(1, 4):
        x = sepconv_bn(x, filters, name=f"{name}_sepconv{unit}", separable=separable)
    return layers.Add(name=f"{name}_add")([x, shortcut])


def build_xception(config, name, include_top, input_shape, pooling, classes,
                   classifier_activation):
    """Xception (Chollet, 2017, https://arxiv.org/abs/1610.02357) from an `XceptionConfig`.

    With the row "xception" it has the layers of `keras.applications.Xception`, in the
    same order, so `transfer_weights` can copy that model's weights into this one.

    `config` is a row of the family's table; the other arguments are those of every
    family builder (see `convnet_lib.models.common.register_family`).
    """
    inputs = family_input(config, name, min_input_size(config), include_top, input_shape,
                          pooling, classes, classifier_activation)

    # Module 1, the stem: two regular convolutions (with 1 or 3 input channels a
    # separable convolution would save nothing). ImageNet layout: stride 2, unpadded.
    x = conv_bn(inputs, config.stem_filters[0], 3, strides=config.stem_strides,
                padding=config.stem_padding, name="block1_conv1")
    x = conv_bn(x, config.stem_filters[1], 3, padding=config.stem_padding,
                name="block1_conv2")

    # Entry flow: downsampling modules with 1x1 conv shortcuts.
    block = 2
    for index, filters in enumerate(config.entry_filters):
        x = downsampling_module(
            x, (filters, filters), name=f"block{block}", relu_first=index > 0,
            separable=config.separable,
        )
        block += 1
    # Middle flow: identity-shortcut modules at the last entry width.
    for _ in range(config.middle_repeats):
        x = middle_module(x, config.entry_filters[-1], name=f"block{block}",
                          separable=config.separable)
        block += 1
    # Exit flow: one more downsampling module, then two separable convolutions with ReLU
    # after (not before) each, and no shortcut.
    x = downsampling_module(x, config.exit_filters, name=f"block{block}",
                            separable=config.separable)
    block += 1
    for unit, filters in enumerate(config.head_filters, start=1):
        x = sepconv_bn(x, filters, name=f"block{block}_sepconv{unit}", relu_first=False,
                       separable=config.separable)
        x = layers.Activation("relu", name=f"block{block}_sepconv{unit}_act")(x)

    outputs = classification_head(
        x, include_top, pooling, classes, classifier_activation,
        dropout_rate=config.dropout_rate,
    )
    return keras.Model(inputs, outputs, name=name)


register_family(XCEPTION_CONFIGS, build_xception, min_input_size)
