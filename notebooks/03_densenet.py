# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.16.0
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · DenseNet: connect every layer to every later layer
#
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
# - a small DenseNet-BC trained on Fashion-MNIST.
#
# Paper: G. Huang, Z. Liu, L. van der Maaten, K. Q. Weinberger, *Densely Connected
# Convolutional Networks*, CVPR 2017, [arXiv:1608.06993](https://arxiv.org/abs/1608.06993).

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

# %%
import platform

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from keras import layers

from convnet_lib import complexity, data, plotting, training
from convnet_lib.models import build_model
from convnet_lib.models import densenet as dn
from convnet_lib.weights import transfer_weights

plotting.set_style()
training.set_seed(42)
print(f"Keras {keras.__version__} (backend: {keras.backend.backend()}), "
      f"quick mode: {training.quick_mode()}")

# %% [markdown]
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
#
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

# %%
C0, K, L = 64, 32, 4
boxes = {"x": (0, 0, f"input\n{C0} channels")}
for i in range(1, L + 1):
    boxes[f"h{i}"] = (0, -1.6 * i, f"layer {i}: BN-ReLU-3x3 conv ({K} maps)\n"
                                   f"input: {C0 + (i - 1) * K} channels")
boxes["out"] = (0, -1.6 * (L + 1), f"block output: {C0} + {L}x{K} = {C0 + L * K} channels")
order = ["x"] + [f"h{i}" for i in range(1, L + 1)] + ["out"]
arrows = [(order[a], order[b]) for b in range(1, len(order)) for a in range(b)]
fig = plotting.draw_diagram(boxes, arrows, title="A dense block: every layer feeds every later one",
                            figsize=(7.5, 8))
plotting.save_figure(fig, "03_dense_block")
plt.show()
print(f"{len(arrows)} arrows: L(L+1)/2 = {L * (L + 1) // 2} into the {L} layers, "
      f"+ {L + 1} into the block output")

# %% [markdown]
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

# %% [markdown]
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

# %% [markdown]
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

# %% [markdown]
# Passing a growth rate or a layer count below 1 is an error that names the argument:

# %% tags=["raises-exception"]
dn.dense_block(keras.Input((8, 8, 16)), num_layers=4, growth_rate=0, name="oops")

# %% [markdown]
# ## 3. A common mistake: concatenating after every *layer*
#
# The rule is "concatenate after every *conv sub-block*" (BN, ReLU and conv together).
# Reading "every layer is connected to every later layer" too literally, one may
# concatenate after each Keras layer: after BN, after ReLU and after the conv. Let us build
# that version next to the right one, on the same 56x56x64 input with 4 sub-blocks and
# $k = 32$.

# %%
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

# %% [markdown]
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

# %% [markdown]
# 19,104 channels instead of 192: 100 times more memory per image, and the next layer's
# convolution would need 100 times more weights. The right block's output is the input
# plus exactly $n k$ new maps; the growth is linear in depth, not exponential. The
# parameters of the wrong block are also much larger, because its convolutions see the
# copies of copies.
#
# ## 4. The teaching DenseNet
#
# A complete (small) DenseNet: the ImageNet stem of ResNet (7x7/2 conv, 3x3/2 max pool,
# 64 channels), 4 dense blocks of 4 layers with $k = 32$, transitions with
# $\theta = 0.5$ that halve channels and resolution, a last BN-ReLU, global average
# pooling and a Dense classifier. It is registered as `densenet_teaching`.

# %%
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

# %% [markdown]
# Where do the parameters and FLOPs go? The per-layer table, summed by kind:

# %%
# NBVAL_CHECK_OUTPUT
table = complexity.flops_table(teaching)
summary = table.groupby("type")[["params", "flops"]].sum().sort_values("flops", ascending=False)
summary["% of FLOPs"] = (summary["flops"] / summary["flops"].sum() * 100).round(1)
print(summary.to_string())

