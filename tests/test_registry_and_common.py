"""The model registry and its facts, the pieces every builder shares, and transfer_weights."""

import inspect

import keras
import numpy as np
import pytest

from convnet_lib.complexity import count_params
from convnet_lib.models import available_models
from convnet_lib.models import build_model
from convnet_lib.models import get_builder
from convnet_lib.models import model_info
from convnet_lib.models import models_with_twins
from convnet_lib.models import register_model
from convnet_lib.models.common import validate_head_arguments
from convnet_lib.models.common import validate_input_shape
from convnet_lib.weights import transfer_weights

from tests.test_bianco_families import REFERENCE as CHECKED_WITH_MULTIPLY_ADDS

# Every registered model with a reference count. Those that test_bianco_families checks
# (parameters and multiply-adds in one build) are not built a second time here.
MODELS_WITH_REFERENCE = [
    name for name in available_models()
    if model_info(name).reference_params is not None and name not in CHECKED_WITH_MULTIPLY_ADDS
]


def test_build_model_returns_a_keras_model():
    model = build_model("baseline_cnn", input_shape=(28, 28, 1), classes=10)
    assert isinstance(model, keras.Model)
    assert model.output_shape == (None, 10)


def test_unknown_model_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"name='resnet9000'.*baseline_cnn"):
        build_model("resnet9000")
    with pytest.raises(ValueError, match=r"name='resnet9000'"):
        model_info("resnet9000")


def test_non_string_model_name_is_rejected():
    with pytest.raises(ValueError, match="name=42"):
        get_builder(42)


def test_unknown_builder_argument_is_named():
    with pytest.raises(ValueError, match=r"\['widht'\].*widths"):
        build_model("baseline_cnn", widht=(8,))


def test_registering_a_second_builder_under_a_taken_name_fails():
    with pytest.raises(ValueError, match="already registered"):
        register_model("baseline_cnn", input_size=1, min_input_size=1)(lambda: None)


def test_builder_signatures_list_the_row_options():
    parameters = inspect.signature(get_builder("se_resnet_mini")).parameters
    assert list(parameters)[:5] == [
        "include_top", "input_shape", "pooling", "classes", "classifier_activation"
    ]
    assert parameters["use_se"].default is True
    assert parameters["reduction_ratio"].kind is inspect.Parameter.KEYWORD_ONLY
    assert get_builder("se_resnet_mini").__module__ == "convnet_lib.models.senet"


@pytest.mark.parametrize("name", sorted(models_with_twins()))
def test_keras_twins_exist_in_keras_applications(name):
    twin = getattr(keras.applications, model_info(name).keras_twin, None)
    assert callable(twin)


@pytest.mark.parametrize("name", available_models())
def test_input_below_the_registered_minimum_is_rejected(name):
    info = model_info(name)
    if info.min_input_size == 1:
        pytest.skip("every size is allowed")
    too_small = info.min_input_size - 1
    with pytest.raises(ValueError, match="input_shape"):
        build_model(name, input_shape=(too_small, info.min_input_size, info.input_channels))


@pytest.mark.parametrize(
    "name", [name for name in available_models() if model_info(name).input_size <= 64]
)
def test_small_models_default_to_their_registered_shape_and_accept_the_minimum(name):
    info = model_info(name)
    model = build_model(name)
    assert model.input_shape == (None, *info.input_shape)
    assert model.output_shape == (None, info.classes)
    smallest = (info.min_input_size, info.min_input_size, info.input_channels)
    assert build_model(name, input_shape=smallest).output_shape == (None, info.classes)


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS_WITH_REFERENCE)
def test_trainable_parameters_equal_the_reference(name):
    keras.backend.clear_session()
    info = model_info(name)
    model = build_model(name)
    assert model.input_shape == (None, *info.input_shape)
    assert model.output_shape == (None, info.classes)
    assert count_params(model).trainable == info.reference_params, info.reference_source
    del model
    keras.backend.clear_session()


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
    assert validate_input_shape(None, 32, 8, "test", default_channels=1) == (32, 32, 1)
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


def test_misspelt_classifier_activation_is_named_with_what_is_allowed():
    message = r"`classifier_activation`.*'softmax'.*Received: classifier_activation='sofmax'"
    with pytest.raises(ValueError, match=message):
        validate_head_arguments(True, None, 10, "sofmax")
    with pytest.raises(ValueError, match=message):
        build_model("baseline_cnn", classifier_activation="sofmax")
    validate_head_arguments(True, None, 10, "sigmoid")
    validate_head_arguments(True, None, 10, keras.activations.softmax)
    validate_head_arguments(True, None, 10, None)


def test_baseline_rejects_too_small_input_and_bad_widths():
    with pytest.raises(ValueError, match="input_shape"):
        build_model("baseline_cnn", input_shape=(2, 2, 1))
    with pytest.raises(ValueError, match="widths"):
        build_model("baseline_cnn", widths=(32, 0))
    with pytest.raises(ValueError, match="widths"):
        build_model("baseline_cnn", widths=())


