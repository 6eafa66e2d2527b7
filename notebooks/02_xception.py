# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.16.0
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

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
# # Xception: depthwise separable convolutions
#
# **Paper:** François Chollet, *Xception: Deep Learning with Depthwise Separable
# Convolutions*, CVPR 2017, [arXiv:1610.02357](https://arxiv.org/abs/1610.02357).
#
# **What you will learn**
#
# - what a regular convolution does at once (spatial *and* cross-channel mixing), and how
#   Inception modules, and finally depthwise separable convolutions, split the two;
# - that `SeparableConv2D` is exactly `DepthwiseConv2D` followed by a 1x1 `Conv2D`;
# - the Xception architecture (entry, middle and exit flow), built from the library's
#   blocks and checked layer for layer against `keras.applications.Xception`;
# - why fewer FLOPs do not automatically mean a faster network;
# - how a scaled-down Xception does on Fashion-MNIST.

# %%
import json
import platform
import re
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from keras import layers

from convnet_lib import complexity, data, plotting, training
from convnet_lib.models import build_model
from convnet_lib.models.xception import XCEPTION_CONFIGS, downsampling_module, middle_module
from convnet_lib.weights import transfer_weights

plotting.set_style()
training.set_seed(42)
pd.set_option("display.width", 120)
QUICK = training.quick_mode()
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}, "
      f"{'QUICK' if QUICK else 'FULL'} run")

# %% [markdown]
# ## 1. Motivation: what does a convolution mix?
#
# A 3x3 convolution from 64 to 64 channels computes every output value from a 3x3 window
# of *all* 64 input channels: one kernel maps spatial correlations (within a channel) and
# cross-channel correlations (between channels) jointly. Its kernel has
# 3 x 3 x 64 x 64 = 36,864 weights.
#
# The Inception modules (previous chapter) already split the job: 1x1 convolutions first
# look across channels, then 3x3 convolutions look at space in a few separate towers.
# Chollet's observation (Section 1 of the paper, Figures 1 to 4): simplify the Inception module to **one
# large 1x1 convolution followed by 3x3 convolutions on non-overlapping segments of its
# output channels**. With 3 or 4 segments this is a *grouped* convolution after a 1x1. Push
# the number of segments to its maximum, one per channel, and you get the **"extreme"
# Inception module**: a 1x1 convolution, then an independent 3x3 filter on each channel.
# That is, up to the order of the two steps, a **depthwise separable convolution**:
# a *depthwise* 3x3 convolution (one filter per channel, no channel mixing) followed by a
# *pointwise* 1x1 convolution (channel mixing only).
#
# The hypothesis behind Xception: cross-channel and spatial correlations are decoupled
# enough that mapping them separately is not only cheaper but *better*.

# %%
def spectrum_figure():
    """Four ways to map a 3x3 neighbourhood of C channels to C channels, left to right."""
    boxes, arrows = {}, []
    columns = [
        ("regular convolution", ["3x3 conv\n(all channels together)"], 1),
        ("simplified Inception\n(3 segments)", ["1x1 conv", "3x3", "3x3", "3x3"], 3),
        ("extreme Inception\n(1 segment per channel)", ["1x1 conv", "3x3", "3x3", "...", "3x3"], 4),
        ("depthwise separable\n(Xception)", ["3x3 depthwise\n(one filter per channel)",
                                             "1x1 pointwise conv"], 1),
    ]
    for c, (title, steps, towers) in enumerate(columns):
        x = 6 * c
        boxes[f"t{c}"] = (x, 6.2, title)
        boxes[f"in{c}"] = (x, 5, "input\nC channels")
        boxes[f"out{c}"] = (x, 0, "output\nC channels")
        if towers == 1:
            previous = f"in{c}"
            for s, step in enumerate(steps):
                y = 3.3 - 1.8 * s if len(steps) > 1 else 2.5
                # (a hair off-centre, so that draw_diagram draws a straight arrow)
                boxes[f"s{c}{s}"] = (x + 0.001, y, step)
                arrows.append((previous, f"s{c}{s}"))
                previous = f"s{c}{s}"
            arrows.append((previous, f"out{c}"))
        else:
            boxes[f"p{c}"] = (x, 3.6, steps[0])
            arrows.append((f"in{c}", f"p{c}"))
            tower_steps = steps[1:]
            for s, step in enumerate(tower_steps):
                tx = x + 1.3 * (s - (len(tower_steps) - 1) / 2)
                boxes[f"s{c}{s}"] = (tx, 1.8, step)
                if step != "...":
                    arrows.append((f"p{c}", f"s{c}{s}"))
                    arrows.append((f"s{c}{s}", f"out{c}"))
    return plotting.draw_diagram(boxes, arrows, figsize=(15, 6.5),
                                 title="From a regular convolution to a depthwise separable one")


