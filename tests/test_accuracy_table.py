"""Tests of convnet_lib.accuracy_table and of the curated table data/imagenet_accuracy.csv."""

import os

import pandas as pd
import pytest

from convnet_lib import accuracy_table
from convnet_lib.comparison import builder_available

TABLE_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "imagenet_accuracy.csv")


@pytest.fixture(scope="module")
def table():
    return accuracy_table.load_accuracy_table(TABLE_PATH)


# ---- the data table ------------------------------------------------------------------


def test_table_loads_with_plain_pandas_and_every_row_has_a_source():
    raw = pd.read_csv(TABLE_PATH)
    assert list(raw.columns) == list(accuracy_table.TABLE_COLUMNS)
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
        library, name = accuracy_table.parse_builder(spec)
        if library == "keras":
            assert builder_available(spec), spec


def test_every_model_of_bianco_et_al_has_one_cadene_row_and_a_builder(table):
    """Bianco et al.'s figure (arXiv 1810.00736): the PyTorch-measured column of Cadene's
    table, one row per model, each buildable here (MobileNets and ShuffleNet have no row)."""
    rows = table[table["weights"].isin(["Cadene PyTorch port", "torchvision (in Cadene table)"])]
    assert rows["model"].is_unique and len(rows) == 44
    assert rows["builder"].map(builder_available).all()
    assert {"GoogLeNet", "ResNet-18", "VGG-13", "SE-ResNeXt-101 (32x4d)", "DPN-131",
            "NASNetLarge", "SqueezeNet-1.1"} <= set(rows["model"])
    assert (rows["source"].str.contains("66e1626") & rows["source"].str.contains("1810.00736")).all()


def test_bianco_ports_missing_from_cadene_table_cite_their_weights(table):
    """MobileNet-v2 and ShuffleNet of Bianco et al.'s figure: the accuracies their ported
    weights' READMEs report (MobileNet-v1's README could not be read: no row)."""
    rows = table[table["weights"] == "Bianco et al. port"].set_index("model")
    assert sorted(rows.index) == ["MobileNetV2", "ShuffleNet"]
    assert rows.loc["ShuffleNet", "builder"] == "convnet_lib:shufflenet"
    assert (rows.loc["MobileNetV2", "top1"], rows.loc["ShuffleNet", "top1"]) == (71.806, 67.408)
    assert rows["source"].str.contains("ericsun99").all()
    assert rows["source"].str.contains("1810.00736").all()


def test_validate_rejects_each_kind_of_bad_table(table):
    bad = table.copy()
    bad.loc[0, "source"] = ""
    with pytest.raises(ValueError, match="source='' is not a non-empty text"):
        accuracy_table.validate_accuracy_table(bad)
    bad = table.copy()
    bad.loc[0, "top1"] = 101.0
    with pytest.raises(ValueError, match="not a percentage"):
        accuracy_table.validate_accuracy_table(bad)
    bad = pd.concat([table, table.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="several rows"):
        accuracy_table.validate_accuracy_table(bad)
    bad = table.copy()
    bad.loc[0, "builder"] = "torch:resnet50"
    with pytest.raises(ValueError, match="builder library"):
        accuracy_table.validate_accuracy_table(bad)
    with pytest.raises(ValueError, match="lacks the column"):
        accuracy_table.validate_accuracy_table(table.drop(columns=["source"]))
    with pytest.raises(ValueError, match="DataFrame"):
        accuracy_table.validate_accuracy_table([1, 2])


def test_load_rejects_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="Received: path="):
        accuracy_table.load_accuracy_table(str(tmp_path / "nope.csv"))


def test_source_spread(table):
    spread = accuracy_table.source_spread(table)
    assert (spread["sources"] > 1).all()
    row = spread.loc["Xception"]
    assert row["top1_max"] == 79.0 and row["top1_min"] == pytest.approx(78.888)


# ---- builders and complexity -------------------------------------------------------------


def test_parse_builder_errors():
    assert accuracy_table.parse_builder("keras:Xception") == ("keras", "Xception")
    for spec in ("Xception", "keras:", 3, "a:b:c"):
        with pytest.raises(ValueError, match="builder"):
            accuracy_table.parse_builder(spec)




@pytest.mark.parametrize(
    "column, value, match",
    [
        ("top1", "80.1%", r"top1='80.1%' is not a percentage"),
        ("top5", "high", r"top5='high' is not a percentage"),
        ("input_size", "big", r"input_size='big' is not an integer"),
        ("input_size", 224.5, r"input_size=224.5"),
        ("source", float("nan"), r"source=nan is not a non-empty text"),
        ("family", 3, r"family=3"),
    ],
)
def test_malformed_rows_are_named_not_a_pandas_error(table, column, value, match):
    bad = table.astype(object).copy()
    bad.loc[0, column] = value
    with pytest.raises(ValueError, match=match) as error:
        accuracy_table.validate_accuracy_table(bad)
    assert "row 2 of the CSV" in str(error.value)


def test_a_file_that_is_not_a_csv_gets_a_clear_error(tmp_path):
    path = tmp_path / "imagenet_accuracy.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    with pytest.raises(ValueError, match="imagenet_accuracy.csv"):
        accuracy_table.load_accuracy_table(str(path))
    path.write_text("<html><body>404 Not Found</body></html>\n")
    with pytest.raises(ValueError, match="lacks the column"):
        accuracy_table.load_accuracy_table(str(path))
