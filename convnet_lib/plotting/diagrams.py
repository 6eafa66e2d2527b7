"""Block diagrams: labelled boxes joined by arrows that never cross a box or a label.

`draw_diagram(boxes, arrows)` draws any diagram. An arrow runs straight from outline to
outline when the way is clear, otherwise at right angles around the boxes in its way (a
skip connection beside a stack of layers); arrow labels go where they touch nothing. The
figures of particular architectures built on it are in `architecture_diagrams`.

Layout happens in inches (the axes' data coordinates are inches, so both directions have
one scale); the figure is as large as the drawing needs.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch
from matplotlib.patches import FancyBboxPatch
from matplotlib.path import Path


_FONT_SIZE = 9
_PAD = (0.09, 0.06)  # inches between a box's text and its outline (x, y)
_GAP = 0.25  # inches from a box to a route beside it, and between parallel routes
_CLEARANCE = 0.03  # inches an arrow or label keeps from every box and label
_INSET = 0.08  # inches an arrow end keeps from a box's corners
_HEAD = 11  # arrow head size (matplotlib's mutation scale, points)
_MIN_FINAL = 0.14  # inches: the last straight piece of an arrow holds its head
_SIDES = ("right", "left", "top", "bottom")


class _Rect:
    """An axis-aligned rectangle in inches."""

    def __init__(self, x0, x1, y0, y1):
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1

    @property
    def centre(self):
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    def grown(self, margin):
        return _Rect(self.x0 - margin, self.x1 + margin, self.y0 - margin, self.y1 + margin)

    def overlaps(self, other):
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def transposed(self):
        return _Rect(self.y0, self.y1, self.x0, self.x1)


def _segment_hits(p, q, rect):
    """Whether the segment p-q passes through the interior of `rect` (Liang-Barsky)."""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for step, distance in ((-dx, p[0] - rect.x0), (dx, rect.x1 - p[0]),
                           (-dy, p[1] - rect.y0), (dy, rect.y1 - p[1])):
        if step == 0:
            if distance <= 0:
                return False
            continue
        t = distance / step
        if step < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return False
    return True


def _polyline_hits(points, rect):
    return any(_segment_hits(p, q, rect) for p, q in zip(points, points[1:]))


def _text_size(fig, text, fontsize=_FONT_SIZE, style="normal"):
    """Width and height of `text` in inches."""
    artist = fig.text(0, 0, text, fontsize=fontsize, style=style)
    extent = artist.get_window_extent(renderer=fig.canvas.get_renderer())
    artist.remove()
    return extent.width / fig.dpi, extent.height / fig.dpi


# --------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------


def _facing_points(a, b):
    """Start on `a`'s outline and end on `b`'s outline of a straight arrow a -> b, plus
    the side of `b` the arrow enters."""
    (ax, ay), (bx, by) = a.centre, b.centre
    gap_x = max(b.x0 - a.x1, a.x0 - b.x1)
    gap_y = max(b.y0 - a.y1, a.y0 - b.y1)
    steep = abs(by - ay) >= 0.5 * abs(bx - ax)
    if gap_y > 0 and (gap_x <= 0 or steep):  # one above the other: top/bottom edges
        low, high = max(a.x0, b.x0), min(a.x1, b.x1)
        if high - low > 2 * _INSET:
            start_x = end_x = (low + high) / 2
        else:
            start_x = min(max(bx, a.x0 + _INSET), a.x1 - _INSET)
            end_x = min(max(ax, b.x0 + _INSET), b.x1 - _INSET)
        up = by > ay
        return (start_x, a.y1 if up else a.y0), (end_x, b.y0 if up else b.y1), "bottom" if up else "top"
    low, high = max(a.y0, b.y0), min(a.y1, b.y1)
    if high - low > 2 * _INSET:
        start_y = end_y = (low + high) / 2
    else:
        start_y = min(max(by, a.y0 + _INSET), a.y1 - _INSET)
        end_y = min(max(ay, b.y0 + _INSET), b.y1 - _INSET)
    right = bx > ax
    return (a.x1 if right else a.x0, start_y), (b.x0 if right else b.x1, end_y), "left" if right else "right"


def _spread_heads(routes, rects):
    """Arrows that end close together on one side of a box get evenly spaced ends there,
    so that every head stays visible."""
    groups = {}
    for index, route in enumerate(routes):
        groups.setdefault((route["to"], route["side"]), []).append(index)
    for (key, side), members in groups.items():
        if len(members) < 2:
            continue
        along = 0 if side in ("top", "bottom") else 1  # the coordinate that varies along the side
        ends = sorted(members, key=lambda i: rects[routes[i]["from"]].centre[along])
        positions = [routes[i]["points"][-1][along] for i in ends]
        if min(b - a for a, b in zip(sorted(positions), sorted(positions)[1:])) >= 0.15:
            continue
        rect = rects[key]
        low, high = (rect.x0, rect.x1) if along == 0 else (rect.y0, rect.y1)
        for rank, i in enumerate(ends):
            end = list(routes[i]["points"][-1])
            end[along] = low + _INSET + (high - low - 2 * _INSET) * (rank + 1) / (len(ends) + 1)
            routes[i]["points"][-1] = tuple(end)


def _lane_route(a, b, side, obstacles, lanes):
    """A right-angled route a -> b via a lane beside the boxes in its way, or None."""
    flip = side in ("top", "bottom")
    if flip:  # route in transposed coordinates, so that the lane is vertical
        a, b = a.transposed(), b.transposed()
        obstacles = [(key, rect.transposed()) for key, rect in obstacles]
    sign = 1 if side in ("right", "top") else -1
    start = (a.x1 if sign > 0 else a.x0, a.centre[1])
    end = (b.x1 if sign > 0 else b.x0, b.centre[1])
    edge = max(a.x1, b.x1) if sign > 0 else min(a.x0, b.x0)
    lane = edge + sign * _GAP
    low, high = sorted((start[1], end[1]))
    for _ in range(100):
        points = [start, (lane, start[1]), (lane, end[1]), end]
        moved = False
        for key, rect in obstacles:
            grown = rect.grown(_CLEARANCE)
            if key == "__a__" and not _polyline_hits(points[1:], grown):
                continue
            if key == "__b__" and not _polyline_hits(points[:-1], grown):
                continue
            if _segment_hits(points[1], points[2], grown):
                lane = (rect.x1 if sign > 0 else rect.x0) + sign * _GAP
                moved = True
                break
            if key not in ("__a__", "__b__") and _polyline_hits(points, grown):
                return None  # a box beside the start or end: this side is blocked
        for lane_x, lane_low, lane_high in lanes.get(side, []):
            if not moved and abs(lane_x - lane) < _GAP and lane_low < high and low < lane_high:
                lane = lane_x + sign * _GAP
                moved = True
        if not moved:
            break
    else:
        return None
    if abs(lane - end[0]) < _MIN_FINAL:
        return None
    if flip:
        points = [(y, x) for x, y in points]
    return points


def _elbow(a, route):
    """A shallow straight arrow as an L: out of the source's side, then straight into the
    target's edge, so that its head meets the edge head-on."""
    (sx, sy), (ex, ey) = route["points"]
    ax_, ay = a.centre
    if route["side"] in ("top", "bottom"):
        if abs(ey - sy) >= 0.5 * abs(ex - sx) or a.x0 <= ex <= a.x1 or abs(ay - ey) < _MIN_FINAL:
            return None
        return [(a.x1 if ex > a.x1 else a.x0, ay), (ex, ay), (ex, ey)]
    if abs(ex - sx) >= 0.5 * abs(ey - sy) or a.y0 <= ey <= a.y1 or abs(ax_ - ex) < _MIN_FINAL:
        return None
    return [(ax_, a.y1 if ey > a.y1 else a.y0), (ax_, ey), (ex, ey)]


