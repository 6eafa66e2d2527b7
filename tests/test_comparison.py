"""Tests of convnet_lib.comparison and of the curated accuracy table data/imagenet_accuracy.csv."""

import os

import keras
import numpy as np
import pandas as pd
import pytest
from keras import layers

from convnet_lib import comparison
from convnet_lib import complexity

TABLE_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "imagenet_accuracy.csv")


@pytest.fixture(scope="module")
def table():
    return comparison.load_accuracy_table(TABLE_PATH)


def tiny_model(width=8):
    inputs = keras.Input((16, 16, 3))
    x = layers.Conv2D(width, 3, padding="same", name="conv")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(5, name="predictions")(x)
    return keras.Model(inputs, outputs, name=f"tiny{width}")


# ---- the data table ------------------------------------------------------------------


def test_table_loads_with_plain_pandas_and_every_row_has_a_source():
    raw = pd.read_csv(TABLE_PATH)
    assert list(raw.columns) == list(comparison.TABLE_COLUMNS)
    assert len(raw) >= 40
    assert raw["source"].map(lambda s: isinstance(s, str) and len(s.strip()) > 10).all()


def test_table_accuracies_are_percentages(table):
    assert table["top1"].between(0, 100).all()
    top5 = table["top5"].dropna()
    assert top5.between(0, 100).all()
    assert (top5 >= table.loc[top5.index, "top1"]).all()


def test_table_has_no_duplicate_model_without_a_distinguishing_column(table):
    assert not table.duplicated(["model", "weights"]).any()
    assert (table.groupby("model")["primary"].sum() == 1).all()


def test_table_holds_no_typed_in_parameters_or_flops(table):
    for column in table.columns:
        assert "param" not in column.lower() and "flop" not in column.lower()


def test_table_builders_are_well_formed(table):
    for spec in table["builder"]:
        library, name = comparison.parse_builder(spec)
        if library == "keras":
            assert comparison.builder_available(spec), spec


def test_validate_rejects_each_kind_of_bad_table(table):
    bad = table.copy()
    bad.loc[0, "source"] = ""
    with pytest.raises(ValueError, match="has no source"):
        comparison.validate_accuracy_table(bad)
    bad = table.copy()
    bad.loc[0, "top1"] = 101.0
    with pytest.raises(ValueError, match="not a percentage"):
        comparison.validate_accuracy_table(bad)
    bad = pd.concat([table, table.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="several rows"):
        comparison.validate_accuracy_table(bad)
    bad = table.copy()
    bad.loc[0, "builder"] = "torch:resnet50"
    with pytest.raises(ValueError, match="builder library"):
        comparison.validate_accuracy_table(bad)
    with pytest.raises(ValueError, match="lacks the column"):
        comparison.validate_accuracy_table(table.drop(columns=["source"]))
    with pytest.raises(ValueError, match="DataFrame"):
        comparison.validate_accuracy_table([1, 2])


def test_load_rejects_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="Received: path="):
        comparison.load_accuracy_table(str(tmp_path / "nope.csv"))


def test_source_spread(table):
    spread = comparison.source_spread(table)
    assert (spread["sources"] > 1).all()
    row = spread.loc["Xception"]
    assert row["top1_max"] == 79.0 and row["top1_min"] == pytest.approx(78.888)


# ---- builders and complexity -------------------------------------------------------------


def test_parse_builder_errors():
    assert comparison.parse_builder("keras:Xception") == ("keras", "Xception")
    for spec in ("Xception", "keras:", 3, "a:b:c"):
        with pytest.raises(ValueError, match="builder"):
            comparison.parse_builder(spec)


def test_build_from_spec_rejects_unknown_models_and_sizes():
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
    names = set(comparison.primary_rows(table).index)
    assert set(builders) | set(comparison.missing_builders(table)) == names


def test_complexity_comes_from_count_params_and_count_flops(tmp_path):
    model = tiny_model()
    expected = complexity.count_params(model)
    result = comparison.compute_complexity({"tiny": tiny_model}, cache_dir=str(tmp_path))
    assert result.loc["tiny", "params"] == expected.trainable
    assert result.loc["tiny", "params_total"] == expected.total
    assert result.loc["tiny", "flops"] == complexity.count_flops(model)
    assert result.loc["tiny", "origin"] == "computed"
    # The second call reads the cache, which holds the same counted numbers.
    again = comparison.compute_complexity({"tiny": tiny_model}, cache_dir=str(tmp_path))
    assert again.loc["tiny", "origin"] == "cache"
    assert again.loc["tiny", "flops"] == result.loc["tiny", "flops"]
    (cache_file,) = os.listdir(tmp_path)
    assert keras.__version__ in cache_file


def test_real_keras_model_counts_match_keras(tmp_path):
    builders = {"MobileNet": comparison.SpecBuilder("keras:MobileNet", 128)}
    result = comparison.compute_complexity(builders)
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
    with pytest.raises(ValueError, match="cache_dir"):
        comparison.compute_complexity({"tiny": tiny_model}, cache_dir=3)


# ---- frontier, density, charts -------------------------------------------------------------


def test_pareto_frontier():
    data = pd.DataFrame(
        {"cost": [1.0, 2.0, 3.0, 2.5, 4.0, 1.0], "acc": [70.0, 75.0, 74.0, 76.0, 76.0, 69.0]},
        index=list("abcdef"),
    )
    front = comparison.pareto_frontier(data, "cost", "acc")
    assert list(front[front].index) == ["a", "b", "d"]
    with pytest.raises(ValueError, match="not a column"):
        comparison.pareto_frontier(data, "flops", "acc")


def test_accuracy_density():
    np.testing.assert_allclose(comparison.accuracy_density([80.0, 70.0], [4e6, 35e6]), [20.0, 2.0])
    with pytest.raises(ValueError, match="params"):
        comparison.accuracy_density([80.0], [0])


def test_charts_draw_and_interactive_falls_back(table):
    import matplotlib

    matplotlib.use("Agg")
    counts = pd.DataFrame(
        {"params": [22.9e6, 4.2e6, 3.5e6], "params_total": [23e6, 4.3e6, 3.6e6],
         "flops": [16.7e9, 1.1e9, 0.6e9]},
        index=["Xception", "MobileNet", "MobileNetV2"],
    )
    data = comparison.chart_table(table, counts)
    for fig in (
        comparison.plot_accuracy_vs_complexity(data),
        comparison.plot_accuracy_density(data),
        comparison.plot_latency_vs_flops(data.assign(median_ms=[90.0, 12.0, 11.0])),
        comparison.plot_latency_vs_flops(data.assign(min_ms=[80.0, 10.0, 9.0]), latency="min_ms"),
    ):
        assert fig.axes
    try:
        import plotly  # noqa: F401
    except ImportError:
        assert comparison.interactive_accuracy_chart(data) is None
    else:
        assert comparison.interactive_accuracy_chart(data) is not None
    with pytest.raises(ValueError, match="labels"):
        comparison.plot_accuracy_vs_complexity(data, labels="some")
    with pytest.raises(ValueError, match="latency"):
        comparison.plot_latency_vs_flops(data.assign(median_ms=1.0), latency="mean_ms")
    with pytest.raises(ValueError, match="lacks the column"):
        comparison.plot_accuracy_density(data.drop(columns=["density"]))


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
