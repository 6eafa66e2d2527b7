"""Benchmark: our full-size models against their keras.applications twins.

Not a test. In one run, for each of our registered models that has a keras.applications
twin (`convnet_lib.models.models_with_twins()`: the twin's name and the input size come
from `model_info`), it

1. measures inference throughput (images per second) of ours and of the twin on the same
   random batch at the model's published input size, in interleaved rounds (ours, theirs,
   theirs, ours, ...) so that a change in machine load hits both alike, and prints the
   ratio ours / theirs (1.00 = as fast; the architectures are the same, so a ratio far
   from 1 points at an implementation difference);
2. times `convnet_lib.complexity.count_flops` (analytic, layer by layer) against
   `convnet_lib.complexity.profiler_flops` (TensorFlow's profiler) on the same models and
   prints both FLOP counts.

Usage (from the repository root):

    python benchmarks/benchmark_twins.py                      # defaults below
    python benchmarks/benchmark_twins.py --batch-size 32 --rounds 7 --output results.md
    python benchmarks/benchmark_twins.py --models xception densenet121

By default it benchmarks every model with a twin; `--models` picks some of them.

Weights are random (`weights=None`): speed does not depend on their values.
"""

import argparse
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from convnet_lib import complexity  # noqa: E402
from convnet_lib.models import build_model  # noqa: E402
from convnet_lib.models import model_info  # noqa: E402
from convnet_lib.models import models_with_twins  # noqa: E402


def machine_description():
    """One line naming the CPU, the accelerator (if any) and the software versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    devices = "CPU only"
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
            devices = ", ".join(names)
    return (
        f"{cpu} ({os.cpu_count()} logical CPUs), accelerator: {devices}; "
        f"Python {platform.python_version()}, Keras {keras.__version__} "
        f"({keras.backend.backend()} backend)"
        + (f", TensorFlow {sys.modules['tensorflow'].__version__}" if "tensorflow" in sys.modules else "")
    )


def timed_batches(model, batch, iterations):
    """Seconds for `iterations` forward passes of `batch` (after the function is compiled)."""
    start = time.perf_counter()
    for _ in range(iterations):
        model.predict_on_batch(batch)
    return time.perf_counter() - start


def throughput(ours, theirs, batch, rounds, iterations, warmup):
    """Median images/s of each model over interleaved rounds; the order alternates."""
    for _ in range(warmup):
        ours.predict_on_batch(batch)
        theirs.predict_on_batch(batch)
    seconds = {"ours": [], "theirs": []}
    for round_index in range(rounds):
        order = ("ours", "theirs") if round_index % 2 == 0 else ("theirs", "ours")
        for who in order:
            model = ours if who == "ours" else theirs
            seconds[who].append(timed_batches(model, batch, iterations))
    images = len(batch) * iterations
    return {who: images / statistics.median(times) for who, times in seconds.items()}


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - start


def benchmark_model(name, batch_size, rounds, iterations, warmup, with_profiler):
    info = model_info(name)
    application, size, shape = info.keras_twin, info.input_size, info.input_shape
    ours = build_model(name, input_shape=shape)
    theirs = getattr(keras.applications, application)(weights=None, input_shape=shape)
    batch = np.random.default_rng(0).uniform(0, 1, (batch_size, *shape)).astype("float32")
    speed = throughput(ours, theirs, batch, rounds, iterations, warmup)
    row = {
        "model": name,
        "twin": f"keras.applications.{application}",
        "input": f"{size}x{size}",
        "ours_img_s": speed["ours"],
        "theirs_img_s": speed["theirs"],
        "ratio": speed["ours"] / speed["theirs"],
    }
    row["flops_ours"], row["count_flops_s"] = timed(complexity.count_flops, ours)
    row["flops_theirs"], row["count_flops_theirs_s"] = timed(complexity.count_flops, theirs)
    if with_profiler:
        row["profiler_flops"], row["profiler_s"] = timed(complexity.profiler_flops, ours)
    return row


def markdown_tables(rows, batch_size, rounds, iterations, machine):
    lines = [
        f"Machine: {machine}",
        f"Batch {batch_size}, {rounds} interleaved rounds of {iterations} batches each; "
        "median images/s per model.",
        "",
        "| ours | twin | input | ours (img/s) | twin (img/s) | ours / twin |",
        "|---|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['twin']} | {r['input']} | {r['ours_img_s']:.1f} | "
            f"{r['theirs_img_s']:.1f} | {r['ratio']:.2f} |"
        )
    lines += [
        "",
        "| model | count_flops (GFLOPs) | count_flops time (ms) | profiler (GFLOPs) | "
        "profiler time (s) | profiler / count_flops time |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "profiler_flops" in r:
            profiler = f"{r['profiler_flops'] / 1e9:.3f} | {r['profiler_s']:.2f} | {r['profiler_s'] / r['count_flops_s']:.0f}x"
        else:
            profiler = "not run | - | -"
        same = "" if r["flops_ours"] == r["flops_theirs"] else f" (twin: {r['flops_theirs'] / 1e9:.3f})"
        lines.append(
            f"| {r['model']} | {r['flops_ours'] / 1e9:.3f}{same} | {1000 * r['count_flops_s']:.1f} | {profiler} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    twins = models_with_twins()
    parser.add_argument("--models", nargs="+", default=twins, choices=twins)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds")
    parser.add_argument("--iterations", type=int, default=3, help="batches per timed round")
    parser.add_argument("--warmup", type=int, default=2, help="untimed batches per model")
    parser.add_argument("--no-profiler", action="store_true", help="skip TensorFlow's profiler")
    parser.add_argument("--output", help="also write the markdown tables to this file")
    args = parser.parse_args(argv)
    for value, flag in ((args.batch_size, "--batch-size"), (args.rounds, "--rounds"),
                        (args.iterations, "--iterations")):
        if value < 1:
            parser.error(f"{flag} must be >= 1. Received: {flag}={value}")
    if args.warmup < 0:
        parser.error(f"--warmup must be >= 0. Received: --warmup={args.warmup}")

    rows = []
    for name in args.models:
        print(f"benchmarking {name} ...", flush=True)
        rows.append(
            benchmark_model(name, args.batch_size, args.rounds, args.iterations, args.warmup,
                            with_profiler=not args.no_profiler)
        )
        keras.backend.clear_session()
    if not rows:
        print("nothing to benchmark")
        return 1
    report = markdown_tables(rows, args.batch_size, args.rounds, args.iterations, machine_description())
    print()
    print(report)
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
