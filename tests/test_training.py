"""The one training recipe, the multi-seed runner and the cached baseline."""

import dataclasses

import keras
import numpy as np
import pytest

from convnet_lib import training
from convnet_lib.models import build_model

# A recipe small enough for a unit test: 200 training images, 1 epoch, 28x28.
TINY = training.Recipe(epochs=1, batch_size=50, image_size=28, train_examples=200,
                       test_examples=100)


@pytest.fixture(scope="module")
def splits():
    return training.fashion_mnist_splits(TINY)


def tiny_cnn():
    return build_model("baseline_cnn", input_shape=(28, 28, 1), widths=(4, 8), dropout_rate=0.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": 0}, "epochs=0"),
        ({"learning_rate": 0.0}, "learning_rate=0.0"),
        ({"schedule": "step"}, "schedule='step'"),
        ({"optimizer": "sgd"}, "optimizer='sgd'"),
        ({"weight_decay": 1e-4}, "optimizer='adam'"),
        ({"validation_fraction": 0.0}, "held-out"),
        ({"image_size": 16}, "image_size=16"),
        ({"train_examples": 10}, "train_examples=10"),
        ({"warmup_epochs": 5.0}, "warmup_epochs=5.0"),
    ],
)
def test_recipe_rejects_impossible_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        training.Recipe(**kwargs)


def test_quick_recipe_shrinks_only_in_quick_mode(monkeypatch):
    monkeypatch.setenv("CONVNET_QUICK", "0")
    assert training.quick_recipe() is training.DEFAULT_RECIPE
    monkeypatch.setenv("CONVNET_QUICK", "1")
    quick = training.quick_recipe()
    assert (quick.epochs, quick.train_examples, quick.test_examples) == (1, 2_048, 1_000)
    splits = training.fashion_mnist_splits(quick)
    # whole batches only (128 for training, 500 for evaluation): no extra trace
    assert (len(splits.train_labels), len(splits.validation_labels)) == (2_048, 1_500)
    assert quick.learning_rate == training.DEFAULT_RECIPE.learning_rate
    with pytest.raises(ValueError, match="recipe"):
        training.quick_recipe({"epochs": 1})


def test_cosine_schedule_decays_to_zero_after_warmup():
    recipe = dataclasses.replace(TINY, epochs=2, warmup_epochs=0.5, learning_rate=1e-2)
    schedule = training.learning_rate_schedule(recipe, steps_per_epoch=10)
    values = [float(schedule(step)) for step in (0, 5, 12, 20)]
    assert values[0] == pytest.approx(0.0)
    assert values[1] == pytest.approx(1e-2)
    assert 0 < values[2] < 1e-2
    assert values[3] == pytest.approx(0.0, abs=1e-6)
    constant = dataclasses.replace(TINY, schedule="constant")
    assert training.learning_rate_schedule(constant, 10) == constant.learning_rate


def test_splits_hold_out_validation_and_keep_the_test_set_apart(splits):
    assert len(splits.train_labels) == 200 and len(splits.test_labels) == 100
    assert len(splits.validation_labels) == 6_000  # 10 % of the 60,000 training images
    images, labels = next(iter(splits.train))
    assert tuple(images.shape[1:]) == (28, 28, 1) and images.shape[0] == 50
    assert "validation 6,000" in splits.sizes()


def test_train_uses_the_recipe_and_validates(splits):
    model = tiny_cnn()
    history = training.train(model, splits, TINY, verbose=0)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == TINY.epochs
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    with pytest.raises(ValueError, match="splits"):
        training.train(model, (1, 2), TINY)
    with pytest.raises(ValueError, match="verbose=3"):
        training.train(model, splits, TINY, verbose=3)


def test_report_test_accuracy_prints_the_agreed_line(capsys):
    import tensorflow as tf

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Softmax()(inputs))
    x = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype="float32")
    y = np.array([0, 1, 1, 1])
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(3)
    assert training.report_test_accuracy(model, dataset) == 0.75
    assert capsys.readouterr().out.startswith("test accuracy: 0.750")
    training.report_test_accuracy(model, dataset, label="toy")
    assert capsys.readouterr().out.startswith("toy test accuracy: 0.750")


def test_run_seeds_is_repeatable_and_compare_prints_one_line(splits, capsys):
    first = training.run_seeds(tiny_cnn, [0, 1], splits, TINY, label="tiny")
    again = training.run_seeds(tiny_cnn, [0], splits, TINY, label="tiny")
    out = capsys.readouterr().out
    assert "tiny seed 0 (1/2)" in out and "tiny seed 1 (2/2)" in out and "elapsed" in out
    assert [run.seed for run in first] == [0, 1]
    assert first[0].correct.shape == (100,)
    np.testing.assert_array_equal(first[0].correct, again[0].correct)
    assert first[0].test_accuracy == pytest.approx(first[0].correct.mean())
    result = training.compare(first, first, "tiny", "tiny again")
    assert capsys.readouterr().out == result.line() + "\n"
    assert result.difference == 0.0
    with pytest.raises(ValueError, match="same seeds"):
        training.compare(first, first[::-1], "a", "b")
    with pytest.raises(ValueError, match="seeds"):
        training.run_seeds(tiny_cnn, [0, 0], splits, TINY)


def test_cached_runs_are_trained_once_then_loaded(splits, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONVNET_CACHE_DIR", str(tmp_path))
    runs = training.baseline_runs(splits, TINY, seeds=(0,))
    assert "baseline_cnn seed 0 (1/1)" in capsys.readouterr().out
    loaded = training.baseline_runs(splits, TINY, seeds=(0,))
    assert "loaded from the cache" in capsys.readouterr().out
    assert loaded[0].test_accuracy == runs[0].test_accuracy
    assert loaded[0].history == runs[0].history
    np.testing.assert_array_equal(loaded[0].predicted, runs[0].predicted)
    # Another recipe is another model: trained, not loaded.
    other = dataclasses.replace(TINY, learning_rate=1e-3)
    training.baseline_runs(splits, other, seeds=(0,))
    assert "trained in" in capsys.readouterr().out
    with pytest.raises(ValueError, match="cache_settings"):
        training.run_seeds(tiny_cnn, [0], splits, TINY, cache_settings="yes")