fig = spectrum_figure()
plotting.save_figure(fig, "02_inception_to_xception")
plt.show()

# %% [markdown]
# ### The spectrum in code
#
# The same 16x16x64 input through four layers that all output 64 channels, from "all
# channels together" to "one channel at a time". `Conv2D(groups=4)` is a grouped
# convolution: 4 independent 3x3 convolutions, each on 16 input channels. Parameters and
# FLOPs (one forward pass of one example, multiply-add = 2 FLOPs) are computed with
# `convnet_lib.complexity`.

# %%
SHAPE, C = (16, 16, 64), 64


def single(*layer_list, name):
    """A small model that applies the given layers to a 16x16x64 input."""
    inputs = keras.Input(SHAPE)
    x = inputs
    for layer in layer_list:
        x = layer(x)
    return keras.Model(inputs, x, name=name)


variants = {
    "regular 3x3 conv": single(layers.Conv2D(C, 3, padding="same", use_bias=False),
                               name="regular"),
    "1x1 conv + 3x3 grouped conv (4 groups)": single(
        layers.Conv2D(C, 1, use_bias=False),
        layers.Conv2D(C, 3, padding="same", groups=4, use_bias=False), name="grouped"),
    "extreme Inception: 1x1 conv + 3x3 depthwise": single(
        layers.Conv2D(C, 1, use_bias=False),
        layers.DepthwiseConv2D(3, padding="same", use_bias=False), name="extreme"),
    "depthwise separable (SeparableConv2D)": single(
        layers.SeparableConv2D(C, 3, padding="same", use_bias=False), name="separable"),
}
x = np.random.default_rng(0).normal(size=(1, *SHAPE)).astype("float32")
rows = []
for label, model in variants.items():
    rows.append({"layer(s)": label,
                 "output shape": tuple(model(x).shape[1:]),
                 "parameters": complexity.count_params(model).total,
                 "FLOPs": complexity.count_flops(model)})
spectrum = pd.DataFrame(rows).set_index("layer(s)")
spectrum["vs regular"] = (spectrum["FLOPs"] / spectrum["FLOPs"].iloc[0]).round(3)
spectrum

# %% [markdown]
# Going from one tower to one tower *per channel* cuts the cost of the 3x3 part from
# C x C x 9 to C x 9 weights; what is left is dominated by the 1x1 convolution. For C
# output channels and a k x k window the separable version costs
# (k² + C) / (k² x C) of the regular one: about 1/C + 1/9.

# %% [markdown]
# ## 2. `SeparableConv2D` is a depthwise convolution followed by a 1x1 convolution
#
# Keras' `SeparableConv2D` holds two kernels: a depthwise kernel (3, 3, C_in, 1) and a
# pointwise kernel (1, 1, C_in, C_out). Copy them into a `DepthwiseConv2D` and a 1x1
# `Conv2D` and the outputs agree to float32 rounding:

# %%
separable = layers.SeparableConv2D(32, 3, padding="same", use_bias=False)
depthwise = layers.DepthwiseConv2D(3, padding="same", use_bias=False)
pointwise = layers.Conv2D(32, 1, use_bias=False)
x = np.random.default_rng(1).normal(size=(2, 12, 12, 8)).astype("float32")
y_separable = separable(x)                     # builds the layer, random kernels
depthwise.build(x.shape)
pointwise.build((*x.shape[:3], 8))
depthwise_kernel, pointwise_kernel = separable.get_weights()
depthwise.set_weights([depthwise_kernel])
pointwise.set_weights([pointwise_kernel])
y_two_steps = pointwise(depthwise(x))

# %%
# NBVAL_CHECK_OUTPUT
print("kernel shapes:", depthwise_kernel.shape, pointwise_kernel.shape)
print("output shape:", tuple(y_separable.shape))
difference = float(np.max(np.abs(np.asarray(y_separable) - np.asarray(y_two_steps))))
scale = float(np.max(np.abs(np.asarray(y_separable))))
print("same outputs (max difference < 1e-5 of the output scale):", difference < 1e-5 * scale)

