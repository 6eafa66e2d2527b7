"""How big and how costly is a model? Parameters, FLOPs and latency.

Conventions (those of Bianco et al. 2018, arXiv 1810.00736, and of TensorFlow's profiler):

- FLOPs are counted for ONE forward pass of ONE example (batch size 1), at inference.
- A multiply-add counts as 2 FLOPs. Papers that say "FLOPs" usually mean multiply-adds
  (e.g. ResNet-50 "3.8 x 10^9 FLOPs" in He et al. 2015, Table 1): double them to compare.
- Non-linearities (ReLU, sigmoid, swish, GELU, ...), concatenation, padding and reshapes
  cost 0 here; softmax costs 5 per element. TensorFlow's profiler does not count ReLU or
  sigmoid either, but it does count the multiply inside swish and hard-swish, so on
  EfficientNet and MobileNetV3 the two differ by 1-2 %.

`count_flops` is analytic: it walks the model's graph layer by layer and applies one small,
readable rule per layer kind (see `_RULES`). `profiler_flops` asks TensorFlow's own profiler
for the same number, which is how the tests check the rules.
"""

import collections
import math
import statistics
import time

import keras
import numpy as np
import pandas as pd

from convnet_lib._checks import check_int

ParamCount = collections.namedtuple("ParamCount", ["trainable", "non_trainable", "total"])


def _check_model(model):
    if not isinstance(model, keras.Model):
        raise ValueError(f"`model` must be a keras.Model. Received: model={model!r}")
    if isinstance(model, keras.Sequential):
        if not model.built or getattr(model, "_functional", None) is None:
            raise ValueError(
                "`model` is a Sequential model without a known input shape; give its first "
                f"layer an `input_shape` or call `model.build(...)`. Received: model={model.name!r}"
            )
        return model._functional
    if not hasattr(model, "_nodes_by_depth"):
        raise ValueError(
            "`model` must be a Functional or Sequential keras.Model (a subclassed model has "
            f"no graph to walk). Received: model={model.name!r} ({type(model).__name__})"
        )
    return model


