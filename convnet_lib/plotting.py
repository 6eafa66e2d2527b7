"""The figures the notebooks share, in one consistent style that also reads in black and white.

Lines differ by marker and dash as well as colour; every axis has a label (with units);
`save_figure` writes a PNG into the repository's `images/` folder.
"""

import os
import tempfile
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from convnet_lib._checks import check_int
from convnet_lib.training import quick_mode

IMAGES_DIR_ENV_VAR = "CONVNET_IMAGES_DIR"
LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def set_style():
    """Applies the project's matplotlib style (call once at the top of a notebook)."""
    matplotlib.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 120,
            "savefig.bbox": "tight",
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.frameon": False,
            "image.cmap": "viridis",
            "lines.linewidth": 1.8,
            "lines.markersize": 5,
        }
    )


def images_dir():
    """Where figures are saved: $CONVNET_IMAGES_DIR, else the repository's images/ folder.

    When the package is used from a checkout the repository is the package's parent; when
    it was pip-installed (Colab) figures go to ./images under the working directory. Quick
    runs save into a temporary folder instead, so that they never overwrite the figures of
    the full run that the repository stores.
    """
    if os.environ.get(IMAGES_DIR_ENV_VAR):
        return Path(os.environ[IMAGES_DIR_ENV_VAR]).expanduser()
    if quick_mode():
        return Path(tempfile.gettempdir()) / "convnet_lib_quick_images"
    repository = Path(__file__).resolve().parents[1]
    if (repository / "notebooks").is_dir():
        return repository / "images"
    return Path.cwd() / "images"


def save_figure(fig, name):
    """Saves `fig` as images/<name>.png and returns the path."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name:
        raise ValueError(
            f"`name` must be a plain file name without folders. Received: name={name!r}"
        )
    directory = images_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name if name.endswith(".png") else name + ".png")
    fig.savefig(path, metadata={"Software": None})
    return path


def plot_history(history, title=None):
    """Loss and accuracy per epoch from a Keras History (training solid, validation dashed)."""
    metrics = getattr(history, "history", history)
    if not isinstance(metrics, dict) or "loss" not in metrics:
        raise ValueError(
            "`history` must be the History returned by model.fit (or its .history dict) "
            f"with a 'loss' entry. Received: history={history!r}"
        )
    panels = [("loss", "loss")] + ([("accuracy", "accuracy")] if "accuracy" in metrics else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
    for axis, (key, label) in zip(axes[0], panels):
        epochs = np.arange(1, len(metrics[key]) + 1)
        axis.plot(epochs, metrics[key], "o-", label="training")
        if f"val_{key}" in metrics:
            axis.plot(epochs, metrics[f"val_{key}"], "s--", label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.legend()
        if len(epochs) < 15:
            axis.set_xticks(epochs)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_image_grid(images, labels, class_names, rows=2, cols=8, predictions=None):
    """A grid of images titled with their class (and prediction, if given)."""
    check_int(rows, "rows", minimum=1)
    check_int(cols, "cols", minimum=1)
    count = min(rows * cols, len(images))
    fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.7 * rows), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index >= count:
            continue
        image = np.asarray(images[index])
        axis.imshow(image.squeeze(), cmap="gray_r")
        title = class_names[int(labels[index])]
        if predictions is not None:
            predicted = class_names[int(predictions[index])]
            title = f"{title}\n(pred: {predicted})"
        axis.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true, y_pred, class_names, normalize=True):
    """Confusion matrix: rows are true classes, columns predictions (row-normalised)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            "`y_true` and `y_pred` must be 1-D arrays of the same length. Received shapes "
            f"{y_true.shape} and {y_pred.shape}"
        )
    classes = len(class_names)
    matrix = np.zeros((classes, classes))
    np.add.at(matrix, (y_true, y_pred), 1)
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, axis = plt.subplots(figsize=(7, 6))
    image = axis.imshow(matrix, cmap="Blues")
    for row in range(classes):
        for col in range(classes):
            value = matrix[row, col]
            text = f"{value:.2f}" if normalize else f"{int(value)}"
            axis.text(col, row, text, ha="center", va="center", fontsize=7,
                      color="white" if value > matrix.max() / 2 else "black")
    axis.set_xticks(range(classes), class_names, rotation=45, ha="right")
    axis.set_yticks(range(classes), class_names)
    axis.set_xlabel("predicted class")
    axis.set_ylabel("true class")
    axis.grid(False)
    fig.colorbar(image, ax=axis, label="fraction of the true class" if normalize else "count")
    fig.tight_layout()
    return fig