# %% [markdown]
# **Order.** The "extreme Inception" module runs the 1x1 convolution *first*;
# `SeparableConv2D` runs it *last*. In a deep stack of such layers the two orders give the
# same alternating sequence 1x1, 3x3, 1x1, 3x3, ... and differ only at the two ends, so the
# paper argues the difference is unimportant. What does matter (paper, Figure 10): Inception
# puts a ReLU after the 1x1 convolution, whereas a depthwise separable convolution has *no*
# non-linearity between its two steps, and in the paper's experiment Xception trained
# faster and better without one.

# %% [markdown]
# ## 3. The Xception architecture
#
# Xception is a linear stack of depthwise separable convolution layers with residual
# connections: **36 convolution layers in 14 modules**, every one of them followed by batch
# normalization, and linear residual connections around all modules but the first and the
# last (paper, Section 3 and Figure 5).
#
# - **Entry flow:** module 1 is two *regular* 3x3 convolutions (32 and 64 filters, the first
#   with stride 2). With only 3 (then 32) input channels a regular convolution is already
#   cheap: the whole stem has 19,680 parameters and 5 % of the FLOPs (table below), so
#   factorising it would save little, and a depthwise step on 3 channels could only filter
#   each colour channel on its own. Modules 2 to 4 each have two
#   separable convolutions, a 3x3 max pooling with stride 2, and a strided 1x1 convolution
#   as the shortcut.
# - **Middle flow:** one module of three ReLU-SeparableConv-BN units with an identity
#   shortcut, repeated 8 times at 19x19x728.
# - **Exit flow:** one more downsampling module, two separable convolutions (1536 and 2048
#   filters), global average pooling and the classifier.
#
# The two module kinds, drawn from the order in which `downsampling_module` and
# `middle_module` in `convnet_lib/models/xception.py` build their layers:

# %%
def module_figure():
    boxes = {
        # entry / exit flow module
        "e_in": (0, 6, "input"),
        "e_1": (0, 5, "SeparableConv 3x3\n+ BN"),
        "e_r": (0, 4, "ReLU"),
        "e_2": (0, 3, "SeparableConv 3x3\n+ BN"),
        "e_p": (0, 2, "MaxPool 3x3, stride 2"),
        "e_sc": (3.6, 3.5, "1x1 conv, stride 2\n+ BN"),
        "e_add": (0, 1, "add"),
        "title_e": (0, 7.2, "entry/exit module\n(ReLU first, except in module 2)"),
        # middle flow module
        "m_in": (8, 6, "input 19x19x728"),
        "m_1": (8, 5, "ReLU, SeparableConv 3x3\n+ BN"),
        "m_2": (8, 4, "ReLU, SeparableConv 3x3\n+ BN"),
        "m_3": (8, 3, "ReLU, SeparableConv 3x3\n+ BN"),
        "m_add": (8, 2, "add"),
        "title_m": (8, 7.2, "middle-flow module\n(repeated 8 times)"),
    }
    arrows = [("e_in", "e_1"), ("e_1", "e_r"), ("e_r", "e_2"), ("e_2", "e_p"),
              ("e_p", "e_add"), ("e_in", "e_sc", "shortcut"), ("e_sc", "e_add"),
              ("m_in", "m_1"), ("m_1", "m_2"), ("m_2", "m_3"), ("m_3", "m_add"),
              ("m_in", "m_add", "identity")]
    return plotting.draw_diagram(boxes, arrows, figsize=(10, 7), title="Xception modules")


fig = module_figure()
plotting.save_figure(fig, "02_xception_module")
plt.show()

# %% [markdown]
# ### One block of each kind, with its shapes
#
# The library's blocks are plain functions `block(x, ..., name)`; here they are applied to
# the 37x37x256 map that enters module 4 and to the 19x19x728 map of the middle flow.

# %%
# NBVAL_CHECK_OUTPUT
inputs = keras.Input((37, 37, 256))
outputs = downsampling_module(inputs, (728, 728), name="block4")
entry_block = keras.Model(inputs, outputs, name="entry_module")
inputs = keras.Input((19, 19, 728))
middle_block = keras.Model(inputs, middle_module(inputs, 728, name="block5"),
                           name="middle_module")
