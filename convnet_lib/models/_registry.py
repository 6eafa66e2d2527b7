"""The model registry: each model name maps to its builder and to its facts (`ModelInfo`).

As in timm's per-model default configurations, the facts a test, a benchmark or a notebook
needs about a model live here, once, next to its builder: default and smallest input size,
its keras.applications twin, and the exact parameter count of its reference
implementation with the source of that count.
"""

import dataclasses
import inspect
import numbers

_BUILDERS = {}
_INFOS = {}


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What is known about a registered model, without building it.

    Attributes:
        name: the registry name (`build_model(name)`).
        input_size: default input height = width in pixels.
        min_input_size: the smallest height/width the builder accepts.
        input_channels: channels of the default input (3 for ImageNet models, 1 for the
            small Fashion-MNIST models).
        classes: default number of classes.
        keras_twin: name of the keras.applications function that builds the same
            architecture (layer for layer), or None.
        reference_params: exact trainable-parameter count of the reference implementation
            at the default classes, or None when there is no reference.
        reference_source: where `reference_params` comes from (a paper table, a reference
            repository and its file), or None.
    """

    name: str
    input_size: int
    min_input_size: int
    input_channels: int = 3
    classes: int = 1000
    keras_twin: str = None
    reference_params: int = None
    reference_source: str = None

    def __post_init__(self):
        for field in ("input_size", "min_input_size", "input_channels", "classes"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(
                    f"`{field}` of model {self.name!r} must be a positive integer. "
                    f"Received: {field}={value!r}"
                )
        if self.min_input_size > self.input_size:
            raise ValueError(
                f"`min_input_size` of model {self.name!r} must not exceed its input_size "
                f"({self.input_size}). Received: min_input_size={self.min_input_size!r}"
            )
        if (self.reference_params is None) != (self.reference_source is None):
            raise ValueError(
                f"Model {self.name!r}: `reference_params` and `reference_source` go together "
                f"(a count needs its source). Received: reference_params="
                f"{self.reference_params!r}, reference_source={self.reference_source!r}"
            )

    @property
    def input_shape(self):
        """The default input shape (height, width, channels)."""
        return (self.input_size, self.input_size, self.input_channels)


def register_model(
    name,
    *,
    input_size,
    min_input_size,
    input_channels=3,
    classes=1000,
    keras_twin=None,
    reference_params=None,
    reference_source=None,
):
    """Decorator that registers a builder function and its facts under `name`.

    Example:
        @register_model("xception", input_size=299, min_input_size=71, keras_twin="Xception",
                        reference_params=22_855_952, reference_source="Chollet 2017, Table 3")
        def xception(include_top=True, ...):
            ...
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"`name` must be a non-empty string. Received: name={name!r}")
    info = ModelInfo(
        name=name,
        input_size=input_size,
        min_input_size=min_input_size,
        input_channels=input_channels,
        classes=classes,
        keras_twin=keras_twin,
        reference_params=reference_params,
        reference_source=reference_source,
    )

    def decorator(builder):
        if name in _BUILDERS and _BUILDERS[name] is not builder:
            raise ValueError(
                f"A model named {name!r} is already registered "
                f"(by {_BUILDERS[name].__module__}.{_BUILDERS[name].__qualname__})."
            )
        _BUILDERS[name] = builder
        _INFOS[name] = info
        return builder

    return decorator


def available_models():
    """Returns the sorted list of names that `build_model` accepts."""
    return sorted(_BUILDERS)


def _check_name(name):
    if not isinstance(name, str) or name not in _BUILDERS:
        raise ValueError(
            f"Unknown model name. Received: name={name!r}. "
            f"Known models: {', '.join(available_models())}."
        )


def get_builder(name):
    """Returns the builder function registered under `name`."""
    _check_name(name)
    return _BUILDERS[name]


def model_info(name):
    """Returns the frozen `ModelInfo` of the registered model `name`."""
    _check_name(name)
    return _INFOS[name]


def models_with_twins():
    """Names of the registered models that have a keras.applications twin, sorted."""
    return [name for name in available_models() if _INFOS[name].keras_twin is not None]


def build_model(name, **kwargs):
    """Builds the registered model `name` and returns a `keras.Model`.

    Keyword arguments are passed to the model's builder; see
    `help(convnet_lib.models.get_builder(name))` for what each builder accepts.
    """
    builder = get_builder(name)
    signature = inspect.signature(builder)
    unknown = [key for key in kwargs if key not in signature.parameters]
    if unknown:
        raise ValueError(
            f"build_model({name!r}) got unknown argument(s) {unknown}. "
            f"Allowed: {', '.join(signature.parameters)}."
        )
    return builder(**kwargs)
