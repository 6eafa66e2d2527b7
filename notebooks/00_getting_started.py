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

# %% [markdown] slideshow={"slide_type": "slide"}
# # 00 · Getting started: the data, the baseline, and how we measure a network
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/convnet-course/notable-convnets-iii/blob/main/notebooks/00_getting_started.ipynb)
#
# This course builds the convolutional networks that followed GoogLeNet and ResNet
# (Inception-v4, Xception, DenseNet, ensembles, SENet) and measures them. Every chapter
# uses the same three tools, introduced here:
#
# 1. **The data.** Fashion-MNIST: small enough to train on a laptop CPU, hard enough that
#    architecture matters.
# 2. **A baseline.** A plain CNN, no branches and no shortcuts, trained here with three
#    seeds. Every later chapter compares its small model against it.
# 3. **The measuring tape.** Parameters, FLOPs and latency, computed by `convnet_lib`,
#    checked against TensorFlow's own profiler.
#
# **What you will learn:** how to check your environment, how the quick/full switch works, what
# Fashion-MNIST looks like, how a FLOP count is built layer by layer, and why the FLOPs of
# a network do not tell you how long it takes to run.

# %% slideshow={"slide_type": "skip"}
# Setup: short error messages (`%xmode Context` brings full tracebacks back), TensorFlow
# loaded without its start-up log lines, and `convnet_lib` importable. Where the project is
# not checked out (e.g. on Colab), it is cloned here and the notebook works inside the clone.
# %xmode Minimal
# %colors nocolor
import importlib.util, os, subprocess, sys
PROJECT_URL = os.environ.get("CONVNET_PROJECT_URL",
                             "https://github.com/convnet-course/notable-convnets-iii")
