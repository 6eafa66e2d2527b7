"""Accuracy against computational and model complexity, as in Bianco et al. 2018.

Reference: S. Bianco, R. Cadene, L. Celona, P. Napoletano, "Benchmark Analysis of
Representative Deep Neural Network Architectures", IEEE Access 2018,
https://arxiv.org/abs/1810.00736.

The pieces:
- `load_accuracy_table()` reads `data/imagenet_accuracy.csv`: published ImageNet top-1/top-5
  accuracies, one row per (model, weights) with the source of every number, and checks it
  (`validate_accuracy_table`). It holds no parameter or FLOP counts: those are computed.
- `model_builders(table)` turns the table's `builder` column ("keras:Xception",
  "convnet_lib:senet154") into functions that build each model with random weights at its
  published input size; `compute_complexity(builders)` builds them one at a time and
  counts parameters and FLOPs with `convnet_lib.complexity`, optionally caching the counts
  on disk (outside the repository) keyed by model name, input size and library versions.
- `pareto_frontier`, `accuracy_density` and the charts: `plot_accuracy_vs_complexity`,
  `plot_accuracy_density`, `plot_latency_vs_flops`, and `interactive_accuracy_chart`
  (plotly when it is installed, otherwise None so the caller shows the static figure).
"""

import gc
import hashlib
import inspect
import json
import os
import re
import time

import keras
import numpy as np
import pandas as pd

import convnet_lib
from convnet_lib import complexity
from convnet_lib._checks import check_bool
from convnet_lib._checks import check_choice
from convnet_lib._checks import check_int
from convnet_lib.training import cache_dir as training_cache_dir

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
# The counts cache follows the project's one rule ($CONVNET_CACHE_DIR, else ~/.cache/convnet_lib).
DEFAULT_CACHE_DIR = str(training_cache_dir("complexity"))

# The layer kinds whose FLOPs are multiply-adds (what papers call "FLOPs" or "MACs").
MAC_KINDS = ("conv", "depthwise conv", "separable conv", "matmul")
_CACHE_FORMAT = "2"

# Our registered models that have a keras.applications twin (same architecture).
KERAS_TWINS = {
    "xception": "Xception",
    "densenet121": "DenseNet121",
    "densenet169": "DenseNet169",
    "densenet201": "DenseNet201",
    "inception_resnet_v2": "InceptionResNetV2",
    "resnet50": "ResNet50",
}


# --------------------------------------------------------------------------------------
# The accuracy table
# --------------------------------------------------------------------------------------


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
    table = pd.read_csv(path)
    validate_accuracy_table(table)
    return table


def validate_accuracy_table(table):
    """Raises ValueError listing every problem of an accuracy table; returns None if fine.

    Rules: all columns of `TABLE_COLUMNS` present; every row has a source; accuracies are
    percentages in [0, 100] and top-5 >= top-1; (model, weights) is unique; each model has
    exactly one `primary` row and one builder; builders read "keras:<Name>" or
    "convnet_lib:<name>"; input sizes are integers >= 32.
    """
    _check_columns(table, TABLE_COLUMNS, hint="")
    problems = []
    for index, row in table.iterrows():
        where = f"row {index} ({row['model']!r}, {row['weights']!r})"
        if not isinstance(row["source"], str) or not row["source"].strip():
            problems.append(f"{where} has no source")
        for column in ("top1", "top5"):
            value = row[column]
            if column == "top5" and pd.isna(value):
                continue
            if not isinstance(value, (int, float, np.number)) or not 0.0 <= value <= 100.0:
                problems.append(f"{where}: {column}={value!r} is not a percentage in [0, 100]")
        if not pd.isna(row["top5"]) and row["top5"] < row["top1"]:
            problems.append(f"{where}: top5={row['top5']} is below top1={row['top1']}")
        try:
            parse_builder(row["builder"])
        except ValueError as error:
            problems.append(f"{where}: {error}")
        size = row["input_size"]
        if isinstance(size, (bool, np.bool_)) or not float(size).is_integer() or size < 32:
            problems.append(f"{where}: input_size={size!r} is not an integer >= 32")
        if row["primary"] not in (True, False):
            problems.append(f"{where}: primary={row['primary']!r} is not True or False")
    duplicated = table[table.duplicated(["model", "weights"], keep=False)]
    for (model, weights), _ in duplicated.groupby(["model", "weights"]):
        problems.append(f"model {model!r} has several rows with weights={weights!r}")
    for model, rows in table.groupby("model"):
        primaries = int((rows["primary"] == True).sum())  # noqa: E712 (object column)
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