def _route_arrows(arrows, rects, notes):
    """Points of every arrow: straight (or L-shaped) where nothing is in the way, else via
    a lane beside the boxes in the way."""
    everything = list(rects.items()) + notes

    def clear(points, a, b):
        final = ((points[-1][0] - points[-2][0]) ** 2 + (points[-1][1] - points[-2][1]) ** 2) ** 0.5
        return final >= _MIN_FINAL and not any(
            _polyline_hits(points, r.grown(_CLEARANCE)) for k, r in everything if k not in (a, b))

    routes = []
    for arrow in arrows:
        start, end, side = _facing_points(rects[arrow[0]], rects[arrow[1]])
        routes.append({"from": arrow[0], "to": arrow[1], "points": [start, end], "side": side,
                       "label": arrow[2] if len(arrow) == 3 else None})
    # arrows whose way is blocked before any spreading go around: they take no part in it
    blocked = [not clear(route["points"], route["from"], route["to"]) and not (
        (elbow := _elbow(rects[route["from"]], route)) and clear(elbow, route["from"], route["to"]))
        for route in routes]
    _spread_heads([route for route, skip in zip(routes, blocked) if not skip], rects)
    lanes = {}
    for route, skip in zip(routes, blocked):
        a, b = route["from"], route["to"]
        elbow = None if skip else _elbow(rects[a], route)
        if elbow and clear(elbow, a, b):
            route["points"] = elbow
            continue
        if not skip and clear(route["points"], a, b):
            continue
        obstacles = [("__a__" if k == a else "__b__" if k == b else k, r) for k, r in everything]
        candidates = []
        for side in _SIDES:
            points = _lane_route(rects[a], rects[b], side, obstacles, lanes)
            if points:
                total = sum(abs(q[0] - p[0]) + abs(q[1] - p[1]) for p, q in zip(points, points[1:]))
                candidates.append((total, _SIDES.index(side), side, points))
        if not candidates:
            raise ValueError(
                f"No clear path for the arrow {a!r} -> {b!r}: every way crosses another box. "
                "Move the boxes apart or change the arrows."
            )
        _, _, side, points = min(candidates)
        route["points"] = points
        vertical = side in ("right", "left")
        lane = points[1][0] if vertical else points[1][1]
        span = sorted((points[1][1], points[2][1]) if vertical else (points[1][0], points[2][0]))
        lanes.setdefault(side, []).append((lane, *span))
    return routes


