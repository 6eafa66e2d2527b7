"""SqueezeNet 1.0 and 1.1: AlexNet accuracy from Fire modules and a convolutional classifier.

Reference:
    Iandola, Han, Moskewicz, Ashraf, Dally, Keutzer, "SqueezeNet: AlexNet-level accuracy
    with 50x fewer parameters and <0.5MB model size", https://arxiv.org/abs/1602.07360
    (Table 1: SqueezeNet 1.0). SqueezeNet 1.1 (a 3x3 stem of 64 filters and earlier
    poolings, 2.4x less computation) is from the authors' repository
    (forresti/SqueezeNet, SqueezeNet_v1.1/README.md).

A Fire module squeezes its input with a 1x1 convolution, then expands it with 1x1 and 3x3
convolutions side by side and concatenates them. There are no fully connected layers: a
1x1 convolution with one filter per class, ReLU and global average pooling end the network.
The layout is torchvision's `squeezenet1_0` / `squeezenet1_1` (biases on every convolution,
dropout 0.5 before the classifier). torchvision's max poolings use `ceil_mode=True`; here
each is a "valid" MaxPooling2D after ZeroPadding2D on the bottom and right only, just
enough for the windows that ceil mode adds. Their inputs come out of a ReLU, so a zero in
the padding never wins the max: the results are the same.
"""

import dataclasses
import math

import keras
from keras import layers

from convnet_lib._checks import check_float
from convnet_lib._checks import check_int_sequence
from convnet_lib.models.alexnet import conv_relu
from convnet_lib.models.common import ModelRow
from convnet_lib.models.common import family_input
from convnet_lib.models.common import register_family


@dataclasses.dataclass(frozen=True, kw_only=True)
class SqueezeNetConfig(ModelRow):
    """One row of SQUEEZENET_CONFIGS.

    stem: (filters, kernel size) of the stride-2 unpadded first convolution.
    fires: (squeeze, expand) filters of each Fire module; expand is the width of each of
        the 1x1 and 3x3 branches, so a module outputs 2 * expand channels.
    pool_after: numbers of the Fire modules (fire2 ... fire9) followed by 3x3/2 max
        pooling; 0 is the stem.
    dropout_rate: dropout before the classifier convolution.
    """

    stem: tuple
    fires: tuple
    pool_after: tuple
    dropout_rate: float = 0.5

    def __post_init__(self):
        object.__setattr__(self, "stem", check_int_sequence(self.stem, "stem", minimum=1,
                                                            length=2))
        if not isinstance(self.fires, (tuple, list)) or not self.fires:
            raise ValueError(
                "`fires` must be a non-empty tuple of (squeeze, expand) pairs. "
                f"Received: fires={self.fires!r}"
            )
        fires = tuple(check_int_sequence(fire, "fires", minimum=1, length=2)
                      for fire in self.fires)
        object.__setattr__(self, "fires", fires)
        pool_after = check_int_sequence(self.pool_after, "pool_after", minimum=0)
        if any(number > len(fires) + 1 or number == 1 for number in pool_after):
            raise ValueError(
                f"`pool_after` must list 0 (the stem) or Fire modules 2 to {len(fires) + 1}. "
                f"Received: pool_after={pool_after!r}"
            )
        object.__setattr__(self, "pool_after", pool_after)
        check_float(self.dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)


# Fire modules are numbered fire2 ... fire9 as in the paper (conv1 is layer 1).
_FIRES = ((16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192), (64, 256), (64, 256))

# Reference counts measured with sum(p.numel() for p in model.parameters()) on
# torchvision 0.29.1 (torch 2.14.1) models built with weights=None.
SQUEEZENET_CONFIGS = {
    # SqueezeNet 1.0: a 7x7 stem of 96 filters, pooling after fire4 and fire8.
    "squeezenet1_0": SqueezeNetConfig(
        stem=(96, 7), fires=_FIRES, pool_after=(0, 4, 8), input_size=224,
        reference_params=1_248_424, reference_source="torchvision squeezenet1_0",
    ),
    # SqueezeNet 1.1: a 3x3 stem of 64 filters, pooling after fire3 and fire5.
    "squeezenet1_1": SqueezeNetConfig(
        stem=(64, 3), fires=_FIRES, pool_after=(0, 3, 5), input_size=224,
        reference_params=1_235_496, reference_source="torchvision squeezenet1_1",
    ),
}


