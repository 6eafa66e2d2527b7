"""Model registry and the architectures taught in the notebooks.

    >>> from convnet_lib.models import build_model, available_models
    >>> model = build_model("baseline_cnn", input_shape=(28, 28, 1), classes=10)

    >>> model_info("xception").min_input_size          # facts, without building
    71

Each architecture module registers its models when it is imported, with their facts
(default and smallest input size, keras.applications twin, reference parameter count):
`@register_model(name, ...)`, or `common.register_family(table, ...)` for a family whose
variants are rows of one table. The imports at the end of this file make every registered
model available.
"""

from convnet_lib.models._registry import available_models
from convnet_lib.models._registry import build_model
from convnet_lib.models._registry import get_builder
from convnet_lib.models._registry import model_info
from convnet_lib.models._registry import models_with_twins
from convnet_lib.models._registry import register_model

# Architecture modules (each registers its builders on import), in reading order.
from convnet_lib.models import baseline  # noqa: E402,F401  notebook 00
from convnet_lib.models import inception  # noqa: E402,F401  notebook 01
from convnet_lib.models import xception  # noqa: E402,F401  notebook 02
from convnet_lib.models import densenet  # noqa: E402,F401  notebook 03
from convnet_lib.models import senet  # noqa: E402,F401  notebook 05
# Further families of the comparison chapter (notebook 06).
from convnet_lib.models import alexnet  # noqa: E402,F401
from convnet_lib.models import vgg  # noqa: E402,F401
from convnet_lib.models import squeezenet  # noqa: E402,F401
from convnet_lib.models import dpn  # noqa: E402,F401
from convnet_lib.models import shufflenet  # noqa: E402,F401

__all__ = [
    "available_models",
    "build_model",
    "get_builder",
    "model_info",
    "models_with_twins",
    "register_model",
]
