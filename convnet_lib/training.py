"""The course's one training recipe, the multi-seed runner and the baseline result.

Every chapter trains its small model the same way, so that accuracies are comparable:

- `Recipe`: optimizer (Adam, or AdamW with weight decay), learning rate with a cosine
  decay to zero over the run (optionally a linear warm-up), epochs, batch size, image size
  and the held-out validation fraction, in one frozen record (`DEFAULT_RECIPE`).
- `fashion_mnist_splits(recipe)`: the training, validation and test sets every chapter uses
  (validation is split off the training images; the test set is only for the end);
  `array_splits` does the same for arrays such as features of frozen models.
- `train(model, splits, recipe)`: compile and fit with the recipe, validating on the
  held-out split after every epoch.
- `run_seeds(build, seeds, splits, recipe)`: the same build trained once per seed, with
  progress and elapsed time, each model tested once at the end (`SeedRun`).
- `compare(runs_a, runs_b)`: the paired comparison of two arms (see
  `convnet_lib.metrics.paired_comparison`), printed as one `comparison:` line.
- `baseline_runs(splits)`: notebook 00's baseline trained with this recipe and the
  course's seeds, cached, so that every chapter gets the same baseline from code.

In the spirit of d2l's `train_ch6`: the recipe is written once, here.
"""

import dataclasses
import time

import numpy as np

from convnet_lib._checks import check_bool
from convnet_lib._checks import check_choice
from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib.metrics import format_test_accuracy
from convnet_lib.metrics import paired_comparison
from convnet_lib.runtime import quick_mode
from convnet_lib.runtime import set_seed