# %% [markdown]
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

# %% [markdown]
# ("Layers with weights" counts two convs per dense layer, the stem conv, three transition
# convs and the classifier: that is where the names 121, 169 and 201 come from.)
#
# Now the full models, next to their keras.applications twins:

# %%
# NBVAL_CHECK_OUTPUT
reference_builders = {"densenet121": keras.applications.DenseNet121,
                      "densenet169": keras.applications.DenseNet169,
                      "densenet201": keras.applications.DenseNet201}
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

# %% [markdown]
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

# %% [markdown]
# ## 6. What the measurements say
#
# ### 6.1 Compactness
#
# DenseNet's selling point is accuracy per parameter. The paper's single-crop ImageNet
# validation errors (Huang et al. 2017, Table 3) next to ResNet-50's (24.7 % top-1, 7.8 %
# top-5, as reported by Hu et al. 2017, SENet, [arXiv:1709.01507](https://arxiv.org/abs/1709.01507),
# Table 2); parameters counted here:

# %%
# NBVAL_CHECK_OUTPUT
resnet50 = keras.applications.ResNet50(weights=None)
published_top1_error = {"densenet121": 25.02, "densenet169": 23.80, "densenet201": 22.58,
                        "resnet50": 24.7}  # % single crop; sources in the text above
compact = pd.DataFrame({
    "parameters (M)": {**{n: complexity.count_params(m).total / 1e6 for n, m in ours.items()},
                       "resnet50": complexity.count_params(resnet50).total / 1e6},
    "GFLOPs": {**{n: complexity.count_flops(m) / 1e9 for n, m in ours.items()},
               "resnet50": complexity.count_flops(resnet50) / 1e9},
    "top-1 error (%)": published_top1_error,
})
print(compact.round(2).to_string())
ratio = compact.loc["resnet50", "parameters (M)"] / compact.loc["densenet169", "parameters (M)"]
print(f"\nDenseNet-169 is more accurate than ResNet-50 with {ratio:.1f}x fewer parameters.")

# %% [markdown]
# ### 6.2 Implicit deep supervision: short paths to the loss
#
# The paper argues that every layer gets "additional supervision from the loss function
# through the shorter connections". We can measure how short. For every convolution we
# count the weight layers (conv or dense) on the *shortest* path from its output to the
# classifier, by walking the model's graph backwards. In a plain chain of $N$ weight
# layers, layer $i$ is $N - i$ layers away from the loss.

# %%
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

# %% [markdown]
# Read the table from right to left: in a plain chain, the first convolution would be as
# many weight layers away from the loss as the network has convolutions. In DenseNet the
# longest *shortest* path is a handful of layers: a layer's output reaches the end of its
# block through concatenations alone, then crosses only the transitions and the
# classifier. ResNet-50's identity shortcuts shorten paths too (only its projection
# shortcuts have weights): short paths are what both ideas share. What DenseNet adds is
# that the classifier *sees* every feature map of the last block directly, and that each
# layer can reuse every earlier map of its block instead of re-learning it.
#
# ### 6.3 The cost: activation memory and CPU time
#
# Concatenation copies. A straightforward implementation stores each layer's concatenated
# output, so the memory of a block grows quadratically with its depth (Pleiss et al. 2017,
# *Memory-Efficient Implementation of DenseNets*, [arXiv:1707.06990](https://arxiv.org/abs/1707.06990),
# trade recomputation for memory). We sum the sizes of all layer outputs of one 224x224
# image, and time one forward pass.

# %%
print(f"measured on: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
      f"Keras {keras.__version__} / {keras.backend.backend()}; timings vary with machine load")
runs = training.choose(full=10, quick=3)
measured = {"densenet121": ours["densenet121"], "resnet50": resnet50}
if not training.quick_mode():
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

