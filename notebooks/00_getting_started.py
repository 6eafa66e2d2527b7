# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Getting started: the data, the baseline, and how we measure a network
#
# This course builds the convolutional networks that followed GoogLeNet and ResNet
# (Inception-v4, Xception, DenseNet, ensembles, SENet) and measures them. Every chapter
# uses the same three tools, introduced here:
#
# 1. **The data.** Fashion-MNIST: small enough to train on a laptop CPU, hard enough that
#    architecture matters.
# 2. **A baseline.** A plain CNN, no branches and no shortcuts, trained once here. Every
#    later chapter compares its small model against this number.
# 3. **The measuring tape.** Parameters, FLOPs and latency, computed by `convnet_lib`,
#    checked against TensorFlow's own profiler.
#
# **You will learn** how to check your environment, how the quick/full switch works, what
# Fashion-MNIST looks like, how a FLOP count is built layer by layer, and why the FLOPs of
# a network do not tell you how long it takes to run.

# %%
# Setup: make convnet_lib importable. Where the project is not checked out (e.g. on Colab),
# clone it and work inside it, so that its data/ and images/ folders are there too.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec("convnet_lib") is None:
    if not os.path.isdir("../convnet_lib"):
        project_url = os.environ.get("CONVNET_PROJECT_URL", "https://github.com/convnet-course/notable-convnets-iii")
        subprocess.run(["git", "clone", "--depth", "1", project_url, "convnet-project"], check=True)
        os.chdir("convnet-project/notebooks")
    sys.path.insert(0, os.path.abspath(".."))

# %% [markdown]
# ## 1. The environment
#
# The versions below are the ones the stored outputs were produced with (see
# `requirements.txt`). A GPU is optional: every notebook runs on a CPU.

# %%
import platform

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf

import convnet_lib
from convnet_lib import complexity, data, plotting, training
from convnet_lib.models import available_models, build_model

plotting.set_style()
training.set_seed(42)

print(f"Python      {platform.python_version()}")
print(f"TensorFlow  {tf.__version__}")
print(f"Keras       {keras.__version__} (backend: {keras.backend.backend()})")
print(f"convnet_lib {convnet_lib.__version__}")
print(f"Machine     {platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}")
print("Devices     ", [device.name for device in tf.config.list_logical_devices()])
strategy = training.distribution_strategy()
print(f"Strategy    {type(strategy).__name__} with {strategy.num_replicas_in_sync} replica(s)")

# %% [markdown]
# ## 2. Quick runs and full runs
#
# Training is the slow part of every notebook. One switch controls how much of it happens:
#
# | `CONVNET_QUICK` | what runs | used by |
# |---|---|---|
# | unset or `0` (default) | the **full run**: all the data, all the epochs | you, and the stored outputs |
# | `1` | a **quick run**: a few thousand images, one epoch | the test suite (CI) |
#
# Set it before starting Jupyter (`CONVNET_QUICK=1 jupyter lab`) or in the first cell with
# `os.environ["CONVNET_QUICK"] = "1"`. In code, `training.choose(full=..., quick=...)` picks
# the value for the current mode. Quick-run accuracies mean nothing: they only show that
# the notebook runs.

# %%
QUICK = training.quick_mode()
EPOCHS = training.choose(full=10, quick=1)
TRAIN_EXAMPLES = training.choose(full=None, quick=2_000)  # None: all of them
print(f"quick mode: {QUICK}; epochs: {EPOCHS}; training examples: {TRAIN_EXAMPLES or 'all'}")

# %% [markdown]
# ## 3. The data: Fashion-MNIST
#
# Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, [arXiv:1708.07747](https://arxiv.org/abs/1708.07747))
# has 70,000 grey-scale 28x28 images of clothing from Zalando's catalogue in 10 classes:
# 60,000 for training and 10,000 for testing, 1,000 per class in the test set. It was made
# as a drop-in replacement for MNIST digits, which are too easy to tell architectures apart.
#
# `data.load_fashion_mnist()` works offline: it looks in a folder named by
# `FASHION_MNIST_DIR`, in the Keras cache, and in `/usr/share/datasets/fashion-mnist`
# (the Debian package `dataset-fashion-mnist`), and downloads only if all of these fail.

# %%
# NBVAL_CHECK_OUTPUT
(x_train_full, y_train_full), (x_test, y_test) = data.load_fashion_mnist()
print("training images:", x_train_full.shape, x_train_full.dtype)
print("test images:    ", x_test.shape, x_test.dtype)
print("pixel range:    ", x_train_full.min(), "to", x_train_full.max())
print("test images per class:", np.bincount(y_test).tolist())
print("classes:", ", ".join(data.CLASS_NAMES))

# %%
fig = plotting.plot_image_grid(x_train_full, y_train_full, data.CLASS_NAMES, rows=3, cols=8)
plotting.save_figure(fig, "00_fashion_mnist_grid")
plt.show()