OPTIMIZERS = ("adam", "adamw")
SCHEDULES = ("cosine", "constant")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How a chapter's small model is trained (keyword-built; `dataclasses.replace` to vary).

    Attributes:
        epochs: passes over the training split.
        batch_size: training batch size.
        learning_rate: peak learning rate.
        schedule: "cosine" (decay to 0 over the run, Loshchilov & Hutter 2017) or "constant".
        warmup_epochs: linear warm-up from 0 to `learning_rate` (cosine schedule only).
        optimizer: "adam", or "adamw" (decoupled weight decay, Loshchilov & Hutter 2019).
        weight_decay: AdamW's weight decay (0 with "adam").
        image_size: Fashion-MNIST's 28x28 images are zero-padded to this size (32: the
            small models halve the resolution several times).
        validation_fraction: share of the training images held out for validation.
        bn_momentum: momentum of every BatchNormalization layer while training (None keeps
            the model's own). 0.9 (PyTorch's default) lets the moving statistics, used at
            test time, catch up within a few dozen steps; Keras' 0.99 needs thousands, more
            than a short run has, and leaves test-time BN broken.
        train_examples: None for all training images, or a random subset of this size.
        test_examples: None for the whole test set, or a random subset of this size.
    """

    epochs: int = 3
    batch_size: int = 128
    learning_rate: float = 2e-3
    schedule: str = "cosine"
    warmup_epochs: float = 0.0
    optimizer: str = "adam"
    weight_decay: float = 0.0
    image_size: int = 32
    validation_fraction: float = 0.1
    bn_momentum: float = 0.9
    train_examples: int = None
    test_examples: int = None

    def __post_init__(self):
        check_int(self.epochs, "epochs", minimum=1)
        check_int(self.batch_size, "batch_size", minimum=1)
        check_float(self.learning_rate, "learning_rate", minimum=0.0)
        if self.learning_rate <= 0:
            raise ValueError(
                f"`learning_rate` must be > 0. Received: learning_rate={self.learning_rate!r}"
            )
        check_choice(self.schedule, "schedule", SCHEDULES)
        check_float(self.warmup_epochs, "warmup_epochs", minimum=0.0, maximum=self.epochs)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_float(self.weight_decay, "weight_decay", minimum=0.0)
        if self.optimizer == "adam" and self.weight_decay > 0:
            raise ValueError(
                "`weight_decay` needs optimizer='adamw' (Adam's L2 penalty is not decoupled). "
                f"Received: weight_decay={self.weight_decay!r} with optimizer='adam'"
            )
        check_int(self.image_size, "image_size", minimum=28)
        check_float(self.validation_fraction, "validation_fraction", minimum=0.0, maximum=0.5)
        if self.validation_fraction <= 0:
            raise ValueError(
                "`validation_fraction` must be > 0: every choice is made on a held-out split. "
                f"Received: validation_fraction={self.validation_fraction!r}"
            )
        if self.bn_momentum is not None:
            check_float(self.bn_momentum, "bn_momentum", minimum=0.0, maximum=1.0)
        for field in ("train_examples", "test_examples"):
            if getattr(self, field) is not None:
                check_int(getattr(self, field), field, minimum=100)

    def settings(self):
        """The recipe as a plain dict (for cache keys and reports)."""
        return dataclasses.asdict(self)


# The course's recipe: 10,000 training images (a random subset of the training split),
# so that every chapter can train each model with three seeds in minutes on a laptop CPU.
# Quick runs (CONVNET_QUICK=1, CI) use `quick_recipe()`.
DEFAULT_RECIPE = Recipe(train_examples=10_000)
# Every experiment trains each arm once per seed: the same seeds in every chapter.
SEEDS = (0, 1, 2)


def course_seeds():
    """The course's seeds, `SEEDS`; one seed in a quick run (CI), which only shows that the
    code runs."""
    return [SEEDS[0]] if quick_mode() else list(SEEDS)


def quick_recipe(recipe=DEFAULT_RECIPE):
    """`recipe` in a quick run, else `recipe`: 1 epoch, 2,048 training images, 1,500
    validation images (2.5 % of the training set) and 1,000 test images.

    2,048 = 16 batches of 128 and 1,500 = 3 evaluation batches of 500: no smaller last batch,
    which would cost one more trace of the training or evaluation step."""
    _check_recipe(recipe)
    if not quick_mode():
        return recipe
    return dataclasses.replace(
        recipe, epochs=1, train_examples=2_048, test_examples=1_000, validation_fraction=0.025,
        warmup_epochs=min(recipe.warmup_epochs, 1.0),
    )


def _check_recipe(recipe):
    if not isinstance(recipe, Recipe):
        raise ValueError(
            "`recipe` must be a convnet_lib.training.Recipe (e.g. DEFAULT_RECIPE). "
            f"Received: recipe={recipe!r}"
        )
    return recipe


@dataclasses.dataclass(frozen=True)
class Splits:
    """Fashion-MNIST as every chapter uses it: tf.data pipelines plus the raw labels.

    `make_train(seed)` makes a fresh training pipeline whose example order depends only on
    `seed` (and the global seed set just before); `for_seed(seed)` returns the splits with
    it. A tf.data pipeline reshuffles on every pass, so one pipeline shared by several
    runs would give each run the orders left by the runs before it: two arms trained with
    the same seed would not see the same data order.
    """

    train: object
    validation: object
    test: object
    train_labels: np.ndarray
    validation_labels: np.ndarray
    test_labels: np.ndarray
    make_train: object = None

    def for_seed(self, seed):
        """These splits with a fresh training pipeline shuffled by `seed`."""
        check_int(seed, "seed", minimum=0)
        if self.make_train is None:
            return self
        return dataclasses.replace(self, train=self.make_train(seed))

    def sizes(self):
        """One line: how many images each split holds."""
        return (f"train {len(self.train_labels):,}  validation {len(self.validation_labels):,}  "
                f"test {len(self.test_labels):,}")


def fashion_mnist_splits(recipe=DEFAULT_RECIPE, seed=0):
    """Loads Fashion-MNIST and returns the training, validation and test pipelines.

    The validation split (`recipe.validation_fraction` of the 60,000 training images) is
    taken before any subset, so it is the same whatever `train_examples` is; the test set is
    never shuffled and is only for the final evaluation of each trained model.
    """
    from convnet_lib import data

    _check_recipe(recipe)
    check_int(seed, "seed", minimum=0)
    (train_images, train_labels), (test_images, test_labels) = data.load_fashion_mnist()
    (train_images, train_labels), (val_images, val_labels) = data.train_validation_split(
        train_images, train_labels, validation_fraction=recipe.validation_fraction, seed=seed
    )
    if recipe.train_examples is not None:
        train_images, train_labels = data.subset(
            train_images, train_labels, recipe.train_examples, seed=seed
        )
    if recipe.test_examples is not None:
        test_images, test_labels = data.subset(
            test_images, test_labels, recipe.test_examples, seed=seed
        )
    size = recipe.image_size

    def make_train(shuffle_seed):
        return data.make_dataset(train_images, train_labels, batch_size=recipe.batch_size,
                                 image_size=size, shuffle=True, seed=shuffle_seed)

    return Splits(
        train=make_train(seed),
        validation=data.make_dataset(val_images, val_labels, batch_size=500, image_size=size),
        test=data.make_dataset(test_images, test_labels, batch_size=500, image_size=size),
        train_labels=np.asarray(train_labels),
        validation_labels=np.asarray(val_labels),
        test_labels=np.asarray(test_labels),
        make_train=make_train,
    )


def array_splits(train, validation, test=None, batch_size=128, seed=0):
    """`Splits` from arrays that are already model inputs (e.g. features of frozen models).

    Args:
        train, validation: (inputs, labels) pairs of NumPy arrays.
        test: optional (inputs, labels) pair; None leaves the test split empty.
        batch_size: training batch size; training batches are reshuffled every epoch.
        seed: seed of the shuffling.
    """
    import tensorflow as tf

    check_int(batch_size, "batch_size", minimum=1)
    check_int(seed, "seed", minimum=0)
    pairs = {"train": train, "validation": validation, "test": test}
    datasets, labels, arrays = {}, {}, {}
    for name, pair in pairs.items():
        if pair is None and name == "test":
            datasets[name], labels[name] = None, np.zeros(0, dtype=np.int64)
            continue
        if not isinstance(pair, (tuple, list)) or len(pair) != 2 or len(pair[0]) != len(pair[1]):
            raise ValueError(
                f"`{name}` must be an (inputs, labels) pair of arrays of the same length. "
                f"Received: {name} of type {type(pair).__name__}"
            )
        inputs, targets = np.asarray(pair[0], dtype=np.float32), np.asarray(pair[1])
        arrays[name] = (inputs, targets)
        if name != "train":
            datasets[name] = tf.data.Dataset.from_tensor_slices(arrays[name]).batch(1024)
        labels[name] = targets

    def make_train(shuffle_seed):
        inputs, targets = arrays["train"]
        dataset = tf.data.Dataset.from_tensor_slices((inputs, targets))
        dataset = dataset.shuffle(len(inputs), seed=shuffle_seed, reshuffle_each_iteration=True)
        return dataset.batch(batch_size).prefetch(2)

    return Splits(train=make_train(seed), validation=datasets["validation"],
                  test=datasets["test"], train_labels=labels["train"],
                  validation_labels=labels["validation"], test_labels=labels["test"],
                  make_train=make_train)


def learning_rate_schedule(recipe, steps_per_epoch):
    """The recipe's learning rate as a Keras schedule (or a float for "constant")."""
    import keras

    _check_recipe(recipe)
    check_int(steps_per_epoch, "steps_per_epoch", minimum=1)
    if recipe.schedule == "constant":
        return recipe.learning_rate
    total = recipe.epochs * steps_per_epoch
    warmup = int(round(recipe.warmup_epochs * steps_per_epoch))
    if warmup == 0:
        return keras.optimizers.schedules.CosineDecay(recipe.learning_rate, decay_steps=total)
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=max(1, total - warmup), warmup_target=recipe.learning_rate,
        warmup_steps=warmup,
    )