for block in (entry_block, middle_block):
    print(f"{block.name}: {block.input_shape[1:]} -> {block.output_shape[1:]}, "
          f"{complexity.count_params(block).total:,} parameters")
    for layer in block.layers[1:]:
        print(f"    {layer.name:24s} {type(layer).__name__:20s} {layer.output.shape[1:]}")

# %% [markdown]
# ### The full model
#
# `build_model("xception")` stacks these blocks following the table
# `XCEPTION_CONFIGS["xception"]`: depth and widths are data, so the small model we train
# later comes from the same builder.

# %%
# NBVAL_CHECK_OUTPUT
print(XCEPTION_CONFIGS["xception"])
model = build_model("xception")
print(f"{model.name}: input {model.input_shape[1:]}, output {model.output_shape[1:]}")
print("parameters:", complexity.count_params(model))
convolutions = [layer for layer in model.layers
                if isinstance(layer, (layers.Conv2D, layers.SeparableConv2D))
                and "shortcut" not in layer.name]
print(f"{len(convolutions)} convolution layers (shortcut 1x1 convolutions not counted) in "
      f"{len({layer.name.split('_')[0] for layer in convolutions})} modules; "
      f"{sum(isinstance(layer, layers.Add) for layer in model.layers)} residual additions")


# %% [markdown]
# Where do the parameters and FLOPs sit? `complexity.flops_table` gives one row per layer;
# grouping the rows by module and flow:

# %%
def flow_table(model, config):
    """Parameters, FLOPs and output shape per flow and module of an Xception model."""
    table = complexity.flops_table(model)
    entry_end = 1 + len(config["entry_filters"])
    middle_end = entry_end + config["middle_repeats"]

    def flow(layer_name):
        match = re.match(r"block(\d+)_", layer_name)
        if not match:
            return "classifier"
        block = int(match.group(1))
        if block == 1:
            return "1. entry: stem (module 1)"
        if block <= entry_end:
            return f"2. entry: modules 2-{entry_end}"
        if block <= middle_end:
            return f"3. middle: modules {entry_end + 1}-{middle_end}"
        return f"4. exit: modules {middle_end + 1}-{middle_end + 2}"

    table["flow"] = table["layer"].map(flow)
    summary = table.groupby("flow").agg(parameters=("params", "sum"), FLOPs=("flops", "sum"),
                                        output=("output_shape", "last"))
    summary.loc["total"] = [summary["parameters"].sum(), summary["FLOPs"].sum(), ""]
    summary["GFLOPs"] = (summary["FLOPs"] / 1e9).round(3)
    summary["% of FLOPs"] = (100 * summary["FLOPs"] / summary.loc["total", "FLOPs"]).round(1)
    return summary.drop(columns="FLOPs")


# %%
# NBVAL_CHECK_OUTPUT
flow_table(model, XCEPTION_CONFIGS["xception"])


# %% [markdown]
# The whole architecture with the shapes the builder actually produces (read from the
# models, not typed in), next to the small variant we will train:

# %%
def architecture_boxes(model, config, x, prefix):
    """Boxes for one column of the architecture figure: one per module group."""
    entry_end = 1 + len(config["entry_filters"])
    middle_end = entry_end + config["middle_repeats"]
    exit_block = middle_end + 1

    def shape(layer_name):
        return "x".join(str(d) for d in model.get_layer(layer_name).output.shape[1:])

    stages = [
        ("input", f"input {shape('input_layer')}"),
        ("stem", f"module 1: 2 convs\n{shape('block1_conv2_relu')}"),
    ]
    for block in range(2, entry_end + 1):
        stages.append((f"e{block}", f"module {block}: entry\n{shape(f'block{block}_add')}"))
    if config["middle_repeats"]:
        stages.append(("middle", f"modules {entry_end + 1}-{middle_end}: middle "
                                 f"(x{config['middle_repeats']})\n{shape(f'block{middle_end}_add')}"))
    stages.append(("exit", f"module {exit_block}: exit\n{shape(f'block{exit_block}_add')}"))
    stages.append(("head", f"module {exit_block + 1}: 2 sep. convs\n"
                           f"{shape(f'block{exit_block + 1}_sepconv2_act')}"))
    stages.append(("top", f"avg pool + dense\n{shape('predictions')}"))
    boxes = {f"{prefix}{key}": (x, -1.0 * i, label) for i, (key, label) in enumerate(stages)}
    boxes[f"{prefix}title"] = (x, 1.2, model.name)
    keys = [f"{prefix}{key}" for key, _ in stages]
    return boxes, list(zip(keys[:-1], keys[1:]))


