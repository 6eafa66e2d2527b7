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
# # 03 · DenseNet: connect every layer to every later layer
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/convnet-course/notable-convnets-iii/blob/main/notebooks/03_densenet.ipynb)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **What you will learn**
#
# - why ResNet's short paths mattered, and DenseNet's next step: instead of *adding* a
#   layer's output to its input, *concatenate* it, so that every layer sees the feature
#   maps of all earlier layers of its block;
# - the two pieces of a DenseNet, the dense block (growth rate $k$) and the transition
#   layer, built and checked shape by shape;
# - a common mistake that makes the channel count explode, shown and explained;
# - DenseNet-BC (bottleneck + compression) and DenseNet-121/169/201 from a table of block
#   sizes, checked against keras.applications;
# - what the measurements say: few parameters, short paths to the loss, but more
#   activation memory than ResNet-50, and CPU times that FLOPs do not predict;
# - a small DenseNet-BC trained on Fashion-MNIST against the course baseline and against a
#   plain DenseNet of the same size, and what its weights say about feature reuse.
#
# Paper: G. Huang, Z. Liu, L. van der Maaten, K. Q. Weinberger, *Densely Connected
# Convolutional Networks*, CVPR 2017, [arXiv:1608.06993](https://arxiv.org/abs/1608.06993).

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

# %% slideshow={"slide_type": "skip"}
import platform

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from keras import layers

import time

from convnet_lib import complexity, plotting, runtime, training
from convnet_lib.models import build_model, model_info
from convnet_lib.models import densenet as dn
from convnet_lib.weights import transfer_weights

NOTEBOOK_START = time.perf_counter()
plotting.set_style()
runtime.set_seed(42)
runtime.print_environment()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Motivation: short paths, from ResNet to DenseNet
#
# Very deep plain networks are hard to train: the signal from the input and the gradient
# from the loss must pass through every layer. ResNet (He et al. 2015,
# [arXiv:1512.03385](https://arxiv.org/abs/1512.03385)) gave every block a shortcut. A
# block that should compute $f(x)$ is written as
#
# $$f(x) = x + \big(f(x) - x\big) = x + r(x),$$
#
# and only the residual $r(x)$ is learned. Like a Taylor series, which writes a function as
# its value at a point plus ever smaller correction terms, a stack of residual blocks
# starts from the identity and adds corrections; if a block has nothing to add, $r \approx
# 0$ is easy to learn. The shortcuts also create **short paths** from early layers to the
# loss, along which gradients flow without passing through every weight layer.

# %% [markdown] slideshow={"slide_type": "subslide"}
# DenseNet takes the next step. Its layers do not add their output to their input, they
# **concatenate** it on the channel axis. Inside a dense block, layer $\ell$ receives the
# feature maps of *all* earlier layers:
#
# $$x \;\to\; [x,\ f_1(x)] \;\to\; [x,\ f_1(x),\ f_2([x, f_1(x)])] \;\to\; \dots$$
#
# Nothing is overwritten: every feature map stays available to every later layer of the
# block ("feature reuse"), and every layer is a few steps from the block's output. Each
# layer adds only $k$ new channels, the **growth rate** (the paper uses $k = 12$ to $40$).
#
# The figure below draws a dense block of 4 layers on 64 input channels with $k = 32$.
# The $L$ layers of a block receive $L(L+1)/2$ connections (the paper's count), where a
# plain chain has $L$.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
C0, K, L = 64, 32, 4
fig = plotting.dense_block_diagram(num_layers=L, input_channels=C0, growth_rate=K,
                                   title="A dense block: every layer feeds every later one")
plotting.save_figure(fig, "03_dense_block")
plt.show()
connections = plotting.dense_connections(L)
into_layers = sum(target <= L for _, target in connections)
print(f"{len(connections)} connections: {into_layers} into the {L} layers "
      f"(L(L+1)/2 = {L * (L + 1) // 2}), {len(connections) - into_layers} into the block output")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The dense layer and the dense block
#
# A dense layer is pre-activation: BN -> ReLU -> 3x3 conv with $k$ filters, and its output
# is concatenated onto its input. In a few lines:

# %%
# NBVAL_CHECK_OUTPUT
def my_dense_layer(x, growth_rate, name):
    y = layers.BatchNormalization(name=f"{name}_bn")(x)
    y = layers.Activation("relu", name=f"{name}_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_conv")(y)
    return layers.Concatenate(name=f"{name}_concat")([x, y])


