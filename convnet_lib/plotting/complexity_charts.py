"""Charts of accuracy against complexity: Bianco et al. 2018's two views, latency, and an
interactive version.

Reference: S. Bianco, R. Cadene, L. Celona, P. Napoletano, "Benchmark Analysis of
Representative Deep Neural Network Architectures", IEEE Access 2018,
https://arxiv.org/abs/1810.00736.

Every chart takes the table of `convnet_lib.comparison.chart_table` (one row per model:
family, accuracies, counted parameters and FLOPs). Each encoding has a key: one marker
shape and colour per family, the same in every chart (so the figures also read in black
and white), and marker AREA proportional to parameters with one fixed scale for every
chart (`marker_area`), keyed by reference markers. Model names go next to their markers
where they overlap no other name, marker or line; a name that finds no such place near its
marker becomes a number, listed under the chart. The interactive chart is Vega-Altair
(https://altair-viz.github.io), shown by `show_interactive`.
"""

import sys

import numpy as np
import pandas as pd
from matplotlib.path import Path
from matplotlib.transforms import Bbox

from convnet_lib._checks import check_choice
from convnet_lib._checks import check_columns
from convnet_lib.comparison import pareto_frontier

# One size scale for every chart: marker area (points^2) per million parameters, with a
# floor far below the smallest model (SqueezeNet, 1.2 M) so that no area is clipped.
AREA_PER_MILLION_PARAMS = 4.0
MIN_MARKER_AREA = 1.0
SIZE_KEY_MPARAMS = (5, 25, 100, 300)

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p", "8", "H", "d")
_AXIS_LABELS = {
    "gflops": "GFLOPs per image (multiply-add = 2 FLOPs, log scale)",
    "gmacs": "G multiply-adds per image, convolution and classifier layers (log scale)",
    "mparams": "trainable parameters (millions, log scale)",
    "density": "accuracy density: top-1 % per million parameters (log scale)",
    "top1": "ImageNet top-1 accuracy (%)",
    "top5": "ImageNet top-5 accuracy (%)",
    "median_ms": "measured latency, batch 1, median of the runs (ms, log scale)",
    "min_ms": "measured latency, batch 1, fastest run (ms, log scale)",
}

# One marker and colour per family, the same in every chart; unknown families come after.
FAMILIES = ("VGG", "ResNet", "Inception", "Xception", "DenseNet", "MobileNet", "NASNet",
            "SENet", "EfficientNet", "EfficientNetV2", "ConvNeXt", "AlexNet", "SqueezeNet",
            "ResNeXt", "DPN", "ShuffleNet")


def marker_area(mparams):
    """Marker area in points^2 for `mparams` million parameters: proportional, one scale
    for every chart, never below `MIN_MARKER_AREA`."""
    return np.maximum(AREA_PER_MILLION_PARAMS * np.asarray(mparams, dtype=float), MIN_MARKER_AREA)


def family_styles(families):
    """{family: (marker, colour, filled)} for the families present, in `FAMILIES` order.

    Past the 15 marker shapes, shapes repeat hollow, so no two families look alike in
    black and white.
    """
    import matplotlib.pyplot as plt

    colors = plt.get_cmap("tab20").colors[::2] + plt.get_cmap("tab20").colors[1::2]
    present = set(families)
    order = [f for f in FAMILIES if f in present] + sorted(present - set(FAMILIES))
    ranks = {family: list(FAMILIES).index(family) if family in FAMILIES
             else len(FAMILIES) + i for i, family in enumerate(order)}
    return {
        family: (_MARKERS[ranks[family] % len(_MARKERS)], colors[ranks[family] % len(colors)],
                 ranks[family] < len(_MARKERS))
        for family in order
    }


def _label(name, row):
    """The model name, flagged when its weights saw more data than ImageNet-1k."""
    pretraining = row.get("pretraining", "ImageNet-1k")
    return name if pretraining in ("ImageNet-1k", None) or pd.isna(pretraining) else f"{name}*"


