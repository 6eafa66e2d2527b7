"""The model registry: one table mapping a model name to the function that builds it."""

import inspect

_BUILDERS = {}


def register_model(name):
    """Decorator that adds a builder function to the registry under `name`.

    Example:
        @register_model("xception")
        def xception(include_top=True, ...):
            ...
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"`name` must be a non-empty string. Received: name={name!r}")

    def decorator(builder):
        if name in _BUILDERS and _BUILDERS[name] is not builder:
            raise ValueError(
                f"A model named {name!r} is already registered "
                f"(by {_BUILDERS[name].__module__}.{_BUILDERS[name].__qualname__})."
            )
        _BUILDERS[name] = builder
        return builder

    return decorator


def available_models():
    """Returns the sorted list of names that `build_model` accepts."""
    return sorted(_BUILDERS)


def get_builder(name):
    """Returns the builder function registered under `name`."""
    if not isinstance(name, str) or name not in _BUILDERS:
        raise ValueError(
            f"Unknown model name. Received: name={name!r}. "
            f"Known models: {', '.join(available_models())}."
        )
    return _BUILDERS[name]


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
