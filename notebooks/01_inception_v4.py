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
# # 01 · Inception-v4 and Inception-ResNet: GoogLeNet meets ResNet
#
# In 2015 two families of networks led ImageNet: Google's Inception networks (GoogLeNet,
# then Inception-v3) and Microsoft's residual networks (ResNet). In early 2016 Szegedy,
# Ioffe, Vanhoucke and Alemi asked the obvious question: **do residual connections help
# Inception?** Their answer is *Inception-v4, Inception-ResNet and the Impact of Residual
# Connections on Learning* (arXiv:1602.07261, AAAI 2017).
#
# **You will learn**
#
# * the Inception idea: parallel branches of 1x1, 3x3 and pooling, 1x1 "reductions", and
#   factorised n x 1 / 1 x n convolutions;
# * how Inception-v4 is put together (stem, 4 x Inception-A, Reduction-A, 7 x B,
#   Reduction-B, 3 x C), each module built and printed on its own;
# * the residual Inception block of Inception-ResNet-v2: a linear 1x1 projection, then
#   *residual scaling* before the addition, and why;
# * what the paper's headline numbers really measure;
# * parameters, FLOPs and CPU latency of Inception-v3, Inception-v4 and
#   Inception-ResNet-v2, side by side;
# * how a scaled-down Inception-ResNet, built with the same code, does on Fashion-MNIST.

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
import re

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf

import convnet_lib
from convnet_lib import complexity, data, plotting, training
from convnet_lib.models import build_model
from convnet_lib.models import inception
from convnet_lib.weights import transfer_weights

plotting.set_style()
training.set_seed(42)

print(f"Python      {platform.python_version()}")
print(f"TensorFlow  {tf.__version__}")
print(f"Keras       {keras.__version__} (backend: {keras.backend.backend()})")
print(f"convnet_lib {convnet_lib.__version__}")
print(f"Machine     {platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}")
print(f"Mode        {'quick (CONVNET_QUICK=1)' if training.quick_mode() else 'full run'}")

# %% [markdown]
# ## 1. Where Inception-v4 comes from
#
# **The Inception module** (GoogLeNet, Szegedy et al. 2014, arXiv:1409.4842) does not pick
# one filter size per layer: it runs several *branches* side by side on the same input
# (1x1, 3x3, 5x5 convolutions and a pooling) and concatenates their outputs along the
# channel axis. Cheap 1x1 convolutions in front of the expensive ones reduce the number of
# channels first (a "bottleneck").
#
# **Inception-v3** (Szegedy et al. 2015, arXiv:1512.00567) made it cheaper still by
# *factorising* convolutions: a 5x5 becomes two 3x3, and an n x n becomes a 1 x n followed
# by an n x 1. For n = 7 and C channels in and out that is 2 * 7 * C^2 weights instead of
# 49 * C^2.
#
# **ResNet** (He et al. 2015, arXiv:1512.03385) added the input of a block to its output,
# `y = x + F(x)`, and won ILSVRC 2015 with networks of 152 layers.
#
# The Inception-v4 paper builds both: a cleaner, deeper pure Inception network
# (**Inception-v4**) and Inception networks whose modules are residual
# (**Inception-ResNet-v1** and **-v2**), and compares them. Its answer (abstract): residual
# connections make Inception networks train *significantly faster*, and there is "some
# evidence" that residual Inception networks beat similarly expensive non-residual ones,
# "by a thin margin" (single crop: Inception-v4 80.0 %, Inception-ResNet-v2 80.1 % top-1,
# the paper's Table 2; see section 6 of this notebook).
#
# A quick check of the factorisation arithmetic with real layers:

# %%
# NBVAL_CHECK_OUTPUT
channels = 192
square = keras.Sequential([keras.Input((17, 17, channels)),
                           keras.layers.Conv2D(channels, (7, 7), padding="same", use_bias=False)])
factorised = keras.Sequential([keras.Input((17, 17, channels)),
                               keras.layers.Conv2D(channels, (1, 7), padding="same", use_bias=False),
                               keras.layers.Conv2D(channels, (7, 1), padding="same", use_bias=False)])