def _legends(ax, table, sized):
    """Keys outside the axes: families (shape and colour), lines, marker area, the * flag."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], linestyle="none", marker=marker, markersize=7,
               markerfacecolor=color if filled else "white", markeredgecolor=color if not filled
               else "black", markeredgewidth=1.0 if filled else 1.6, label=family)
        for family, (marker, color, filled) in family_styles(table["family"]).items()
    ]
    handles += [h for h in ax.get_lines() if not h.get_label().startswith("_")]
    fig, right = ax.figure, ax.get_position().x1 + 0.01
    fig.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(right, ax.get_position().y1),
               title="family", title_fontsize=8)
    if sized:
        keys = [m for m in SIZE_KEY_MPARAMS if m <= max(100, 1.5 * table["mparams"].max())]
        # a Line2D marker of size d has the area of a scatter marker of s = d**2
        circles = [Line2D([], [], linestyle="none", marker="o", markersize=float(np.sqrt(marker_area(m))),
                          markerfacecolor="0.85", markeredgecolor="black", markeredgewidth=0.7,
                          label=f"{m} M") for m in keys]
        fig.legend(handles=circles, fontsize=8, loc="lower left",
                   bbox_to_anchor=(right, ax.get_position().y0), title="parameters\n(marker area)",
                   title_fontsize=8, labelspacing=1.6, borderpad=1.0, handletextpad=1.5)
    if "pretraining" in table:
        extra = sorted(set(table["pretraining"].fillna("ImageNet-1k")) - {"ImageNet-1k"})
        if extra:
            # The table says what each starred model saw before ImageNet-1k, e.g.
            # "ImageNet-22k then 1k" (ConvNeXt) or "ImageNet-5k then 1k" (DPN).
            fig.text(right, ax.get_position().y0 - 0.05,
                     "* pre-training beyond ImageNet-1k:\n  " + "\n  ".join(extra),
                     fontsize=8, va="top")


_PLAIN_AREA = 30.0  # points^2: markers of charts without a size encoding
_REACH = 60  # display units (pixels at 100 dpi): how far a name may sit from its marker


def _marker_boxes(ax, xs, ys, areas):
    """Display-space boxes around the markers (area in points^2)."""
    points = ax.transData.transform(np.c_[xs, ys])
    halves = np.sqrt(areas) / 2 * ax.figure.dpi / 72 + 1.0
    return [Bbox([[px - h, py - h], [px + h, py + h]]) for (px, py), h in zip(points, halves)]


def _line_boxes(ax):
    """Thin display-space boxes along the drawn lines (frontier, reference lines)."""
    boxes = []
    for line in ax.get_lines():
        points = ax.transData.transform(line.get_path().vertices)  # steps included
        for start, end in zip(points, points[1:]):
            boxes += [Bbox.from_extents(min(a[0], b[0]) - 1, min(a[1], b[1]) - 1,
                                        max(a[0], b[0]) + 1, max(a[1], b[1]) + 1)
                      for a, b in _pieces(start, end)]
    return boxes


def _segment_crosses(p, q, box):
    """Whether the segment p-q passes through `box` (display units)."""
    return Path([p, q]).intersects_bbox(box, filled=False)


def _pieces(start, end, length=12.0):
    """A segment cut into pieces about `length` long (for thin obstacle boxes)."""
    count = max(1, int(np.hypot(end[0] - start[0], end[1] - start[1]) / length))
    ts = np.linspace(0, 1, count + 1)
    return [((start[0] + a * (end[0] - start[0]), start[1] + a * (end[1] - start[1])),
             (start[0] + b * (end[0] - start[0]), start[1] + b * (end[1] - start[1])))
            for a, b in zip(ts, ts[1:])]


def _leader(point, box):
    """The leader line from a marker to the nearest point of its label's box."""
    return point, (min(max(point[0], box.x0), box.x1), min(max(point[1], box.y0), box.y1))


