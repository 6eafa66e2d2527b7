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
# # 04 · Ensembles and deep feature fusion: how ILSVRC 2016 was won
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/convnet-course/notable-convnets-iii/blob/main/notebooks/04_ensembles.ipynb)
#
# The ILSVRC 2016 classification task was won without a new architecture: the team
# Trimps-Soushen combined several existing, well-known networks. This chapter takes that
# idea apart on a small scale.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **What you will learn**
#
# - why an ensemble helps only when its members make *different* mistakes (a short
#   calculation, then measurements);
# - four ways to combine classifiers: majority voting (and what to do with ties),
#   averaging probabilities, weights fitted on a validation split, and *deep feature
#   fusion* (a small head trained on the frozen members' penultimate features);
# - how to look at models class by class: no single model is best everywhere;
# - how to tell a real improvement from noise with a paired bootstrap interval;
# - what an ensemble costs: its parameters and FLOPs add up.
#
# We train four small networks from the earlier chapters of this course on Fashion-MNIST
# (Inception-ResNet, Xception, DenseNet-BC and SE-ResNet variants) and combine them. The
# combination rules live in `convnet_lib.ensembles`; this notebook shows each idea in a few
# lines and then uses the library version.

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
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import dataclasses

from convnet_lib import cache, complexity, data, ensembles, metrics, plotting, runtime, training
from convnet_lib.models import available_models, build_model

NOTEBOOK_START = time.perf_counter()
plotting.set_style()
SEED = 42
runtime.set_seed(SEED)
pd.set_option("display.width", 120)
QUICK = runtime.quick_mode()
runtime.print_environment()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Motivation: ILSVRC 2016 was won by an ensemble
#
# Top-5 error on the ImageNet (ILSVRC) classification *test* set of four ensembles. The
# ResNet, Inception-v4 and SENet numbers are from their authors' papers (the Inception-v4
# ensemble is a result reported in its paper, not a competition winner); the
# Trimps-Soushen number is from the official results page. Trimps-Soushen (a team of the
# Third Research Institute of China's Ministry of Public Security) published no paper and
# no code, but presented its entry at the ILSVRC 2016 workshop at ECCV 2016, in slides
# titled *Good Practices for Deep Feature Fusion*
# (image-net.org/challenges/talks/2016/Trimps-Soushen@ILSVRC2016.pdf). According to the
# slides, as reproduced in Sik-Ho Tsang's review ("Review: Trimps-Soushen, Winner in
# ILSVRC 2016 (Image Classification)", Towards Data Science): five existing, pretrained
# networks, each with a single-model top-5 error between 3.52 % and 4.65 % on the
# validation set; their scores fused with weights (Inception-ResNet-v2 weighted higher)
# reached 2.92 % on the validation set and 2.99 % on the test set.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
ilsvrc = pd.DataFrame(
    [
        ("2015", "MSRA ResNet ensemble", 3.57,
         "He et al. 2015, arXiv:1512.03385 (abstract, Table 5)"),
        ("2016 (not the winner)", "Inception-v4 + 3x Inception-ResNet-v2", 3.08,
         "Szegedy et al. 2016, arXiv:1602.07261 (abstract)"),
        ("2016 winner", "Trimps-Soushen ensemble", 2.991,
         "ILSVRC 2016 results page, image-net.org/challenges/LSVRC/2016/results"),
        ("2017 winner", "SENet ensemble (team WMW)", 2.251,
         "Hu et al. 2017, arXiv:1709.01507 (abstract)"),
    ],
    columns=["year", "entry", "top-5 error (%)", "source"],
)
ilsvrc["relative to 2015 (%)"] = (
    100 * (ilsvrc["top-5 error (%)"] / ilsvrc.loc[0, "top-5 error (%)"] - 1)
).round(1)
print(ilsvrc.to_string(index=False))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Trimps-Soushen's members (all pretrained, existing ImageNet networks; none of them new):
#
# | member | paper |
# |---|---|
# | Inception-v3 | Szegedy et al. 2015, arXiv:1512.00567 |
# | Inception-v4 | Szegedy et al. 2016, arXiv:1602.07261 |
# | Inception-ResNet-v2 | Szegedy et al. 2016, arXiv:1602.07261 |
# | Pre-activation ResNet-200 | He et al. 2016, arXiv:1603.05027 |
# | Wide ResNet, WRN-68-2 (see below) | Zagoruyko & Komodakis 2016, arXiv:1605.07146 |
#
# The sources disagree on the Wide ResNet: Tsang's review, which reproduces the slides,
# names **WRN-68-2** (68 layers, widening factor 2); hoya012's "image classification
# guidebook" names WRN-68-3, in a list that also names Inception-v3 twice. We follow the
# source that copies the slides, WRN-68-2, and flag the disagreement.
#
# Two lessons for this chapter. First, combining strong, *different* networks was enough
# to win. Second, the gains are small in absolute terms (fractions of a percentage point
# at this level), so measuring them honestly matters: is a difference real, or noise from
# the particular test images?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The idea: different mistakes cancel out
#
# Take *M* classifiers, each right with probability *p* on a two-class problem, and let them
# vote. If their mistakes are **independent**, the majority is right more often than any
# single member (Condorcet's jury theorem): with *p* = 0.7 and 5 voters the vote is right
# with probability 0.837. If their mistakes are **correlated** (they fail on the same hard
# images), the vote gains less; if they are identical, it gains nothing.
#
# A simple model of correlation: with probability *rho* all members copy one shared outcome
# (right with probability *p*), otherwise they err independently. Each member is still
# right with probability *p*, only the overlap of mistakes changes.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
from math import comb