def count_params(model):
    """Returns ParamCount(trainable, non_trainable, total), as `model.summary()` counts them.

    In Keras, non-trainable parameters are mostly BatchNormalization's moving mean and
    variance; PyTorch counts those as buffers, not parameters, so a PyTorch reference
    number usually equals our *trainable* count.
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"`model` must be a keras.Model. Received: model={model!r}")
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    non_trainable = sum(math.prod(w.shape) for w in model.non_trainable_weights)
    return ParamCount(int(trainable), int(non_trainable), int(trainable + non_trainable))


# --------------------------------------------------------------------------------------
# The per-layer rules. Each takes (layer, input shapes, output shapes), shapes without the
# batch axis, and returns the FLOPs of that call for one example.
# --------------------------------------------------------------------------------------


def print_summary(model, line_length=100):
    """Prints `model.summary()` as plain text (no terminal colour codes in stored outputs)."""
    _check_model(model)
    check_int(line_length, "line_length", minimum=40)
    model.summary(line_length=line_length,
                  print_fn=lambda text, line_break=False: print(text, end=""))
    print()


WEIGHT_LAYER_KINDS = (
    keras.layers.Conv2D,
    keras.layers.DepthwiseConv2D,
    keras.layers.SeparableConv2D,
    keras.layers.Dense,
)


def count_weight_layers(model):
    """The course's "layers with weights": convolution and dense layers, nested models included.

    The convention of the papers' depth counts (DenseNet-121 has 121 of them, ResNet-50 has
    50 on its main path plus 4 projection shortcuts): BatchNormalization, which also holds
    weights, is not counted.
    """
    _check_model(model)
    count = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            count += count_weight_layers(layer)
        elif isinstance(layer, WEIGHT_LAYER_KINDS):
            count += 1
    return count


def _elements(shape):
    return math.prod(shape)


def _bias(layer, output_shape):
    return _elements(output_shape) if getattr(layer, "use_bias", False) else 0


def _conv_flops(layer, inputs, outputs):
    # kernel: (*window, in_channels / groups, filters). Every output element is a dot
    # product of length window * in_channels / groups: that many multiply-adds.
    kernel = layer.kernel.shape
    macs_per_output = math.prod(kernel[:-1])
    return 2 * _elements(outputs[0]) * macs_per_output + _bias(layer, outputs[0])


def _depthwise_flops(layer, inputs, outputs):
    # Each output channel sees one input channel through a kh x kw window.
    window = math.prod(layer.kernel_size)
    return 2 * _elements(outputs[0]) * window + _bias(layer, outputs[0])


def _separable_flops(layer, inputs, outputs):
    # Depthwise (per-channel spatial) part, then the 1x1 pointwise part.
    *spatial, filters = outputs[0]
    in_channels = inputs[0][-1]
    mid_channels = in_channels * layer.depth_multiplier
    depthwise = 2 * math.prod(spatial) * mid_channels * math.prod(layer.kernel_size)
    pointwise = 2 * math.prod(spatial) * mid_channels * filters
    return depthwise + pointwise + _bias(layer, outputs[0])


def _dense_flops(layer, inputs, outputs):
    # A matrix product: in_features x units multiply-adds per position.
    *positions, in_features = inputs[0]
    return 2 * math.prod(positions) * in_features * layer.units + _bias(layer, outputs[0])


def _batch_norm_flops(layer, inputs, outputs):
    # At inference BN is y = x * a + b per channel: one multiply and one add per element.
    return 2 * _elements(outputs[0])


def _layer_norm_flops(layer, inputs, outputs):
    # mean, centre, square, mean, normalise, scale, shift: about 7 per element.
    return 7 * _elements(outputs[0])


def _pool_flops(layer, inputs, outputs):
    # Every output element compares or sums one pooling window.
    return _elements(outputs[0]) * math.prod(layer.pool_size)


def _global_pool_flops(layer, inputs, outputs):
    # Every input element is summed (or compared) once.
    return _elements(inputs[0])


def _merge_flops(layer, inputs, outputs):
    # Add / Subtract / Multiply / Maximum / Minimum of n tensors: n - 1 per element.
    return (len(inputs) - 1) * _elements(outputs[0])


def _average_flops(layer, inputs, outputs):
    # n - 1 additions and one division per element.
    return len(inputs) * _elements(outputs[0])


def _rescaling_flops(layer, inputs, outputs):
    # x * scale + offset.
    return 2 * _elements(outputs[0])


def _softmax_flops(layer, inputs, outputs):
    # exp, sum, divide and the max-shift for stability: 5 per element (TF's convention).
    return 5 * _elements(outputs[0])


def _activation_flops(layer, inputs, outputs):
    name = getattr(layer.activation, "__name__", "")
    return _softmax_flops(layer, inputs, outputs) if name == "softmax" else 0


def _elementwise_flops(layer, inputs, outputs):
    # A plain tensor operation written in the model (x + y, x * 0.5, ...): one per element.
    return _elements(outputs[0])


def _free(layer, inputs, outputs):
    return 0


_RULES = [
    # (layer class, rule, what the table calls it), most specific class first.
    (keras.layers.SeparableConv2D, _separable_flops, "separable conv"),
    (keras.layers.DepthwiseConv2D, _depthwise_flops, "depthwise conv"),
    (keras.layers.Conv2D, _conv_flops, "conv"),
    (keras.layers.Conv1D, _conv_flops, "conv"),
    (keras.layers.Conv3D, _conv_flops, "conv"),
    (keras.layers.Dense, _dense_flops, "matmul"),
    (keras.layers.BatchNormalization, _batch_norm_flops, "scale and shift"),
    (keras.layers.LayerNormalization, _layer_norm_flops, "normalise"),
    (keras.layers.MaxPooling2D, _pool_flops, "pool"),
    (keras.layers.AveragePooling2D, _pool_flops, "pool"),
    (keras.layers.GlobalAveragePooling2D, _global_pool_flops, "global pool"),
    (keras.layers.GlobalMaxPooling2D, _global_pool_flops, "global pool"),
    (keras.layers.Average, _average_flops, "element-wise"),
    (keras.layers.Add, _merge_flops, "element-wise"),
    (keras.layers.Subtract, _merge_flops, "element-wise"),
    (keras.layers.Multiply, _merge_flops, "element-wise"),
    (keras.layers.Maximum, _merge_flops, "element-wise"),
    (keras.layers.Minimum, _merge_flops, "element-wise"),
    (keras.layers.Rescaling, _rescaling_flops, "element-wise"),
    (keras.layers.Normalization, _rescaling_flops, "element-wise"),
    (keras.layers.Softmax, _softmax_flops, "softmax"),
    (keras.layers.Activation, _activation_flops, "activation"),
]

# Weight-free layers that do no arithmetic worth counting (moving or copying data, or a
# non-linearity, which TensorFlow's profiler does not count either).
_FREE_LAYERS = (
    keras.layers.InputLayer,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.Concatenate,
    keras.layers.ZeroPadding2D,
    keras.layers.Cropping2D,
    keras.layers.Reshape,
    keras.layers.Flatten,
    keras.layers.Dropout,
    keras.layers.SpatialDropout2D,
    keras.layers.Identity,
    keras.layers.Permute,
)

# Layers that keras.applications defines privately, by class name.
_NAMED_RULES = {
    # InceptionResNetV2: x + scale * residual, one multiply and one add per element.
    "CustomScaleLayer": (lambda layer, i, o: 2 * _elements(o[0]), "element-wise"),
    # ConvNeXt: every channel multiplied by a learned scale.
    "LayerScale": (lambda layer, i, o: _elements(o[0]), "element-wise"),
}

# Plain tensor operations (keras.ops on symbolic tensors) by class name.
_ELEMENTWISE_OPS = {"Add", "Subtract", "Multiply", "Divide", "TrueDivide", "Maximum", "Minimum"}


def _rule_for(operation):
    """Returns (rule, kind) for one operation of a model graph."""
    if hasattr(operation, "count_flops") and callable(operation.count_flops):
        # A custom layer can say what it costs: count_flops(input_shapes, output_shapes).
        return (lambda layer, i, o: layer.count_flops(i, o)), "custom"
    for layer_class, rule, kind in _RULES:
        if isinstance(operation, layer_class):
            return rule, kind
    if isinstance(operation, _FREE_LAYERS):
        return _free, "free"
    if not isinstance(operation, keras.layers.Layer):
        name = type(operation).__name__
        if name in _ELEMENTWISE_OPS:
            return _elementwise_flops, "element-wise"
        return _free, "free"
    if type(operation).__name__ in _NAMED_RULES:
        return _NAMED_RULES[type(operation).__name__]
    if operation.weights:
        raise ValueError(
            f"count_flops has no rule for layer {operation.name!r} of type "
            f"{type(operation).__name__}, which has weights. Give the layer a method "
            "`count_flops(input_shapes, output_shapes)` returning its FLOPs per example."
        )
    return _free, "free"


def _per_example_shape(tensor, layer_name):
    shape = tuple(tensor.shape)[1:]
    if any(dim is None for dim in shape):
        raise ValueError(
            f"count_flops needs fixed input sizes, but layer {layer_name!r} has an output of "
            f"shape {tuple(tensor.shape)}. Build the model with a full `input_shape`."
        )
    return shape


def _graph_rows(model, prefix=""):
    """Yields one row per operation call in `model`, nested models expanded."""
    functional = _check_model(model)
    for depth in sorted(functional._nodes_by_depth, reverse=True):
        for node in functional._nodes_by_depth[depth]:
            operation = node.operation
            if node.is_input or isinstance(operation, keras.layers.InputLayer):
                continue
            name = prefix + operation.name
            if isinstance(operation, keras.Model):
                yield from _graph_rows(operation, prefix=name + "/")
                continue
            inputs = [_per_example_shape(t, name) for t in node.arguments.keras_tensors]
            outputs = [_per_example_shape(t, name) for t in node.outputs]
            rule, kind = _rule_for(operation)
            is_built_layer = isinstance(operation, keras.layers.Layer) and operation.built
            yield {
                "layer": name,
                "type": type(operation).__name__,
                "output_shape": outputs[0] if len(outputs) == 1 else tuple(outputs),
                "params": int(operation.count_params()) if is_built_layer else 0,
                "flops": int(rule(operation, inputs, outputs)),
                "counted_as": kind,
            }


def flops_table(model):
    """Returns a pandas DataFrame with one row per layer call: the per-layer FLOPs breakdown.

    Columns: layer, type, output_shape (without batch), params, flops, counted_as.
    A layer used twice appears twice; nested models are expanded ("outer/inner" names).
    """
    rows = list(_graph_rows(model))
    return pd.DataFrame(rows, columns=["layer", "type", "output_shape", "params", "flops", "counted_as"])


def count_flops(model):
    """FLOPs of one forward pass of one example (multiply-add = 2 FLOPs), computed analytically."""
    return int(sum(row["flops"] for row in _graph_rows(model)))


def profiler_flops(model):
    """FLOPs of one forward pass at batch size 1 according to TensorFlow's own profiler.

    The model is traced into a graph, its variables are frozen into constants and the
    graph is run through `tf.compat.v1.profiler` with the float-operation options. Slow
    (seconds to a minute for big models); it needs the TensorFlow backend.
    """
    _check_model(model)
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )
    from tensorflow.python.util import deprecation

    if keras.backend.backend() != "tensorflow":
        raise ValueError(
            "profiler_flops needs the TensorFlow backend. Received: "
            f"keras.backend.backend()={keras.backend.backend()!r}"
        )
    specs = [tf.TensorSpec((1, *tensor.shape[1:]), tensor.dtype) for tensor in model.inputs]

    @tf.function
    def forward(*tensors):
        return model(tensors[0] if len(tensors) == 1 else list(tensors), training=False)

    frozen = convert_variables_to_constants_v2(forward.get_concrete_function(*specs))
    # The v1 profiler calls deprecated graph utilities; their warnings say nothing useful here.
    with deprecation.silence(), tf.Graph().as_default() as graph:
        tf.graph_util.import_graph_def(frozen.graph.as_graph_def(), name="")
        options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
        options["output"] = "none"
        info = tf.compat.v1.profiler.profile(
            graph=graph, run_meta=tf.compat.v1.RunMetadata(), cmd="op", options=options
        )
    return int(info.total_float_ops)


def measure_latency(model, batch_size=1, warmup=3, runs=10, seed=0):
    """Measures inference time of one batch: `warmup` untimed calls, then `runs` timed ones.

    Returns a dict with "median_ms", "min_ms", "max_ms" (per batch), "per_example_ms"
    (median / batch size), "runs" and "batch_size". The input is random data of the
    model's input shape. The median is reported because a busy machine adds outliers.
    Timings depend on the machine, its load and the backend: report them with both.
    """
    _check_model(model)
    check_int(batch_size, "batch_size", minimum=1)
    check_int(warmup, "warmup", minimum=0)
    check_int(runs, "runs", minimum=1)
    batch = _random_inputs(model, batch_size, seed)
    batch = batch[0] if len(batch) == 1 else batch
    _, times = _timed_calls(_compiled_forward(model), [batch], warmup, runs)
    median = statistics.median(times)
    return {
        "median_ms": median,
        "min_ms": min(times),
        "max_ms": max(times),
        "per_example_ms": median / batch_size,
        "runs": runs,
        "batch_size": batch_size,
    }


def _random_inputs(model, batch_size, seed):
    """One batch of uniform random data per input of `model` (float32 NumPy arrays)."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.0, 1.0, (batch_size, *tensor.shape[1:])).astype("float32")
            for tensor in model.inputs]


