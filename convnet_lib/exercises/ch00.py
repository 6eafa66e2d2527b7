"""Checks for the exercises of notebook 00 (getting started): accuracy, and the parameters,
FLOPs and output size of a convolution.

    >>> from convnet_lib.exercises import ch00 as check
    >>> check.accuracy(my_accuracy)
"""

import math

import numpy as np
from keras import layers

from convnet_lib.exercises._report import as_number
from convnet_lib.exercises._report import check_formula
from convnet_lib.exercises._report import exercise
from convnet_lib.exercises._report import library_function


def _accuracy_error_hint(error):
    if "broadcast" in str(error):
        return ("compare the labels with the predicted *class indices*: "
                "`probabilities.argmax(axis=-1)` gives one class per example (axis 0 would "
                "give one per class).")
    return None


@exercise("Exercise A: accuracy from predicted probabilities", _accuracy_error_hint)
def accuracy(report, function):
    """Checks `function(labels, probabilities) -> float`, the fraction of correct examples."""
    reference = library_function("accuracy", ("convnet_lib.metrics", "convnet_lib.ensembles"))
    rng = np.random.default_rng(0)
    for examples, classes in ((12, 3), (50, 10), (7, 2)):
        probabilities = rng.dirichlet(np.ones(classes), size=examples)
        labels = rng.integers(0, classes, size=examples)
        labels[: examples // 2] = probabilities[: examples // 2].argmax(axis=-1)
        expected = reference(labels, probabilities)
        got = as_number(function(labels, probabilities))
        case = f"{examples} examples, {classes} classes"
        if got is None:
            report.stop(f"{case}: your function must return one number.",
                        "the mean of a boolean array is a number: "
                        "`(predicted == labels).mean()`.")
        if math.isclose(got, expected, abs_tol=1e-9):
            continue
        if math.isclose(got, 100 * expected, abs_tol=1e-6):
            hint = "that is a percentage: return a fraction between 0 and 1."
        elif math.isclose(got, expected * examples, abs_tol=1e-6):
            hint = "that is the number of correct examples: divide by the number of examples."
        elif math.isclose(got, 1 - expected, abs_tol=1e-9):
            hint = "that is the error rate (the wrong examples): count the right ones."
        else:
            hint = ("the predicted class of an example is the index of its largest "
                    "probability: `probabilities.argmax(axis=-1)`.")
        report.stop(f"{case}: {got:.6g}, expected {expected:.6g}", hint)
    report.ok("the accuracy agrees with convnet_lib's on 3 sets of predictions")


def _conv_params(kernel_size, in_channels, filters, use_bias):
    layer = layers.Conv2D(filters, kernel_size, use_bias=use_bias)
    layer.build((None, 16, 16, in_channels))
    return layer.count_params()


def _conv_params_hint(case, got, expected):
    kernel, channels, filters, use_bias = case
    weights = kernel * kernel * channels * filters
    if use_bias and got == weights:
        return "the bias is missing: one per filter when use_bias=True."
    if not use_bias and got == weights + filters:
        return "this layer has use_bias=False: no biases."
    if got in (kernel * channels * filters, kernel * channels * filters + use_bias * filters):
        return "the window is kernel_size x kernel_size: square the kernel size."
    if got in (kernel * kernel * filters, kernel * kernel * filters + use_bias * filters):
        return "every filter spans *all* input channels: multiply by in_channels."
    if got == weights + use_bias * channels:
        return "there is one bias per *filter* (output channel), not per input channel."
    return ("count the weights of one filter first (a kernel_size x kernel_size window over "
            "every input channel), then multiply by the number of filters.")


@exercise("Exercise B: the parameters of a Conv2D layer")
def conv2d_params(report, function):
    """Checks `function(kernel_size, in_channels, filters, use_bias) -> int`."""
    cases = [(3, 1, 32, True), (3, 64, 128, False), (5, 3, 16, True), (1, 256, 64, True),
             (7, 3, 64, False)]
    check_formula(report, function, cases, _conv_params, _conv_params_hint, "conv2d_params")


def _conv_flops(height, width, kernel_size, in_channels, filters, use_bias):
    import keras

    from convnet_lib.complexity import count_flops

    inputs = keras.Input((height, width, in_channels))
    outputs = layers.Conv2D(filters, kernel_size, padding="same", use_bias=use_bias)(inputs)
    return count_flops(keras.Model(inputs, outputs))


def _conv_flops_hint(case, got, expected):
    height, width, kernel, channels, filters, use_bias = case
    macs = height * width * kernel * kernel * channels * filters
    bias = height * width * filters if use_bias else 0
    if got in (macs, macs + bias):
        return "a multiply-add counts as 2 FLOPs (one multiply, one add): double it."
    if use_bias and got == 2 * macs:
        return "the bias adds one FLOP per output element (height x width x filters)."
    if not use_bias and got == 2 * macs + height * width * filters:
        return "this layer has no bias (use_bias=False): no FLOPs for it."
    if got in (2 * kernel * kernel * channels * filters,
               2 * kernel * kernel * channels * filters + use_bias * filters):
        return ("that is the cost of *one* output position: every one of the "
                "height x width positions repeats it.")
    return ("per output element a dot product of kernel_size^2 x in_channels multiply-adds "
            "(2 FLOPs each); there are height x width x filters output elements.")


@exercise("Exercise C: the FLOPs of a Conv2D layer")
def conv2d_flops(report, function):
    """Checks `function(out_height, out_width, kernel_size, in_channels, filters, use_bias)`
    against `convnet_lib.complexity.count_flops` of a one-layer model."""
    cases = [(32, 32, 3, 1, 32, False), (16, 16, 3, 32, 64, True), (7, 7, 1, 128, 256, True),
             (8, 8, 5, 3, 16, False)]
    check_formula(report, function, cases, _conv_flops, _conv_flops_hint, "conv2d_flops")
    if report.passed:
        report.note("the first case is the baseline's first convolution: find it in "
                    "`complexity.flops_table(baseline)`.")


def _output_size(input_size, kernel_size, strides, padding):
    import keras

    inputs = keras.Input((input_size, input_size, 1))
    return int(layers.Conv2D(1, kernel_size, strides=strides, padding=padding)(inputs).shape[1])


def _output_size_hint(case, got, expected):
    size, kernel, strides, padding = case
    if padding == "valid":
        if got == (size - kernel) // strides:
            return "add 1: the first window position counts too ((n - k) // s + 1)."
        if got == math.ceil(size / strides):
            return ("'valid' padding adds no zeros: the window must fit inside the image, "
                    "(n - k) // s + 1.")
        if got == -(-(size - kernel) // strides) + 1 and got != expected:
            return "round down: a window that does not fit is dropped."
        if got == size - kernel + 1:
            return "divide by the stride: a stride-2 conv moves the window 2 pixels at a time."
        return "with 'valid' padding: (n - k) // s + 1."
    if got == (size - kernel) // strides + 1:
        return ("'same' padding adds zeros so that the output is ceil(n / s), whatever the "
                "kernel size.")
    if got == size // strides:
        return "round up: 'same' padding gives ceil(n / s)."
    if got == size:
        return "divide by the stride: 'same' padding gives ceil(n / s)."
    return "with 'same' padding: ceil(n / s)."


@exercise("Exercise D: the output size of a strided convolution")
def conv_output_size(report, function):
    """Checks `function(input_size, kernel_size, strides, padding) -> int` against Keras."""
    cases = [(28, 3, 1, "valid"), (28, 3, 2, "valid"), (299, 3, 2, "valid"),
             (35, 3, 2, "valid"), (28, 3, 2, "same"), (7, 3, 2, "same"), (32, 5, 1, "same"),
             (17, 3, 2, "valid")]
    check_formula(report, function, cases, _output_size, _output_size_hint,
                  "conv_output_size")
