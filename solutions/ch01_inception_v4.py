"""Solutions to the checked exercises of notebook 01 (Inception-v4)."""

from keras import layers

from convnet_lib.models import inception


def my_branch_params(in_channels, steps):
    """Each conv-BN-ReLU unit: kh x kw x channels x filters weights (no bias) + 4 x filters
    for BatchNormalization (gamma, beta, moving mean, moving variance); pools: none."""
    total, channels = 0, in_channels
    for step in steps:
        if isinstance(step, str):  # "avg" or "max" pooling keeps the channels
            continue
        filters, kernel_size = step[0], step[1]
        if isinstance(kernel_size, int):
            kernel_size = (kernel_size, kernel_size)
        total += kernel_size[0] * kernel_size[1] * channels * filters + 4 * filters
        channels = filters
    return total


def my_inception_module(x, branches, name):
    """Every branch on the same input, outputs stacked on the channel axis."""
    outputs = [
        inception.inception_branch(x, steps, f"{name}_branch{index}")
        for index, steps in enumerate(branches)
    ]
    return layers.Concatenate(axis=-1, name=f"{name}_concat")(outputs)


def my_residual_block(x, branches, scale, name):
    """relu(x + scale * linear_1x1(concatenated branches))."""
    mixed = inception.inception_module(x, branches, f"{name}_mixed", bn_scale=False)
    residual = layers.Conv2D(x.shape[-1], 1, use_bias=True, name=f"{name}_conv")(mixed)
    residual = layers.Rescaling(scale, name=f"{name}_scale")(residual)
    x = layers.Add(name=f"{name}_add")([x, residual])
    return layers.Activation("relu", name=f"{name}_relu")(x)