def layer_times(model, batch_size=1, warmup=2, runs=10, seed=0):
    """Inference time of each layer of `model`, each called alone on the inputs it gets.

    Runs the model's graph node by node on one random batch; each layer is compiled on its
    own (`tf.function` / `jax.jit`), called `warmup` times untimed, then `runs` times
    timed. Returns a DataFrame indexed by layer name with "type", "median_ms" and "min_ms".
    Every separate call carries a fixed cost that a whole-model graph pays far less often:
    `result.attrs["call_overhead_ms"]` is the median time of a compiled call that does no
    work (an identity) on the same batch, and `result.attrs["whole_model_ms"]` the median
    time of the whole model from `measure_latency`, so readers can compare the sum of the
    per-layer times with both.
    """
    functional = _check_model(model)
    check_int(batch_size, "batch_size", minimum=1)
    check_int(warmup, "warmup", minimum=0)
    check_int(runs, "runs", minimum=1)
    values = {id(tensor): keras.ops.convert_to_tensor(array) for tensor, array
              in zip(functional.inputs, _random_inputs(functional, batch_size, seed))}
    first_input = values[id(functional.inputs[0])]
    rows = []
    for depth in sorted(functional._nodes_by_depth, reverse=True):
        for node in functional._nodes_by_depth[depth]:
            operation = node.operation
            if node.is_input or isinstance(operation, keras.layers.InputLayer):
                continue
            inputs = [values[id(tensor)] for tensor in node.arguments.keras_tensors]
            outputs, times = _timed_calls(_compiled(_node_call(node)), inputs, warmup, runs)
            for tensor, value in zip(node.outputs, keras.tree.flatten(outputs)):
                values[id(tensor)] = value
            rows.append({"layer": operation.name, "type": type(operation).__name__,
                         "median_ms": statistics.median(times), "min_ms": min(times)})
    _, overhead = _timed_calls(_compiled(lambda tensor: tensor), [first_input], warmup, runs)
    result = pd.DataFrame(rows).set_index("layer")
    result.attrs["call_overhead_ms"] = statistics.median(overhead)
    whole = measure_latency(model, batch_size=batch_size, warmup=warmup, runs=runs, seed=seed)
    result.attrs["whole_model_ms"] = whole["median_ms"]
    return result