def min_input_size(config):
    """The smallest input that leaves a 1x1 map (21 pixels for 1.0, 17 for 1.1): the
    unpadded stride-2 stem, then ceil-mode 3x3/2 poolings."""

    def last_size(size):
        size = (size - config.stem[1]) // 2 + 1
        for _ in config.pool_after:  # the Fire modules keep the size
            size = math.ceil((size - 3) / 2) + 1 if size >= 2 else 0
        return size

    return next(size for size in range(1, 4097) if last_size(size) >= 1)


def ceil_mode_max_pool(x, name, pool_size=3, strides=2):
    """PyTorch's MaxPool2d(pool_size, strides, ceil_mode=True) for a non-negative input.

    Ceil mode keeps a last, partial window where floor mode drops it. ZeroPadding2D on the
    bottom and right (`{name}_pad`, only when needed) completes that window; for inputs
    that come out of a ReLU a zero never exceeds the window's real maximum.
    """
    pads = []
    for size in (x.shape[1], x.shape[2]):
        outputs = math.ceil((size - pool_size) / strides) + 1
        pads.append((outputs - 1) * strides + pool_size - size)
    if any(pads):
        x = layers.ZeroPadding2D(((0, pads[0]), (0, pads[1])), name=f"{name}_pad")(x)
    return layers.MaxPooling2D(pool_size, strides=strides, name=name)(x)


def fire_module(x, squeeze, expand, name):
    """A Fire module: 1x1 squeeze -> ReLU, then [1x1 expand, 3x3 expand] -> ReLU, concatenated.

    Layers are named `{name}_squeeze`, `{name}_expand1x1`, `{name}_expand3x3` (each with a
    `_relu`) and `{name}` (the concatenation, 2 * expand channels).
    """
    x = conv_relu(x, squeeze, 1, f"{name}_squeeze")
    left = conv_relu(x, expand, 1, f"{name}_expand1x1")
    right = conv_relu(x, expand, 3, f"{name}_expand3x3", padding=1)
    return layers.Concatenate(name=name)([left, right])


def squeezenet_head(x, include_top, pooling, classes, classifier_activation, dropout_rate):
    """SqueezeNet's classifier: dropout, a 1x1 convolution per class, ReLU, global pooling.

    With `include_top=True` the pooled class scores go through `classifier_activation`
    (layer "predictions"); otherwise `pooling` (None, "avg", "max") decides, as in
    keras.applications.
    """
    check_float(dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)
    if include_top:
        x = layers.Dropout(dropout_rate, name="classifier_dropout")(x)
        x = conv_relu(x, classes, 1, "classifier_conv")
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return layers.Activation(classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def build_squeezenet(config, name, include_top, input_shape, pooling, classes,
                     classifier_activation):
    """SqueezeNet (Iandola et al., arXiv 1602.07360) from a `SqueezeNetConfig`,
    torchvision's layout.

    `config` is a row of the family's table; the other arguments are those of every
    family builder (see `convnet_lib.models.common.register_family`).
    """
    inputs = family_input(config, name, min_input_size(config), include_top, input_shape,
                          pooling, classes, classifier_activation)
    filters, kernel_size = config.stem
    x = conv_relu(inputs, filters, kernel_size, "conv1", strides=2)
    if 0 in config.pool_after:
        x = ceil_mode_max_pool(x, "pool1")
    for number, (squeeze, expand) in enumerate(config.fires, start=2):
        x = fire_module(x, squeeze, expand, f"fire{number}")
        if number in config.pool_after:
            x = ceil_mode_max_pool(x, f"fire{number}_pool")
    outputs = squeezenet_head(
        x, include_top, pooling, classes, classifier_activation, config.dropout_rate
    )
    return keras.Model(inputs, outputs, name=name)


SQUEEZENET_BUILDERS = register_family(SQUEEZENET_CONFIGS, build_squeezenet, min_input_size)
