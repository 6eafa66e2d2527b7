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
# # 02 · Xception: depthwise separable convolutions
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/convnet-course/notable-convnets-iii/blob/main/notebooks/02_xception.ipynb)
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
import re
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from keras import layers

from convnet_lib import complexity, data, plotting, runtime, training
from convnet_lib.models import build_model
from convnet_lib.weights import transfer_weights

NOTEBOOK_START = time.perf_counter()
plotting.set_style()
runtime.set_seed(42)
pd.set_option("display.width", 120)
QUICK = runtime.quick_mode()
runtime.print_environment()

# %% [markdown] slideshow={"slide_type": "slide"}
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
# enough that mapping them separately is not only cheaper but *better*. The paper's test
# (abstract and Section 4): Xception against Inception V3, with about the same number of
# parameters (22.9 M against 23.6 M, Table 3). On ImageNet, the data set Inception V3 was
# designed for, Xception is only slightly better (79.0 % against 78.2 % top-1, Table 1).
# The large gain is on JFT, Google's internal data set of 350 million images and 17,000
# classes (Table 2). With the parameter count held equal, the paper reads the gain as a
# more efficient use of parameters, not more capacity. It is not free in computation:
# counted here (section 5), Xception needs about 1.46 times Inception-v3's FLOPs, and in
# the paper it trained somewhat slower per step (28 against 31 gradient steps per second
# on 60 NVIDIA K80 GPUs, Table 3).

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
def spectrum_figure():
    """Four ways to map a 3x3 neighbourhood of C channels to C channels, left to right."""
    boxes, arrows, notes = {}, [], {}
    columns = [
        ("regular convolution", ["3x3 conv\n(all channels together)"], 1),
        ("simplified Inception\n(3 segments)", ["1x1 conv", "3x3", "3x3", "3x3"], 3),
        ("extreme Inception\n(1 segment per channel)", ["1x1 conv", "3x3", "3x3", "...", "3x3"], 4),
        ("depthwise separable\n(Xception)", ["3x3 depthwise\n(one filter per channel)",
                                             "1x1 pointwise conv"], 1),
    ]
    for c, (title, steps, towers) in enumerate(columns):
        x = 6 * c
        notes[f"t{c}"] = (x, 6.0, title)
        boxes[f"in{c}"] = (x, 5, "input\nC channels")
        boxes[f"out{c}"] = (x, 0, "output\nC channels")
        if towers == 1:
            previous = f"in{c}"
            for s, step in enumerate(steps):
                y = 3.3 - 1.8 * s if len(steps) > 1 else 2.5
                boxes[f"s{c}{s}"] = (x, y, step)
                arrows.append((previous, f"s{c}{s}"))
                previous = f"s{c}{s}"
            arrows.append((previous, f"out{c}"))
        else:
            boxes[f"p{c}"] = (x, 3.6, steps[0])
            arrows.append((f"in{c}", f"p{c}"))
            tower_steps = steps[1:]
            for s, step in enumerate(tower_steps):
                tx = x + 1.3 * (s - (len(tower_steps) - 1) / 2)
                if step == "...":  # a note, not a box: no arrows
                    notes[f"s{c}{s}"] = (tx, 1.8, step)
                    continue
                boxes[f"s{c}{s}"] = (tx, 1.8, step)
                arrows += [(f"p{c}", f"s{c}{s}"), (f"s{c}{s}", f"out{c}")]
    return plotting.draw_diagram(boxes, arrows, figsize=(15, 6.5), notes=notes,
                                 title="From a regular convolution to a depthwise separable one")


fig = spectrum_figure()
plotting.save_figure(fig, "02_inception_to_xception")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 1.1 The spectrum in code
#
# The same 16x16x64 input through four layers that all output 64 channels, from "all
# channels together" to "one channel at a time". `Conv2D(groups=4)` is a grouped
# convolution: 4 independent 3x3 convolutions, each on 16 input channels. Parameters and
# FLOPs (one forward pass of one example, multiply-add = 2 FLOPs) are computed with
# `convnet_lib.complexity`.

# %% tags=["hide-input"]
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# Going from one tower to one tower *per channel* cuts the cost of the 3x3 part from
# C x C x 9 to C x 9 weights; what is left is dominated by the 1x1 convolution. For C
# output channels and a k x k window the separable version costs
# (k² + C) / (k² x C) of the regular one: about 1/C + 1/9.