mini = build_model("xception_mini")
boxes, arrows = architecture_boxes(model, XCEPTION_CONFIGS["xception"], 0, "a")
more_boxes, more_arrows = architecture_boxes(mini, XCEPTION_CONFIGS["xception_mini"], 5, "b")
fig = plotting.draw_diagram({**boxes, **more_boxes}, arrows + more_arrows, figsize=(9, 10),
                            title="Xception and xception_mini (output shapes per module)")
plotting.save_figure(fig, "02_xception_architecture")
plt.show()

# %% [markdown]
# ## 4. Check against the reference: `keras.applications.Xception`
#
# Our builder creates the layers in the same order as `keras.applications.Xception`, so
# `convnet_lib.weights.transfer_weights` can copy the reference's weights into our model
# layer by layer (it refuses, with a message naming both layers, if a class or weight
# shape differs). Same parameter count, same FLOP count, and after the copy the same
# pooled features on a random 299x299 image. (The test suite, `tests/test_xception.py`,
# also randomises the reference's batch-norm statistics first, so that a batch-norm layer
# copied into the wrong place could not hide.)

# %%
# NBVAL_CHECK_OUTPUT
reference = keras.applications.Xception(weights=None)
print("parameters, ours     :", complexity.count_params(model))
print("parameters, reference:", complexity.count_params(reference))
ours_flops, reference_flops = complexity.count_flops(model), complexity.count_flops(reference)
print(f"FLOPs at 299x299, ours: {ours_flops / 1e9:.2f} G, reference: {reference_flops / 1e9:.2f} G,"
      f" equal: {ours_flops == reference_flops}")

# %%
# NBVAL_CHECK_OUTPUT
reference_features = keras.applications.Xception(weights=None, include_top=False, pooling="avg")
our_features = build_model("xception", include_top=False, pooling="avg")
print("layers with weights copied:", transfer_weights(reference_features, our_features))
image = np.random.default_rng(0).uniform(-1, 1, (1, 299, 299, 3)).astype("float32")
expected = np.asarray(reference_features(image, training=False))
actual = np.asarray(our_features(image, training=False))
print("feature shape:", actual.shape)
relative = float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))
print("same pooled features (max difference < 1e-4 of their scale):", relative < 1e-4)

# %% [markdown]
# For the record: the paper reports 22,855,952 parameters for Xception and 23,626,728 for
# its Inception V3 (Chollet 2017, Table 3). 22,855,952 is exactly our *trainable* count;
# the non-trainable rest are batch normalization's moving means and variances, which
# Keras counts as parameters. On ImageNet (single model, single crop, validation set) the
# paper reports 79.0 % top-1 / 94.5 % top-5 for Xception, against 78.2 % / 94.1 % for its
# own Inception V3 run (Table 1). We train nothing on ImageNet here: section 7 shows how
# to load the released weights.

# %% [markdown]
# ## 5. Measurements: Xception vs Inception-v3
#
# Parameters and FLOPs of both 299x299 models, and their measured inference latency at
# batch size 1 on this machine's CPU (median of 10 runs in the full run; what was
# measured, and on which machine, is printed with the table). The machine that stored
# these outputs has 2 cores, sometimes shared with other jobs: the load average printed
# before the measurement says how busy it was (1.5 in the stored run, nearly idle). Even
# so, the times below are one sample, not a benchmark.

# %%
inception_v3 = keras.applications.InceptionV3(weights=None)
runs, warmup = training.choose(full=(10, 2), quick=(2, 1))
print(f"Machine: {platform.platform()}, processor: {platform.processor() or platform.machine()}, "
      f"{os.cpu_count()} logical CPUs; Keras backend {keras.backend.backend()}; "
      f"load average before measuring: {os.getloadavg()[0]:.1f}")
