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
from convnet_lib.models._registry import register_model
from convnet_lib.models.common import model_input
from convnet_lib.models.common import validate_head_arguments
from convnet_lib.models.common import validate_input_shape


@dataclasses.dataclass(frozen=True, kw_only=True)
class AlexNetConfig:
    """One row of ALEXNET_CONFIGS.

    convs: (filters, kernel size, stride, padding) of each convolution, in order.
    pool_after: 1-based indices of the convolutions followed by 3x3/2 max pooling.
    feature_size: height = width of the map the fully connected head expects.
    fc_units: units of the two hidden fully connected layers.
    dropout_rate: dropout before each hidden fully connected layer.
    min_input_size: the smallest input that leaves a 1x1 map after the last pooling.
    """

    convs: tuple
    pool_after: tuple
    feature_size: int
    fc_units: int
    dropout_rate: float
    min_input_size: int


ALEXNET_CONFIGS = {
    "alexnet": AlexNetConfig(
        convs=((64, 11, 4, 2), (192, 5, 1, 2), (384, 3, 1, 1), (256, 3, 1, 1), (256, 3, 1, 1)),
        pool_after=(1, 2, 5),
        feature_size=6,
        fc_units=4096,
        dropout_rate=0.5,
        min_input_size=63,
    ),
}

# Exact trainable parameters of the reference at 1000 classes, measured with
# sum(p.numel() for p in model.parameters()) (torch 2.14.1, torchvision 0.29.1).
REFERENCE_PARAMS = {"alexnet": 61_100_840}


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


def _alexnet(config, model_name, include_top, input_shape, pooling, classes,
             classifier_activation):
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    input_shape = validate_input_shape(
        input_shape, default_size=224, min_size=config.min_input_size, model_name=model_name
    )
    inputs = model_input(input_shape)
    x = inputs
    for index, (filters, kernel_size, strides, padding) in enumerate(config.convs, start=1):
        x = conv_relu(x, filters, kernel_size, f"conv{index}", strides=strides, padding=padding)
        if index in config.pool_after:
            x = layers.MaxPooling2D(3, strides=2, name=f"pool{index}")(x)
    outputs = fully_connected_head(
        x, include_top, pooling, classes, classifier_activation,
        feature_size=config.feature_size, fc_units=config.fc_units,
        dropout_rate=config.dropout_rate, dropout_first=True,
        input_shape=input_shape, model_name=model_name,
    )
    return keras.Model(inputs, outputs, name=model_name)


@register_model(
    "alexnet",
    input_size=224,
    min_input_size=ALEXNET_CONFIGS["alexnet"].min_input_size,
    reference_params=REFERENCE_PARAMS["alexnet"],
    reference_source="torchvision alexnet",
)
def alexnet(
    include_top=True,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
):
    """AlexNet (Krizhevsky et al. 2012; arXiv 1404.5997), torchvision's single-tower layout.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications (default input 224x224x3, at least 63x63). With
            `include_top=True` the last feature map must be 6x6 or a multiple of it
            (inputs of 224 to 254 pixels give 6x6).
    """
    return _alexnet(
        ALEXNET_CONFIGS["alexnet"], "alexnet", include_top, input_shape, pooling, classes,
        classifier_activation,
    )