# %% [markdown]
# What to look for: FLOPs alone do not predict time, so compare the last column. A dense
# block runs many thin convolutions (each 3x3 conv makes only $k = 32$ maps) and its
# concatenations move memory without computing anything, so DenseNets can run slower than
# their FLOPs suggest, and a straightforward implementation needs much more memory than
# its parameter count suggests (the memory is the motivation of Pleiss et al.). On a CPU
# at batch size 1 the picture can differ, and a loaded machine adds noise: rerun the cell
# and see how stable the ratios are. In the stored run DenseNet-121 needed more
# activation memory than ResNet-50 but took *less* time, with more GFLOP/s achieved, so
# this measurement shows no time penalty for DenseNet-121; and DenseNet-169 took longer
# than the larger DenseNet-201, a sign of how noisy timings on the shared machine were.
# The activation memory is a count, not a timing, and is what limits the batch size when
# training.
#
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
# time, and the shrinking compounds through 30 of them: we saw a model at 88 % training
# accuracy predict a single class at test time. With 0.9 the moving statistics catch up
# within about 50 steps.

# %%
# NBVAL_CHECK_OUTPUT
mini = build_model("densenet_bc_mini")
mini_params = complexity.count_params(mini)
print(f"densenet_bc_mini: input {tuple(mini.input.shape[1:])}, {mini_params.total:,} parameters "
      f"({mini_params.trainable:,} trainable), "
      f"{complexity.count_flops(mini) / 1e6:.1f} MFLOPs per image")

# %%
EPOCHS = training.choose(full=4, quick=1)
TRAIN_EXAMPLES = training.choose(full=None, quick=2_000)
TEST_EXAMPLES = training.choose(full=None, quick=1_000)
(x_train_full, y_train_full), (x_test, y_test) = data.load_fashion_mnist()
(x_train, y_train), (x_val, y_val) = data.train_validation_split(
    x_train_full, y_train_full, validation_fraction=5_000 / 60_000, seed=0)
x_train, y_train = data.subset(x_train, y_train, TRAIN_EXAMPLES, seed=0)
x_test, y_test = data.subset(x_test, y_test, TEST_EXAMPLES, seed=0)
print(f"train {len(x_train):,} / validation {len(x_val):,} / test {len(x_test):,} images, "
      f"{EPOCHS} epoch(s)" + (" (quick mode: subsets, not the real run)" if training.quick_mode() else ""))


train_ds = data.make_dataset(x_train, y_train, batch_size=128, image_size=32, shuffle=True,
                             seed=0)
val_ds = data.make_dataset(x_val, y_val, batch_size=256, image_size=32)
test_ds = data.make_dataset(x_test, y_test, batch_size=256, image_size=32)

training.set_seed(42)
mini = build_model("densenet_bc_mini")
# Adam with a cosine learning-rate decay to 0 over the run.
schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=EPOCHS * len(train_ds))
mini.compile(optimizer=keras.optimizers.Adam(schedule),
             loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = mini.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, verbose=2)

# %%
fig = plotting.plot_history(history, title="densenet_bc_mini on Fashion-MNIST")
plotting.save_figure(fig, "03_densenet_bc_mini_history")
plt.show()

# %%
densenet_accuracy = training.report_test_accuracy(mini, test_ds, label="densenet_bc_mini")

# %% [markdown]
# **Compared with notebook 00's baseline.** Notebook 00 trains the plain `baseline_cnn`
# for 10 epochs on the same split; we read its stored test accuracy from that notebook
# (run it first if it has no outputs yet).

# %%
import json
import re
from pathlib import Path