# %% [markdown]
# Some classes are easy (trousers, bags, sneakers); some are hard to tell apart even for a
# person at 28x28 pixels: shirt, T-shirt, pullover and coat. Keep that in mind when you
# read the confusion matrix below, and in the ensembles chapter, where different models turn
# out to be good at different classes.
#
# We hold out 5,000 training images for validation, so that the test set is used only once,
# at the end. `data.make_dataset` turns arrays into a `tf.data` pipeline that shuffles
# examples (not whole batches), batches, scales pixels to [0, 1] and prefetches; it can also
# pad the images to 32x32 and copy them into 3 channels for models built for RGB input.

# %%
(x_train, y_train), (x_val, y_val) = data.train_validation_split(
    x_train_full, y_train_full, validation_fraction=5_000 / 60_000, seed=0
)
x_train, y_train = data.subset(x_train, y_train, TRAIN_EXAMPLES, seed=0)
train_ds = data.make_dataset(x_train, y_train, batch_size=128, shuffle=True, seed=0)
val_ds = data.make_dataset(x_val, y_val, batch_size=256)
test_ds = data.make_dataset(x_test, y_test, batch_size=256)
print(f"train {len(x_train):,} / validation {len(x_val):,} / test {len(x_test):,} images")
images, labels = next(iter(train_ds))
print("one batch:", tuple(images.shape), images.dtype.name, "labels", tuple(labels.shape))

# %% [markdown]
# ## 4. The baseline: a plain CNN
#
# Three stages of 3x3 convolution + batch normalization + ReLU, with 2x2 max pooling
# between them, global average pooling and a softmax classifier. Nothing in it comes from
# the architectures this course is about, which is the point: it is what those ideas have
# to beat. It lives in the library as `baseline_cnn`.

# %%
# NBVAL_CHECK_OUTPUT
baseline = build_model("baseline_cnn", input_shape=(28, 28, 1), classes=10)
baseline.summary(line_length=90)
params = complexity.count_params(baseline)
print(f"parameters: {params.total:,} ({params.trainable:,} trainable, "
      f"{params.non_trainable:,} non-trainable: the BN moving means and variances)")
print(f"FLOPs per image: {complexity.count_flops(baseline) / 1e6:.1f} M")

# %% [markdown]
# ## 5. Training it
#
# Adam, cross-entropy, `fit` with the validation set. In the full run this takes a few
# minutes on a laptop CPU.

# %%
training.set_seed(42)
baseline.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
history = baseline.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, verbose=2)

# %%
fig = plotting.plot_history(history, title="baseline CNN on Fashion-MNIST")
plotting.save_figure(fig, "00_baseline_history")
plt.show()

# %% [markdown]
# The training loss falls steadily. The validation curve is noisier: with a constant
# learning rate and batch normalization, the held-out accuracy jumps from epoch to epoch
# before it settles near the training accuracy (a learning-rate schedule would smooth it;
# exercise 1 below). Now the number later chapters compare against, measured once on
# the full 10,000-image test set:

# %%
baseline_accuracy = training.report_test_accuracy(baseline, test_ds)

# %%
true_labels, predicted_labels, _ = training.predict_labels(baseline, test_ds)
fig = plotting.plot_confusion_matrix(true_labels, predicted_labels, data.CLASS_NAMES)
plotting.save_figure(fig, "00_baseline_confusion")
plt.show()
per_class = pd.Series(
    [np.mean(predicted_labels[true_labels == c] == c) for c in range(10)],
    index=data.CLASS_NAMES, name="accuracy",
)
print(per_class.sort_values().round(3).to_string())

# %% [markdown]
# As expected, *Shirt* is the hardest class: it is confused with T-shirt/top, pullover and
# coat. Trousers, bags, sandals and sneakers are nearly solved.
#
# ## 6. Measuring a network: parameters and FLOPs
#
# Two numbers describe the size of a network:
#
# * **Parameters**: how many numbers it stores. Keras also counts batch normalization's
#   moving mean and variance (non-trainable); PyTorch does not count them, so a PyTorch
#   reference figure usually equals our *trainable* count.
# * **FLOPs**: floating-point operations of one forward pass of one image. We count a
#   multiply-add as **2** FLOPs, the convention of Bianco et al. 2018
#   ([arXiv:1810.00736](https://arxiv.org/abs/1810.00736)). Many papers say "FLOPs" and
#   mean multiply-adds: the ResNet paper gives ResNet-50 as 3.8 x 10^9 "FLOPs" (He et al.
#   2015, [arXiv:1512.03385](https://arxiv.org/abs/1512.03385), Table 1), which is 7.7 G in
#   our convention.
#
# `complexity.count_flops` computes FLOPs analytically, one small rule per layer kind. For
# a convolution, every output element is a dot product over its window:
#
# $$\text{FLOPs}_{\text{conv}} = 2 \cdot H_{out} W_{out} C_{out} \cdot k_h k_w \frac{C_{in}}{\text{groups}}$$
#
# A dense layer costs $2 \cdot C_{in} C_{out}$, batch normalization at inference is one
# multiply and one add per element, pooling looks at each window once, and ReLU, padding
# and concatenation are free (TensorFlow's profiler does not count them either). Let us
# measure keras.applications' ResNet-50 at its default 224x224 input.

