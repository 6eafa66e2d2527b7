"""The table of published ImageNet accuracies: its schema, its checks and how it is read.

`data/imagenet_accuracy.csv` holds one row per (model, weights): published top-1/top-5
single-crop accuracies with the source of every number, the builder that makes the model
here ("keras:Xception" or "convnet_lib:senet154") and its input size. It holds no parameter
or FLOP counts: those are computed (`convnet_lib.comparison`).
"""

import os

import numpy as np
import pandas as pd

from convnet_lib._checks import check_choice
from convnet_lib._checks import check_columns

TABLE_COLUMNS = (
    "model",
    "family",
    "builder",
    "input_size",
    "weights",
    "pretraining",
    "top1",
    "top5",
    "primary",
    "source",
)
BUILDER_LIBRARIES = ("keras", "convnet_lib")
DEFAULT_TABLE_PATH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "imagenet_accuracy.csv"
)


def load_accuracy_table(path=None):
    """Reads and checks the table of published ImageNet accuracies.

    `path` defaults to `data/imagenet_accuracy.csv` of the repository. Returns a DataFrame
    with the columns of `TABLE_COLUMNS`; `top5` is NaN where the source gives no top-5.
    """
    path = DEFAULT_TABLE_PATH if path is None else path
    if not isinstance(path, (str, os.PathLike)) or not os.path.isfile(path):
        raise ValueError(
            "`path` must name an existing CSV file (the accuracy table lives in the "
            f"repository's data/ folder). Received: path={path!r}"
        )
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{path} is not a readable CSV table ({type(error).__name__}: {error}). Restore it "
            "from the repository (git checkout -- data/imagenet_accuracy.csv)."
        ) from None
    validate_accuracy_table(table)
    return table


def parse_builder(spec):
    """Splits "keras:Xception" or "convnet_lib:senet154" into (library, name)."""
    if not isinstance(spec, str) or spec.count(":") != 1:
        raise ValueError(
            "`builder` must read 'keras:<ApplicationName>' or 'convnet_lib:<registry name>'. "
            f"Received: builder={spec!r}"
        )
    library, name = spec.split(":")
    check_choice(library, "builder library", BUILDER_LIBRARIES)
    if not name:
        raise ValueError(f"`builder` names no model. Received: builder={spec!r}")
    return library, name


def _number(value):
    """`value` as a float, or None when it is not a real number (strings, booleans...)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return None
    return float(value)


def _row_problems(row):
    """The problems of one row, as short phrases."""
    problems = []
    for column in ("model", "family", "weights", "pretraining", "source"):
        if not isinstance(row[column], str) or not row[column].strip():
            problems.append(f"{column}={row[column]!r} is not a non-empty text")
    top1, top5 = _number(row["top1"]), _number(row["top5"])
    if top1 is None or not 0.0 <= top1 <= 100.0:
        problems.append(f"top1={row['top1']!r} is not a percentage in [0, 100]")
    if not (top5 is not None and np.isnan(top5)):
        if top5 is None or not 0.0 <= top5 <= 100.0:
            problems.append(f"top5={row['top5']!r} is not a percentage in [0, 100] (or empty)")
        elif top1 is not None and top5 < top1:
            problems.append(f"top5={row['top5']} is below top1={row['top1']}")
    try:
        parse_builder(row["builder"])
    except ValueError as error:
        problems.append(str(error))
    size = _number(row["input_size"])
    if size is None or np.isnan(size) or not size.is_integer() or size < 32:
        problems.append(f"input_size={row['input_size']!r} is not an integer >= 32")
    if row["primary"] not in (True, False):
        problems.append(f"primary={row['primary']!r} is not True or False")
    return problems


def validate_accuracy_table(table):
    """Raises ValueError listing every problem of an accuracy table; returns None if fine.

    Rules: all columns of `TABLE_COLUMNS` present; every row has a model, family, weights,
    pre-training and source; accuracies are percentages in [0, 100] and top-5 >= top-1;
    (model, weights) is unique; each model has exactly one `primary` row and one builder
    and input size; builders read "keras:<Name>" or "convnet_lib:<name>"; input sizes are
    integers >= 32.
    """
    check_columns(table, TABLE_COLUMNS, hint="")
    problems = []
    for index, row in table.iterrows():
        where = f"row {index + 2} of the CSV ({row['model']!r}, {row['weights']!r})"
        problems += [f"{where}: {problem}" for problem in _row_problems(row)]
    duplicated = table[table.duplicated(["model", "weights"], keep=False)]
    for (model, weights), _ in duplicated.groupby(["model", "weights"]):
        problems.append(f"model {model!r} has several rows with weights={weights!r}")
    for model, rows in table.groupby("model"):
        primaries = int(rows["primary"].map(lambda value: value is True or value == True).sum())  # noqa: E712
        if primaries != 1:
            problems.append(f"model {model!r} has {primaries} primary rows (needs exactly 1)")
        if rows["builder"].nunique() != 1 or rows["input_size"].nunique() != 1:
            problems.append(f"model {model!r} has rows with different builders or input sizes")
    if problems:
        raise ValueError("The accuracy table is not valid:\n- " + "\n- ".join(problems))


def primary_rows(table):
    """One row per model: the accuracy the charts use (the `primary` row), indexed by model."""
    validate_accuracy_table(table)
    rows = table[table["primary"] == True]  # noqa: E712
    return rows.set_index("model", drop=False).rename_axis(None)


def source_spread(table):
    """Per model with several sources: lowest and highest top-1 and their difference (points)."""
    validate_accuracy_table(table)
    grouped = table.groupby("model")["top1"]
    spread = pd.DataFrame(
        {"sources": grouped.size(), "top1_min": grouped.min(), "top1_max": grouped.max()}
    )
    spread["top1_range"] = (spread["top1_max"] - spread["top1_min"]).round(3)
    spread = spread[spread["sources"] > 1]
    return spread.sort_values("top1_range", ascending=False)
