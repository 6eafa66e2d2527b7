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
# # 05 · Squeeze-and-Excitation networks (SENet)
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/convnet-course/notable-convnets-iii/blob/main/notebooks/05_senet.ipynb)
#
# **What you will learn**
#
# - the question SENet asks: *how much should each feature map count, given the whole
#   image?*, and the Squeeze-and-Excitation (SE) block that answers it with two small
#   fully connected layers;
# - how to check a block by hand: its output recomputed in NumPy from its weights;
# - how one reusable SE piece plugs into a ResNet bottleneck (SE-ResNet), a ResNeXt
#   bottleneck with grouped convolutions (SE-ResNeXt), SENet-154 and an Inception module
#   (SE-Inception);
# - what SE costs: parameters and FLOPs counted layer by layer, checked against the
#   paper, and a CPU latency that grows more than the FLOPs do;
# - what the excitations look like in a trained network, per class and per stage;
# - an ablation on Fashion-MNIST: the same small ResNet with and without SE.
#
# Paper: J. Hu, L. Shen, S. Albanie, G. Sun, E. Wu, *Squeeze-and-Excitation Networks*,
# CVPR 2018 and TPAMI 2019, [arXiv 1709.01507](https://arxiv.org/abs/1709.01507).

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
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from keras import layers

from convnet_lib.complexity import count_flops, count_params, flops_table, layer_times, measure_latency
from convnet_lib.data import CLASS_NAMES, preprocess
from convnet_lib.models import build_model, model_info
from convnet_lib.models.se import excitation_layer_names, excitation_model, se_block
from convnet_lib.plotting import draw_diagram, plot_history, save_figure, set_style
from convnet_lib import runtime, training
from convnet_lib.runtime import choose, quick_mode, set_seed

NOTEBOOK_START = time.perf_counter()
set_style()
set_seed(42)
runtime.print_environment()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The question: how should feature maps be weighted?
#
# A convolution mixes channels, but only inside its small window: the filter that sees a
# cat's ear at one corner of the image cannot know that another filter has just found
# whiskers in the middle. Yet those feature maps belong together: on a cat's face ears,
# eyes, nose and whiskers should fire *together*, and a "cat" network would like to turn
# all of them up at once, and turn down the maps that respond to, say, car wheels.
#
# Hu et al. ask: **given the whole image, how much should each feature map count?** Their
# answer, the Squeeze-and-Excitation block, takes a feature map `U` of shape H x W x C and
#
# 1. **squeezes** it: a global average pooling over H x W gives one number per channel,
#    a descriptor `z` of the whole image (C numbers). The squeeze *is* this pooling; it
#    has no weights;
# 2. **excites**: two fully connected layers, C -> C/r with ReLU and C/r -> C with a
#    sigmoid, turn `z` into C weights `s` between 0 and 1 (r = 16 in the paper). The
#    narrow C/r layer is a bottleneck *inside the excitation*, not the squeeze: it keeps
#    the block small and makes the channels share information;
# 3. **rescales**: every channel of `U` is multiplied by its own weight, `U * s`.
#
# The weights depend on the input: it is a tiny attention mechanism over channels, which
# the network learns end to end with the rest of its weights.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
se_figure = draw_diagram(
    boxes={
        "u": (0, 6, "feature map U\nH x W x C"),
        "squeeze": (0, 5, "squeeze: global average pool\n1 x 1 x C"),
        "fc1": (0, 4, "FC, C/r units + ReLU\n1 x 1 x C/r"),
        "fc2": (0, 3, "FC, C units + sigmoid\n1 x 1 x C  (weights s in (0, 1))"),
        "scale": (0, 2, "scale: U x s, channel by channel\nH x W x C"),
        "out": (0, 1, "recalibrated feature map"),
    },
    arrows=[("u", "squeeze"), ("squeeze", "fc1"), ("fc1", "fc2"), ("fc2", "scale"),
            ("u", "scale", "U itself"), ("scale", "out")],
    title="The Squeeze-and-Excitation block (Hu et al., Fig. 1)",
    figsize=(6, 5.5),
)
save_figure(se_figure, "05_se_block")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The block in a few lines
#
# Written out, the block is six Keras layers:

