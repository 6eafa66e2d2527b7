"""VGG-11/13/16/19, with and without batch normalization (torchvision's layouts).

Reference:
    Simonyan, Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
    Recognition", ICLR 2015, https://arxiv.org/abs/1409.1556 (configurations A, B, D, E of
    Table 1 are VGG-11, 13, 16, 19).

Five stages of 3x3 convolutions (64, 128, 256, 512, 512 filters, biases on every
convolution), each stage ending in 2x2/2 max pooling, then the 7x7x512 map flattened into
two 4096-unit fully connected layers with dropout and the classifier. The `_bn` variants
put BatchNormalization (epsilon 1e-5, PyTorch's) between each convolution and its ReLU, and
keep the convolution's bias, as torchvision does. Depth is data: `VGG_CONFIGS` lists the
convolutions per stage of every registered variant. The fully connected head is AlexNet's
(`convnet_lib.models.alexnet.fully_connected_head`), dropout placed after each hidden layer.
"""

import dataclasses

import keras
from keras import layers

from convnet_lib._checks import check_bool
from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models.alexnet import conv_relu
from convnet_lib.models.alexnet import fully_connected_head
from convnet_lib.models.common import ModelRow
from convnet_lib.models.common import family_input
from convnet_lib.models.common import register_family

# PyTorch's BatchNorm2d epsilon.
BN_EPSILON = 1e-5
STAGE_WIDTHS = (64, 128, 256, 512, 512)


@dataclasses.dataclass(frozen=True, kw_only=True)
class VGGConfig(ModelRow):
    """One row of VGG_CONFIGS.

    convs_per_stage: 3x3 convolutions in each of the five stages.
    batch_norm: BatchNormalization between each convolution and its ReLU.
    fc_units: units of the two hidden fully connected layers.
    dropout_rate: dropout after each hidden fully connected layer.
    """

    convs_per_stage: tuple
    batch_norm: bool
    fc_units: int = 4096
    dropout_rate: float = 0.5

    def __post_init__(self):
        convs = check_int_sequence(self.convs_per_stage, "convs_per_stage", minimum=1,
                                   length=len(STAGE_WIDTHS))
        object.__setattr__(self, "convs_per_stage", convs)
        check_bool(self.batch_norm, "batch_norm")
        check_int(self.fc_units, "fc_units", minimum=1)
        check_float(self.dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)


def _vgg_row(convs_per_stage, batch_norm, reference_params, name):
    # Reference counts measured with sum(p.numel() for p in model.parameters()) on
    # torchvision 0.29.1 (torch 2.14.1) models built with weights=None.
    return VGGConfig(convs_per_stage=convs_per_stage, batch_norm=batch_norm, input_size=224,
                     reference_params=reference_params, reference_source=f"torchvision {name}")


_DEPTHS = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
_REFERENCE_PARAMS = {  # (without, with batch normalization)
    11: (132_863_336, 132_868_840),
    13: (133_047_848, 133_053_736),
    16: (138_357_544, 138_365_992),
    19: (143_667_240, 143_678_248),
}
VGG_CONFIGS = {
    name: _vgg_row(_DEPTHS[depth], batch_norm, _REFERENCE_PARAMS[depth][batch_norm], name)
    for depth in _DEPTHS
    for batch_norm, name in ((False, f"vgg{depth}"), (True, f"vgg{depth}_bn"))
}


def min_input_size(config):
    """Five 2x2/2 poolings: 32 pixels leave a 1x1 map."""
    return 2 ** len(config.convs_per_stage)


def vgg_conv(x, filters, name, batch_norm):
    """3x3 "same" Conv2D with bias (-> BatchNormalization) -> ReLU.

    Layers are named `{name}`, `{name}_bn` and `{name}_relu`.
    """
    if not batch_norm:
        return conv_relu(x, filters, 3, name, padding=1)
    x = layers.Conv2D(filters, 3, padding="same", name=name)(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def vgg_stage(x, filters, convs, name, batch_norm):
    """`convs` 3x3 convolutions of `filters` filters, then 2x2/2 max pooling (`{name}_pool`)."""
    for index in range(1, convs + 1):
        x = vgg_conv(x, filters, f"{name}_conv{index}", batch_norm)
    return layers.MaxPooling2D(2, strides=2, name=f"{name}_pool")(x)


def build_vgg(config, name, include_top, input_shape, pooling, classes,
              classifier_activation):
    """VGG (Simonyan and Zisserman, arXiv 1409.1556) from a `VGGConfig`, torchvision's
    layout.

    `config` is a row of the family's table; the other arguments are those of every
    family builder (see `convnet_lib.models.common.register_family`).
    """
    inputs = family_input(config, name, min_input_size(config), include_top, input_shape,
                          pooling, classes, classifier_activation)
    x = inputs
    for stage, (filters, convs) in enumerate(zip(STAGE_WIDTHS, config.convs_per_stage), 1):
        x = vgg_stage(x, filters, convs, f"block{stage}", config.batch_norm)
    outputs = fully_connected_head(
        x, include_top, pooling, classes, classifier_activation,
        feature_size=7, fc_units=config.fc_units, dropout_rate=config.dropout_rate,
        dropout_first=False, input_shape=input_shape, model_name=name,
    )
    return keras.Model(inputs, outputs, name=name)


VGG_BUILDERS = register_family(VGG_CONFIGS, build_vgg, min_input_size)