def _place_label(text_size, route, blocked, segments):
    """Lower-left corner of an arrow label beside its route that touches nothing."""
    width, height = text_size
    points = route["points"]
    pieces = [(points[1], points[2])] if len(points) == 4 else list(zip(points, points[1:]))
    offset = 0.06
    for p, q in pieces:
        for t in (0.5, 0.35, 0.65, 0.2, 0.8):
            x, y = p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])
            for corner in ((x + offset, y - height / 2), (x - offset - width, y - height / 2),
                           (x - width / 2, y + offset), (x - width / 2, y - offset - height),
                           (x + offset, y + offset), (x + offset, y - offset - height),
                           (x - offset - width, y + offset), (x - offset - width, y - offset - height)):
                rect = _Rect(corner[0], corner[0] + width, corner[1], corner[1] + height)
                grown = rect.grown(_CLEARANCE)
                if any(grown.overlaps(r) for r in blocked):
                    continue
                if any(_segment_hits(s, e, grown) for s, e in segments):
                    continue
                return rect
    raise ValueError(
        f"No free place for the label {route['label']!r} of the arrow {route['from']!r} -> "
        f"{route['to']!r}. Move the boxes apart or shorten the label."
    )


# --------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------


def _new_figure():
    fig = plt.figure(figsize=(4, 3))
    fig.canvas.get_renderer()
    return fig


