"""Tests of the exercises that check themselves (convnet_lib.exercises, solutions/).

- every solution passes its check;
- at least two planted wrong answers per check fail, each with the hint it deserves;
- an untouched stub prints "not attempted yet" and returns False, and a function that
  raises is reported, never re-raised (nbval runs the notebooks with the stubs untouched);
- every check has a solution, and every notebook's Exercises section calls at least three
  checks and runs top to bottom with its stubs.
"""

import importlib
import importlib.util
import inspect
import math
import re
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from convnet_lib.exercises import NOT_ATTEMPTED
from convnet_lib.models import inception

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"

# chapter module -> (solution file, {check: solution function})
CHECKS = {
    "ch00": ("ch00_getting_started", {
        "accuracy": "my_accuracy", "conv2d_params": "my_conv2d_params",
        "conv2d_flops": "my_conv2d_flops", "conv_output_size": "my_conv_output_size"}),
    "ch01": ("ch01_inception_v4", {
        "branch_params": "my_branch_params", "inception_module": "my_inception_module",
        "residual_block": "my_residual_block"}),
    "ch02": ("ch02_xception", {
        "depthwise_separable": "my_separable_conv", "separable_params": "my_separable_params",
        "middle_module": "my_middle_module"}),
    "ch03": ("ch03_densenet", {
        "dense_block": "my_dense_block", "transition_layer": "my_transition_layer",
        "block_channels": "my_block_channels"}),
    "ch04": ("ch04_ensembles", {
        "weighted_average": "my_weighted_average", "majority_vote": "my_majority_vote",
        "log_loss": "my_log_loss"}),
    "ch05": ("ch05_senet", {
        "se_block": "my_se_block", "se_params": "my_se_params", "se_flops": "my_se_flops"}),
    "ch06": ("ch06_complexity_comparison", {
        "pareto_frontier": "my_pareto_frontier", "accuracy_density": "my_accuracy_density",
        "gmacs": "my_gmacs"}),
}
ALL_CHECKS = [(chapter, check) for chapter, (_, checks) in CHECKS.items() for check in checks]


def chapter(name):
    return importlib.import_module(f"convnet_lib.exercises.{name}")


def solution(chapter_name, check):
    if not SOLUTIONS.is_dir():
        pytest.skip("solutions/ is not part of this copy (handed out without solutions)")
    file_name, checks = CHECKS[chapter_name]
    spec = importlib.util.spec_from_file_location(file_name, SOLUTIONS / f"{file_name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, checks[check])


def run_check(capsys, chapter_name, check, function):
    """Runs a check; returns its result and its printed text with whitespace collapsed
    (hints are wrapped at 88 columns)."""
    result = getattr(chapter(chapter_name), check)(function)
    return result, " ".join(capsys.readouterr().out.split())


# ------------------------------------------------------------------ solutions pass


@pytest.mark.parametrize("chapter_name,check", ALL_CHECKS)
def test_solution_passes(capsys, chapter_name, check):
    result, out = run_check(capsys, chapter_name, check, solution(chapter_name, check))
    assert result is True, out
    assert "WRONG" not in out and "all right" in out


# ------------------------------------------------------------ planted wrong answers


def _softmax(logits, axis=-1):
    exponentials = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return exponentials / exponentials.sum(axis=axis, keepdims=True)


def _frontier_running_max(cost, accuracy):
    """Sorts by cost and keeps a model when it beats the best accuracy so far."""
    on_front, best = np.zeros(len(cost), dtype=bool), -np.inf
    for index in np.argsort(cost, kind="stable"):
        if accuracy[index] > best:
            on_front[index], best = True, accuracy[index]
    return on_front


def _wrong_dense_block(kind):
    def block(x, num_layers, growth_rate, name):
        start = x
        new = []
        for i in range(num_layers):
            if kind == "explosion":
                x = layers.Concatenate()([x, layers.BatchNormalization()(x)])
                x = layers.Concatenate()([x, layers.Activation("relu")(x)])
                x = layers.Concatenate()(
                    [x, layers.Conv2D(growth_rate, 3, padding="same", use_bias=False)(x)])
                continue
            source = start if kind == "unchained" else x
            y = layers.BatchNormalization()(source)
            y = layers.Activation("relu")(y)
            y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False)(y)
            if kind == "add":
                x = layers.Add()([x, y])
            else:
                new.append(y)
        if kind == "unchained":
            return layers.Concatenate()([start, *new])
        return x
    return block


