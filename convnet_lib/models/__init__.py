"""Model registry and the architectures taught in the notebooks.

    >>> from convnet_lib.models import build_model, available_models
    >>> model = build_model("baseline_cnn", input_shape=(28, 28, 1), classes=10)

Each architecture module registers its builders with `@register_model(name)` when it is
imported; the imports at the end of this file make every registered model available.
"""

from convnet_lib.models._registry import available_models
from convnet_lib.models._registry import build_model
from convnet_lib.models._registry import get_builder
from convnet_lib.models._registry import register_model

# Architecture modules (each registers its builders on import), in reading order.
from convnet_lib.models import baseline  # noqa: E402,F401  notebook 00
from convnet_lib.models import inception  # noqa: E402,F401  notebook 01
from convnet_lib.models import xception  # noqa: E402,F401  notebook 02
from convnet_lib.models import densenet  # noqa: E402,F401  notebook 03
from convnet_lib.models import senet  # noqa: E402,F401  notebook 05

__all__ = ["available_models", "build_model", "get_builder", "register_model"]