def _box_rects(fig, boxes, scale):
    """Box outlines in inches, from centres in user units and the measured labels."""
    rects = {}
    for key, spec in boxes.items():
        x, y, label = spec[0] * scale[0], spec[1] * scale[1], spec[2]
        width = _text_size(fig, label)[0]
        height = _text_size(fig, "\n".join(["Ag"] * (label.count("\n") + 1)))[1]  # one height per line count
        half_width = max(width / 2 + _PAD[0], (spec[3] * scale[0] / 2) if len(spec) == 4 else 0)
        half_height = height / 2 + _PAD[1]
        rects[key] = _Rect(x - half_width, x + half_width, y - half_height, y + half_height)
    return rects


def _finish(fig, boxes, notes, labels, curves, title):
    """Sizes the figure to the drawing, then draws boxes, notes, labels and arrows.

    boxes: [(key, rect, text)]; notes and labels: [(rect, text)]; curves: [(Path, gid)].
    """
    extent = [rect for _, rect, _ in boxes] + [rect for rect, _ in notes + labels]
    xs = [r.x0 for r in extent] + [r.x1 for r in extent]
    ys = [r.y0 for r in extent] + [r.y1 for r in extent]
    for path, _ in curves:
        box = path.get_extents()
        xs += [box.x0, box.x1]
        ys += [box.y0, box.y1]
    x0, x1, y0, y1 = min(xs) - 0.15, max(xs) + 0.15, min(ys) - 0.15, max(ys) + 0.15
    title_width, title_height = _text_size(fig, title, fontsize=12) if title else (0.0, -0.25)
    title_height += 0.25
    if title_width + 0.3 > x1 - x0:  # a title wider than the drawing widens the figure
        extra = (title_width + 0.3 - (x1 - x0)) / 2
        x0, x1 = x0 - extra, x1 + extra
    fig.set_size_inches(x1 - x0, y1 - y0 + title_height)
    axis = fig.add_axes((0, 0, 1, 1))
    axis.set_xlim(x0, x1)
    axis.set_ylim(y0, y1 + title_height)
    axis.axis("off")
    for key, rect, text in boxes:
        axis.add_patch(FancyBboxPatch(
            (rect.x0, rect.y0), rect.x1 - rect.x0, rect.y1 - rect.y0,
            boxstyle="round,pad=0,rounding_size=0.06", facecolor="white", edgecolor="black",
            linewidth=1.2, zorder=3, gid=f"box:{key}"))
        axis.text(*rect.centre, text, ha="center", va="center", fontsize=_FONT_SIZE, zorder=4)
    for rect, text in notes:
        axis.text(*rect.centre, text, ha="center", va="center", fontsize=_FONT_SIZE,
                  fontweight="bold", zorder=4)
    for rect, text in labels:
        axis.text(*rect.centre, text, ha="center", va="center", fontsize=_FONT_SIZE - 1,
                  style="italic", zorder=4)
    for path, gid in curves:
        axis.add_patch(FancyArrowPatch(
            path=path, arrowstyle="-|>", mutation_scale=_HEAD, linewidth=1.1, color="black",
            zorder=2, gid=gid))
    if title:
        axis.text((x0 + x1) / 2, y1 + title_height / 2, title, ha="center", va="center",
                  fontsize=12)
    return fig


def _check_items(items, name, allow_width):
    if not isinstance(items, dict):
        raise ValueError(f"`{name}` must be a dict {{key: (x, y, label)}}. Received: {name}={items!r}")
    for key, spec in items.items():
        lengths = (3, 4) if allow_width else (3,)
        if (not isinstance(spec, (tuple, list)) or len(spec) not in lengths
                or not all(isinstance(v, (int, float)) for v in spec[:2] + tuple(spec[3:]))
                or not isinstance(spec[2], str)):
            raise ValueError(
                f"Every entry of `{name}` must be (x, y, label)"
                f"{' or (x, y, label, width)' if allow_width else ''}. Received: {key!r}: {spec!r}"
            )