def draw_diagram(boxes, arrows, title=None, figsize=None):
    """Draws a block diagram: labelled boxes joined by arrows.

    Args:
        boxes: {key: (x, y, "label")}, box centres in data coordinates (y grows upwards;
            one unit is roughly one box height). Labels may span several lines.
        arrows: [(from_key, to_key)] or [(from_key, to_key, "label")].
        title: optional figure title.
        figsize: (width, height) in inches; by default from the coordinates' extent.

    Returns the matplotlib figure.
    """
    if not isinstance(boxes, dict) or not boxes:
        raise ValueError(f"`boxes` must be a non-empty dict. Received: boxes={boxes!r}")
    for arrow in arrows:
        if len(arrow) not in (2, 3) or arrow[0] not in boxes or arrow[1] not in boxes:
            raise ValueError(
                "Every arrow must be (from_key, to_key) or (from_key, to_key, label) with "
                f"keys of `boxes`. Received: {arrow!r}; boxes: {sorted(boxes)}"
            )
    xs = [x for x, _, _ in boxes.values()]
    ys = [y for _, y, _ in boxes.values()]
    width = max(xs) - min(xs) + 3
    height = max(ys) - min(ys) + 1.5
    fig, axis = plt.subplots(figsize=figsize or (min(1.1 * width + 1, 16), min(0.8 * height + 1, 18)))
    style = dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor="black", linewidth=1.2)
    axis.set_xlim(min(xs) - 1.5, max(xs) + 2.0)
    axis.set_ylim(min(ys) - 0.75, max(ys) + 0.75)
    texts = {}
    for key, (x, y, label) in boxes.items():
        texts[key] = axis.text(x, y, label, ha="center", va="center", fontsize=9, bbox=style,
                               zorder=3)
    # Measure each drawn box (half width and half height in data units), so that arrows can
    # start and end on the box outlines and their heads stay visible.
    fig.canvas.draw()
    to_data = axis.transData.inverted()
    half_sizes = {}
    for key, text in texts.items():
        (left, bottom), (right, top) = to_data.transform(text.get_bbox_patch().get_window_extent())
        half_sizes[key] = ((right - left) / 2, (top - bottom) / 2)

    def on_outline(key, towards):
        (x, y, _), (half_width, half_height) = boxes[key], half_sizes[key]
        dx, dy = towards[0] - x, towards[1] - y
        scale = min(half_width / abs(dx) if dx else float("inf"),
                    half_height / abs(dy) if dy else float("inf"))
        return x + dx * scale, y + dy * scale

    for arrow in arrows:
        (x0, y0, _), (x1, y1, _) = boxes[arrow[0]], boxes[arrow[1]]
        # An arrow that would run straight through the boxes between its ends (a skip
        # connection in a vertical stack) is drawn as an arc to the right instead.
        skip = x0 == x1 and abs(y0 - y1) > 1.01
        if skip:
            start, end, shrink = (x0, y0), (x1, y1), 14
        else:
            start, end, shrink = on_outline(arrow[0], (x1, y1)), on_outline(arrow[1], (x0, y0)), 2
        axis.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops=dict(
                arrowstyle="-|>", color="black", shrinkA=shrink, shrinkB=shrink, lw=1.1,
                connectionstyle="arc3,rad=-0.5" if skip else "arc3",
            ),
            zorder=2,
        )
        if len(arrow) == 3:
            offset = 0.3 * abs(y0 - y1) if skip else 0.05
            axis.text((x0 + x1) / 2 + offset, (y0 + y1) / 2, arrow[2], fontsize=8, ha="left",
                      va="center", style="italic", zorder=4)
    axis.axis("off")
    if title:
        axis.set_title(title)
    return fig
