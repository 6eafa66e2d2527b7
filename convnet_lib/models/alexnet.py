"""AlexNet, and the fully connected head that AlexNet and VGG share.

Reference:
    Krizhevsky, Sutskever, Hinton, "ImageNet Classification with Deep Convolutional Neural
    Networks", NeurIPS 2012; the single-tower variant of Krizhevsky, "One weird trick for
    parallelizing convolutional neural networks", https://arxiv.org/abs/1404.5997

The layout is torchvision's `alexnet` (64-192-384-256-256 filters, no local response
normalization, no grouped convolutions), which Bianco et al. 2018 (arXiv 1810.00736) chart:
five convolutions with biases and ReLU, three 3x3/2 max poolings, then a 6x6x256 feature map
flattened into two 4096-unit fully connected layers with dropout and the classifier.
torchvision puts an adaptive average pooling to 6x6 before the flatten. At 224x224 the map
is already 6x6, so that pooling does nothing; here an input whose map is a multiple of 6
(k * 6) is average-pooled with a k x k window (what the adaptive pooling computes then),
and any other size raises a ValueError when `include_top=True`.
PyTorch pads a strided convolution symmetrically: ZeroPadding2D and "valid" padding here.
"""

import dataclasses

import keras
from keras import layers

from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models.common import ModelRow
from convnet_lib.models.common import family_input
from convnet_lib.models.common import register_family


@dataclasses.dataclass(frozen=True, kw_only=True)
class AlexNetConfig(ModelRow):
    """One row of ALEXNET_CONFIGS.

    convs: (filters, kernel size, stride, padding) of each convolution, in order.
    pool_after: 1-based indices of the convolutions followed by 3x3/2 max pooling.
    feature_size: height = width of the map the fully connected head expects.
    fc_units: units of the two hidden fully connected layers.
    dropout_rate: dropout before each hidden fully connected layer.
    """

    convs: tuple
    pool_after: tuple
    feature_size: int = 6
    fc_units: int = 4096
    dropout_rate: float = 0.5

    def __post_init__(self):
        if not isinstance(self.convs, (tuple, list)) or not self.convs:
            raise ValueError(
                "`convs` must be a non-empty tuple of (filters, kernel size, stride, padding). "
                f"Received: convs={self.convs!r}"
            )
        convs = tuple(check_int_sequence(conv, "convs", minimum=0, length=4)
                      for conv in self.convs)
        if any(min(conv[:3]) < 1 for conv in convs):
            raise ValueError(
                f"`convs`: filters, kernel size and stride must be >= 1. Received: convs={convs!r}"
            )
        object.__setattr__(self, "convs", convs)
        pool_after = check_int_sequence(self.pool_after, "pool_after", minimum=1)
        if any(index > len(convs) for index in pool_after):
            raise ValueError(
                f"`pool_after` names a convolution beyond the {len(convs)} of `convs`. "
                f"Received: pool_after={pool_after!r}"
            )
        object.__setattr__(self, "pool_after", pool_after)
        check_int(self.feature_size, "feature_size", minimum=1)
        check_int(self.fc_units, "fc_units", minimum=1)
        check_float(self.dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)


# The reference count was measured with sum(p.numel() for p in model.parameters())
# (torch 2.14.1, torchvision 0.29.1) at 1000 classes.
ALEXNET_CONFIGS = {
    "alexnet": AlexNetConfig(
        convs=((64, 11, 4, 2), (192, 5, 1, 2), (384, 3, 1, 1), (256, 3, 1, 1), (256, 3, 1, 1)),
        pool_after=(1, 2, 5),
        input_size=224,
        reference_params=61_100_840,
        reference_source="torchvision alexnet",
    ),
}


def min_input_size(config):
    """The smallest input that leaves a 1x1 map after the last pooling (63 for AlexNet)."""

    def last_size(size):
        for index, (_, kernel_size, strides, padding) in enumerate(config.convs, start=1):
            size = (size + 2 * padding - kernel_size) // strides + 1
            if size >= 1 and index in config.pool_after:
                size = (size - 3) // 2 + 1
            if size < 1:
                return 0
        return size

    return next(size for size in range(1, 4097) if last_size(size) >= 1)