# %% [markdown] slideshow={"slide_type": "slide"}
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Order.** The "extreme Inception" module runs the 1x1 convolution *first*;
# `SeparableConv2D` runs it *last*. In a deep stack of such layers the two orders give the
# same alternating sequence 1x1, 3x3, 1x1, 3x3, ... and differ only at the two ends, so the
# paper argues the difference is unimportant. What does matter (paper, Section 4.7 and
# Figure 10): Inception puts a ReLU after the 1x1 convolution, whereas a depthwise
# separable convolution has *no* non-linearity between its two steps, and in the paper's
# experiment Xception converged faster and ended better without one (ReLU and ELU in
# between were both worse). The paper ties this to the depth of the intermediate feature
# space: a non-linearity helps on deep feature spaces such as those of Inception modules,
# but may hurt on shallow ones, such as the 1-channel-deep spaces a depthwise convolution
# works on, possibly because it loses information there. It is a finding about *this*
# factorisation, not a rule against activations in general.

# %% [markdown] slideshow={"slide_type": "slide"}
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

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
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
        # middle flow module
        "m_in": (8, 6, "input 19x19x728"),
        "m_1": (8, 5, "ReLU, SeparableConv 3x3\n+ BN"),
        "m_2": (8, 4, "ReLU, SeparableConv 3x3\n+ BN"),
        "m_3": (8, 3, "ReLU, SeparableConv 3x3\n+ BN"),
        "m_add": (8, 2, "add"),
    }
    notes = {  # headings, drawn without a frame
        "title_e": (0, 6.9, "entry/exit module\n(ReLU first, except in module 2)"),
        "title_m": (8, 6.9, "middle-flow module\n(repeated 8 times)"),
    }
    arrows = [("e_in", "e_1"), ("e_1", "e_r"), ("e_r", "e_2"), ("e_2", "e_p"),
              ("e_p", "e_add"), ("e_in", "e_sc", "shortcut"), ("e_sc", "e_add"),
              ("m_in", "m_1"), ("m_1", "m_2"), ("m_2", "m_3"), ("m_3", "m_add"),
              ("m_in", "m_add", "identity")]
    return plotting.draw_diagram(boxes, arrows, figsize=(10, 7), notes=notes,
                                 title="Xception modules")


fig = module_figure()
plotting.save_figure(fig, "02_xception_module")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 3.1 Build the modules yourself
#
# Before we use the library's blocks, the three kinds of module written out in plain
# Keras, following the paper's Figure 5 (every convolution is followed by batch
# normalization; the ReLU comes *before* each separable convolution, so that the sum of a
# residual module stays linear):
#
# - `entry_module`: two ReLU-SeparableConv-BN units, a 3x3 max pooling with stride 2, and
#   a strided 1x1 convolution with batch normalization on the shortcut. We write the
#   shortcut first: keras.applications does, and the weight transfer below pairs layers in
#   model order.
# - `middle_flow_module`: three ReLU-SeparableConv-BN units and an identity shortcut.
# - `exit_flow`: a downsampling module like the entry one, but with 728 then 1024 filters,
#   then two separable convolutions (1536 and 2048 filters) with the ReLU *after* each and
#   no shortcut.
#
# Layer names follow keras.applications (`block4_sepconv1_act`, `block4_sepconv1`,
# `block4_sepconv1_bn`, ...).

# %% slideshow={"slide_type": "notes"}
# NBVAL_CHECK_OUTPUT
def separable_unit(x, filters, name, relu_first=True):
    """(ReLU ->) 3x3 SeparableConv2D -> BatchNormalization."""
    if relu_first:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(name=f"{name}_bn")(x)


def entry_module(x, filters, name, relu_first=True):
    """Entry-flow module: two separable units and a 3x3/2 max pooling, plus a strided 1x1
    convolution on the shortcut. `relu_first=False` for the first one, after the stem's ReLU."""
    shortcut = layers.Conv2D(filters, 1, strides=2, use_bias=False, name=f"{name}_shortcut_conv")(x)
    shortcut = layers.BatchNormalization(name=f"{name}_shortcut_bn")(shortcut)
    x = separable_unit(x, filters, f"{name}_sepconv1", relu_first=relu_first)
    x = separable_unit(x, filters, f"{name}_sepconv2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_pool")(x)
    return layers.Add(name=f"{name}_add")([x, shortcut])


def middle_flow_module(x, filters, name):
    """Middle-flow module: three ReLU-SeparableConv-BN units and an identity shortcut."""
    shortcut = x
    for unit in (1, 2, 3):
        x = separable_unit(x, filters, f"{name}_sepconv{unit}")
    return layers.Add(name=f"{name}_add")([x, shortcut])


