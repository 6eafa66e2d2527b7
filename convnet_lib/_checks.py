"""Argument checks shared by the public functions of convnet_lib.

Every check raises `ValueError` naming the argument, the value received and what is
allowed, so a student sees the mistake instead of a shape error deep inside TensorFlow.
"""

import numbers


def check_int(value, name, minimum=None, maximum=None):
    """Returns `value` if it is an int in [minimum, maximum], else raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"`{name}` must be an integer. Received: {name}={value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}. Received: {name}={value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"`{name}` must be <= {maximum}. Received: {name}={value!r}")
    return int(value)


def check_float(value, name, minimum=None, maximum=None):
    """Returns `value` as float if it is a real number in [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"`{name}` must be a number. Received: {name}={value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}. Received: {name}={value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"`{name}` must be <= {maximum}. Received: {name}={value!r}")
    return float(value)


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
