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


# --------------------------------------------------------------------------------------
# Block diagrams: arrows end on outlines, cross no box, labels touch nothing
# --------------------------------------------------------------------------------------

from matplotlib.patches import FancyArrowPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from convnet_lib.models.inception import MODULES  # noqa: E402
from convnet_lib.plotting import complexity_charts  # noqa: E402
from convnet_lib.plotting import architecture_diagrams  # noqa: E402


def _geometry(fig):
    """Boxes {key: Bbox} and arrows [(from, to, vertices)] of a drawn diagram, in inches."""
    axis = fig.axes[0]
    boxes = {p.get_gid()[4:]: p.get_bbox() for p in axis.patches if (p.get_gid() or "").startswith("box:")}
    arrows = []
    for patch in axis.patches:
        if isinstance(patch, FancyArrowPatch):
            source, target = patch.get_gid()[6:].split("->")
            path = patch.get_path()
            arrows.append((source, target, path.vertices[path.codes != Path.CLOSEPOLY]))
    return boxes, arrows


def _distance_to_outline(point, box):
    x, y = point
    dx = max(box.x0 - x, 0, x - box.x1)
    dy = max(box.y0 - y, 0, y - box.y1)
    if dx or dy:
        return float(np.hypot(dx, dy))
    return float(min(x - box.x0, box.x1 - x, y - box.y0, box.y1 - y))


def _inside(point, box, margin=0.01):
    return box.x0 + margin < point[0] < box.x1 - margin and box.y0 + margin < point[1] < box.y1 - margin


def _check_diagram(fig):
    """Every arrow starts on its source's outline, ends (head tip) on its target's, and no
    point along it lies inside any box."""
    boxes, arrows = _geometry(fig)
    assert arrows
    for source, target, vertices in arrows:
        assert _distance_to_outline(vertices[0], boxes[source]) < 0.02, (source, target)
        assert min(_distance_to_outline(v, boxes[target]) for v in vertices) < 0.03, (source, target)
        for start, end in zip(vertices, vertices[1:]):
            for t in np.linspace(0, 1, 25):
                point = start + t * (end - start)
                for key, box in boxes.items():
                    assert not _inside(point, box), f"arrow {source}->{target} crosses box {key}"
    return boxes, arrows


def test_skip_connection_goes_around_the_stack_and_its_label_touches_nothing():
    fig = plotting.draw_diagram(
        {"u": (0, 4, "feature map U"), "a": (0, 3, "squeeze"), "b": (0, 2, "excite"),
         "scale": (0, 1, "scale"), "out": (0, 0, "output")},
        [("u", "a"), ("a", "b"), ("b", "scale"), ("u", "scale", "U itself"), ("scale", "out")],
    )
    boxes, arrows = _check_diagram(fig)
    skip = next(v for s, t, v in arrows if (s, t) == ("u", "scale"))
    assert len(skip) > 4  # a routed path, not a straight line through "squeeze" and "excite"
    renderer = fig.canvas.get_renderer()
    label = next(t for t in fig.axes[0].texts if t.get_text() == "U itself")
    extent = label.get_window_extent(renderer).transformed(fig.axes[0].transData.inverted())
    for key, box in boxes.items():
        assert not extent.overlaps(box), key
    for source, target, vertices in arrows:
        for start, end in zip(vertices, vertices[1:]):
            for t in np.linspace(0, 1, 25):
                assert not _inside(start + t * (end - start), extent, margin=0.0)


def test_heads_into_one_box_are_spread_apart():
    fig = plotting.draw_diagram(
        {"a": (-1.5, 2, "left"), "b": (-0.5, 2, "middle"), "c": (1, 2, "right"),
         "out": (0, 0, "prediction")},
        [("a", "out"), ("b", "out"), ("c", "out")],
    )
    boxes, arrows = _check_diagram(fig)
    tips = [min(vertices, key=lambda v: _distance_to_outline(v, boxes["out"])) for _, _, vertices in arrows]
    gaps = [abs(p[0] - q[0]) for i, p in enumerate(tips) for q in tips[i + 1:]]
    assert min(gaps) > 0.1


