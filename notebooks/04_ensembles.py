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
# # Ensembles and deep feature fusion: how ILSVRC 2016 was won
#
# The ILSVRC 2016 classification task was won without a new architecture: the team
# Trimps-Soushen combined several existing, well-known networks. This chapter takes that
# idea apart on a small scale.
#
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

# %%
import os
import platform
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from convnet_lib import complexity, data, ensembles, plotting, training
from convnet_lib.models import available_models, build_model

NOTEBOOK_START = time.perf_counter()
plotting.set_style()
SEED = 42
training.set_seed(SEED)
pd.set_option("display.width", 120)
QUICK = training.quick_mode()
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}, "
      f"{'QUICK' if QUICK else 'FULL'} run")

# %% [markdown]
# ## 1. Motivation: ILSVRC 2016 was won by an ensemble
#
# Top-5 error on the ImageNet (ILSVRC) classification *test* set of four ensembles. The
# ResNet, Inception-v4 and SENet numbers are from their authors' papers (the Inception-v4
# ensemble is a result reported in its paper, not a competition winner); the
# Trimps-Soushen number is from the official results page. Trimps-Soushen published **no paper** (and no
# code): the list of its members comes from secondary sources (blog posts summarising the
# ILSVRC 2016 presentation, e.g. hoya012's "image classification guidebook"), so treat it
# as unverified. No per-model numbers of that ensemble could be found.

# %%
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

# %% [markdown]
# Trimps-Soushen's members, as the secondary sources describe them (all pretrained,
# existing ImageNet networks; none of them new):
#
# | member | paper |
# |---|---|
# | Inception-v3 | Szegedy et al. 2015, arXiv:1512.00567 |
# | Inception-v4 | Szegedy et al. 2016, arXiv:1602.07261 |
# | Inception-ResNet-v2 | Szegedy et al. 2016, arXiv:1602.07261 |
# | Pre-activation ResNet-200 | He et al. 2016, arXiv:1603.05027 |
# | Wide ResNet (WRN-68-3) | Zagoruyko & Komodakis 2016, arXiv:1605.07146 |
#
# Two lessons for this chapter. First, combining strong, *different* networks was enough
# to win. Second, the gains are small in absolute terms (fractions of a percentage point
# at this level), so measuring them honestly matters: is a difference real, or noise from
# the particular test images?

# %% [markdown]
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

# %%
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

# %% [markdown]
# With ten classes the picture is even friendlier to voting (wrong votes scatter over
# nine classes, so the right class can win with fewer than half the votes), but the lesson
# holds: **diversity is what an ensemble buys**. Real networks trained on the same data
# make strongly correlated mistakes, which is why their gains are modest.
#
# The four ways of combining classifiers compared in this chapter:

# %%
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

# %% [markdown]
# (Every model feeds both boxes in reality; the diagram draws two arrows each to stay
# readable.)
#
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

# %% [markdown]
# Averaging listens to confidence (model 1's 0.90 outweighs two lukewarm votes); voting
# counts heads; weights decide how much each model's confidence counts. Averaging is just
# a mean over the model axis, as the library does it:

# %%
# NBVAL_CHECK_OUTPUT
print(toy.mean(axis=0), np.allclose(toy.mean(axis=0), ensembles.average_probabilities(toy)))

# %% [markdown]
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

# %% [markdown]
# One weight per model, or the library refuses:

# %% tags=["raises-exception"]
ensembles.weighted_average(toy, [0.5, 0.5])

# %% [markdown]
# ## 4. Data: training, validation and test splits
#
# The members are trained on a subset of the Fashion-MNIST training images. A separate,
# **held-out validation split** (also from the training images, never seen in training)
# is used for everything an ensemble has to *learn*: the weights of the weighted average
# and the fusion head. The test set (all 10,000 images in the full run) is used only to
# report.
#
# A detail that matters with short runs: every member uses BatchNormalization, whose
# moving statistics (used at test time) move only 1 % of the way per training step with
# Keras' default momentum of 0.99. In first runs of this notebook (5,000 images, 3 epochs)
# `inception_resnet_mini` reached 0.88-0.89 training accuracy while its validation
# accuracy was 0.10 (batches of 128, 120 steps) or 0.67 (batches of 32, 470 steps): the
# moving statistics lagged behind the fast-changing weights. So we train with
# `momentum=0.9` in every BatchNormalization layer (10 % per step) and batches of 64.

