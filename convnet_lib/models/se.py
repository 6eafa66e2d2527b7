"""The Squeeze-and-Excitation (SE) block, one reusable piece for every SE model.

Reference:
    Hu, Shen, Albanie, Sun, Wu, "Squeeze-and-Excitation Networks", CVPR 2018 / TPAMI 2019,
    https://arxiv.org/abs/1709.01507

Given a feature map U with C channels, the block
    1. squeezes: z = global average of U over height and width (one number per channel),
    2. excites:  s = sigmoid(W2 relu(W1 z + b1) + b2), with W1 of shape (C, C // r) and
       W2 of shape (C // r, C), r the reduction ratio (16 in the paper),
    3. rescales: output = U * s, each channel multiplied by its own weight in (0, 1).

Layers are named `{name}_squeeze`, `{name}_reduce`, `{name}_relu`, `{name}_expand`,
`{name}_sigmoid` and `{name}_scale`. The `{name}_sigmoid` layer outputs the excitation
values s (shape (batch, 1, 1, C)); `excitation_layer_names(model)` finds them all.
"""

import keras
from keras import layers

from convnet_lib._checks import check_float

#: Suffix of the layer that outputs the excitation values of an SE block.
EXCITATION_SUFFIX = "_sigmoid"


def se_units(channels, reduction_ratio):
    """Returns C // r, the width of the bottleneck FC layer, or raises ValueError.

    `reduction_ratio` must be a number >= 1 and leave at least one unit.
    """
    reduction_ratio = check_float(reduction_ratio, "reduction_ratio", minimum=1.0)
    units = int(channels // reduction_ratio)
    if units < 1:
        raise ValueError(
            f"`reduction_ratio` leaves no unit in the SE bottleneck: {channels} channels "
            f"// {reduction_ratio:g} = {units}. Use a ratio <= {channels}. "
            f"Received: reduction_ratio={reduction_ratio!r}"
        )
    return units


def se_block(x, reduction_ratio=16, name="se"):
    """Squeeze-and-Excitation block (Hu et al., arXiv 1709.01507): rescales the channels of `x`.

    Args:
        x: a 4D tensor (batch, height, width, channels).
        reduction_ratio: r, the FC bottleneck has channels // r units (16 in the paper).
            Must be >= 1 and leave at least one unit, else ValueError.
        name: prefix of the block's layer names (must be unique in the model).

    Returns:
        A tensor of the same shape as `x`.
    """
    if len(x.shape) != 4 or x.shape[-1] is None:
        raise ValueError(
            "`x` must be a 4D tensor (batch, height, width, channels) with a known number "
            f"of channels. Received: x with shape {tuple(x.shape)}"
        )
    channels = int(x.shape[-1])
    units = se_units(channels, reduction_ratio)
    s = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_squeeze")(x)
    s = layers.Dense(units, name=f"{name}_reduce")(s)
    s = layers.Activation("relu", name=f"{name}_relu")(s)
    s = layers.Dense(channels, name=f"{name}_expand")(s)
    s = layers.Activation("sigmoid", name=f"{name}{EXCITATION_SUFFIX}")(s)
    return layers.Multiply(name=f"{name}_scale")([x, s])


def excitation_layer_names(model):
    """Names of the layers of `model` that output SE excitation values, in model order."""
    if not isinstance(model, keras.Model):
        raise ValueError(f"`model` must be a keras.Model. Received: model={model!r}")
    names = {layer.name for layer in model.layers}
    return [
        layer.name
        for layer in model.layers
        if isinstance(layer, layers.Activation)
        and layer.name.endswith(EXCITATION_SUFFIX)
        and f"{layer.name[: -len(EXCITATION_SUFFIX)]}_scale" in names
    ]


def excitation_model(model):
    """A Keras model with the same input as `model` that outputs every excitation vector.

    The outputs are a list, one (batch, channels) array per SE block, in model order.
    """
    names = excitation_layer_names(model)
    if not names:
        raise ValueError(f"`model` {model.name!r} has no SE blocks (no '*_sigmoid' layers).")
    outputs = [
        layers.Flatten(name=f"{layer_name}_values")(model.get_layer(layer_name).output)
        for layer_name in names
    ]
    return keras.Model(model.input, outputs, name=f"{model.name}_excitations")