# --------------------------------------------------------------------------------------
# Building models and counting their complexity
# --------------------------------------------------------------------------------------


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


def builder_available(spec):
    """True if `spec` can be built here: a keras.applications function or a registered model."""
    library, name = parse_builder(spec)
    if library == "keras":
        return callable(getattr(keras.applications, name, None))
    from convnet_lib.models import available_models

    return name in available_models()


def build_from_spec(spec, input_size):
    """Builds the model `spec` with random weights (no download) at input_size x input_size x 3."""
    library, name = parse_builder(spec)
    check_int(input_size, "input_size", minimum=32)
    if not builder_available(spec):
        raise ValueError(
            f"`builder` {spec!r} is not available in this environment (no such "
            "keras.applications function or registered convnet_lib model). "
            f"Received: builder={spec!r}"
        )
    shape = (input_size, input_size, 3)
    if library == "keras":
        return getattr(keras.applications, name)(weights=None, input_shape=shape)
    from convnet_lib.models import build_model

    return build_model(name, input_shape=shape)


def model_builders(table, only_available=True):
    """Maps each primary row's model name to a zero-argument function that builds it.

    The model is built by its `builder` at its published `input_size`. With
    `only_available=True`, models whose builder does not exist here (e.g. a convnet_lib
    architecture not written yet) are left out; `missing_builders(table)` lists them.
    """
    check_bool(only_available, "only_available")
    builders = {}
    for model, row in primary_rows(table).iterrows():
        spec, size = row["builder"], int(row["input_size"])
        if only_available and not builder_available(spec):
            continue
        builders[model] = SpecBuilder(spec, size)
    return builders


def missing_builders(table):
    """The primary rows' models whose builder is not available in this environment."""
    rows = primary_rows(table)
    return [model for model, row in rows.iterrows() if not builder_available(row["builder"])]


class SpecBuilder:
    """A zero-argument builder that also knows what it builds (used in the cache key)."""

    def __init__(self, spec, input_size):
        self.spec = spec
        self.input_size = input_size

    def __call__(self):
        return build_from_spec(self.spec, self.input_size)

    def __repr__(self):
        return f"<builder {self.spec} @ {self.input_size}>"

    def fingerprint(self):
        parts = [self.spec, str(self.input_size)]
        library, name = parse_builder(self.spec)
        if library == "convnet_lib":
            # Our models are still changing: a code change must invalidate the cache.
            from convnet_lib.models import get_builder

            parts.append(_file_digest(inspect.getsourcefile(get_builder(name))))
        return "|".join(parts)


def _file_digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha1(handle.read()).hexdigest()[:12]


def _cache_path(cache_dir, name, builder):
    fingerprint = getattr(builder, "fingerprint", None)
    fingerprint = fingerprint() if callable(fingerprint) else ""
    key = "|".join(
        [
            name,
            fingerprint,
            f"keras {keras.__version__}",
            f"convnet_lib {convnet_lib.__version__}",
            f"format {_CACHE_FORMAT}",
            _file_digest(complexity.__file__),
        ]
    )
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    return os.path.join(cache_dir, f"{safe}-keras{keras.__version__}-{digest}.json")


def compute_complexity(builders, cache_dir=None, skip_errors=False, verbose=False):
    """Builds each model and counts its parameters and FLOPs with convnet_lib.complexity.

    Args:
        builders: dict mapping a model name to a zero-argument function returning a
            keras.Model (see `model_builders`). Models are built one at a time and freed.
        cache_dir: None (no cache) or a folder where each model's counts are stored as
            JSON, keyed by model name, builder and input size, the versions of Keras and
            convnet_lib and the source of the counter (and of our model's module). A
            cached entry was itself produced by `count_params`/`count_flops`.
        skip_errors: if True, a model that fails to build or count is reported in the
            `error` column (its counts are NaN) instead of stopping the whole run.
        verbose: print one line per model.

    Returns a DataFrame indexed by model name with columns params (trainable),
    params_total (trainable + non-trainable, as `model.summary()` shows), flops (one
    forward pass, batch 1, multiply-add = 2 FLOPs, every layer), macs (multiply-adds of
    the convolution and Dense layers only, from `flops_table`: the number papers usually
    call "FLOPs"; their bias additions are included, a fraction of a percent), seconds (build + count time), origin
    ("computed", "cache" or "error") and error (the error message, else empty).
    """
    if not isinstance(builders, dict) or not all(callable(b) for b in builders.values()):
        raise ValueError(
            "`builders` must be a dict mapping model names to functions that build a "
            f"keras.Model. Received: builders={builders!r}"
        )
    if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
        raise ValueError(f"`cache_dir` must be None or a folder path. Received: cache_dir={cache_dir!r}")
    check_bool(skip_errors, "skip_errors")
    check_bool(verbose, "verbose")
    rows = {}
    for name, builder in builders.items():
        try:
            rows[name] = _complexity_of(name, builder, cache_dir)
        except Exception as error:  # noqa: BLE001 (reported, not hidden)
            if not skip_errors:
                raise
            rows[name] = {"origin": "error", "error": f"{type(error).__name__}: {error}"}
            keras.backend.clear_session()
            gc.collect()
        if verbose:
            row = rows[name]
            if row["origin"] == "error":
                print(f"{name:24s} not counted: {row['error'][:120]}")
            else:
                print(
                    f"{name:24s} {row['params'] / 1e6:8.2f} M params {row['flops'] / 1e9:8.2f} "
                    f"GFLOPs ({row['origin']})"
                )
    columns = ["params", "params_total", "flops", "macs", "seconds", "origin", "error"]
    result = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    result["error"] = result["error"].fillna("")
    return result