def exit_flow(x, module_name, head_name):
    """Exit flow: a downsampling module (728, then 1024 filters), then two separable
    convolutions (1536, 2048) with the ReLU after each, and no shortcut."""
    shortcut = layers.Conv2D(1024, 1, strides=2, use_bias=False,
                             name=f"{module_name}_shortcut_conv")(x)
    shortcut = layers.BatchNormalization(name=f"{module_name}_shortcut_bn")(shortcut)
    x = separable_unit(x, 728, f"{module_name}_sepconv1")
    x = separable_unit(x, 1024, f"{module_name}_sepconv2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"{module_name}_pool")(x)
    x = layers.Add(name=f"{module_name}_add")([x, shortcut])
    for unit, filters in ((1, 1536), (2, 2048)):
        x = separable_unit(x, filters, f"{head_name}_sepconv{unit}", relu_first=False)
        x = layers.Activation("relu", name=f"{head_name}_sepconv{unit}_act")(x)
    return x


my_modules = {
    "entry module (module 4)": ((37, 37, 256), lambda x: entry_module(x, 728, "block4")),
    "middle-flow module": ((19, 19, 728), lambda x: middle_flow_module(x, 728, "block5")),
    "exit flow (modules 13 and 14)": ((19, 19, 728),
                                      lambda x: exit_flow(x, "block13", "block14")),
}
for label, (input_shape, build) in my_modules.items():
    inputs = keras.Input(input_shape)
    block = keras.Model(inputs, build(inputs))
    print(f"{label}: {input_shape} -> {tuple(block.output.shape[1:])}, "
          f"{block.count_params():,} parameters")
    for layer in block.layers:
        if isinstance(layer, (layers.SeparableConv2D, layers.MaxPooling2D, layers.Add)):
            print(f"    {layer.name:18s} {type(layer).__name__:16s} {tuple(layer.output.shape[1:])}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Check against the library.** `downsampling_module(x, filters, name, relu_first)` and
# `middle_module(x, filters, name)` in `convnet_lib.models.xception` build the same
# modules; the library's exit flow is its last `downsampling_module` followed by two
# `sepconv_bn` units. For each kind we build both versions on a small input, compare the
# parameter counts, randomise the batch-norm statistics of the library's build (fresh ones,
# mean 0 and variance 1, would hide a misplaced layer), copy its weights into ours with
# `transfer_weights` (it pairs the layers that hold weights in model order and refuses if a
# class or a weight shape differs) and compare the outputs.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
# NBVAL_CHECK_OUTPUT
from convnet_lib.models.common import row_options
from convnet_lib.models.xception import XCEPTION_CONFIGS, downsampling_module, middle_module, sepconv_bn


from convnet_lib.weights import compare_builds


def library_exit_flow(x, module_name, head_name):
    x = downsampling_module(x, (728, 1024), name=module_name)
    for unit, filters in ((1, 1536), (2, 2048)):
        x = sepconv_bn(x, filters, name=f"{head_name}_sepconv{unit}", relu_first=False)
        x = layers.Activation("relu", name=f"{head_name}_sepconv{unit}_act")(x)
    return x


print("entry module: ours vs downsampling_module(x, (728, 728), ...)")
compare_builds(lambda x: entry_module(x, 728, "block4"),
               lambda x: downsampling_module(x, (728, 728), name="block4"),
                     input_shape=(9, 9, 256))
print("middle-flow module: ours vs middle_module(x, 728, ...)")
compare_builds(lambda x: middle_flow_module(x, 728, "block5"),
               lambda x: middle_module(x, 728, name="block5"),
               input_shape=(5, 5, 728))
print("exit flow: ours vs downsampling_module(x, (728, 1024), ...) + 2 x sepconv_bn")
compare_builds(lambda x: exit_flow(x, "block13", "block14"),
               lambda x: library_exit_flow(x, "block13", "block14"),
               input_shape=(5, 5, 728));

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 3.2 The library's blocks, layer by layer
#
# Same parameters, identical outputs: from here on we use the library's blocks, plain
# functions `block(x, ..., name)` like ours. Here they are applied to the 37x37x256 map
# that enters module 4 and to the 19x19x728 map of the middle flow, every layer listed:

# %% tags=["hide-input"]
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 3.3 The full model
#
# `build_model("xception")` stacks these blocks following the table
# `XCEPTION_CONFIGS["xception"]`: depth and widths are data, so the small model we train
# later comes from the same builder.

# %%
# NBVAL_CHECK_OUTPUT
print(row_options(XCEPTION_CONFIGS["xception"]))
model = build_model("xception")
print(f"{model.name}: input {model.input_shape[1:]}, output {model.output_shape[1:]}")
print("parameters:", complexity.count_params(model))
convolutions = [layer for layer in model.layers
                if isinstance(layer, (layers.Conv2D, layers.SeparableConv2D))
                and "shortcut" not in layer.name]
print(f"{len(convolutions)} convolution layers (shortcut 1x1 convolutions not counted) in "
      f"{len({layer.name.split('_')[0] for layer in convolutions})} modules; "
      f"{sum(isinstance(layer, layers.Add) for layer in model.layers)} residual additions")


# %% [markdown] slideshow={"slide_type": "subslide"}
# Where do the parameters and FLOPs sit? `complexity.flops_table` gives one row per layer;
# grouping the rows by module and flow:

# %% slideshow={"slide_type": "subslide"}
def flow_table(model, config):
    """Parameters, FLOPs and output shape per flow and module of an Xception model."""
    table = complexity.flops_table(model)
    entry_end = 1 + len(config.entry_filters)
    middle_end = entry_end + config.middle_repeats

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
    # GFLOPs for the ImageNet model, MFLOPs for the small one (0.010 GFLOPs reads badly).
    unit, scale = ("GFLOPs", 1e9) if summary.loc["total", "FLOPs"] >= 1e9 else ("MFLOPs", 1e6)
    summary[unit] = (summary["FLOPs"] / scale).round(1 if unit == "MFLOPs" else 3)
    summary["% of FLOPs"] = (100 * summary["FLOPs"] / summary.loc["total", "FLOPs"]).round(1)
    return summary.drop(columns="FLOPs")


# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
flow_table(model, XCEPTION_CONFIGS["xception"])


# %% [markdown] slideshow={"slide_type": "subslide"}
# The whole architecture with the shapes the builder actually produces (read from the
# models, not typed in), next to the small variant we will train:

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
def architecture_boxes(model, config, x, prefix):
    """Boxes, arrows and heading for one column of the architecture figure."""
    entry_end = 1 + len(config.entry_filters)
    middle_end = entry_end + config.middle_repeats
    exit_block = middle_end + 1

    def shape(layer_name):
        return "x".join(str(d) for d in model.get_layer(layer_name).output.shape[1:])

    stages = [
        ("input", f"input {shape('input_layer')}"),
        ("stem", f"module 1: 2 convs\n{shape('block1_conv2_relu')}"),
    ]
    for block in range(2, entry_end + 1):
        stages.append((f"e{block}", f"module {block}: entry\n{shape(f'block{block}_add')}"))
    if config.middle_repeats:
        stages.append(("middle", f"modules {entry_end + 1}-{middle_end}: middle "
                                 f"(x{config.middle_repeats})\n{shape(f'block{middle_end}_add')}"))
    stages.append(("exit", f"module {exit_block}: exit\n{shape(f'block{exit_block}_add')}"))
    stages.append(("head", f"module {exit_block + 1}: 2 sep. convs\n"
                           f"{shape(f'block{exit_block + 1}_sepconv2_act')}"))
    stages.append(("top", f"avg pool + dense\n{shape('predictions')}"))
    boxes = {f"{prefix}{key}": (x, -1.0 * i, label) for i, (key, label) in enumerate(stages)}
    keys = [f"{prefix}{key}" for key, _ in stages]
    return boxes, list(zip(keys[:-1], keys[1:])), {f"{prefix}title": (x, 0.7, model.name)}


mini = build_model("xception_mini")
boxes, arrows, notes = architecture_boxes(model, XCEPTION_CONFIGS["xception"], 0, "a")
more_boxes, more_arrows, more_notes = architecture_boxes(
    mini, XCEPTION_CONFIGS["xception_mini"], 3.5, "b")
fig = plotting.draw_diagram({**boxes, **more_boxes}, arrows + more_arrows, figsize=(9, 10),
                            notes={**notes, **more_notes},
                            title="Xception and xception_mini (output shapes per module)")
plotting.save_figure(fig, "02_xception_architecture")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
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

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
reference_features = keras.applications.Xception(weights=None, include_top=False, pooling="avg")
our_features = build_model("xception", include_top=False, pooling="avg")
print("weighted layers copied (convolutions, batch norms, dense):",
      transfer_weights(reference_features, our_features))
image = np.random.default_rng(0).uniform(-1, 1, (1, 299, 299, 3)).astype("float32")
expected = np.asarray(reference_features(image, training=False))
actual = np.asarray(our_features(image, training=False))
print("feature shape:", actual.shape)
relative = float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))
print("same pooled features (max difference < 1e-4 of their scale):", relative < 1e-4)

