"""Solutions to the checked exercises of notebook 02 (Xception)."""

from keras import layers


def my_separable_conv(x, filters, name):
    """Depthwise 3x3 (one filter per input channel), then a 1x1 conv; no bias, no ReLU."""
    x = layers.DepthwiseConv2D(3, padding="same", use_bias=False, name=f"{name}_depthwise")(x)
    return layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_pointwise")(x)


def my_separable_params(kernel_size, in_channels, filters):
    """Depthwise: kernel_size^2 x in_channels; pointwise: in_channels x filters."""
    return kernel_size * kernel_size * in_channels + in_channels * filters


def my_middle_module(x, filters, name):
    """Three ReLU -> SeparableConv2D -> BN units, plus the identity shortcut (no ReLU after)."""
    shortcut = x
    for unit in range(1, 4):
        x = layers.Activation("relu", name=f"{name}_sepconv{unit}_act")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False,
                                   name=f"{name}_sepconv{unit}")(x)
        x = layers.BatchNormalization(name=f"{name}_sepconv{unit}_bn")(x)
    return layers.Add(name=f"{name}_add")([x, shortcut])
