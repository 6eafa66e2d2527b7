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
