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
# # 06 · Accuracy vs computational complexity vs model complexity
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/convnet-course/notable-convnets-iii/blob/main/notebooks/06_complexity_comparison.ipynb)
#
# **Chapter 6 of Notable ConvNet Architectures III.** The previous chapters built
# Inception-v4, Inception-ResNet, Xception, DenseNet and SENet one at a time. This one puts
# them side by side with the rest of `keras.applications` and asks what each point of
# ImageNet accuracy costs.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **What you will learn**
# - How to redraw the two views of Bianco et al. 2018, *Benchmark Analysis of Representative
#   Deep Neural Network Architectures* ([arXiv 1810.00736](https://arxiv.org/abs/1810.00736)),
#   from data you can check: top-1 accuracy against FLOPs (marker size = parameters), and
#   top-1 accuracy against *accuracy density* (top-1 per million parameters).
# - Where each number comes from. The accuracies are published figures, and every one cites its
#   source in `data/imagenet_accuracy.csv`. Parameters and FLOPs are **counted here** by
#   `convnet_lib.complexity` for every model, at the input size it was published at.
# - How to find the Pareto frontier and which models are on it, and how to test the usual claims
#   ("more FLOPs, more accuracy") against the data instead of repeating them.
# - Why FLOPs do not predict latency across architecture families: we time a few
#   models on your own machine.

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
import os
import platform
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from keras import layers

from convnet_lib import accuracy_table, comparison, plotting, runtime, training
from convnet_lib.complexity import count_flops, count_params, flops_table
from convnet_lib.models import available_models, build_model, model_info, models_with_twins
from convnet_lib.plotting import draw_diagram, plot_history, save_figure, set_style
from convnet_lib.runtime import choose, quick_mode, set_seed

NOTEBOOK_START = time.perf_counter()
set_style()
set_seed(42)
pd.set_option("display.width", 160)
runtime.print_environment()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Motivation
#
# Papers report ImageNet accuracy. When you deploy a model, you also need to know how much it costs:
#
# - **Model complexity**: the number of parameters. It sets the memory for the weights and
#   the download size.
# - **Computational complexity**: the FLOPs of one forward pass. It sets the energy, and
#   roughly the time.
# - **Latency**: the time one image actually takes on *your* hardware.
#
# Bianco et al. (2018) measured these for more than 40 ImageNet models and drew two charts.
# They found no clear relationship between complexity and accuracy, and that models differ
# widely in how well they use their parameters. We rebuild those charts here. The main
# differences from the paper: we count everything ourselves, we add the models that came
# after it (MobileNetV3, EfficientNet, EfficientNetV2, ConvNeXt; MobileNet v1 and v2 were
# already among Bianco et al.'s models, see their Figure 1 and the model files of their
# code, CeLuigi/models-comparison.pytorch), and we check the claims against the numbers.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Two FLOP conventions.** Bianco et al.'s charts label their axis "G-FLOPs", but the
# values on it are **multiply-adds**, the convention of the papers they compare: ResNet-50,
# for instance, sits near 4 on it, like the "3.8 x 10^9 FLOPs" of the ResNet paper, which
# are multiply-adds. This course counts a multiply-add as **2** FLOPs (notebook 00), so
# on our axis every model sits at about **twice** the value it has in Bianco et al.'s
# figure (a little more, because we also count batch normalization, additions and
# pooling). The counts table below has both columns: `gflops` (our convention) and
# `gmacs` (multiply-adds of the convolutions and the classifier, the papers' unit). Section
# 8.3 shows, from Bianco et al.'s own counting code, exactly what their axis counts.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The idea in a figure
#
# The chart joins two kinds of data that must not be mixed up. The *published* accuracies
# are facts we can only read (from each paper's or library's own table, with its source).
# The *counts* we compute: each model is built with random weights at its published input
# size, and `count_params` / `count_flops` walk its layers.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = draw_diagram(
    {
        "papers": (0, 2, "published accuracies\n(papers, model zoos)"),
        "csv": (0, 0, "data/imagenet_accuracy.csv\none source per number"),
        "build": (4, 2, "build each model\nweights=None, published size"),
        "count": (4, 0, "count_params / count_flops\n(convnet_lib.complexity)"),
        "chart": (2, -2, "charts, Pareto frontier,\naccuracy density"),
        "latency": (7.5, 0, "measure_latency\n(your machine)"),
    },
    [("papers", "csv"), ("build", "count"), ("csv", "chart", "top-1 / top-5"),
     ("count", "chart", "params, FLOPs"), ("build", "latency")],
    title="Where each number in this chapter comes from",
)
save_figure(fig, "06_data_flow")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The data: published accuracies with their sources
#
# Every row of the table is one (model, weights) pair. The `weights` column tells apart the
# figures for one model from different sources: the `keras.applications` weights, the
# original release (TF-slim, the Caffe SENets), the paper, or the PyTorch port that Bianco
# et al. measured (Cadene's `pretrained-models.pytorch`). Exactly one row per model is
# `primary`. That is the one the charts use: the weights you get from `keras.applications`
# where they exist, and otherwise the authors' released weights. The table holds **no**
# parameter or FLOP counts.

# %%
# NBVAL_CHECK_OUTPUT
table = accuracy_table.load_accuracy_table()
primary = accuracy_table.primary_rows(table)
print(f"{len(table)} rows, {table['model'].nunique()} models, {len(primary)} primary rows")
print(table.groupby("weights").size().rename("rows").to_string())