def _node_call(node):
    """A function of the node's input tensors that calls its operation as the graph does."""
    symbolic = node.arguments.keras_tensors
    extra = {"training": False} if isinstance(node.operation, keras.layers.Layer) else {}

    def call(*tensors):
        args, kwargs = node.arguments.fill_in({id(k): t for k, t in zip(symbolic, tensors)})
        return node.operation(*args, **{**kwargs, **extra})

    return call


def _timed_calls(call, arguments, warmup, runs):
    """The last outputs of `call(*arguments)` and the times (ms) of `runs` timed calls."""
    for _ in range(warmup):
        _wait(call(*arguments))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        outputs = call(*arguments)
        _wait(outputs)
        times.append((time.perf_counter() - start) * 1000.0)
    return outputs, times


def _wait(outputs):
    """Blocks until `outputs` are computed (reads one number of the first output)."""
    first = keras.tree.flatten(outputs)[0]
    keras.ops.convert_to_numpy(first[(0,) * len(first.shape)])


def _compiled(function):
    """`function` compiled into a graph where the backend allows it."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # No AutoGraph: these functions have no Python control flow to convert.
        return tf.function(function, reduce_retracing=True, autograph=False)
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(function)
    return function


def _compiled_forward(model):
    """The model's inference call, compiled into a graph where the backend allows it."""
    if keras.backend.backend() == "jax":
        import jax

        state = (model.trainable_variables, model.non_trainable_variables)
        values = [[v.value for v in group] for group in state]

        @jax.jit
        def forward(trainable, non_trainable, x):
            outputs, _ = model.stateless_call(trainable, non_trainable, x, training=False)
            return outputs

        return lambda x: forward(values[0], values[1], x)
    return _compiled(lambda x: model(x, training=False))
