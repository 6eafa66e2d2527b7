"""Checks for the exercises of notebook 02 (Xception): a depthwise separable convolution
from two layers, its parameter count, and the middle-flow module.

    >>> from convnet_lib.exercises import ch02 as check
    >>> check.depthwise_separable(my_separable_conv)
"""

import numpy as np
from keras import layers

from convnet_lib.exercises._report import check_formula
from convnet_lib.exercises._report import compare_block
from convnet_lib.exercises._report import exercise
from convnet_lib.exercises._report import first_match
from convnet_lib.exercises._report import layer_output
from convnet_lib.exercises._report import reference_model
from convnet_lib.exercises._report import student_model


def _copy_separable(reference, student):
    """Copies SeparableConv2D's two kernels into a DepthwiseConv2D and a 1x1 Conv2D."""
    depthwise_kernel, pointwise_kernel = reference.layers[-1].get_weights()
    depthwise = [layer for layer in student.layers if isinstance(layer, layers.DepthwiseConv2D)]
    pointwise = [layer for layer in student.layers
                 if type(layer) is layers.Conv2D and tuple(layer.kernel_size) == (1, 1)]
    if len(depthwise) != 1 or len(pointwise) != 1:
        raise ValueError("expected one DepthwiseConv2D and one 1x1 Conv2D, found "
                         f"{len(depthwise)} and {len(pointwise)}")
    depthwise[0].set_weights([depthwise_kernel])
    pointwise[0].set_weights([pointwise_kernel])


@exercise("Exercise A: a depthwise separable convolution from two layers")
def depthwise_separable(report, function):
    """Checks `function(x, filters, name)`: DepthwiseConv2D 3x3 then a 1x1 Conv2D, compared
    with `layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)`."""
    input_shape, filters = (8, 8, 16), 24
    channels = input_shape[-1]
    student = student_model(report, function, input_shape, filters, "mine")
    if any(isinstance(layer, layers.SeparableConv2D) for layer in student.layers):
        report.stop("your block uses SeparableConv2D itself.",
                    "build it from `layers.DepthwiseConv2D(3, ...)` and a 1x1 "
                    "`layers.Conv2D(filters, 1, ...)`.")
    reference = reference_model(
        lambda x: layers.SeparableConv2D(filters, 3, padding="same", use_bias=False,
                                         name="library")(x), input_shape)
    inputs = np.random.default_rng(3).normal(size=(2, *input_shape)).astype("float32")

    def shape_hint(got, expected):
        if got[-1] == channels:
            return ("the 1x1 pointwise conv is missing: the depthwise step keeps the "
                    f"{channels} input channels; a 1x1 Conv2D mixes them into `filters`.")
        if got[:2] != expected[:2]:
            return "use padding=\"same\" so that height and width stay the same."
        return None

    def params_hint(got, expected, model):
        if got == channels * filters + 9 * filters:
            return ("the order is reversed: the 1x1 conv runs first here. SeparableConv2D "
                    "runs the depthwise 3x3 first, then the 1x1 (the 'extreme Inception' "
                    "order is the other way round).")
        if got == 9 * channels * filters:
            return "that is a regular 3x3 convolution: use DepthwiseConv2D for the 3x3 step."
        if got in (expected + filters, expected + channels, expected + filters + channels):
            return "SeparableConv2D here has use_bias=False: no biases in either step."
        if got > expected and any(isinstance(layer, layers.BatchNormalization)
                                  for layer in model.layers):
            return "no BatchNormalization inside the separable convolution."
        return "9 x C_in depthwise weights plus C_in x filters pointwise weights."

    def numbers_hint(got, expected):
        between = [layer for layer in student.layers
                   if isinstance(layer, (layers.Activation, layers.ReLU))]
        if between:
            return ("no non-linearity between the two steps: SeparableConv2D has none "
                    "(the paper's Figure 10 shows it trains better without).")
        return "depthwise 3x3 (padding='same') first, then the 1x1 conv, nothing in between."

    compare_block(report, student, reference, inputs, shape_hint=shape_hint,
                  params_hint=params_hint, numbers_hint=numbers_hint,
                  copy_weights=_copy_separable)