# %%
def tiny_se_block(u, reduction_ratio=16):
    channels = u.shape[-1]
    z = layers.GlobalAveragePooling2D(keepdims=True)(u)                  # squeeze
    s = layers.Dense(channels // reduction_ratio, activation="relu")(z)  # excite...
    s = layers.Dense(channels, activation="sigmoid")(s)                  # ...to (0, 1)
    return layers.Multiply()([u, s])                                     # rescale


# %% [markdown] slideshow={"slide_type": "subslide"}
# The library's `convnet_lib.models.se.se_block(x, reduction_ratio=16, name=...)` is the
# same block with named layers (`{name}_squeeze`, `_reduce`, `_relu`, `_expand`,
# `_sigmoid`, `_scale`) and argument checks. Every SE model in this chapter uses it.
# Here it is on a 8 x 8 x 64 feature map:

# %%
# NBVAL_CHECK_OUTPUT
block_input = keras.Input((8, 8, 64), name="feature_map")
block = keras.Model(block_input, se_block(block_input, reduction_ratio=16, name="se"), name="se_demo")
for layer in block.layers:
    print(f"{layer.name:12s} {type(layer).__name__:24s} output {str(layer.output.shape):18s} "
          f"params {layer.count_params():5d}")
print("total parameters:", count_params(block).total, "= 64*4 + 4 + 4*64 + 64")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 2.1 Check it by hand
#
# We give the block random weights, run it, and recompute its output in NumPy from the
# same weights: mean over height and width, two matrix products with bias, ReLU, sigmoid,
# and a broadcast multiply.

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(0)
for layer in block.layers:
    if layer.weights:
        layer.set_weights([rng.normal(0, 0.3, w.shape).astype("float32") for w in layer.weights])
u = rng.normal(size=(2, 8, 8, 64)).astype("float32")
w1, b1 = block.get_layer("se_reduce").get_weights()
w2, b2 = block.get_layer("se_expand").get_weights()

z = u.mean(axis=(1, 2))                           # squeeze: (2, 64)
hidden = np.maximum(z @ w1 + b1, 0.0)             # FC + ReLU: (2, 4)
s = 1.0 / (1.0 + np.exp(-(hidden @ w2 + b2)))     # FC + sigmoid: (2, 64)
by_hand = u * s[:, None, None, :]                 # rescale: (2, 8, 8, 64)

difference = np.max(np.abs(keras.ops.convert_to_numpy(block(u)) - by_hand))
print("shapes: z", z.shape, "hidden", hidden.shape, "s", s.shape, "output", by_hand.shape)
print("max |Keras - NumPy| below 1e-5:", bool(difference < 1e-5))

# %% [markdown] slideshow={"slide_type": "subslide"}
# The reduction ratio must leave at least one unit in the bottleneck, and it must be at
# least 1 (below 1 the "bottleneck" would be wider than the input). Asking for r = 128 on
# 64 channels is an error, with a message that says why:

# %% slideshow={"slide_type": "subslide"} tags=["raises-exception"]
se_block(keras.Input((8, 8, 64)), reduction_ratio=128, name="too_narrow")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Where the block goes: SE-ResNet, SE-ResNeXt, SE-Inception
#
# The SE block does not replace anything; it is added to an existing unit (Hu et al.,
# Fig. 2 and 3):
#
# - **SE-ResNet**: on the *residual branch* of every bottleneck, after its last 1x1
#   convolution and BN, *before* the branch is added to the shortcut. The identity path
#   stays untouched, so the block only reweights what the unit adds.
# - **SE-ResNeXt**: the same place in a ResNeXt bottleneck, whose 3x3 convolution is
#   grouped (cardinality 32, 4 channels per group in "32x4d": a 128-channel 3x3 split
#   into 32 groups in the first stage). In Keras that is `Conv2D(..., groups=32)`.
# - **SE-Inception**: after a whole Inception module, on its concatenated output (the
#   paper's Figure 2). The paper applies it to BN-Inception (SE-BN-Inception) and, with
#   the residual placement, to Inception-ResNet-v2 (SE-Inception-ResNet-v2; Table 2).
#
# One function, `bottleneck_unit(..., reduction_ratio=None or 16)`, builds the ResNet,
# SE-ResNet, SE-ResNeXt and SENet-154 units; only a table row changes between them.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
unit_figure = draw_diagram(
    boxes={
        "x": (0, 7, "input x"),
        "c1": (0, 6, "1x1 conv, BN, ReLU"),
        "c2": (0, 5, "3x3 conv (groups=32 in ResNeXt),\nBN, ReLU"),
        "c3": (0, 4, "1x1 conv, BN"),
        "se": (0, 3, "SE block (r = 16)"),
        "add": (0, 2, "add"),
        "out": (0, 1, "ReLU"),
        "ix": (5, 7, "input x"),
        "inc": (5, 5.5, "Inception module\n(parallel branches,\nconcatenated)"),
        "ise": (5, 3.5, "SE block (r = 16)"),
        "iout": (5, 2, "output"),
    },
    arrows=[("x", "c1"), ("c1", "c2"), ("c2", "c3"), ("c3", "se"), ("se", "add"),
            ("x", "add", "shortcut"), ("add", "out"),
            ("ix", "inc"), ("inc", "ise"), ("ise", "iout")],
    title="SE-ResNet / SE-ResNeXt unit (left) and SE-Inception module (right)",
    figsize=(9, 6),
)
save_figure(unit_figure, "05_se_units")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# The ImageNet models are built like the released Caffe models as ported to PyTorch by
# Cadene's `pretrainedmodels` and by timm (`legacy_seresnet50`, ...): BN with scale and
# offset, no convolution bias, SE layers with bias. ResNet-50 and SE-ResNet-50 stride in
# the first 1x1 convolution of a downsampling unit (the original layout);
# SE-ResNeXt-50 and SENet-154 stride in the 3x3. SENet-154 is an SE-ResNeXt with
# (3, 8, 36, 3) units, 64 groups, a stem of three 3x3 convolutions, 3x3 projection
# shortcuts in stages 2-4 (1x1 in the first stage) and dropout 0.2. **SE-Inception-v3 is
# ours, not a model of the paper** (the paper has SE-BN-Inception and
# SE-Inception-ResNet-v2): keras.applications' Inception-v3 with an SE block after each of
# its 11 modules, the paper's SE-Inception placement applied to a network Keras ships.
# It has no published accuracy and no reference count to check against.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. What SE costs: parameters and FLOPs
#
# We build every model at 224 x 224 (Inception-v3 at 299) with 1,000 classes and count
# with `convnet_lib.complexity`: trainable parameters (PyTorch counts the same ones; BN's
# moving statistics are not parameters there) and FLOPs of one forward pass (a
# multiply-add is 2 FLOPs; BN, pooling, additions and the SE rescale are counted too).

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT
# Trainable parameters of the PyTorch ports (from the registry, `model_info`), and
# multiply-adds from Hu et al., arXiv 1709.01507, Table 2 ("GFLOPs" there are G multiply-adds).
PAPER_GMACS = {"resnet50": 3.86, "se_resnet50": 3.87, "se_resnext50_32x4d": 4.25}

rows, se_share, se_by_stage, exact_flops = [], {}, {}, {}
for name in ["resnet50", "se_resnet50", "se_resnext50_32x4d", "senet154", "se_inception_v3"]:
    keras.backend.clear_session()
    model = build_model(name)
    params = count_params(model).trainable
    se_layers = [layer for layer in model.layers if "_se_" in layer.name]
    se_share[name] = sum(layer.count_params() for layer in se_layers)
    if name == "se_resnet50":  # SE parameters per stage: conv2 ... conv5
        for layer in se_layers:
            stage = layer.name.split("_")[0]
            se_by_stage[stage] = se_by_stage.get(stage, 0) + layer.count_params()
    table = flops_table(model)
    flops = exact_flops[name] = int(table["flops"].sum())
    conv_fc_flops = int(table.loc[table["counted_as"].isin(["conv", "matmul"]), "flops"].sum())
    rows.append({
        "model": name,
        "input": model.input_shape[1],
        "trainable params": params,
        "PyTorch port": model_info(name).reference_params or "-",
        "in SE blocks": se_share[name],
        "GFLOPs (ours)": round(flops / 1e9, 2),
        "G mult-adds (ours)": round(flops / 2e9, 2),
        "conv+FC only": round(conv_fc_flops / 2e9, 2),
        "paper G mult-adds": PAPER_GMACS.get(name, "-"),
    })
    del model
complexity = pd.DataFrame(rows).set_index("model")
print(complexity.to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
# Every trainable count equals the PyTorch port's to the unit (the tests in
# `tests/test_senet.py` pin them). Our multiply-adds ("G mult-adds (ours)", all FLOPs
# halved) are slightly above the paper's because our counter also charges BN, pooling,
# the residual additions and the SE rescale. The "conv+FC only" column leaves those out:
# it matches the paper's ResNet-50 figure and falls 0.01-0.02 G below its SE-ResNet-50
# and SE-ResNeXt-50 figures, so the paper's count lies between our two columns; all
# agree within 1 %. Note that
# SE-ResNeXt-50 (32x4d) has 27.56 M parameters: the "2.76 M" that circulates for it is a
# slipped decimal point.
#
# What does SE add to ResNet-50? Computed from the table:

# %%
# NBVAL_CHECK_OUTPUT
base, with_se = complexity.loc["resnet50"], complexity.loc["se_resnet50"]
extra_params = with_se["trainable params"] - base["trainable params"]
extra_flops = exact_flops["se_resnet50"] / exact_flops["resnet50"] - 1
paper_flops = PAPER_GMACS["se_resnet50"] / PAPER_GMACS["resnet50"] - 1
print(f"parameters: {base['trainable params'] / 1e6:.1f} M -> {with_se['trainable params'] / 1e6:.1f} M "
      f"(+{extra_params:,}, +{extra_params / base['trainable params']:.1%})")
print(f"  of which in the SE FC layers: {se_share['se_resnet50']:,} "
      f"({se_share['se_resnet50'] / extra_params:.1%} of the increase)")
print(f"FLOPs: +{extra_flops:.2%} (ours, all layers); paper 3.86 -> 3.87 G mult-adds: +{paper_flops:.2%}")
print("SE parameters per stage of SE-ResNet-50:",
      ", ".join(f"{stage} {count:,} ({count / se_share['se_resnet50']:.0%})" for stage, count in se_by_stage.items()))

# %% [markdown] slideshow={"slide_type": "subslide"}
# About 10 % more parameters, all of them in the SE FC layers, for a fraction of a
# percent more arithmetic: the FC layers act on 1 x 1 x C vectors, not on H x W maps
# (Hu et al. quote about 0.26 %, the ratio of their rounded 3.87 and 3.86 G; ours,
# unrounded, is printed above). Most of the extra parameters sit in the
# last stage, where C = 2048: each of its three SE blocks has 2 x 2048 x 128 weights.
#
# ### 4.1 FLOPs are not time
#
# Now the latency of one 224 x 224 image on this machine's CPU, ResNet-50 against
# SE-ResNet-50. The machine is shared, and other programs slow some runs down, so we
# alternate the two models and keep each one's *fastest* run, the one least disturbed by
# the others; still, treat the numbers as rough:

# %% slideshow={"slide_type": "subslide"}
print("machine:", platform.machine(), platform.processor() or "", "|", os.cpu_count(), "CPU cores |",
      platform.system(), platform.release(), "| Keras", keras.__version__, keras.backend.backend())
rounds, runs = choose(full=4, quick=2), choose(full=5, quick=2)
keras.backend.clear_session()
latency_models = {name: build_model(name) for name in ["resnet50", "se_resnet50"]}
best = {name: float("inf") for name in latency_models}
for round_ in range(rounds):  # alternate the two models so both see the same machine load
    for name, model in latency_models.items():
        timing = measure_latency(model, batch_size=1, warmup=3 if round_ == 0 else 1, runs=runs)
        best[name] = min(best[name], timing["min_ms"])
for name, milliseconds in best.items():
    print(f"{name:12s} fastest of {rounds * runs} runs: {milliseconds:7.1f} ms per image")
latency_overhead = best["se_resnet50"] / best["resnet50"] - 1
print(f"latency overhead of SE: {latency_overhead:+.1%}; FLOPs overhead: {extra_flops:+.2%}; "
      f"latency overhead / FLOPs overhead = {latency_overhead / extra_flops:.0f}")
del latency_models

# %% [markdown] slideshow={"slide_type": "subslide"}
# What to look for: the last printed line divides the latency overhead of SE by its FLOPs
# overhead. In the stored run SE-ResNet-50 took 51.7 ms per image against ResNet-50's
# 51.1 ms: +1.2 % time for +0.21 % FLOPs, a ratio of 6. In this run SE cost more time than
# its FLOPs suggest, but a difference of 0.6 ms is small against how much these timings move on a
# shared machine (section 4.2's whole-model medians even make SE-ResNet-50 the faster
# one, 53.9 against 55.1 ms): rerun the cell to see how much it moves.
#
# The paper's own timings (Hu et al., Sec. 4, "Model and computational complexity", in
# both the CVPR and the TPAMI version) show a CPU overhead of the same order: CPU inference
# of one 224 x 224 image took 164 ms with ResNet-50 against 167 ms with SE-ResNet-50
# (+1.8 %; the paper does not name the CPU). On GPUs, one forward and backward pass of a
# 256-image training mini-batch took 190 ms against 209 ms (+10 %), on a server with 8
# NVIDIA Titan X (a training pass, not inference, so not directly comparable with the CPU
# figure). The time SE adds is not set by its FLOPs alone.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 4.2 Where does the extra time go? A per-layer profile
#
# Three explanations are often given for SE's extra time on CPUs:
#
# - **Memory-bound passes.** The squeeze needs the whole feature map before the
#   excitation can start, and the rescale reads and writes the whole map again: passes with
#   almost no arithmetic per byte, whose memory traffic FLOPs do not count.
# - **Tiny matrix products.** The two FC layers multiply a single vector (1 x C, then
#   1 x C/16) by a small matrix, little work for the vector units. The paper itself
#   expects its GPU overhead to shrink as libraries optimise global pooling and small
#   inner products (Sec. 4), and the authors' Caffe release re-implements global average
#   pooling for GPUs and fuses the rescale with the residual addition
#   (github.com/hujie-frank/SENet, README).
# - **Per-operation overhead.** SE-ResNet-50 has 6 more layers per unit, 96 in all; each
#   operation may carry a fixed cost that does not shrink with its FLOPs.
#
# `layer_times(model)` (in `convnet_lib.complexity`) tests them: it runs a model's graph
# layer by layer on one 224 x 224 image, compiles each layer on its own and times it. A
# separately called layer pays a fixed cost per call that the whole-model graph pays far
# less often, so the function also times a compiled call that does no work (`call
# overhead`); we subtract it from every layer to estimate the layer's own work.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
def layer_group(name, layer_type):
    """Which part of the network a layer belongs to, for the profile."""
    if "_se_" in name:
        part = name.split("_se_")[1]
        return {"squeeze": "SE squeeze (global pool)", "scale": "SE scale (multiply)"}.get(
            part, "SE excitation (FC, ReLU, FC, sigmoid)")
    return {"Conv2D": "convolution", "BatchNormalization": "batch normalization",
            "Dense": "classifier (FC)"}.get(layer_type, "other (ReLU, add, pad, pool)")


keras.backend.clear_session()
profile_runs = choose(full=10, quick=2)
profiles = {}
for name in ["resnet50", "se_resnet50"]:
    profile = layer_times(build_model(name), batch_size=1, warmup=2, runs=profile_runs)
    overhead = profile.attrs["call_overhead_ms"]
    profile["group"] = [layer_group(layer, kind) for layer, kind in zip(profile.index, profile["type"])]
    profile["work_ms"] = (profile["min_ms"] - overhead).clip(lower=0)
    profiles[name] = profile
    print(f"{name}: {len(profile)} layers timed one by one; sum of their fastest times "
          f"{profile['min_ms'].sum():.1f} ms, of which {len(profile) * overhead:.1f} ms is the "
          f"call overhead ({overhead:.3f} ms per call); whole model in one graph "
          f"{profile.attrs['whole_model_ms']:.1f} ms")
by_group = pd.DataFrame({name: profile.groupby("group")["work_ms"].sum()
                         for name, profile in profiles.items()}).fillna(0.0)
by_group.loc["total"] = by_group.sum()
by_group["se - plain"] = by_group["se_resnet50"] - by_group["resnet50"]
print("\nms of work per image (fastest of", profile_runs, "runs, call overhead subtracted):")
print(by_group.round(2).to_string())

# %% slideshow={"slide_type": "subslide"}
# The SE layers of each stage: is the extra time where the maps are largest?
se_layers = profiles["se_resnet50"][profiles["se_resnet50"]["group"].str.startswith("SE")].copy()
se_layers["stage"] = [layer.split("_")[0] for layer in se_layers.index]
per_stage = se_layers.pivot_table(index="stage", columns="group", values="work_ms", aggfunc="sum")
per_stage["blocks"] = se_layers.groupby("stage").size() // 6
per_stage["SE ms per block"] = per_stage.drop(columns="blocks").sum(axis=1) / per_stage["blocks"]
map_sizes = {"conv2": "56x56x256", "conv3": "28x28x512", "conv4": "14x14x1024", "conv5": "7x7x2048"}
per_stage.insert(0, "map", [map_sizes[stage] for stage in per_stage.index])
print(per_stage.round(3).to_string())
fc_calls = se_layers[se_layers["type"] == "Dense"]
print(f"SE FC layers: {len(fc_calls)} calls, median {fc_calls['min_ms'].median():.3f} ms each "
      f"before subtracting the {profiles['se_resnet50'].attrs['call_overhead_ms']:.3f} ms call overhead")

# %% [markdown] slideshow={"slide_type": "subslide"}
# How to read the profile. Each layer alone is slower than inside the whole graph: the 272
# layers of SE-ResNet-50 add up to 243 ms, of which 141 ms is the fixed cost of 272 separate
# calls (0.52 ms each here: the median of a call that does nothing, subtracted from each
# layer's fastest time, so the "work" is if anything underestimated), and the work left,
# 104 ms in the table (101.5 ms before negative layer times are clipped to zero), is about
# twice the 54 ms that the whole model takes in one graph (a
# median; no fusion, no overlap between layers when they run one by one). So read the
# profile for proportions, not totals, and compare every difference with the noise:
#
# - **The noise is as large as the SE layers.** The convolutions are the same in both
#   models, yet their work differs by 6.1 ms between the two profiles, and batch
#   normalization by 2.1 ms. The SE layers add 9.7 ms (excitation 3.3, rescale 3.8,
#   squeeze 2.6). Even the whole-model medians come out in the wrong order here (53.9 ms
#   with SE against 55.1 ms without).
# - **Per stage there is no pattern to read.** SE costs 0.48, 0.66, 0.89 and 0.10 ms per
#   block in stages conv2 to conv5, neither proportional to the map size (largest in conv2)
#   nor constant per block.
# - **The FC arithmetic is negligible.** The median SE FC layer takes 0.54 ms alone,
#   barely more than the 0.52 ms of a call that does nothing: about 0.02 ms of work. The
#   excitation group still adds up to 3.3 ms, mostly in conv4 (2.3 ms) and little in conv5
#   (0.2 ms), whose FC layers are the largest: a pattern of noise, not of arithmetic.
#
# What this run shows, then: the two FC layers' arithmetic is not where SE's time goes;
# whatever they cost is the cost of running an operation at all. Whether the rest is a
# fixed cost for each of the 96 extra layers (6 per block, 16 blocks) or the memory passes
# of squeeze and rescale, this profile cannot tell: on this machine, isolated per-layer
# timings move by as much as the whole SE overhead. **No conclusion** on those two. A
# steadier measurement would repeat the profile many times (or use a quiet machine and
# TensorFlow's own profiler) and compare distributions, not single fastest runs.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Training a small SE network on Fashion-MNIST
#
# `se_resnet_mini` is a small SE-ResNet for 32 x 32 grey images: a 3x3 stem with 16
# filters and three stages of basic residual units (two 3x3 convolutions) with 24, 48 and
# 96 filters, each starting with a stride of 2, an SE block (r = 8: these blocks are
# narrow) on every residual branch, global average pooling, dropout and a 10-way
# classifier. Here each stage has two units (`depths=(2, 2, 2)`; the registry's default
# is one). `use_se=False` builds the same network without SE blocks: the ablation
# baseline, identical in every other layer.

# %%
# NBVAL_CHECK_OUTPUT
keras.backend.clear_session()
for use_se in (True, False):
    model = build_model("se_resnet_mini", use_se=use_se, depths=(2, 2, 2))
    print(f"{model.name:15s} trainable params {count_params(model).trainable:7,}  "
          f"MFLOPs {count_flops(model) / 1e6:6.2f}")

# %% slideshow={"slide_type": "subslide"}
# The course's recipe (notebook 00): 10,000 training images, 3 epochs, three seeds per arm.
# Trained models are cached (notebook 04 reuses the SE arm).
RECIPE = training.quick_recipe()
DEPTHS = (2, 2, 2)  # two residual units per stage (the registry's default is one)
splits = training.fashion_mnist_splits(RECIPE)
print(splits.sizes(), f"; {RECIPE.epochs} epoch(s); seeds {training.course_seeds()}"
      + (" (quick mode: a subset and 1 epoch, numbers not meaningful)" if quick_mode() else ""))
with_se = training.model_runs("se_resnet_mini", splits, RECIPE, options={"depths": DEPTHS},
                              label="with SE", keep_models=True)

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
plot_history(with_se[0].history, title="se_resnet_mini on Fashion-MNIST (seed 0)")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 5.1 Ablation: the same network without SE
#
# Same seeds (so the same initialisation stream and data order per seed), same recipe and
# budget: only the SE blocks are missing. Each seed's two models are tested on the same
# test images, so the comparison is paired: over seeds and over test examples.

# %% slideshow={"slide_type": "subslide"}
without_se = training.model_runs("se_resnet_mini", splits, RECIPE,
                                 options={"depths": DEPTHS, "use_se": False}, label="without SE")
se_comparison = training.compare(with_se, without_se, "with SE", "without SE")
print("validation accuracy per epoch, with SE (seed 0):   ",
      np.round(with_se[0].history["val_accuracy"], 3))
print("validation accuracy per epoch, without SE (seed 0):",
      np.round(without_se[0].history["val_accuracy"], 3))
print("the 95% interval " + ("excludes" if se_comparison.significant else "includes") + " zero")
se_model = with_se[0].model

# %% [markdown] slideshow={"slide_type": "subslide"}
# The `comparison:` line: with SE 0.872, without SE 0.870 mean test accuracy over the
# three seeds, a paired difference of +0.002 whose 95 % interval (a bootstrap over seeds
# and test images) runs from -0.003 to +0.007. It includes zero: **no significant
# difference** between the network with and without SE at this scale and budget. Seed by
# seed the two arms are at most 0.005 apart (0.876/0.871, 0.871/0.871, 0.869/0.869), and
# seed 0's validation accuracies stay within 0.003 of each other at every epoch.
#
# On ImageNet the paper's gain is clear (SE-ResNet-50 23.29 % top-1 error against 24.80 %
# for the authors' own re-implementation of ResNet-50 trained the same way, Hu et al. 2018,
# Table 2; the 24.7 % of the original Caffe ResNet-50 comes from another recipe). In the
# paper's own words, SE-ResNet-50 approaches the much deeper ResNet-101 (6.62 % against
# 6.52 % top-5 error) at about half its computation (3.87 against 7.58 GFLOPs, i.e.
# multiply-adds). Our run cannot say why the gain does not show here; one guess is that a
# large, varied data set gives input-dependent channel weighting more to do. Experiment 3
# asks you to raise the budget.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Looking inside: what do the excitations do?
#
# `excitation_model(model)` builds a Keras sub-model that outputs the sigmoid output
# `s` of every SE block (the layers named `*_se_sigmoid`) of the seed-0 model of section
# 5. We average `s` over the validation images of each class: if the excitations of a
# block were the same for all classes, the block would be doing the same reweighting for
# every image, whatever it shows.

# %% tags=["hide-input"]
probe = excitation_model(se_model)
block_names = [name.removesuffix("_se_sigmoid") for name in excitation_layer_names(se_model)]
excitations = [[] for _ in block_names]
labels_seen = []
for images, labels in splits.validation:
    for store, values in zip(excitations, probe(images, training=False)):
        store.append(keras.ops.convert_to_numpy(values))
    labels_seen.append(keras.ops.convert_to_numpy(labels))
excitations = [np.concatenate(values) for values in excitations]
labels_seen = np.concatenate(labels_seen)

# Share of the variance of each channel's excitation that is explained by the class
# (between-class variance / total variance, averaged over channels): 0 = the same for
# every class, 1 = fully determined by the class.
rows = []
for name, values in zip(block_names, excitations):
    class_means = np.stack([values[labels_seen == c].mean(axis=0) for c in range(10)])
    counts = np.bincount(labels_seen, minlength=10)[:, None]
    between = (counts * (class_means - values.mean(axis=0)) ** 2).sum(axis=0) / len(values)
    total = values.var(axis=0) + 1e-12
    rows.append({"SE block": name, "channels": values.shape[1],
                 "mean excitation": values.mean(),
                 "spread between classes": class_means.std(axis=0).mean(),
                 "variance explained by class": (between / total).mean()})
class_specificity = pd.DataFrame(rows).set_index("SE block")
print(class_specificity.round(3).to_string())
explained = class_specificity["variance explained by class"]
trend = "rises" if explained.iloc[-1] > explained.iloc[0] else "does not rise"
print(f"variance explained by class {trend} from {explained.iloc[0]:.2f} (first SE block) "
      f"to {explained.iloc[-1]:.2f} (last SE block)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now a real photo, one the network never saw anything like: Grace Hopper from
# matplotlib's sample data, turned grey and shrunk to 28 x 28 (then padded to 32 like
# Fashion-MNIST). It tells us how the excitations respond to an out-of-distribution image.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
import matplotlib.cbook as cbook

with cbook.get_sample_data("grace_hopper.jpg") as file:
    photo = plt.imread(file)
grey = photo.astype("float32").mean(axis=-1, keepdims=True)
small = keras.ops.convert_to_numpy(keras.ops.image.resize(grey[None], (28, 28)))[..., 0]
photo_input = preprocess(np.clip(small, 0, 255).astype("uint8"), image_size=32)
photo_excitations = [keras.ops.convert_to_numpy(v)[0] for v in probe(photo_input, training=False)]
photo_prediction = int(np.argmax(keras.ops.convert_to_numpy(se_model(photo_input, training=False))))
print("the network calls the photo:", CLASS_NAMES[photo_prediction])

shown_classes = [0, 1, 7, 8]  # T-shirt/top, Trouser, Sneaker, Bag
styles = ["-", "--", "-.", ":"]
colors = ["C0", "C1", "C2", "C8"]  # none grey: grey is for "all classes" and the photo
# One panel per stage: its last SE block.
shown = [index for index, name in enumerate(block_names)
         if index == len(block_names) - 1 or block_names[index + 1].split("_")[0] != name.split("_")[0]]
fig, axes = plt.subplots(1, len(shown) + 1, figsize=(4 * (len(shown) + 1), 3.6),
                         gridspec_kw={"width_ratios": [1] * len(shown) + [0.7]})
for axis, index in zip(axes, shown):
    name, values, photo_values = block_names[index], excitations[index], photo_excitations[index]
    for c, style, color in zip(shown_classes, styles, colors):
        axis.plot(values[labels_seen == c].mean(axis=0), style, color=color, lw=1.3,
                  label=CLASS_NAMES[c])
    axis.plot(values.mean(axis=0), color="black", lw=2.5, alpha=0.5, label="all classes")
    axis.plot(photo_values, "x", color="grey", ms=4, label="photo")
    axis.set_title(f"{name} ({values.shape[1]} channels)")
    axis.set_xlabel("channel index")
    axis.set_ylim(0, 1)
axes[0].set_ylabel("mean excitation s (0 to 1)")
# One key for all panels, below them, so that it hides no data.
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
axes[-1].imshow(photo_input[0, ..., 0], cmap="gray")
axes[-1].set_title("the photo, as the network sees it")
axes[-1].axis("off")
fig.suptitle("Excitations of the trained se_resnet_mini (seed 0), averaged per class (validation set)")
fig.tight_layout(rect=(0, 0.07, 1, 1))
save_figure(fig, "05_excitations")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# What the paper saw: in a trained SE-ResNet-50 on ImageNet (Hu et al., TPAMI version,
# Sec. 7.2, which also plots the last SE block of each stage) the excitations of early
# blocks are nearly the same for every class, because early features (edges, textures)
# are useful for everything, while deeper blocks become more class-specific. The paper
# also notes an exception at the very end: in the last stage one block saturates close to
# 1 for most channels and the final one shows much the same pattern for every class, so
# the paper concludes that these last blocks matter less.

# %% [markdown] slideshow={"slide_type": "subslide"}
# What our seed-0 model shows (table and figure above):
#
# - **Class-specificity grows with depth, but not steadily.** The variance explained by
#   class is 0.44 in the first SE block and 0.80 in the last, the highest; the lowest is
#   stage2_block1 (0.42), not the first block, and stage1_block2 (0.61) lies above both
#   stage-2 blocks. The spread between class means grows from 0.009 to 0.119.
# - **The early blocks are nearly constant rather than class-agnostic.** In stages 1 and
#   2 the excitations sit near 0.5 for every class (mean 0.50 to 0.51), so these blocks
#   scale every channel by about the same amount; yet 44 % of the little variation of the
#   first block follows the class. It already sees maps halved by a stride-2
#   convolution, so some class dependence is no surprise.
# - **No saturation at the end.** The last block's class means range from about 0.2 to
#   about 0.95 over its channels (mean 0.57), with class-dependent peaks and dips: unlike
#   the paper's last stage, it does not sit near 1.
# - **The photo stays inside the band.** Its excitations (crosses) lie within the range
#   of the class means in all three panels: even on an image unlike any training image
#   (the network calls it a Bag), the blocks respond within their usual range.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. SENet at ILSVRC 2017
#
# The last ImageNet classification challenge, ILSVRC 2017, was won by team WMW with a
# small ensemble of SENets using multi-scale and multi-crop
# fusion: **2.251 % top-5 error** on the test set (Hu et al., TPAMI version, Sec. 5.4 and
# abstract), against 2.991 % for the 2016 winner, Trimps-Soushen (ILSVRC 2016 results
# page, image-net.org/challenges/LSVRC/2016/results; chapter 04 tells that story):

# %%
print(f"relative reduction of top-5 error: {1 - 2.251 / 2.991:.1%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The single SENet-154 model reaches 18.68 % top-1 / 4.47 % top-5 error on the ImageNet
# validation set with one 224 x 224 crop (Hu et al., Table 8).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - The SE block asks *how much each channel should count for this image*: squeeze
#   (global average pooling), excite (FC C -> C/r, ReLU, FC C/r -> C, sigmoid), rescale.
#   We checked its output against a NumPy computation from its weights.
# - One reusable `se_block` turns ResNet into SE-ResNet, ResNeXt into SE-ResNeXt and
#   SENet-154, and Inception-v3 into SE-Inception-v3 (our model; the paper's Inception
#   variants are SE-BN-Inception and SE-Inception-ResNet-v2); our builders match the
#   PyTorch ports' parameter counts to the unit.
# - On ImageNet (Hu et al., Table 2), SE-ResNet-50 improves on a ResNet-50 trained the same
#   way from 24.80 % to 23.29 % top-1 error and about matches ResNet-101 at half its
#   multiply-adds.
# - SE-ResNet-50 has about 10 % more parameters than ResNet-50, all in the SE FC layers,
#   but only 0.21 % more FLOPs. Its CPU latency grew 1.2 % in our run (6 times its FLOPs
#   overhead, and within the noise of these timings), against +1.8 % in the paper's CPU
#   timing (164 to 167 ms) and +10 % for its GPU training pass (190 to 209 ms; Hu et al.,
#   Sec. 4). A per-layer profile shows that the SE FC layers' arithmetic is negligible
#   (the median FC layer alone costs about what a call that does nothing costs), but its
#   other differences are as large as those between identical layers in the two profiles,
#   so it cannot tell a fixed cost per operation from the memory traffic of squeeze and
#   rescale.
# - In our trained network the excitations become more class-specific with depth (variance
#   explained by class 0.44 in the first SE block, 0.80 in the last), but the early blocks
#   stay near 0.5 for every class and, unlike the paper's, the last block does not
#   saturate near 1.
# - On Fashion-MNIST (10,000 training images, 3 epochs, three seeds, paired on the same
#   test images) SE made **no significant difference**: 0.872 against 0.870 test accuracy,
#   paired difference +0.002 (95 % CI -0.003 to +0.007). This small budget on an easy data
#   set does not show the gain SE gives on ImageNet.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# **Exercises that check themselves (A, B, C, ...).** Each has a cell with a function for
# you to write (it raises `NotImplementedError` until you do) and a cell that checks it. The
# check compares your function with the library's own version (output shape, parameter
# count, the outputs on the same random weights and inputs, or the value of a formula on
# several cases), prints what is right, what is wrong and a hint for the typical mistake,
# and returns True or False. Checks run offline, on Colab too, in a few seconds each.
# Stuck? In a new cell, run `%load ../solutions/ch05_senet.py`: it loads the
# solutions (run that cell twice: the first run inserts the code). Try the hints first.
#
# **Experiments (1, 2, ...)** are open-ended: no check; each states its expected run time
# on a laptop CPU (estimated from this notebook's stored full run on 2 CPU cores) and what
# a good answer contains.

# %% slideshow={"slide_type": "skip"}
from keras import layers

from convnet_lib.exercises import ch05 as check

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise A: an SE block with a reduction ratio
#
# Write `my_se_block(x, reduction_ratio, name)` as in section 2: squeeze, two Dense layers
# ($C \to C // r \to C$, with biases), and the rescaling of `x`. The check tries r = 4
# and r = 8 and compares with the library's `se_block` on the same weights.

# %% slideshow={"slide_type": "skip"}
def my_se_block(x, reduction_ratio, name):
    # Your code here.
    raise NotImplementedError("Exercise A: write my_se_block")


# %% slideshow={"slide_type": "skip"}
check.se_block(my_se_block)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise B: the parameters of an SE block, as a formula
#
# Write `my_se_params(channels, reduction_ratio)`. The check compares with
# `count_params` of the library's block, for ratios that divide the channels and ratios
# that do not.

# %% slideshow={"slide_type": "skip"}
def my_se_params(channels, reduction_ratio):
    # Your code here.
    raise NotImplementedError("Exercise B: write my_se_params")


# %% slideshow={"slide_type": "skip"}
check.se_params(my_se_params)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise C: the FLOPs of an SE block
#
# Write `my_se_flops(height, width, channels, reduction_ratio)` with the conventions of
# `convnet_lib.complexity` (section 4): a multiply-add is 2 FLOPs, a bias 1 per output,
# global pooling 1 per input element, an element-wise multiply 1 per element, ReLU and
# sigmoid 0. The check compares with `count_flops` and puts the result next to a 3x3
# convolution of the same ResNet-50 unit.

# %% slideshow={"slide_type": "skip"}
def my_se_flops(height, width, channels, reduction_ratio):
    # Your code here.
    raise NotImplementedError("Exercise C: write my_se_flops")


# %% slideshow={"slide_type": "skip"}
check.se_flops(my_se_flops)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiments
#
# 1. Change `reduction_ratio` of `se_resnet50` to 4, 8 and 32 and tabulate parameters and
#    FLOPs. Which grows faster, and why? (The paper's ablation study trains these.)
#    *Laptop CPU: about 2 min (four builds and counts).* *A good answer* has the table and
#    explains with Exercises B and C why the parameters depend on $C^2 / r$ in the wide
#    late stages while the FLOPs barely move.
# 2. Replace the squeeze's average pooling by max pooling (write your own variant of
#    `tiny_se_block`) and repeat the ablation. (The paper's ablation study compares both.)
#    *Laptop CPU: about 1 min per training (3 epochs on 10,000 images, as section 5),
#    about 3 min for three seeds.* *A good answer* compares the two test accuracies over 3
#    seeds with the paired difference and says whether the interval includes zero.

# %% [markdown] slideshow={"slide_type": "subslide"}
# 3. Repeat the ablation of Section 5 with a larger budget: all 54,000 training images
#    (`dataclasses.replace(RECIPE, train_examples=None)`), or more epochs. Does SE now
#    make a difference larger than the spread between seeds?
#    *Laptop CPU: about 5 min per training on all images (section 5's took about 1 min on
#    10,000), about 30 min for both arms and three seeds.* *A good answer* reports the
#    six accuracies, the paired difference with its interval, and says plainly whether it
#    includes zero.
# 4. Put the SE block on the *shortcut* side (after the addition) instead of the residual
#    branch. What happens to the identity path, and to accuracy? (The paper's ablation
#    study tries several placements.)
#    *Laptop CPU: about 1 min per training.* *A good answer* explains that the gate then
#    scales the identity path too, so the block can no longer pass its input through
#    unchanged, and compares the accuracies over seeds.
# 5. Measure the latency of `se_resnet_mini` with and without SE at batch size 1 and 256.
#    Is the relative overhead the same? Which of the hypotheses of Section 4 does it favour?
#    *Laptop CPU: about 3 min.* *A good answer* tabulates the four times and the relative
#    overheads, relates the difference to the hypotheses (a fixed per-operation cost
#    weighs less at batch size 256, and the FC layers get more work), and checks it with
#    `layer_times` at both batch sizes.

# %% [markdown] slideshow={"slide_type": "skip"}
# How long this notebook took, top to bottom, on the machine that ran it:

# %% slideshow={"slide_type": "skip"}
print(f"elapsed: {(time.perf_counter() - NOTEBOOK_START) / 60:.1f} min "
      f"({'quick' if runtime.quick_mode() else 'full'} run, {os.cpu_count()} CPU cores)")
