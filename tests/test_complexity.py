"""Parameter and FLOP counting, checked against hand computation and TensorFlow's profiler."""

import keras
import pytest
from keras import layers

from convnet_lib.complexity import (
    count_flops,
    count_params,
    flops_table,
    layer_times,
    measure_latency,
    profiler_flops,
)


def _single_layer_model(layer, input_shape):
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, layer(inputs))


@pytest.mark.parametrize(
    "layer, input_shape, expected",
    [
        # 2 * (8*8 outputs * 16 filters) * (3*3*4 inputs) + 8*8*16 biases
        (layers.Conv2D(16, 3, padding="same"), (8, 8, 4), 2 * 8 * 8 * 16 * 36 + 8 * 8 * 16),
        # groups=4: each filter sees 8/4 = 2 input channels
        (layers.Conv2D(8, 3, groups=4, use_bias=False), (10, 10, 8), 2 * 8 * 8 * 8 * 9 * 2),
        # stride 2, valid: 3x3 output
        (layers.Conv2D(2, 3, strides=2, use_bias=False), (7, 7, 1), 2 * 3 * 3 * 2 * 9),
        (layers.DepthwiseConv2D(3, padding="same", use_bias=False), (8, 8, 5), 2 * 8 * 8 * 5 * 9),
        (
            layers.SeparableConv2D(6, 3, padding="same", use_bias=False),
            (8, 8, 5),
            2 * 8 * 8 * 5 * 9 + 2 * 8 * 8 * 5 * 6,
        ),
        (layers.Dense(7), (20,), 2 * 20 * 7 + 7),
        (layers.BatchNormalization(), (4, 4, 3), 2 * 4 * 4 * 3),
        (layers.MaxPooling2D(2), (8, 8, 3), 4 * 4 * 3 * 4),
        (layers.AveragePooling2D(3, strides=1), (5, 5, 2), 3 * 3 * 2 * 9),
        (layers.GlobalAveragePooling2D(), (6, 6, 10), 360),
        (layers.Activation("relu"), (6, 6, 10), 0),
        (layers.Activation("softmax"), (10,), 50),
    ],
)
def test_single_layer_rules(layer, input_shape, expected):
    assert count_flops(_single_layer_model(layer, input_shape)) == expected


def test_elementwise_merge_layers():
    a, b, c = keras.Input((4, 4, 2)), keras.Input((4, 4, 2)), keras.Input((4, 4, 2))
    added = layers.Add()([a, b, c])  # 2 additions per element
    multiplied = layers.Multiply()([added, a])  # 1 per element
    model = keras.Model([a, b, c], layers.Concatenate()([added, multiplied]))
    assert count_flops(model) == 2 * 32 + 32


def test_nested_models_are_expanded():
    inner_input = keras.Input((8, 8, 3))
    inner = keras.Model(inner_input, layers.Conv2D(4, 1, use_bias=False, name="pw")(inner_input), name="inner")
    outer_input = keras.Input((8, 8, 3))
    outer = keras.Model(outer_input, layers.GlobalAveragePooling2D()(inner(outer_input)))
    assert count_flops(outer) == 2 * 64 * 4 * 3 + 64 * 4
    table = flops_table(outer)
    assert "inner/pw" in set(table["layer"])
    assert table["flops"].sum() == count_flops(outer)


def test_flops_table_columns_and_sum():
    model = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), alpha=0.35)
    table = flops_table(model)
    assert list(table.columns) == ["layer", "type", "output_shape", "params", "flops", "counted_as"]
    assert table["flops"].sum() == count_flops(model)
    assert table["params"].sum() == model.count_params()


def test_count_params_splits_trainable_and_moving_statistics():
    model = _single_layer_model(layers.BatchNormalization(), (4, 4, 3))
    assert count_params(model) == (6, 6, 12)
    xception = keras.applications.Xception(weights=None)
    counted = count_params(xception)
    assert counted.total == xception.count_params() == 22_910_480
    assert counted.trainable == 22_855_952


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="`model` must be a keras.Model"):
        count_flops("resnet50")
    with pytest.raises(ValueError, match="`model` must be a keras.Model"):
        count_params(None)
    variable = _single_layer_model(layers.Conv2D(2, 3), (None, None, 3))
    with pytest.raises(ValueError, match="fixed input sizes"):
        count_flops(variable)
    model = _single_layer_model(layers.Dense(2), (3,))
    with pytest.raises(ValueError, match="batch_size=0"):
        measure_latency(model, batch_size=0)