def _free_spot(box, point, half, taken, labels, frame, reach, others=()):
    """The nearest position of `box` (display units) within `reach` of the marker at
    `point` that overlaps nothing in `taken` and whose leader line crosses no label and
    none of the `others` (the other markers' boxes)."""
    width, height = box.width, box.height
    for distance in np.arange(half + 2, half + reach, 4):
        for angle in np.linspace(0, 2 * np.pi, 24, endpoint=False):
            dx, dy = np.cos(angle), np.sin(angle)
            # the side of the label facing the marker sits `distance` away from it
            cx = point[0] + dx * distance + np.sign(dx) * width / 2 * (abs(dx) > 0.3)
            cy = point[1] + dy * distance + np.sign(dy) * height / 2 * (abs(dy) > 0.3)
            candidate = Bbox.from_bounds(cx - width / 2, cy - height / 2, width, height)
            if not (frame.contains(candidate.x0, candidate.y0) and frame.contains(candidate.x1, candidate.y1)):
                continue
            if any(candidate.overlaps(other) for other in taken):
                continue
            if distance > half + 6 and any(_segment_crosses(*_leader(point, candidate), other)
                                           for other in [*labels, *others]):
                continue
            return candidate
    return None


def _place_labels(ax, table, x, y, names, areas):
    """Writes model names next to their markers: no label overlaps another label, a
    marker or a line, and no leader line crosses a label or another marker (a number whose
    leader has no such way may cross a marker rather than overlap a label).

    `names` are placed in order (put the important ones first). A name that finds no free
    place near its marker is replaced by a number; returns the numbered names in order.
    """
    xs, ys = table[x].to_numpy(float), table[y].to_numpy(float)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    markers = _marker_boxes(ax, xs, ys, areas)
    taken, placed, numbered = list(markers) + _line_boxes(ax), [], []
    to_data = ax.transData.inverted()
    for name in names:
        i = table.index.get_loc(name)
        point = ax.transData.transform((xs[i], ys[i]))
        half = markers[i].width / 2
        others = markers[:i] + markers[i + 1:]
        text = ax.text(xs[i], ys[i], _label(name, table.iloc[i]), fontsize=7, ha="center",
                       va="center", zorder=5, gid=f"label:{name}")
        spot = _free_spot(text.get_window_extent(renderer).padded(1.5), point, half, taken,
                          placed, frame, _REACH, others)
        if spot is None:  # no room for the name near the marker: a number instead
            numbered.append(name)
            text.set_text(str(len(numbered)))
            box = text.get_window_extent(renderer).padded(1.5)
            # nearby first, then anywhere, then letting its leader cross a marker
            for reach, avoid in ((_REACH, others), (2000, others), (2000, ())):
                spot = _free_spot(box, point, half, taken, placed, frame, reach, avoid)
                if spot is not None:
                    break
            else:
                spot = box
        text.set_position(to_data.transform(((spot.x0 + spot.x1) / 2, (spot.y0 + spot.y1) / 2)))
        start, end = _leader(point, spot)
        if np.hypot(end[0] - start[0], end[1] - start[1]) > half + 4:
            ax.plot(*to_data.transform([start, end]).T, color="0.45", linewidth=0.5, zorder=4)
            taken += [Bbox.from_extents(min(a[0], b[0]) - 1, min(a[1], b[1]) - 1,
                                        max(a[0], b[0]) + 1, max(a[1], b[1]) + 1)
                      for a, b in _pieces(start, end)]
        taken.append(spot)
        placed.append(spot)
    return numbered


def _number_key(ax, table, numbered):
    """Under the axes: which model each number names."""
    import textwrap

    if numbered:
        entries = ", ".join(f"{k} {_label(name, table.loc[name])}" for k, name in enumerate(numbered, 1))
        ax.text(0.0, -0.09, "\n".join(textwrap.wrap("Numbered markers: " + entries, 150)),
                transform=ax.transAxes, ha="left", va="top", fontsize=7)


def _scatter(ax, table, x, y, sized):
    for family, (marker, color, filled) in family_styles(table["family"]).items():
        rows = table[table["family"] == family]
        ax.scatter(
            rows[x], rows[y], s=marker_area(rows["mparams"]) if sized else _PLAIN_AREA, marker=marker,
            facecolor=color if filled else "none", edgecolor="black" if filled else color,
            linewidth=0.7 if filled else 1.5, alpha=0.8, zorder=3, label="_" + family,
        )


