"""Tests of convnet_lib.comparison: building, counting and measuring many models."""

import os

import keras
import numpy as np
import pandas as pd
import pytest
from keras import layers

from convnet_lib import accuracy_table
from convnet_lib import comparison
from convnet_lib import complexity

TABLE_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "imagenet_accuracy.csv")


@pytest.fixture(scope="module")
def table():
    return accuracy_table.load_accuracy_table(TABLE_PATH)


def tiny_model(width=8):
    inputs = keras.Input((16, 16, 3))
    x = layers.Conv2D(width, 3, padding="same", name="conv")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(5, name="predictions")(x)
    return keras.Model(inputs, outputs, name=f"tiny{width}")


def test_unknown_or_too_small_builds_are_named():
    with pytest.raises(ValueError, match="not available"):
        comparison.build_from_spec("keras:NoSuchNet", 224)
    with pytest.raises(ValueError, match="input_size"):
        comparison.build_from_spec("keras:MobileNetV3Small", 8)


def test_model_builders_use_the_published_input_size(table):
    builders = comparison.model_builders(table)
    assert builders["Xception"].input_size == 299
    assert builders["NASNetLarge"].input_size == 331
    assert builders["EfficientNetB3"].input_size == 300
    # Every primary model either has a builder here or is reported missing.
    names = set(accuracy_table.primary_rows(table).index)
    assert set(builders) | set(comparison.missing_builders(table)) == names


def test_complexity_comes_from_count_params_and_count_flops(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVNET_CACHE_DIR", str(tmp_path))
    model = tiny_model()
    expected = complexity.count_params(model)
    result = comparison.compute_complexity({"tiny": tiny_model}, cache=False)
    assert result.loc["tiny", "params"] == expected.trainable
    assert result.loc["tiny", "params_total"] == expected.total
    assert result.loc["tiny", "flops"] == complexity.count_flops(model)
    assert result.loc["tiny", "origin"] == "computed"



def test_counts_are_cached_per_builder_and_input_size(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVNET_CACHE_DIR", str(tmp_path))
    builders = {"MobileNet": comparison.SpecBuilder("keras:MobileNet", 96)}
    first = comparison.compute_complexity(builders)
    assert first.loc["MobileNet", "origin"] == "computed"
    # The second call reads the cache, which holds the same counted numbers.
    again = comparison.compute_complexity(builders)
    assert again.loc["MobileNet", "origin"] == "cache"
    assert again.loc["MobileNet", "flops"] == first.loc["MobileNet", "flops"]
    other_size = comparison.compute_complexity(
        {"MobileNet": comparison.SpecBuilder("keras:MobileNet", 128)})
    assert other_size.loc["MobileNet", "origin"] == "computed"
    assert len(list((tmp_path / "complexity").glob("MobileNet-*.json"))) == 2


def test_real_keras_model_counts_match_keras(tmp_path):
    builders = {"MobileNet": comparison.SpecBuilder("keras:MobileNet", 128)}
    result = comparison.compute_complexity(builders, cache=False)
    model = keras.applications.MobileNet(weights=None, input_shape=(128, 128, 3))
    assert result.loc["MobileNet", "params_total"] == model.count_params()
    assert result.loc["MobileNet", "flops"] == complexity.count_flops(model)


def test_chart_table_uses_the_computed_counts(table):
    counts = pd.DataFrame(
        {"params": [2_000_000, 4_000_000], "params_total": [2_100_000, 4_100_000],
         "flops": [3_000_000_000, 1_000_000_000]},
        index=["Xception", "MobileNet"],
    )
    data = comparison.chart_table(table, counts)
    assert set(data.index) == {"Xception", "MobileNet"}
    assert data.loc["Xception", "mparams"] == 2.0
    assert data.loc["MobileNet", "gflops"] == 1.0
    assert data.loc["Xception", "density"] == pytest.approx(79.0 / 2.0)
    with pytest.raises(ValueError, match="compute_complexity"):
        comparison.chart_table(table, counts.drop(columns=["flops"]))


def test_compute_complexity_argument_errors():
    with pytest.raises(ValueError, match="builders"):
        comparison.compute_complexity([tiny_model])
    with pytest.raises(ValueError, match="cache=3"):
        comparison.compute_complexity({"tiny": tiny_model}, cache=3)


# ---- frontier, density, charts -------------------------------------------------------------


def test_pareto_frontier():
    data = pd.DataFrame(
        {"cost": [1.0, 2.0, 3.0, 2.5, 4.0, 1.0], "acc": [70.0, 75.0, 74.0, 76.0, 76.0, 69.0]},
        index=list("abcdef"),
    )
    front = comparison.pareto_frontier(data, "cost", "acc")
    assert list(front[front].index) == ["a", "b", "d"]
    with pytest.raises(ValueError, match="lacks the column"):
        comparison.pareto_frontier(data, "flops", "acc")


def test_accuracy_density():
    np.testing.assert_allclose(comparison.accuracy_density([80.0, 70.0], [4e6, 35e6]), [20.0, 2.0])
    with pytest.raises(ValueError, match="params"):
        comparison.accuracy_density([80.0], [0])


def test_compute_complexity_can_report_errors_instead_of_stopping():
    def broken():
        raise RuntimeError("cannot build")

    result = comparison.compute_complexity({"tiny": tiny_model, "broken": broken}, skip_errors=True)
    assert result.loc["broken", "origin"] == "error"
    assert "cannot build" in result.loc["broken", "error"]
    assert result.loc["tiny", "error"] == ""
    with pytest.raises(RuntimeError):
        comparison.compute_complexity({"broken": broken})


def test_macs_are_the_conv_and_dense_multiply_adds():
    result = comparison.compute_complexity({"tiny": tiny_model})
    # conv: 16*16*8 outputs x 27 MACs + 16*16*8 biases/2; dense: 8*5 MACs + 5 biases/2.
    conv = (2 * 16 * 16 * 8 * 27 + 16 * 16 * 8) + (2 * 8 * 5 + 5)
    assert result.loc["tiny", "macs"] == conv // 2
