"""Copying weights between two builds of the same architecture.

`transfer_weights(source, target)` pairs the layers that hold weights in both models, in
the order Keras lists them, and copies each layer's weights across. It is how the tests
prove that our builders reproduce keras.applications: copy the reference's weights into
ours and compare outputs. Layer *names* may differ; layer kinds and weight shapes may not.
"""

import keras


def _weighted_layers(model):
    """Leaf layers that own weights, in model order (nested models are flattened)."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.extend(_weighted_layers(layer))
        elif layer.weights:
            found.append(layer)
    return found


def transfer_weights(source, target):
    """Copies every weight of `source` into `target` and returns the number of layers copied.

    Both models must have the same sequence of weighted layers: the same layer classes
    with the same weight shapes, in the same order. On the first difference a ValueError
    names the position, both layers and their weight shapes, and nothing is copied.
    """
    for argument, value in (("source", source), ("target", target)):
        if not isinstance(value, keras.Model):
            raise ValueError(
                f"`{argument}` must be a keras.Model. Received: {argument}={value!r}"
            )
    source_layers = _weighted_layers(source)
    target_layers = _weighted_layers(target)
    if len(source_layers) != len(target_layers):
        raise ValueError(
            f"The models have different numbers of layers with weights: source "
            f"{source.name!r} has {len(source_layers)}, target {target.name!r} has "
            f"{len(target_layers)}."
        )
    pairs = list(zip(source_layers, target_layers))
    for index, (from_layer, to_layer) in enumerate(pairs):
        from_shapes = [tuple(w.shape) for w in from_layer.weights]
        to_shapes = [tuple(w.shape) for w in to_layer.weights]
        if type(from_layer) is not type(to_layer) or from_shapes != to_shapes:
            raise ValueError(
                f"Layer {index} with weights does not match: source "
                f"{from_layer.name!r} ({type(from_layer).__name__}, shapes {from_shapes}) "
                f"vs target {to_layer.name!r} ({type(to_layer).__name__}, shapes "
                f"{to_shapes})."
            )
    for from_layer, to_layer in pairs:
        to_layer.set_weights(from_layer.get_weights())
    return len(pairs)


def randomize_batch_norm(model, seed=0):
    """Random scales, offsets, moving means and variances for every BatchNormalization.

    Fresh statistics (mean 0, variance 1, scale 1, offset 0) make a BatchNormalization
    layer almost the identity, which would hide a misplaced layer when two builds are
    compared; random ones do not.
    """
    import numpy as np
    from keras import layers

    from convnet_lib._checks import check_int

    check_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.set_weights([
                rng.uniform(0.5, 1.5, w.shape) if w.name in ("gamma", "moving_variance")
                else rng.normal(0, 0.1, w.shape)
                for w in layer.weights
            ])


def compare_builds(build_mine, build_library, input_shape, seed=0):
    """Checks a block written in a notebook against the library's version of it.

    Builds both on `input_shape`, randomises the library build's BatchNormalization
    statistics, copies its weights into ours with `transfer_weights`, runs both on the
    same random images and prints whether parameters, output shapes and outputs agree
    (the last line gives the largest absolute difference of the outputs). Returns None, so
    that a notebook cell ending with this call shows only the printed lines.
    """
    import keras
    import numpy as np

    if not callable(build_mine) or not callable(build_library):
        raise ValueError(
            "`build_mine` and `build_library` must be functions mapping a Keras tensor to "
            f"a tensor. Received: {build_mine!r}, {build_library!r}"
        )
    models = []
    for build in (build_library, build_mine):
        inputs = keras.Input(input_shape)
        models.append(keras.Model(inputs, build(inputs)))
    library, mine = models
    print(f"  same parameters: {mine.count_params() == library.count_params()} "
          f"({mine.count_params():,})")
    randomize_batch_norm(library, seed)
    transfer_weights(library, mine)
    images = np.random.default_rng(seed).normal(size=(2, *input_shape)).astype("float32")
    expected = keras.ops.convert_to_numpy(library(images, training=False))
    actual = keras.ops.convert_to_numpy(mine(images, training=False))
    difference = float(np.max(np.abs(actual - expected)))
    print(f"  same output shape: {actual.shape == expected.shape} {actual.shape[1:]}")
    print(f"  max |difference| after weight transfer: {difference:.5f}")