def test_a_boxed_in_arrow_is_refused():
    boxes = {"a": (0, 0, "a"), "l": (-0.45, 0, "l"), "r": (0.45, 0, "r"),
             "u": (0, 0.5, "a wide box above"), "d": (0, -0.5, "a wide box below"), "b": (0, -2, "b")}
    with pytest.raises(ValueError, match="No clear path for the arrow 'a' -> 'b'"):
        plotting.draw_diagram(boxes, [("a", "b")])
    with pytest.raises(ValueError, match="figsize"):
        plotting.draw_diagram({"a": (0, 0, "a")}, [], figsize=(0, 3))


def test_inception_module_diagram_is_drawn_from_the_table():
    fig = architecture_diagrams.inception_module_diagram(MODULES["inception_c"], "input", "concatenate")
    boxes, arrows = _check_diagram(fig)
    steps = sum(len(s) if isinstance(s, list) else 1 for branch in MODULES["inception_c"] for s in branch)
    assert len(boxes) == steps + 2
    # the wide input and concatenation boxes take every branch straight up
    for source, target, vertices in arrows:
        if source == "input" or target == "merge":
            assert abs(vertices[0][0] - vertices[1][0]) < 1e-6
    assert architecture_diagrams.describe_step((256, (1, 3))) == "1x3 conv\n256"
    assert architecture_diagrams.describe_step((384, 3, 2, "valid")) == "3x3 conv\n384, /2"


def test_residual_inception_block_has_its_shortcut_beside_the_branches():
    fig = architecture_diagrams.inception_module_diagram(
        MODULES["block35"], "input", "concatenate", after=["1x1 conv, linear"],
        shortcut_label="identity", output_label="ReLU")
    _, arrows = _check_diagram(fig)
    assert ("input", "add") in {(s, t) for s, t, _ in arrows}


def test_dense_block_arcs_run_above_the_row():
    assert len(architecture_diagrams.dense_connections(4)) == 4 * 5 // 2 + 5
    fig = architecture_diagrams.dense_block_diagram(4, 64, 32)
    boxes, arrows = _check_diagram(fig)
    top = max(box.y1 for box in boxes.values())
    assert len(arrows) == 15
    for source, target, vertices in arrows:
        if int(target) - int(source) > 1:  # an arc: leaves and lands on top edges
            assert abs(vertices[0][1] - top) < 1e-6 and vertices[:, 1].max() > top + 0.2
    with pytest.raises(ValueError, match="num_layers"):
        architecture_diagrams.dense_connections(0)


# --------------------------------------------------------------------------------------
# Comparison charts
# --------------------------------------------------------------------------------------