baseline_accuracy = baseline_epochs = None
notebook_00 = Path("00_getting_started.ipynb")
if notebook_00.is_file():
    for cell in json.loads(notebook_00.read_text())["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            if found := re.search(r"^test accuracy: (0\.\d+)", text, re.M):
                baseline_accuracy = float(found.group(1))
            if found := re.search(r"quick mode: (\w+); epochs: (\d+)", text):
                baseline_epochs = int(found.group(2)) if found.group(1) == "False" else "quick run"
baseline = build_model("baseline_cnn", input_shape=(28, 28, 1), classes=10)
comparison = pd.DataFrame({
    "parameters": [complexity.count_params(baseline).total, mini_params.total],
    "MFLOPs per image": [complexity.count_flops(baseline) / 1e6, complexity.count_flops(mini) / 1e6],
    "epochs": [baseline_epochs, EPOCHS],
    "test accuracy": [baseline_accuracy, densenet_accuracy],
}, index=["baseline_cnn (notebook 00)", "densenet_bc_mini"])
print(comparison.round(3).to_string())
if baseline_accuracy is None:
    print("\nNo stored baseline accuracy found: run notebook 00 first.")
else:
    print(f"\nDenseNet-BC minus baseline: {100 * (densenet_accuracy - baseline_accuracy):+.1f} "
          "percentage points" + (" (quick mode: not comparable)" if training.quick_mode() else ""))

# %% [markdown]
# Read the comparison with care: one run each, one seed, different epoch counts (here the
# DenseNet-BC trained for fewer epochs than the baseline). A difference of a few tenths
# of a percentage point would be within the run-to-run noise of Fashion-MNIST training; a
# gap of a few points, as in the stored run, is larger than that, but only exercise 4
# (several seeds, same epochs) measures the noise properly.
#
# ## Summary
#
# - ResNet adds, $x + r(x)$; DenseNet concatenates, $[x, f_1(x), f_2(\dots), \dots]$: every
#   layer sees all earlier feature maps of its block.
# - A dense block maps $C$ channels to $C + n k$ at the same resolution; transition layers
#   (BN-ReLU-1x1 conv-2x2 average pool) halve resolution and, with compression, channels.
# - Concatenate after each BN-ReLU-conv *sub-block*: concatenating after every Keras layer
#   multiplies the channels by 4 per step (19,104 instead of 192 for 4 layers on 64).
# - DenseNet-BC adds a $4k$ bottleneck and $\theta = 0.5$; DenseNet-121/169/201 differ only
#   in their block sizes and match keras.applications exactly (parameters and outputs).
# - Measured: about 3x fewer parameters than ResNet-50 at similar ImageNet accuracy (the
#   published accuracies), short paths to the loss, but more activation memory. CPU time
#   is not predicted by FLOPs; in the stored run DenseNet-121 was even faster than
#   ResNet-50, and the timings were noisy.
#
# ## Exercises
#
# 1. Show that a dense block of $n$ bottleneck layers has
#    $\sum_{i=0}^{n-1} \big[(C + i k) \cdot 4k + 9 \cdot 4k \cdot k\big]$ convolution
#    weights, and check it against `dn.dense_block(...)` for $C = 64$, $n = 6$, $k = 32$.
# 2. Build `dn.densenet((6, 12, 24, 16), compression=1.0)` (DenseNet-B, no compression).
#    How do parameters and FLOPs change compared with DenseNet-121?
# 3. Train `densenet_bc_mini` with `growth_rate` 8 and 24 (use `dn.densenet` with
#    `stem="small"`, `block_sizes=(4, 4, 4)`, `bn_momentum=0.9`, `input_shape=(32, 32, 1)`,
#    `classes=10`). Plot test accuracy against parameters.
# 4. Train `densenet_bc_mini` and `baseline_cnn` with the same epochs and three seeds each.
#    Is the difference between them larger than the spread between seeds?
# 5. Rebuild `densenet_bc_mini` with `bn_momentum=0.99` (through `dn.densenet`) and
#    evaluate it on the validation set after 100, 300 and 1,000 training steps. When do
#    its test-time predictions become sensible?
# 6. Fix the common mistake of section 3 differently: keep concatenating after every layer
#    but add a 1x1 conv that brings the channels back to $C + k$ after each sub-block. How
#    many parameters does that cost?