def test_unknown_layer_with_weights_is_refused_not_ignored():
    class Mystery(layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],))

        def call(self, x):
            return x * self.w

    with pytest.raises(ValueError, match="no rule for layer"):
        count_flops(_single_layer_model(Mystery(), (3,)))


def test_measure_latency_reports_positive_times():
    model = _single_layer_model(layers.Dense(4), (8,))
    result = measure_latency(model, batch_size=2, warmup=1, runs=3)
    assert result["runs"] == 3 and result["batch_size"] == 2
    assert 0 < result["min_ms"] <= result["median_ms"] <= result["max_ms"]
    assert result["per_example_ms"] == pytest.approx(result["median_ms"] / 2)


def test_layer_times_times_every_layer_and_keeps_the_graph_outputs():
    inputs = keras.Input((6, 6, 3))
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    skip = layers.Conv2D(4, 1, name="project")(inputs)
    x = layers.Add(name="add")([x, skip])
    outputs = layers.Dense(2, name="head")(layers.GlobalAveragePooling2D(name="pool")(x))
    model = keras.Model(inputs, outputs)
    result = layer_times(model, batch_size=2, warmup=1, runs=2)
    assert sorted(result.index) == ["add", "conv", "head", "pool", "project"]
    assert result.loc["add", "type"] == "Add"
    assert (result["min_ms"] > 0).all() and (result["min_ms"] <= result["median_ms"]).all()
    assert result.attrs["call_overhead_ms"] > 0 and result.attrs["whole_model_ms"] > 0
    with pytest.raises(ValueError, match="runs=0"):
        layer_times(model, runs=0)


# The analytic counter against TensorFlow's own profiler on real architectures at their
# default input sizes (ResNet50 ~7.7 GFLOPs at 224x224). Within 1 %.
@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["ResNet50", "InceptionV3", "Xception", "DenseNet121", "MobileNetV2"]
)
def test_count_flops_agrees_with_tensorflow_profiler(name):
    model = getattr(keras.applications, name)(weights=None)
    ours, theirs = count_flops(model), profiler_flops(model)
    assert ours == pytest.approx(theirs, rel=0.01)


@pytest.mark.slow
def test_resnet50_is_about_7_7_gflops():
    flops = count_flops(keras.applications.ResNet50(weights=None))
    # He et al. 2015, Table 1: 3.8e9 multiply-adds -> about 7.7e9 FLOPs.
    assert 7.6e9 < flops < 7.8e9


@pytest.mark.slow
@pytest.mark.parametrize("name", ["MobileNetV3Small", "ConvNeXtTiny"])
def test_models_built_from_keras_ops_and_private_layers_are_counted(name):
    # MobileNetV3 writes hard-swish with plain tensor operations (x + 3, x * (1/6));
    # ConvNeXt uses LayerNormalization, a private LayerScale layer and nested Sequentials.
    # Our convention leaves the multiply inside (hard-)swish and GELU uncounted, which the
    # profiler counts, and counts LayerNormalization slightly differently: within 3 %.
    model = getattr(keras.applications, name)(weights=None, input_shape=(224, 224, 3))
    assert count_flops(model) == pytest.approx(profiler_flops(model), rel=0.03)


def test_count_weight_layers_counts_conv_and_dense_only():
    from convnet_lib.complexity import count_weight_layers

    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3)(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.DepthwiseConv2D(3, padding="same")(x)
    x = keras.layers.SeparableConv2D(4, 1)(x)
    inner = keras.Model(inputs, x)
    outer_inputs = keras.Input((8, 8, 3))
    y = keras.layers.GlobalAveragePooling2D()(inner(outer_inputs))
    model = keras.Model(outer_inputs, keras.layers.Dense(2)(y))
    assert count_weight_layers(model) == 4
    densenet = keras.applications.DenseNet121(weights=None, input_shape=(32, 32, 3))
    assert count_weight_layers(densenet) == 121