for label, model in [("7x7 conv", square), ("1x7 then 7x1", factorised)]:
    print(f"{label:13s} params {model.count_params():>9,}  FLOPs {complexity.count_flops(model) / 1e6:6.1f} M"
          f"  output {tuple(model.output_shape[1:])}")
print(f"saving: {1 - factorised.count_params() / square.count_params():.0%} of the weights and FLOPs")

# %% [markdown]
# ## 2. A module is a table
#
# In `convnet_lib.models.inception` every module of both networks is written as data: a
# tuple of branches, each branch a tuple of steps. `(filters, kernel)` is a
# Conv2D-BatchNorm-ReLU unit ("same" padding, stride 1 unless a stride and `"valid"` are
# given), `"avg"` a 3x3 average pooling, `"max"` the 3x3 stride-2 max pooling of the
# reduction modules, and a list at the end of a branch a *fork* (Inception-C splits a branch
# into a 1x3 and a 3x1 convolution). Here is Inception-A, the module that runs at 35x35:

# %%
# NBVAL_CHECK_OUTPUT
for index, branch in enumerate(inception.MODULES["inception_a"]):
    print(f"branch {index}: {branch}")

# %% [markdown]
# One function turns any such table into layers, and another draws it. The figure below is
# drawn from the same table the model is built from, so the two cannot disagree.


# %%
def step_label(step):
    """A short text for one step of a branch table."""
    if step == "avg":
        return "3x3 avg pool"
    if step in ("max", "max_same"):
        return "3x3 max pool\nstride 2"
    filters, kernel = step[0], step[1]
    kernel = f"{kernel}x{kernel}" if isinstance(kernel, int) else f"{kernel[0]}x{kernel[1]}"
    stride = f", /{step[2]}" if len(step) > 2 and step[2] != 1 else ""
    return f"{kernel} conv\n{filters}{stride}"


def module_diagram(branches, input_label, output_label, title):
    """Boxes and arrows for a module table: one column per branch, concatenation on top."""
    centre = 1.5 * (len(branches) - 1)
    boxes, arrows, depth = {"input": (centre, 0, input_label)}, [], 0
    for column, steps in enumerate(branches):
        ends = ["input"]
        for row, step in enumerate(steps, start=1):
            parts = step if isinstance(step, list) else [step]  # a list is a fork
            keys = []
            for part, single in enumerate(parts):
                key = f"b{column}_{row}_{part}"
                offset = 1.2 * (part - (len(parts) - 1) / 2)
                boxes[key] = (3 * column + offset, row, step_label(single))
                arrows += [(end, key) for end in ends]
                keys.append(key)
            ends = keys
        depth = max(depth, len(steps))
        arrows += [(end, "concat") for end in ends]
    # A small offset keeps the concatenation out of every branch's column, so that no
    # arrow into it is drawn as a skip connection.
    boxes["concat"] = (centre + 0.01, depth + 1, output_label)
    return plotting.draw_diagram(boxes, arrows, title=title)


fig = module_diagram(inception.MODULES["inception_a"], "input 35x35x384",
                     "concatenate: 35x35x384", "Inception-A (Inception-v4)")
plotting.save_figure(fig, "01_inception_a")
plt.show()

# %% [markdown]
# ## 3. Inception-v4, module by module
#
# Inception-v4 (paper Figure 9) is a **stem** (three plain convolutions and three small
# two-branch modules, `mixed_3a` to `mixed_5a`, taking 299x299x3 to 35x35x384), then
# **4 x Inception-A** at 35x35, **Reduction-A** to 17x17, **7 x Inception-B** at 17x17,
# **Reduction-B** to 8x8, **3 x Inception-C** at 8x8, global average pooling and the
# classifier. Reductions are modules too: their branches use stride 2 with "valid" padding,
# next to a max pooling, instead of a single strided layer.
#
# Each module built alone, on a symbolic input of the size it sees inside the network:

# %%
# NBVAL_CHECK_OUTPUT
def module_summary(module, input_shape):
    """Builds one module on a symbolic input; returns its output shape and parameters."""
    inputs = keras.Input(input_shape)
    outputs = inception.inception_module(inputs, inception.MODULES[module], module)
    block = keras.Model(inputs, outputs)
    return tuple(outputs.shape[1:]), block.count_params()


