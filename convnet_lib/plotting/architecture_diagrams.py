"""Figures of particular architectures, drawn with the engine of `diagrams`.

- `inception_module_diagram(branches, ...)`: an Inception module table (the format of
  `convnet_lib.models.inception.MODULES`), one column per branch, optionally residual.
- `dense_block_diagram(num_layers, ...)`: a DenseNet dense block drawn like Figure 1 of
  Huang et al. 2017 (https://arxiv.org/abs/1608.06993): the layers in a row, every
  connection an arc above them; `dense_connections` lists those connections.
"""

import matplotlib.pyplot as plt
from matplotlib.path import Path

from convnet_lib._checks import check_int
from convnet_lib.plotting.diagrams import _INSET
from convnet_lib.plotting.diagrams import _PAD
from convnet_lib.plotting.diagrams import _Rect
from convnet_lib.plotting.diagrams import _finish
from convnet_lib.plotting.diagrams import _new_figure
from convnet_lib.plotting.diagrams import _render
from convnet_lib.plotting.diagrams import _text_size

# --------------------------------------------------------------------------------------
# Inception modules
# --------------------------------------------------------------------------------------


def describe_step(step):
    """A short label for one step of an Inception branch table ("3x3 conv\\n96, /2")."""
    if step == "avg":
        return "3x3 avg pool"
    if step in ("max", "max_same"):
        return "3x3 max pool\nstride 2"
    if isinstance(step, str):
        return step
    if not isinstance(step, (tuple, list)) or len(step) < 2:
        raise ValueError(
            "A step must be 'avg', 'max', 'max_same', a label or (filters, kernel_size[, "
            f"strides, padding]). Received: step={step!r}"
        )
    filters, kernel = step[0], step[1]
    kernel = f"{kernel}x{kernel}" if isinstance(kernel, int) else f"{kernel[0]}x{kernel[1]}"
    stride = f", /{step[2]}" if len(step) > 2 and step[2] != 1 else ""
    return f"{kernel} conv\n{filters}{stride}"


def inception_module_diagram(branches, input_label, merge_label, title=None, after=(),
                             shortcut_label=None, output_label=None):
    """Draws an Inception module from its table: one column per branch, read bottom-up.

    Args:
        branches: the module table, e.g. `MODULES["inception_a"]`: a sequence of branches,
            each a sequence of steps (see `describe_step`); a list as the last step is a
            fork, drawn side by side.
        input_label, merge_label: texts of the input box and of the concatenation.
        title: optional figure title.
        after: labels of the steps after the concatenation, bottom to top (the linear 1x1
            projection and the residual scale of an Inception-ResNet block).
        shortcut_label: makes the module residual: an "add" box follows, fed by a shortcut
            from the input that carries this label ("identity").
        output_label: optional last box on top (the ReLU after the addition).

    Returns the matplotlib figure.
    """
    if not isinstance(branches, (tuple, list)) or not branches or not all(
            isinstance(branch, (tuple, list)) and branch for branch in branches):
        raise ValueError(
            f"`branches` must be a non-empty sequence of non-empty branches. Received: branches={branches!r}"
        )
    for name, value in (("input_label", input_label), ("merge_label", merge_label)):
        if not isinstance(value, str):
            raise ValueError(f"`{name}` must be a string. Received: {name}={value!r}")
    fig = _new_figure()
    slot = max(_text_size(fig, describe_step(step))[0]
               for branch in branches for item in branch
               for step in (item if isinstance(item, list) else [item])) + 2 * _PAD[0] + 0.3
    plt.close(fig)
    boxes, arrows, x = {}, [], 0.0
    depth = max(len(branch) for branch in branches)
    for column, steps in enumerate(branches):
        width = max(len(step) if isinstance(step, list) else 1 for step in steps)
        centre = x + width * slot / 2
        ends = ["input"]
        for row, step in enumerate(steps, start=1):
            parts = step if isinstance(step, list) else [step]
            keys = []
            for part, single in enumerate(parts):
                key = f"b{column}_{row}_{part}"
                boxes[key] = (centre + slot * (part - (len(parts) - 1) / 2), row, describe_step(single))
                arrows += [(end, key) for end in ends]
                keys.append(key)
            ends = keys
        arrows += [(end, "merge") for end in ends]
        x += width * slot
    span = x - slot * 0.3
    centre = x / 2
    boxes["input"] = (centre, 0, input_label, span)
    boxes["merge"] = (centre, depth + 1, merge_label, span)
    previous, row = "merge", depth + 1
    for index, label in enumerate(after):
        row += 1
        boxes[f"after{index}"] = (centre, row, label)
        arrows.append((previous, f"after{index}"))
        previous = f"after{index}"
    if shortcut_label is not None:
        row += 1
        boxes["add"] = (centre, row, "add")
        arrows += [(previous, "add"), ("input", "add", shortcut_label)]
        previous = "add"
    if output_label is not None:
        boxes["output"] = (centre, row + 1, output_label)
        arrows.append((previous, "output"))
    return _render(boxes, arrows, title, (1.0, 0.8))


