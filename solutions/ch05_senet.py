"""Solutions to the checked exercises of notebook 05 (SENet)."""

from keras import layers


def my_se_block(x, reduction_ratio, name):
    """Squeeze (average), excite (Dense-ReLU-Dense-sigmoid), rescale x channel by channel."""
    channels = x.shape[-1]
    s = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_squeeze")(x)
    s = layers.Dense(channels // reduction_ratio, activation="relu", name=f"{name}_reduce")(s)
    s = layers.Dense(channels, activation="sigmoid", name=f"{name}_expand")(s)
    return layers.Multiply(name=f"{name}_scale")([x, s])


def my_se_params(channels, reduction_ratio):
    """Two Dense layers with biases: C -> C // r -> C."""
    units = channels // reduction_ratio
    return (channels * units + units) + (units * channels + channels)


def my_se_flops(height, width, channels, reduction_ratio):
    """Pooling reads H W C elements, the Dense layers do 2 x in x out + bias, the multiply
    touches H W C elements; ReLU and sigmoid count 0 in convnet_lib.complexity."""
    units = channels // reduction_ratio
    elements = height * width * channels
    dense = (2 * channels * units + units) + (2 * units * channels + channels)
    return elements + dense + elements