stem_inputs = keras.Input((299, 299, 3))
stem = inception.inception_branch(stem_inputs, inception.STEMS["inception_v4"], "stem")
for module in ("mixed_3a", "mixed_4a", "mixed_5a"):
    stem = inception.inception_module(stem, inception.MODULES[module], module)
rows = [("stem (3 convs + mixed_3a/4a/5a)", (299, 299, 3), tuple(stem.shape[1:]),
         keras.Model(stem_inputs, stem).count_params())]
for module, input_shape in [("inception_a", (35, 35, 384)), ("reduction_a", (35, 35, 384)),
                            ("inception_b", (17, 17, 1024)), ("reduction_b", (17, 17, 1024)),
                            ("inception_c", (8, 8, 1536))]:
    rows.append((module, input_shape, *module_summary(module, input_shape)))
modules_table = pd.DataFrame(rows, columns=["module", "input", "output", "params"])
print(modules_table.to_string(index=False))

# %% [markdown]
# The whole network, from the library, and the cost of each stage (`flops_table` gives one
# row per layer; we add them up by module name). FLOPs count a multiply-add as 2.

# %%
# NBVAL_CHECK_OUTPUT
v4 = build_model("inception_v4")
v4_params = complexity.count_params(v4)
print(f"Inception-v4: {len(v4.layers)} layers, input {v4.input_shape[1:]}, output {v4.output_shape[1:]}")
print(f"parameters: {v4_params.trainable:,} trainable + {v4_params.non_trainable:,} BN moving "
      f"statistics = {v4_params.total:,}")

v4_table = complexity.flops_table(v4)
v4_table["stage"] = v4_table.layer.map(
    lambda name: "stem" if name.startswith(("stem", "mixed_")) else
    "head" if name in ("avg_pool", "dropout", "predictions") else
    re.match(r"(inception_[abc]|reduction_[ab])", name).group(1))
stages = v4_table.groupby("stage", sort=False).agg(params=("params", "sum"), flops=("flops", "sum"))
stages["GFLOPs"] = (stages.pop("flops") / 1e9).round(2)
stages["share of FLOPs"] = (stages.GFLOPs / stages.GFLOPs.sum()).map("{:.0%}".format)
print(stages.to_string())
v4_flops = complexity.count_flops(v4)
conv_macs = v4_table[v4_table.counted_as.isin(["conv", "matmul"])].flops.sum() // 2
print(f"total: {v4_flops / 1e9:.2f} GFLOPs; the convolutions and the classifier alone: "
      f"{conv_macs / 1e9:.2f} G multiply-adds")

# %% [markdown]
# The whole network, drawn from the model that was just built (every shape is read from
# its layers):

# %%
def shape_text(layer_name):
    return "x".join(str(d) for d in v4.get_layer(layer_name).output.shape[1:])


depths = dict(zip("ABC", inception.INCEPTION_V4_DEPTHS))
network = [
    ("input", f"input image\n{shape_text('input_layer')}"),
    ("stem", f"stem: 3 convs, mixed_3a/4a/5a\n{shape_text('mixed_5a_concat')}"),
    ("a", f"{depths['A']} x Inception-A\n{shape_text('inception_a4_concat')}"),
    ("ra", f"Reduction-A\n{shape_text('reduction_a_concat')}"),
    ("b", f"{depths['B']} x Inception-B\n{shape_text('inception_b7_concat')}"),
    ("rb", f"Reduction-B\n{shape_text('reduction_b_concat')}"),
    ("c", f"{depths['C']} x Inception-C\n{shape_text('inception_c3_concat')}"),
    ("pool", f"global average pooling\n{shape_text('avg_pool')}"),
    ("out", f"Dense + softmax\n{shape_text('predictions')}"),
]
boxes = {key: (0, row, label) for row, (key, label) in enumerate(network)}
arrows = [(a, b) for (a, _), (b, _) in zip(network, network[1:])]
fig = plotting.draw_diagram(boxes, arrows, title="Inception-v4", figsize=(4.5, 9))
plotting.save_figure(fig, "01_inception_v4_network")
plt.show()