def _crowded_table(count=40, seed=0):
    """Fake but realistic models, many of them in one crowded corner."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    families = ["VGG", "ResNet", "Inception", "DenseNet", "SENet", "EfficientNet"]
    gflops = np.concatenate([rng.uniform(5, 30, count - 10), rng.uniform(0.1, 100, 10)])
    mparams = np.concatenate([[2.5, 5.0], rng.uniform(1.2, 150, count - 2)])
    top1 = np.concatenate([rng.uniform(76, 81, count - 10), rng.uniform(60, 86, 10)])
    table = pd.DataFrame({
        "family": [families[i % len(families)] for i in range(count)],
        "gflops": gflops, "mparams": mparams, "top1": top1, "top5": top1 + 15,
        "density": top1 / mparams, "source": "test", "weights": "none", "input_size": 224,
        "pretraining": ["ImageNet-22k then 1k" if i == 3 else "ImageNet-1k" for i in range(count)],
    }, index=[f"Model-{i:02d}-{families[i % len(families)]}" for i in range(count)])
    return table


def _label_boxes(fig):
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in fig.axes[0].texts
            if (t.get_gid() or "").startswith("label:")]


def test_chart_labels_do_not_overlap_each_other_or_other_markers():
    table = _crowded_table()
    fig = plotting.plot_accuracy_vs_complexity(table, labels="all")
    boxes = _label_boxes(fig)
    assert len(boxes) == len(table)
    for i, box in enumerate(boxes):
        for other in boxes[i + 1:]:
            assert not box.overlaps(other)
    axis = fig.axes[0]
    centres = axis.transData.transform(table[["gflops", "top1"]].to_numpy())
    for box in boxes:  # no label covers the centre of any marker
        assert not any(box.contains(*centre) for centre in centres)


def test_leader_lines_of_named_labels_pass_no_other_marker():
    from matplotlib.path import Path
    from matplotlib.transforms import Bbox

    table = _crowded_table()
    fig = plotting.plot_accuracy_vs_complexity(table, labels="all")
    axis = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [(t.get_window_extent(renderer).padded(2), t.get_text()) for t in axis.texts
              if (t.get_gid() or "").startswith("label:")]
    centres = axis.transData.transform(table[["gflops", "top1"]].to_numpy())
    leaders = [line for line in axis.get_lines() if line.get_linewidth() == 0.5]
    assert leaders, "the crowded chart should need leader lines"
    checked = 0
    for line in leaders:
        start, end = axis.transData.transform(np.c_[line.get_xdata(), line.get_ydata()])
        text = next(text for box, text in labels if box.contains(*end))
        if text.isdigit():  # a number may fall back to crossing a marker
            continue
        others = [c for c in centres if np.hypot(*(c - start)) > 1]
        assert not any(Path([start, end]).intersects_bbox(
            Bbox.from_bounds(c[0] - 2, c[1] - 2, 4, 4), filled=False) for c in others), text
        checked += 1
    assert checked > 0


def test_one_marker_area_scale_for_every_chart_and_a_size_key():
    table = _crowded_table()
    top1 = plotting.plot_accuracy_vs_complexity(table, labels="none")
    top5 = plotting.plot_accuracy_vs_complexity(table.iloc[::2], y="top5", labels="none")

    def areas(fig):
        found = {}
        for collection in fig.axes[0].collections:
            for (x, y), size in zip(collection.get_offsets(), np.broadcast_to(
                    collection.get_sizes(), len(collection.get_offsets()))):
                found[round(float(x), 6)] = float(size)
        return found

    first, second = areas(top1), areas(top5)
    shared = [round(float(x), 6) for x in table.iloc[::2]["gflops"]]
    assert all(first[x] == second[x] for x in shared)
    # area proportional to parameters: 5 M looks twice as large as 2.5 M, nothing clipped
    small = complexity_charts.marker_area([2.5, 5.0])
    assert small[1] == pytest.approx(2 * small[0]) and small[0] > complexity_charts.MIN_MARKER_AREA
    key = next(legend for legend in top1.legends if "marker area" in legend.get_title().get_text())
    entries = {text.get_text(): handle for text, handle in zip(key.get_texts(), key.legend_handles)}
    assert {"5 M", "25 M", "100 M"} <= set(entries)
    assert entries["25 M"].get_markersize() ** 2 == pytest.approx(float(complexity_charts.marker_area(25)))
    families = next(legend for legend in top1.legends if legend.get_title().get_text() == "family")
    assert {"Pareto frontier", "VGG", "SENet"} <= {t.get_text() for t in families.get_texts()}


def test_interactive_chart_has_the_tooltip_and_stays_small(monkeypatch):
    import json
    import sys
    import types

    table = _crowded_table()
    chart = plotting.interactive_accuracy_chart(table)
    spec = chart.to_dict()
    titles = {tip["title"] for tip in spec["encoding"]["tooltip"]}
    assert {"model", "accuracy source", "parameters (M)", "GFLOPs", "top-1 (%)", "top-5 (%)",
            "input size"} <= titles
    assert len(json.dumps(spec)) < 1_000_000
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *args, **kwargs: shown.append((args, kwargs)))
    complexity_charts.show_interactive(chart)
    bundle = shown[-1][0][0]
    assert set(bundle) == {complexity_charts.VEGA_LITE_MIMETYPE, "text/plain"}
    assert "<script" not in json.dumps(bundle)  # no JavaScript bundle in the stored output
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    complexity_charts.show_interactive(chart)
    assert shown[-1][0][0] is chart  # Colab: Altair's own HTML renderer
    with pytest.raises(ValueError, match="`y`"):
        plotting.interactive_accuracy_chart(table, y="top3")


def test_full_runs_save_figures_into_the_repository_images_folder(monkeypatch):
    from pathlib import Path

    monkeypatch.delenv(plotting.IMAGES_DIR_ENV_VAR, raising=False)
    monkeypatch.setenv("CONVNET_QUICK", "0")
    repository = Path(__file__).resolve().parents[1]
    assert plotting.images_dir() == repository / "images"
    monkeypatch.setenv("CONVNET_QUICK", "1")
    assert plotting.images_dir() != repository / "images"
