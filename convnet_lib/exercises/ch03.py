"""Checks for the exercises of notebook 03 (DenseNet): a dense block, a transition layer
with compression, and the channel count C + n k.

    >>> from convnet_lib.exercises import ch03 as check
    >>> check.dense_block(my_dense_block)
"""

import numpy as np
from keras import layers

from convnet_lib.exercises._report import StopCheck
from convnet_lib.exercises._report import check_formula
from convnet_lib.exercises._report import compare_block
from convnet_lib.exercises._report import exercise
from convnet_lib.exercises._report import first_match
from convnet_lib.exercises._report import layer_output
from convnet_lib.exercises._report import reference_model
from convnet_lib.exercises._report import student_model


def _explosion(channels, num_layers, growth_rate):
    """Channels when concatenating after every Keras layer: C -> 4C + k per sub-block."""
    for _ in range(num_layers):
        channels = 4 * channels + growth_rate
    return channels


def _dense_error_hint(error):
    if "ncompatible" in str(error) or "shape" in str(error):
        return ("an addition needs equal shapes, and a dense layer's k new maps never have "
                "the channels of its input: a dense block *concatenates* "
                "(`layers.Concatenate()([x, y])`), it does not add.")
    return None


@exercise("Exercise A: a dense block that concatenates correctly", _dense_error_hint)
def dense_block(report, function):
    """Checks `function(x, num_layers, growth_rate, name)` (BN -> ReLU -> 3x3 conv, no
    bottleneck) against `densenet.dense_block(..., bottleneck=False)`."""
    from convnet_lib.models import densenet

    input_shape, num_layers, growth_rate = (8, 8, 16), 3, 8
    channels = input_shape[-1]
    student = student_model(report, function, input_shape, num_layers, growth_rate, "mine")
    reference = reference_model(
        lambda x: densenet.dense_block(x, num_layers, growth_rate, "library",
                                       bottleneck=False), input_shape)
    inputs = np.random.default_rng(5).normal(size=(2, *input_shape)).astype("float32")

    def shape_hint(got, expected):
        if got[-1] == _explosion(channels, num_layers, growth_rate):
            return ("you concatenated after every Keras layer (after BN, after ReLU and "
                    "after the conv): the channels grow as C -> 4C + k per layer, the "
                    "19,104-channel explosion of section 3 (64 channels, 4 layers, k = 32). "
                    "Concatenate once per BN-ReLU-conv sub-block.")
        if got[-1] == channels + growth_rate:
            return ("only one layer's maps were concatenated onto the input: inside the "
                    "loop, set x = Concatenate()([x, y]) so that every layer sees all "
                    "earlier maps and the block ends with C + n k channels.")
        if got[-1] == num_layers * growth_rate:
            return "the block input is missing from the concatenation: it ends with C + n k."
        if got[-1] == growth_rate:
            return "return the concatenation, not the last conv's output."
        return f"C + n k = {channels} + {num_layers} x {growth_rate} channels."

    def params_hint(got, expected, model):
        unchained = num_layers * (4 * channels + 9 * channels * growth_rate)
        if got == unchained:
            return ("every layer saw only the block input: each layer must see the "
                    "concatenation of the input and *all* earlier layers' maps, so update x "
                    "inside the loop.")
        if not any(isinstance(layer, layers.BatchNormalization) for layer in model.layers):
            return "each layer starts with BatchNormalization (then ReLU, then the conv)."
        return "per layer: BN (4 per input channel) and a 3x3 conv without bias, k filters."

    def numbers_hint(got, expected):
        return ("per layer: BatchNormalization -> ReLU -> Conv2D(growth_rate, 3, "
                "padding='same', use_bias=False), then Concatenate()([x, y]) with x first.")

    compare_block(report, student, reference, inputs, shape_hint=shape_hint,
                  params_hint=params_hint, numbers_hint=numbers_hint)