# %% [markdown]
# **Check against the reference.** The paper gives no parameter count. The public ports of
# the released TF-slim weights to PyTorch (timm's `inception_v4` and Cadene's
# `pretrainedmodels`, both BatchNorm with scale and offset, no conv bias, epsilon 1e-3)
# have **42,679,816** parameters. PyTorch keeps BatchNorm's moving mean and variance out of
# `parameters()`, so that is our *trainable* count:

# %%
# NBVAL_CHECK_OUTPUT
TIMM_INCEPTION_V4_PARAMS = 42_679_816  # timm inception_v4 / Cadene pretrainedmodels
print(f"ours {v4_params.trainable:,} vs timm/Cadene {TIMM_INCEPTION_V4_PARAMS:,}: "
      f"{'identical' if v4_params.trainable == TIMM_INCEPTION_V4_PARAMS else 'DIFFERENT'}")

# %% [markdown]
# ## 4. Inception-ResNet: residual Inception blocks
#
# An Inception-ResNet block keeps the Inception branches but, instead of concatenating them
# into the next layer's input, it
#
# 1. concatenates the branches,
# 2. projects them with a **linear 1x1 convolution** (no ReLU) back to the number of input
#    channels, because an addition needs equal shapes,
# 3. multiplies the result by a small **residual scale** (0.17, 0.1 and 0.2 in the three
#    stages of keras.applications' Inception-ResNet-v2),
# 4. adds it to the block's input and applies ReLU.
#
# The Inception-ResNet-A block of Inception-ResNet-v2 (`block35`: it runs at 35x35), as a
# table and as a figure:

# %%
# NBVAL_CHECK_OUTPUT
for index, branch in enumerate(inception.MODULES["block35"]):
    print(f"branch {index}: {branch}")
block_inputs = keras.Input((35, 35, 320))
block_outputs = inception.inception_resnet_block(
    block_inputs, inception.MODULES["block35"], scale=0.17, name="block35_demo")
block = keras.Model(block_inputs, block_outputs)
print(f"input {tuple(block_inputs.shape[1:])} -> output {tuple(block_outputs.shape[1:])}, "
      f"{block.count_params():,} parameters")
for layer in block.layers[-5:]:
    print(f"  {layer.name:22s} {type(layer).__name__:12s} {tuple(layer.output.shape[1:])}")

# %%
boxes = {"input": (2.5, 0, "input 35x35x320")}
arrows = []
for column, steps in enumerate(inception.MODULES["block35"]):
    previous = "input"
    for row, step in enumerate(steps, start=1):
        key = f"b{column}_{row}"
        boxes[key] = (2.5 * column, row, step_label(step))
        arrows.append((previous, key))
        previous = key
    arrows.append((previous, "concat"))
boxes.update({
    "concat": (2.5 + 0.01, 4, "concatenate: 128"),
    "project": (2.5 + 0.01, 5, "1x1 conv, 320\nlinear (no ReLU)"),
    "scale": (2.5 + 0.01, 6, "x 0.17\n(residual scale)"),
    "shortcut": (-2, 3.5, "identity\n(shortcut)"),
    "add": (2.5, 7, "add"),
    "relu": (2.5, 8, "ReLU: 35x35x320"),
})
arrows += [("concat", "project"), ("project", "scale"), ("scale", "add"),
           ("input", "shortcut"), ("shortcut", "add"), ("add", "relu")]
fig = plotting.draw_diagram(boxes, arrows, title="Inception-ResNet-A block (Inception-ResNet-v2)")
plotting.save_figure(fig, "01_inception_resnet_a")
plt.show()

# %% [markdown]
# ### Why scale the residuals?
#
# The paper (Section 3.3) reports that with more than about 1000 filters the residual
# variants "died" early in training: the last layer before the average pooling produced
# only zeros. Neither a lower learning rate nor extra batch normalization helped; scaling
# the residuals by a factor between 0.1 and 0.3 before the addition did.
#
# One way to see what scaling does is to follow the activations through a deep stack at
# initialisation. Every block *adds* its residual to what came before, so without scaling
# the size of the activations grows with each block, and with it the size of the updates
# that every later layer sees. Below: a stack of Inception-ResNet-A blocks from the library
# (20 in a full run, 6 in a quick one; untrained, random weights) and the standard
# deviation of the activations after each block, for three residual scales.

