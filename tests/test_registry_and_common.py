"""The model registry and the pieces every builder shares."""

import keras
import numpy as np
import pytest

from convnet_lib.models import available_models, build_model, get_builder, register_model
from convnet_lib.models.common import validate_head_arguments, validate_input_shape
from convnet_lib.weights import transfer_weights


def test_available_models_is_sorted_and_has_the_baseline():
    names = available_models()
    assert names == sorted(names)
    assert "baseline_cnn" in names


def test_build_model_returns_a_keras_model():
    model = build_model("baseline_cnn", input_shape=(28, 28, 1), classes=10)
    assert isinstance(model, keras.Model)
    assert model.output_shape == (None, 10)


def test_unknown_model_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"name='resnet9000'.*baseline_cnn"):
        build_model("resnet9000")


def test_non_string_model_name_is_rejected():
    with pytest.raises(ValueError, match="name=42"):
        get_builder(42)


def test_unknown_builder_argument_is_named():
    with pytest.raises(ValueError, match=r"\['widht'\].*widths"):
        build_model("baseline_cnn", widht=(8,))


def test_registering_a_second_builder_under_a_taken_name_fails():
    with pytest.raises(ValueError, match="already registered"):
        register_model("baseline_cnn")(lambda: None)


@pytest.mark.parametrize(
    "input_shape, message",
    [
        ((16, 16, 3), r"at least 32x32.*Received: input_shape=\(16, 16, 3\)"),
        ((224, 224), r"three integers.*Received: input_shape=\(224, 224\)"),
        ("224x224", r"Received: input_shape='224x224'"),
        ((64, 64, 0), r"at least one channel.*input_shape=\(64, 64, 0\)"),
        ((64.0, 64, 3), r"three integers"),
    ],
)
def test_validate_input_shape_rejects_impossible_shapes(input_shape, message):
    with pytest.raises(ValueError, match=message):
        validate_input_shape(input_shape, default_size=224, min_size=32, model_name="test")


def test_validate_input_shape_defaults_and_accepts():
    assert validate_input_shape(None, 224, 32, "test") == (224, 224, 3)
    assert validate_input_shape([32, 40, 1], 224, 32, "test") == (32, 40, 1)


@pytest.mark.parametrize(
    "arguments, name",
    [
        ((1, None, 10, "softmax"), "include_top"),
        ((True, "mean", 10, "softmax"), "pooling"),
        ((True, None, 0, "softmax"), "classes"),
        ((True, None, 10.0, "softmax"), "classes"),
        ((True, None, 10, 3), "classifier_activation"),
    ],
)
def test_validate_head_arguments_names_the_bad_argument(arguments, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        validate_head_arguments(*arguments)


def test_baseline_rejects_too_small_input_and_bad_widths():
    with pytest.raises(ValueError, match="input_shape"):
        build_model("baseline_cnn", input_shape=(2, 2, 1))
    with pytest.raises(ValueError, match="widths"):
        build_model("baseline_cnn", widths=(32, 0))


@pytest.mark.parametrize("pooling, shape", [(None, (None, 7, 7, 16)), ("avg", (None, 16)), ("max", (None, 16))])
def test_pooling_options_without_top(pooling, shape):
    model = build_model("baseline_cnn", include_top=False, pooling=pooling, widths=(8, 16, 16))
    assert model.output_shape == shape


def test_transfer_weights_copies_every_layer_and_outputs_agree():
    source = build_model("baseline_cnn", widths=(4, 8), convs_per_stage=2, classes=3)
    target = build_model("baseline_cnn", widths=(4, 8), convs_per_stage=2, classes=3)
    x = np.random.default_rng(0).uniform(size=(2, 28, 28, 1)).astype("float32")
    assert not np.allclose(source.predict(x, verbose=0), target.predict(x, verbose=0))
    copied = transfer_weights(source, target)
    assert copied == 9  # 2 stages x 2 units x (conv + BN), and the classifier
    np.testing.assert_allclose(source.predict(x, verbose=0), target.predict(x, verbose=0), atol=1e-6)


def test_transfer_weights_fails_clearly_on_a_mismatch():
    source = build_model("baseline_cnn", widths=(4, 8), convs_per_stage=2, classes=3)
    wider = build_model("baseline_cnn", widths=(4, 16), convs_per_stage=2, classes=3)
    deeper = build_model("baseline_cnn", widths=(4, 8, 8), convs_per_stage=2, classes=3)
    with pytest.raises(ValueError, match=r"Layer \d+ with weights does not match"):
        transfer_weights(source, wider)
    with pytest.raises(ValueError, match="different numbers of layers"):
        transfer_weights(source, deeper)
    with pytest.raises(ValueError, match="`target` must be a keras.Model"):
        transfer_weights(source, "model")