# %%
TRAIN_SIZE = training.choose(full=5_000, quick=256)
VALIDATION_SIZE = training.choose(full=3_000, quick=256)
TEST_SIZE = training.choose(full=None, quick=500)  # None: all 10,000 test images
EPOCHS = training.choose(full=3, quick=1)
BATCH_SIZE = 64
BN_MOMENTUM = 0.9  # instead of Keras' 0.99, for short runs (see above)
IMAGE_SIZE = 32  # 28x28 zero-padded to 32x32, the input size of the small models

(x_all, y_all), (x_test, y_test) = data.load_fashion_mnist()
(x_rest, y_rest), (x_val, y_val) = data.train_validation_split(
    x_all, y_all, validation_fraction=VALIDATION_SIZE / len(x_all), seed=SEED)
x_train, y_train = data.subset(x_rest, y_rest, TRAIN_SIZE, seed=SEED)
x_test, y_test = data.subset(x_test, y_test, TEST_SIZE, seed=SEED) if TEST_SIZE else (x_test, y_test)

train_ds = data.make_dataset(x_train, y_train, BATCH_SIZE, IMAGE_SIZE, shuffle=True, seed=SEED)
val_ds = data.make_dataset(x_val, y_val, 256, IMAGE_SIZE)
test_ds = data.make_dataset(x_test, y_test, 256, IMAGE_SIZE)
print(f"train {len(x_train):,}  validation {len(x_val):,}  test {len(x_test):,} images; "
      f"{EPOCHS} epoch(s) per model")
if QUICK:
    print("QUICK run: tiny subsets and 1 epoch; accuracies below are not meaningful.")

# %% [markdown]
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
# | `se_resnet_mini` | 05 SENet | residual units with squeeze-and-excitation |

# %%
# NBVAL_CHECK_OUTPUT
MEMBERS = ["inception_resnet_mini", "xception_mini", "densenet_bc_mini", "se_resnet_mini"]
missing = [name for name in MEMBERS if name not in available_models()]
if missing:
    raise RuntimeError(f"These models are not in convnet_lib.models yet: {missing}")

rows = []
for name in MEMBERS:
    model = build_model(name, input_shape=(IMAGE_SIZE, IMAGE_SIZE, 1), classes=10)
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

# %% [markdown]
# FLOPs count one forward pass of one image, a multiply-add as 2 FLOPs
# (`convnet_lib.complexity.count_flops`); parameters include BatchNormalization's moving
# statistics (non-trainable), as Keras counts them.
#
# ## 6. Train the members (or load them from the cache)
#
# Each trained member is saved as a `.keras` file outside the repository, in
# `ensembles.cache_dir()` (`~/.cache/convnet_lib/ensembles`, or `$CONVNET_CACHE_DIR`),
# under a name that records the mode, training-set size, epochs and seed. A re-run loads
# them instead of training; set `RETRAIN = True` to train again.

# %%
RETRAIN = False  # True: train every member again and overwrite the cache


def train_member(name, seed):
    """Builds, compiles and trains one member; returns (model, history)."""
    training.set_seed(seed)
    model = build_model(name, input_shape=(IMAGE_SIZE, IMAGE_SIZE, 1), classes=10)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = BN_MOMENTUM
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, verbose=2)
    return model, history


print(f"cache: {ensembles.cache_dir()}")
print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores ({platform.processor() or 'unknown CPU'}), "
      f"load average at start {os.getloadavg()[0]:.1f} (a shared machine: timings are rough)")
models, histories, train_seconds = {}, {}, {}
for index, name in enumerate(MEMBERS):
    key = (f"{name}-{'quick' if QUICK else 'full'}-n{TRAIN_SIZE}-e{EPOCHS}-b{BATCH_SIZE}"
           f"-bn{BN_MOMENTUM}-seed{SEED + index}")
    start = time.perf_counter()
    print(f"--- {name}")
    models[name], histories[name], trained = ensembles.load_or_train(
        key, lambda: train_member(name, SEED + index), retrain=RETRAIN)
    train_seconds[name] = time.perf_counter() - start
    print(f"{'trained' if trained else 'loaded from cache'} in {train_seconds[name]:.0f} s")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