@pytest.mark.parametrize("pooling, shape", [(None, (None, 7, 7, 16)), ("avg", (None, 16)), ("max", (None, 16))])
def test_pooling_options_without_top(pooling, shape):
    model = build_model("baseline_cnn", include_top=False, pooling=pooling, widths=(8, 16, 16))
    assert model.output_shape == shape


# --- transfer_weights ---------------------------------------------------------------------


def test_transfer_weights_copies_every_layer_and_outputs_agree():
    source = build_model("baseline_cnn", widths=(4, 8), convs_per_stage=2, classes=3)
    target = build_model("baseline_cnn", widths=(4, 8), convs_per_stage=2, classes=3)
    x = np.random.default_rng(0).uniform(size=(2, 28, 28, 1)).astype("float32")
    assert not np.allclose(source.predict(x, verbose=0), target.predict(x, verbose=0))
    copied = transfer_weights(source, target)
    assert copied == 9  # 2 stages x 2 units x (conv + BN), and the classifier
    np.testing.assert_allclose(source.predict(x, verbose=0), target.predict(x, verbose=0), atol=1e-6)


def test_transfer_weights_copies_between_minis():
    source = build_model("xception_mini")
    target = build_model("xception_mini")
    rng = np.random.default_rng(1)
    for variable in source.weights:
        variable.assign(rng.normal(1.0, 0.1, size=variable.shape).astype("float32"))
    copied = transfer_weights(source, target)
    assert copied == len([layer for layer in source.layers if layer.weights])
    x = np.random.default_rng(2).uniform(size=(1, 32, 32, 1)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(target(x, training=False)),
        keras.ops.convert_to_numpy(source(x, training=False)),
        rtol=1e-6,
    )


def test_transfer_weights_fails_clearly_on_a_mismatch():
    source = build_model("baseline_cnn", widths=(4, 8), convs_per_stage=2, classes=3)
    wider = build_model("baseline_cnn", widths=(4, 16), convs_per_stage=2, classes=3)
    deeper = build_model("baseline_cnn", widths=(4, 8, 8), convs_per_stage=2, classes=3)
    with pytest.raises(ValueError, match=r"Layer \d+ with weights does not match"):
        transfer_weights(source, wider)
    with pytest.raises(ValueError, match="different numbers of layers with weights"):
        transfer_weights(source, deeper)
    with pytest.raises(ValueError, match="`target` must be a keras.Model"):
        transfer_weights(source, "model")
    with pytest.raises(ValueError, match="`source` must be a keras.Model"):
        transfer_weights("xception", source)


def test_transfer_weights_copies_nothing_when_the_last_layer_differs():
    source = build_model("xception_mini", classes=10)
    target = build_model("xception_mini", classes=5)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ValueError, match=r"does not match.*predictions.*\(384, 10\)"):
        transfer_weights(source, target)
    # Nothing was copied, not even the layers before the mismatch.
    for old, new in zip(before, target.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_transfer_weights_fails_clearly_on_different_layer_kind():
    # Same weight shapes (1, 1, 4, 4), different layer classes: refused, both named.
    def tiny(layer):
        inputs = keras.Input((8, 8, 4))
        return keras.Model(inputs, layer(inputs))

    source = tiny(keras.layers.Conv2D(4, 1, use_bias=False, name="plain"))
    target = tiny(keras.layers.Conv2DTranspose(4, 1, use_bias=False, name="transposed"))
    with pytest.raises(ValueError, match=r"'plain' \(Conv2D.*'transposed' \(Conv2DTranspose"):
        transfer_weights(source, target)


def test_compare_builds_reports_agreement_and_catches_a_misplaced_layer(capsys):
    from keras import layers

    from convnet_lib.weights import compare_builds, randomize_batch_norm

    def conv_bn(x):
        x = layers.Conv2D(4, 3, padding="same", use_bias=False)(x)
        return layers.BatchNormalization()(x)

    def conv_relu_bn(x):  # the same weights, a ReLU in the wrong place
        x = layers.Conv2D(4, 3, padding="same", use_bias=False)(x)
        return layers.BatchNormalization()(layers.ReLU()(x))

    assert compare_builds(conv_bn, conv_bn, (5, 5, 2)) is None
    lines = capsys.readouterr().out
    assert "same parameters: True" in lines and "after weight transfer: 0.00000" in lines
    compare_builds(conv_relu_bn, conv_bn, (5, 5, 2))
    difference = float(capsys.readouterr().out.rsplit(":", 1)[1])
    assert difference > 1e-3
    # Random statistics: a BatchNormalization layer is no longer close to the identity.
    inputs = keras.Input((3, 3, 2))
    model = keras.Model(inputs, layers.BatchNormalization()(inputs))
    randomize_batch_norm(model, seed=1)
    gamma, beta, mean, variance = model.layers[-1].get_weights()
    assert not np.allclose(gamma, 1) and not np.allclose(mean, 0)
    with pytest.raises(ValueError, match="build_mine"):
        compare_builds(None, conv_bn, (5, 5, 2))
