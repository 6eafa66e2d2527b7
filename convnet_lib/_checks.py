"""Argument checks shared by the public functions of convnet_lib.

Every check raises `ValueError` naming the argument, the value received and what is
allowed, so a student sees the mistake instead of a shape error deep inside TensorFlow.
"""

import numbers

import numpy as np


def _check_number(value, name, kind, what, minimum, maximum):
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(f"`{name}` must be {what}. Received: {name}={value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}. Received: {name}={value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"`{name}` must be <= {maximum}. Received: {name}={value!r}")
    return value


def check_int(value, name, minimum=None, maximum=None):
    """Returns `value` if it is an int in [minimum, maximum], else raises ValueError."""
    return int(_check_number(value, name, numbers.Integral, "an integer", minimum, maximum))


def check_float(value, name, minimum=None, maximum=None):
    """Returns `value` as float if it is a real number in [minimum, maximum]."""
    return float(_check_number(value, name, numbers.Real, "a number", minimum, maximum))


def check_bool(value, name):
    """Returns `value` if it is a bool, else raises ValueError."""
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return value


def check_choice(value, name, allowed):
    """Returns `value` if it is one of `allowed`, else raises ValueError."""
    if value not in allowed:
        raise ValueError(
            f"`{name}` must be one of {list(allowed)}. Received: {name}={value!r}"
        )
    return value


def check_int_sequence(value, name, minimum=None, length=None):
    """Returns a tuple of ints from a list/tuple `value`, each >= minimum."""
    if not isinstance(value, (list, tuple)) or (length is not None and len(value) != length):
        what = f"a list or tuple of {length} integers" if length else "a list or tuple of integers"
        raise ValueError(f"`{name}` must be {what}. Received: {name}={value!r}")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral):
            raise ValueError(f"`{name}` must contain only integers. Received: {name}={value!r}")
        if minimum is not None and item < minimum:
            raise ValueError(
                f"Every entry of `{name}` must be >= {minimum}. Received: {name}={value!r}"
            )
    return tuple(int(item) for item in value)


def check_columns(table, columns, hint=" (use chart_table)", name="table"):
    """Returns `table` if it is a pandas DataFrame holding every one of `columns`."""
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise ValueError(
            f"`{name}` must be a pandas DataFrame. Received: {name} of type "
            f"{type(table).__name__}"
        )
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(
            f"`{name}` lacks the column(s) {missing}{hint}. Received columns: "
            f"{list(table.columns)}"
        )
    return table


def check_probabilities(probabilities, name="probabilities"):
    """Returns `probabilities` as a float64 array (models, examples, classes).

    Accepts a 3D array or a list/tuple of 2D arrays of the same shape (one per model).
    Values must be finite and non-negative; rows need not sum exactly to one (softmax
    outputs in float32 do not), but every row must have a positive sum.
    """
    if isinstance(probabilities, (list, tuple)):
        if len(probabilities) == 0:
            raise ValueError(
                f"`{name}` must hold the predictions of at least one model. "
                f"Received: {name}=[]"
            )
        shapes = [np.shape(p) for p in probabilities]
        if any(len(s) != 2 for s in shapes) or len(set(shapes)) != 1:
            raise ValueError(
                f"Every entry of `{name}` must be a 2D array (examples, classes) and all "
                f"must have the same shape. Received shapes: {shapes}"
            )
        array = np.stack([np.asarray(p, dtype=np.float64) for p in probabilities])
    else:
        try:
            array = np.asarray(probabilities, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"`{name}` must be an array of numbers. Received: {name}={probabilities!r}"
            ) from None
        if array.ndim != 3:
            raise ValueError(
                f"`{name}` must have shape (models, examples, classes). "
                f"Received an array of shape {array.shape}."
            )
    if 0 in array.shape:
        raise ValueError(
            f"`{name}` must have at least one model, example and class. "
            f"Received shape (models, examples, classes) = {array.shape}."
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError(f"`{name}` must contain only finite, non-negative probabilities.")
    if np.any(array.sum(axis=-1) <= 0):
        raise ValueError(f"Every row of `{name}` must have a positive sum.")
    return array


def check_labels(labels, name="labels", examples=None, classes=None):
    """Returns `labels` as a 1D int64 array, checking length and range."""
    array = np.asarray(labels)
    if array.ndim != 1 or array.size == 0 or not (
        np.issubdtype(array.dtype, np.integer)
        or (np.issubdtype(array.dtype, np.floating) and np.all(array == np.round(array)))
    ):
        raise ValueError(
            f"`{name}` must be a non-empty 1D array of integer class indices. "
            f"Received an array of shape {array.shape} and dtype {array.dtype}."
        )
    array = array.astype(np.int64)
    if examples is not None and array.shape[0] != examples:
        raise ValueError(
            f"`{name}` must have one entry per example ({examples}). "
            f"Received {array.shape[0]} entries."
        )
    if np.any(array < 0) or (classes is not None and np.any(array >= classes)):
        allowed = f"0..{classes - 1}" if classes is not None else ">= 0"
        raise ValueError(
            f"`{name}` must hold class indices in {allowed}. "
            f"Received values from {array.min()} to {array.max()}."
        )
    return array


def check_activation(value, name="classifier_activation"):
    """Returns `value` if it is None, a callable or the name of a Keras activation."""
    import keras

    if value is None or callable(value):
        return value
    if isinstance(value, str):
        try:
            keras.activations.get(value)
            return value
        except (ValueError, TypeError):
            pass
    raise ValueError(
        f"`{name}` must be None, a callable, or the name of a Keras activation such as "
        f"'softmax', 'sigmoid' or 'linear'. Received: {name}={value!r}"
    )