markers = ["o-", "s--", "^:", "d-."]
for (name, history), style in zip(histories.items(), markers):
    epochs = np.arange(1, len(history["loss"]) + 1)
    axes[0].plot(epochs, history["loss"], style, color="black", label=name)
    axes[1].plot(epochs, history["val_accuracy"], style, color="black", label=name)
axes[0].set_ylabel("training loss")
axes[1].set_ylabel("validation accuracy")
for axis in axes:
    axis.set_xlabel("epoch")
    axis.set_xticks(epochs)
axes[1].legend(fontsize=8)
fig.suptitle(f"Members trained on {len(x_train):,} images for {EPOCHS} epoch(s)")
fig.tight_layout()
plotting.save_figure(fig, "04_member_training")
plt.show()

# %% [markdown]
# ## 7. Each member on the test set
#
# One pass per member and split gives both its class probabilities (for voting and
# averaging) and its pooled features (for fusion):
# `ensembles.features_and_probabilities(model, dataset)`.

# %%
start = time.perf_counter()
val_features, val_probs, test_features, test_probs = {}, {}, {}, {}
for name, model in models.items():
    val_features[name], val_probs[name], _ = ensembles.features_and_probabilities(model, val_ds)
    test_features[name], test_probs[name], _ = ensembles.features_and_probabilities(model, test_ds)
print(f"predictions of {len(models)} models on {len(x_val) + len(x_test):,} images: "
      f"{time.perf_counter() - start:.0f} s")

single_accuracy = {}
for name in MEMBERS:
    single_accuracy[name] = ensembles.report_accuracy(y_test, test_probs[name], label=name)
best_single = max(single_accuracy, key=single_accuracy.get)
print(f"best single model on the test set: {best_single}")

# %% [markdown]
# ## 8. Per-class analysis: no model is best everywhere
#
# Overall accuracy hides where a model fails. Like the lists of hardest categories often
# shown for ImageNet models, look at the accuracy within each true class (the per-class
# recall), one row per model.

# %%
class_names = list(data.CLASS_NAMES)
per_class = ensembles.per_class_accuracy_table(y_test, test_probs, class_names)
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
axis.set_title("Per-class test accuracy of each member (%)")
fig.tight_layout()
plotting.save_figure(fig, "04_per_class_accuracy")
plt.show()

# %% [markdown]
# Rank of each model within each class (1 = best; equal accuracies share the better rank),
# and the hardest classes first:

# %%
ranks = per_class.rank(axis=0, ascending=False, method="min").astype(int)
hardest = per_class.mean(axis=0).sort_values().index
print(ranks[hardest].to_string())
winners = per_class.idxmax(axis=0)
print("\nbest model per class:")
print(winners[hardest].to_string())
overall_best_everywhere = (ranks.loc[best_single] == 1).all()
print(f"\n{winners.nunique()} of {len(MEMBERS)} models are best on at least one class; "
      f"the best overall model ({best_single}) is best on {(ranks.loc[best_single] == 1).sum()} "
      f"of {len(class_names)} classes"
      + (" (every class)." if overall_best_everywhere else ", not on every class."))

# %% [markdown]
# Diversity in one number per pair of models: how often are *both* wrong on the same test
# image, compared with what independent mistakes would give (the product of their error
# rates)? A ratio of 1 would mean independent mistakes; the larger it is, the more the two
# models fail together and the less an ensemble of them can gain.

# %%
wrong = {name: test_probs[name].argmax(axis=1) != y_test for name in MEMBERS}
overlap = pd.DataFrame(index=MEMBERS, columns=MEMBERS, dtype=float)
for a in MEMBERS:
    for b in MEMBERS:
        if a != b:
            both = np.mean(wrong[a] & wrong[b])
            overlap.loc[a, b] = both / (wrong[a].mean() * wrong[b].mean())
print("test error rates:", ", ".join(f"{name} {wrong[name].mean():.3f}" for name in MEMBERS))
print("both wrong / (error rate a x error rate b):")
print(overlap.round(1).to_string(na_rep="-"))
oracle = np.mean(~np.logical_and.reduce([wrong[name] for name in MEMBERS]))
print(f"\nimages at least one member gets right (the 'oracle' upper bound): {oracle:.3f}")