def _transition(batch_norm=True, compression=None, pool="avg"):
    def transition(x, compression_argument, name):
        rate = compression_argument if compression is None else compression
        if batch_norm:
            x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.Conv2D(int(x.shape[-1] * rate), 1, use_bias=False)(x)
        if pool == "avg":
            x = layers.AveragePooling2D(2, strides=2)(x)
        elif pool == "max":
            x = layers.MaxPooling2D(2, strides=2)(x)
        return x
    return transition


def _se(ratio=None, squeeze="avg", gate="sigmoid", multiply=True):
    def block(x, reduction_ratio, name):
        channels = x.shape[-1]
        pool = layers.GlobalAveragePooling2D if squeeze == "avg" else layers.GlobalMaxPooling2D
        s = pool(keepdims=True)(x)
        s = layers.Dense(channels // (ratio or reduction_ratio), activation="relu")(s)
        s = layers.Dense(channels, activation=gate)(s)
        return layers.Multiply()([x, s]) if multiply else s
    return block


def _separable(kind):
    def block(x, filters, name):
        if kind == "reversed":
            x = layers.Conv2D(filters, 1, use_bias=False)(x)
            return layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
        if kind == "regular":
            return layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
        if kind == "relu":
            x = layers.Activation("relu")(x)
            return layers.Conv2D(filters, 1, use_bias=False)(x)
        return x  # "no pointwise"
    return block


def _middle(kind):
    def module(x, filters, name):
        shortcut = x
        for _ in range(3):
            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization()(x)
        if kind == "no shortcut":
            return x
        return layers.Activation("relu")(layers.Add()([x, shortcut]))
    return module


def _residual(kind):
    def block(x, branches, scale, name):
        mixed = inception.inception_module(x, branches, f"{name}_mixed",
                                           bn_scale=kind == "bn scale")
        residual = layers.Conv2D(x.shape[-1], 1, use_bias=True)(mixed)
        if kind != "no scale":
            residual = layers.Rescaling(scale)(residual)
        if kind == "relu before add":
            return layers.Add()([x, layers.Activation("relu")(residual)])
        return layers.Activation("relu")(layers.Add()([x, residual]))
    return block


def _module(kind):
    def module(x, branches, name):
        outputs = [inception.inception_branch(x, steps, f"{name}_b{i}")
                   for i, steps in enumerate(branches)]
        if kind == "axis 1":
            return layers.Concatenate(axis=1)(outputs)
        if kind == "add":
            return layers.Add()(outputs)
        return layers.Concatenate()(outputs[:-1])  # "missing branch"
    return module


def _branch_params(bn=4, update=True, square=False):
    def count(in_channels, steps):
        total, channels = 0, in_channels
        for step in steps:
            if isinstance(step, str):
                continue
            filters, kernel = step[0], step[1]
            kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
            if square:
                kh = kw = max(kh, kw)
            total += kh * kw * channels * filters + bn * filters
            channels = filters if update else channels
        return total
    return count


def _majority_vote(kind):
    def vote(probabilities):
        if kind == "average":
            return probabilities.mean(axis=0).argmax(axis=-1)
        top = probabilities.argmax(axis=-1)
        classes = probabilities.shape[-1]
        votes = np.stack([np.bincount(column, minlength=classes) for column in top.T])
        return classes - 1 - votes[:, ::-1].argmax(axis=-1)  # ties -> highest index
    return vote


PLANTED = [
    # chapter 00
    ("ch00", "accuracy", lambda y, p: 100 * float((p.argmax(-1) == y).mean()), "percentage"),
    ("ch00", "accuracy", lambda y, p: int((p.argmax(-1) == y).sum()), "number of correct"),
    ("ch00", "accuracy", lambda y, p: float((p.argmax(0) == y).mean()), "*class indices*"),
    ("ch00", "conv2d_params", lambda k, c, f, b: k * k * c * f, "bias is missing"),
    ("ch00", "conv2d_params", lambda k, c, f, b: k * c * f + b * f, "square the kernel"),
    ("ch00", "conv2d_params", lambda k, c, f, b: k * k * f + b * f, "*all* input channels"),
    ("ch00", "conv2d_flops", lambda h, w, k, c, f, b: h * w * k * k * c * f,
     "counts as 2 FLOPs"),
    ("ch00", "conv2d_flops", lambda h, w, k, c, f, b: 2 * h * w * k * k * c * f,
     "the bias adds one FLOP"),
    ("ch00", "conv_output_size", lambda n, k, s, p: (n - k) // s if p == "valid"
     else math.ceil(n / s), "add 1"),
    ("ch00", "conv_output_size", lambda n, k, s, p: (n - k) // s + 1, "'same' padding"),
    ("ch00", "conv_output_size", lambda n, k, s, p: math.ceil(n / s),
     "'valid' padding adds no zeros"),
    # chapter 01
    ("ch01", "branch_params", _branch_params(bn=0), "4 numbers per channel"),
    ("ch01", "branch_params", _branch_params(update=False), "*first conv's* filters"),
    ("ch01", "branch_params", _branch_params(square=True), "not 7 x 7"),
    ("ch01", "inception_module", _module("axis 1"), "(axis=1)"),
    ("ch01", "inception_module", _module("add"), "too few channels"),
    ("ch01", "inception_module", _module("missing branch"), "concatenate *all* branch"),
    ("ch01", "residual_block", _residual("relu before add"), "ReLU before the addition"),
    ("ch01", "residual_block", _residual("no scale"), "residual scale is missing"),
    ("ch01", "residual_block", _residual("bn scale"), "bn_scale=False"),
    # chapter 02
    ("ch02", "depthwise_separable", _separable("reversed"), "order is reversed"),
    ("ch02", "depthwise_separable", _separable("no pointwise"), "pointwise conv is missing"),
    ("ch02", "depthwise_separable", _separable("relu"), "no non-linearity"),
    ("ch02", "depthwise_separable", _separable("regular"), "regular 3x3"),
    ("ch02", "separable_params", lambda k, c, f: c * f, "only the 1x1"),
    ("ch02", "separable_params", lambda k, c, f: k * k * c * f, "regular convolution"),
    ("ch02", "middle_module", _middle("relu after add"), "ReLU after the addition"),
    ("ch02", "middle_module", _middle("no shortcut"), "shortcut is missing"),
    # chapter 03
    ("ch03", "dense_block", _wrong_dense_block("explosion"), "19,104-channel explosion"),
    ("ch03", "dense_block", _wrong_dense_block("add"), "*concatenates*"),
    ("ch03", "dense_block", _wrong_dense_block("unchained"), "saw only the block input"),
    ("ch03", "transition_layer", _transition(batch_norm=False), "BatchNormalization is missing"),
    ("ch03", "transition_layer", _transition(compression=0.5), "0.5 is hard-coded"),
    ("ch03", "transition_layer", _transition(compression=1.0), "no compression"),
    ("ch03", "transition_layer", _transition(pool=None), "did not halve"),
    ("ch03", "transition_layer", _transition(pool="max"), "not max pooling"),
    ("ch03", "block_channels", lambda c, n, k: n * k, "block input's C channels"),
    ("ch03", "block_channels", lambda c, n, k: c + (n - 1) * k, "the first one too"),
    # chapter 04
    ("ch04", "weighted_average",
     lambda z, w: _softmax(np.tensordot(w / w.sum(), z, axes=1)), "averaged the logits"),
    ("ch04", "weighted_average",
     lambda z, w: np.tensordot(w, _softmax(z), axes=1), "not normalised"),
    ("ch04", "weighted_average", lambda z, w: _softmax(z).mean(axis=0), "weights were ignored"),
    ("ch04", "majority_vote", _majority_vote("average"), "averaging the probabilities"),
    ("ch04", "majority_vote", _majority_vote("highest"), "lowest class index"),
    ("ch04", "log_loss", lambda p, y: float(np.log(p[np.arange(len(y)), y]).mean()),
     "minus sign"),
    ("ch04", "log_loss", lambda p, y: float(-np.log(p[np.arange(len(y)), y]).sum()),
     "that is the sum"),
    ("ch04", "log_loss", lambda p, y: float(-np.log(p.max(axis=-1)).mean()), "*true* class"),
    # chapter 05
    ("ch05", "se_block", _se(gate="relu"), "ReLU at the gate"),
    ("ch05", "se_block", _se(ratio=16), "not 16"),
    ("ch05", "se_block", _se(squeeze="max"), "*average* pooling"),
    ("ch05", "se_block", _se(multiply=False), "Multiply is missing"),
    ("ch05", "se_params", lambda c, r: 2 * c * (c // r), "have biases"),
    ("ch05", "se_params", lambda c, r: 2 * c * (c / r) + c / r + c, "rounded down"),
    ("ch05", "se_flops", lambda h, w, c, r: 4 * c * (c // r) + c // r + c,
     "squeeze reads every element"),
    ("ch05", "se_flops", lambda h, w, c, r: 2 * c * (c // r) + c // r + c + 2 * h * w * c,
     "2 FLOPs"),
    # chapter 06
    ("ch06", "pareto_frontier", _frontier_running_max, "equal cost the more accurate"),
    ("ch06", "pareto_frontier", lambda c, a: np.flatnonzero(_frontier_running_max(c, a)),
     "not the indices"),
    ("ch06", "pareto_frontier", lambda c, a: _frontier_running_max(-c, a), "*lower* cost"),
    ("ch06", "accuracy_density", lambda t, p: t / p, "per *million*"),
    ("ch06", "accuracy_density", lambda t, p: t / 100 / (p / 1e6), "stays in %"),
    ("ch06", "gmacs", lambda f: f / 1e9, "divide by 2 as well"),
    ("ch06", "gmacs", lambda f: f / 2 / 1e6, "1e9"),
]


@pytest.mark.parametrize("chapter_name,check,wrong,hint", PLANTED,
                         ids=[f"{c}.{k}:{h}" for c, k, _, h in PLANTED])
def test_planted_wrong_answer_fails_with_its_hint(capsys, chapter_name, check, wrong, hint):
    result, out = run_check(capsys, chapter_name, check, wrong)
    assert result is False, out
    assert "WRONG" in out
    assert hint in out, out


def test_every_check_has_two_planted_wrong_answers():
    counts = {}
    for chapter_name, check, _, _ in PLANTED:
        counts[(chapter_name, check)] = counts.get((chapter_name, check), 0) + 1
    assert all(counts.get(key, 0) >= 2 for key in ALL_CHECKS), counts


# ---------------------------------------------------- stubs, errors, bookkeeping


def _stub(*arguments):
    raise NotImplementedError("write your code here")


@pytest.mark.parametrize("chapter_name,check", ALL_CHECKS)
def test_untouched_stub_is_not_attempted(capsys, chapter_name, check):
    result, out = run_check(capsys, chapter_name, check, _stub)
    assert result is False
    assert NOT_ATTEMPTED in out and "WRONG" not in out


@pytest.mark.parametrize("chapter_name,check", [("ch00", "accuracy"), ("ch03", "dense_block"),
                                                ("ch06", "pareto_frontier")])
def test_an_error_in_the_students_code_is_reported_not_raised(capsys, chapter_name, check):
    def broken(*arguments):
        raise ValueError("a typo somewhere")

    result, out = run_check(capsys, chapter_name, check, broken)
    assert result is False
    assert "your code raised ValueError: a typo somewhere" in out


def test_a_called_function_instead_of_the_function_is_reported(capsys):
    result, out = run_check(capsys, "ch00", "accuracy", 0.9)
    assert result is False and "without calling it" in out


def test_a_block_returning_a_layer_is_reported(capsys):
    result, out = run_check(capsys, "ch05", "se_block", lambda x, r, name: layers.Dense(4))
    assert result is False and "not the output tensor" in out


def test_every_public_check_has_a_solution():
    for chapter_name, (_, checks) in CHECKS.items():
        module = chapter(chapter_name)
        public = {name for name, value in vars(module).items()
                  if inspect.isfunction(value) and not name.startswith("_")
                  and value.__module__ == module.__name__}
        assert public == set(checks), chapter_name


# --------------------------------------------------------------- the notebooks


def exercises_section(path):
    """The text of a notebook twin from its "## Exercises" heading to the end (without the
    last cells, which print how long the whole notebook took)."""
    text = path.read_text()
    match = re.search(r"^# ## (?:\d+\. )?Exercises$", text, flags=re.MULTILINE)
    assert match, f"{path.name} has no Exercises section"
    end = text.find("# How long this notebook took", match.start())
    return text[match.start():end if end > 0 else len(text)]


def code_cells(section):
    cells = re.split(r"^# %%.*$", section, flags=re.MULTILINE)
    headers = re.findall(r"^# %%.*$", section, flags=re.MULTILINE)
    return [cell for header, cell in zip(headers, cells[1:]) if "[markdown]" not in header]


NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("0[0-6]_*.py"))


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_exercises_call_three_checks_and_run_with_stubs(capsys, path):
    section = exercises_section(path)
    number = path.stem[:2]
    calls = re.findall(r"^check\.(\w+)\((\w+)\)", section, flags=re.MULTILINE)
    _, checks = CHECKS[f"ch{number}"]
    assert len(calls) >= 3
    assert {call for call, _ in calls} == set(checks)
    # The section must run on its own, top to bottom, with the stubs untouched.
    namespace = {}
    for cell in code_cells(section):
        exec(compile(cell, f"{path.name} exercises", "exec"), namespace)
    out = capsys.readouterr().out
    assert out.count(NOT_ATTEMPTED) == len(calls), out
    # The stubs carry the names the solutions define.
    for call, function in calls:
        assert checks[call] == function and function in namespace
    # Experiments state a laptop run time and what a good answer contains.
    experiments = section[section.find("Experiments"):]
    assert experiments.count("CPU:") >= 3 and "good answer" in experiments.lower()


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_has_at_least_four_exercises(path):
    section = exercises_section(path)
    checked = len(re.findall(r"^# ### Exercise [A-Z]\b", section, flags=re.MULTILINE))
    open_ended = len(re.findall(r"^# \d+\. ", section, flags=re.MULTILINE))
    assert checked >= 3 and checked + open_ended >= 4


def test_solutions_run_inside_the_notebook_section(capsys):
    """The documented `%load ../solutions/...` path: solutions replace the stubs."""
    path = NOTEBOOKS / "03_densenet.py"
    if not (SOLUTIONS.is_dir() and path.exists()):
        pytest.skip("needs solutions/ and notebook 03")
    section = exercises_section(path)
    namespace = {}
    for cell in code_cells(section):
        if cell.lstrip().startswith("check.") or "\ncheck." in cell:
            exec(compile((SOLUTIONS / "ch03_densenet.py").read_text(), "solution", "exec"),
                 namespace)
        exec(compile(cell, "exercises", "exec"), namespace)
    out = capsys.readouterr().out
    assert "WRONG" not in out and out.count("all right") == 3, out
    keras.backend.clear_session()
