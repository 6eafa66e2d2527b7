"""How a run is set up: the quick/full switch, seeds, devices and the environment report.

The quick/full switch: by default every notebook does its full run (the numbers stored in
the repository). Set the environment variable `CONVNET_QUICK=1` (CI does) and notebooks
shrink their data and epochs through `choose(full=..., quick=...)`, so the whole test suite
stays short on a 2-core CPU. Quick-mode accuracies are not meaningful, only that it runs.
"""

import os
import platform

from convnet_lib._checks import check_choice
from convnet_lib._checks import check_int

QUICK_ENV_VAR = "CONVNET_QUICK"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def quick_mode():
    """True when the environment variable CONVNET_QUICK asks for a quick run."""
    value = os.environ.get(QUICK_ENV_VAR, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"The environment variable {QUICK_ENV_VAR} must be one of "
        f"{sorted(_TRUE | _FALSE)}. Received: {QUICK_ENV_VAR}={os.environ[QUICK_ENV_VAR]!r}"
    )


def choose(full, quick):
    """Returns `quick` in a quick run and `full` otherwise: `epochs = choose(full=10, quick=1)`."""
    return quick if quick_mode() else full


def set_seed(seed=42):
    """Seeds Python, NumPy and the Keras backend so a run can be repeated."""
    import keras

    check_int(seed, "seed", minimum=0)
    keras.utils.set_random_seed(seed)


def distribution_strategy(device_type="GPU"):
    """Returns the tf.distribute strategy that uses the available accelerators.

    - a TPU (e.g. Colab's TPU runtime): TPUStrategy;
    - more than one logical device of `device_type`: MirroredStrategy over them
      (data parallelism: each device gets a slice of every batch);
    - otherwise the default strategy (one device).

    Build and compile the model inside `with strategy.scope():`. `device_type="CPU"` is
    for tests, which split the CPU into logical devices to exercise the mirrored path.
    """
    import tensorflow as tf

    check_choice(device_type, "device_type", ("GPU", "CPU"))
    if os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME"):
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    devices = tf.config.list_logical_devices(device_type)
    if len(devices) > 1:
        return tf.distribute.MirroredStrategy([device.name for device in devices])
    return tf.distribute.get_strategy()


def environment_report():
    """A dict describing this run: versions, devices, CPU count and the quick/full mode."""
    import keras
    import numpy as np
    import pandas as pd
    import tensorflow as tf

    import convnet_lib

    gpus = [device.name for device in tf.config.list_logical_devices("GPU")]
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras backend": keras.backend.backend(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "convnet_lib": convnet_lib.__version__,
        "CPU cores": os.cpu_count(),
        "GPUs": ", ".join(gpus) if gpus else "none (CPU only)",
        "run": "quick (CONVNET_QUICK=1)" if quick_mode() else "full",
    }


def print_environment():
    """Prints `environment_report()`, one `name: value` line each (every notebook's first output)."""
    for name, value in environment_report().items():
        print(f"{name:>13}: {value}")