@exercise("Exercise B: a transition layer with compression")
def transition_layer(report, function):
    """Checks `function(x, compression, name)` against `densenet.transition_layer` for
    two compressions and two input sizes."""
    from convnet_lib.models import densenet

    for case, (input_shape, compression) in enumerate(
            (((8, 8, 32), 0.5), ((6, 6, 40), 0.25)), start=1):
        report.note(f"case {case}: input {input_shape}, compression {compression}")
        channels = input_shape[-1]
        kept = int(channels * compression)
        student = student_model(report, function, input_shape, compression, f"mine{case}")
        reference = reference_model(
            lambda x: densenet.transition_layer(x, compression, f"library{case}"), input_shape)
        inputs = np.random.default_rng(6).normal(size=(2, *input_shape)).astype("float32")

        def shape_hint(got, expected):
            hints = []
            if got[:2] == input_shape[:2]:
                hints.append("height and width did not halve: end with "
                             "AveragePooling2D(2, strides=2).")
            if got[-1] == channels:
                hints.append(f"no compression: the 1x1 conv keeps int(C x compression) = "
                             f"{kept} channels, not all {channels}.")
            elif got[-1] == int(channels * 0.5) and compression != 0.5:
                hints.append("0.5 is hard-coded: use the `compression` argument.")
            elif got[-1] != kept:
                hints.append(f"the 1x1 conv keeps int(C x compression) = {kept} channels.")
            return " ".join(hints) or None

        def params_hint(got, expected, model):
            if got == kept * channels:
                return ("BatchNormalization is missing: a transition layer is BN -> ReLU -> "
                        "1x1 conv -> 2x2 average pooling.")
            if got == expected - kept * channels + 9 * kept * channels:
                return "the transition conv is 1x1, not 3x3."
            if got == expected + kept:
                return "the conv has no bias (use_bias=False), as in DenseNet."
            return "BN on the C input channels (4 x C), then a bias-free 1x1 conv."

        def numbers_hint(got, expected):
            conv = layer_output(reference, f"library{case}_conv", inputs)
            batch, height, width, depth = conv.shape
            blocks = conv[:, : height // 2 * 2, : width // 2 * 2].reshape(
                batch, height // 2, 2, width // 2, 2, depth)
            return first_match(got, [
                (blocks.max(axis=(2, 4)), "average pooling, not max pooling."),
            ]) or "BN -> ReLU -> 1x1 conv (no bias) -> AveragePooling2D(2, strides=2)."

        compare_block(report, student, reference, inputs, shape_hint=shape_hint,
                      params_hint=params_hint, numbers_hint=numbers_hint)
        if not report.passed:
            raise StopCheck  # the next case would repeat the same hint


def _block_channels(in_channels, num_layers, growth_rate):
    from convnet_lib.models import densenet

    model = reference_model(
        lambda x: densenet.dense_block(x, num_layers, growth_rate, "block", bottleneck=False),
        (4, 4, in_channels))
    return int(model.output.shape[-1])


def _channels_hint(case, got, expected):
    channels, num_layers, growth_rate = case
    if got == num_layers * growth_rate:
        return "the block input's C channels are part of the output too."
    if got == channels * num_layers * growth_rate:
        return "the layers *add* k channels each: C + n x k, not a product."
    if got == channels + (num_layers - 1) * growth_rate:
        return "every one of the n layers adds k channels, the first one too."
    if got == _explosion(channels, num_layers, growth_rate):
        return "that is the explosion of section 3: in a dense block C grows linearly."
    return "each of the n layers concatenates k new maps onto the C it received."


@exercise("Exercise C: the channels after a dense block")
def block_channels(report, function):
    """Checks `function(in_channels, num_layers, growth_rate) -> int` against the shapes
    of `densenet.dense_block`."""
    cases = [(64, 4, 32), (64, 6, 32), (16, 3, 8), (24, 4, 12), (128, 12, 32)]
    check_formula(report, function, cases, _block_channels, _channels_hint, "block_channels")
    if report.passed:
        trail, channels = [64], 64
        for index, size in enumerate((6, 12, 24, 16)):
            channels = int(function(channels, size, 32))
            trail.append(channels)
            if index < 3:
                channels = channels // 2
                trail.append(channels)
        report.note("DenseNet-121 with your function (k = 32, compression 0.5): "
                    + " -> ".join(str(c) for c in trail))