# %% [markdown] slideshow={"slide_type": "subslide"}
# For the record: the paper reports 22,855,952 parameters for Xception and 23,626,728 for
# its Inception V3 (Chollet 2017, Table 3). 22,855,952 is exactly our *trainable* count;
# the non-trainable rest are batch normalization's moving means and variances, which
# Keras counts as parameters. On ImageNet (single model, single crop, validation set) the
# paper reports 79.0 % top-1 / 94.5 % top-5 for Xception, against 78.2 % / 94.1 % for its
# own Inception V3 run (Table 1). The paper also times training: 28 gradient steps per
# second for Xception against 31 for Inception V3, on 60 NVIDIA K80 GPUs (Table 3). It
# gives no FLOP counts; ours are in the next section. We train nothing on ImageNet here:
# section 7 shows how to load the released weights.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Measurements: Xception vs Inception-v3
#
# Parameters and FLOPs of both 299x299 models, and their measured inference latency at
# batch size 1 on this machine's CPU (median of 10 runs in the full run; what was
# measured, and on which machine, is printed with the table). The machine that stored
# these outputs has 2 cores, sometimes shared with other jobs: the load average printed
# before the measurement says how busy it was. A load average near the number of cores
# (or above it) means that other work competed for the processor during the measurement;
# only one well below it means a quiet machine. The stored run printed 1.7 on 2 cores:
# other work competed for much of the time. Either way, the times below are one sample,
# not a benchmark.

