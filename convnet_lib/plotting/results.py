"""Figures of one training run and its predictions: curves, image grids, confusion matrices."""

import matplotlib.pyplot as plt
import numpy as np

from convnet_lib._checks import check_int


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