def _complexity_of(name, builder, cache_dir):
    """Counts of one model, read from the cache when it is there, else built and counted."""
    path = _cache_path(cache_dir, name, builder) if cache_dir is not None else None
    if path is not None and os.path.isfile(path):
        with open(path) as handle:
            return dict(json.load(handle), origin="cache", error="")
    start = time.perf_counter()
    model = builder()
    counts = complexity.count_params(model)
    flops = complexity.count_flops(model)
    layers_table = complexity.flops_table(model)
    weighted = layers_table["counted_as"].isin(MAC_KINDS)
    row = {
        "params": counts.trainable,
        "params_total": counts.total,
        "flops": flops,
        "macs": int(layers_table.loc[weighted, "flops"].sum() // 2),
        "seconds": round(time.perf_counter() - start, 2),
    }
    del model
    keras.backend.clear_session()
    gc.collect()
    if path is not None:
        os.makedirs(cache_dir, exist_ok=True)
        with open(path, "w") as handle:
            json.dump(row, handle)
    return dict(row, origin="computed", error="")


def chart_table(table, complexity_table):
    """Joins the primary accuracies with the computed counts: the data behind every chart.

    Adds mparams (trainable parameters in millions), gflops (GFLOPs, multiply-add = 2) and
    density (top-1 % per million parameters). Models without computed counts are left out.
    """
    rows = primary_rows(table)
    if not isinstance(complexity_table, pd.DataFrame) or not {"params", "flops"} <= set(
        complexity_table.columns
    ):
        raise ValueError(
            "`complexity_table` must be the DataFrame returned by compute_complexity. "
            f"Received: {type(complexity_table)!r}"
        )
    counted = complexity_table.dropna(subset=["params", "flops"])
    count_columns = [c for c in ("params", "params_total", "flops", "macs") if c in counted]
    joined = rows.join(counted[count_columns], how="inner")
    joined[count_columns] = joined[count_columns].astype("int64")
    joined["mparams"] = joined["params"] / 1e6
    joined["gflops"] = joined["flops"] / 1e9
    joined["density"] = accuracy_density(joined["top1"], joined["params"])
    return joined


def accuracy_density(top1, params):
    """Top-1 accuracy (%) per million parameters, Bianco et al.'s "accuracy density"."""
    top1 = np.asarray(top1, dtype=float)
    params = np.asarray(params, dtype=float)
    if np.any(params <= 0):
        raise ValueError(f"`params` must all be positive. Received: params={params!r}")
    return top1 / (params / 1e6)


def pareto_frontier(table, cost, accuracy):
    """Boolean Series: True for the rows that no other row beats on both axes.

    A row is dominated when another has `cost` <= and `accuracy` >= with at least one of
    the two strictly better. The non-dominated rows form the Pareto frontier: for each
    cost, the best accuracy anyone reached for at most that cost.
    """
    for column in (cost, accuracy):
        if column not in getattr(table, "columns", ()):
            raise ValueError(
                f"`{column}` is not a column of the table. Received columns: "
                f"{list(getattr(table, 'columns', []))}"
            )
    x = table[cost].to_numpy(dtype=float)
    y = table[accuracy].to_numpy(dtype=float)
    on_front = []
    for i in range(len(table)):
        dominated = np.any((x <= x[i]) & (y >= y[i]) & ((x < x[i]) | (y > y[i])))
        on_front.append(not dominated)
    return pd.Series(on_front, index=table.index, name="pareto")


def measure_latencies(builders, batch_size=1, warmup=3, runs=10, verbose=False):
    """Builds each model in turn and times inference with `complexity.measure_latency`.

    Returns a DataFrame indexed by model name: median_ms, min_ms, max_ms, runs, batch_size.
    """
    if not isinstance(builders, dict) or not all(callable(b) for b in builders.values()):
        raise ValueError(
            "`builders` must be a dict mapping model names to functions that build a "
            f"keras.Model. Received: builders={builders!r}"
        )
    check_bool(verbose, "verbose")
    rows = {}
    for name, builder in builders.items():
        model = builder()
        result = complexity.measure_latency(model, batch_size=batch_size, warmup=warmup, runs=runs)
        rows[name] = {k: result[k] for k in ("median_ms", "min_ms", "max_ms", "runs", "batch_size")}
        if verbose:
            print(f"{name:24s} median {result['median_ms']:9.1f} ms (min {result['min_ms']:.1f})")
        del model
        keras.backend.clear_session()
        gc.collect()
    return pd.DataFrame.from_dict(rows, orient="index")


# --------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------

_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p"]
_AXIS_LABELS = {
    "gflops": "GFLOPs per image (multiply-add = 2 FLOPs, log scale)",
    "mparams": "trainable parameters (millions, log scale)",
    "density": "accuracy density: top-1 % per million parameters (log scale)",
    "top1": "ImageNet top-1 accuracy (%)",
    "top5": "ImageNet top-5 accuracy (%)",
    "median_ms": "measured latency, batch 1, median of the runs (ms, log scale)",
    "min_ms": "measured latency, batch 1, fastest run (ms, log scale)",
}


# One marker and colour per family, the same in every chart; unknown families come after.
FAMILIES = ("VGG", "ResNet", "Inception", "Xception", "DenseNet", "MobileNet", "NASNet",
            "SENet", "EfficientNet", "EfficientNetV2", "ConvNeXt")


def _family_styles(families):
    import matplotlib.pyplot as plt

    colors = plt.get_cmap("tab20").colors[::2] + plt.get_cmap("tab20").colors[1::2]
    order = list(FAMILIES) + sorted(set(families) - set(FAMILIES))
    return {
        family: (_MARKERS[i % len(_MARKERS)], colors[i % len(colors)])
        for i, family in enumerate(order)
        if family in set(families)
    }


def _check_columns(table, columns, hint=" (use chart_table)"):
    """Raises ValueError unless `table` is a DataFrame holding every one of `columns`."""
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"`table` must be a pandas DataFrame. Received: table={type(table)!r}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"`table` lacks the column(s) {missing}{hint}. Received columns: "
            f"{list(table.columns)}"
        )


