"""Pieces every model builder shares: the input-shape validator, conv-BN-activation, the head.

These follow the keras.applications API so that every model in the registry is called the
same way: `include_top`, `input_shape`, `pooling`, `classes`, `classifier_activation`.
"""

import keras
from keras import layers

from convnet_lib._checks import check_bool
from convnet_lib._checks import check_choice
from convnet_lib._checks import check_float
from convnet_lib._checks import check_int

POOLING_CHOICES = (None, "avg", "max")


def validate_input_shape(input_shape, default_size, min_size, model_name):
    """Checks `input_shape` (height, width, channels) and returns it as a tuple of ints.

    `None` means the model's default: (default_size, default_size, 3). Height and width
    must be at least `min_size`, the smallest input whose feature maps do not shrink to
    nothing before the last stage; channels must be at least 1.
    """
    if input_shape is None:
        return (default_size, default_size, 3)
    if (
        not isinstance(input_shape, (tuple, list))
        or len(input_shape) != 3
        or any(isinstance(d, bool) or not isinstance(d, int) for d in input_shape)
    ):
        raise ValueError(
            f"`input_shape` of {model_name} must be a tuple of three integers "
            f"(height, width, channels). Received: input_shape={input_shape!r}"
        )
    height, width, channels = input_shape
    if height < min_size or width < min_size:
        raise ValueError(
            f"{model_name} needs inputs of at least {min_size}x{min_size} pixels "
            f"(its default is {default_size}x{default_size}). "
            f"Received: input_shape={tuple(input_shape)!r}"
        )
    if channels < 1:
        raise ValueError(
            f"`input_shape` must have at least one channel. "
            f"Received: input_shape={tuple(input_shape)!r}"
        )
    return tuple(input_shape)


def validate_head_arguments(include_top, pooling, classes, classifier_activation):
    """Checks the four head arguments shared by every builder."""
    check_bool(include_top, "include_top")
    check_choice(pooling, "pooling", POOLING_CHOICES)
    check_int(classes, "classes", minimum=1)
    if classifier_activation is not None and not (
        isinstance(classifier_activation, str) or callable(classifier_activation)
    ):
        raise ValueError(
            "`classifier_activation` must be None, a string such as 'softmax', or a "
            f"callable. Received: classifier_activation={classifier_activation!r}"
        )


def model_input(input_shape, name="input_layer"):
    """Returns the `keras.Input` of a model; one place so every model names it alike."""
    return keras.Input(shape=input_shape, name=name)


def conv_bn(
    x,
    filters,
    kernel_size,
    name,
    strides=1,
    padding="same",
    activation="relu",
    use_bias=False,
    bn_scale=True,
    bn_epsilon=1e-3,
    groups=1,
):
    """Conv2D -> BatchNormalization -> activation, the unit most models here repeat.

    Layers are named `{name}_conv`, `{name}_bn` and `{name}_{activation}`; pass
    `activation=None` for a linear unit (e.g. the projection before a residual addition).
    """
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=use_bias,
        groups=groups,
        name=f"{name}_conv",
    )(x)
    x = layers.BatchNormalization(scale=bn_scale, epsilon=bn_epsilon, name=f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_{activation}")(x)
    return x


def classification_head(
    x, include_top, pooling, classes, classifier_activation, dropout_rate=0.0
):
    """The end of every model: global pooling and, with `include_top`, a Dense classifier.

    With `include_top=True`: global average pooling ("avg_pool"), optional dropout, and
    Dense(classes) named "predictions". Otherwise `pooling` decides: None keeps the 4D
    feature map, "avg" or "max" pool it to a vector.
    """
    check_float(dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="dropout")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x