# %% slideshow={"slide_type": "notes"}
# NBVAL_CHECK_OUTPUT
print(primary[["family", "builder", "input_size", "weights", "top1", "top5"]].to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
# The sources do not agree to the last decimal, and the gaps are worth knowing before
# you read anything into a 0.5-point difference between two models. For the models with
# several rows:

# %%
# NBVAL_CHECK_OUTPUT
print(accuracy_table.source_spread(table).to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
# The gaps come from different things: different weights (the Caffe SENets were retrained
# after the paper and "obtain better performance than those reported in the paper", says
# hujie-frank/SENet's README), a different framework or preprocessing (the PyTorch ports),
# or a different validation set (the Inception-v4 paper used a subset of the validation
# images). Differences of half a point between models are within the noise of *which
# source you quote*.
#
# One more thing: `ConvNeXtBase`, `ConvNeXtLarge` and `ConvNeXtXLarge` were pre-trained on
# ImageNet-22k, about 14 million images, 11 times as many as ImageNet-1k (see the `pretraining`
# column). Their accuracies are not comparable with the models trained on ImageNet-1k alone,
# and the charts mark them.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. A block: what a FLOP count is made of
#
# `count_flops` counts one forward pass of one image. A multiply-add counts as 2 FLOPs,
# and every layer kind has one small rule. Papers usually quote multiply-adds and call them
# "FLOPs". We call those **MACs** and keep the two apart. Take a 3x3 convolution from
# 64 to 128 channels on a 56x56 map, and the depthwise-separable version that Xception and
# MobileNet use instead:

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
def conv_block(separable):
    inputs = keras.Input((56, 56, 64), name="features")
    if separable:
        x = layers.SeparableConv2D(128, 3, padding="same", use_bias=False, name="sepconv")(inputs)
    else:
        x = layers.Conv2D(128, 3, padding="same", use_bias=False, name="conv")(inputs)
    return keras.Model(inputs, x, name="separable" if separable else "standard")


for separable in (False, True):
    block = conv_block(separable)
    print(f"{block.name:9s} output {block.output.shape}, params {count_params(block).total:,}, "
          f"FLOPs {count_flops(block):,}")
by_hand_standard = 2 * 56 * 56 * 128 * (3 * 3 * 64)
by_hand_separable = 2 * 56 * 56 * 64 * (3 * 3) + 2 * 56 * 56 * 64 * 128
print(f"by hand: standard {by_hand_standard:,}, separable {by_hand_separable:,} "
      f"({by_hand_standard / by_hand_separable:.1f}x fewer)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The separable convolution needs about 8 times fewer FLOPs. Keep that number in mind for
# the latency section: fewer FLOPs is not the same as less time.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. A full model and its FLOP table
#
# `flops_table` breaks the count down layer by layer. Here it is for MobileNetV2, summed by kind of
# layer. Convolutions and the classifier (the MACs that papers count) make up almost all
# of it. Batch normalisation, additions and pooling add the rest.

# %%
# NBVAL_CHECK_OUTPUT
mobilenet_v2 = keras.applications.MobileNetV2(weights=None, input_shape=(224, 224, 3))
per_layer = flops_table(mobilenet_v2)
by_kind = per_layer.groupby("counted_as")[["params", "flops"]].sum().sort_values("flops", ascending=False)
by_kind["share_of_flops_%"] = (100 * by_kind["flops"] / by_kind["flops"].sum()).round(2)
print(by_kind.to_string())
print(f"total: {count_flops(mobilenet_v2):,} FLOPs, {count_params(mobilenet_v2).total:,} parameters")
del mobilenet_v2

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Counting every model
#
# Now we build every model in the table, plus our own implementations from `convnet_lib.models`,
# at its published input size and with random weights (`weights=None`, nothing is downloaded),
# and count it: the 75 models of the table, among them every model of Bianco et al.'s
# figure. Building them all from an empty cache takes a few minutes on 2 CPU cores, so
# `compute_complexity` can **cache** the counts in a folder outside the repository
# (`~/.cache/convnet_lib/complexity` here). The cache key holds the model name, builder and input size,
# the Keras and convnet_lib versions and a digest of the counter's source (and of our
# model's module). So a cached number is always one that `count_params`/`count_flops` produced
# for the same code. The `origin` column says which rows came from the cache: in this
# stored run none did (the counter had just changed), and counting all 75 took 174 s.
# Delete the folder to recount everything.
#
# Quick mode (used in CI) counts a small subset: a few models of each story, among them
# those that the claims of section 8.4 compare where they are cheap to build.
#
# Parameters below are **trainable** parameters, the convention of the papers and of PyTorch.
# Keras' `model.summary()` also counts BatchNormalization's moving mean and variance (our
# `params_total`).

# %% slideshow={"slide_type": "notes"}
QUICK_SUBSET = ["MobileNet", "MobileNetV2", "ResNet50", "Xception", "SE-ResNet-50",
                "SE-ResNeXt-50 (32x4d)", "NASNetMobile", "GoogLeNet", "ResNet-18", "VGG-13",
                "SqueezeNet-1.1", "AlexNet"]
builders = comparison.model_builders(table)
print("our registered models:", ", ".join(available_models()))
print("primary models without a builder here (not charted):", comparison.missing_builders(table) or "none")
if quick_mode():
    builders = {name: builders[name] for name in QUICK_SUBSET if name in builders}
counts = comparison.compute_complexity(builders, skip_errors=True, verbose=True)
print(f"counted {int((counts['origin'] != 'error').sum())} models "
      f"({int((counts['origin'] == 'computed').sum())} computed now, "
      f"{int((counts['origin'] == 'cache').sum())} from the cache)")
failed = counts[counts["origin"] == "error"]
for name, row in failed.iterrows():
    print(f"not counted: {name}: {row['error'][:150]}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The counts serve two stories, kept apart. **Bianco et al.'s** models carry the accuracy
# that Bianco et al. charted: the PyTorch-measured column of Cadene's accuracy table (the
# rows whose `weights` is "Cadene PyTorch port" or "torchvision (in Cadene table)"), plus
# MobileNet-v2 and ShuffleNet, which that table lacks, with the accuracies that the READMEs
# of their ported weights report ("Bianco et al. port"), one row per model (`bianco`). **The keras.applications collection and this course's models**, including
# what came after 2018, carry their primary accuracy (`data`).

# %% slideshow={"slide_type": "notes"}
BIANCO_WEIGHTS = ("Cadene PyTorch port", "torchvision (in Cadene table)", "Bianco et al. port")
everything = comparison.chart_table(table, counts)
data = everything[~everything["weights"].isin(BIANCO_WEIGHTS)]
bianco_rows = table[table["weights"].isin(BIANCO_WEIGHTS)].assign(primary=True)
bianco = comparison.chart_table(bianco_rows, counts)
bianco["gmacs"] = bianco["macs"] / 1e9
print(f"Bianco et al.'s models: {len(bianco)} of {bianco_rows['model'].nunique()} counted; "
      f"the keras.applications collection and ours: {len(data)}")
shown = data[["family", "input_size", "top1", "mparams", "gflops", "macs", "density"]].copy()
shown["gmacs"] = shown.pop("macs") / 1e9
print(shown.sort_values("gflops").round(3).to_string())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Checks against published counts
#
# Before we trust the chart, let us compare the counts with what others published:
#
# - The exact parameter counts in the Keras Applications table (keras-team/keras-io,
#   `templates/api/applications/index.md` at commit 01b6d6c) include the BN statistics,
#   so we compare them with our `params_total`.
# - The PyTorch-convention counts of the models that are not in `keras.applications`
#   (osmr/imgclsmob `gluon/README.md`; timm's `results/results-imagenet.csv` agrees to 0.01 M).
#   We compare those with our trainable count.
# - The multiply-adds the papers quote: He et al. 2015 ([arXiv 1512.03385](https://arxiv.org/abs/1512.03385)),
#   Table 1: ResNet-50 "3.8 x 10^9 FLOPs"; Hu et al. 2018 ([arXiv 1709.01507](https://arxiv.org/abs/1709.01507)),
#   Table 2: SE-ResNet-50 3.87, SE-ResNeXt-50 4.25 and Inception-ResNet-v2 11.75 "GFLOPs".
#
# The reference numbers are typed in *for the check only*. The charts use the counted ones.

# %% slideshow={"slide_type": "notes"}
published_total = {  # keras-io Keras Applications table (commit 01b6d6c), Parameters column
    "Xception": 22_910_480, "VGG16": 138_357_544, "VGG19": 143_667_240, "ResNet50": 25_636_712,
    "ResNet101": 44_707_176, "ResNet152": 60_419_944, "ResNet50V2": 25_613_800,
    "ResNet101V2": 44_675_560, "ResNet152V2": 60_380_648, "InceptionV3": 23_851_784,
    "InceptionResNetV2": 55_873_736, "MobileNet": 4_253_864, "MobileNetV2": 3_538_984,
    "DenseNet121": 8_062_504, "DenseNet169": 14_307_880, "DenseNet201": 20_242_984,
    "NASNetMobile": 5_326_716, "NASNetLarge": 88_949_818, "EfficientNetB0": 5_330_571,
    "EfficientNetB1": 7_856_239, "EfficientNetB2": 9_177_569, "EfficientNetB3": 12_320_535,
    "EfficientNetB4": 19_466_823, "EfficientNetB5": 30_562_527, "EfficientNetB6": 43_265_143,
    "EfficientNetB7": 66_658_687,
}
published_trainable = {  # osmr/imgclsmob gluon/README.md (PyTorch convention: no BN statistics)
    "Inception-v4": 42_679_816, "SE-ResNet-50": 28_088_024,
    "SE-ResNeXt-50 (32x4d)": 27_559_896, "SENet-154": 115_088_984,
}
published_gmacs = {"ResNet50": 3.8, "SE-ResNet-50": 3.87, "SE-ResNeXt-50 (32x4d)": 4.25,
                   "InceptionResNetV2": 11.75}

rows = []
for name, value in published_total.items():
    if name in data.index:
        rows.append((name, "params (Keras total)", value, data.loc[name, "params_total"]))
for name, value in published_trainable.items():
    if name in data.index:
        rows.append((name, "params (trainable)", value, data.loc[name, "params"]))
for name, value in published_gmacs.items():
    if name in data.index:
        rows.append((name, "GMACs (conv + FC)", value, round(data.loc[name, "macs"] / 1e9, 3)))
check = pd.DataFrame(rows, columns=["model", "quantity", "published", "counted"])
check["counted / published"] = (check["counted"] / check["published"]).round(4)
print(check.to_string(index=False, formatters={
    "published": lambda v: f"{v:,.0f}" if v > 1000 else f"{v:g}",
    "counted": lambda v: f"{v:,.0f}" if v > 1000 else f"{v:.3f}"}))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Every parameter count matches the published one **to the unit**. The checks also settle
# some figures that circulate with the wrong value:
#
# - **SE-ResNeXt-50 has 27.56 M parameters, not 2.76 M.** The smaller figure, which you
#   will find quoted, is the right digits with the decimal point moved one place.
# - ResNet-50's "3.8 x 10^9 FLOPs" in He et al. are multiply-adds. Our `count_flops`
#   gives about twice that, because it counts a multiply-add as 2 FLOPs and adds the
#   batch-norm, addition and pooling work.
# - Hu et al.'s 3.87 and 4.25 GFLOPs for SE-ResNet-50 and SE-ResNeXt-50 are multiply-adds
#   too: our counts are within 0.5 % of them.
# - Inception-ResNet-v2: Hu et al.'s 11.75 GMACs (their own re-implementation) is below
#   the 13.2 GMACs that we count for the Keras model at 299x299. A FLOP count from a paper
#   describes *their* variant and input size.
#
# ### 7.1 Our implementations against their `keras.applications` twins
#
# The earlier chapters wrote several models that Keras also ships. Same architecture means
# the same counts. The cell checks each twin that is registered when the notebook runs.

# %% slideshow={"slide_type": "subslide"}
twins = {ours: model_info(ours).keras_twin for ours in models_with_twins()}
if quick_mode():
    twins = {k: v for k, v in twins.items() if k == "xception"}
twin_builders = {}
for ours, theirs in twins.items():
    size = model_info(ours).input_size
    twin_builders[f"convnet_lib:{ours}"] = comparison.SpecBuilder(f"convnet_lib:{ours}", size)
twin_counts = comparison.compute_complexity(twin_builders, skip_errors=True)
for ours, theirs in twins.items():
    mine = twin_counts.loc[f"convnet_lib:{ours}"]
    if mine["origin"] == "error":
        print(f"{ours:20s} not counted: {mine['error'][:120]}")
        continue
    params_gap = int(mine["params_total"]) - data.loc[theirs, "params_total"]
    flops_gap = int(mine["flops"]) - data.loc[theirs, "flops"]
    print(f"{ours:20s} {int(mine['params_total']):>11,} params {int(mine['flops']):>15,} FLOPs | "
          f"{theirs:18s} {data.loc[theirs, 'params_total']:>11,} params {data.loc[theirs, 'flops']:>15,} FLOPs | "
          f"difference: {params_gap:+,} params, {flops_gap:+,} FLOPs ({100 * flops_gap / data.loc[theirs, 'flops']:+.2f}%)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Four twins match to the unit. The one difference, for `inception_resnet_v2`, is not a
# bug; we checked it with the per-layer `flops_table`. The parameters are the same. Our
# model scales each residual branch with a `Rescaling` layer (counted as a multiply and an
# add per element) followed by an `Add`, where Keras fuses both into one custom layer
# counted as 2 per element. That is a counting convention worth 0.04 % of the total, not a
# different network.
#
# `resnet50`, the baseline of the SENet chapter, has no twin in this list on purpose. It
# follows the Caffe/PyTorch ResNet-50, which has no bias on the convolutions that feed a
# batch norm: 26,560 trainable parameters fewer than Keras' `ResNet50`, which puts a bias
# on every convolution (compare `ResNet50` in the counts table with `ResNet-50` in 7.2).
# The stride is on the first 1x1 convolution in both, so the multiply-adds are the same.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 7.2 Bianco et al.'s models against their PyTorch references
#
# Bianco et al. measured PyTorch models: torchvision's, the ports in Cadene's
# `pretrainedmodels`, and a few ported by the authors (CeLuigi/models-comparison.pytorch).
# `convnet_lib` rebuilds each in Keras with the same layers, so its trainable parameters
# (`model_info(name).reference_params`, with `reference_source`) and the multiply-adds of
# its convolution and dense layers should equal the PyTorch model's. The reference
# multiply-adds below were measured on those PyTorch models (random weights, forward hooks
# on every `Conv2d` and `Linear`, batch 1, at the input size of the table; torchvision 0.29.1,
# Cadene's `pretrainedmodels` at commit 8aae3d8, CeLuigi/models-comparison.pytorch at
# 51388f0) and are typed in for the check only; `tests/test_bianco_families.py` asserts
# them to the unit for our builders. Our `macs` also count half an operation per bias
# addition, hence ratios a hair above 1. Eleven models come from `keras.applications` instead
# (their parameter references typed in below): they are the TensorFlow versions, and the
# table shows by how much they differ.

# %% slideshow={"slide_type": "notes"}
reference_macs = {  # conv + FC multiply-adds of the PyTorch model Bianco et al. measured
    "AlexNet": 714_188_480, "VGG-11": 7_609_090_048, "VGG-11-BN": 7_609_090_048,
    "VGG-13": 11_308_466_176, "VGG-13-BN": 11_308_466_176, "VGG16": 15_470_264_320,
    "VGG-16-BN": 15_470_264_320, "VGG19": 19_632_062_464, "VGG-19-BN": 19_632_062_464,
    "SqueezeNet-1.0": 818_924_576, "SqueezeNet-1.1": 349_151_936, "GoogLeNet": 1_582_671_872,
    "BN-Inception": 2_032_600_064, "ResNet-18": 1_814_073_344, "ResNet-34": 3_663_761_408,
    "ResNet-50": 4_089_184_256, "ResNet-101": 7_801_405_440, "ResNet-152": 11_513_626_624,
    "CaffeResNet-101": 7_570_194_432, "FBResNet-152": 11_513_626_624,
    "ResNeXt-101 (32x4d)": 7_969_996_800, "ResNeXt-101 (64x4d)": 15_460_270_080,
    "DenseNet121": 2_834_161_664, "DenseNet-161": 7_727_907_072, "DenseNet169": 3_359_843_328,
    "DenseNet201": 4_291_365_888, "SE-ResNet-50": 3_860_488_192, "SE-ResNet-101": 7_574_937_600,
    "SE-ResNet-152": 11_288_993_792, "SE-ResNeXt-50 (32x4d)": 4_232_994_816,
    "SE-ResNeXt-101 (32x4d)": 7_974_739_968, "SENet-154": 20_688_363_520,
    "DPN-68": 2_326_163_456, "DPN-68b": 2_326_163_456, "DPN-92": 6_501_684_224,
    "DPN-98": 11_671_217_152, "DPN-107": 18_298_764_288, "DPN-131": 16_013_648_896,
    "InceptionV3": 5_713_216_096, "Inception-v4": 12_253_974_624,
    "InceptionResNetV2": 13_155_794_016, "Xception": 8_357_403_496,
    "NASNetLarge": 23_809_959_666, "NASNetMobile": 568_234_858,
    "MobileNetV2": 313_619_328, "ShuffleNet": 138_365_952,
}
reference_params_of_keras_models = {  # PyTorch trainable params (torchvision/Cadene/Bianco port)
    "VGG16": 138_357_544, "VGG19": 143_667_240, "DenseNet121": 7_978_856,
    "DenseNet169": 14_149_480, "DenseNet201": 20_013_928, "InceptionV3": 23_834_568,
    "InceptionResNetV2": 55_843_464, "Xception": 22_855_952, "NASNetLarge": 88_757_183,
    "NASNetMobile": 5_289_978, "MobileNetV2": 3_505_960,
}
rows = []
for name, row in bianco.iterrows():
    library, builder_name = accuracy_table.parse_builder(row["builder"])
    reference = (model_info(builder_name).reference_params if library == "convnet_lib"
                 else reference_params_of_keras_models[name])
    rows.append((name, row["builder"], row["params"], reference, row["macs"], reference_macs[name]))
against = pd.DataFrame(rows, columns=["model", "builder", "params", "reference params",
                                      "macs", "reference macs"]).set_index("model")
against["params - reference"] = against["params"] - against["reference params"]
against["macs / reference"] = (against["macs"] / against["reference macs"]).round(4)
print(against[["builder", "params", "params - reference", "macs / reference"]]
      .sort_values("params").to_string())
ours_rows = against["builder"].str.startswith("convnet_lib:")
print(f"our builders: {int((against.loc[ours_rows, 'params - reference'] == 0).sum())} of "
      f"{int(ours_rows.sum())} equal their reference's trainable parameters to the unit")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Every `convnet_lib` model equals its reference to the unit in parameters, and all but
# ResNet-50 (ratio 0.9435, see below) in multiply-adds up to the bias additions. Two of them
# are worth a word:
#
# - **GoogLeNet** is the BVLC Caffe model that Bianco et al. ported (no batch normalization,
#   6,998,552 parameters), not torchvision's `googlenet` (with batch normalization,
#   6,624,904). Our Keras version leaves out its two local response normalizations, which
#   have no parameters and no multiply-adds.
# - **ResNet-50** is built by `convnet_lib`'s `resnet50`, the original layout with the
#   stride on the first 1x1 convolution (the baseline of the SENet chapter). torchvision's
#   weights, whose accuracy Bianco et al. charted, belong to the "v1.5" layout with the
#   stride on the 3x3: the same parameters, 6 % more multiply-adds (4.09 against 3.86 G).
#   Our ResNet-101 and -152 follow torchvision's layout.
#
# The `keras.applications` models differ from the PyTorch ones in small ways: Keras'
# Inception-v3 and Inception-ResNet-v2 have batch normalization without a learnt scale
# (17,216 and 30,272 parameters fewer), and the NASNets differ in a few layers of their
# cells (NASNet-A-Large 4,033 parameters fewer; 0.1 % and 0.8 % fewer multiply-adds for
# the Large and Mobile models). Keras' MobileNetV2 (torchvision's count too) has 1,088
# parameters fewer than the port Bianco et al. measured and 4 % fewer multiply-adds (0.301
# against 0.314 G). None of these gaps moves a model visibly on a log-scale chart.
# ShuffleNet's ratio, 1.017, is the largest bias term: every one of its convolutions has a
# bias, and the model does little else.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Bianco et al. 2018, redrawn from our counts
#
# These are Bianco et al.'s two views for their models, with their accuracies (Cadene's
# table of 2018) and our counts. The x axis of view 1 is in **multiply-adds** of the
# convolution and classifier layers, the unit of their axis (see 8.3). An asterisk marks
# DPN-68b, DPN-92 and DPN-107, whose weights were pre-trained on ImageNet-5k, then
# fine-tuned on ImageNet-1k; the charts' footnote names that pre-training as the
# `pretraining` column of the table does ("ImageNet-5k then 1k").
#
# ### 8.1 View 1: top-1 accuracy against multiply-adds, marker area = parameters

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = plotting.plot_accuracy_vs_complexity(
    bianco, x="gmacs", y="top1", size="mparams", labels="all",
    title="Bianco et al. 2018's models: top-1 against multiply-adds (marker area: parameters)")
save_figure(fig, "06_bianco_top1_vs_macs")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 8.2 View 2: top-1 accuracy against accuracy density (top-1 % per million parameters)

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = plotting.plot_accuracy_density(
    bianco, labels="all",
    title="Bianco et al. 2018's models: top-1 against accuracy density")
save_figure(fig, "06_bianco_accuracy_density")
plt.show()
print("not charted (no readable accuracy of the weights Bianco et al. measured): MobileNet-v1")

# %% [markdown] slideshow={"slide_type": "subslide"}
# MobileNet-v1, MobileNet-v2 and ShuffleNet are in Bianco et al.'s figure but not in
# Cadene's accuracy table behind it (the README of their repository at commit 66e1626). Their
# repository's news (README, commit e476f96) names where its weights came from:
# ericsun99/MobileNet-V2-Pytorch, whose Readme reports 71.806 % / 90.410 % top-1/top-5, and
# ericsun99/ShuffleNet-1g8-Pytorch (ShuffleNet 1x, g = 8), 67.408 % / 87.258 %; those two are
# charted with those accuracies. MobileNet-v1 came from marvis/pytorch-mobilenet, whose
# README we could not read, and we could not read Bianco et al.'s own table either, so it is
# left out here (`keras.applications`' MobileNet, with the Keras weights' accuracy, is in
# the charts of section 9). ShuffleNet is counted on our `shufflenet`, which equals its
# PyTorch model to the unit; MobileNet-v2 on `keras.applications.MobileNetV2`, which has
# 1,088 parameters and 4 % multiply-adds fewer than the port (section 7.2).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 8.3 What "G-FLOPs" means on Bianco et al.'s axis
#
# Their axis says G-FLOPs. Their counting code (CeLuigi/models-comparison.pytorch,
# `scripts/compute_computational_complexity.py` and `pretrainedmodels/utils.py` at commit
# cc4b2e0) counts each multiply-add of a **convolution** as 2 FLOPs, plus one per bias
# addition, divides grouped convolutions by their groups, and then divides the total by 2.
# So the values on the axis are multiply-adds of the convolutions only: the fully
# connected layers are not counted. Here are the three conventions for four models, from
# `flops_table`:

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT

units = []
for name in ["alexnet", "squeezenet1_1", "googlenet", "resnet18"]:
    model = build_model(name)
    per_layer = flops_table(model)
    conv = per_layer["counted_as"].isin(["conv", "depthwise conv", "separable conv"])
    dense = per_layer["counted_as"] == "matmul"
    units.append({
        "model": name,
        "our GFLOPs (2 per multiply-add, every layer)": count_flops(model) / 1e9,
        "G multiply-adds, conv + FC": per_layer.loc[conv | dense, "flops"].sum() / 2e9,
        "Bianco axis: conv only": per_layer.loc[conv, "flops"].sum() / 2e9,
    })
    del model
    keras.backend.clear_session()
units = pd.DataFrame(units).set_index("model")
units["ours / Bianco axis"] = units.iloc[:, 0] / units.iloc[:, 2]
print(units.round(3).to_string())

# %% [markdown] slideshow={"slide_type": "subslide"}
# Our FLOPs are a little over **twice** the values of Bianco et al.'s axis: 2.005 to 2.009
# times for the three models with a small classifier (2 per multiply-add, plus batch
# normalization, activations, pooling and additions), 2.18 times for AlexNet. Leaving out
# the fully connected layers matters only where they are large against the convolutions:
# AlexNet's classifier holds 8 % of its multiply-adds, VGG's 0.6 to 1.6 %, ShuffleNet's
# 1.1 % (1,536 x 1,000 of 138 M), MobileNet-v2's 0.4 %, the other charted models' 0.2 % or
# less. To compare a point of our view 1 with their figure, read our x
# value as theirs: both are multiply-adds.

# %% [markdown] slideshow={"slide_type": "slide"}
# ### 8.4 The lecture's claims, checked
#
# Each cell below computes one claim of the lecture from our counts and the cited
# accuracies (Bianco et al.'s column) and prints whether it holds. A claim that needs
# models not counted in this run (quick mode counts a subset) prints that it is skipped.

# %% slideshow={"slide_type": "skip"}
def counted(*names):
    """True if every model of `names` is in `bianco`; otherwise says which are missing."""
    missing = [name for name in names if name not in bianco.index]
    if len(missing) > 3:
        print(f"skipped: needs all {len(names)} of these models, this run counted "
              f"{len(names) - len(missing)} (quick mode)")
    elif missing:
        print(f"skipped: {', '.join(missing)} not counted in this run (quick mode)")
    return not missing


def verdict(holds):
    return "HOLDS" if holds else "DOES NOT HOLD"


ALL_OF_BIANCO = list(bianco_rows["model"])

# %%
# Claim 1: NASNet-A-Large is the most accurate and the most expensive model.
if counted(*ALL_OF_BIANCO):
    best, costliest = bianco["top1"].idxmax(), bianco["gmacs"].idxmax()
    print(f"most accurate: {best} ({bianco.loc[best, 'top1']:.2f} %); most multiply-adds: "
          f"{costliest} ({bianco.loc[costliest, 'gmacs']:.1f} G at "
          f"{bianco.loc[costliest, 'input_size']} px)")
    print("claim 1:", verdict(best == costliest == "NASNetLarge"))

# %% [markdown]
# NASNet-A-Large buys the top accuracy with the most computation, partly because it runs at
# 331x331 pixels where the others run at 224 or 299.

# %% slideshow={"slide_type": "subslide"}
# Claim 2: SE-ResNeXt-50 (32x4d) stands out at low complexity, then Xception.
# Read as: the most accurate model under 5 G multiply-adds is SE-ResNeXt-50, and the most
# accurate of the others under 10 G is Xception.
if counted(*ALL_OF_BIANCO):
    low = bianco[bianco["gmacs"] < 5].sort_values("top1", ascending=False)
    middle = bianco[(bianco["gmacs"] < 10) & ~bianco.index.isin(low.index[:1])]
    middle = middle.sort_values("top1", ascending=False)
    for label, models in (("most accurate under 5 G", low), ("then, under 10 G", middle)):
        print(f"{label}:", ", ".join(f"{n} {r['top1']:.2f} % ({r['gmacs']:.2f} G, {r['pretraining']})"
                                     for n, r in models.head(3).iterrows()))
    print("claim 2, SE-ResNeXt-50 first:", verdict(low.index[0] == "SE-ResNeXt-50 (32x4d)"))
    print("claim 2, then Xception:", verdict(middle.index[0] == "Xception"))

# %% [markdown]
# The first half holds: SE-ResNeXt-50 is the most accurate model under 5 G multiply-adds,
# 1.4 points ahead of SE-ResNet-50. The second half does not: under 10 G, Xception
# (78.89 %, 8.36 G) comes third, behind SE-ResNeXt-101 (32x4d) (80.24 %, 7.97 G) and DPN-92
# (79.40 %, 6.50 G), which are both more accurate for fewer multiply-adds. Leaving out
# DPN-92, whose weights also saw ImageNet-5k, does not change that: SE-ResNeXt-101 still
# comes first. Xception's multiply-adds are high partly because it runs at 299 pixels.

# %% slideshow={"slide_type": "subslide"}
# Claim 3: GoogLeNet is one of the most efficient models, ResNet-18 the closest to it.
# Read as: GoogLeNet is in the cheapest quarter by multiply-adds, and the model nearest to
# it in view 1 (distance in log10 multiply-adds and in tens of accuracy points) is ResNet-18.
if counted(*ALL_OF_BIANCO):
    x = np.log10(bianco["gmacs"])
    y = bianco["top1"] / 10
    distance = np.hypot(x - x["GoogLeNet"], y - y["GoogLeNet"]).drop("GoogLeNet")
    share = (bianco["gmacs"] < bianco.loc["GoogLeNet", "gmacs"]).mean()
    print(f"GoogLeNet: {bianco.loc['GoogLeNet', 'gmacs']:.2f} G, {bianco.loc['GoogLeNet', 'top1']:.2f} %; "
          f"{share:.0%} of the {len(bianco)} counted models need fewer multiply-adds")
    print("nearest models:", ", ".join(f"{n} ({d:.2f})" for n, d in distance.nsmallest(3).items()))
    print("claim 3:", verdict(share <= 0.25 and distance.idxmin() == "ResNet-18"))

# %% [markdown]
# GoogLeNet gets two thirds right for about 1.6 G multiply-adds; ResNet-18 spends a little
# more for 3.7 points more, which is why the two sit side by side.

# %% slideshow={"slide_type": "subslide"}
# Claim 4: SENet-154 needs about 3x the operations of SE-ResNeXt-101 (32x4d) for almost the
# same accuracy. Read as: a ratio between 2.5 and 3.5 and a gap under 1.5 points.
if counted("SENet-154", "SE-ResNeXt-101 (32x4d)"):
    big, small = bianco.loc["SENet-154"], bianco.loc["SE-ResNeXt-101 (32x4d)"]
    ratio, gap = big["gmacs"] / small["gmacs"], big["top1"] - small["top1"]
    print(f"SENet-154 {big['gmacs']:.2f} G, {big['top1']:.2f} %; SE-ResNeXt-101 (32x4d) "
          f"{small['gmacs']:.2f} G, {small['top1']:.2f} %: {ratio:.2f}x the multiply-adds "
          f"for {gap:+.2f} points")
    print("claim 4:", verdict(2.5 <= ratio <= 3.5 and abs(gap) < 1.5))

# %% [markdown]
# The last point of top-1 is expensive: SENet-154 pays 2.6 times the multiply-adds of
# SE-ResNeXt-101 (32x4d) for 1.07 points more.

# %% slideshow={"slide_type": "subslide"}
# Claim 5: VGG-13 has many more parameters than ResNet-18 at almost the same accuracy.
# Read as: over 5x the parameters and a top-1 gap under 1 point.
if counted("VGG-13", "ResNet-18"):
    vgg13, resnet18 = bianco.loc["VGG-13"], bianco.loc["ResNet-18"]
    ratio, gap = vgg13["params"] / resnet18["params"], vgg13["top1"] - resnet18["top1"]
    print(f"VGG-13 {vgg13['mparams']:.1f} M params, {vgg13['top1']:.2f} %; ResNet-18 "
          f"{resnet18['mparams']:.1f} M, {resnet18['top1']:.2f} %: {ratio:.1f}x the parameters "
          f"for {gap:+.2f} points")
    print("claim 5:", verdict(ratio > 5 and abs(gap) < 1))

# %% [markdown]
# Most of VGG-13's parameters sit in its fully connected layers; ResNet-18's global average
# pooling makes them unnecessary, and it is even a little more accurate.

# %% slideshow={"slide_type": "subslide"}
# Claim 6: among the densest models, NASNet-A-Mobile and MobileNet-v2 are the most accurate.
# MobileNet-v1 has no accuracy of Bianco et al.'s weights here, so it enters with
# keras.applications' counts and the accuracy of the Keras weights (keras-io).
# Read as: the two most accurate of the six densest models.
if counted(*ALL_OF_BIANCO) and "MobileNet" in data.index:
    dense = pd.concat([bianco, data.loc[["MobileNet"]]])
    densest = dense.nlargest(6, "density").sort_values("top1", ascending=False)
    print(densest[["weights", "top1", "mparams", "density"]].round(2).to_string())
    print("claim 6:", verdict(set(densest.index[:2]) == {"NASNetMobile", "MobileNetV2"}))

# %% [markdown]
# The densest models are small. The two SqueezeNets are by far the densest (about 47 % per
# million parameters) but stay near 58 % top-1; NASNet-A-Mobile and MobileNet-v2 keep the
# most accuracy, so they are the ones to consider when memory is the limit. The verdict
# depends on the cut: NASNet-A-Mobile is the sixth densest, and among the five densest the
# second most accurate would be MobileNet v1 (with the Keras weights' accuracy).

# %% slideshow={"slide_type": "subslide"}
# Claim 7: above 80 % top-1, Inception-v4 and SE-ResNeXt-101 (32x4d) use their parameters
# best. Read as: the two highest accuracy densities among the models above 80 %.
if counted(*ALL_OF_BIANCO):
    top = bianco[bianco["top1"] > 80].sort_values("density", ascending=False)
    print(top[["top1", "mparams", "density"]].round(2).to_string())
    print("claim 7:", verdict(set(top.index[:2]) == {"Inception-v4", "SE-ResNeXt-101 (32x4d)"}))

# %% [markdown]
# Among the most accurate models, the densest ones reach over 80 % with under 50 M
# parameters; NASNet-A-Large and SENet-154 need about twice as many and more.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. What came after 2018, view 1: accuracy against FLOPs, marker size = parameters
#
# The rest of the chapter charts the `keras.applications` collection and this course's
# models, with the accuracies of their own weights: the models of 2018 that Keras ships and
# those that came after (MobileNetV3, EfficientNet, EfficientNetV2, ConvNeXt).
#
# Each marker is one model. The x axis shows its FLOPs (log scale; 2 FLOPs per
# multiply-add, so about twice the "G-FLOPs" of Bianco et al.'s chart for the same model),
# the y axis its published top-1 accuracy, and the marker area its parameter count. Marker shapes tell the families apart,
# so the chart also reads in black and white. The dashed staircase is the **Pareto
# frontier**: the models that no other model beats on both axes at once, i.e. more
# accurate *and* cheaper.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
labels = "all"
fig = plotting.plot_accuracy_vs_complexity(
    data, x="gflops", y="top1", size="mparams", labels=labels,
    title="ImageNet top-1 accuracy against computational complexity (marker area: parameters)")
save_figure(fig, "06_top1_vs_flops")
plt.show()

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
with_top5 = data.dropna(subset=["top5"])
fig = plotting.plot_accuracy_vs_complexity(
    with_top5, x="gflops", y="top5", size="mparams", labels=labels,
    title="ImageNet top-5 accuracy against computational complexity (marker area: parameters)")
save_figure(fig, "06_top5_vs_flops")
plt.show()
print("no top-5 figure published (left out of the top-5 chart):",
      ", ".join(sorted(set(data.index) - set(with_top5.index))) or "none")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 9.1 The Pareto frontiers, named
#
# These are the models on the frontier of accuracy against FLOPs and of accuracy against
# parameters. They come from the data above, so quick mode, which counts fewer models, finds
# a shorter list.

# %% slideshow={"slide_type": "notes"}
for cost, unit in (("gflops", "GFLOPs"), ("mparams", "M params")):
    front = comparison.pareto_frontier(data, cost, "top1")
    named = data[front].sort_values(cost)
    print(f"Pareto frontier of top-1 against {unit}:")
    for name, row in named.iterrows():
        note = " (ImageNet-22k pre-training)" if row["pretraining"] != "ImageNet-1k" else ""
        print(f"  {name:22s} {row[cost]:8.2f} {unit:8s} top-1 {row['top1']:.2f}%{note}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10. What came after 2018, view 2: accuracy density
#
# Bianco et al. define *accuracy density* as top-1 accuracy divided by the number of
# parameters in millions: how much accuracy each million parameters buys. The upper right is
# where a model is both accurate and frugal.

# %% slideshow={"slide_type": "notes"}
fig = plotting.plot_accuracy_density(
    data, labels="all",
    title="Top-1 accuracy against accuracy density (top-1 % per million parameters)")
save_figure(fig, "06_accuracy_density")
plt.show()
print(data.sort_values("density", ascending=False)[["top1", "mparams", "density"]].round(2).head(8).to_string())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11. What the measurements say
#
# We check three claims against the data, not against memory.

# %% tags=["hide-input"]
# Spearman's rank correlation = Pearson's correlation of the ranks (no SciPy needed).
ranks = data[["top1", "gflops", "mparams"]].rank()
spearman_flops = ranks["top1"].corr(ranks["gflops"])
spearman_params = ranks["top1"].corr(ranks["mparams"])
print(f"{len(data)} models")
print(f"rank correlation (Spearman) of top-1 with FLOPs:      {spearman_flops:+.2f}")
print(f"rank correlation (Spearman) of top-1 with parameters: {spearman_params:+.2f}")

# Claim 1: more FLOPs do not guarantee more accuracy. Count the pairs where the costlier model is worse.
pairs = worse = 0
for a in data.index:
    for b in data.index:
        if data.loc[a, "gflops"] > 2 * data.loc[b, "gflops"]:
            pairs += 1
            worse += data.loc[a, "top1"] < data.loc[b, "top1"]
print(f"pairs where one model has over 2x the FLOPs of the other: {pairs}; "
      f"the costlier one is LESS accurate in {worse} ({100 * worse / max(pairs, 1):.0f}%)")

# Claim 2: is the biggest model the most accurate?
biggest, best = data["mparams"].idxmax(), data["top1"].idxmax()
print(f"most parameters: {biggest} ({data.loc[biggest, 'mparams']:.1f} M, top-1 {data.loc[biggest, 'top1']}%); "
      f"most accurate: {best} ({data.loc[best, 'mparams']:.1f} M, top-1 {data.loc[best, 'top1']}%)")

# Claim 3: parameter efficiency differs by an order of magnitude.
dens = data["density"]
print(f"accuracy density ranges from {dens.min():.2f} ({dens.idxmin()}) to {dens.max():.2f} ({dens.idxmax()}): "
      f"{dens.max() / dens.min():.0f}x")

# %% [markdown] slideshow={"slide_type": "subslide"}
# What the full run printed (all 44 models counted; quick mode counts only a few, so its
# numbers differ):

# %% [markdown] slideshow={"slide_type": "subslide"}
# - **Is there a relationship between complexity and accuracy?** Only a loose one. Both rank
#   correlations are positive but far from 1, and the one with parameters is weaker than the
#   one with FLOPs. In almost a quarter (23 %) of the pairs where one model needs more than
#   twice the FLOPs of the other, the costlier model is the *less* accurate one. VGG-16 (31 GFLOPs)
#   and ResNet-152 (23 GFLOPs) are less accurate than EfficientNet-B0 (0.8 GFLOPs). VGG-19
#   (144 M parameters) is no more accurate than MobileNetV2, which has 41 times fewer. This is
#   Bianco et al.'s observation, and it still holds with the newer models.
# - **Is the biggest model the most accurate?** Here it is: ConvNeXt-XLarge has the most
#   parameters (350 M) and the highest top-1 (87.0 %). Two things qualify that. It owes part
#   of its accuracy to ImageNet-22k pre-training, and it buys its last 0.4 points over
#   ConvNeXt-Large (86.6 %) with 77 % more parameters. Among the models trained on ImageNet-1k
#   alone, the most accurate is EfficientNetV2-L (85.7 %, 119 M parameters), not VGG-19 or
#   SENet-154, which are about as large.
# - **Which models use their parameters best?** The mobile-sized ones. MobileNetV3-Small has
#   the highest accuracy density, followed by MobileNetV2, MobileNet, EfficientNet-B0,
#   NASNet-A-Mobile and MobileNetV3-Large (the table under view 2). ConvNeXt-XLarge has the
#   lowest, followed by ConvNeXt-Large, VGG-19/16, SENet-154, EfficientNetV2-L, NASNet-A-Large
#   and ConvNeXt-Base, all below 1 % per million parameters. The two ends are 108 times apart.

# %% [markdown] slideshow={"slide_type": "subslide"}
# - **Who is on the frontier?** Between the two ends, every model on both Pareto frontiers is
#   an EfficientNet (v1 or v2). The cheapest end belongs to the MobileNets (v3-Small and
#   v3-Large against FLOPs, v3-Small and v2 against parameters), the most accurate end to
#   ConvNeXt-Base, -Large and -XLarge. EfficientNet (Tan & Le 2019, [arXiv 1905.11946](https://arxiv.org/abs/1905.11946)),
#   EfficientNetV2 (Tan & Le 2021, [arXiv 2104.00298](https://arxiv.org/abs/2104.00298)) and
#   MobileNetV3 (Howard et al. 2019, [arXiv 1905.02244](https://arxiv.org/abs/1905.02244))
#   came after Bianco et al.'s survey. Their networks were found by an architecture search
#   that rewards accuracy together with efficiency: FLOPs for EfficientNet, training speed
#   and parameter count for EfficientNetV2, latency on a mobile phone for MobileNetV3.
#   Two caveats:
#   1. The frontier is drawn with *published* accuracies, whose sources disagree by up to
#      1.5 points (section 3).
#   2. The three ConvNeXts owe their place at the top to ImageNet-22k pre-training (marked in
#      the charts and in the printed frontiers). It is not a like-for-like comparison with the
#      models trained on ImageNet-1k alone. Without them, EfficientNet-B6, EfficientNetV2-M and
#      EfficientNetV2-L would close both frontiers (B6 and V2-M are already on the parameter
#      frontier, just below ConvNeXt-Base).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 12. Interactive version
#
# The same data as a Vega-Altair chart — JupyterLab draws it without the internet, Colab
# through a CDN; on GitHub only the static chart shows (`images/06_top1_vs_flops.png`,
# above). Hover over a marker to see the model, its counted parameters and FLOPs, its
# top-1 and top-5, input size, pre-training and the source of its accuracy; drag to pan,
# scroll to zoom.

# %%
# Vega-Altair: JupyterLab draws it offline, Colab through its CDN; GitHub shows only the
# static chart above (images/06_top1_vs_flops.png).
chart = plotting.interactive_accuracy_chart(
    data, title="ImageNet top-1 accuracy against FLOPs (hover a marker for its numbers)")
plotting.show_interactive(chart)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 13. Latency on your machine: FLOPs are not time
#
# FLOPs count arithmetic. Time also depends on memory traffic and on how well each operation
# runs on the hardware. Depthwise convolutions do few FLOPs per byte they move. DenseNet's
# concatenations copy feature maps again and again. NASNet's many small branches launch many small
# operations. We time one image (batch 1) for a few models on the machine that runs
# this notebook, with several runs after a warm-up. We print the median and the fastest run
# and compare models on the fastest one: on a shared machine it is the run least slowed down
# by other work. Quick mode times fewer models and fewer runs.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
import multiprocessing

cpu = platform.processor() or platform.machine()
if os.path.exists("/proc/cpuinfo"):
    with open("/proc/cpuinfo") as handle:
        names = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
    cpu = names[0] if names else cpu
gpus = []
if keras.backend.backend() == "tensorflow":
    import tensorflow as tf
    gpus = tf.config.list_physical_devices("GPU")
print(f"machine: {cpu}, {multiprocessing.cpu_count()} logical CPUs, "
      f"GPU: {', '.join(g.name for g in gpus) if gpus else 'none'}; "
      f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
      f"Keras {keras.__version__} ({keras.backend.backend()})")

latency_models = choose(
    full=["MobileNet", "MobileNetV2", "EfficientNetB0", "NASNetMobile", "DenseNet121",
          "ResNet50", "InceptionV3", "Xception", "VGG16"],
    quick=["MobileNet", "MobileNetV2", "ResNet50"],
)
latency_models = [m for m in latency_models if m in data.index]
all_builders = comparison.model_builders(table)
latency_builders = {m: all_builders[m] for m in latency_models}
latency = comparison.measure_latencies(latency_builders, batch_size=1, warmup=3,
                                       runs=choose(full=15, quick=5), verbose=True)
timed = data.loc[latency_models].join(latency)
# On a shared machine other work slows some runs down; the fastest run is the least disturbed.
timed["ms_per_gflop"] = timed["min_ms"] / timed["gflops"]
print(timed[["family", "gflops", "median_ms", "min_ms", "ms_per_gflop"]].sort_values("ms_per_gflop").round(2).to_string())

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = plotting.plot_latency_vs_flops(timed, latency="min_ms",
                                      title=f"Measured latency (batch 1) against FLOPs on {cpu}")
save_figure(fig, "06_latency_vs_flops")
plt.show()
fastest, slowest = timed["ms_per_gflop"].idxmin(), timed["ms_per_gflop"].idxmax()
print(f"time per GFLOP varies {timed['ms_per_gflop'].max() / timed['ms_per_gflop'].min():.1f}x: "
      f"from {fastest} ({timed.loc[fastest, 'ms_per_gflop']:.1f} ms/GFLOP) "
      f"to {slowest} ({timed.loc[slowest, 'ms_per_gflop']:.1f} ms/GFLOP)")
if {"MobileNetV2", "ResNet50"} <= set(timed.index):
    flops_ratio = timed.loc["ResNet50", "gflops"] / timed.loc["MobileNetV2", "gflops"]
    speed_ratio = timed.loc["ResNet50", "min_ms"] / timed.loc["MobileNetV2", "min_ms"]
    print(f"MobileNetV2 needs {flops_ratio:.1f}x fewer FLOPs than ResNet50 and ran {speed_ratio:.1f}x faster")

# %% [markdown] slideshow={"slide_type": "subslide"}
# If latency followed FLOPs, every marker would lie on the dotted line, drawn through the
# best rate (VGG-16's in this run). The *time per GFLOP* in the table above (TensorFlow on
# the CPU, batch 1, fastest run) falls into three groups in this run:
#
# - **5 to 8 ms per GFLOP**: VGG-16, Inception-v3, Xception and ResNet-50, whose FLOPs sit
#   in large convolutions. Almost all of Xception's FLOPs are in the 1x1 pointwise part of
#   its separable convolutions (728 channels in its middle flow), an ordinary matrix
#   product, and here it ran close to Inception-v3's rate (6.7 against 6.0 ms per GFLOP).
# - **9.2 to 12.3 ms per GFLOP**: DenseNet-121 (with its concatenations) and MobileNet v1.
# - **26 to 33 ms per GFLOP**: NASNet-A-Mobile, MobileNetV2 and EfficientNet-B0, which
#   spread their work over depthwise convolutions and many small operations; EfficientNet-B0
#   is 6.4 times slower per GFLOP than VGG-16. MobileNetV2 needs 12.6 times fewer FLOPs
#   than ResNet-50 but ran only 3.7 times faster.

# %% [markdown] slideshow={"slide_type": "subslide"}
# Timings on a shared machine are rough: the medians are 1.04 to 1.16 times the fastest
# runs (EfficientNet-B0 varies most), a sign of other work on the machine.
# Rerun the cell and the groups can change. Your ranking may differ: it depends on the
# machine, the backend, the batch size and the load. That is why the numbers are measured
# here and not copied.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 14. A small experiment: the same trade-off on Fashion-MNIST
#
# The ImageNet accuracies above are published, not reproduced. We cannot train 40 ImageNet
# models here. We can run the same comparison in miniature: two small networks with the same
# layout, one with standard 3x3 convolutions and one with depthwise-separable ones (the
# block from the start of the chapter). We count them, train both the same way, and compare
# accuracy against FLOPs.

# %%
def small_net(separable, name):
    """A strided stem and two conv stages (32, 64 channels) on 32x32x1 images.

    Batch-norm momentum 0.9 (not Keras' 0.99) lets the moving statistics settle within the
    few hundred steps of a short run, so the evaluation-mode accuracy is meaningful.
    """
    conv = layers.SeparableConv2D if separable else layers.Conv2D
    inputs = keras.Input((32, 32, 1), name="image")
    x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(momentum=0.9, name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    for stage, filters in enumerate((32, 64)):
        for unit in range(2):
            x = conv(filters, 3, padding="same", use_bias=False, name=f"stage{stage}_unit{unit}_conv")(x)
            x = layers.BatchNormalization(momentum=0.9, name=f"stage{stage}_unit{unit}_bn")(x)
            x = layers.ReLU(name=f"stage{stage}_unit{unit}_relu")(x)
        x = layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
for separable in (False, True):
    net = small_net(separable, "separable_net" if separable else "standard_net")
    print(f"{net.name:14s} output {net.output.shape}, {count_params(net).total:,} params, "
          f"{count_flops(net) / 1e6:.1f} MFLOPs")

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
# The course's recipe (notebook 00): 10,000 training images, a held-out
# validation split for the curves, the test set once per trained model; three seeds per arm.
RECIPE = training.quick_recipe()
SEEDS = training.course_seeds()
splits = training.fashion_mnist_splits(RECIPE)
print(splits.sizes(), f"; {RECIPE.epochs} epoch(s); seeds {SEEDS}"
      + (" (quick mode: subsets)" if quick_mode() else ""))

small = {}
for separable in (False, True):
    name = "separable_net" if separable else "standard_net"
    net = small_net(separable, name)
    small[name] = {
        "runs": training.run_seeds(lambda: small_net(separable, name), SEEDS, splits, RECIPE,
                                   label=name),
        "mflops": count_flops(net) / 1e6, "kparams": count_params(net).total / 1e3,
    }
small_comparison = training.compare(small["separable_net"]["runs"], small["standard_net"]["runs"],
                                    "separable_net", "standard_net")

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = plot_history(small["separable_net"]["runs"][0].history,
                   title="separable_net on Fashion-MNIST (seed 0)")
save_figure(fig, "06_small_net_history")
plt.show()
for name, entry in small.items():
    accuracy = np.mean([run.test_accuracy for run in entry["runs"]])
    print(f"{name:14s} {entry['kparams']:7.1f} k params {entry['mflops']:7.1f} MFLOPs  "
          f"mean test accuracy {accuracy:.3f}  ({100 * accuracy / entry['kparams'] * 1000:.1f} % per M params)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The separable network needs about 7 times fewer FLOPs (2.1 against 14.3 M) and
# parameters (10.6 k against 70.7 k), but it did not train 7 times faster: 11 to 16 s per
# seed against 17 to 19 s in this run (3 epochs, 2 CPU cores). It does not keep the
# accuracy at this budget: 0.785 against 0.851 mean test accuracy over the
# three seeds, a paired difference of -0.066 whose 95 % interval (-0.074 to -0.058) excludes
# zero. The standard network is more accurate, by 6.6 points (5.8 to 7.4). That is the
# trade-off of the ImageNet charts in miniature: far fewer FLOPs and a much higher accuracy
# density (7,404 against 1,202 % per million parameters), paid for with accuracy. The
# training is short (3 epochs; the separable net's validation accuracy is still rising at
# epoch 3 in the curves above), so with longer training the gap can shrink or grow: this
# run does not tell which.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Every model of Bianco et al.'s figure with a readable accuracy of their weights (46
#   models: Cadene's 44, plus MobileNet-v2 and ShuffleNet from their ports' READMEs; not
#   MobileNet-v1) is built here and counted; our 35 builders equal their PyTorch
#   references to the unit in parameters, and all but ResNet-50 (the original layout) in
#   multiply-adds up to the bias additions. The full run
#   checks seven claims of the lecture about them (section 8.4): NASNet-A-Large, SE-ResNeXt-50
#   under 5 G multiply-adds, GoogLeNet and ResNet-18, SENet-154 against SE-ResNeXt-101,
#   VGG-13 against ResNet-18, the densest models and the parameter use above 80 % hold by
#   our counts; "then Xception" does not (SE-ResNeXt-101 and DPN-92 are more accurate for
#   fewer multiply-adds).
# - A fair comparison needs *sourced* accuracies and *counted* complexity. Sources for one
#   model disagree by up to 1.5 points, and counts in papers use different conventions
#   (multiply-adds or FLOPs, with or without BN statistics, different input sizes).
# - Our counts match the published parameter counts to the unit. Some circulating figures
#   are wrong (SE-ResNeXt-50: 27.56 M parameters, not 2.76 M).

# %% [markdown] slideshow={"slide_type": "subslide"}
# - Accuracy grows with complexity only loosely (rank correlation +0.60 with FLOPs, +0.48
#   with parameters). In 23 % of the pairs where one model has over twice the FLOPs of the
#   other, the costlier one is less accurate. The Pareto frontier names the models worth
#   considering at each budget.
# - Accuracy density shows how unevenly models use their parameters: the large ConvNeXts,
#   VGG, SENet-154, EfficientNetV2-L and NASNet-A-Large at one end, the mobile-era models at
#   the other.
# - Today's frontier (among the models counted here) is made of EfficientNets, with
#   MobileNets at the cheapest end and the ImageNet-22k pre-trained ConvNeXt-Base, -Large and
#   -XLarge at the top.
# - FLOPs are not latency: time per GFLOP varied 6.4 times across the nine models timed
#   here. Measure on your own hardware, at your own batch size.
# - In miniature, on Fashion-MNIST, depthwise-separable convolutions cut FLOPs and
#   parameters about 7 times and cost 6.6 points of test accuracy (95 % interval 5.8 to
#   7.4) after 3 epochs.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# **Exercises that check themselves (A, B, C, ...).** Each has a cell with a function for
# you to write (it raises `NotImplementedError` until you do) and a cell that checks it. The
# check compares your function with the library's own version (output shape, parameter
# count, the outputs on the same random weights and inputs, or the value of a formula on
# several cases), prints what is right, what is wrong and a hint for the typical mistake,
# and returns True or False. Checks run offline, on Colab too, in a few seconds each.
# Stuck? In a new cell, run `%load ../solutions/ch06_complexity_comparison.py`: it loads the
# solutions (run that cell twice: the first run inserts the code). Try the hints first.
#
# **Experiments (1, 2, ...)** are open-ended: no check; each states its expected run time
# on a laptop CPU (estimated from this notebook's stored full run on 2 CPU cores) and what
# a good answer contains.

# %% slideshow={"slide_type": "skip"}
import numpy as np

from convnet_lib.exercises import ch06 as check

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise A: the Pareto frontier
#
# Write `my_pareto_frontier(cost, accuracy)` for two arrays (one entry per model): return
# a boolean array, True for the models that no other model beats, i.e. no other model has
# a cost <= and an accuracy >= with at least one of the two strictly better. The check
# compares with `comparison.pareto_frontier`, on a table with ties and duplicates.

# %% slideshow={"slide_type": "skip"}
def my_pareto_frontier(cost, accuracy):
    # Your code here.
    raise NotImplementedError("Exercise A: write my_pareto_frontier")


# %% slideshow={"slide_type": "skip"}
check.pareto_frontier(my_pareto_frontier)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise B: accuracy density
#
# Write `my_accuracy_density(top1, params)`: top-1 accuracy (in %) per million
# parameters, for arrays of models (Bianco et al.'s second view). The check compares with
# `comparison.accuracy_density`.

# %% slideshow={"slide_type": "skip"}
def my_accuracy_density(top1, params):
    # Your code here.
    raise NotImplementedError("Exercise B: write my_accuracy_density")


# %% slideshow={"slide_type": "skip"}
check.accuracy_density(my_accuracy_density)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise C: "GFLOPs" as the papers count them
#
# Papers' "GFLOPs" are usually billions of *multiply-adds*; `count_flops` counts a
# multiply-add as 2 FLOPs. Write `my_gmacs(flops)` that turns our FLOP count into the
# number a paper's table would show. The check uses `count_flops` of a small model.

# %% slideshow={"slide_type": "skip"}
def my_gmacs(flops):
    # Your code here.
    raise NotImplementedError("Exercise C: write my_gmacs")


# %% slideshow={"slide_type": "skip"}
check.gmacs(my_gmacs)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiments
#
# 1. Compare like with like: in `data/imagenet_accuracy.csv`, make the primary rows of
#    `ConvNeXtBase` and `ConvNeXtLarge` the ImageNet-1K trained figures of the ConvNeXt README
#    (83.8 % and 84.3 % top-1 at 224x224; there is no ImageNet-1K ConvNeXt-XL), with that
#    source, and drop `ConvNeXtXLarge`. Re-run the notebook: which models close the frontiers now?
#    *Laptop CPU: about as long as the notebook's full run (5.9 min in the stored run on 2
#    CPU cores, which counted every model afresh; less with the counts cached).* *A good
#    answer* lists the frontier models before and after, with the two changed rows.
# 2. Redraw view 1 with the `macs` column (conv and classifier multiply-adds only) instead
#    of `gflops`. Which models move most, and why? (Hint: BN and element-wise work.)
#    *Laptop CPU: under 1 min.* *A good answer* names the models whose ratio of FLOPs to
#    2 x MACs is largest and ties it to their share of BN, activation and element-wise
#    layers.

# %% [markdown] slideshow={"slide_type": "subslide"}
# 3. Measure latency at batch size 32 instead of 1 (`comparison.measure_latencies(...,
#    batch_size=32)`). Does the spread of ms per GFLOP shrink? Which models gain the most?
#    *Laptop CPU: a few minutes per model; start with 5 models of different families.*
#    *A good answer* tabulates ms per image and ms per GFLOP at both batch sizes and
#    explains which layer kinds profit from larger batches.
# 4. Count FLOPs of `ResNet50` at 160, 224 and 320 pixels. How does the count scale with the
#    input side? And the parameter count?
#    *Laptop CPU: about 1 min.* *A good answer* shows FLOPs growing with the square of the
#    side (the ratio to 224 pixels next to $(s/224)^2$) and parameters not changing.
# 5. Use the Cadene rows (`weights == "Cadene PyTorch port"`) as the primary accuracies.
#    Does any model change its place on the frontier?
#    *Laptop CPU: under 1 min.* *A good answer* lists the models whose accuracy changed,
#    by how much, and the frontier before and after.

# %% [markdown] slideshow={"slide_type": "skip"}
# How long this notebook took, top to bottom, on the machine that ran it:

# %% slideshow={"slide_type": "skip"}
print(f"elapsed: {(time.perf_counter() - NOTEBOOK_START) / 60:.1f} min "
      f"({'quick' if runtime.quick_mode() else 'full'} run, {os.cpu_count()} CPU cores)")