x = inputs = keras.Input((56, 56, 64))
for i in range(1, 5):
    x = my_dense_layer(x, growth_rate=32, name=f"layer{i}")
    print(f"after layer {i}: {tuple(x.shape[1:])}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Height and width never change inside a block (the convolutions are "same"-padded), and
# the channels grow by $k$ per layer: $C \to C + n k$. The library's `dense_block` does the
# same (with `bottleneck=False`), names its layers like keras.applications and checks its
# arguments.

# %%
# NBVAL_CHECK_OUTPUT
inputs = keras.Input((56, 56, 64))
block = keras.Model(inputs, dn.dense_block(inputs, num_layers=4, growth_rate=32,
                                           name="conv2", bottleneck=False), name="dense_block")
print("dense block:", tuple(inputs.shape[1:]), "->", tuple(block.output.shape[1:]),
      f"| {block.count_params():,} parameters")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The transition layer.** Concatenation needs equal height and width, so resolution can
# only change *between* blocks. A transition layer does it: BN -> ReLU -> 1x1 conv ->
# 2x2 average pooling with stride 2. The 1x1 conv can also shrink the channels by a factor
# $\theta$, the **compression** (DenseNet-C uses $\theta = 0.5$).

# %%
# NBVAL_CHECK_OUTPUT
inputs = keras.Input((56, 56, 192))
transition = keras.Model(inputs, dn.transition_layer(inputs, compression=0.5, name="pool2"))
print("transition:", tuple(inputs.shape[1:]), "->", tuple(transition.output.shape[1:]),
      f"| {transition.count_params():,} parameters")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Passing a growth rate or a layer count below 1 is an error that names the argument:

# %% slideshow={"slide_type": "subslide"} tags=["raises-exception"]
dn.dense_block(keras.Input((8, 8, 16)), num_layers=4, growth_rate=0, name="oops")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. A common mistake: concatenating after every *layer*
#
# The rule is "concatenate after every *conv sub-block*" (BN, ReLU and conv together).
# Reading "every layer is connected to every later layer" too literally, one may
# concatenate after each Keras layer: after BN, after ReLU and after the conv. Let us build
# that version next to the right one, on the same 56x56x64 input with 4 sub-blocks and
# $k = 32$.

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT
def wrong_dense_block(x, num_layers, growth_rate, name):
    """WRONG: concatenates after every Keras layer instead of after every BN-ReLU-conv."""
    for i in range(1, num_layers + 1):
        x = layers.Concatenate(name=f"{name}{i}_cat_bn")(
            [x, layers.BatchNormalization(name=f"{name}{i}_bn")(x)])
        x = layers.Concatenate(name=f"{name}{i}_cat_relu")(
            [x, layers.Activation("relu", name=f"{name}{i}_relu")(x)])
        x = layers.Concatenate(name=f"{name}{i}_cat_conv")(
            [x, layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                              name=f"{name}{i}_conv")(x)])
        print(f"  after sub-block {i}: {x.shape[-1]:>6,} channels")
    return x


inputs = keras.Input((56, 56, 64))
print("wrong version:")
wrong = keras.Model(inputs, wrong_dense_block(inputs, 4, 32, name="w"), name="wrong")
right = keras.Model(inputs, dn.dense_block(inputs, 4, 32, name="r", bottleneck=False),
                    name="right")
rows = []
for model in (wrong, right):
    rows.append({"block": model.name, "output shape": tuple(model.output.shape[1:]),
                 "parameters": model.count_params(),
                 "output MB (float32, 1 image)": np.prod(model.output.shape[1:]) * 4 / 2**20})