rows = []
for name, net in (("Xception", model), ("Inception-v3", inception_v3)):
    latency = complexity.measure_latency(net, batch_size=1, warmup=warmup, runs=runs)
    flops = complexity.count_flops(net)
    rows.append({"model": name, "parameters": complexity.count_params(net).total,
                 "GFLOPs": round(flops / 1e9, 2), "latency (ms, median)": round(latency["median_ms"], 1),
                 "ms per GFLOP": round(latency["median_ms"] / (flops / 1e9), 2)})
measurements = pd.DataFrame(rows).set_index("model")
print(f"{runs} timed runs after {warmup} warm-up run(s), batch size 1, input 299x299x3")
measurements

# %% [markdown]
# The same effect at the level of one layer: a regular 3x3 convolution and a separable
# one at the middle flow's 19x19x728, timed the same way.

# %%
rows = []
for label, layer in (("regular 3x3 conv", layers.Conv2D(728, 3, padding="same", use_bias=False)),
                     ("separable 3x3 conv", layers.SeparableConv2D(728, 3, padding="same",
                                                                   use_bias=False))):
    inputs = keras.Input((19, 19, 728))
    net = keras.Model(inputs, layer(inputs))
    latency = complexity.measure_latency(net, batch_size=1, warmup=warmup, runs=runs)
    rows.append({"layer": label, "parameters": complexity.count_params(net).total,
                 "MFLOPs": round(complexity.count_flops(net) / 1e6, 1),
                 "latency (ms, median)": round(latency["median_ms"], 2)})
one_layer = pd.DataFrame(rows).set_index("layer")
one_layer

# %%
flop_ratio = one_layer["MFLOPs"].iloc[0] / one_layer["MFLOPs"].iloc[1]
time_ratio = one_layer["latency (ms, median)"].iloc[0] / one_layer["latency (ms, median)"].iloc[1]
x_row, i_row = measurements.loc["Xception"], measurements.loc["Inception-v3"]
print(f"Xception has {x_row['GFLOPs'] / i_row['GFLOPs']:.2f}x the FLOPs of Inception-v3 and took "
      f"{x_row['latency (ms, median)'] / i_row['latency (ms, median)']:.2f}x its time here.")
print(f"One layer: the separable convolution needs {flop_ratio:.1f}x fewer FLOPs than the "
      f"regular one and took {time_ratio:.1f}x less time here.")
rates = one_layer["MFLOPs"] / one_layer["latency (ms, median)"]   # MFLOP/ms = GFLOP/s
for label, rate in rates.items():
    print(f"    {label}: {rate:.1f} GFLOP/s achieved")
if time_ratio < flop_ratio:
    print("The separable layer ran at a lower FLOP rate: it saved less time than FLOPs.")
else:
    print("The regular layer ran at a lower FLOP rate here: the separable one saved even more "
          "time than FLOPs.")

# %% [markdown]
# **FLOPs are not latency.** A layer's time is its FLOPs divided by the FLOP rate the
# hardware reaches *on that layer*, and the rates printed above differ from one layer kind
# to another. A depthwise convolution does only 9 multiply-adds for every input value it
# reads, so on hardware with far more arithmetic than memory bandwidth (GPUs above all) it
# runs well below peak: it is *memory-bound*, and a 9x cheaper layer is then much less than
# 9x faster. A large dense convolution keeps the arithmetic units busy, if the library has
# a fast kernel for that shape and batch size. Which effect wins depends on the hardware,
# the library, the batch size and, on a shared machine, the load (printed with the table):
# these numbers can change from run to run (an earlier run of this notebook on a heavily
# loaded machine gave quite different rates). In the run stored here, on a nearly idle
# 2-core CPU, the two levels disagreed: the single separable layer ran at about the same
# FLOP rate as the regular one (94 against 88 GFLOP/s, so it saved 9.6x in time for 8.9x
# in FLOPs), while the whole Xception ran at a lower rate than Inception-v3 (11.5 against
# 9.9 ms per GFLOP): 1.46x the FLOPs took 1.70x the time. Neither result is a clean
# measurement of memory-boundedness on this CPU; what it does show is that FLOP counts
# alone did not predict the network's time. Measure on the hardware you will deploy on.