# %% [markdown]
# ## 9. Combining the members
#
# All four rules on the same test images. The weights and the fusion head are fitted on the
# validation split only.
#
# **Weights.** `fit_ensemble_weights` finds the non-negative weights (summing to one) that
# minimise the log-loss of the weighted average on the validation split.

# %%
stack = lambda probs: np.stack([probs[name] for name in MEMBERS])  # (models, examples, classes)
weights = ensembles.fit_ensemble_weights(stack(val_probs), y_val)
print("weights fitted on the validation split:",
      ", ".join(f"{name} {w:.2f}" for name, w in zip(MEMBERS, weights)))

combined = {
    "majority vote": ensembles.majority_vote(stack(test_probs)),
    "average": ensembles.average_probabilities(stack(test_probs)),
    "weighted average": ensembles.weighted_average(stack(test_probs), weights),
}

# %% [markdown]
# **Deep feature fusion.** Freeze the members, concatenate their pooled features, and train
# only a small head on top. The members' features do not change while the head trains, so
# we compute them once (above) and train the head on those vectors: the same computation as
# training the full fusion model, but each image goes through the members once instead of
# once per epoch. First the structure of the full fusion model:

# %%
# NBVAL_CHECK_OUTPUT
feature_length = sum(test_features[name].shape[1] for name in MEMBERS)
head = ensembles.fusion_head(feature_length, classes=10, dropout_rate=0.2)
fusion = ensembles.fusion_model([models[name] for name in MEMBERS], head=head)
for layer in fusion.layers:
    print(f"{layer.name:40s} {str(layer.output.shape):12s} "
          f"trainable {sum(int(np.prod(w.shape)) for w in layer.trainable_weights):>6,}  "
          f"total {layer.count_params():>8,}")
fusion_params = complexity.count_params(fusion)
print(f"fusion model: {fusion_params.total:,} parameters, of which trainable "
      f"{fusion_params.trainable:,} (the head: {feature_length} x 10 + 10)")

# %%
HEAD_EPOCHS = training.choose(full=40, quick=2)
training.set_seed(SEED)
head.compile(optimizer=keras.optimizers.Adam(1e-3),
             loss="sparse_categorical_crossentropy", metrics=["accuracy"])
val_fused = np.concatenate([val_features[name] for name in MEMBERS], axis=1)
test_fused = np.concatenate([test_features[name] for name in MEMBERS], axis=1)
head_history = head.fit(val_fused, y_val, epochs=HEAD_EPOCHS, batch_size=128,
                        validation_split=0.2, verbose=0)
print(f"fusion head trained for {HEAD_EPOCHS} epochs on {int(0.8 * len(val_fused)):,} "
      f"validation images (the other 20 % of the validation split monitor it):")
print(f"  last epoch: training accuracy {head_history.history['accuracy'][-1]:.3f}, "
      f"held-out accuracy {head_history.history['val_accuracy'][-1]:.3f}")
combined["feature fusion"] = head.predict(test_fused, batch_size=1024, verbose=0)

# Check: the full fusion model (images in) gives the head's predictions (features in).
check = slice(0, 64)
images = data.preprocess(x_test[check], image_size=IMAGE_SIZE)
difference = np.abs(fusion.predict(images, verbose=0) - combined["feature fusion"][check]).max()
print(f"full fusion model vs head on cached features, max difference: {difference:.1e}")

# %%
fig = plotting.plot_history(head_history, title="Fusion head (validation split)")
plt.show()

# %% [markdown]
# ## 10. One table: accuracy and cost
#
# Cost is what running the method on one image takes. Voting, averaging and the weighted
# average all run every member, so their parameters and FLOPs are the sum of the members'
# (`ensembles.average_model` builds that as one Keras model; the averaging itself is
# negligible). Feature fusion runs every member up to its pooled features plus the head.

# %%
# NBVAL_CHECK_OUTPUT
ensemble_model = ensembles.average_model([models[name] for name in MEMBERS])
cost = {name: (complexity.count_params(models[name]).total,
               complexity.count_flops(models[name])) for name in MEMBERS}
