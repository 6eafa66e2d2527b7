"""The shared figures: they draw, save where expected and reject bad input."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from convnet_lib import plotting  # noqa: E402
from convnet_lib.data import CLASS_NAMES  # noqa: E402


def test_save_figure_writes_a_png_into_the_images_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(plotting.IMAGES_DIR_ENV_VAR, str(tmp_path))
    fig = plotting.plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]})
    path = plotting.save_figure(fig, "history")
    assert path == tmp_path / "history.png"
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="name='../escape'"):
        plotting.save_figure(fig, "../escape")


def test_image_grid_and_confusion_matrix_draw():
    images = np.zeros((4, 28, 28))
    fig = plotting.plot_image_grid(images, [0, 1, 2, 3], CLASS_NAMES, rows=1, cols=4, predictions=[0, 1, 2, 4])
    assert len(fig.axes) == 4
    fig = plotting.plot_confusion_matrix([0, 1, 1], [0, 1, 0], CLASS_NAMES[:2])
    assert fig.axes[0].get_xlabel() == "predicted class"


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="`history`"):
        plotting.plot_history([1, 2])
    with pytest.raises(ValueError, match="`y_true`"):
        plotting.plot_confusion_matrix([0, 1], [0], CLASS_NAMES)
    with pytest.raises(ValueError, match="to_key"):
        plotting.draw_diagram({"a": (0, 0, "a")}, [("a", "missing")])
    with pytest.raises(ValueError, match="`rows`"):
        plotting.plot_image_grid(np.zeros((1, 28, 28)), [0], CLASS_NAMES, rows=0)


def test_diagram_draws_boxes_and_labels():
    fig = plotting.draw_diagram(
        {"x": (0, 2, "input"), "f": (0, 1, "3x3 conv"), "add": (0, 0, "+")},
        [("x", "f"), ("f", "add"), ("x", "add", "identity")],
        title="residual unit",
    )
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"input", "3x3 conv", "+", "identity"} <= texts


def test_quick_runs_do_not_overwrite_the_stored_figures(monkeypatch):
    monkeypatch.delenv(plotting.IMAGES_DIR_ENV_VAR, raising=False)
    monkeypatch.setenv("CONVNET_QUICK", "1")
    assert plotting.images_dir().name == "convnet_lib_quick_images"
    monkeypatch.setenv("CONVNET_QUICK", "0")
    assert plotting.images_dir().name == "images"