def compile_model(model, recipe, steps_per_epoch):
    """Compiles `model` with the recipe's optimizer and schedule, cross-entropy and accuracy.

    `jit_compile=False` keeps TensorFlow's own CPU kernels, which ran these small
    convolutional networks faster than XLA on the 2-core CPU the course was written on.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"`model` must be a keras.Model. Received: model={model!r}")
    schedule = learning_rate_schedule(recipe, steps_per_epoch)
    if recipe.optimizer == "adamw":
        optimizer = keras.optimizers.AdamW(schedule, weight_decay=recipe.weight_decay)
    else:
        optimizer = keras.optimizers.Adam(schedule)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=False)
    if model.built and model.trainable_variables:
        # The optimizer's slots made now, not inside the first traced training step: a first
        # trace that creates variables makes TensorFlow trace the step again (seconds).
        optimizer.build(model.trainable_variables)
    return model


def train(model, splits, recipe=DEFAULT_RECIPE, verbose=2, callbacks=None):
    """Compiles and fits `model` on `splits.train` with the recipe; validates on
    `splits.validation` after every epoch. Returns the Keras History (never touches the test set).
    """
    import keras

    if not isinstance(splits, Splits):
        raise ValueError(
            "`splits` must come from convnet_lib.training.fashion_mnist_splits. "
            f"Received: splits of type {type(splits).__name__}"
        )
    check_choice(verbose, "verbose", (0, 1, 2))
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise ValueError(f"`callbacks` must be None or a list. Received: callbacks={callbacks!r}")
    if recipe.bn_momentum is not None:
        for layer in _all_layers(model):
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.momentum = recipe.bn_momentum
    compile_model(model, recipe, steps_per_epoch=len(splits.train))
    # shuffle=False: the tf.data pipeline already shuffles examples every epoch (Keras
    # would ignore shuffle=True for a dataset, with a warning).
    return model.fit(splits.train, validation_data=splits.validation, epochs=recipe.epochs,
                     verbose=verbose, callbacks=list(callbacks or []), shuffle=False)


def _all_layers(model):
    """Every layer of `model`, including those of nested models."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def predict_labels(model, dataset):
    """Returns (true labels, predicted labels, predicted probabilities) over a dataset."""
    import keras

    true, probabilities = [], []
    for images, labels in dataset:
        probabilities.append(keras.ops.convert_to_numpy(model(images, training=False)))
        true.append(keras.ops.convert_to_numpy(labels))
    probabilities = np.concatenate(probabilities)
    return np.concatenate(true), probabilities.argmax(axis=-1), probabilities