def _label(name, row):
    """The model name, flagged when its weights saw more data than ImageNet-1k."""
    pretraining = row.get("pretraining", "ImageNet-1k")
    return name if pretraining == "ImageNet-1k" else f"{name} ({pretraining})"


def _legend(ax, table, loc):
    """A legend with one fixed-size marker per family (marker areas vary in the plot)."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], linestyle="none", marker=marker, markersize=8, markerfacecolor=color,
               markeredgecolor="black", label=family)
        for family, (marker, color) in _family_styles(table["family"]).items()
    ]
    handles += [h for h in ax.get_lines() if not h.get_label().startswith("_")]
    ax.legend(handles=handles, fontsize=8, loc=loc)


def _scatter(ax, table, x, y, size=None, labels="all", frontier=True, log_x=True):
    styles = _family_styles(table["family"])
    if size is not None:
        area = 900.0 * table[size] / table[size].max()
        area = np.clip(area, 12.0, None)
    else:
        area = pd.Series(45.0, index=table.index)
    for family, (marker, color) in styles.items():
        rows = table[table["family"] == family]
        ax.scatter(
            rows[x],
            rows[y],
            s=area[rows.index],
            marker=marker,
            facecolor=color,
            edgecolor="black",
            linewidth=0.7,
            alpha=0.75,
            label=family,
        )
    front = pareto_frontier(table, x, y) if frontier else pd.Series(False, index=table.index)
    if frontier:
        steps = table[front].sort_values(x)
        ax.step(steps[x], steps[y], where="post", color="black", linestyle="--", linewidth=1.0,
                label="Pareto frontier")
    for name, row in table.iterrows():
        if labels == "all" or (labels == "frontier" and front[name]):
            ax.annotate(_label(name, row), (row[x], row[y]), fontsize=7, xytext=(4, 3),
                        textcoords="offset points")
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(_AXIS_LABELS.get(x, x))
    ax.set_ylabel(_AXIS_LABELS.get(y, y))
    ax.grid(True, which="both", alpha=0.3)
    return front


def plot_accuracy_vs_complexity(table, x="gflops", y="top1", size="mparams", labels="all",
                                frontier=True, title=None):
    """Bianco et al.'s first view: accuracy against FLOPs, marker area proportional to params.

    `table` comes from `chart_table`. Markers differ by family (readable without colour);
    the dashed staircase is the Pareto frontier of `y` against `x`. Returns the figure.
    """
    import matplotlib.pyplot as plt

    _check_columns(table, ["family", x, y] + ([size] if size else []))
    check_choice(labels, "labels", ("all", "frontier", "none"))
    fig, ax = plt.subplots(figsize=(11, 7))
    _scatter(ax, table, x, y, size=size, labels=labels, frontier=frontier)
    if size:
        ax.text(0.01, 0.99, "marker area proportional to parameters", transform=ax.transAxes,
                ha="left", va="top", fontsize=8)
    _legend(ax, table, "lower right")
    ax.set_title(title or f"{y} against {x}")
    fig.tight_layout()
    return fig


def plot_accuracy_density(table, labels="all", title=None):
    """Bianco et al.'s second view: top-1 accuracy against accuracy density (log x)."""
    import matplotlib.pyplot as plt

    _check_columns(table, ["family", "top1", "density"])
    check_choice(labels, "labels", ("all", "frontier", "none"))
    fig, ax = plt.subplots(figsize=(11, 7))
    # Higher density is better here, so the frontier is computed on -density.
    flipped = table.assign(neg_density=-table["density"])
    front = pareto_frontier(flipped, "neg_density", "top1")
    _scatter(ax, table, "density", "top1", labels="none", frontier=False)
    for name, row in table.iterrows():
        if labels == "all" or (labels == "frontier" and front[name]):
            ax.annotate(_label(name, row), (row["density"], row["top1"]), fontsize=7,
                        xytext=(4, 3), textcoords="offset points")
    _legend(ax, table, "lower left")
    ax.set_title(title or "top-1 accuracy against accuracy density")
    fig.tight_layout()
    return fig