if importlib.util.find_spec("convnet_lib") is None:
    if not os.path.isdir("../convnet_lib"):
        if not os.path.isdir("convnet-project"):
            clone = ["git", "clone", "--depth", "1", PROJECT_URL, "convnet-project"]
            try:
                subprocess.run(clone, check=True, capture_output=True,
                               env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
            except (OSError, subprocess.CalledProcessError):
                raise RuntimeError(f"Could not clone {PROJECT_URL}: check the internet "
                                   "connection and the address (a fork sets "
                                   "CONVNET_PROJECT_URL), then run this cell again.") from None
        os.chdir("convnet-project/notebooks")
    sys.path.insert(0, os.path.abspath(".."))
# TensorFlow prints a few lines while it loads, before any log level applies: load it with
# stderr muted. Level 3 also hides the later "cuInit" error of machines without a GPU.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
with open(os.devnull, "w") as devnull:
    stderr_copy = os.dup(2)
    os.dup2(devnull.fileno(), 2)
    try:
        import tensorflow
    finally:
        os.dup2(stderr_copy, 2)
        os.close(stderr_copy)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The environment
#
# The versions below are the ones the stored outputs were produced with (see
# `requirements.txt`). A GPU is optional: every notebook runs on a CPU.

# %% slideshow={"slide_type": "skip"}
import platform

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf

import time

from convnet_lib import complexity, data, metrics, plotting, runtime, training
from convnet_lib.models import available_models, build_model

NOTEBOOK_START = time.perf_counter()
plotting.set_style()
runtime.set_seed(42)
runtime.print_environment()
strategy = runtime.distribution_strategy()
print(f"  strategy: {type(strategy).__name__} with {strategy.num_replicas_in_sync} replica(s)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Quick runs and full runs
#
# Training is the slow part of every notebook. One switch controls how much of it happens:
#
# | `CONVNET_QUICK` | what runs | used by |
# |---|---|---|
# | unset or `0` (default) | the **full run**: the course's recipe (10,000 training images, 3 epochs, three seeds, all 10,000 test images) | you, and the stored outputs |
# | `1` | a **quick run**: 2,048 training, 1,500 validation and 1,000 test images, one epoch, one seed | the test suite (CI) |
#
# Set it before starting Jupyter (`CONVNET_QUICK=1 jupyter lab`) or in the first cell with
# `os.environ["CONVNET_QUICK"] = "1"`. In code, `runtime.choose(full=..., quick=...)` picks
# the value for the current mode. Quick-run accuracies mean nothing: they only show that
# the notebook runs.

# %%
QUICK = runtime.quick_mode()
RECIPE = training.quick_recipe()  # the course's recipe; shrunk in a quick run
print(f"quick mode: {QUICK}")
print(RECIPE)

# %% [markdown] slideshow={"slide_type": "slide"}
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

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = plotting.plot_image_grid(x_train_full, y_train_full, data.CLASS_NAMES, rows=3, cols=8)
plotting.save_figure(fig, "00_fashion_mnist_grid")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Some classes are easy (trousers, bags, sneakers); some are hard to tell apart even for a
# person at 28x28 pixels: shirt, T-shirt, pullover and coat. Keep that in mind when you
# read the confusion matrix below, and in the ensembles chapter, where different models turn
# out to be good at different classes.
#
# We hold out 10 % of the training images (6,000) for validation, so that the test set is
# used only once, at the end. `data.make_dataset` turns arrays into a `tf.data` pipeline
# that shuffles examples (not whole batches), batches, scales pixels to [0, 1] and
# prefetches; it can also pad the images to 32x32 and copy them into 3 channels for models built for RGB input.

# %%
splits = training.fashion_mnist_splits(RECIPE)
print(splits.sizes())
images, labels = next(iter(splits.train))
print("one batch:", tuple(images.shape), images.dtype.name, "labels", tuple(labels.shape))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. The baseline: a plain CNN
#
# Three stages of 3x3 convolution + batch normalization + ReLU, with 2x2 max pooling
# between them, global average pooling, dropout and a softmax classifier. Nothing in it
# comes from the architectures this course is about, which is the point: it is what those
# ideas have to beat. It lives in the library as `baseline_cnn`.

# %% slideshow={"slide_type": "notes"}
# NBVAL_CHECK_OUTPUT
baseline = build_model("baseline_cnn", input_shape=(32, 32, 1), classes=10)
complexity.print_summary(baseline, line_length=90)
params = complexity.count_params(baseline)
print(f"parameters: {params.total:,} ({params.trainable:,} trainable, "
      f"{params.non_trainable:,} non-trainable: the BN moving means and variances)")
print(f"FLOPs per image: {complexity.count_flops(baseline) / 1e6:.1f} M")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Training it
#
# Every model of the course is trained with one recipe, `training.DEFAULT_RECIPE` (printed
# above): Adam, a learning rate of 2e-3 that decays to 0 along a cosine over the run,
# batch size 128, 3 epochs on a random 10,000 of the 54,000 training images, 28x28 images
# padded to 32x32, cross-entropy, and the held-out validation split evaluated after every
# epoch. The recipe lives in the library (`training.train`), so a chapter model and this
# baseline differ only in the network. The 10,000-image budget is what lets every chapter
# train each of its models three times within minutes on a laptop CPU.
#
# One training run is one draw: another seed (another initialisation and data order) gives
# another accuracy. So the baseline is trained with **three seeds** (`training.SEEDS`; one in a quick run), and
# `training.baseline_runs(splits)` keeps the trained models in the cache, where every later
# chapter loads them instead of training the baseline again. Each seed prints one line with
# its accuracies, its training time and the time elapsed so far: the stored full run took
# about 1.5 minutes for the three seeds on a 2-core CPU.

# %% slideshow={"slide_type": "notes"}
baseline_runs = training.baseline_runs(splits, RECIPE)

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
history = baseline_runs[0].history
fig = plotting.plot_history(history, title="baseline CNN on Fashion-MNIST (seed 0)")
plotting.save_figure(fig, "00_baseline_history")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Both losses fall and both accuracies rise over the three epochs, most from the first to
# the second epoch and less in the third, while the learning rate decays to zero. Validation accuracy lies
# above training accuracy here: the training figure is averaged over an epoch in which the
# weights were still improving, and dropout is active only during training. Now the number
# later chapters compare against, measured once per seed on the full 10,000-image test set:

# %%
accuracies = np.array([run.test_accuracy for run in baseline_runs])
for run in baseline_runs:
    print(f"seed {run.seed}: test accuracy {run.test_accuracy:.3f}")
spread = accuracies.std(ddof=1) if len(accuracies) > 1 else 0.0
print(f"baseline_cnn test accuracy over {len(accuracies)} seeds: mean {accuracies.mean():.3f}, "
      f"standard deviation {spread:.3f}")

# %% slideshow={"slide_type": "notes"}
true_labels, predicted_labels = splits.test_labels, baseline_runs[0].predicted
fig = plotting.plot_confusion_matrix(true_labels, predicted_labels, data.CLASS_NAMES)
plotting.save_figure(fig, "00_baseline_confusion")
plt.show()
per_class = pd.Series(metrics.per_class_accuracy(true_labels, predicted_labels, classes=10),
                      index=data.CLASS_NAMES, name="accuracy")
print(per_class.sort_values().round(3).to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
# As expected, *Shirt* is the hardest class (seed 0's model gets 42 % of shirts right): it is
# mistaken mostly for T-shirt/top, coat and pullover, and coat and pullover are the next
# hardest classes (71-72 %). Bag, sneaker, ankle boot, trouser and sandal are all above 90 %.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Measuring a network: parameters and FLOPs
#
# Two numbers describe the size of a network:

# %% [markdown] slideshow={"slide_type": "subslide"}
# * **Parameters**: how many numbers it stores. Keras also counts batch normalization's
#   moving mean and variance (non-trainable); PyTorch does not count them, so a PyTorch
#   reference figure usually equals our *trainable* count.
# * **FLOPs**: floating-point operations of one forward pass of one image. We count a
#   multiply-add as **2** FLOPs (one multiplication, one addition). Many papers say
#   "FLOPs" and mean multiply-adds: the ResNet paper gives ResNet-50 as 3.8 x 10^9 "FLOPs"
#   (He et al. 2015, [arXiv:1512.03385](https://arxiv.org/abs/1512.03385), Table 1), which
#   is about 7.6 G in our convention (our count below: 7.76 G). The SENet paper's "GFLOPs"
#   (Hu et al., Table 2) and the "G-FLOPs" axis of Bianco et al. 2018
#   ([arXiv:1810.00736](https://arxiv.org/abs/1810.00736), Figure 1) are multiply-adds too; chapters 05 and 06 convert where they compare.
# * **Layers with weights**: how deep a network is. In this course that means its
#   **convolution and dense layers** (`Conv2D`, `DepthwiseConv2D`, `SeparableConv2D`,
#   `Dense`): the layers that hold the weights and do the multiply-adds. Batch
#   normalization is *not* counted, although it has parameters, and neither are pooling,
#   activations or concatenations. This is how the papers name their networks:
#   DenseNet-121 has 120 convolutions and 1 dense layer. ResNet-50's "50" counts its main
#   path only; its 4 projection shortcuts are 4 more convolutions, 54 layers with weights
#   in all. (The "Depth" column of the Keras Applications table counts every layer that
#   has weights, batch normalization included: 107 for ResNet50.)

# %% [markdown] slideshow={"slide_type": "subslide"}
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# The per-layer table shows where those FLOPs go: almost all of them are in the
# convolutions.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
table = complexity.flops_table(resnet50)
print(table.head(12).to_string(index=False))
by_kind = table.groupby("counted_as")["flops"].sum().sort_values(ascending=False)
print()
print((by_kind / by_kind.sum() * 100).round(2).rename("% of FLOPs").to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
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

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. FLOPs are not time
#
# Latency depends on the hardware, the software and the work done in each call.
# `measure_latency` runs a few untimed warm-up passes, then reports the median of several
# timed ones, one image per call (batch size 1). The last column, FLOPs divided by time,
# shows how well each model keeps the processor busy: if FLOPs predicted time, it would be
# the same for both.

# %% slideshow={"slide_type": "subslide"}
print(f"measured on: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
      f"TensorFlow {tf.__version__}")
runs = runtime.choose(full=10, quick=3)
rows = []
for name, model in [("baseline CNN (32x32)", baseline), ("ResNet-50 (224x224)", resnet50)]:
    timing = complexity.measure_latency(model, batch_size=1, warmup=2, runs=runs)
    rows.append({"model": name, "GFLOPs": complexity.count_flops(model) / 1e9,
                 "median latency (ms)": timing["median_ms"]})
latency = pd.DataFrame(rows).set_index("model")
latency["GFLOP/s achieved"] = latency["GFLOPs"] / (latency["median latency (ms)"] / 1000)
print(latency.round(3).to_string())
flops_ratio = latency["GFLOPs"].iloc[1] / latency["GFLOPs"].iloc[0]
time_ratio = latency["median latency (ms)"].iloc[1] / latency["median latency (ms)"].iloc[0]
print(f"\nResNet-50 needs {flops_ratio:.0f}x the FLOPs of the baseline and {time_ratio:.0f}x its time.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# What to look for: the baseline achieves far fewer GFLOP/s than ResNet-50 (here about 7
# against 115), so the time ratio printed last is much smaller than the FLOP ratio (24x
# against 395x). Neither model has depthwise convolutions or concatenations; what differs
# is how much work one call contains. Every forward pass pays a fixed cost that does not depend on its FLOPs: Python and Keras
# dispatch, launching the compiled graph, handing the work to the CPU threads and waiting
# for them. The baseline does so little arithmetic per image (its GFLOPs are in the table)
# that this overhead is a large share of its time; ResNet-50 does hundreds of times more
# work per call, and the overhead is spread over all of it. At batch size 1, a small
# model is slow *per FLOP* whatever its layers are (exercise 4 changes the batch size).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * Fashion-MNIST: 60,000 + 10,000 images, 10 classes, loaded offline by
#   `data.load_fashion_mnist()`; `data.make_dataset` builds the input pipeline.
# * `runtime.quick_mode()` / `runtime.choose(full, quick)`: one switch (`CONVNET_QUICK`)
#   between the full run and the quick run used by the tests.
# * The baseline CNN's test accuracy printed above is the number to beat in every chapter.
# * `complexity.count_params`, `count_flops` (multiply-add = 2 FLOPs) and `flops_table` measure
#   size and cost; they agree with TensorFlow's profiler. `measure_latency` measures time,
#   which FLOPs do not predict.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# **Exercises that check themselves (A, B, C, ...).** Each has a cell with a function for
# you to write (it raises `NotImplementedError` until you do) and a cell that checks it. The
# check compares your function with the library's own version (output shape, parameter
# count, the outputs on the same random weights and inputs, or the value of a formula on
# several cases), prints what is right, what is wrong and a hint for the typical mistake,
# and returns True or False. Checks run offline, on Colab too, in a few seconds each.
# Stuck? In a new cell, run `%load ../solutions/ch00_getting_started.py`: it loads the
# solutions (run that cell twice: the first run inserts the code). Try the hints first.
#
# **Experiments (1, 2, ...)** are open-ended: no check; each states its expected run time
# on a laptop CPU (estimated from this notebook's stored full run on 2 CPU cores) and what
# a good answer contains.

# %% slideshow={"slide_type": "skip"}
from convnet_lib.exercises import ch00 as check

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise A: accuracy from predicted probabilities
#
# Write `my_accuracy(labels, probabilities)`: `labels` is an int array (examples,),
# `probabilities` an array (examples, classes) such as `model.predict(...)` returns. Return
# the fraction (between 0 and 1) of examples whose most probable class is the label.

# %% slideshow={"slide_type": "skip"}
def my_accuracy(labels, probabilities):
    # Your code here.
    raise NotImplementedError("Exercise A: write my_accuracy")


# %% slideshow={"slide_type": "skip"}
check.accuracy(my_accuracy)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise B: the parameters of a Conv2D layer, as a formula
#
# Write `my_conv2d_params(kernel_size, in_channels, filters, use_bias)` for a square
# `kernel_size` x `kernel_size` convolution. The check builds the layer in Keras and
# compares with `count_params()`.

# %% slideshow={"slide_type": "skip"}
def my_conv2d_params(kernel_size, in_channels, filters, use_bias):
    # Your code here.
    raise NotImplementedError("Exercise B: write my_conv2d_params")


# %% slideshow={"slide_type": "skip"}
check.conv2d_params(my_conv2d_params)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise C: the FLOPs of a Conv2D layer
#
# Write `my_conv2d_flops(out_height, out_width, kernel_size, in_channels, filters,
# use_bias)` with this course's convention (section 6): a multiply-add counts as 2 FLOPs,
# a bias adds 1 per output element. The check compares with `complexity.count_flops` of a
# one-layer model; its first case is the baseline's first convolution (32x32 output).

# %% slideshow={"slide_type": "skip"}
def my_conv2d_flops(out_height, out_width, kernel_size, in_channels, filters, use_bias):
    # Your code here.
    raise NotImplementedError("Exercise C: write my_conv2d_flops")


# %% slideshow={"slide_type": "skip"}
check.conv2d_flops(my_conv2d_flops)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise D: the output size of a strided convolution
#
# Write `my_conv_output_size(input_size, kernel_size, strides, padding)` for `padding`
# "valid" or "same". The check builds the Conv2D in Keras and reads its output shape.

# %% slideshow={"slide_type": "skip"}
def my_conv_output_size(input_size, kernel_size, strides, padding):
    # Your code here.
    raise NotImplementedError("Exercise D: write my_conv_output_size")


# %% slideshow={"slide_type": "skip"}
check.conv_output_size(my_conv_output_size)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiments
#
# 1. Replace the recipe's cosine decay by a constant learning rate
#    (`dataclasses.replace(RECIPE, schedule="constant")`) and retrain the baseline with the
#    three seeds (`training.baseline_runs(splits, that_recipe)`). Does the test accuracy move?
#    *Laptop CPU: about 2 min (three seeds, as section 5).* *A good answer* shows both
#    validation curves of one seed in one plot, the `training.compare` line of the two
#    arms, and reads it correctly: which way the difference goes when its 95 % interval
#    excludes zero, "no significant difference" when it includes zero.
# 2. Double the widths of the baseline (`widths=(64, 128, 256)`). How do parameters, FLOPs
#    and test accuracy change? Is it worth it?
#    *Laptop CPU: about 6 min for three seeds (the wide model has about 4 times the FLOPs;
#    the baseline's three seeds took 1.5 min), if training time grows with FLOPs.* *A good
#    answer* has a table of parameters, FLOPs and test accuracy for both widths, explains
#    why parameters and FLOPs grow about 4-fold (both input and output channels double in
#    all but the first convolution), and weighs the accuracy change, with its `training.compare`
#    interval, against that cost.

# %% [markdown] slideshow={"slide_type": "subslide"}
# 3. Find the row of `complexity.flops_table(baseline)` for the baseline's first
#    convolution (32x32 output, 32 filters, 3x3 kernel, 1 input channel, no bias) and check
#    that it equals your Exercise C. Then explain which rows of the table cost nothing, and
#    why. *Laptop CPU: under 1 min.* *A good answer* names the row (`stage1_unit1_conv`),
#    the number (589,824) and the layers counted as 0 FLOPs (the ReLU activations and
#    dropout) with the reason given in `convnet_lib.complexity`.
# 4. Measure `measure_latency(resnet50, batch_size=b)` for b = 1, 8, 32. How does the time
#    *per image* change, and why?
#    *Laptop CPU: about 2 min.* *A good answer* tabulates ms per call and ms per image, sees
#    the time per image fall and then level off, and explains it with per-call overhead
#    and better use of the CPU's vector units and cores by larger matrix products.
# 5. Count the FLOPs of `keras.applications.MobileNetV2(weights=None)` and time it against
#    ResNet-50. Which is faster per FLOP, and why?
#    *Laptop CPU: about 2 min.* *A good answer* reports FLOPs, ms per image and ms per
#    GFLOP for both, usually finds MobileNetV2 slower per FLOP, and explains that with depthwise
#    convolutions doing little arithmetic per byte of memory moved.

# %% [markdown] slideshow={"slide_type": "skip"}
# How long this notebook took, top to bottom, on the machine that ran it:

# %% slideshow={"slide_type": "skip"}
print(f"elapsed: {(time.perf_counter() - NOTEBOOK_START) / 60:.1f} min "
      f"({'quick' if runtime.quick_mode() else 'full'} run, {os.cpu_count()} CPU cores)")
