"""Running experiments: the quick/full switch, seeding, devices, and reporting accuracy.

The quick/full switch: by default every notebook does its full run (the numbers stored in
the repository). Set the environment variable `CONVNET_QUICK=1` (CI does) and notebooks
shrink their data and epochs through `choose(full=..., quick=...)`, so the whole test suite
stays short on a 2-core CPU. Quick-mode accuracies are not meaningful, only that it runs.
"""

import os

import numpy as np

from convnet_lib._checks import check_int

QUICK_ENV_VAR = "CONVNET_QUICK"
CACHE_ENV_VAR = "CONVNET_CACHE_DIR"
DEFAULT_CACHE_DIR = "~/.cache/convnet_lib"
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


def cache_dir(folder):
    """Where notebooks keep machine-made results: $CONVNET_CACHE_DIR/<folder>, else
    ~/.cache/convnet_lib/<folder>.

    Outside the repository on purpose: trained weights and cached counts are large and
    machine-made, and deleting the folder only costs time.
    """
    from pathlib import Path

    if not isinstance(folder, str) or not folder or os.sep in folder:
        raise ValueError(f"`folder` must be a plain folder name. Received: folder={folder!r}")
    root = os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR
    return Path(root).expanduser() / folder


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

    if device_type not in ("GPU", "CPU"):
        raise ValueError(
            f"`device_type` must be 'GPU' or 'CPU'. Received: device_type={device_type!r}"
        )
    if os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME"):
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    devices = tf.config.list_logical_devices(device_type)
    if len(devices) > 1:
        return tf.distribute.MirroredStrategy([device.name for device in devices])
    return tf.distribute.get_strategy()


def predict_labels(model, dataset):
    """Returns (true labels, predicted labels, predicted probabilities) over a dataset."""
    import keras

    true, probabilities = [], []
    for images, labels in dataset:
        probabilities.append(keras.ops.convert_to_numpy(model(images, training=False)))
        true.append(keras.ops.convert_to_numpy(labels))
    probabilities = np.concatenate(probabilities)
    return np.concatenate(true), probabilities.argmax(axis=-1), probabilities


def print_test_accuracy(accuracy, count, label=None):
    """Prints the line every notebook ends a training run with: `test accuracy: 0.xxx`."""
    if label is not None and not isinstance(label, str):
        raise ValueError(f"`label` must be None or a string. Received: label={label!r}")
    prefix = f"{label} " if label else ""
    print(f"{prefix}test accuracy: {accuracy:.3f} ({count:,} test images)")


def report_test_accuracy(model, dataset, label=None):
    """Prints `test accuracy: 0.xxx` (prefixed by `label`) and returns the accuracy."""
    true, predicted, _ = predict_labels(model, dataset)
    accuracy = float(np.mean(true == predicted))
    print_test_accuracy(accuracy, len(true), label)
    return accuracy