def _chart(table, x, y, sized, labels, front, title, draw_frontier=True, log_y=False,
           reference=None):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(12, 7.5))
    _scatter(ax, table, x, y, sized)
    if reference is not None:  # (xs, ys, label) of a dotted reference line
        ax.plot(reference[0], reference[1], linestyle=":", color="black", label=reference[2])
    if draw_frontier:
        steps = table[front].sort_values(x)
        ax.step(steps[x], steps[y], where="post" if x != "density" else "pre", color="black",
                linestyle="--", linewidth=1.0, zorder=2, label="Pareto frontier")
    ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(_AXIS_LABELS.get(x, x))
    ax.set_ylabel(_AXIS_LABELS.get(y, y))
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(title)
    fig.subplots_adjust(left=0.07, right=0.82, top=0.95, bottom=0.09)
    _legends(ax, table, sized)
    if labels != "none":
        # frontier models first (they get the nearest places), then the least crowded
        centres = np.c_[np.log10(table[x].astype(float)), table[y].astype(float) / 10]
        crowd = [(~front[name], np.sum(np.hypot(*(centres - centres[i]).T) < 0.15))
                 for i, name in enumerate(table.index)]
        names = [table.index[i] for i in sorted(range(len(table)), key=lambda i: crowd[i])
                 if labels == "all" or front.iloc[i]]
        areas = marker_area(table["mparams"]) if sized else np.full(len(table), _PLAIN_AREA)
        _number_key(ax, table, _place_labels(ax, table, x, y, names, areas))
    return fig


def plot_accuracy_vs_complexity(table, x="gflops", y="top1", size="mparams", labels="all",
                                frontier=True, title=None):
    """Bianco et al.'s first view: accuracy against FLOPs, marker area proportional to params.

    `table` comes from `chart_table`. `size` is "mparams" or None (equal markers); the area
    scale is the same in every chart (`marker_area`), keyed beside the axes. `labels` is
    "all", "frontier" or "none". The dashed staircase is the Pareto frontier of `y` against
    `x`. Names flagged * saw more than ImageNet-1k (the key says what). Returns the figure.
    """
    check_choice(size, "size", ("mparams", None))
    check_choice(labels, "labels", ("all", "frontier", "none"))
    check_columns(table, ["family", x, y, "mparams"])
    return _chart(table, x, y, size is not None, labels, pareto_frontier(table, x, y),
                  title or f"{y} against {x}", draw_frontier=frontier)


def plot_accuracy_density(table, labels="all", title=None):
    """Bianco et al.'s second view: top-1 accuracy against accuracy density (log x).

    Markers have one size (the x axis already divides by the parameters); the dashed line
    is the frontier of models that no other beats on both accuracy and density.
    """
    check_choice(labels, "labels", ("all", "frontier", "none"))
    check_columns(table, ["family", "top1", "density"])
    front = pareto_frontier(table.assign(neg_density=-table["density"]), "neg_density", "top1")
    return _chart(table, "density", "top1", False, labels, front,
                  title or "top-1 accuracy against accuracy density")


def plot_latency_vs_flops(table, latency="median_ms", title=None):
    """Measured latency against computed FLOPs, log-log, one marker shape per family.

    `latency` names the column to plot ("median_ms", or "min_ms" on a busy machine, where
    the fastest run is the one least disturbed by other work). The dotted line is the
    latency every model would have at the best rate measured (ms per GFLOP): points far
    above it are slower than their FLOPs say.
    """
    check_choice(latency, "latency", ("median_ms", "min_ms"))
    check_columns(table, ["family", "gflops", latency])
    best = (table[latency] / table["gflops"]).min()
    xs = np.geomspace(table["gflops"].min() * 0.8, table["gflops"].max() * 1.2, 20)
    return _chart(table, "gflops", latency, False, "all", pd.Series(False, index=table.index),
                  title or "measured latency against FLOPs", draw_frontier=False, log_y=True,
                  reference=(xs, best * xs, "latency proportional to FLOPs\n(best ms per GFLOP)"))


