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

from convnet_lib.models._registry import register_model
from convnet_lib.models.alexnet import conv_relu
from convnet_lib.models.alexnet import fully_connected_head
from convnet_lib.models.common import model_input
from convnet_lib.models.common import validate_head_arguments
from convnet_lib.models.common import validate_input_shape

# PyTorch's BatchNorm2d epsilon.
BN_EPSILON = 1e-5
STAGE_WIDTHS = (64, 128, 256, 512, 512)


@dataclasses.dataclass(frozen=True, kw_only=True)
class VGGConfig:
    """One row of VGG_CONFIGS.

    convs_per_stage: 3x3 convolutions in each of the five stages.
    batch_norm: BatchNormalization between each convolution and its ReLU.
    reference_params: trainable parameters of torchvision's model at 1000 classes.
    """

    convs_per_stage: tuple
    batch_norm: bool
    reference_params: int
    fc_units: int = 4096
    dropout_rate: float = 0.5


# Reference counts measured with sum(p.numel() for p in model.parameters()) on
# torchvision 0.29.1 (torch 2.14.1) models built with weights=None.
VGG_CONFIGS = {
    "vgg11": VGGConfig(convs_per_stage=(1, 1, 2, 2, 2), batch_norm=False,
                       reference_params=132_863_336),
    "vgg11_bn": VGGConfig(convs_per_stage=(1, 1, 2, 2, 2), batch_norm=True,
                          reference_params=132_868_840),
    "vgg13": VGGConfig(convs_per_stage=(2, 2, 2, 2, 2), batch_norm=False,
                       reference_params=133_047_848),
    "vgg13_bn": VGGConfig(convs_per_stage=(2, 2, 2, 2, 2), batch_norm=True,
                          reference_params=133_053_736),
    "vgg16": VGGConfig(convs_per_stage=(2, 2, 3, 3, 3), batch_norm=False,
                       reference_params=138_357_544),
    "vgg16_bn": VGGConfig(convs_per_stage=(2, 2, 3, 3, 3), batch_norm=True,
                          reference_params=138_365_992),
    "vgg19": VGGConfig(convs_per_stage=(2, 2, 4, 4, 4), batch_norm=False,
                       reference_params=143_667_240),
    "vgg19_bn": VGGConfig(convs_per_stage=(2, 2, 4, 4, 4), batch_norm=True,
                          reference_params=143_678_248),
}

# Five 2x2/2 poolings: 32 pixels leave a 1x1 map.
MIN_INPUT_SIZE = 32


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


def _vgg(config, model_name, include_top, input_shape, pooling, classes,
         classifier_activation):
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    input_shape = validate_input_shape(
        input_shape, default_size=224, min_size=MIN_INPUT_SIZE, model_name=model_name
    )
    inputs = model_input(input_shape)
    x = inputs
    for stage, (filters, convs) in enumerate(zip(STAGE_WIDTHS, config.convs_per_stage), 1):
        x = vgg_stage(x, filters, convs, f"block{stage}", config.batch_norm)
    outputs = fully_connected_head(
        x, include_top, pooling, classes, classifier_activation,
        feature_size=7, fc_units=config.fc_units, dropout_rate=config.dropout_rate,
        dropout_first=False, input_shape=input_shape, model_name=model_name,
    )
    return keras.Model(inputs, outputs, name=model_name)


def _register(model_name, config):
    """Makes, documents and registers the builder of one row of VGG_CONFIGS."""
    depth = sum(config.convs_per_stage) + 3

    def builder(
        include_top=True,
        input_shape=None,
        pooling=None,
        classes=1000,
        classifier_activation="softmax",
    ):
        return _vgg(config, model_name, include_top, input_shape, pooling, classes,
                    classifier_activation)

    builder.__name__ = builder.__qualname__ = model_name
    builder.__doc__ = (
        f"VGG-{depth}{' with batch normalization' if config.batch_norm else ''} "
        "(Simonyan & Zisserman, arXiv 1409.1556), torchvision's layout.\n\n"
        f"    Convolutions per stage: {config.convs_per_stage}.\n\n"
        "    Args:\n"
        "        include_top, input_shape, pooling, classes, classifier_activation: as in\n"
        "            keras.applications (default input 224x224x3, at least 32x32). With\n"
        "            `include_top=True` the last map must be 7x7 or a multiple of it\n"
        "            (inputs of 224 to 255 pixels give 7x7).\n"
    )
    return register_model(
        model_name,
        input_size=224,
        min_input_size=MIN_INPUT_SIZE,
        reference_params=config.reference_params,
        reference_source=f"torchvision {model_name}",
    )(builder)


vgg11 = _register("vgg11", VGG_CONFIGS["vgg11"])
vgg11_bn = _register("vgg11_bn", VGG_CONFIGS["vgg11_bn"])
vgg13 = _register("vgg13", VGG_CONFIGS["vgg13"])
vgg13_bn = _register("vgg13_bn", VGG_CONFIGS["vgg13_bn"])
vgg16 = _register("vgg16", VGG_CONFIGS["vgg16"])
vgg16_bn = _register("vgg16_bn", VGG_CONFIGS["vgg16_bn"])
vgg19 = _register("vgg19", VGG_CONFIGS["vgg19"])
vgg19_bn = _register("vgg19_bn", VGG_CONFIGS["vgg19_bn"])