def report_test_accuracy(model, dataset, label=None):
    """Prints `<label> test accuracy: 0.xxx (N test images)` and returns the accuracy."""
    from convnet_lib.metrics import report_accuracy

    true, predicted, _ = predict_labels(model, dataset)
    return report_accuracy(true, predicted, label=label)


@dataclasses.dataclass(frozen=True)
class SeedRun:
    """One trained model of a multi-seed experiment.

    `predicted` holds the predicted class of every test example and `correct` whether it
    is right (for paired comparisons); `history` the per-epoch metrics; `seconds` the
    training time.
    """

    seed: int
    model: object
    history: dict
    test_accuracy: float
    predicted: np.ndarray
    correct: np.ndarray
    seconds: float

    @property
    def best_validation_accuracy(self):
        return float(max(self.history["val_accuracy"]))


def _format_seconds(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes}:{seconds:02d}"


def run_seeds(build, seeds, splits, recipe=DEFAULT_RECIPE, label="model", keep_models=False,
              cache_settings=None, verbose=0):
    """Trains `build()` once per seed with the recipe and tests each model once, at the end.

    Prints one progress line per seed (validation accuracy of the last epoch, test accuracy,
    training time, total elapsed time).

    Args:
        build: function without arguments returning a fresh, uncompiled keras.Model.
        seeds: list of distinct non-negative ints (at least 1).
        splits: from `fashion_mnist_splits` (made with the same `recipe`).
        recipe: the training recipe.
        label: name printed in the progress lines (and, with a cache, the file names).
        keep_models: keep each trained model in the result (memory!); otherwise `model` is None.
        cache_settings: None to always train; or a dict describing what `build()` builds
            (e.g. {"model": "xception_mini"}): each seed's trained model is then kept in the
            cache (`convnet_lib.cache.load_or_train`, folder "models") under `label`, these
            settings, the recipe and the seed, and loaded instead of trained next time, by
            this notebook or another one (notebook 04 reuses the chapters' models).
        verbose: Keras `fit` verbosity (0: only the progress lines).

    Returns:
        list of SeedRun, in the order of `seeds`.
    """
    import keras

    from convnet_lib.cache import file_stem
    from convnet_lib.cache import load_or_train

    if not callable(build):
        raise ValueError(f"`build` must be a function returning a model. Received: build={build!r}")
    if (not isinstance(seeds, (list, tuple)) or not seeds
            or len(set(seeds)) != len(seeds)):
        raise ValueError(f"`seeds` must be a non-empty list of distinct integers. Received: seeds={seeds!r}")
    for seed in seeds:
        check_int(seed, "seeds", minimum=0)
    check_bool(keep_models, "keep_models")
    if cache_settings is not None and not isinstance(cache_settings, dict):
        raise ValueError(
            f"`cache_settings` must be None or a dict. Received: cache_settings={cache_settings!r}"
        )
    runs = []
    started = time.perf_counter()
    for index, seed in enumerate(seeds, start=1):
        keras.backend.clear_session()

        def fit_one(seed=seed):
            set_seed(seed)
            model = build()
            # A fresh pipeline per run: the same seed gives every arm the same data order.
            return model, train(model, splits.for_seed(seed), recipe, verbose=verbose)

        start = time.perf_counter()
        if cache_settings is None:
            model, history = fit_one()
            history, trained = history.history, True
        else:
            settings = dict(cache_settings, recipe=recipe.settings(), seed=seed,
                            splits=len(splits.train_labels))
            stem = file_stem(cache_settings.get("model", label))
            model, history, trained = load_or_train(f"{stem}-seed{seed}", settings, fit_one,
                                                    folder="models")
        seconds = time.perf_counter() - start
        true, predicted, _ = predict_labels(model, splits.test)
        correct = true == predicted
        accuracy = float(correct.mean())
        runs.append(SeedRun(seed, model if keep_models else None,
                            {k: [float(v) for v in values] for k, values in history.items()},
                            accuracy, predicted.astype(np.int64), correct, seconds))
        how = f"trained in {_format_seconds(seconds)}" if trained else "loaded from the cache"
        print(f"{label} seed {seed} ({index}/{len(seeds)}): validation accuracy "
              f"{history['val_accuracy'][-1]:.3f}, {format_test_accuracy(accuracy, len(true))}, "
              f"{how}; elapsed {_format_seconds(time.perf_counter() - started)}")
    return runs


