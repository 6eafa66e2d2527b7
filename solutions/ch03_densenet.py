"""Solutions to the checked exercises of notebook 03 (DenseNet)."""

from keras import layers

# keras.applications.DenseNet's BatchNormalization epsilon.
BN_EPSILON = 1.001e-5


def my_dense_block(x, num_layers, growth_rate, name):
    """num_layers x (BN -> ReLU -> 3x3 conv), each output concatenated onto its input."""
    for index in range(1, num_layers + 1):
        y = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_{index}_bn")(x)
        y = layers.Activation("relu", name=f"{name}_{index}_relu")(y)
        y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                          name=f"{name}_{index}_conv")(y)
        x = layers.Concatenate(name=f"{name}_{index}_concat")([x, y])
    return x


def my_transition_layer(x, compression, name):
    """BN -> ReLU -> 1x1 conv keeping int(C x compression) channels -> 2x2 average pool."""
    channels = int(x.shape[-1] * compression)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(channels, 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def my_block_channels(in_channels, num_layers, growth_rate):
    """Every layer adds growth_rate channels: C + n k."""
    return in_channels + num_layers * growth_rate
