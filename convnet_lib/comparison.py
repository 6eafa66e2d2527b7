"""Counting the complexity of many models: the data behind Bianco et al. 2018's views.

Reference: S. Bianco, R. Cadene, L. Celona, P. Napoletano, "Benchmark Analysis of
Representative Deep Neural Network Architectures", IEEE Access 2018,
https://arxiv.org/abs/1810.00736.

- `model_builders(table)` turns the accuracy table's `builder` column ("keras:Xception",
  "convnet_lib:senet154", see `convnet_lib.accuracy_table`) into functions that build each
  model with random weights at its published input size;
- `compute_complexity(builders)` builds them one at a time and counts parameters and FLOPs
  with `convnet_lib.complexity`, caching the counts (`convnet_lib.cache`);
- `chart_table` joins accuracies and counts; `pareto_frontier` and `accuracy_density` are
  the two measures of the views; `measure_latencies` times the models on this machine.

The charts themselves are in `convnet_lib.plotting.complexity_charts`.
"""

import gc
import hashlib
import inspect
import time

import keras
import numpy as np
import pandas as pd

from convnet_lib import complexity
from convnet_lib._checks import check_bool
from convnet_lib._checks import check_columns
from convnet_lib._checks import check_int
from convnet_lib.accuracy_table import parse_builder
from convnet_lib.accuracy_table import primary_rows
from convnet_lib.cache import file_stem
from convnet_lib.cache import load_or_compute

# The layer kinds whose FLOPs are multiply-adds (what papers call "FLOPs" or "MACs").
MAC_KINDS = ("conv", "depthwise conv", "separable conv", "matmul")
COUNTS_CACHE_FOLDER = "complexity"


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
        parse_builder(spec)
        check_int(input_size, "input_size", minimum=32)
        self.spec = spec
        self.input_size = input_size

    def __call__(self):
        return build_from_spec(self.spec, self.input_size)

    def __repr__(self):
        return f"<builder {self.spec} @ {self.input_size}>"

    def settings(self):
        """What the counts depend on besides the software versions: the spec, the input
        size and, for our own models (still changing), the source of their module."""
        settings = {"spec": self.spec, "input_size": self.input_size}
        library, name = parse_builder(self.spec)
        if library == "convnet_lib":
            from convnet_lib.models import get_builder

            module = inspect.getmodule(get_builder(name))
            settings["source"] = _file_digest(inspect.getsourcefile(module))
        return settings


def _file_digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha1(handle.read()).hexdigest()[:12]


def compute_complexity(builders, cache=True, skip_errors=False, verbose=False):
    """Builds each model and counts its parameters and FLOPs with convnet_lib.complexity.

    Args:
        builders: dict mapping a model name to a zero-argument function returning a
            keras.Model (see `model_builders`). Models are built one at a time and freed.
        cache: keep each model's counts in the cache (`convnet_lib.cache`, folder
            "complexity"), keyed by model name, builder and input size, the software
            versions, the source of the counter (and of our model's module). A cached entry
            was itself produced by `count_params`/`count_flops`. Only builders with a
            `settings()` method (`SpecBuilder`) are cached.
        skip_errors: if True, a model that fails to build or count is reported in the
            `error` column (its counts are NaN) instead of stopping the whole run.
        verbose: print one line per model, with how many are done and the elapsed time.

    Returns a DataFrame indexed by model name with columns params (trainable),
    params_total (trainable + non-trainable, as `model.summary()` shows), flops (one
    forward pass, batch 1, multiply-add = 2 FLOPs, every layer), macs (multiply-adds of
    the convolution and Dense layers only, from `flops_table`: the number papers usually
    call "FLOPs"; their bias additions are included, a fraction of a percent), seconds
    (build + count time), origin ("computed", "cache" or "error") and error (the error
    message, else empty).
    """
    if not isinstance(builders, dict) or not all(callable(b) for b in builders.values()):
        raise ValueError(
            "`builders` must be a dict mapping model names to functions that build a "
            f"keras.Model. Received: builders={builders!r}"
        )
    check_bool(cache, "cache")
    check_bool(skip_errors, "skip_errors")
    check_bool(verbose, "verbose")
    rows = {}
    started = time.perf_counter()
    for index, (name, builder) in enumerate(builders.items(), start=1):
        try:
            rows[name] = _complexity_of(name, builder, cache)
        except Exception as error:  # noqa: BLE001 (reported, not hidden)
            if not skip_errors:
                raise
            rows[name] = {"origin": "error", "error": f"{type(error).__name__}: {error}"}
            keras.backend.clear_session()
            gc.collect()
        if verbose:
            row = rows[name]
            progress = f"[{index}/{len(builders)}, {time.perf_counter() - started:5.0f} s]"
            if row["origin"] == "error":
                print(f"{progress} {name:24s} not counted: {row['error'][:120]}")
            else:
                print(
                    f"{progress} {name:24s} {row['params'] / 1e6:8.2f} M params "
                    f"{row['flops'] / 1e9:8.2f} GFLOPs ({row['origin']})"
                )
    columns = ["params", "params_total", "flops", "macs", "seconds", "origin", "error"]
    result = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    result["error"] = result["error"].fillna("")
    return result


def _count(builder):
    start = time.perf_counter()
    model = builder()
    counts = complexity.count_params(model)
    layers_table = complexity.flops_table(model)
    weighted = layers_table["counted_as"].isin(MAC_KINDS)
    row = {
        "params": counts.trainable,
        "params_total": counts.total,
        "flops": int(layers_table["flops"].sum()),
        "macs": int(layers_table.loc[weighted, "flops"].sum() // 2),
        "seconds": round(time.perf_counter() - start, 2),
    }
    del model
    keras.backend.clear_session()
    gc.collect()
    return row


def _complexity_of(name, builder, cache):
    """Counts of one model, read from the cache when it is there, else built and counted."""
    settings = getattr(builder, "settings", None)
    if not cache or not callable(settings):
        return dict(_count(builder), origin="computed", error="")
    key = dict(settings(), counter=_file_digest(complexity.__file__))
    row, from_cache = load_or_compute(COUNTS_CACHE_FOLDER, file_stem(name), key,
                                      lambda: _count(builder))
    return dict(row, origin="cache" if from_cache else "computed", error="")


def chart_table(table, complexity_table):
    """Joins the primary accuracies with the computed counts: the data behind every chart.

    Adds mparams (trainable parameters in millions), gflops (GFLOPs, multiply-add = 2) and
    density (top-1 % per million parameters). Models without computed counts are left out.
    """
    rows = primary_rows(table)
    check_columns(complexity_table, ["params", "flops"], hint=" (use compute_complexity)",
                  name="complexity_table")
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
    check_columns(table, [cost, accuracy], hint="")
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

