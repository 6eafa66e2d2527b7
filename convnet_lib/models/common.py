"""The keras.applications API every model shares, and the table-row form of its variants.

Every builder in the registry is called the same way: `include_top`, `input_shape`,
`pooling`, `classes`, `classifier_activation`. This module holds the pieces that make that
true: the input-shape and head validators, the input layer, conv-BN-activation, the
classification head, and `register_family`, which turns each row of a family's table of
frozen configurations into a registered builder whose signature lists the row's options.
"""

import dataclasses
import inspect

import keras
from keras import layers

from convnet_lib._checks import check_activation
from convnet_lib._checks import check_bool
from convnet_lib._checks import check_choice
from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib.models._registry import register_model

POOLING_CHOICES = (None, "avg", "max")


def validate_input_shape(input_shape, default_size, min_size, model_name, default_channels=3):
    """Checks `input_shape` (height, width, channels) and returns it as a tuple of ints.

    `None` means the model's default: (default_size, default_size, default_channels).
    Height and width must be at least `min_size`, the smallest input whose feature maps do
    not shrink to nothing before the last stage; channels must be at least 1.
    """
    if input_shape is None:
        return (default_size, default_size, default_channels)
    if (
        not isinstance(input_shape, (tuple, list))
        or len(input_shape) != 3
        or any(isinstance(d, bool) or not isinstance(d, int) for d in input_shape)
    ):
        raise ValueError(
            f"`input_shape` of {model_name} must be a tuple of three integers "
            f"(height, width, channels). Received: input_shape={input_shape!r}"
        )
    height, width, channels = input_shape
    if height < min_size or width < min_size:
        raise ValueError(
            f"{model_name} needs inputs of at least {min_size}x{min_size} pixels "
            f"(its default is {default_size}x{default_size}). "
            f"Received: input_shape={tuple(input_shape)!r}"
        )
    if channels < 1:
        raise ValueError(
            f"`input_shape` must have at least one channel. "
            f"Received: input_shape={tuple(input_shape)!r}"
        )
    return tuple(input_shape)


def validate_head_arguments(include_top, pooling, classes, classifier_activation):
    """Checks the four head arguments shared by every builder.

    `classifier_activation` must be None, a callable or the name of a Keras activation:
    a misspelt name such as "sofmax" fails here, naming the argument, not deep in Keras.
    """
    check_bool(include_top, "include_top")
    check_choice(pooling, "pooling", POOLING_CHOICES)
    check_int(classes, "classes", minimum=1)
    check_activation(classifier_activation, "classifier_activation")


def model_input(input_shape, name="input_layer"):
    """Returns the `keras.Input` of a model; one place so every model names it alike."""
    return keras.Input(shape=input_shape, name=name)