print(pd.DataFrame(rows).set_index("block").round(1).to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
# Each wrong sub-block turns $C$ channels into $2C$ (after BN), $4C$ (after ReLU) and
# $4C + k$ (after the conv): the channels are multiplied by 4 at every step instead of
# growing by $k$. Let us check that rule against the shapes printed above:

# %%
# NBVAL_CHECK_OUTPUT
channels = [64]
for _ in range(4):
    channels.append(4 * channels[-1] + 32)
print("wrong: C -> 4C + k:", " -> ".join(f"{c:,}" for c in channels))
print("right: C -> C + k: ", " -> ".join(f"{64 + i * 32:,}" for i in range(5)))

# %% [markdown] slideshow={"slide_type": "subslide"}
# 19,104 channels instead of 192: 100 times more memory per image, and the next layer's
# convolution would need 100 times more weights. The right block's output is the input
# plus exactly $n k$ new maps; the growth is linear in depth, not exponential. The
# parameters of the wrong block are also much larger, because its convolutions see the
# copies of copies.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. The teaching DenseNet
#
# A complete (small) DenseNet: the ImageNet stem of ResNet (7x7/2 conv, 3x3/2 max pool,
# 64 channels), 4 dense blocks of 4 layers with $k = 32$, transitions with
# $\theta = 0.5$ that halve channels and resolution, a last BN-ReLU, global average
# pooling and a Dense classifier. It is registered as `densenet_teaching`.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
teaching = build_model("densenet_teaching", input_shape=(224, 224, 3), classes=10)
stage_ends = ["pool1", "conv2_block4_concat", "pool2_pool", "conv3_block4_concat",
              "pool3_pool", "conv4_block4_concat", "pool4_pool", "conv5_block4_concat"]
for name in stage_ends:
    print(f"{name:<22} {str(tuple(teaching.get_layer(name).output.shape[1:])):>16}")
print("channels per stage:", " -> ".join(
    str(teaching.get_layer(name).output.shape[-1]) for name in stage_ends))
params = complexity.count_params(teaching)
print(f"parameters at 224x224x3, 10 classes: {params.total:,} "
      f"({params.trainable:,} trainable)")
print(f"FLOPs per image: {complexity.count_flops(teaching) / 1e9:.3f} G")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Where do the parameters and FLOPs go? The per-layer table, summed by kind:

# %%
# NBVAL_CHECK_OUTPUT
table = complexity.flops_table(teaching)
summary = table.groupby("type")[["params", "flops"]].sum().sort_values("flops", ascending=False)
summary["% of FLOPs"] = (summary["flops"] / summary["flops"].sum() * 100).round(1)
print(summary.to_string())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. DenseNet-BC and DenseNet-121/169/201
#
# Two changes make DenseNet efficient (Huang et al. 2017, Sec. 3):
#
# - **B, bottleneck:** each layer becomes BN-ReLU-**1x1 conv ($4k$ maps)**-BN-ReLU-3x3 conv
#   ($k$ maps). The 1x1 conv caps the input of the expensive 3x3 conv at $4k$ channels,
#   however many channels the concatenation has gathered.
# - **C, compression:** transitions keep $\theta = 0.5$ of the channels.
#
# With both, DenseNet-BC. The ImageNet models differ only in their block sizes (paper,
# Table 1), with $k = 32$:

# %%
# NBVAL_CHECK_OUTPUT
print(pd.DataFrame({name: {"block sizes": sizes, "layers with weights":
                           2 * sum(sizes) + len(sizes) + 1}
                    for name, sizes in dn.DENSENET_BLOCK_SIZES.items()}).T.to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
# ("Layers with weights" are the convolution and dense layers, as defined in notebook 00:
# two convs per dense layer, the stem conv, three transition convs and the classifier.
# That is where the names 121, 169 and 201 come from.)
#
# Now the full models, next to their keras.applications twins:

# %%
# NBVAL_CHECK_OUTPUT
# Each model's keras.applications twin comes from the registry (`model_info`).
reference_builders = {name: getattr(keras.applications, model_info(name).keras_twin)
                      for name in dn.DENSENET_BLOCK_SIZES}
ours, rows = {}, []
for name, reference_builder in reference_builders.items():
    ours[name] = build_model(name)
    reference = reference_builder(weights=None)
    rows.append({"model": name,
                 "ours": complexity.count_params(ours[name]).total,
                 "keras.applications": reference.count_params(),
                 "trainable": complexity.count_params(ours[name]).trainable,
                 "GFLOPs (224x224)": round(complexity.count_flops(ours[name]) / 1e9, 3)})
    del reference
models_table = pd.DataFrame(rows).set_index("model")
print(models_table.to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
# The counts agree exactly. (PyTorch's torchvision counts 7,978,856 for DenseNet-121: it
# leaves out BN's moving means and variances, which equals our *trainable* count.)
#
# **Same outputs, not just same sizes.** We give keras.applications' DenseNet-121 random
# BN statistics (a fresh model's BN is the identity, which would hide a misplaced layer),
# copy its weights into ours with `transfer_weights` (it pairs the weighted layers in
# order and checks every class and shape) and compare the pooled features on a random
# image.

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(0)
reference = keras.applications.DenseNet121(weights=None, include_top=False, pooling="avg")
for layer in reference.layers:
    if isinstance(layer, layers.BatchNormalization):
        gamma, beta, mean, variance = (w.shape for w in layer.get_weights())
        layer.set_weights([rng.uniform(0.5, 1.5, gamma), rng.normal(0, 0.1, beta),
                           rng.normal(0, 0.1, mean), rng.uniform(0.5, 1.5, variance)])
features = build_model("densenet121", include_top=False, pooling="avg")
print("weighted layers copied:", transfer_weights(reference, features))
image = rng.uniform(-1, 1, (1, 224, 224, 3)).astype("float32")
expected = keras.ops.convert_to_numpy(reference(image, training=False))
actual = keras.ops.convert_to_numpy(features(image, training=False))
relative = np.abs(actual - expected).max() / np.abs(expected).max()
print("feature shape:", actual.shape, "| max difference / feature scale below 1e-4:",
      relative < 1e-4)
del reference, features

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. What the measurements say
#
# ### 6.1 Compactness
#
# DenseNet's selling point is accuracy per parameter. The paper makes its ImageNet
# comparison fair by training the DenseNets with the publicly available Torch code of the
# ResNets it compares against, fb.resnet.torch (Gross and Wilber), changing only the
# network and keeping every other setting (Huang et al. 2017, Section 4.3). Its own
# framing (Figure 3 and the text next to it): **DenseNet-201, with about 20 M parameters,
# reaches about the validation error of the 101-layer ResNet, which has more than 40 M.**
#
# The published single-crop top-1 errors: DenseNet-121, -169 and -201 25.02, 23.80 and
# 22.58 % (Huang et al., Table 3); the fb.resnet.torch ResNet-50 and ResNet-101 24.01 and
# 22.44 % (facebook/fb.resnet.torch, `pretrained/README.md`). The 24.7 % often quoted for
# ResNet-50 is He et al.'s original Caffe model, trained with another recipe: it is not
# the controlled comparison. Below, the errors are those published numbers and the
# parameters and FLOPs are counted here from the Keras models: two different kinds of
# number, side by side, to be read column by column.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
resnet50 = keras.applications.ResNet50(weights=None)
published_top1_error = {"densenet121": 25.02, "densenet169": 23.80, "densenet201": 22.58,
                        "resnet50": 24.01}  # % single crop; sources in the text above
compact = pd.DataFrame({
    "parameters (M)": {**{n: complexity.count_params(m).total / 1e6 for n, m in ours.items()},
                       "resnet50": complexity.count_params(resnet50).total / 1e6},
    "GFLOPs": {**{n: complexity.count_flops(m) / 1e9 for n, m in ours.items()},
               "resnet50": complexity.count_flops(resnet50) / 1e9},
    "top-1 error (%)": published_top1_error,
})
print(compact.round(2).to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 6.2 Implicit deep supervision: short paths to the loss
#
# The paper argues that every layer gets "additional supervision from the loss function
# through the shorter connections". We can measure how short. For every convolution we
# count the weight layers (conv or dense) on the *shortest* path from its output to the
# classifier, by walking the model's graph backwards. In a plain chain of $N$ weight
# layers, layer $i$ is $N - i$ layers away from the loss.

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT
def consumers_of(model):
    """Maps each layer name to the names of the layers that read its output."""
    found = {layer.name: set() for layer in model.layers}

    def producers(structure):
        if isinstance(structure, dict):
            if "keras_history" in structure:
                yield structure["keras_history"][0]
            for value in structure.values():
                yield from producers(value)
        elif isinstance(structure, (list, tuple)):
            for value in structure:
                yield from producers(value)

    for layer_config in model.get_config()["layers"]:
        for producer in producers(layer_config["inbound_nodes"]):
            found[producer].add(layer_config["name"])
    return found


def weight_layers_to_output(model):
    """For each Conv2D, the number of conv/dense layers on its shortest path to the output."""
    consumers = consumers_of(model)
    cost = {}
    for layer in reversed(model.layers):  # Functional layers are in topological order
        weighted = isinstance(layer, (layers.Conv2D, layers.Dense))
        after = min((cost[name] for name in consumers[layer.name]), default=0)
        cost[layer.name] = after + weighted
    return [cost[layer.name] - 1 for layer in model.layers if isinstance(layer, layers.Conv2D)]


path_rows = []
for name, model in [("densenet_teaching", teaching), ("densenet121", ours["densenet121"]),
                    ("resnet50", resnet50)]:
    paths = weight_layers_to_output(model)
    path_rows.append({"model": name, "convs": len(paths), "plain chain: longest": len(paths),
                      "shortest path: longest": max(paths),
                      "shortest path: mean": round(float(np.mean(paths)), 2)})
print(pd.DataFrame(path_rows).set_index("model").to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
# Read the table from right to left: in a plain chain, the first convolution would be as
# many weight layers away from the loss as the network has convolutions. In DenseNet-121
# the longest *shortest* path is 5 weight layers (of 120 convolutions): a layer's output
# reaches the end of its block through concatenations alone, then crosses only the
# transitions and the classifier. ResNet-50's identity shortcuts shorten paths too (6 of
# 53; only its projection shortcuts have weights): short paths are what both ideas
# share. What DenseNet adds is that the classifier *sees* every feature map of the last
# block directly, and that each layer can reuse every earlier map of its block instead of
# re-learning it.
#
# ### 6.3 The cost: activation memory and CPU time
#
# Concatenation copies. A straightforward implementation stores each layer's concatenated
# output, so the memory of a block grows quadratically with its depth (Pleiss et al. 2017,
# *Memory-Efficient Implementation of DenseNets*, [arXiv:1707.06990](https://arxiv.org/abs/1707.06990),
# trade recomputation for memory). We sum the sizes of all layer outputs of one 224x224
# image, and time one forward pass.

# %% tags=["hide-input"]
print(f"measured on: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
      f"Keras {keras.__version__} / {keras.backend.backend()}; timings vary with machine load")
runs = runtime.choose(full=10, quick=3)
measured = {"densenet121": ours["densenet121"], "resnet50": resnet50}
if not runtime.quick_mode():
    measured = {"densenet121": ours["densenet121"], "densenet169": ours["densenet169"],
                "densenet201": ours["densenet201"], "resnet50": resnet50}
cost_rows = []
for name, model in measured.items():
    rows_of_model = complexity.flops_table(model)
    activations = sum(int(np.prod(shape)) for shape in rows_of_model["output_shape"])
    timing = complexity.measure_latency(model, batch_size=1, warmup=2, runs=runs)
    cost_rows.append({"model": name, "GFLOPs": rows_of_model["flops"].sum() / 1e9,
                      "activations (MB, fp32)": activations * 4 / 2**20,
                      "median latency (ms)": timing["median_ms"]})
cost = pd.DataFrame(cost_rows).set_index("model")
cost["GFLOP/s achieved"] = cost["GFLOPs"] / (cost["median latency (ms)"] / 1000)
print(cost.round(2).to_string())
d, r = cost.loc["densenet121"], cost.loc["resnet50"]
print(f"\nDenseNet-121 vs ResNet-50: {d['GFLOPs'] / r['GFLOPs']:.2f}x the FLOPs, "
      f"{d['activations (MB, fp32)'] / r['activations (MB, fp32)']:.2f}x the activation memory, "
      f"{d['median latency (ms)'] / r['median latency (ms)']:.2f}x the time.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# What to look for: a dense block runs many thin convolutions (each 3x3 conv makes only
# $k = 32$ maps) and its concatenations move memory without computing anything, so
# DenseNets can run slower than their FLOPs suggest, and a straightforward implementation
# needs much more memory than its parameter count suggests (the memory is the motivation
# of Pleiss et al.).
#
# - **Memory** (a count, the same on every machine): DenseNet-121 needs 1.35 times
#   ResNet-50's activation memory (189.88 against 141.03 MB per image) with a third of its
#   parameters (section 6.1); DenseNet-201 needs 294.27 MB. This is what limits the batch
#   size when training.
# - **Time** (this 2-core CPU, batch size 1): DenseNet-121 has 0.74 times ResNet-50's
#   FLOPs but took 1.04 times its time: it achieved fewer GFLOP/s (88.61 against 125.21).
#   The penalty shows as a lower rate and a slightly longer time.
# - The DenseNets' times did not follow their FLOPs: DenseNet-169 (94.07 ms) took 1.46
#   times DenseNet-121's time (64.35 ms) for 1.19 times its FLOPs, while DenseNet-201
#   (95.81 ms) was barely slower than DenseNet-169 for 1.28 times its FLOPs. Differences
#   of this size are within the noise of these timings: rerun the cell to see how stable
#   the ratios are.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Training a small DenseNet-BC on Fashion-MNIST
#
# `densenet_bc_mini` is a DenseNet-BC for 32x32 images: a 3x3 conv (24 maps) + 2x2 max
# pool stem, then 3 dense blocks of 4 bottleneck layers with $k = 12$ and $\theta = 0.5$,
# at 16x16, 8x8 and 4x4. Fashion-MNIST images are zero-padded from 28x28 to 32x32.
#
# One detail matters in short runs: its BN layers use momentum 0.9 (PyTorch's default),
# not Keras' 0.99. BN's moving variance starts at 1 and moves 1 - momentum of the way to
# each batch's variance per step. A raw convolution output can have a variance of 0.01,
# and a DenseNet feeds such raw outputs into its BN layers. With 0.99 the start value
# still dominates after a few hundred steps, every BN layer shrinks its inputs at test
# time, and the shrinking compounds through all 28 of them: we saw a model at 88 % training
# accuracy predict a single class at test time. With 0.9 the moving statistics catch up
# within about 50 steps.

# %%
# NBVAL_CHECK_OUTPUT
mini = build_model("densenet_bc_mini")
mini_params = complexity.count_params(mini)
print(f"densenet_bc_mini: input {tuple(mini.input.shape[1:])}, {mini_params.total:,} parameters "
      f"({mini_params.trainable:,} trainable), "
      f"{complexity.count_flops(mini) / 1e6:.1f} MFLOPs per image")

# %% slideshow={"slide_type": "subslide"}
# The course's recipe (notebook 00): Adam, cosine decay from 2e-3, 3 epochs on 10,000
# training images padded to 32x32; three seeds; the baseline's runs from notebook 00.
RECIPE = training.quick_recipe()
splits = training.fashion_mnist_splits(RECIPE)
print(splits.sizes(), f" epochs {RECIPE.epochs}, seeds {training.course_seeds()}"
      + (" (quick mode: subsets, not the real run)" if runtime.quick_mode() else ""))
baseline_runs = training.baseline_runs(splits, RECIPE)
mini_runs = training.model_runs("densenet_bc_mini", splits, RECIPE, keep_models=True)
training.compare(mini_runs, baseline_runs, "densenet_bc_mini", "baseline_cnn");

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = plotting.plot_history(mini_runs[0].history, title="densenet_bc_mini on Fashion-MNIST (seed 0)")
plotting.save_figure(fig, "03_densenet_bc_mini_history")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# The `comparison:` line: `densenet_bc_mini` reached 0.868 test accuracy against the
# baseline's 0.825 over the same three seeds, a paired difference of +0.043 whose 95 %
# interval (over seeds and test images, +0.036 to +0.049) excludes zero: the small
# DenseNet-BC is significantly better, at about the baseline's size (105,286 against
# 94,634 parameters, 22.4 against 19.6 MFLOPs per image; notebook 00 prints the
# baseline's counts). Seed 0's curves are still improving at epoch 3.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 7.1 Does every layer use the features of every earlier layer? (the paper's Figure 5)
#
# Huang et al. (2017, Section 5, Figure 5) trained a DenseNet on CIFAR-10+ and drew, for
# each dense block, the average absolute weight that each convolutional layer puts on the
# feature maps of each earlier layer: if a layer ignored some earlier maps, its weights on
# them would be near zero. The same read-out for our trained `densenet_bc_mini` (seed 0):
# the first convolution of dense layer $\ell$ (its 1x1 bottleneck) sees the block's input
# followed by the $k$ maps of layers $1, \dots, \ell - 1$, in that order; the transition
# layer after the block sees all of them.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
def feature_reuse(model, block, num_layers, growth_rate):
    """(num_layers + 1) x (num_layers + 1) matrix: row = target layer (1..n, then the
    transition "T"), column = source (0 = block input, then layers 1..n); entry = mean
    absolute weight from that source's input channels. NaN where no connection exists."""
    first = model.get_layer(f"conv{block}_block1_1_conv").kernel.shape[2]  # block input channels
    reuse = np.full((num_layers + 1, num_layers + 1), np.nan)
    targets = [f"conv{block}_block{layer}_1_conv" for layer in range(1, num_layers + 1)]
    if f"pool{block}_conv" in [layer.name for layer in model.layers]:
        targets.append(f"pool{block}_conv")
    for row, name in enumerate(targets):
        kernel = np.abs(keras.ops.convert_to_numpy(model.get_layer(name).kernel))
        per_channel = kernel.mean(axis=(0, 1, 3))  # mean over kernel window and outputs
        bounds = [0, first] + [first + growth_rate * j for j in range(1, row + 1)]
        for column in range(len(bounds) - 1):
            reuse[row, column] = per_channel[bounds[column]:bounds[column + 1]].mean()
    return reuse


trained = mini_runs[0].model
block_sizes, growth_rate = (4, 4, 4), 12  # densenet_bc_mini's table row
states = {"untrained (initial weights)": mini, "trained, 3 epochs (seed 0)": trained}
maps = {}
for state, model in states.items():
    for index, size in enumerate(block_sizes, start=2):
        matrix = feature_reuse(model, index, size, growth_rate)
        if np.all(np.isnan(matrix[size])):  # the last block has no transition layer, and its
            matrix = matrix[:size, :size]  # last layer's maps go only to the classifier
        maps[state, index] = matrix
# One colour scale for all six maps, so that colours compare across blocks and states.
low = min(np.nanmin(matrix) for matrix in maps.values())
high = max(np.nanmax(matrix) for matrix in maps.values())
fig, axes = plt.subplots(2, 3, figsize=(12, 7), layout="constrained")
for (state, index), axis in zip(maps, axes.flat):
    matrix, size = maps[state, index], block_sizes[index - 2]
    image = axis.imshow(matrix, cmap="viridis", vmin=low, vmax=high)
    sources = ["input"] + [str(j) for j in range(1, size + 1)]
    axis.set_xticks(range(matrix.shape[1]), sources[:matrix.shape[1]])
    rows = [str(j) for j in range(1, size + 1)] + (["T"] if len(matrix) > size else [])
    axis.set_yticks(range(len(rows)), rows)
    axis.set_xlabel("source: block input or dense layer")
    axis.set_ylabel("target layer (T = transition)")
    axis.set_title(f"{state}\ndense block {index - 1}", fontsize=10)
    axis.grid(False)
fig.colorbar(image, ax=axes, shrink=0.6, label="mean |weight| from the source's channels")
fig.suptitle("Feature reuse in densenet_bc_mini before and after training, after Huang et al. Figure 5")
plotting.save_figure(fig, "03_feature_reuse")
plt.show()


def row_spread(matrix):
    """Mean over target layers of (largest - smallest source weight) / the row's mean."""
    return np.nanmean((np.nanmax(matrix, axis=1) - np.nanmin(matrix, axis=1))
                      / np.nanmean(matrix, axis=1))


for index in range(2, 2 + len(block_sizes)):
    before, after = maps["untrained (initial weights)", index], maps["trained, 3 epochs (seed 0)", index]
    print(f"dense block {index - 1}: mean |weight| {np.nanmean(before):.3f} untrained, "
          f"{np.nanmean(after):.3f} trained ({np.nanmean(after) / np.nanmean(before) - 1:+.1%}); "
          f"spread within a row {row_spread(before):.1%} untrained, {row_spread(after):.1%} trained")

# %% [markdown] slideshow={"slide_type": "subslide"}
# White cells: no connection (a layer sees only earlier ones). Block 3 has no transition
# layer, so it has no T row and no column 4 (its layer 4's maps go only to the
# classifier). The top row is a freshly built `densenet_bc_mini` (`mini`, never trained), the
# bottom row the seed-0 model after 3 epochs, on one colour scale.
#
# The paper saw four things. (1) Every layer spreads its weights over many earlier inputs,
# the block input included, and (2) the transition layers over the whole block. (3) The
# layers of the second and third blocks put the least weight on the transition's output,
# which the paper reads as redundant features, and (4) the classifier concentrates somewhat
# on the last maps.

# %% [markdown] slideshow={"slide_type": "subslide"}
# Compare the two rows: they are nearly the same picture. Most of the colour is the
# starting point, not learning. By default Keras draws a convolution's initial weights
# uniformly within $\pm\sqrt{6 / (\text{fan-in} + \text{fan-out})}$ (Glorot), a mean
# |weight| of half that bound: 0.144 for the first 1x1 conv of block 1 (24 input channels,
# 48 output maps), 0.118 for its fourth (60 input channels). Layers with more inputs start
# with smaller weights, hence the matrix rows that darken downwards, in the untrained and
# the trained panels alike. The printed lines measure the rest: training moved each block's
# mean |weight| by only +0.6 to +2.1 %, and widened the spread within a row (largest minus
# smallest source, relative to the row's mean, averaged over the rows, the one-source first
# row included) from 2.2-3.3 % to 2.9-4.4 %.
#
# So every target does put weights of similar size on every source, none near zero, as in
# (1) and (2); but the untrained network does too, so this is not evidence of reuse. (3) is
# about the `input` column of blocks 2 and 3 (the previous transition's output): after
# training it is the darkest or nearly the darkest cell in most of their rows, but only by
# a few percent, the size of the differences already present at initialisation. (4)
# cannot be read here: the classifier is not drawn. The paper's map came from 300 epochs
# with weight decay $10^{-4}$ (Huang et al. 2017, Section 4.2), which pulls unused weights
# towards zero; after 3 epochs without weight decay an unused connection still carries its
# random starting weights. This map cannot tell which earlier maps a layer relies on, so
# it confirms none of (1) to (3).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 7.2 Bottleneck and compression at the same parameter count
#
# DenseNet-BC's two changes (Section 3: a 1x1 bottleneck of $4k$ maps before each 3x3
# convolution, and transitions that keep half the channels) are meant to make DenseNets
# more parameter-efficient. The controlled test: `densenet_mini`, the same stem and three
# blocks of 4 layers but plain BN-ReLU-3x3 layers and no compression, with its growth rate
# chosen so that it has about the same parameters as `densenet_bc_mini`.

# %%
# NBVAL_CHECK_OUTPUT
plain = build_model("densenet_mini")
for net in (mini, plain):
    print(f"{net.name:17s} {complexity.count_params(net).trainable:>8,} trainable parameters, "
          f"{complexity.count_flops(net) / 1e6:5.1f} MFLOPs per image")

# %%
plain_runs = training.model_runs("densenet_mini", splits, RECIPE)
bc_comparison = training.compare(mini_runs, plain_runs, "DenseNet-BC (densenet_bc_mini)",
                                 "DenseNet, no B or C (densenet_mini)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# At about the same parameters (102,346 and 101,540 trainable), DenseNet-BC reached 0.868
# and the plain DenseNet 0.862 test accuracy over three seeds: a paired difference of
# +0.006 whose 95 % interval (-0.001 to +0.012) includes zero, so **no significant
# difference**. At this tiny scale bottleneck and compression neither helped nor hurt
# measurably, and DenseNet-BC spent more FLOPs (22.4 against 15.7 MFLOPs per image). The
# paper's case for them (Section 4.4, Figure 4 left: on CIFAR-10+, DenseNet-BC was the
# most parameter-efficient of its DenseNet variants) concerns much deeper networks (its
# CIFAR DenseNet-BCs have 100 to 250 layers, Table 2), whose concatenated inputs grow far
# wider than in our 4-layer blocks.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - ResNet adds, $x + r(x)$; DenseNet concatenates, $[x, f_1(x), f_2(\dots), \dots]$: every
#   layer sees all earlier feature maps of its block.
# - A dense block maps $C$ channels to $C + n k$ at the same resolution; transition layers
#   (BN-ReLU-1x1 conv-2x2 average pool) halve resolution and, with compression, channels.
# - Concatenate after each BN-ReLU-conv *sub-block*: concatenating after every Keras layer
#   multiplies the channels by 4 per step (19,104 instead of 192 for 4 layers on 64).
# - DenseNet-BC adds a $4k$ bottleneck and $\theta = 0.5$; DenseNet-121/169/201 differ only
#   in their block sizes and match keras.applications' parameter counts exactly; our
#   DenseNet-121 also gives the same outputs (relative difference below 1e-4).
# - Published (Huang et al., Section 4.3 and Figure 3): against ResNets trained with the
#   same code (fb.resnet.torch), DenseNet-201 (about 20 M parameters) reaches about the
#   error of ResNet-101 (more than 40 M): similar accuracy with half the parameters.
# - Counted and measured here: short paths to the loss (at most 5 weight layers in
#   DenseNet-121), but 1.35 times ResNet-50's activation memory; on this CPU DenseNet-121
#   took about ResNet-50's time (0.97 times) with 0.74 times its FLOPs.
# - Trained here (3 epochs, three seeds): `densenet_bc_mini` beat the baseline (0.868
#   against 0.825, +0.043, 95 % CI +0.036 to +0.049); against a plain DenseNet with the
#   same parameters, no significant difference (+0.006, 95 % CI -0.001 to +0.012). Its
#   feature-reuse map puts similar weight on every connection, but after 3 epochs it
#   mostly shows the initial weight scale, so it cannot test the paper's Figure 5.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# **Exercises that check themselves (A, B, C, ...).** Each has a cell with a function for
# you to write (it raises `NotImplementedError` until you do) and a cell that checks it. The
# check compares your function with the library's own version (output shape, parameter
# count, the outputs on the same random weights and inputs, or the value of a formula on
# several cases), prints what is right, what is wrong and a hint for the typical mistake,
# and returns True or False. Checks run offline, on Colab too, in a few seconds each.
# Stuck? In a new cell, run `%load ../solutions/ch03_densenet.py`: it loads the
# solutions (run that cell twice: the first run inserts the code). Try the hints first.
#
# **Experiments (1, 2, ...)** are open-ended: no check; each states its expected run time
# on a laptop CPU (estimated from this notebook's stored full run on 2 CPU cores) and what
# a good answer contains.

# %% slideshow={"slide_type": "skip"}
from keras import layers

from convnet_lib.exercises import ch03 as check

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise A: a dense block that concatenates correctly
#
# Write `my_dense_block(x, num_layers, growth_rate, name)`: `num_layers` dense layers of
# section 2 (BatchNormalization -> ReLU -> `Conv2D(growth_rate, 3, padding="same",
# use_bias=False)`, no bottleneck), each output concatenated onto its input. Use
# `BatchNormalization(epsilon=1.001e-5)` like the library. The check compares with
# `dn.dense_block(..., bottleneck=False)` on the same weights.

# %% slideshow={"slide_type": "skip"}
def my_dense_block(x, num_layers, growth_rate, name):
    # Your code here.
    raise NotImplementedError("Exercise A: write my_dense_block")


# %% slideshow={"slide_type": "skip"}
check.dense_block(my_dense_block)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise B: a transition layer with compression
#
# Write `my_transition_layer(x, compression, name)`: BatchNormalization -> ReLU -> a 1x1
# `Conv2D` (no bias) keeping `int(channels * compression)` channels -> 2x2 average pooling
# with stride 2. The check tries two compressions and compares with `dn.transition_layer`.

# %% slideshow={"slide_type": "skip"}
def my_transition_layer(x, compression, name):
    # Your code here.
    raise NotImplementedError("Exercise B: write my_transition_layer")


# %% slideshow={"slide_type": "skip"}
check.transition_layer(my_transition_layer)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise C: the channels after a dense block
#
# Write `my_block_channels(in_channels, num_layers, growth_rate)`, the number of channels
# a dense block outputs. The check compares with the shapes of `dn.dense_block` and then
# follows DenseNet-121's channels with your function.

# %% slideshow={"slide_type": "skip"}
def my_block_channels(in_channels, num_layers, growth_rate):
    # Your code here.
    raise NotImplementedError("Exercise C: write my_block_channels")


# %% slideshow={"slide_type": "skip"}
check.block_channels(my_block_channels)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiments
#
# 1. Show that a dense block of $n$ bottleneck layers has
#    $\sum_{i=0}^{n-1} \big[(C + i k) \cdot 4k + 9 \cdot 4k \cdot k\big]$ convolution
#    weights, and check it against `dn.dense_block(...)` for $C = 64$, $n = 6$, $k = 32$.
#    *Laptop CPU: under 1 min.* *A good answer* derives each term (the 1x1 conv sees
#    $C + ik$ channels, the 3x3 conv sees $4k$) and matches the sum of the conv kernels'
#    sizes, leaving out the BatchNormalization parameters.
# 2. Build `dn.densenet((6, 12, 24, 16), compression=1.0)` (DenseNet-B, no compression).
#    How do parameters and FLOPs change compared with DenseNet-121?
#    *Laptop CPU: about 1 min.* *A good answer* tabulates both models' parameters and
#    FLOPs and explains with the channel counts of Exercise C why the later blocks grow
#    most.
# 3. Train `densenet_bc_mini` with `growth_rate` 8 and 24 (use `dn.densenet` with
#    `stem="small"`, `block_sizes=(4, 4, 4)`, `bn_momentum=0.9`, `input_shape=(32, 32, 1)`,
#    `classes=10`). Plot test accuracy against parameters.
#    *Laptop CPU: 1 to 2 min per training (3 epochs, as in section 7), less for k = 8,
#    more for k = 24.*
#    *A good answer* plots three points (k = 8, 12, 24) with labels and says whether the
#    differences exceed the seed-to-seed spread (one seed each cannot tell).

# %% [markdown] slideshow={"slide_type": "subslide"}
# 4. Section 7 trained on 10,000 of the 54,000 training images. Repeat the comparison of
#    `densenet_bc_mini` and `baseline_cnn` on all of them (splits made from
#    `dataclasses.replace(RECIPE, train_examples=None)`, three seeds each). Does the gap
#    change?
#    *Laptop CPU: about 35 min (5.4 times the data: about 8 min per DenseNet run, 3 min per
#    baseline run).* *A good answer* reports the paired difference over seeds with an
#    interval and says plainly whether the interval includes zero.
# 5. Rebuild `densenet_bc_mini` with `bn_momentum=0.99` (through `dn.densenet`) and
#    evaluate it on the validation set after 100, 300 and 1,000 training steps. When do
#    its test-time predictions become sensible?
#    *Laptop CPU: about 10 min (1,000 steps at about 0.3 s each, for each momentum).*
#    *A good answer* plots validation accuracy in inference mode against steps for both
#    momenta and explains the gap with the moving variance that starts at 1 and forgets
#    its start slowly.
# 6. Fix the common mistake of section 3 differently: keep concatenating after every layer
#    but add a 1x1 conv that brings the channels back to $C + k$ after each sub-block. How
#    many parameters does that cost?
#    *Laptop CPU: under 1 min.* *A good answer* builds the block, prints its shapes and
#    parameter count next to the right block's, and explains where the extra weights are.

# %% [markdown] slideshow={"slide_type": "skip"}
# How long this notebook took, top to bottom, on the machine that ran it:

# %% slideshow={"slide_type": "skip"}
print(f"elapsed: {(time.perf_counter() - NOTEBOOK_START) / 60:.1f} min "
      f"({'quick' if runtime.quick_mode() else 'full'} run, {os.cpu_count()} CPU cores)")