def plot_latency_vs_flops(table, latency="median_ms", title=None):
    """Measured latency against computed FLOPs, log-log, one marker shape per family.

    `latency` names the column to plot ("median_ms", or "min_ms" on a busy machine, where
    the fastest run is the one least disturbed by other work). The dotted line is the
    latency every model would have at the best rate measured (ms per GFLOP): points far
    above it are slower than their FLOPs say.
    """
    import matplotlib.pyplot as plt

    check_choice(latency, "latency", ("median_ms", "min_ms"))
    _check_columns(table, ["family", "gflops", latency])
    fig, ax = plt.subplots(figsize=(10, 6.5))
    _scatter(ax, table, "gflops", latency, labels="all", frontier=False)
    ax.set_yscale("log")
    best = (table[latency] / table["gflops"]).min()
    xs = np.geomspace(table["gflops"].min() * 0.8, table["gflops"].max() * 1.2, 20)
    ax.plot(xs, best * xs, linestyle=":", color="black",
            label="latency proportional to FLOPs (best ms/GFLOP)")
    _legend(ax, table, "upper left")
    ax.set_title(title or "measured latency against FLOPs")
    fig.tight_layout()
    return fig


def interactive_accuracy_chart(table, title=None):
    """An interactive accuracy-vs-FLOPs chart (hover: model, numbers, source) or None.

    Returns a plotly Figure when plotly can be imported; otherwise None, and the caller
    shows the static `plot_accuracy_vs_complexity` figure instead.
    """
    _check_columns(table, ["family", "gflops", "top1", "mparams", "source", "weights"])
    try:
        import plotly.express as px
    except ImportError:
        return None
    data = table.assign(
        top5_text=table["top5"].map(lambda v: "n/a" if pd.isna(v) else f"{v:.2f}"),
        model_name=table.index,
    )
    fig = px.scatter(
        data,
        x="gflops",
        y="top1",
        size="mparams",
        color="family",
        symbol="family",
        log_x=True,
        hover_name="model_name",
        hover_data={
            "gflops": ":.2f",
            "mparams": ":.2f",
            "top1": ":.2f",
            "top5_text": True,
            "input_size": True,
            "weights": True,
            "source": True,
            "family": False,
        },
        labels={k: v for k, v in _AXIS_LABELS.items() if k in ("gflops", "top1", "mparams")},
        title=title or "top-1 accuracy against FLOPs (marker size: parameters)",
    )
    return fig