cost_all = (complexity.count_params(ensemble_model).total,
            complexity.count_flops(ensemble_model))
for method in ("majority vote", "average", "weighted average"):
    cost[method] = cost_all
cost["feature fusion"] = (fusion_params.total, complexity.count_flops(fusion))
cost_table = pd.DataFrame(cost, index=["params", "FLOPs"]).T
cost_table["MFLOPs"] = cost_table["FLOPs"] / 1e6
print(cost_table[["params", "MFLOPs"]].to_string(
    formatters={"params": "{:,}".format, "MFLOPs": "{:.1f}".format}))

# %%
for method, predicted in combined.items():
    ensembles.report_accuracy(y_test, predicted, label=method)

# %% [markdown]
# **Is the gain real?** The test set is a sample; another 10,000 images would give
# slightly different accuracies. A paired bootstrap resamples the test images (with
# replacement) and recomputes *accuracy of the ensemble minus accuracy of the best single
# model* on each resample, both scored on the same images. If the 95 % interval contains 0,
# the difference is within noise. (Choosing the best single model *on the test set* favours
# the single model, so the comparison is, if anything, conservative for the ensembles;
# picking the best *ensemble* on the test set, on the other hand, favours the ensembles.)

# %%
RESAMPLES = training.choose(full=2000, quick=200)
rows = []
for method, predicted in {**{name: test_probs[name] for name in MEMBERS}, **combined}.items():
    result = ensembles.bootstrap_accuracy_difference(
        y_test, predicted, test_probs[best_single], resamples=RESAMPLES, seed=SEED)
    rows.append({
        "method": method,
        "test accuracy": ensembles.accuracy(y_test, predicted),
        f"minus {best_single}": result.difference,
        "95% low": result.low,
        "95% high": result.high,
        "params": cost[method][0],
        "MFLOPs": cost[method][1] / 1e6,
    })
results = pd.DataFrame(rows).set_index("method")
print(results.to_string(formatters={
    "test accuracy": "{:.3f}".format, f"minus {best_single}": "{:+.3f}".format,
    "95% low": "{:+.3f}".format, "95% high": "{:+.3f}".format,
    "params": "{:,}".format, "MFLOPs": "{:.1f}".format}))

# %%
fig, axis = plt.subplots(figsize=(7.5, 4))
order = results.index
centre = results[f"minus {best_single}"] * 100
axis.errorbar(centre, range(len(order)),
              xerr=[centre - results["95% low"] * 100, results["95% high"] * 100 - centre],
              fmt="o", color="black", capsize=3)
axis.axvline(0, color="black", linewidth=0.8, linestyle="--")
axis.set_yticks(range(len(order)), order)
axis.invert_yaxis()
axis.set_xlabel(f"test accuracy minus {best_single} (percentage points, 95 % bootstrap interval)")
axis.set_title("Which differences are larger than the noise?")
fig.tight_layout()
plotting.save_figure(fig, "04_ensemble_vs_best_single")
plt.show()

# %% [markdown]
# ## 11. What the measurements say
#
# The numbers below are computed from this run, not typed in.

# %%
ensemble_methods = list(combined)
best_ensemble = results.loc[ensemble_methods, "test accuracy"].idxmax()
margin = results.loc[best_ensemble]
print(f"best single model: {best_single}, test accuracy {single_accuracy[best_single]:.3f}")
print(f"best ensemble:     {best_ensemble}, test accuracy {margin['test accuracy']:.3f}")
print(f"margin: {margin[f'minus {best_single}'] * 100:+.2f} percentage points, 95 % bootstrap "
      f"interval [{margin['95% low'] * 100:+.2f}, {margin['95% high'] * 100:+.2f}] "
      f"over {len(y_test):,} test images")
if margin["95% low"] > 0:
    print("-> the interval excludes 0: the gain is larger than the test-set noise.")
else:
    print("-> the interval contains 0: this gain is within noise; do not claim it.")
within_noise = [m for m in ensemble_methods if results.loc[m, "95% low"] <= 0]
print(f"ensembles whose gain over {best_single} is within noise: {within_noise or 'none'}")
print(f"cost: {cost[best_ensemble][1] / cost[best_single][1]:.1f}x the FLOPs and "
      f"{cost[best_ensemble][0] / cost[best_single][0]:.1f}x the parameters of {best_single}")