# %% slideshow={"slide_type": "subslide"}
inception_v3 = keras.applications.InceptionV3(weights=None)
runs, warmup = runtime.choose(full=(10, 2), quick=(2, 1))
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# Per GFLOP, Xception took longer than Inception-v3 here (7.38 against 6.88 ms). The same
# comparison at the level of one layer: a regular 3x3 convolution and a separable one at
# the middle flow's 19x19x728, timed the same way.

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

# %% slideshow={"slide_type": "subslide"}
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# **FLOPs are not latency.** A layer's time is its FLOPs divided by the FLOP rate the
# hardware reaches *on that layer*, and the rates printed above differ from one layer kind
# to another. A depthwise convolution does only 9 multiply-adds for every input value it
# reads, so on hardware with far more arithmetic than memory bandwidth (GPUs above all) it
# runs well below peak: it is *memory-bound*, and a 9x cheaper layer is then much less than
# 9x faster. A large dense convolution keeps the arithmetic units busy, if the library has
# a fast kernel for that shape and batch size. Which effect wins depends on the hardware,
# the library, the batch size and, on a shared machine, the load (printed with the table):
# these numbers can change from run to run (an earlier run of this notebook on a heavily
# loaded machine gave quite different rates). In the stored run the two levels agree:
# the separable layer reached 102.5 GFLOP/s against the regular layer's 180.5, so 8.9x
# fewer FLOPs saved only 5.0x the time, and Xception's 1.46x FLOPs took 1.57x
# Inception-v3's time. On this machine FLOP counts alone underestimated the cost of
# separable convolutions. Neither number is a clean measurement of memory-boundedness
# (section 6.2 times one depthwise layer alone); measure on the hardware you will deploy on.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Training a small Xception on Fashion-MNIST
#
# `xception_mini` is the same builder with the table `XCEPTION_CONFIGS["xception_mini"]`:
# narrower layers, 3 middle-flow modules instead of 8, two entry modules instead of three
# (a 32x32 image has room for fewer halvings than a 299x299 one), and a "same"-padded stem
# (a 32x32 image cannot afford to lose the border pixels that the ImageNet stem trims).
# Fashion-MNIST's 28x28 images are zero-padded to 32x32. For comparison, the same counts
# for `baseline_cnn`, notebook 00's baseline, built with its default input size:

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
print(row_options(XCEPTION_CONFIGS["xception_mini"]))
baseline = build_model("baseline_cnn")
for net in (mini, baseline):
    print(f"{net.name:14s} input {net.input_shape[1:]}: "
          f"{complexity.count_params(net).total:>9,} parameters, "
          f"{complexity.count_flops(net) / 1e6:5.1f} MFLOPs per image")
flow_table(mini, XCEPTION_CONFIGS["xception_mini"])

# %% slideshow={"slide_type": "subslide"}
RECIPE = training.quick_recipe()  # the course's recipe (notebook 00); shrunk in a quick run
splits = training.fashion_mnist_splits(RECIPE)
print(splits.sizes(), f" epochs {RECIPE.epochs}"
      + (" (QUICK run: subsets, numbers not meaningful)" if QUICK else ""))

