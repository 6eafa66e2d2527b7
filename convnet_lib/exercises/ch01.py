"""Checks for the exercises of notebook 01 (Inception-v4): the parameters of an Inception
branch, an Inception module and a scaled residual (Inception-ResNet) block.

    >>> from convnet_lib.exercises import ch01 as check
    >>> check.branch_params(branch_params)
"""

import numpy as np

from convnet_lib.exercises._report import check_formula
from convnet_lib.exercises._report import compare_block
from convnet_lib.exercises._report import exercise
from convnet_lib.exercises._report import first_match
from convnet_lib.exercises._report import layer_output
from convnet_lib.exercises._report import reference_model
from convnet_lib.exercises._report import student_model


def _branch_params(in_channels, steps):
    from convnet_lib.models import inception

    model = reference_model(lambda x: inception.inception_branch(x, steps, "branch"),
                            (17, 17, in_channels))
    return model.count_params()


def _branch_params_variant(in_channels, steps, bn_per_channel=4, update=True, square=False,
                           bias=False):
    """The branch's parameters counted with one typical mistake switched on."""
    total, channels = 0, in_channels
    for step in steps:
        if isinstance(step, str):
            continue
        filters, kernel = step[0], step[1]
        height, width = (kernel, kernel) if isinstance(kernel, int) else kernel
        if square:
            height = width = max(height, width)
        total += height * width * channels * filters + bn_per_channel * filters
        total += filters if bias else 0
        if update:
            channels = filters
    return total


def _branch_hint(case, got, expected):
    in_channels, steps = case
    variants = [
        (dict(bn_per_channel=0), "every conv is followed by BatchNormalization, which Keras "
         "counts as 4 numbers per channel (gamma, beta, moving mean, moving variance)."),
        (dict(bn_per_channel=2), "Keras also counts BatchNormalization's moving mean and "
         "variance: 4 numbers per channel, not 2."),
        (dict(update=False), "the second conv of a branch sees the *first conv's* filters "
         "as its input channels, not the block input's."),
        (dict(square=True), "a (1, 7) kernel has 1 x 7 = 7 weights per input channel and "
         "filter, not 7 x 7."),
        (dict(bias=True), "these convs have no bias (use_bias=False): BatchNormalization's "
         "beta does that job."),
    ]
    for switches, hint in variants:
        if got == _branch_params_variant(in_channels, steps, **switches):
            return hint
    return ("add up, step by step: a conv has kh x kw x channels_in x filters weights plus "
            "4 x filters for its BatchNormalization; pooling has none; the next step's "
            "channels_in is this step's filters.")


@exercise("Exercise A: the parameters of an Inception branch")
def branch_params(report, function):
    """Checks `function(in_channels, steps) -> int` against `inception.inception_branch`."""
    cases = [
        (384, ((96, 1),)),
        (384, ((64, 1), (96, 3))),
        (384, ((64, 1), (96, 3), (96, 3))),
        (384, ("avg", (96, 1))),
        (1024, ((192, 1), (224, (1, 7)), (256, (7, 1)))),
        (320, ((32, 1), (48, 3), (64, 3))),
        (1024, ((192, 1), (192, 3, 2, "valid"))),
    ]
    check_formula(report, function, cases, _branch_params, _branch_hint, "branch_params")


def _module_shape_hint(got, expected):
    height, width, channels = expected
    if got[0] > height and got[1:] == (width,) + got[2:] and got[0] % height == 0:
        return ("you concatenated along the height (axis=1). The branches are stacked as "
                "channels: `layers.Concatenate(axis=-1)`.")
    if got[1] > width and got[0] == height:
        return "you concatenated along the width (axis=2); use axis=-1 (the channels)."
    if got[:2] == (height, width) and got[2] < channels:
        return ("too few channels: Add (or a missing branch) does not stack the branches; "
                "concatenate *all* branch outputs on the channel axis.")
    return "every branch keeps height and width; the module stacks their channels."


@exercise("Exercise B: an Inception module that concatenates its branches")
def inception_module(report, function):
    """Checks `function(x, branches, name)` against `inception.inception_module`."""
    from convnet_lib.models import inception

    branches = inception.MODULES["inception_a"]
    input_shape = (8, 8, 64)
    student = student_model(report, function, input_shape, branches, "mine")
    reference = reference_model(
        lambda x: inception.inception_module(x, branches, "library"), input_shape)
    inputs = np.random.default_rng(1).normal(size=(2, *input_shape)).astype("float32")
    compare_block(
        report, student, reference, inputs, shape_hint=_module_shape_hint,
        numbers_hint=lambda got, expected: (
            "keep the branches in the order of the table (branch 0 first): the "
            "concatenation order decides which channel is which."),
    )


def _residual_error_hint(error):
    text = str(error)
    if "ncompatible" in text or "shape" in text:
        return ("an addition needs equal shapes: the 1x1 projection must have "
                "x.shape[-1] filters, and the shortcut is x itself.")
    return None


@exercise("Exercise C: a scaled residual (Inception-ResNet) block", _residual_error_hint)
def residual_block(report, function):
    """Checks `function(x, branches, scale, name)` against `inception.inception_resnet_block`."""
    from convnet_lib.models import inception

    branches = inception.MODULES["block35"]
    input_shape, scale = (8, 8, 32), 0.2
    student = student_model(report, function, input_shape, branches, scale, "mine")
    reference = reference_model(
        lambda x: inception.inception_resnet_block(x, branches, scale, "library"), input_shape)
    inputs = np.random.default_rng(2).normal(size=(2, *input_shape)).astype("float32")

    def shape_hint(got, expected):
        if got[:2] == expected[:2] and got[2] == 2 * expected[2]:
            return "the shortcut is *added* to the residual, not concatenated."
        return "the block keeps the shape of its input x."

    def params_hint(got, expected, model):
        from keras import layers

        kinds = [type(layer) for layer in model.layers]
        batch_norms = [layer for layer in model.layers
                       if isinstance(layer, layers.BatchNormalization)]
        if any(layer.scale for layer in batch_norms):
            return ("build the branches with `bn_scale=False`: Inception-ResNet's "
                    "BatchNormalization has no scale (gamma), as in keras.applications.")
        if got == expected - input_shape[-1]:
            return "the 1x1 projection has a bias (use_bias=True): it has no BN after it."
        if layers.Conv2D not in kinds:
            return "project the concatenated branches with a 1x1 Conv2D."
        return ("branches with `inception.inception_module(x, branches, name, "
                "bn_scale=False)`, then one 1x1 Conv2D with x.shape[-1] filters and a bias.")

    def numbers_hint(got, expected):
        x = inputs.astype(np.float64)
        residual = layer_output(reference, "library_conv", inputs)
        relu = lambda t: np.maximum(t, 0.0)  # noqa: E731
        return first_match(got, [
            (x + relu(scale * residual), "ReLU before the addition: add first, then apply "
             "ReLU to the sum; the residual itself stays linear."),
            (relu(x + residual), "the residual scale is missing: multiply the projected "
             f"branches by `scale` ({scale} here) before the addition."),
            (x + scale * residual, "the ReLU after the addition is missing."),
            (relu(scale * (x + residual)), "scale only the residual, not the shortcut."),
            (relu(x + scale * relu(residual)), "the 1x1 projection is linear: no ReLU "
             "before the scaling."),
        ]) or "activation(x + scale * project(concatenated branches))."

    compare_block(report, student, reference, inputs, shape_hint=shape_hint,
                  params_hint=params_hint, numbers_hint=numbers_hint)