# %% [markdown]
# ## 6. Training a small Xception on Fashion-MNIST
#
# `xception_mini` is the same builder with the table `XCEPTION_CONFIGS["xception_mini"]`:
# narrower layers, 3 middle-flow modules instead of 8, two entry modules instead of three
# (a 32x32 image has room for fewer halvings than a 299x299 one), and a "same"-padded stem
# (a 32x32 image cannot afford to lose the border pixels that the ImageNet stem trims).
# Fashion-MNIST's 28x28 images are zero-padded to 32x32. For comparison, the same counts
# for `baseline_cnn`, notebook 00's baseline, built with its default input size:

# %%
# NBVAL_CHECK_OUTPUT
print(XCEPTION_CONFIGS["xception_mini"])
baseline = build_model("baseline_cnn")
for net in (mini, baseline):
    print(f"{net.name:14s} input {net.input_shape[1:]}: "
          f"{complexity.count_params(net).total:>9,} parameters, "
          f"{complexity.count_flops(net) / 1e6:5.1f} MFLOPs per image")
flow_table(mini, XCEPTION_CONFIGS["xception_mini"])

# %%
(x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
# Hold out 5,000 training images for validation (as in notebook 00): the test set is used
# once, at the end.
(x_train, y_train), (x_val, y_val) = data.train_validation_split(
    x_train, y_train, validation_fraction=5_000 / 60_000, seed=0
)
train_count = training.choose(full=None, quick=2000)        # None: all 55,000
test_count = training.choose(full=None, quick=1000)         # None: all 10,000
epochs = training.choose(full=3, quick=1)
x_train, y_train = data.subset(x_train, y_train, train_count, seed=0)
x_test, y_test = data.subset(x_test, y_test, test_count, seed=0)
train_ds = data.make_dataset(x_train, y_train, batch_size=128, image_size=32, shuffle=True, seed=0)
val_ds = data.make_dataset(x_val, y_val, batch_size=500, image_size=32)
test_ds = data.make_dataset(x_test, y_test, batch_size=500, image_size=32)
print(f"training on {len(x_train):,} images for {epochs} epoch(s), validating on "
      f"{len(x_val):,}; testing on {len(x_test):,} images"
      + (" (QUICK run: subsets, numbers not meaningful)" if QUICK else ""))
plotting.plot_image_grid(x_train, y_train, data.CLASS_NAMES, rows=1, cols=8)
plt.show()

# %% [markdown]
# The recipe: Adam, learning rate 2e-3 decayed to 0 along a cosine over the whole run,
# batch size 128, no augmentation, 3 epochs in the full run (1 epoch on a 2,000-image
# subset in the quick run that CI executes). The held-out validation set is evaluated
# after every epoch to draw the curves. Expect the validation curve to lag behind after the
# first epoch: at
# inference batch normalization uses *moving averages* of its statistics, which trail the
# quickly changing weights while the learning rate is high.

# %%
training.set_seed(0)
mini = build_model("xception_mini")
steps = epochs * len(train_ds)
mini.compile(
    optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
start = time.perf_counter()
history = mini.fit(train_ds, epochs=epochs, validation_data=val_ds, verbose=2)
train_seconds = time.perf_counter() - start
print(f"training took {train_seconds / 60:.1f} min on {os.cpu_count()} CPUs "
      f"(load average {os.getloadavg()[0]:.1f})")

# %%
fig = plotting.plot_history(history, title="xception_mini on Fashion-MNIST")
plotting.save_figure(fig, "02_training_history")
plt.show()
mini_accuracy = training.report_test_accuracy(mini, test_ds, label="xception_mini")

# %% [markdown]
# **Comparison with the baseline.** Notebook 00 trains `baseline_cnn`, the plain CNN every
# chapter compares against. Rather than train it again, we read the result stored in the
# executed notebook 00 (if it is next to this one):

# %%
baseline_lines = []
notebook_00 = Path("00_getting_started.ipynb")
if notebook_00.exists():
    for cell in json.loads(notebook_00.read_text())["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", []))
            baseline_lines += re.findall(r"^.*test accuracy: 0\.\d+.*$", text, flags=re.M)
if baseline_lines:
    print("stored in notebook 00:")
    for line in baseline_lines:
        print("   ", line)
else:
    print("notebook 00's outputs were not found here: run 00_getting_started.ipynb to see "
          "the baseline's test accuracy.")
print(f"this notebook, xception_mini: test accuracy: {mini_accuracy:.3f}"
      + (" (QUICK run)" if QUICK else ""))

# %% [markdown]
# Read the two accuracies together with the parameter and FLOP counts printed at the
# start of this section: in the stored runs `xception_mini` reached 0.916 and
# `baseline_cnn` 0.898, 1.8 points more for about 5x the parameters (493,418 against
# 94,634) and 1.8x the FLOPs per image (27.1 against 15.0 M). The two runs also used
# different recipes (3 epochs with a cosine schedule here, 10 epochs at a constant rate in
# notebook 00), and one run per model with one seed cannot tell how much of a gap of a
# point or two is real: repeat both with other seeds before ranking them. Xception's design targets large images and data sets,
# where its separable convolutions make a wide, deep network affordable; on 28x28 images
# a small plain CNN is a strong baseline.

# %% [markdown]
# ## 7. Optional: ImageNet weights and a real photograph
#
# With internet access (e.g. on Colab), this cell downloads the ImageNet weights of
# `keras.applications.Xception`, copies them into *our* model with `transfer_weights`
# and classifies the photograph of Grace Hopper that matplotlib ships as sample data.
# Offline it prints a message and does nothing else.

# %%
# NBVAL_SKIP
from matplotlib import cbook

try:
    pretrained = keras.applications.Xception(weights="imagenet")
except Exception as error:  # no internet: the download fails
    print(f"Skipped: the ImageNet weights could not be downloaded ({type(error).__name__}). "
          "Run this cell with internet access to classify a real photo.")
else:
    ours = build_model("xception")
    transfer_weights(pretrained, ours)
    with cbook.get_sample_data("grace_hopper.jpg") as file:
        photo = plt.imread(file)
    batch = keras.ops.image.resize(photo[None].astype("float32"), (299, 299))
    batch = keras.applications.xception.preprocess_input(batch)
    predictions = keras.applications.xception.decode_predictions(
        np.asarray(ours(batch, training=False)), top=3)[0]
    plt.imshow(photo)
    plt.axis("off")
    plt.title(", ".join(f"{name} {p:.2f}" for _, name, p in predictions))
    plt.show()

# %% [markdown]
# ## Summary
#
# - A regular convolution maps spatial and cross-channel correlations jointly. Inception
#   modules split the two a little (1x1 convolutions, then 3x3 convolutions in a few
#   towers); with one tower per channel the split is complete: a depthwise separable
#   convolution, many times cheaper in parameters and FLOPs (table in section 1).
# - `SeparableConv2D` = `DepthwiseConv2D` + 1x1 `Conv2D`, with no non-linearity between them.
# - Xception: 36 convolution layers in 14 modules (entry, middle x 8, exit), batch
#   normalization after every convolution, residual connections around 12 of the modules.
#   Our builder reproduces `keras.applications.Xception`: the same parameters and FLOPs,
#   and the same outputs after weight transfer (to float precision). The paper reports
#   79.0 % / 94.5 % single-crop top-1 / top-5 on ImageNet (Table 1).
# - FLOPs are not latency: time is FLOPs divided by the FLOP rate a layer reaches, and
#   that rate depends on the layer kind and the hardware. Depthwise convolutions read much
#   data per multiply-add, so on bandwidth-limited hardware (GPUs above all) they speed a
#   network up less than their FLOP count suggests. On the CPU of the stored run
#   (section 5) Xception needed 1.46x Inception-v3's FLOPs but 1.70x its time.
# - The same builder, scaled down (`xception_mini`), reached a test accuracy of 0.916 on
#   Fashion-MNIST after 3 epochs (section 6; notebook 00's baseline: 0.898 after 10).
#
# ## Exercises
#
# 1. Build the "extreme Inception" order (1x1 convolution, *then* depthwise 3x3) as a
#    block and swap it into `xception_mini`. Does the order change the accuracy?
# 2. Put a ReLU between the depthwise and the pointwise step (two layers instead of
#    `SeparableConv2D`) and retrain. The paper (Figure 10) found this hurts; do you see it?
# 3. Remove the residual connections (return `x` instead of the `Add`) and compare the
#    training curves; the paper's Figure 9 shows the ImageNet version.
# 4. Vary `middle_repeats` from 0 to 8 with
#    `build_model("xception", input_shape=(32, 32, 1), classes=10, **config)` and plot
#    accuracy against FLOPs.
# 5. Measure the latency table of section 5 with batch size 32, or on a GPU. Which model
#    is faster now, and why?