# %% [markdown] slideshow={"slide_type": "subslide"}
# The recipe is the course's (notebook 00): Adam, learning rate 2e-3 decayed to 0 along a
# cosine over the run, batch size 128, no augmentation, 3 epochs on 10,000 training images
# (1 epoch on 2,048 in the quick run that CI executes), the held-out validation split
# evaluated after every epoch, the test set once per trained model. Each model is trained
# with the course's three seeds; the baseline's three runs come from notebook 00 through the
# cache. In the curves of seed 0 below, validation accuracy starts above training accuracy
# (which averages over a first epoch of fast-changing weights) and ends below it: by epoch
# 3 the model fits its 10,000 training images better than unseen ones.

# %%
baseline_runs = training.baseline_runs(splits, RECIPE)
mini_runs = training.model_runs("xception_mini", splits, RECIPE)
training.compare(mini_runs, baseline_runs, "xception_mini", "baseline_cnn");

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = plotting.plot_history(mini_runs[0].history, title="xception_mini on Fashion-MNIST (seed 0)")
plotting.save_figure(fig, "02_training_history")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# The `comparison:` line: `xception_mini` reached 0.875 test accuracy against the
# baseline's 0.825 over three seeds, a paired difference of +0.050 whose 95 % interval
# (over seeds and test images, +0.042 to +0.057) excludes zero: `xception_mini` is
# significantly better, for 5.2 times the baseline's parameters (493,418 against 94,634)
# and 1.8 times its FLOPs (27.1 against 15.0 MFLOPs per image). Xception's design targets
# large images and data sets (its large gain was on JFT), where its separable convolutions
# make a wide, deep network affordable.
#
# ### 6.1 The paper's claim: separable convolutions use parameters better
#
# Chollet (2017, Section 4.7) credits Xception's gain to "a more efficient use of model
# parameters": same parameter count as Inception V3, better accuracy. The controlled test
# here: the same network (`xception_mini_regular`: every depthwise separable 3x3
# convolution replaced by a regular 3x3 convolution) with its widths reduced so that it has
# about the same number of parameters. The two arms differ only in the kind of convolution.

# %%
# NBVAL_CHECK_OUTPUT
regular = build_model("xception_mini_regular")
for net in (mini, regular):
    print(f"{net.name:22s} {complexity.count_params(net).trainable:>9,} trainable parameters, "
          f"{complexity.count_flops(net) / 1e6:5.1f} MFLOPs per image")

# %% slideshow={"slide_type": "subslide"}
regular_runs = training.model_runs("xception_mini_regular", splits, RECIPE)
separable_comparison = training.compare(mini_runs, regular_runs, "separable (xception_mini)",
                                        "regular 3x3 (same parameters)")