def conv_bn(
    x,
    filters,
    kernel_size,
    name,
    strides=1,
    padding="same",
    activation="relu",
    use_bias=False,
    bn_scale=True,
    bn_epsilon=1e-3,
    groups=1,
):
    """Conv2D -> BatchNormalization -> activation, the unit most models here repeat.

    Layers are named `{name}_conv`, `{name}_bn` and `{name}_{activation}`; pass
    `activation=None` for a linear unit (e.g. the projection before a residual addition).
    """
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=use_bias,
        groups=groups,
        name=f"{name}_conv",
    )(x)
    x = layers.BatchNormalization(scale=bn_scale, epsilon=bn_epsilon, name=f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_{activation}")(x)
    return x


def classification_head(
    x, include_top, pooling, classes, classifier_activation, dropout_rate=0.0
):
    """The end of every model: global pooling and, with `include_top`, a Dense classifier.

    With `include_top=True`: global average pooling ("avg_pool"), optional dropout, and
    Dense(classes) named "predictions". Otherwise `pooling` decides: None keeps the 4D
    feature map, "avg" or "max" pool it to a vector.
    """
    check_float(dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="dropout")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def se_model_name(name, use_se):
    """`name` without its "se_" prefix when the SE blocks are switched off, so an ablation
    names itself ("se_resnet_mini" -> "resnet_mini"); otherwise `name`."""
    return name[3:] if not use_se and name.startswith("se_") else name


# --- Families: one table of frozen configurations, one registered builder per row -------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModelRow:
    """The part of a family's table row that is not architecture: the builder's defaults
    (input size and channels, classes) and the facts the registry records about the row
    (its keras.applications twin and its reference parameter count with the source; see
    `convnet_lib.models.model_info`). Each family's configuration dataclass extends it."""

    input_size: int
    input_channels: int = 3
    classes: int = 1000
    keras_twin: str = None
    reference_params: int = None
    reference_source: str = None


_ROW_FIELDS = tuple(field.name for field in dataclasses.fields(ModelRow))
_HEAD_DEFAULTS = (
    ("include_top", True),
    ("input_shape", None),
    ("pooling", None),
    ("classes", None),
    ("classifier_activation", "softmax"),
)


def row_options(row):
    """The architecture options of a table row as a dict (every field but `ModelRow`'s).

    These are the keyword arguments its builder accepts besides the keras.applications
    ones, e.g. `build_model("xception", **row_options(XCEPTION_CONFIGS["xception_mini"]))`.
    """
    return {
        field.name: getattr(row, field.name)
        for field in dataclasses.fields(row)
        if field.name not in _ROW_FIELDS
    }


def family_input(row, name, min_size, include_top, input_shape, pooling, classes,
                 classifier_activation):
    """Checks the arguments every family builder takes and returns the model's Input.

    `input_shape` None means the row's default; its height and width must be at least
    `min_size`.
    """
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    input_shape = validate_input_shape(
        input_shape, row.input_size, min_size, name, row.input_channels
    )
    return model_input(input_shape)


def default_input_shape(row):
    """(input_size, input_size, input_channels) of a table row."""
    return (row.input_size, row.input_size, row.input_channels)


def _row_builder(name, row, build):
    """A builder for one row: the keras.applications arguments, then the row's options as
    keyword-only arguments whose defaults are the row's values."""
    defaults = dict(_HEAD_DEFAULTS, input_shape=default_input_shape(row), classes=row.classes)
    parameters = [
        inspect.Parameter(key, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=value)
        for key, value in defaults.items()
    ] + [
        inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=value)
        for key, value in row_options(row).items()
    ]
    signature = inspect.Signature(parameters)

    def builder(*args, **kwargs):
        arguments = signature.bind(*args, **kwargs)
        arguments.apply_defaults()
        values = dict(arguments.arguments)
        head = {key: values.pop(key) for key in defaults}
        return build(dataclasses.replace(row, **values), name=name, **head)

    builder.__signature__ = signature
    builder.__name__ = builder.__qualname__ = name
    builder.__module__ = build.__module__
    builder.__doc__ = (
        f"Builds {name!r} with `{build.__module__}.{build.__name__}`; the keyword-only "
        f"arguments default to its table row:\n\n    {row!r}\n\n{inspect.getdoc(build)}"
    )
    return builder


def register_family(table, build, min_input_size):
    """Registers every row of a family's table as a model and returns {name: builder}.

    Args:
        table: {name: row}, each row a frozen dataclass extending `ModelRow`.
        build: `build(row, name=..., include_top=..., input_shape=..., pooling=...,
            classes=..., classifier_activation=...)` returns the keras.Model of `row`
            (after `dataclasses.replace` with the caller's options, which validates them).
        min_input_size: `min_input_size(row)`, the smallest height/width `row` accepts;
            the builder and the registry both use it, so it is computed in one place.
    """
    builders = {}
    for name, row in table.items():
        facts = {key: getattr(row, key) for key in _ROW_FIELDS}
        builders[name] = register_model(name, min_input_size=min_input_size(row), **facts)(
            _row_builder(name, row, build)
        )
    return builders
