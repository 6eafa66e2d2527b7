"""What every exercise check shares: the printed report, running the student's code safely,
random weights, and the comparison of numbers.

A check never raises. It prints one block:

    Exercise A: a depthwise separable convolution
      right: output shape (8, 8, 24)
      WRONG: 600 parameters; SeparableConv2D has 528
             hint: the order is reversed ...
      -> not yet: 1 thing to fix (see the hints above)

and returns True (everything right) or False. A stub that still raises NotImplementedError
prints "not attempted yet" instead, so a notebook that is run top to bottom with untouched
stubs (as the tests do) runs through.
"""

import functools
import importlib
import textwrap

import keras
import numpy as np

NOT_ATTEMPTED = "not attempted yet"
WIDTH = 88


class StopCheck(Exception):
    """Raised inside a check when the remaining comparisons would only repeat a problem."""


class Report:
    """Collects what a check found and prints it as one block."""

    def __init__(self, title):
        self.title = title
        self.lines = []
        self.problems = 0

    def ok(self, text):
        self.lines.append(_indent("right: ", text))

    def note(self, text):
        self.lines.append(_indent("note:  ", text))

    def wrong(self, text, hint=None):
        self.problems += 1
        self.lines.append(_indent("WRONG: ", text))
        if hint:
            self.lines.append(_indent("       hint: ", hint))

    def stop(self, text, hint=None):
        """Reports a problem and ends the check (later comparisons would repeat it)."""
        self.wrong(text, hint)
        raise StopCheck

    @property
    def passed(self):
        return self.problems == 0

    def text(self):
        if self.passed:
            verdict = "  -> all right. Well done."
        else:
            things = "thing" if self.problems == 1 else "things"
            verdict = f"  -> not yet: {self.problems} {things} to fix (see the hints above)"
        return "\n".join([self.title, *self.lines, verdict])


def _indent(prefix, text):
    return textwrap.fill(
        str(text), WIDTH, initial_indent="  " + prefix,
        subsequent_indent="  " + " " * len(prefix), break_on_hyphens=False,
    )


def exercise(title, error_hint=None):
    """Turns `body(report, *functions)` into a check `check(*functions) -> bool`.

    `error_hint(error)` may return a specific hint for an exception the student's code
    raised (or None); NotImplementedError means the stub is untouched.
    """

    def decorate(body):
        @functools.wraps(body)
        def check(*functions):
            report = Report(title)
            for function in functions:
                if not callable(function):
                    print(f"{title}\n  WRONG: pass your *function* itself, without calling "
                          f"it. Received: {function!r}")
                    return False
            try:
                body(report, *functions)
            except NotImplementedError:
                print(f"{title}: {NOT_ATTEMPTED} (replace `raise NotImplementedError` in "
                      "the cell above with your code, run it, then run this cell again)")
                return False
            except StopCheck:
                pass
            except Exception as error:  # the student's code failed: report, never raise
                hint = error_hint(error) if error_hint else None
                report.wrong(
                    f"your code raised {type(error).__name__}: {_short(error)}",
                    hint or "read the last lines of the message; run your function on "
                    "the example of the chapter to see where it fails.",
                )
            print(report.text())
            return report.passed

        return check

    return decorate


def _short(error, limit=300):
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def library_function(name, modules):
    """The first `name` found in `modules` (imported lazily, so a moved function breaks
    one place only)."""
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            return getattr(module, name)
    raise ImportError(f"convnet_lib has no `{name}` in {list(modules)}")


# ------------------------------------------------------------------------ numbers


def close(got, expected, tolerance=5e-3):
    """True if `got` has the shape of `expected` and agrees to `tolerance` of its scale."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return False
    scale = max(float(np.max(np.abs(expected))) if expected.size else 0.0, 1e-6)
    return bool(np.max(np.abs(got - expected), initial=0.0) <= tolerance * scale)


def first_match(got, candidates, tolerance=5e-3):
    """The hint of the first `(values, hint)` candidate that `got` equals, else None."""
    for values, hint in candidates:
        if close(got, values, tolerance):
            return hint
    return None


def as_number(value):
    """`value` as a float, or None if it is not a single number."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return float(array) if array.shape == () else None


def check_formula(report, function, cases, reference, diagnose, what):
    """Compares `function(*case)` with `reference(*case)` on every case.

    `diagnose(case, got, expected)` returns a hint for a wrong value (or None). Reports at
    most two wrong cases, then one "right" line when all agree.
    """
    what = getattr(function, "__name__", what)
    wrong = 0
    for case in cases:
        expected = reference(*case)
        got = as_number(function(*case))
        arguments = ", ".join(repr(value) for value in case)
        if got is None:
            report.stop(f"{what}({arguments}) must return one number.")
        if not np.isclose(got, expected, rtol=1e-9, atol=1e-9):
            wrong += 1
            report.wrong(
                f"{what}({arguments}) = {got:,.6g}, expected {expected:,.6g}",
                diagnose(case, got, expected),
            )
            if wrong == 2:
                raise StopCheck
    if wrong == 0:
        report.ok(f"{what} agrees on all {len(cases)} cases")