def compare(runs_a, runs_b, name_a, name_b, confidence=0.95):
    """Prints and returns the paired comparison of two arms trained with the same seeds."""
    for runs, label in ((runs_a, "runs_a"), (runs_b, "runs_b")):
        if not isinstance(runs, (list, tuple)) or not runs or not all(
            isinstance(run, SeedRun) for run in runs
        ):
            raise ValueError(
                f"`{label}` must be the list returned by run_seeds. Received: {label}={runs!r}"
            )
    if [run.seed for run in runs_a] != [run.seed for run in runs_b]:
        raise ValueError(
            "`runs_a` and `runs_b` must use the same seeds in the same order (paired). "
            f"Received seeds {[r.seed for r in runs_a]} and {[r.seed for r in runs_b]}"
        )
    result = paired_comparison(
        [run.correct for run in runs_a], [run.correct for run in runs_b],
        name_a=name_a, name_b=name_b, confidence=confidence,
    )
    print(result.line())
    return result


def model_runs(name, splits, recipe=DEFAULT_RECIPE, options=None, label=None, seeds=None,
               keep_models=False):
    """A registered model trained with the recipe once per seed, cached (see `run_seeds`).

    The one way every chapter trains its models, so that notebook 04 can load the very
    models chapters 01-05 trained: the cache key is the model name, `options`, the recipe,
    the seed and the training-set size.

    Args:
        name: registry name, e.g. "xception_mini".
        splits, recipe, keep_models: as in `run_seeds`.
        seeds: the seeds; None means `course_seeds()` (the course's three, one in a quick run).
        options: None or a dict of builder arguments, e.g. {"use_se": False}.
        label: name printed in the progress lines (default: `name` and `options`).
    """
    from convnet_lib.models import build_model

    options = {} if options is None else options
    if not isinstance(options, dict):
        raise ValueError(f"`options` must be None or a dict. Received: options={options!r}")
    if label is None:
        label = name + "".join(f", {key}={value}" for key, value in options.items())
    seeds = course_seeds() if seeds is None else list(seeds)
    return run_seeds(lambda: build_model(name, **options), seeds, splits, recipe,
                     label=label, keep_models=keep_models,
                     cache_settings={"model": name, "options": options})


def baseline_runs(splits, recipe=DEFAULT_RECIPE, seeds=None):
    """The baseline of every chapter: `baseline_cnn` trained with `recipe`, once per seed.

    Trained models are cached (see `run_seeds`): notebook 00 trains them, later chapters
    load them (or train them, a minute or two, when 00 has not run on this machine), so
    every chapter compares against the same baseline, from code.
    """
    _check_recipe(recipe)
    shape = (recipe.image_size, recipe.image_size, 1)
    return model_runs("baseline_cnn", splits, recipe, options={"input_shape": shape},
                      label="baseline_cnn", seeds=seeds)