def conv_relu(x, filters, kernel_size, name, strides=1, padding=0):
    """Conv2D (with bias) -> ReLU, padded as PyTorch's `Conv2d(..., padding=padding)`.

    A stride-1 convolution whose padding keeps the size (2 * padding = kernel - 1) uses
    "same"; any other padding is an explicit symmetric ZeroPadding2D (`{name}_pad`) followed
    by a "valid" convolution. Layers are named `{name}` and `{name}_relu`.
    """
    if strides == 1 and 2 * padding == kernel_size - 1:
        conv_padding = "same"
    else:
        if padding:
            x = layers.ZeroPadding2D(padding, name=f"{name}_pad")(x)
        conv_padding = "valid"
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=conv_padding, name=name)(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def adaptive_average_pool(x, size, input_shape, model_name):
    """torchvision's AdaptiveAvgPool2d((size, size)) where it is a plain pooling.

    A map of k * size pixels per side is average-pooled with a k x k window and stride k,
    which is what the adaptive pooling computes; a map of `size` is left as it is. Other
    sizes raise a ValueError naming `input_shape`.
    """
    height, width = x.shape[1], x.shape[2]
    if height != width or height % size:
        raise ValueError(
            f"With include_top=True, {model_name} needs a square feature map of a multiple "
            f"of {size}x{size} pixels before its fully connected layers, but this input "
            f"gives {height}x{width}. Use the default input size, or include_top=False. "
            f"Received: input_shape={tuple(input_shape)!r}"
        )
    if height == size:
        return x
    factor = height // size
    return layers.AveragePooling2D(factor, name="adaptive_avg_pool")(x)


def fully_connected_head(
    x,
    include_top,
    pooling,
    classes,
    classifier_activation,
    feature_size,
    fc_units,
    dropout_rate,
    dropout_first,
    input_shape,
    model_name,
):
    """The head of AlexNet and VGG: flatten, two hidden Dense + ReLU layers, the classifier.

    `dropout_first=True` is AlexNet's order (dropout before each hidden layer),
    `dropout_first=False` VGG's (dropout after each hidden layer's ReLU). Hidden layers are
    named "fc1" and "fc2", the classifier "predictions". With `include_top=False`,
    `pooling` (None, "avg" or "max") decides what is returned, as in keras.applications.
    """
    check_int(fc_units, "fc_units", minimum=1)
    check_float(dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)
    if not include_top:
        if pooling == "avg":
            return layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if pooling == "max":
            return layers.GlobalMaxPooling2D(name="max_pool")(x)
        return x
    x = adaptive_average_pool(x, feature_size, input_shape, model_name)
    x = layers.Flatten(name="flatten")(x)
    for index in (1, 2):
        if dropout_first:
            x = layers.Dropout(dropout_rate, name=f"fc{index}_dropout")(x)
        x = layers.Dense(fc_units, activation="relu", name=f"fc{index}")(x)
        if not dropout_first:
            x = layers.Dropout(dropout_rate, name=f"fc{index}_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


def build_alexnet(config, name, include_top, input_shape, pooling, classes,
                  classifier_activation):
    """AlexNet (Krizhevsky et al. 2012; arXiv 1404.5997) from an `AlexNetConfig`,
    torchvision's single-tower layout.

    `config` is a row of the family's table; the other arguments are those of every
    family builder (see `convnet_lib.models.common.register_family`).
    With `include_top=True` the last feature map must be `feature_size` (6x6) or a
    multiple of it (inputs of 224 to 254 pixels give 6x6).
    """
    inputs = family_input(config, name, min_input_size(config), include_top, input_shape,
                          pooling, classes, classifier_activation)
    x = inputs
    for index, (filters, kernel_size, strides, padding) in enumerate(config.convs, start=1):
        x = conv_relu(x, filters, kernel_size, f"conv{index}", strides=strides, padding=padding)
        if index in config.pool_after:
            x = layers.MaxPooling2D(3, strides=2, name=f"pool{index}")(x)
    outputs = fully_connected_head(
        x, include_top, pooling, classes, classifier_activation,
        feature_size=config.feature_size, fc_units=config.fc_units,
        dropout_rate=config.dropout_rate, dropout_first=True,
        input_shape=input_shape, model_name=name,
    )
    return keras.Model(inputs, outputs, name=name)


ALEXNET_BUILDERS = register_family(ALEXNET_CONFIGS, build_alexnet, min_input_size)