# --------------------------------------------------------------------- Keras blocks


def randomize_weights(model, seed=0):
    """Gives every weight of `model` a random value of a sensible scale.

    Kernels ~ N(0, 1/fan_in), biases and BN offsets ~ N(0, 0.1), BN scales in [0.5, 1.5],
    BN moving variances in [1, 2] (so that a different BN epsilon changes outputs by
    less than 1e-3).
    """
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        shape = tuple(weight.shape)
        path = getattr(weight, "path", weight.name)
        if "moving_variance" in path:
            value = rng.uniform(1.0, 2.0, shape)
        elif "gamma" in path:
            value = rng.uniform(0.5, 1.5, shape)
        elif len(shape) >= 2:
            fan_in = int(np.prod(shape[:-1]))
            value = rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape)
        else:
            value = rng.normal(0.0, 0.1, shape)
        weight.assign(value.astype("float32"))


def student_model(report, function, input_shape, *arguments):
    """Calls `function(x, *arguments)` on a `keras.Input(input_shape)` and returns a Model.

    NotImplementedError passes through (not attempted); any other problem is reported and
    ends the check.
    """
    inputs = keras.Input(input_shape)
    outputs = function(inputs, *arguments)
    if outputs is None:
        report.stop("your function returned None.", "end it with `return x` (the block's "
                    "output tensor).")
    if not isinstance(outputs, keras.KerasTensor):
        report.stop(
            f"your function returned a {type(outputs).__name__}, not the output tensor.",
            "apply the layers to the tensor, as in `y = layers.Conv2D(...)(x)`, and return "
            "the tensor.",
        )
    return keras.Model(inputs, outputs)


def reference_model(build, input_shape):
    """A Model of the library's block: `build(x)` on a `keras.Input(input_shape)`."""
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, build(inputs))


def output_shape(model):
    return tuple(model.output.shape[1:])


def run(model, inputs):
    return keras.ops.convert_to_numpy(model(inputs, training=False)).astype(np.float64)


def layer_output(model, name, inputs):
    """The output of `model`'s layer `name` on `inputs` (for hints built from the reference)."""
    return run(keras.Model(model.input, model.get_layer(name).output), inputs)


def weighted_layer_kinds(model):
    """The class names of the layers that hold weights, in model order."""
    return [type(layer).__name__ for layer in model.layers if layer.weights]


def compare_block(report, student, reference, inputs, shape_hint=None, params_hint=None,
                  numbers_hint=None, copy_weights=None):
    """Shape, parameter count, then outputs on the same weights and the same input.

    The reference gets random weights; `copy_weights(reference, student)` (by default
    `convnet_lib.weights.transfer_weights`) copies them into the student's model. Each
    `*_hint` is called with what was found and returns a hint or None.
    """
    got_shape, expected_shape = output_shape(student), output_shape(reference)
    if got_shape != expected_shape:
        report.stop(
            f"output shape {got_shape}, expected {expected_shape}",
            shape_hint(got_shape, expected_shape) if shape_hint else None,
        )
    report.ok(f"output shape {got_shape}")

    got_params, expected_params = student.count_params(), reference.count_params()
    if got_params != expected_params:
        report.stop(
            f"{got_params:,} parameters, expected {expected_params:,}",
            params_hint(got_params, expected_params, student) if params_hint else None,
        )
    report.ok(f"{got_params:,} parameters")

    randomize_weights(reference)
    if copy_weights is None:
        from convnet_lib.weights import transfer_weights as copy_weights
    try:
        copy_weights(reference, student)
    except ValueError as error:
        report.stop(
            f"same parameter count, but the layers with weights differ from the "
            f"library's: {_short(error)}",
            f"yours: {weighted_layer_kinds(student)}; the library's: "
            f"{weighted_layer_kinds(reference)}. Build the layers in this order.",
        )
    got, expected = run(student, inputs), run(reference, inputs)
    if close(got, expected):
        report.ok("same outputs as the library's block on the same weights and input")
        return
    difference = float(np.max(np.abs(got - expected)))
    report.wrong(
        f"different outputs on the same weights (largest difference {difference:.3g}, "
        f"output scale {float(np.max(np.abs(expected))):.3g})",
        numbers_hint(got, expected) if numbers_hint else None,
    )