# --------------------------------------------------------------------------------------
# Dense blocks
# --------------------------------------------------------------------------------------


def dense_connections(num_layers):
    """Every connection of a dense block as (source, target) node pairs.

    Node 0 is the block's input, nodes 1 to `num_layers` its layers and node
    `num_layers + 1` the block's output (the concatenation of everything). Each node feeds
    every later one: L(L+1)/2 connections into the layers, L+1 into the output.
    """
    num_layers = check_int(num_layers, "num_layers", minimum=1)
    return [(source, target) for target in range(1, num_layers + 2) for source in range(target)]


def dense_block_diagram(num_layers=4, input_channels=64, growth_rate=32, title=None):
    """Draws a dense block like Huang et al.'s Figure 1: layers in a row, arcs above.

    Neighbours are joined by straight arrows; every longer connection is an arc above the
    row, higher the further it reaches, so arcs that share a layer never cross there.
    Every layer is BN-ReLU-3x3 conv with `growth_rate` output maps.

    Returns the matplotlib figure.
    """
    num_layers = check_int(num_layers, "num_layers", minimum=1, maximum=8)
    input_channels = check_int(input_channels, "input_channels", minimum=1)
    growth_rate = check_int(growth_rate, "growth_rate", minimum=1)
    total = input_channels + num_layers * growth_rate
    labels = [f"input\n{input_channels} channels"]
    labels += [f"layer {i}\nBN-ReLU-3x3 conv\n{growth_rate} maps from\n"
               f"{input_channels + (i - 1) * growth_rate} channels"
               for i in range(1, num_layers + 1)]
    labels.append(f"block output\n(concatenation)\n{input_channels} + {num_layers}x{growth_rate}\n"
                  f"= {total} channels")
    fig = _new_figure()
    sizes = [_text_size(fig, label) for label in labels]
    width = max(w for w, _ in sizes) + 2 * _PAD[0]
    height = max(h for _, h in sizes) + 2 * _PAD[1]
    step = width + 0.5
    rects = [_Rect(i * step, i * step + width, 0.0, height) for i in range(len(labels))]
    connections = dense_connections(num_layers)
    last = num_layers + 1
    # Ports on each top edge: arcs arriving from the left on the left half, the widest arc
    # nearest the middle; arcs leaving to the right on the right half, the widest nearest
    # the middle; so the arcs that share a layer are nested, not crossed.
    ports = {}
    for node, rect in enumerate(rects):
        arriving = sorted((s for s, t in connections if t == node and node - s > 1), reverse=True)
        leaving = sorted((t for s, t in connections if s == node and t - node > 1), reverse=True)
        usable = rect.x1 - rect.x0 - 2 * _INSET
        split = rect.x0 + _INSET + usable * len(arriving) / max(len(arriving) + len(leaving), 1)
        for rank, source in enumerate(arriving):
            ports[(source, node, "in")] = rect.x0 + _INSET + (split - rect.x0 - _INSET) * (
                rank + 0.5) / len(arriving)
        for rank, target in enumerate(leaving):
            ports[(node, target, "out")] = split + (rect.x1 - _INSET - split) * (
                rank + 0.5) / len(leaving)
    curves = []
    for source, target in connections:
        gid = f"arrow:{source}->{target}"
        if target - source == 1:
            y = height / 2
            curves.append((Path([(rects[source].x1, y), (rects[target].x0, y)]), gid))
            continue
        start = (ports[(source, target, "out")], height)
        end = (ports[(source, target, "in")], height)
        rise = (4 / 3) * (0.35 + 0.3 * (target - source - 2))  # the arc's peak is 3/4 of it
        curves.append((Path([start, (start[0], height + rise), (end[0], height + rise), end],
                            [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]), gid))
    boxes = [(str(i), rect, label) for i, rect, label in zip(range(last + 1), rects, labels)]
    return _finish(fig, boxes, [], [], curves, title)