print(f"\nwhole notebook: {(time.perf_counter() - NOTEBOOK_START) / 60:.1f} min "
      f"(member training {sum(train_seconds.values()) / 60:.1f} min) on "
      f"{os.cpu_count()} shared CPU cores, {'QUICK' if QUICK else 'FULL'} run")

# %% [markdown]
# How to read these results:
#
# - **Each member** learns visibly in a few epochs, but none is best on every class: the
#   per-class ranks in section 8 change from class to class. That is the room an ensemble
#   can use; the "oracle" line is its (unreachable) ceiling. After so few steps the
#   validation accuracy is noisy and can even fall from one epoch to the next (see the
#   curves in section 6); we keep the last epoch's weights, a fixed budget without early
#   stopping.
# - **Mistakes overlap** far more than independence would predict (ratios well above 1),
#   so the gain is far below what independent members would give (section 2). The same
#   effect limits ensemble gains on ImageNet to fractions of a point.
# - **Averaging and the fitted weights** are cheap to add once the members exist; the
#   fitted weights can only help as much as the validation split is like the test set.
#   Look at the weights printed in section 9: in the stored run they give the weakest
#   member, `densenet_bc_mini`, a weight of 0.00 (to two decimals).
#   **Voting** throws away the members' confidence, and with an even number of members
#   it needs a tie rule.
# - **Feature fusion** learns a new classifier from the members' features and needs a
#   held-out split of its own to watch for overfitting. Be careful what its margin means:
#   its head learns from labelled validation images that the members never saw, so part
#   of its advantage may simply be *more training data* (exercise 7 checks this).
# - **Cost:** every ensemble here costs the sum of its members, several times the FLOPs of
#   the best single model. Trimps-Soushen's five ImageNet networks cost, in the same way,
#   the sum of five large networks at test time.
#
# With the short training budget of this notebook (5,000 training images, 3 epochs) the
# members are far from converged; with longer training every member gets better, and the
# ensemble's margin may shrink (this notebook does not measure that). For scale: the
# single `densenet_bc_mini` and `se_resnet_mini` of chapters 03 and 05, trained on the
# whole training set, reach a higher test accuracy than every ensemble here (see their
# stored outputs). Check the margin and its interval above before drawing a conclusion.
#
# ## Summary
#
# - The ILSVRC 2016 winner (Trimps-Soushen, 2.991 % top-5 error) combined existing
#   networks; there is no paper, and the list of its members is from secondary sources.
# - Ensembles work when members make different mistakes; correlated mistakes limit them.
# - `convnet_lib.ensembles`: `average_probabilities`, `weighted_average`,
#   `fit_ensemble_weights` (validation split only), `majority_vote` (documented tie rule),
#   `fusion_head` / `fusion_model` (only the head trains), `per_class_accuracy_table`,
#   `bootstrap_accuracy_difference`, and `load_or_train` for the cache.
# - Always report the margin over the best single model with an interval, and the cost.
#
# ## Exercises
#
# 1. Drop one member at a time and recompute the averaged ensemble. Which member matters
#    most? Is it the most accurate one, or the most *different* one (look at the overlap
#    table)?
# 2. Train the same architecture (say `se_resnet_mini`) four times with different seeds and
#    average those. Compare with the four-architecture ensemble at a similar cost.
# 3. Fit the weights on the *test* set and report the test accuracy. Why is that number
#    not to be trusted? How big is the difference here?
# 4. Give the fusion head a hidden layer (`hidden_units=64`) and more dropout. Does it beat
#    averaging? Watch the held-out curve.
# 5. Compute the bootstrap interval for the difference between averaging and voting. Are
#    they distinguishable on 10,000 test images?
# 6. Snapshot ensembles (Huang et al. 2017, arXiv:1704.00109) get several members from a
#    single training run with a cyclic learning rate. Try two cycles of `se_resnet_mini`.
# 7. Feature fusion uses the validation labels that the members never trained on. For a
#    fair comparison, fine-tune the best single model on the same validation images (or
#    train every member on training + validation images) and compare again.