# %%
BLOCKS = training.choose(full=20, quick=6)


def activation_growth(scale, blocks=BLOCKS, seed=0):
    """Std of the activations after each of `blocks` Inception-ResNet-A blocks at init."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((8, 8, 320))
    x, outputs = inputs, []
    for index in range(1, blocks + 1):
        x = inception.inception_resnet_block(x, inception.MODULES["block35"], scale=scale,
                                             name=f"stack{index}")
        outputs.append(x)
    stack = keras.Model(inputs, outputs)
    images = np.random.default_rng(seed).normal(size=(8, 8, 8, 320)).astype("float32")
    return [float(np.std(keras.ops.convert_to_numpy(y))) for y in stack(images, training=False)]


growth = {scale: activation_growth(scale) for scale in (1.0, 0.3, 0.1)}
fig, axis = plt.subplots(figsize=(6, 3.8))
for (scale, stds), style, marker in zip(growth.items(), plotting.LINE_STYLES, plotting.MARKERS):
    axis.plot(range(1, len(stds) + 1), stds, linestyle=style, marker=marker, label=f"scale {scale}")
axis.set_xlabel("Inception-ResNet-A blocks applied")
axis.set_ylabel("std of activations")
axis.set_yscale("log")
axis.set_title("activation size through a deep stack, at initialisation")
axis.legend()
plotting.save_figure(fig, "01_residual_scaling")
plt.show()
for scale, stds in growth.items():
    print(f"scale {scale}: std after block 1 = {stds[0]:.2f}, after block {BLOCKS} = {stds[-1]:.2f}"
          f" ({stds[-1] / stds[0]:.1f}x)")

# %% [markdown]
# Unscaled, every block adds its residual on top of what the identity carries, and the
# activations keep growing: in the run stored here their standard deviation grew about 4x
# over 20 blocks (about 7 % per block). At 0.3 and at 0.1 it stayed flat: the stack
# stays close to the identity at the start of training and each block only nudges its
# input. (This is a picture at
# initialisation, not a proof of the instability: the paper's observation was made during
# training, with far wider layers than Fashion-MNIST needs.)
#
# ## 5. Inception-ResNet-v2 and the check against keras.applications
#
# Inception-ResNet-v2 stacks 10 A blocks (scale 0.17), Reduction-A, 20 B blocks (0.1),
# Reduction-B, 10 C blocks (0.2, the last one linear with scale 1), a 1x1 convolution to
# 1536 channels and the classifier. We follow keras.applications `InceptionResNetV2`, which
# follows the TF-slim code of the released weights: its stem is the Inception-v3 stem plus
# a `mixed_5b` module (320 channels), not the Inception-v4 stem that the paper's Figure 15
# uses, and its BatchNorm has no scale (gamma). The library builds it layer for layer in the
# same order, so we can copy keras' weights into ours and compare outputs. BatchNorm
# statistics are randomised first (fresh ones are mean 0 and variance 1, which would hide a
# misplaced layer); 75x75 is the smallest input both accept.

# %%
# NBVAL_CHECK_OUTPUT
irv2 = build_model("inception_resnet_v2")
irv2_params = complexity.count_params(irv2)
print(f"Inception-ResNet-v2: {len(irv2.layers)} layers, {irv2_params.total:,} parameters "
      f"({irv2_params.trainable:,} trainable)")
reference = keras.applications.InceptionResNetV2(weights=None)
print(f"keras.applications: {reference.count_params():,} parameters")

# %%
reference_small = keras.applications.InceptionResNetV2(
    weights=None, include_top=False, pooling="avg", input_shape=(75, 75, 3))
ours_small = build_model("inception_resnet_v2", include_top=False, pooling="avg",
                         input_shape=(75, 75, 3))
rng = np.random.default_rng(0)
for layer in reference_small.layers:  # random BN statistics and offsets (no scale here)
    if isinstance(layer, keras.layers.BatchNormalization):
        beta, mean, variance = layer.get_weights()
        layer.set_weights([rng.normal(0, 0.1, beta.shape), rng.normal(0, 0.1, mean.shape),
                           rng.uniform(0.5, 1.5, variance.shape)])
print(f"copied the weights of {transfer_weights(reference_small, ours_small)} layers")
images = rng.uniform(-1, 1, (2, 75, 75, 3)).astype("float32")
expected = keras.ops.convert_to_numpy(reference_small(images, training=False))
actual = keras.ops.convert_to_numpy(ours_small(images, training=False))
difference = np.max(np.abs(actual - expected)) / np.max(np.abs(expected))
print(f"pooled features (1536 per image): max |ours - keras| / max |keras| = {difference:.1e}")
print("identical up to float rounding" if difference < 1e-4 else "MISMATCH")
del reference

# %% [markdown]
# Below 75x75 the last reduction would have nothing left to reduce (75 -> 37 -> 35 -> 17 ->
# 15 -> 7 -> 3 -> 1 pixels), so the builders refuse smaller inputs with a clear message
# instead of a shape error deep inside the graph:

# %% tags=["raises-exception"]
build_model("inception_v4", input_shape=(64, 64, 3))

# %% [markdown]
# ## 6. What the paper's headline numbers are
#
# ImageNet (ILSVRC 2012) classification, numbers from Szegedy et al. (arXiv:1602.07261):
#
# | what | top-1 / top-5 accuracy | where |
# |---|---|---|
# | Inception-v3, single model, single crop | 78.8 / 94.4 % | Table 2 (errors 21.2 / 5.6) |
# | **Inception-v4, single model, single crop** | **80.0 / 95.0 %** | Table 2 (errors 20.0 / 5.0) |
# | Inception-ResNet-v2, single model, single crop | 80.1 / 95.1 % | Table 2 (errors 19.9 / 4.9) |
# | 1 x Inception-v4 + 3 x Inception-ResNet-v2, 144 crops, validation | 83.5 / 96.9 % | Table 5 (errors 16.5 / 3.1; the AAAI version prints 16.4 / 3.1) |
# | the same ensemble on the **test** set | top-5 error **3.08 %** | abstract |
#
# Two traps when quoting them:
#
# * **3.08 % is not Inception-v4.** It is the top-5 error of an *ensemble* of one
#   Inception-v4 and three Inception-ResNet-v2, evaluated on 144 crops, on the ILSVRC
#   *test* set. A single Inception-v4 on a single crop makes 5.0 % top-5 errors.
# * The paper's single-crop numbers are on the *non-blacklisted* subset of the validation
#   set (Table 2 numbering follows arXiv v2; the AAAI version calls it Table 1).
#
# ## 7. Inception-v3, Inception-v4 and Inception-ResNet-v2 side by side
#
# Parameters and FLOPs are computed from the models (keras.applications' `InceptionV3`
# for v3), published top-1 is the single-crop number of section 6; latency is the median
# time of one 299x299 image through the compiled forward pass on this machine's CPU (what
# was measured, and on which machine, is printed with the table). A quick run measures only
# Inception-v3, with fewer repeats.

# %%
# NBVAL_CHECK_OUTPUT
v3 = keras.applications.InceptionV3(weights=None)
models = {"Inception-v3": v3, "Inception-v4": v4, "Inception-ResNet-v2": irv2}
published_top1 = {"Inception-v3": 78.8, "Inception-v4": 80.0, "Inception-ResNet-v2": 80.1}
comparison = pd.DataFrame(
    [
        {
            "model": name,
            "params (M)": complexity.count_params(model).total / 1e6,
            "GFLOPs": complexity.count_flops(model) / 1e9,
            "layers with weights": sum(1 for layer in model.layers if layer.weights),
            "published top-1 (%)": published_top1[name],
        }
        for name, model in models.items()
    ]
).set_index("model")
print(comparison.round(2).to_string())

# %%
measured = training.choose(full=list(models), quick=["Inception-v3"])
runs = training.choose(full=10, quick=2)
print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, "
      f"TensorFlow {tf.__version__}; batch 1, median of {runs} runs after 2 warm-up runs")
latency = {}
for name in measured:
    latency[name] = complexity.measure_latency(models[name], batch_size=1, warmup=2, runs=runs)["median_ms"]
    print(f"{name:20s} {latency[name]:8.1f} ms per image")
comparison["CPU ms / image"] = pd.Series(latency)
print()
print(comparison.round(2).to_string())

# %% [markdown]
# What the measurements say (computed from the table above):

# %%
v3_row, v4_row, ir_row = (comparison.loc[name] for name in models)
print(f"* Inception-v4 has {v4_row['params (M)'] / v3_row['params (M)']:.1f}x the parameters and "
      f"{v4_row.GFLOPs / v3_row.GFLOPs:.1f}x the FLOPs of Inception-v3, for "
      f"{v4_row['published top-1 (%)'] - v3_row['published top-1 (%)']:.1f} points of published top-1.")
print(f"* Inception-ResNet-v2 costs {ir_row.GFLOPs / v4_row.GFLOPs:.2f}x the FLOPs of Inception-v4 "
      f"with {ir_row['params (M)'] / v4_row['params (M)']:.2f}x the parameters; the paper reports "
      f"{ir_row['published top-1 (%)'] - v4_row['published top-1 (%)']:.1f} points more top-1.")
if len(latency) > 1:
    per_gflop = {name: latency[name] / comparison.loc[name, "GFLOPs"] for name in latency}
    print("* CPU milliseconds per GFLOP: " + ", ".join(f"{n} {v:.1f}" for n, v in per_gflop.items())
          + " (equal numbers would mean FLOPs predict latency on this machine).")
else:
    print("* (quick run: latency measured for Inception-v3 only)")

# %% [markdown]
# The residual version is not cheaper in FLOPs: the paper designed Inception-ResNet-v2 to
# match the raw cost of Inception-v4, and its benefit was faster training, not fewer
# operations. The paper also notes that Inception-v4, with more layers, had a significantly
# slower step time in practice. The latencies stored above point the same way
# (Inception-v4 the slowest of the three), but read them with care: they come from one
# session of 10 runs on a 2-core machine that other jobs were using at the same time
# (epochs 2 and 3 of section 8, the same work, took 287 s and 345 s). On
# such a machine the times, and even the order of Inception-v4 and Inception-ResNet-v2,
# may change from run to run: they are not a benchmark. Re-run the cell on an idle
# machine, or on the hardware you care about, before drawing conclusions.
#
# ## 8. A small Inception-ResNet on Fashion-MNIST
#
# `inception_resnet_mini` is built by the same function as Inception-ResNet-v2, from the
# same module tables: every convolution has an eighth of the filters (at least 8), each
# stage has 2 blocks instead of (10, 20, 10), and a stem of one 3x3 convolution and a
# stride-2 max pooling replaces the ImageNet stem, so that 32x32 images (Fashion-MNIST padded
# from 28x28) go 32 -> 16 -> 7 -> 3 pixels.

# %%
# NBVAL_CHECK_OUTPUT
mini = build_model("inception_resnet_mini")
mini_params = complexity.count_params(mini)
print(f"inception_resnet_mini: input {mini.input_shape[1:]}, output {mini.output_shape[1:]}")
print(f"parameters: {mini_params.total:,} ({mini_params.trainable:,} trainable); "
      f"FLOPs per image: {complexity.count_flops(mini) / 1e6:.1f} M")
for name in ("mixed_5b_concat", "block35_2_relu", "mixed_6a_concat", "block17_2_relu",
             "mixed_7a_concat", "block8_2_add", "conv_7b_relu"):
    print(f"  {name:16s} {tuple(mini.get_layer(name).output.shape[1:])}")

# %% [markdown]
# The data: the 60,000 training images split into 54,000 for training and 6,000 for
# validation; the 10,000 test images are only used once, at the end. The full run trains
# for the number of epochs below; a quick run (CI) trains 1 epoch on 2,000 images and tests
# on 2,000, which only shows that the code runs.

# %%
EPOCHS = training.choose(full=3, quick=1)
TRAIN_EXAMPLES = training.choose(full=None, quick=2_000)  # None: all of them
TEST_EXAMPLES = training.choose(full=None, quick=2_000)

(train_images, train_labels), (test_images, test_labels) = data.load_fashion_mnist()
(train_images, train_labels), (val_images, val_labels) = data.train_validation_split(
    train_images, train_labels, validation_fraction=0.1, seed=0)
train_images, train_labels = data.subset(train_images, train_labels, TRAIN_EXAMPLES, seed=0)
test_images, test_labels = data.subset(test_images, test_labels, TEST_EXAMPLES, seed=0)
train_ds = data.make_dataset(train_images, train_labels, image_size=32, shuffle=True, seed=0)
val_ds = data.make_dataset(val_images, val_labels, batch_size=500, image_size=32)
test_ds = data.make_dataset(test_images, test_labels, batch_size=500, image_size=32)
print(f"train {len(train_images):,}  validation {len(val_images):,}  test {len(test_images):,}"
      f"  epochs {EPOCHS}")

# %% [markdown]
# Adam with a cosine learning-rate decay to zero over the whole run. `jit_compile=False`:
# it keeps TensorFlow's own CPU convolution kernels, which the authors of this chapter
# found several times faster than XLA-compiled ones for these many small convolutions on
# a CPU (not measured in this notebook; on a GPU, leave Keras' default).

# %%
training.set_seed(42)
mini = build_model("inception_resnet_mini")
schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=EPOCHS * len(train_ds))
mini.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule),
             loss="sparse_categorical_crossentropy", metrics=["accuracy"],
             jit_compile=False)
history = mini.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, verbose=2)

# %%
fig = plotting.plot_history(history, title="inception_resnet_mini on Fashion-MNIST")
plotting.save_figure(fig, "01_mini_history")
plt.show()

# %%
mini_accuracy = training.report_test_accuracy(mini, test_ds)

# %% [markdown]
# ## 9. Summary
#
# * An Inception module is a set of parallel branches whose outputs are concatenated; 1x1
#   convolutions keep the expensive branches cheap and n x 1 / 1 x n pairs replace n x n.
#   Written as tables, the modules of Inception-v4 and Inception-ResNet-v2 share one
#   builder (`convnet_lib.models.inception`).
# * Inception-v4: stem, 4 x A, Reduction-A, 7 x B, Reduction-B, 3 x C. Our build has the
#   42,679,816 trainable parameters of the reference PyTorch ports and the FLOPs printed
#   in section 3.
# * Inception-ResNet blocks add a linearly projected, *scaled* Inception branch to their
#   input. The scaling keeps a deep stack close to the identity; the paper needed it to
#   train very wide variants at all. Our Inception-ResNet-v2 reproduces keras.applications
#   to float precision.
# * Headline numbers: a single Inception-v4 on one crop reaches 80.0 % top-1 / 95.0 %
#   top-5; 3.08 % top-5 error on the test set needs an ensemble of four models and 144
#   crops.
# * According to the paper, residual connections did not make Inception cheaper or, by
#   much, more accurate: they made it train faster (exercise 4 lets you check this on
#   Fashion-MNIST).
# * The same builder, scaled down (`inception_resnet_mini`, 269,582 parameters), reached
#   a test accuracy of 0.924 on Fashion-MNIST after 3 epochs (section 8).
#
# ## 10. Exercises
#
# 1. Build `inception_resnet_mini` with `residual_scales=(1.0, 1.0, 1.0)` and train it as
#    in section 8. Does it still train? Then plot the activation growth of section 4 for
#    the mini's block17 at width 0.125.
# 2. Write a table for a "5x5" Inception-A where the two stacked 3x3 convolutions become one
#    5x5, pass it to `inception.inception_module` and compare parameters and FLOPs.
# 3. Use `complexity.flops_table` to find the single most expensive layer of Inception-v4.
#    Which module is it in, and why is it expensive?
# 4. Train a residual-free twin of the mini model: the same branches, but concatenated
#    (`inception.inception_module`) instead of added. Compare the validation curves of the
#    first epochs: does the residual version learn faster, as the paper found?
# 5. Inception-v4 refuses 74x74 inputs. Follow the spatial sizes of section 5 for 74 pixels
#    and find the module where the feature map would vanish.