timing_runs = runtime.choose(full=20, quick=3)
for net in (mini, regular):
    timing = complexity.measure_latency(net, batch_size=32, warmup=3, runs=timing_runs)
    print(f"{net.name:22s} batch 32: median {timing['median_ms']:6.1f} ms "
          f"({complexity.count_flops(net) * 32 / timing['median_ms'] / 1e6:5.1f} GFLOP/s)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# With the same parameter budget, is the separable network more accurate? Not at this
# scale: 0.875 against 0.873, a paired difference of +0.002 whose 95 % interval (-0.002 to
# +0.005) includes zero, so this run shows no significant difference. (The paper's
# evidence is Xception against Inception V3 on ImageNet and JFT.) The timing lines add the
# cost side: the same parameters buy the separable network wider layers (up to 384
# channels against 128, `XCEPTION_CONFIGS`) and fewer FLOPs (27.1 against 37.6 MFLOPs), yet
# at batch 32 it was no faster (14.5 ms each, to the printed precision): its FLOPs ran at
# 60.0 GFLOP/s against the regular network's 82.9.
#
# ### 6.2 Is a depthwise convolution memory-bound? A measurement
#
# A depthwise 3x3 convolution does 9 multiply-adds per output value and reads one input
# channel for it; a regular 3x3 convolution from C channels does 9 C and reuses each input
# value C times. So per byte moved, the depthwise one computes far less, and should reach a
# lower FLOP rate. We time one `DepthwiseConv2D` layer against one regular `Conv2D` layer
# with the **same FLOPs** (the regular one on far fewer channels), at batch 1 and 32.

# %% slideshow={"slide_type": "subslide"}
def single_layer(layer, shape):
    inputs = keras.Input(shape)
    return keras.Model(inputs, layer(inputs))


size, channels = 32, 256
# Depthwise: 9 multiply-adds per output, size^2 * channels outputs. A regular 3x3 conv from
# c_in to c_out channels: 9 * c_in * c_out per pixel. c_in = c_out = 16 gives 9 * 256, the
# same FLOPs as the depthwise layer on 256 channels.
layers_to_time = {
    "DepthwiseConv2D 3x3, 256 ch": single_layer(
        layers.DepthwiseConv2D(3, padding="same", use_bias=False), (size, size, channels)),
    "Conv2D 3x3, 16 -> 16 ch": single_layer(
        layers.Conv2D(16, 3, padding="same", use_bias=False), (size, size, 16)),
}
rows = []
for batch in (1, 32):
    for name, net in layers_to_time.items():
        timing = complexity.measure_latency(net, batch_size=batch, warmup=3, runs=timing_runs)
        flops = complexity.count_flops(net) * batch
        rows.append({"layer": name, "batch": batch, "MFLOPs": flops / 1e6,
                     "median ms": timing["median_ms"],
                     "GFLOP/s": flops / timing["median_ms"] / 1e6})
print(pd.DataFrame(rows).round(2).to_string(index=False))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Same FLOPs, different speed. At batch 1 both layers ran slowly (6.17 against 9.31
# GFLOP/s, 0.76 against 0.51 ms): the fixed cost of each call dominates, and the depthwise
# layer took 1.5 times as long. At batch 32 the regular convolution's rate rose to 49.66
# GFLOP/s while the depthwise layer's did not rise (5.31): the same FLOPs took 28.45
# against 3.04 ms, 9.4 times as long. This is what the memory-bound argument predicts:
# the regular layer reuses each value it loads, the depthwise one stays limited by data
# movement. A timing alone cannot tell that apart from a less optimised depthwise kernel
# on this CPU, though.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Optional: ImageNet weights and a real photograph
#
# With internet access (e.g. on Colab), this cell downloads the ImageNet weights of
# `keras.applications.Xception`, copies them into *our* model with `transfer_weights`
# and classifies the photograph of Grace Hopper that matplotlib ships as sample data.
# Offline it prints a message and does nothing else.

# %% slideshow={"slide_type": "subslide"}
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

# %% [markdown] slideshow={"slide_type": "slide"}
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# - FLOPs are not latency: time is FLOPs divided by the FLOP rate a layer reaches, and
#   that rate depends on the layer kind and the hardware. Depthwise convolutions read much
#   data per multiply-add, so on bandwidth-limited hardware (GPUs above all) they speed a
#   network up less than their FLOP count suggests. The same held on this 2-core CPU:
#   Xception needed 1.46x Inception-v3's FLOPs and took 1.57x its time (section 5), and at
#   batch 32 a depthwise layer reached 5.31 GFLOP/s against 49.66 for a regular
#   convolution with the same FLOPs (section 6.2).
# - The paper's case for Xception: about Inception V3's parameter count, slightly better
#   on ImageNet (79.0 % against 78.2 % top-1), clearly better on the 350-million-image
#   JFT data set, i.e. a better use of parameters, at somewhat slower training per step
#   (Table 3). No ReLU between the depthwise and pointwise steps, a finding the paper ties
#   to their shallow intermediate feature spaces.
# - We wrote the entry, middle and exit modules ourselves and checked each against the
#   library (same parameters, same outputs after weight transfer) before using it.
# - The same builder, scaled down (`xception_mini`), trained on Fashion-MNIST with the
#   course's recipe: 0.875 test accuracy against the baseline's 0.825 over three seeds
#   (interval excludes zero). Against regular 3x3 convolutions with the same parameters:
#   no significant difference (+0.002, 95 % CI -0.002 to +0.005), and the regular
#   network, despite 1.4x the FLOPs, ran as fast at batch 32 (section 6.1).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# **Exercises that check themselves (A, B, C, ...).** Each has a cell with a function for
# you to write (it raises `NotImplementedError` until you do) and a cell that checks it. The
# check compares your function with the library's own version (output shape, parameter
# count, the outputs on the same random weights and inputs, or the value of a formula on
# several cases), prints what is right, what is wrong and a hint for the typical mistake,
# and returns True or False. Checks run offline, on Colab too, in a few seconds each.
# Stuck? In a new cell, run `%load ../solutions/ch02_xception.py`: it loads the
# solutions (run that cell twice: the first run inserts the code). Try the hints first.
#
# **Experiments (1, 2, ...)** are open-ended: no check; each states its expected run time
# on a laptop CPU (estimated from earlier full runs of this notebook on 2 CPU cores; the
# stored run loaded its trained models from the cache) and what a good answer contains.

# %% slideshow={"slide_type": "skip"}
from keras import layers

from convnet_lib.exercises import ch02 as check

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise A: a depthwise separable convolution from two layers
#
# Write `my_separable_conv(x, filters, name)` from a `layers.DepthwiseConv2D` (3x3) and a
# 1x1 `layers.Conv2D`, both with `padding="same"` and `use_bias=False`, so that it computes
# what `layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)` computes
# (section 2). The check copies the kernels of a SeparableConv2D into your layers and
# compares the outputs.

# %% slideshow={"slide_type": "skip"}
def my_separable_conv(x, filters, name):
    # Your code here.
    raise NotImplementedError("Exercise A: write my_separable_conv")


# %% slideshow={"slide_type": "skip"}
check.depthwise_separable(my_separable_conv)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise B: the parameters of a separable convolution, as a formula
#
# Write `my_separable_params(kernel_size, in_channels, filters)` for a bias-free
# depthwise separable convolution with a square kernel. The check compares with Keras'
# `SeparableConv2D` and prints how many times more a regular convolution has.

# %% slideshow={"slide_type": "skip"}
def my_separable_params(kernel_size, in_channels, filters):
    # Your code here.
    raise NotImplementedError("Exercise B: write my_separable_params")


# %% slideshow={"slide_type": "skip"}
check.separable_params(my_separable_params)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise C: the middle-flow module
#
# Write `my_middle_module(x, filters, name)`: three units of ReLU -> `SeparableConv2D(filters,
# 3, padding="same", use_bias=False)` -> `BatchNormalization()`, and the identity shortcut
# (section 3). The check compares with the library's `middle_module` on the same weights.

# %% slideshow={"slide_type": "skip"}
def my_middle_module(x, filters, name):
    # Your code here.
    raise NotImplementedError("Exercise C: write my_middle_module")


# %% slideshow={"slide_type": "skip"}
check.middle_module(my_middle_module)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiments
#
# 1. Build the "extreme Inception" order (1x1 convolution, *then* depthwise 3x3) as a
#    block and swap it into `xception_mini`. Does the order change the accuracy?
#    *Laptop CPU: 1 to 2 min per training (3 epochs; the stored run loaded section 6's
#    models from the cache, so it shows no training time); 3 seeds of the new order, about
#    5 min (the other order is `mini_runs`).*
#    *A good answer* gives the test accuracy of both orders for each seed and the paired
#    difference with its spread, and says plainly if the spread includes zero (the paper
#    expects no difference).
# 2. Put a ReLU between the depthwise and the pointwise step (two layers instead of
#    `SeparableConv2D`) and retrain. The paper (Figure 10) found this hurts; do you see it?
#    *Laptop CPU: 1 to 2 min per training; 3 seeds of the new arm, about 5 min.* *A good
#    answer* compares the validation curves and test accuracies over seeds and relates the
#    result to the paper's Figure 10 (ImageNet, much longer training).

# %% [markdown] slideshow={"slide_type": "subslide"}
# 3. Remove the residual connections (return `x` instead of the `Add`) and compare the
#    training curves; the paper's Figure 9 shows the ImageNet version.
#    *Laptop CPU: 1 to 2 min per training.* *A good answer* overlays both training and
#    validation curves and says whether 3 epochs at this depth show the gap of Figure 9.
# 4. Vary `middle_repeats` from 0 to 8 with
#    `build_model("xception", input_shape=(32, 32, 1), classes=10, **config)` and plot
#    accuracy against FLOPs.
#    *Laptop CPU: 1 to 2 min per model (3 epochs, as in section 6), more for 8
#    repeats; 0, 2, 4, 8 repeats take about 10 min.* *A good answer* plots test accuracy
#    against FLOPs with one point per depth, labels the points and says where extra depth
#    stops paying off.
# 5. Measure the latency table of section 5 with batch size 32, or on a GPU. Which model
#    is faster now, and why?
#    *Laptop CPU: about 2 min.* *A good answer* shows the table at both batch sizes and
#    explains the change with per-call overhead and how well depthwise convolutions use
#    the hardware.

# %% [markdown] slideshow={"slide_type": "skip"}
# How long this notebook took, top to bottom, on the machine that ran it:

# %% slideshow={"slide_type": "skip"}
print(f"elapsed: {(time.perf_counter() - NOTEBOOK_START) / 60:.1f} min "
      f"({'quick' if runtime.quick_mode() else 'full'} run, {os.cpu_count()} CPU cores)")