def _render(boxes, arrows, title, scale, notes=None):
    """draw_diagram without its argument checks; `scale` is inches per unit (x, y)."""
    fig = _new_figure()
    rects = _box_rects(fig, boxes, scale)
    note_rects = [(key, _box_rects(fig, {key: spec}, scale)[key]) for key, spec in (notes or {}).items()]
    routes = _route_arrows(arrows, rects, note_rects)
    segments = [(p, q) for route in routes for p, q in zip(route["points"], route["points"][1:])]
    blocked = [r.grown(_CLEARANCE) for r in list(rects.values()) + [r for _, r in note_rects]]
    labels = []
    for route in routes:
        if route["label"]:
            rect = _place_label(_text_size(fig, route["label"], _FONT_SIZE - 1, "italic"), route,
                                blocked, segments)
            blocked.append(rect)
            labels.append((rect, route["label"]))
    curves = [(Path(route["points"]), f"arrow:{route['from']}->{route['to']}") for route in routes]
    return _finish(
        fig,
        [(key, rects[key], spec[2]) for key, spec in boxes.items()],
        [(rect, notes[key][2]) for key, rect in note_rects],
        labels,
        curves,
        title,
    )


def draw_diagram(boxes, arrows, title=None, figsize=None, notes=None):
    """Draws a block diagram: labelled boxes joined by arrows.

    Arrows start and end on the box outlines. One whose straight line would cross another
    box (a skip connection beside a stack, say) runs at right angles around the boxes in
    its way instead; arrows that end close together on one side of a box are spread out so
    that every head shows; arrow labels go where they touch no box, arrow or other label.

    Args:
        boxes: {key: (x, y, "label")}, box centres (y grows upwards; by default one unit is
            0.8 inch vertically and 1.1 inches horizontally, about one box height and half a
            box width). Labels may span several lines. (x, y, "label", width) also sets a
            minimum box width in the same units.
        arrows: [(from_key, to_key)] or [(from_key, to_key, "label")].
        title: optional figure title.
        figsize: (width, height) in inches for the box centres' extent plus a margin: sets
            the scale instead of the default one (the figure still grows to fit the boxes).
        notes: optional {key: (x, y, "text")}: unframed headings, which arrows avoid too.

    Returns the matplotlib figure. Raises ValueError for malformed input, and when an arrow
    or a label finds no clear path (move the boxes apart).
    """
    _check_items(boxes, "boxes", allow_width=True)
    if not boxes:
        raise ValueError(f"`boxes` must be a non-empty dict. Received: boxes={boxes!r}")
    _check_items(notes or {}, "notes", allow_width=False)
    if not isinstance(arrows, (list, tuple)):
        raise ValueError(f"`arrows` must be a list of (from_key, to_key). Received: arrows={arrows!r}")
    for arrow in arrows:
        if (not isinstance(arrow, (list, tuple)) or len(arrow) not in (2, 3)
                or arrow[0] not in boxes or arrow[1] not in boxes or arrow[0] == arrow[1]):
            raise ValueError(
                "Every arrow must be (from_key, to_key) or (from_key, to_key, label) with two "
                f"different keys of `boxes`. Received: {arrow!r}; boxes: {sorted(boxes)}"
            )
    if figsize is None:
        scale = (1.1, 0.8)
    else:
        if (not isinstance(figsize, (tuple, list)) or len(figsize) != 2
                or not all(isinstance(v, (int, float)) and v > 0 for v in figsize)):
            raise ValueError(f"`figsize` must be (width, height) in inches. Received: figsize={figsize!r}")
        xs = [spec[0] for spec in boxes.values()]
        ys = [spec[1] for spec in boxes.values()]
        scale = (figsize[0] / (max(xs) - min(xs) + 3.5), figsize[1] / (max(ys) - min(ys) + 1.5))
    return _render(boxes, [tuple(arrow) for arrow in arrows], title, scale, notes)
