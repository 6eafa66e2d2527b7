"""Checks shared by the tests that compare our builders with keras.applications twins."""

import keras
import numpy as np

from convnet_lib.weights import transfer_weights


def randomize_batch_norm(model, seed=0):
    """Gives every BatchNormalization layer random statistics, scales and offsets.

    Freshly built models have mean 0, variance 1, gamma 1, beta 0, so a layer copied into
    the wrong place could go unnoticed; random values make every layer matter.
    """
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            randomize_batch_norm(layer, seed=int(rng.integers(1 << 30)))
        elif isinstance(layer, keras.layers.BatchNormalization):
            new = []
            for weight in layer.weights:
                shape = tuple(weight.shape)
                name = weight.path.split("/")[-1]
                if name == "moving_variance":
                    new.append(rng.uniform(0.5, 1.5, shape))
                elif name == "gamma":
                    new.append(rng.uniform(0.5, 1.5, shape))
                else:  # beta, moving_mean
                    new.append(rng.normal(0.0, 0.1, shape))
            layer.set_weights([w.astype("float32") for w in new])


def max_relative_difference(reference, ours, input_shape, seed=0):
    """Copies `reference`'s weights (after randomising its BN) into `ours` and compares.

    Returns max |ours(x) - reference(x)| divided by max |reference(x)| on one random input
    of `input_shape`, i.e. the difference in units of the features' scale.
    """
    randomize_batch_norm(reference, seed=seed)
    transfer_weights(reference, ours)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (1, *input_shape)).astype("float32")
    expected = keras.ops.convert_to_numpy(reference(x, training=False))
    actual = keras.ops.convert_to_numpy(ours(x, training=False))
    if expected.shape != actual.shape:
        raise AssertionError(f"shape {actual.shape} != reference shape {expected.shape}")
    scale = float(np.max(np.abs(expected)))
    if scale == 0.0:
        raise AssertionError("reference features are all zero: the comparison proves nothing")
    return float(np.max(np.abs(actual - expected))) / scale


def pooled_features(model):
    """The sub-model of `model` that ends at its global average pooling ("avg_pool")."""
    return keras.Model(model.input, model.get_layer("avg_pool").output)