def _separable_params(kernel_size, in_channels, filters):
    layer = layers.SeparableConv2D(filters, kernel_size, use_bias=False)
    layer.build((None, 16, 16, in_channels))
    return layer.count_params()


def _separable_hint(case, got, expected):
    kernel, channels, filters = case
    depthwise, pointwise = kernel * kernel * channels, channels * filters
    if got == pointwise:
        return "you counted only the 1x1 pointwise step; add the depthwise k x k x C_in."
    if got == depthwise:
        return "you counted only the depthwise step; add the 1x1 pointwise C_in x filters."
    if got == kernel * kernel * channels * filters:
        return "that is a regular convolution's count (k x k x C_in x filters)."
    if got == kernel * channels + pointwise:
        return "the depthwise window is k x k: square the kernel size."
    if got == kernel * kernel * filters + pointwise:
        return ("the depthwise step has one k x k filter per *input* channel, so "
                "k x k x C_in, not k x k x filters.")
    return "depthwise: one k x k filter per input channel; pointwise: C_in x filters."


@exercise("Exercise B: the parameters of a separable convolution")
def separable_params(report, function):
    """Checks `function(kernel_size, in_channels, filters) -> int` (no biases)."""
    cases = [(3, 16, 24), (3, 728, 728), (5, 32, 64), (3, 3, 32), (7, 64, 128)]
    check_formula(report, function, cases, _separable_params, _separable_hint,
                  "separable_params")
    if report.passed:
        regular = 3 * 3 * 728 * 728
        report.note(f"at 728 -> 728 channels a regular 3x3 conv has {regular:,} weights, "
                    f"{regular / _separable_params(3, 728, 728):.1f} times as many.")


def _middle_error_hint(error):
    if "ncompatible" in str(error) or "shape" in str(error):
        return "the identity shortcut needs `filters` equal to the input's channels."
    return None


@exercise("Exercise C: the Xception middle-flow module", _middle_error_hint)
def middle_module(report, function):
    """Checks `function(x, filters, name)` against `xception.middle_module`."""
    from convnet_lib.models import xception

    input_shape = (4, 4, 32)
    filters = input_shape[-1]
    student = student_model(report, function, input_shape, filters, "mine")
    reference = reference_model(lambda x: xception.middle_module(x, filters, "library"),
                                input_shape)
    inputs = np.random.default_rng(4).normal(size=(2, *input_shape)).astype("float32")

    def params_hint(got, expected, model):
        units = sum(isinstance(layer, layers.SeparableConv2D) for layer in model.layers)
        norms = sum(isinstance(layer, layers.BatchNormalization) for layer in model.layers)
        if units != 3:
            return f"three separable convolutions, not {units}."
        if norms != 3:
            return f"one BatchNormalization after each separable conv (found {norms})."
        return "each unit: ReLU -> SeparableConv2D(filters, 3, padding='same', " \
               "use_bias=False) -> BatchNormalization."

    def numbers_hint(got, expected):
        x = inputs.astype(np.float64)
        residual = layer_output(reference, "library_sepconv3_bn", inputs)
        return first_match(got, [
            (np.maximum(x + residual, 0.0), "ReLU after the addition: the middle module "
             "adds linearly (x + residual); the next unit's ReLU comes first in that unit."),
            (residual, "the shortcut is missing: add the module's input x to the output of "
             "the third unit."),
            (x + np.maximum(residual, 0.0), "no ReLU after the last BatchNormalization: "
             "the ReLU comes *before* each separable conv."),
        ]) or ("each of the three units is ReLU -> SeparableConv2D -> BatchNormalization "
               "(pre-activation); then add the input x.")

    compare_block(report, student, reference, inputs, params_hint=params_hint,
                  numbers_hint=numbers_hint)