# %%
# NBVAL_CHECK_OUTPUT
resnet50 = keras.applications.ResNet50(weights=None)
resnet_params = complexity.count_params(resnet50)
resnet_flops = complexity.count_flops(resnet50)
print(f"ResNet-50 parameters: {resnet_params.total:,} ({resnet_params.trainable:,} trainable)")
print(f"ResNet-50 FLOPs at 224x224: {resnet_flops / 1e9:.2f} G "
      f"= {resnet_flops / 2e9:.2f} G multiply-adds")

# %% [markdown]
# The per-layer table shows where those FLOPs go: almost all of them are in the
# convolutions.

# %%
# NBVAL_CHECK_OUTPUT
table = complexity.flops_table(resnet50)
print(table.head(12).to_string(index=False))
by_kind = table.groupby("counted_as")["flops"].sum().sort_values(ascending=False)
print()
print((by_kind / by_kind.sum() * 100).round(2).rename("% of FLOPs").to_string())

# %% [markdown]
# Is the counter right? TensorFlow ships a profiler that counts the floating-point
# operations of a graph. `complexity.profiler_flops` traces the model, freezes its weights
# into constants and runs that profiler; the test suite checks the two agree within 1 % on
# ResNet50, InceptionV3, Xception, DenseNet121 and MobileNetV2.

# %%
# NBVAL_CHECK_OUTPUT
profiled = complexity.profiler_flops(resnet50)
print(f"analytic count:        {resnet_flops:,}")
print(f"TensorFlow's profiler: {profiled:,}")
print(f"difference:            {(resnet_flops - profiled) / profiled * 100:+.3f} %")

# %% [markdown]
# ## 7. FLOPs are not time
#
# Latency depends on the hardware, the software and the *kind* of operations: large dense
# convolutions run close to the processor's peak, while memory-bound operations (depthwise
# convolutions, concatenations, element-wise work) run far below it. `measure_latency` runs
# a few untimed warm-up passes, then reports the median of several timed ones. The last
# column, FLOPs divided by time, shows how well each model keeps the processor busy: if
# FLOPs predicted time, it would be the same for both.

# %%
print(f"measured on: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
      f"TensorFlow {tf.__version__}")
runs = training.choose(full=10, quick=3)
rows = []
for name, model in [("baseline CNN (28x28)", baseline), ("ResNet-50 (224x224)", resnet50)]:
    timing = complexity.measure_latency(model, batch_size=1, warmup=2, runs=runs)
    rows.append({"model": name, "GFLOPs": complexity.count_flops(model) / 1e9,
                 "median latency (ms)": timing["median_ms"]})
latency = pd.DataFrame(rows).set_index("model")
latency["GFLOP/s achieved"] = latency["GFLOPs"] / (latency["median latency (ms)"] / 1000)
print(latency.round(3).to_string())
flops_ratio = latency["GFLOPs"].iloc[1] / latency["GFLOPs"].iloc[0]
time_ratio = latency["median latency (ms)"].iloc[1] / latency["median latency (ms)"].iloc[0]
print(f"\nResNet-50 needs {flops_ratio:.0f}x the FLOPs of the baseline and {time_ratio:.0f}x its time.")

# %% [markdown]
# ## Summary
#
# * Fashion-MNIST: 60,000 + 10,000 images, 10 classes, loaded offline by
#   `data.load_fashion_mnist()`; `data.make_dataset` builds the input pipeline.
# * `training.quick_mode()` / `training.choose(full, quick)`: one switch (`CONVNET_QUICK`)
#   between the full run and the quick run used by the tests.
# * The baseline CNN's test accuracy printed above is the number to beat in every chapter.
# * `complexity.count_params`, `count_flops` (multiply-add = 2 FLOPs) and `flops_table` measure
#   size and cost; they agree with TensorFlow's profiler. `measure_latency` measures time,
#   which FLOPs do not predict.
#
# ## Exercises
#
# 1. Add a learning-rate schedule (e.g. `keras.optimizers.schedules.CosineDecay`) and
#    retrain. Does the validation curve calm down? Does the test accuracy move?
# 2. Double the widths of the baseline (`widths=(64, 128, 256)`). How do parameters, FLOPs
#    and test accuracy change? Is it worth it?
# 3. Compute by hand the FLOPs of the baseline's first convolution (28x28 output, 32
#    filters, 3x3 kernel, 1 input channel, no bias) and find the row in
#    `complexity.flops_table(baseline)` that agrees.
# 4. Measure `measure_latency(resnet50, batch_size=b)` for b = 1, 8, 32. How does the time
#    *per image* change, and why?
# 5. Count the FLOPs of `keras.applications.MobileNetV2(weights=None)` and time it against
#    ResNet-50. Which is faster per FLOP, and why?