# --------------------------------------------------------------------------------------
# Interactive chart
# --------------------------------------------------------------------------------------

_TOOLTIP = (("model", "model"), ("family", "family"), ("source", "accuracy source"),
            ("weights", "weights"), ("top1", "top-1 (%)"), ("top5", "top-5 (%)"),
            ("mparams", "parameters (M)"), ("gflops", "GFLOPs"), ("input_size", "input size"),
            ("pretraining", "pre-training"))


def interactive_accuracy_chart(table, y="top1", title=None):
    """Top-1 (or top-5) accuracy against FLOPs as a Vega-Altair chart: hover a marker for
    the model, its accuracy source, parameters, FLOPs, top-1/top-5 and input size; drag to
    pan, scroll to zoom. Marker area is proportional to parameters. The data travel inline
    in the chart's Vega-Lite spec (a few kB); show it with `show_interactive`.
    """
    import altair as alt

    check_choice(y, "y", ("top1", "top5"))
    check_columns(table, ["family", "gflops", "mparams", "top1", "top5", "source", "weights",
                          "input_size", "pretraining"])
    data = pd.DataFrame({
        "model": [str(name) for name in table.index],
        "family": table["family"].astype(str).to_numpy(),
        "source": table["source"].astype(str).to_numpy(),
        "weights": table["weights"].astype(str).to_numpy(),
        "top1": table["top1"].astype(float).round(2).to_numpy(),
        "top5": table["top5"].astype(float).round(2).to_numpy(),
        "mparams": table["mparams"].astype(float).round(2).to_numpy(),
        "gflops": table["gflops"].astype(float).round(3).to_numpy(),
        "input_size": table["input_size"].astype(int).to_numpy(),
        "pretraining": table["pretraining"].astype(str).to_numpy(),
    }).dropna(subset=[y])
    families = list(family_styles(data["family"]))
    return alt.Chart(data, title=title or f"ImageNet {y} against FLOPs (marker area: parameters)").mark_point(
        filled=True, opacity=0.75, stroke="black", strokeWidth=0.6,
    ).encode(
        x=alt.X("gflops:Q", scale=alt.Scale(type="log"), title=_AXIS_LABELS["gflops"]),
        y=alt.Y(f"{y}:Q", scale=alt.Scale(zero=False), title=_AXIS_LABELS[y]),
        color=alt.Color("family:N", scale=alt.Scale(domain=families, scheme="tableau20")),
        shape=alt.Shape("family:N", scale=alt.Scale(domain=families)),
        size=alt.Size("mparams:Q", title="parameters (M)",
                      scale=alt.Scale(type="linear", domain=[0, 100],
                                      range=[0, 100 * AREA_PER_MILLION_PARAMS * (96 / 72) ** 2]),
                      legend=alt.Legend(values=list(SIZE_KEY_MPARAMS))),
        tooltip=[alt.Tooltip(f"{field}:{'Q' if field in ('top1', 'top5', 'mparams', 'gflops') else 'N'}",
                             title=name) for field, name in _TOOLTIP],
    ).properties(width=640, height=420).interactive()


VEGA_LITE_MIMETYPE = "application/vnd.vegalite.v5+json"


def show_interactive(chart):
    """Displays an Altair chart so that it renders without the internet where it can.

    JupyterLab (and VS Code) draw the Vega-Lite mimetype themselves, offline, and the
    stored output is just the spec. Colab does not know that mimetype, so there the chart
    goes out as HTML that loads Vega from a CDN (Colab is online anyway).
    """
    from IPython.display import display

    if "google.colab" in sys.modules:
        display(chart)
        return
    display({
        VEGA_LITE_MIMETYPE: chart.to_dict(),
        "text/plain": "Interactive chart (Vega-Lite): run the notebook in JupyterLab or Colab "
                      "to hover over the models. The static figure above shows the same data.",
    }, raw=True)
