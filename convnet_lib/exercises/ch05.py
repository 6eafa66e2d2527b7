"""Checks for the exercises of notebook 05 (SENet): a squeeze-and-excitation block with a
reduction ratio, and its parameters and FLOPs as formulas.

    >>> from convnet_lib.exercises import ch05 as check
    >>> check.se_block(my_se_block)
"""

import numpy as np
from keras import layers

from convnet_lib.exercises._report import StopCheck
from convnet_lib.exercises._report import check_formula
from convnet_lib.exercises._report import compare_block
from convnet_lib.exercises._report import exercise
from convnet_lib.exercises._report import first_match
from convnet_lib.exercises._report import reference_model
from convnet_lib.exercises._report import student_model


def _sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))


def _dense_units(model):
    return [layer.units for layer in model.layers if isinstance(layer, layers.Dense)]


@exercise("Exercise A: a squeeze-and-excitation block with a reduction ratio")
def se_block(report, function):
    """Checks `function(x, reduction_ratio, name)` against `se.se_block` for two ratios."""
    from convnet_lib.models import se

    input_shape = (6, 6, 32)
    channels = input_shape[-1]
    for reduction_ratio in (4, 8):
        units = channels // reduction_ratio
        report.note(f"reduction ratio {reduction_ratio}: {channels} channels -> "
                    f"{units} -> {channels}")
        student = student_model(report, function, input_shape, reduction_ratio,
                                f"mine{reduction_ratio}")
        reference = reference_model(
            lambda x: se.se_block(x, reduction_ratio, name=f"library{reduction_ratio}"),
            input_shape)
        inputs = np.random.default_rng(10).normal(size=(2, *input_shape)).astype("float32")

        def shape_hint(got, expected):
            if got[:2] == (1, 1) or len(got) != len(expected):
                return ("the Multiply is missing: the block returns its input x rescaled "
                        "channel by channel (x * s), not the weights s.")
            return "the block keeps the shape of its input."

        def params_hint(got, expected, model):
            found = _dense_units(model)
            if found and found[0] == channels // 16 and reduction_ratio != 16:
                return ("the bottleneck has channels // 16 units: use the `reduction_ratio` "
                        "argument, not 16.")
            if found and found[0] == channels * reduction_ratio:
                return "the bottleneck has channels // reduction_ratio units, not a product."
            if found and found[0] != units:
                return (f"the first Dense layer has {found[0]} units; with {channels} "
                        f"channels and r = {reduction_ratio} it needs {units}.")
            if got == expected - units - channels:
                return "both Dense layers have a bias (the default use_bias=True)."
            return f"two Dense layers: {channels} -> {units} and {units} -> {channels}."

        def numbers_hint(got, expected):
            u = inputs.astype(np.float64)
            w1, b1 = reference.get_layer(f"library{reduction_ratio}_reduce").get_weights()
            w2, b2 = reference.get_layer(f"library{reduction_ratio}_expand").get_weights()

            def gate(z, hidden=lambda t: np.maximum(t, 0.0), out=_sigmoid):
                return out(hidden(z @ w1 + b1) @ w2 + b2)[:, None, None, :]

            average, maximum = u.mean(axis=(1, 2)), u.max(axis=(1, 2))
            return first_match(got, [
                (u * gate(average, out=lambda t: np.maximum(t, 0.0)),
                 "ReLU at the gate: the excitation must lie in (0, 1), use a sigmoid "
                 "after the second Dense layer."),
                (u * gate(maximum), "the squeeze is global *average* pooling, not max "
                 "pooling."),
                (u + gate(average), "rescale by *multiplying* x by the excitation, "
                 "not adding."),
                (u * gate(average, hidden=lambda t: t), "the first Dense layer needs a "
                 "ReLU."),
                (u * gate(average, hidden=_sigmoid, out=lambda t: np.maximum(t, 0.0)),
                 "the activations are swapped: ReLU after the first Dense layer, sigmoid "
                 "after the second."),
            ]) or "squeeze (average) -> Dense + ReLU -> Dense + sigmoid -> multiply with x."

        compare_block(report, student, reference, inputs, shape_hint=shape_hint,
                      params_hint=params_hint, numbers_hint=numbers_hint)
        if not report.passed:
            raise StopCheck  # the next case would repeat the same hint


def _se_params(channels, reduction_ratio):
    from convnet_lib.models import se

    return reference_model(lambda x: se.se_block(x, reduction_ratio), (2, 2, channels)) \
        .count_params()


def _se_params_hint(case, got, expected):
    channels, ratio = case
    units = channels // ratio
    if got == 2 * channels * units:
        return "the two Dense layers have biases: + units + channels."
    if got == 2 * channels * channels / ratio + channels / ratio + channels and \
            channels % ratio:
        return "the bottleneck has channels // reduction_ratio units (rounded down)."
    if got in (channels * units + units, channels * units + channels):
        return "there are two Dense layers: C -> C // r and C // r -> C."
    return "C x (C // r) + (C // r) for the first Dense layer, (C // r) x C + C for the second."


@exercise("Exercise B: the parameters of an SE block")
def se_params(report, function):
    """Checks `function(channels, reduction_ratio) -> int` against `se.se_block`."""
    cases = [(64, 16), (256, 16), (2048, 16), (64, 4), (100, 8), (32, 3)]
    check_formula(report, function, cases, _se_params, _se_params_hint, "se_params")


def _se_flops(height, width, channels, reduction_ratio):
    from convnet_lib.complexity import count_flops
    from convnet_lib.models import se

    return count_flops(reference_model(lambda x: se.se_block(x, reduction_ratio),
                                       (height, width, channels)))


def _se_flops_hint(case, got, expected):
    height, width, channels, ratio = case
    units = channels // ratio
    elements = height * width * channels
    dense = 4 * channels * units + units + channels
    if got == dense:
        return ("the squeeze reads every element once (H x W x C) and the scale "
                "multiplies every element once (H x W x C): add both.")
    if got in (dense + elements, ):
        return "both the squeeze and the final multiply touch all H x W x C elements."
    if got in (2 * channels * units + units + channels + 2 * elements,
               2 * channels * units + 2 * elements):
        return "a multiply-add counts as 2 FLOPs: each Dense layer costs 2 x in x out."
    if got == 4 * channels * units + 2 * elements:
        return "the biases add units + channels FLOPs."
    return ("global pooling H x W x C, two Dense layers (2 x in x out + bias each), "
            "ReLU and sigmoid 0 (the library's convention), the multiply H x W x C.")


@exercise("Exercise C: the FLOPs of an SE block")
def se_flops(report, function):
    """Checks `function(height, width, channels, reduction_ratio) -> int` against
    `convnet_lib.complexity.count_flops`."""
    cases = [(56, 56, 256, 16), (7, 7, 2048, 16), (8, 8, 64, 4), (14, 14, 100, 8)]
    check_formula(report, function, cases, _se_flops, _se_flops_hint, "se_flops")
    if report.passed:
        conv = 2 * 56 * 56 * 3 * 3 * 64 * 64
        se_cost = function(56, 56, 256, 16)
        report.note(f"an SE block on 56x56x256 costs {se_cost:,} FLOPs; the 3x3 conv of "
                    f"the same ResNet-50 bottleneck unit (64 -> 64 at 56x56) costs {conv:,} "
                    f"({se_cost / conv:.1%}).")