def vote_accuracy(members, p, rho):
    """Two classes, odd number of voters: chance that the majority is right."""
    independent = sum(comb(members, k) * p**k * (1 - p) ** (members - k)
                      for k in range(members // 2 + 1, members + 1))
    return rho * p + (1 - rho) * independent


member_counts = np.arange(1, 16, 2)
fig, axis = plt.subplots(figsize=(6, 3.8))
for rho, style in [(0.0, "o-"), (0.5, "s--"), (0.9, "^:")]:
    axis.plot(member_counts, [vote_accuracy(m, 0.7, rho) for m in member_counts],
              style, color="black", label=f"rho = {rho}")
axis.set_xlabel("number of voting models")
axis.set_ylabel("accuracy of the majority vote")
axis.set_title("Each model is right 70 % of the time")
axis.set_xticks(member_counts)
axis.legend()
fig.tight_layout()
plotting.save_figure(fig, "04_vote_vs_correlation")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
for rho in (0.0, 0.5, 0.9):
    print(f"rho = {rho}: 5 voters right {vote_accuracy(5, 0.7, rho):.3f} of the time "
          f"(one voter: 0.700)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# With ten classes the picture is even friendlier to voting (wrong votes scatter over
# nine classes, so the right class can win with fewer than half the votes), but the lesson
# holds: **diversity is what an ensemble buys**. Real networks trained on the same data
# make strongly correlated mistakes, which is why their gains are modest.
#
# The four ways of combining classifiers compared in this chapter:

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
boxes = {
    "image": (0, 5, "input image"),
    "m1": (-4.5, 3.5, "model 1"), "m2": (-1.5, 3.5, "model 2"),
    "m3": (1.5, 3.5, "model 3"), "m4": (4.5, 3.5, "model 4"),
    "probs": (-3, 2, "class probabilities\n(one vector per model)"),
    "feats": (3, 2, "penultimate features\n(frozen models)"),
    "vote": (-6, 0.5, "majority vote\n(one vote each)"),
    "avg": (-3, 0.5, "average"),
    "weighted": (0, 0.5, "weighted average\n(weights fitted on\nvalidation split)"),
    "fusion": (3, 0.5, "concatenate ->\nsmall trained head\n(deep feature fusion)"),
    "out": (-1.5, -1, "prediction"),
}
arrows = [("image", m) for m in ("m1", "m2", "m3", "m4")]
arrows += [(m, "probs") for m in ("m1", "m2")] + [(m, "feats") for m in ("m3", "m4")]
arrows += [("probs", "vote"), ("probs", "avg"), ("probs", "weighted"), ("feats", "fusion")]
arrows += [(k, "out") for k in ("vote", "avg", "weighted", "fusion")]
fig = plotting.draw_diagram(boxes, arrows, title="Four ways to combine classifiers",
                            figsize=(11, 5.5))
plotting.save_figure(fig, "04_combination_rules")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# (Every model feeds both boxes in reality; the diagram draws two arrows each to stay
# readable.)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The combination rules on three hand-made predictions
#
# Before real networks, the rules on numbers you can check by hand: three models, one
# image, three classes. Model 1 is confident it is a shirt; models 2 and 3 lean towards
# T-shirt/top.

# %%
# NBVAL_CHECK_OUTPUT
toy_classes = ["T-shirt/top", "Pullover", "Shirt"]
toy = np.array([
    [[0.05, 0.05, 0.90]],  # model 1
    [[0.55, 0.05, 0.40]],  # model 2
    [[0.55, 0.15, 0.30]],  # model 3
])  # shape (models, examples, classes)
print("averaged:        ", ensembles.average_probabilities(toy).round(4),
      "->", toy_classes[ensembles.average_probabilities(toy).argmax()])
print("votes per class: ", ensembles.vote_counts(toy),
      "->", toy_classes[ensembles.majority_vote(toy)[0]])
weighted = ensembles.weighted_average(toy, [1, 3, 3])
print("weights (1, 3, 3):", weighted.round(4), "->", toy_classes[weighted.argmax()])

# %% [markdown] slideshow={"slide_type": "subslide"}
# Averaging listens to confidence (model 1's 0.90 outweighs two lukewarm votes); voting
# counts heads; weights decide how much each model's confidence counts. Averaging is just
# a mean over the model axis, as the library does it:

# %%
# NBVAL_CHECK_OUTPUT
print(toy.mean(axis=0), np.allclose(toy.mean(axis=0), ensembles.average_probabilities(toy)))

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Ties.** With an even number of models, votes can tie. `majority_vote` breaks a tie by
# the averaged probability of the tied classes (`tie_rule="average"`, the default), and if
# that is also equal, by the lowest class index; `tie_rule="lowest"` goes straight to the
# lowest index. Documented rules matter: an undocumented tie rule is a hidden bias towards
# class 0.

# %%
# NBVAL_CHECK_OUTPUT
tie = np.array([[[0.2, 0.1, 0.7]], [[0.6, 0.3, 0.1]]])  # one vote Shirt, one T-shirt/top
print("votes:", ensembles.vote_counts(tie)[0])
print("tie_rule='average':", toy_classes[ensembles.majority_vote(tie)[0]],
      "(averaged probabilities", ensembles.average_probabilities(tie)[0].round(2), ")")
print("tie_rule='lowest': ", toy_classes[ensembles.majority_vote(tie, tie_rule="lowest")[0]])

# %% [markdown] slideshow={"slide_type": "subslide"}
# Here the two tied classes also have the same averaged probability (0.4, up to rounding),
# so both rules give T-shirt/top. With model 1 at (0.1, 0.1, 0.8) instead, the default
# rule picks Shirt (averaged 0.45 against 0.35) and `tie_rule="lowest"` still T-shirt/top.
#
# One weight per model, or the library refuses:

# %% slideshow={"slide_type": "subslide"} tags=["raises-exception", "hide-input"]
ensembles.weighted_average(toy, [0.5, 0.5])

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Data: training, validation and test splits
#
# The members are the models of chapters 01, 02, 03 and 05, trained with the course's
# recipe (notebook 00): 10,000 training images, 3 epochs, each with the course's three
# seeds. A separate, **held-out validation split** (6,000 images, also from the training
# images, never seen in training) is used for everything an ensemble has to *learn* or
# *choose*: the weights of the weighted average, the fusion head, and which member counts
# as "the best single model". The test set (all 10,000 images in the full run) is used only
# to report.
#
# A detail that matters with short runs: every member uses BatchNormalization, whose
# moving statistics (used at test time) move only 1 % of the way per training step with
# Keras' default momentum of 0.99. In first runs of this notebook `inception_resnet_mini`
# reached 0.88-0.89 training accuracy while its validation accuracy was 0.10: the moving
# statistics lagged behind the fast-changing weights. So the course's recipe trains with
# `momentum=0.9` in every BatchNormalization layer (10 % per step).

# %%
RECIPE = training.quick_recipe()
IMAGE_SIZE = RECIPE.image_size  # 28x28 zero-padded to 32x32, the input size of the small models
SEEDS = training.course_seeds()
splits = training.fashion_mnist_splits(RECIPE)
val_ds, test_ds = splits.validation, splits.test
y_val, y_test = splits.validation_labels, splits.test_labels
print(splits.sizes() + f"; {RECIPE.epochs} epoch(s) per model; seeds {SEEDS}")
if QUICK:
    print("QUICK run: tiny subsets and 1 epoch; accuracies below are not meaningful.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. The members: four small networks from earlier chapters
#
# All four take 32x32x1 images and end in global average pooling ("avg_pool") and a
# Dense classifier ("predictions"); the pooled vector is what deep feature fusion uses.
# They differ in their building blocks, which is where diversity should come from:
#
# | model | chapter | building block |
# |---|---|---|
# | `inception_resnet_mini` | 01 Inception-v4 | multi-branch modules with scaled residual additions |
# | `xception_mini` | 02 Xception | depthwise separable convolutions |
# | `densenet_bc_mini` | 03 DenseNet | dense connectivity, bottleneck + compression |
# | `se_resnet_mini` (2 units per stage) | 05 SENet | residual units with squeeze-and-excitation |

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
# name -> the builder options its chapter trained it with (the cache key includes them).
MEMBERS = {
    "inception_resnet_mini": None,
    "xception_mini": None,
    "densenet_bc_mini": None,
    "se_resnet_mini": {"depths": (2, 2, 2)},
}
rows = []
for name, options in MEMBERS.items():
    model = build_model(name, **(options or {}))
    params = complexity.count_params(model)
    rows.append({
        "model": name,
        "params": params.total,
        "trainable": params.trainable,
        "MFLOPs": complexity.count_flops(model) / 1e6,
        "feature length": model.get_layer("avg_pool").output.shape[-1],
    })
members_table = pd.DataFrame(rows).set_index("model")
print(members_table.to_string(formatters={"params": "{:,}".format, "trainable": "{:,}".format,
                                          "MFLOPs": "{:.1f}".format}))

# %% [markdown] slideshow={"slide_type": "subslide"}
# FLOPs count one forward pass of one image, a multiply-add as 2 FLOPs
# (`convnet_lib.complexity.count_flops`); parameters include BatchNormalization's moving
# statistics (non-trainable), as Keras counts them.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. The trained members, three seeds each (from the cache)
#
# `training.model_runs` trains a registered model once per seed with the recipe, and keeps
# each trained model in the cache (`convnet_lib.cache`: a `.keras` file outside the
# repository, under `~/.cache/convnet_lib/models` or `$CONVNET_CACHE_DIR/models`, whose
# name digests the model, its options, the recipe, the seed and the versions of Keras,
# TensorFlow and the library, so that a model saved by another version is never loaded).
# Chapters 01, 02, 03 and 05 trained these exact models, so here they are loaded; on a
# machine where those chapters have not run, this cell trains them first (about 17 minutes
# in those chapters' stored runs on 2 CPU cores: 1-2 minutes per model and seed, plus
# evaluation).

# %% slideshow={"slide_type": "notes"}
start = time.perf_counter()
member_runs = {name: training.model_runs(name, splits, RECIPE, options=options, keep_models=True)
               for name, options in MEMBERS.items()}
print(f"members ready in {time.perf_counter() - start:.0f} s")

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
markers = ["o-", "s--", "^:", "d-."]
for (name, runs), style in zip(member_runs.items(), markers):
    history = runs[0].history
    epochs = np.arange(1, len(history["loss"]) + 1)
    axes[0].plot(epochs, history["loss"], style, color="black", label=name)
    axes[1].plot(epochs, history["val_accuracy"], style, color="black", label=name)
axes[0].set_ylabel("training loss")
axes[1].set_ylabel("validation accuracy")
for axis in axes:
    axis.set_xlabel("epoch")
    axis.set_xticks(epochs)
axes[1].legend(fontsize=8)
fig.suptitle(f"Members trained on {len(splits.train_labels):,} images for {RECIPE.epochs} "
             "epoch(s) (seed 0)")
fig.tight_layout()
plotting.save_figure(fig, "04_member_training")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Each member on the validation and test sets
#
# One pass per member, seed and split gives both its class probabilities (for voting and
# averaging) and its pooled features (for fusion):
# `ensembles.features_and_probabilities(model, dataset)`. The best single model is chosen
# on the **validation** split (highest mean validation accuracy over the seeds), never on
# the test set.

# %% slideshow={"slide_type": "subslide"}
start = time.perf_counter()
val_features = {seed: {} for seed in SEEDS}
val_probs = {seed: {} for seed in SEEDS}
test_features = {seed: {} for seed in SEEDS}
test_probs = {seed: {} for seed in SEEDS}
for name, runs in member_runs.items():
    for run in runs:
        val_features[run.seed][name], val_probs[run.seed][name], _ = \
            ensembles.features_and_probabilities(run.model, val_ds)
        test_features[run.seed][name], test_probs[run.seed][name], _ = \
            ensembles.features_and_probabilities(run.model, test_ds)
print(f"predictions of {len(MEMBERS)} models x {len(SEEDS)} seeds on "
      f"{len(y_val) + len(y_test):,} images: {time.perf_counter() - start:.0f} s")

validation_accuracy = {name: np.mean([metrics.accuracy(y_val, val_probs[seed][name])
                                      for seed in SEEDS]) for name in MEMBERS}
best_single = max(validation_accuracy, key=validation_accuracy.get)
for name in MEMBERS:
    test_accuracy = [metrics.accuracy(y_test, test_probs[seed][name]) for seed in SEEDS]
    print(f"{name:22s} validation {validation_accuracy[name]:.3f}, test "
          f"{np.mean(test_accuracy):.3f} (mean over {len(SEEDS)} seeds; from "
          f"{min(test_accuracy):.3f} to {max(test_accuracy):.3f})")
print(f"best single model on the validation split: {best_single}")

# %% [markdown]
# `inception_resnet_mini` has the highest mean validation accuracy (0.889), so it is "the
# best single model" from here on. It is also the most accurate on the test set (0.884,
# against 0.868-0.875 for the others; section 10 tests these differences).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Per-class analysis: no model is best everywhere
#
# Overall accuracy hides where a model fails. Trimps-Soushen's slides made their case for
# an ensemble this way: the errors of their five models on the ten hardest ImageNet
# categories, where no model was best everywhere (as reproduced in Tsang's review). The
# same view here, for the models of seed 0: the accuracy within each true class (the
# per-class recall), one row per model.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
class_names = list(data.CLASS_NAMES)
per_class = metrics.per_class_accuracy_table(y_test, test_probs[SEEDS[0]], class_names)
fig, axis = plt.subplots(figsize=(11, 3.4))
image = axis.imshow(per_class.values * 100, cmap="Greys", vmin=40, vmax=100, aspect="auto")
for row in range(per_class.shape[0]):
    for col in range(per_class.shape[1]):
        value = per_class.values[row, col] * 100
        axis.text(col, row, f"{value:.0f}", ha="center", va="center", fontsize=8,
                  color="white" if value > 75 else "black")
axis.set_xticks(range(len(class_names)), class_names, rotation=30, ha="right")
axis.set_yticks(range(len(per_class)), per_class.index)
axis.set_xlabel("true class")
axis.grid(False)
fig.colorbar(image, ax=axis, label="per-class accuracy (%)")
axis.set_title("Per-class test accuracy of each member, seed 0 (%)")
fig.tight_layout()
plotting.save_figure(fig, "04_per_class_accuracy")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Rank of each model within each class (1 = best; equal accuracies share the better rank),
# and the hardest classes first:

# %% slideshow={"slide_type": "subslide"}
ranks = per_class.rank(axis=0, ascending=False, method="min").astype(int)
hardest = per_class.mean(axis=0).sort_values().index
print(ranks[hardest].to_string())
winners = per_class.idxmax(axis=0)
print("\nbest model per class:")
print(winners[hardest].to_string())
print(f"\n{winners.nunique()} of {len(MEMBERS)} models are best on at least one class; "
      f"the best single model ({best_single}) is best on {(ranks.loc[best_single] == 1).sum()} "
      f"of {len(class_names)} classes.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# In seed 0 each of the four models is best on at least one class, and
# `inception_resnet_mini` on 5 of the 10. Shirt is the hardest class for every model
# (53-65 % in the figure).
#
# **Diversity**, in two bounded numbers per pair of models (seed 0, test set):
#
# - Cohen's kappa between their predictions: 1 = they always predict the same class,
#   0 = they agree no more than chance would (`metrics.cohen_kappa`);
# - P(B wrong | A wrong): of the images A gets wrong, the share B gets wrong too
#   (`metrics.conditional_error`). If B's mistakes were independent of A's, this would be
#   B's error rate; the higher it is above that, the more the two fail together and the
#   less an ensemble of them can gain.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
predicted = {name: test_probs[SEEDS[0]][name].argmax(axis=1) for name in MEMBERS}
kappa = pd.DataFrame(index=list(MEMBERS), columns=list(MEMBERS), dtype=float)
both_wrong = pd.DataFrame(index=list(MEMBERS), columns=list(MEMBERS), dtype=float)
for a in MEMBERS:
    for b in MEMBERS:
        if a != b:
            kappa.loc[a, b] = metrics.cohen_kappa(predicted[a], predicted[b], classes=10)
            both_wrong.loc[a, b] = metrics.conditional_error(y_test, predicted[a], predicted[b])
error_rate = pd.Series({name: np.mean(predicted[name] != y_test) for name in MEMBERS})
print("error rate of each model (B's rate if independent):")
print(error_rate.round(3).to_string())
print("\nCohen's kappa between predictions:")
print(kappa.round(2).to_string(na_rep="-"))
print("\nP(column wrong | row wrong):")
print(both_wrong.round(2).to_string(na_rep="-"))
oracle = np.mean(np.logical_or.reduce([predicted[name] == y_test for name in MEMBERS]))
print(f"\nimages at least one member gets right (the 'oracle' upper bound): {oracle:.3f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# What the tables show (seed 0):
#
# - Kappa is 0.89-0.91 for every pair: the four models predict the same class on most
#   images.
# - P(B wrong | A wrong) is 0.62-0.76, five to six times B's error rate (0.112-0.137):
#   when one model is wrong, the others are often wrong on the same image. The
#   independence of section 2 is far from true.
# - At least one member is right on 0.938 of the test images, the best member alone on
#   0.888. The 'oracle' picks the right member for each image, which no rule here can
#   do; the gap shows the room left between the members.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. Combining the members
#
# All four rules, for each seed's four members, on the same test images. The weights and
# the fusion head are fitted on the validation split only.
#
# **Weights.** `fit_ensemble_weights` finds the non-negative weights (summing to one) that
# minimise the log-loss of the weighted average on the validation split.
#
# **Deep feature fusion.** Freeze the members, concatenate their pooled features, and train
# only a small head on top. The members' features do not change while the head trains, so
# we computed them once (above) and train the head on those vectors: the same computation as
# training the full fusion model, but each image goes through the members once instead of
# once per epoch. The head learns from 80 % of the validation split (4,800 labelled images
# the members never saw); the other 20 % monitor it. First the structure of the full
# fusion model:

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
feature_length = sum(members_table["feature length"])
seed0_models = [member_runs[name][0].model for name in MEMBERS]
fusion = ensembles.fusion_model(
    seed0_models, head=ensembles.fusion_head(feature_length, classes=10, dropout_rate=0.2))
for layer in fusion.layers:
    print(f"{layer.name:40s} {str(layer.output.shape):12s} "
          f"trainable {sum(int(np.prod(w.shape)) for w in layer.trainable_weights):>6,}  "
          f"total {layer.count_params():>8,}")
fusion_params = complexity.count_params(fusion)
print(f"fusion model: {fusion_params.total:,} parameters, of which trainable "
      f"{fusion_params.trainable:,} (the head: {feature_length} x 10 + 10)")

# %% slideshow={"slide_type": "notes"}
# The same recipe for the heads (Adam, cosine decay), 40 epochs: a linear layer on fixed
# features. The control head (section 10.2) sees the same images, but only the best single
# model's features.
HEAD_RECIPE = dataclasses.replace(RECIPE, epochs=runtime.choose(full=40, quick=2))
head_part = int(0.8 * len(y_val))


def train_head(train_features, test_features_, seed):
    """A fusion head trained on the first 80 % of the validation split; test predictions."""
    head = ensembles.fusion_head(train_features.shape[1], classes=10, dropout_rate=0.2)
    head_splits = training.array_splits(
        train=(train_features[:head_part], y_val[:head_part]),
        validation=(train_features[head_part:], y_val[head_part:]), batch_size=128, seed=seed)
    runtime.set_seed(seed)
    history = training.train(head, head_splits, HEAD_RECIPE, verbose=0)
    return head, history, head.predict(test_features_, batch_size=1024, verbose=0)


combined = {method: {} for method in
            ("majority vote", "average", "weighted average", "feature fusion")}
control = {}
for seed in SEEDS:
    stack_val = np.stack([val_probs[seed][name] for name in MEMBERS])
    stack_test = np.stack([test_probs[seed][name] for name in MEMBERS])
    weights = ensembles.fit_ensemble_weights(stack_val, y_val)
    print(f"seed {seed}: weights fitted on the validation split: "
          + ", ".join(f"{name} {w:.2f}" for name, w in zip(MEMBERS, weights)))
    combined["majority vote"][seed] = ensembles.majority_vote(stack_test)
    combined["average"][seed] = ensembles.average_probabilities(stack_test)
    combined["weighted average"][seed] = ensembles.weighted_average(stack_test, weights)
    fused_val = np.concatenate([val_features[seed][name] for name in MEMBERS], axis=1)
    fused_test = np.concatenate([test_features[seed][name] for name in MEMBERS], axis=1)
    head, head_history, combined["feature fusion"][seed] = train_head(fused_val, fused_test, seed)
    if seed == SEEDS[0]:
        first_head, first_head_history = head, head_history
    _, _, control[seed] = train_head(val_features[seed][best_single],
                                     test_features[seed][best_single], seed)

# Check: the full fusion model (images in) gives the head's predictions (features in).
fusion = ensembles.fusion_model(seed0_models, head=first_head)
images = next(iter(test_ds))[0][:64]
difference = np.abs(fusion.predict(images, verbose=0)
                    - combined["feature fusion"][SEEDS[0]][:64]).max()
print(f"full fusion model vs head on cached features, max difference: {difference:.1e}")

# %% slideshow={"slide_type": "subslide"}
fig = plotting.plot_history(first_head_history,
                            title="Fusion head, seed 0 (80 % / 20 % of the validation split)")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Reading the outputs above:
#
# - Over the three seeds the fitted weights give `inception_resnet_mini` 0.44-0.54,
#   `xception_mini` 0.29-0.36, `se_resnet_mini` 0.15-0.16 and the weakest member,
#   `densenet_bc_mini`, 0.00-0.07.
# - The full fusion model (images in) and the head on the cached features give the same
#   probabilities up to float rounding (largest difference 3.1e-07).
# - The head's held-out accuracy (the 20 %) levels off near 0.90 after a few epochs while
#   its training accuracy keeps rising: it fits its 4,800 images slightly better than it
#   generalises.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10. Accuracy and cost, over three seeds
#
# Cost is what running the method on one image takes. Voting, averaging and the weighted
# average all run every member, so their parameters and FLOPs are the sum of the members'
# (`ensembles.average_model` builds that as one Keras model; the averaging itself is
# negligible). Feature fusion runs every member up to its pooled features plus the head.
#
# **Is the gain real?** Each method is compared with the best single model (chosen on the
# validation split) by `metrics.paired_comparison`: the same seeds and the same test images
# for both, a bootstrap that resamples seeds and images, and a 95 % interval. If the
# interval contains 0, the difference is within noise. With three seeds the resampling of
# seeds is coarse: read the intervals as approximate.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
cost = {name: (members_table.loc[name, "params"], members_table.loc[name, "MFLOPs"] * 1e6)
        for name in MEMBERS}
ensemble_model = ensembles.average_model(seed0_models)
cost_all = (complexity.count_params(ensemble_model).total, complexity.count_flops(ensemble_model))
for method in ("majority vote", "average", "weighted average"):
    cost[method] = cost_all
cost["feature fusion"] = (fusion_params.total, complexity.count_flops(fusion))


def correct(predictions_by_seed):
    """Per seed, whether each test image is classified right: an array (seeds, images).

    A seed's predictions are probabilities (images, classes) or class indices (images,)."""
    rows = []
    for seed in SEEDS:
        predicted = np.asarray(predictions_by_seed[seed])
        rows.append((predicted.argmax(axis=1) if predicted.ndim == 2 else predicted) == y_test)
    return np.stack(rows)


single = {name: {seed: test_probs[seed][name] for seed in SEEDS} for name in MEMBERS}
rows, comparisons = [], {}
for method, predictions in {**single, **combined}.items():
    if method != best_single:
        comparisons[method] = metrics.paired_comparison(
            correct(predictions), correct(single[best_single]), method, best_single,
            resamples=runtime.choose(full=2000, quick=200))
        print(comparisons[method].line())
    result = comparisons.get(method)
    rows.append({
        "method": method,
        "mean test accuracy": correct(predictions).mean(),
        f"minus {best_single}": result.difference if result else 0.0,
        "95% low": result.low if result else 0.0,
        "95% high": result.high if result else 0.0,
        "params": cost[method][0],
        "MFLOPs": cost[method][1] / 1e6,
    })
results = pd.DataFrame(rows).set_index("method")
print()
print(results.to_string(formatters={
    "mean test accuracy": "{:.3f}".format, f"minus {best_single}": "{:+.3f}".format,
    "95% low": "{:+.3f}".format, "95% high": "{:+.3f}".format,
    "params": "{:,}".format, "MFLOPs": "{:.1f}".format}))

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig, axis = plt.subplots(figsize=(7.5, 4))
order = [method for method in results.index if method != best_single]
centre = results.loc[order, f"minus {best_single}"] * 100
axis.errorbar(centre, range(len(order)),
              xerr=[centre - results.loc[order, "95% low"] * 100,
                    results.loc[order, "95% high"] * 100 - centre],
              fmt="o", color="black", capsize=3)
axis.axvline(0, color="black", linewidth=0.8, linestyle="--")
axis.set_yticks(range(len(order)), order)
axis.invert_yaxis()
axis.set_xlabel(f"test accuracy minus {best_single}\n(percentage points, mean over "
                f"{len(SEEDS)} seeds, 95 % paired bootstrap interval)")
axis.set_title("Which differences are larger than the noise?")
fig.tight_layout()
plotting.save_figure(fig, "04_ensemble_vs_best_single")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Against the best single model (`inception_resnet_mini`, 0.884 test accuracy):
#
# - the three other members are worse, all three intervals below zero (-0.010, -0.017
#   and -0.012);
# - all four ensembles are better, all four intervals above zero: majority vote and
#   averaging +0.004 (95 % CI +0.001 to +0.007), the weighted average +0.005 (+0.002 to
#   +0.008), feature fusion +0.007 (+0.004 to +0.011).
#
# The gains are real but small, under one percentage point, for 4.2x the FLOPs and 4.7x
# the parameters of `inception_resnet_mini`. The ensembles are not compared with each other
# here: overlapping intervals against the same baseline do not say which rule is better
# (Experiment 5 tests one pair).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 10.1 The fair single-model control: the same FLOPs in one network
#
# An ensemble of four networks costs four networks. The fair question is not "is it better
# than one of its members?" but "is it better than **one network that costs as much**?"
# The control: `se_resnet_mini` (2 units per stage) with its stem and stage widths scaled
# by the factor whose FLOPs come closest to the four members together, trained with the
# same recipe and seeds.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"]
# NBVAL_CHECK_OUTPUT
target_flops = cost["average"][1]
candidates = {scale: (round(16 * scale), [round(w * scale) for w in (24, 48, 96)])
              for scale in (1.5, 1.6, 1.7, 1.8, 1.85, 1.9, 1.95, 2.0, 2.25, 2.5)}
flops_of = {scale: complexity.count_flops(build_model(
    "se_resnet_mini", depths=(2, 2, 2), stem_width=stem, widths=widths))
    for scale, (stem, widths) in candidates.items()}
scale = min(flops_of, key=lambda s: abs(flops_of[s] - target_flops))
WIDE = {"depths": (2, 2, 2), "stem_width": candidates[scale][0], "widths": candidates[scale][1]}
print(f"four members together: {target_flops / 1e6:.1f} MFLOPs per image")
print(f"se_resnet_mini x{scale} (stem {WIDE['stem_width']}, widths {WIDE['widths']}): "
      f"{flops_of[scale] / 1e6:.1f} MFLOPs per image")

# %%
wide_runs = training.model_runs("se_resnet_mini", splits, RECIPE, options=WIDE,
                                label=f"se_resnet_mini x{scale} (same FLOPs)")
for method in ("average", "weighted average", "feature fusion"):
    comparisons[f"{method} vs wide"] = metrics.paired_comparison(
        correct(combined[method]), np.stack([run.correct for run in wide_runs]),
        f"{method} of 4 members", "one network of the same FLOPs",
        resamples=runtime.choose(full=2000, quick=200))
    print(comparisons[f"{method} vs wide"].line())

# %% [markdown] slideshow={"slide_type": "subslide"}
# `se_resnet_mini` x1.9 (105.2 MFLOPs, 2 % more than the four members' 103.1) reached
# 0.880 test accuracy over its three seeds. All three ensembles tested against it are
# better, their intervals above zero: averaging +0.009 (95 % CI +0.003 to +0.015), the
# weighted average +0.010 (+0.003 to +0.018), feature fusion +0.012 (+0.006 to +0.018).
# At the same FLOPs per test image and the same recipe, four different small networks beat
# one wide network here. Training time was not equal: the wide network trained in about
# 2 minutes per seed, the four members in about 4.5-6 minutes together (in chapters 01,
# 02, 03 and 05, on the same 2 CPU cores).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 10.2 Feature fusion against its "more labelled data" control
#
# The fusion head learns from 4,800 labelled validation images that the members never saw.
# Part of its margin could be that extra data rather than the fusion of several networks.
# The control gives the same head, on the same images, only the best single model's
# features: what one network gains from the extra labels alone.

# %%
comparisons["fusion vs control"] = metrics.paired_comparison(
    correct(combined["feature fusion"]), correct(control), "feature fusion (4 members)",
    f"same head on {best_single} alone", resamples=runtime.choose(full=2000, quick=200))
print(comparisons["fusion vs control"].line())
comparisons["control vs single"] = metrics.paired_comparison(
    correct(control), correct(single[best_single]), f"head on {best_single}",
    f"{best_single} as trained", resamples=runtime.choose(full=2000, quick=200))
print(comparisons["control vs single"].line())

# %% [markdown] slideshow={"slide_type": "subslide"}
# The head on `inception_resnet_mini`'s features alone shows no significant difference
# from the model as trained (+0.001, 95 % CI -0.003 to +0.004): used this way, the 4,800
# extra labelled images gave one network nothing measurable. Feature fusion is better than
# that control, the interval above zero (+0.007, +0.003 to +0.011), as large a margin as
# it has over the model as trained. So fusion's gain here comes from combining the four
# networks' features, not from the extra labels. (Retraining the network on the extra
# images is a stronger control: Experiment 7.)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11. What the measurements say
#
# The conclusions below are computed from this run, not typed in.

# %% slideshow={"slide_type": "subslide"}
def verdict(result):
    if result.low > 0:
        return "better, the interval excludes 0"
    if result.high < 0:
        return "worse, the interval excludes 0"
    return "no significant difference (the interval contains 0)"


ensemble_methods = list(combined)
best_ensemble = results.loc[ensemble_methods, "mean test accuracy"].idxmax()
print(f"best single model (validation): {best_single}; best ensemble (test, for reading "
      f"only): {best_ensemble}")
for method in ensemble_methods:
    print(f"{method:17s} vs {best_single}: {verdict(comparisons[method])}")
for method in ("average", "weighted average", "feature fusion"):
    print(f"{method:17s} vs one network of the same FLOPs: "
          f"{verdict(comparisons[f'{method} vs wide'])}")
print(f"feature fusion vs the same head on {best_single} alone: "
      f"{verdict(comparisons['fusion vs control'])}")
print(f"cost of the ensembles: {cost['average'][1] / cost[best_single][1]:.1f}x the FLOPs and "
      f"{cost['average'][0] / cost[best_single][0]:.1f}x the parameters of {best_single}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# How to read these results:
#
# - **Each member** learns visibly in three epochs, but none is best on every class
#   (section 8). That is the room an ensemble can use.
# - **Mistakes overlap**: kappa is about 0.9 for every pair, and P(B wrong | A wrong) is
#   five to six times B's error rate. So the ensembles gain under one percentage point over
#   the best single model (+0.004 to +0.007), far less than independent members would
#   (section 2). On ImageNet too the gain was a fraction of a point: Trimps-Soushen's best
#   single model had 3.52 % top-5 validation error, the fused five 2.92 % (section 1).
# - **Averaging and the fitted weights** are cheap once the members exist. Both beat the
#   best single model here (+0.004 and +0.005); whether the weights beat plain averaging
#   was not tested. Fitted weights help only as far as the validation split is like the
#   test set. **Voting** throws away the members' confidence and, with four members, needs
#   a tie rule; here it had the same mean test accuracy as averaging (0.888).

# %% [markdown] slideshow={"slide_type": "subslide"}
# - **Feature fusion** had the largest margin here (+0.007). As done here it is *stacking*
#   (Wolpert 1992, "Stacked generalization"): a second-level classifier trained on held-out
#   data, on top of the frozen members' outputs (here their pooled features rather than
#   their probabilities). Trimps-Soushen's classification entry fused *scores* with
#   weights, the weighted average of this notebook. Section 10.2 showed that fusion's gain
#   comes from combining networks: the same head on one network's features made no
#   significant difference.
# - **Cost:** every ensemble here costs the sum of its members, 4.2x the FLOPs and 4.7x
#   the parameters of `inception_resnet_mini`. At the same FLOPs, one wider network
#   (section 10.1) was worse than each ensemble tested against it (by 0.009 to 0.012,
#   intervals excluding zero). Trimps-Soushen's five ImageNet networks cost, in the same
#   way, the sum of five large networks at test time.
# - The members are far from converged (10,000 images, 3 epochs); with longer training
#   every model gets better, and the margins may change (this notebook does not measure
#   that).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - The ILSVRC 2016 winner (Trimps-Soushen, 2.991 % top-5 test error, ILSVRC 2016 results
#   page) combined five existing networks with weighted score fusion; there is no paper,
#   only workshop slides (as reproduced in Tsang's review: single models 3.52-4.65 % top-5
#   error on validation, fused 2.92 %).
# - This notebook's "deep feature fusion" is stacking: a head trained on held-out data on
#   top of the frozen members' features.
# - Ensembles work when members make different mistakes; correlated mistakes limit them.
#   Here the four members' mistakes overlapped strongly (kappa about 0.9).
# - In this run (three seeds, 10,000 test images) every ensemble beat the best single model,
#   `inception_resnet_mini` (0.884), by 0.004 (vote, average) to 0.007 (feature fusion),
#   all intervals excluding zero, at 4.2x its FLOPs. The ensembles tested against one
#   wider `se_resnet_mini` of the same FLOPs (0.880) beat it too (by 0.009 to 0.012).
#   Fusion's gain did not come from its extra labelled images.
# - `convnet_lib.ensembles`: `average_probabilities`, `weighted_average`,
#   `fit_ensemble_weights` (validation split only), `majority_vote` (documented tie rule),
#   `fusion_head` / `fusion_model` (only the head trains); `convnet_lib.metrics` for
#   per-class accuracy, diversity (`cohen_kappa`, `conditional_error`) and paired
#   comparisons over seeds and test images.
# - Always report the margin over the best single model (chosen on validation data) with an
#   interval and the cost, and compare with one network of the same cost (section 10.1).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# **Exercises that check themselves (A, B, C, ...).** Each has a cell with a function for
# you to write (it raises `NotImplementedError` until you do) and a cell that checks it. The
# check compares your function with the library's own version (output shape, parameter
# count, the outputs on the same random weights and inputs, or the value of a formula on
# several cases), prints what is right, what is wrong and a hint for the typical mistake,
# and returns True or False. Checks run offline, on Colab too, in a few seconds each.
# Stuck? In a new cell, run `%load ../solutions/ch04_ensembles.py`: it loads the
# solutions (run that cell twice: the first run inserts the code). Try the hints first.
#
# **Experiments (1, 2, ...)** are open-ended: no check; each states its expected run time
# on a laptop CPU (estimated from this notebook's stored full run on 2 CPU cores) and what
# a good answer contains.

# %% slideshow={"slide_type": "skip"}
import numpy as np

from convnet_lib.exercises import ch04 as check

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise A: a weighted average of the members' probabilities
#
# Write `my_weighted_average(logits, weights)`: `logits` is an array (models, examples,
# classes) of the members' outputs *before* softmax (`classifier_activation=None`),
# `weights` one non-negative number per model, not necessarily summing to one. Return the
# ensemble's probabilities, an array (examples, classes) whose rows sum to one. The check
# compares with `ensembles.weighted_average`.

# %% slideshow={"slide_type": "skip"}
def my_weighted_average(logits, weights):
    # Your code here.
    raise NotImplementedError("Exercise A: write my_weighted_average")


# %% slideshow={"slide_type": "skip"}
check.weighted_average(my_weighted_average)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise B: majority vote
#
# Write `my_majority_vote(probabilities)` for an array (models, examples, classes): every
# model votes for its most probable class; return the most-voted class per example (an
# int array (examples,)), ties going to the lowest class index. (The library's default
# breaks ties by the averaged probability instead; the check uses
# `ensembles.majority_vote(..., tie_rule="lowest")`.)

# %% slideshow={"slide_type": "skip"}
def my_majority_vote(probabilities):
    # Your code here.
    raise NotImplementedError("Exercise B: write my_majority_vote")


# %% slideshow={"slide_type": "skip"}
check.majority_vote(my_majority_vote)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise C: the log-loss
#
# Write `my_log_loss(probabilities, labels)` for an array (examples, classes) and int
# labels: the mean over examples of $-\ln p_{\text{true class}}$, the quantity the weights
# of section 9 are fitted to minimise. The check compares with `ensembles.log_loss`.

# %% slideshow={"slide_type": "skip"}
def my_log_loss(probabilities, labels):
    # Your code here.
    raise NotImplementedError("Exercise C: write my_log_loss")


# %% slideshow={"slide_type": "skip"}
check.log_loss(my_log_loss)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiments
#
# 1. Drop one member at a time and recompute the averaged ensemble. Which member matters
#    most? Is it the most accurate one, or the most *different* one (look at the overlap
#    table)?
#    *Laptop CPU: under 1 min with the cached members.* *A good answer* tabulates the
#    four leave-one-out accuracies with bootstrap intervals against the full ensemble and
#    relates the largest drop to accuracy and to disagreement.
# 2. Train the same architecture (say `se_resnet_mini`) four times with different seeds and
#    average those. Compare with the four-architecture ensemble at a similar cost.
#    *Laptop CPU: about 5 min (`se_resnet_mini` with 2 units per stage trained in about
#    1 min per seed in notebook 05's stored run on 2 CPU cores).*
#    *A good answer* compares the two ensembles' test accuracy with a paired bootstrap
#    interval and their cost, and says which kind of diversity helped more here.
# 3. Fit the weights on the *test* set and report the test accuracy. Why is that number
#    not to be trusted? How big is the difference here?
#    *Laptop CPU: under 1 min.* *A good answer* shows both accuracies and explains that
#    choices fitted on the test set make its accuracy an optimistic estimate.

# %% [markdown] slideshow={"slide_type": "subslide"}
# 4. Give the fusion head a hidden layer (`hidden_units=64`) and more dropout. Does it beat
#    averaging? Watch the held-out curve.
#    *Laptop CPU: about 2 min.* *A good answer* shows the held-out curve, the test accuracy
#    against averaging with a paired interval, and says whether the head overfits the
#    validation images it is trained on.
# 5. Compute the bootstrap interval for the difference between averaging and voting. Are
#    they distinguishable on 10,000 test images?
#    *Laptop CPU: under 1 min.* *A good answer* gives the difference, its interval, and
#    says plainly whether the interval includes zero.
# 6. Snapshot ensembles (Huang et al. 2017, arXiv:1704.00109) get several members from a
#    single training run with a cyclic learning rate. Try two cycles of `se_resnet_mini`.
#    *Laptop CPU: about 5 min.* *A good answer* compares the two-snapshot ensemble with
#    its last snapshot and with two independently trained members, at equal training time.
# 7. Section 10.2 controls fusion's extra labelled data with a head on one model's
#    features. A stronger control: retrain the best single model (three seeds) on its
#    10,000 training images plus the 4,800 images the fusion head learns from, and compare
#    again (`training.array_splits` or a `Recipe` with more `train_examples`).
#    *Laptop CPU: about 10 min.* *A good answer* reports the new single-model and fusion
#    accuracies with a paired interval and says how much of fusion's gain remains.

# %% [markdown] slideshow={"slide_type": "skip"}
# How long this notebook took, top to bottom, on the machine that ran it:

# %% slideshow={"slide_type": "skip"}
print(f"elapsed: {(time.perf_counter() - NOTEBOOK_START) / 60:.1f} min "
      f"({'quick' if runtime.quick_mode() else 'full'} run, {os.cpu_count()} CPU cores)")
