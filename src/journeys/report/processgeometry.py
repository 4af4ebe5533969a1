"""Where the process map's nodes and curves go on the page: plot units per node (wide: x =
column, y = -lane; narrow: x = lane, y = -column), px per unit, the curve of each move and the
axis ranges each slider level needs. processmap.py decides columns and lanes; this module turns
them into coordinates; processfigure.py draws them."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import polars as pl

from journeys.report.figures import NARROW_PLOT, WIDE_PLOT, label_px
from journeys.report.processmap import ProcessMap

POINTS = 14
LANE_PX = {"wide": 104, "narrow": 92}
"""Pixels per lane (wide) or per column (narrow)."""
STUB = 26
"""How far (px, across and up) a start or end stub reaches from its node."""


@dataclass(frozen=True)
class Frame:
    """Where the nodes are: plot units per node, and px per unit along x and y."""

    xy: dict[str, tuple[float, float]]
    px: tuple[float, float]
    room: float
    """Label width (px) a node has."""
    side: float
    """Room (px) left and right of the outermost nodes: SIDE, or half a label when wider."""
    follow: bool = False
    """Whether the x range follows the slider (the nodes each level shows), not all nodes."""


LABEL_PX = 64
"""Room under a node for its label (two lines, a count and repeats)."""


def frame_of(pm: ProcessMap, *, narrow: bool) -> Frame:
    """Node positions in plot units (wide: x = column, y = -lane; narrow: x = lane,
    y = -column) and the px per unit, for a plot NARROW_PLOT or WIDE_PLOT px wide with
    SIDE px beside the outermost nodes (half a label, or an arc's bulge); wide, half the
    widest name of the first and last columns when that is more (pm4py's road-traffic log
    ends at 'Send for Credit Collection', whose right half was cut off).

    Narrow, the lanes run across a phone: when every lane would get less than MIN_LANE_PX,
    the lanes are those of the nodes the first slider position shows, and the slider widens
    the view for the others (``Frame.follow``). A log whose 120 rare activities each took a
    lane gave each lane 2 px, and every label of the map met its neighbour's."""
    xy: dict[str, tuple[float, float]] = {}
    for t, layer, lane in pm.nodes.select("touchpoint", "layer", "lane").iter_rows():
        xy[t] = (lane, -layer) if narrow else (layer, -lane)
    side: float = SIDE["narrow" if narrow else "wide"]
    width = NARROW_PLOT if narrow else WIDE_PLOT
    xs = [p[0] for p in xy.values()]
    follow = narrow and (width - 2 * side) / max(max(xs) - min(xs), 1.0) < MIN_LANE_PX
    if follow:
        xs = [xy[t][0] for t in _shown(pm, pm.default_level)]
    span = max(max(xs) - min(xs), 1.0)
    px_x = (width - 2 * side) / span
    room = min(px_x, NARROW_PLOT / 2.2) if narrow else px_x
    if narrow and room / 2 > side:  # few lanes: a label wider than SIDE px stays inside
        side = room / 2
        px_x = (width - 2 * side) / span
        room = min(px_x, room)
    if not narrow:  # a long name on the first or last column keeps inside the plot
        labels = dict(pm.nodes.select("touchpoint", "label").iter_rows())
        outer = [t for t, p in xy.items() if p[0] in (min(xs), max(xs))]
        half = max(label_px(str(labels[t]), width_px=room - 6) for t in outer) / 2 + 4
        if half > side:
            side = half
            px_x = (width - 2 * side) / span
            room = px_x
    return Frame(xy, (px_x, LANE_PX["narrow" if narrow else "wide"]), room - 6, side, follow)


MIN_LANE_PX = 48
"""The least px a lane across a phone may have before the lanes follow the slider."""


def extent(
    frame: Frame,
    curves: list[tuple[list[float], list[float]]],
    *,
    nodes: Collection[str] | None = None,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The axis ranges: ``frame.side`` px beside the outermost nodes (all of them: the columns
    or lanes stay put; of ``nodes`` when ``frame.follow``), and from top to bottom every node
    (of ``nodes``, default all), label, curve and loop."""
    shown = [frame.xy[t] for t in (frame.xy if nodes is None else nodes)]
    xs = [p[0] for p in (shown if frame.follow else frame.xy.values())]
    ys = [p[1] for p in shown] + [y for c in curves for y in c[1]]
    side = frame.side / frame.px[0]
    lowest = min(p[1] for p in shown) - LABEL_PX / frame.px[1]
    top = max(ys) + 34 / frame.px[1]  # a loop above the highest node
    return (min(xs) - side, max(xs) + side), (min(min(ys), lowest) - 0.1, top)


def levels_extent(
    pm: ProcessMap, frame: Frame, curves: list[tuple[list[float], list[float]]]
) -> list[Extent]:
    """Per slider level, the axis ranges and the figure height that hold what it shows (a level
    hiding the rare touchpoints far from the map does not keep their room)."""
    levels = pm.edges.sort("journeys")["level"].to_list()
    found = []
    for i in range(len(pm.levels)):
        shown = [c for c, top in zip(curves, levels, strict=True) if top >= i]
        x_range, y_range = extent(frame, shown, nodes=_shown(pm, i))
        height = int(frame.px[1] * (y_range[1] - y_range[0])) + MARGIN_T + MARGIN_B
        found.append(Extent(x_range, y_range, height))
    return found


@dataclass(frozen=True)
class Extent:
    """What one slider level shows: the x and y ranges (plot units) and the figure height."""

    x: tuple[float, float]
    y: tuple[float, float]
    height: int


def _shown(pm: ProcessMap, level: int) -> list[str]:
    """The touchpoints a slider level draws (the map's steps at every level)."""
    return pm.nodes.filter(pl.col("level") >= level)["touchpoint"].to_list()


SIDE = {"wide": 60, "narrow": 46}
"""Room (px) left and right of the outermost nodes."""
MARGIN_T, MARGIN_B = 8, 96


def curve_between(
    a: tuple[float, float],
    b: tuple[float, float],
    *,
    bend: float,
    px: tuple[float, float],
    most: float = 120.0,
) -> tuple[list[float], list[float]]:
    """A quadratic curve from a to b, its middle pushed ``bend`` times the length sideways, at
    most ``most`` px (in screen proportions, so a bend looks the same along x and y)."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = (x1 - x0) * px[0], (y1 - y0) * px[1]
    length = math.hypot(dx, dy)
    if length and bend * length > most:
        bend = most / length
    cx = (x0 + x1) / 2 - dy * bend / px[0]
    cy = (y0 + y1) / 2 + dx * bend / px[1]
    xs, ys = [], []
    for i in range(POINTS + 1):
        t = i / POINTS
        xs.append(round((1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t**2 * x1, 3))
        ys.append(round((1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t**2 * y1, 3))
    return xs, ys


def bend_of(
    a: tuple[float, float], b: tuple[float, float], *, narrow: bool, both_ways: bool
) -> float:
    """Neighbours straight, unless the move also goes the other way (then each bows to its
    side); longer moves along one line arc (forward ones to one side, back ones to the other);
    moves between lanes bow a little, so two opposite moves part."""
    along = (a[0] == b[0]) if narrow else (a[1] == b[1])
    distance = abs(b[1] - a[1]) if narrow else abs(b[0] - a[0])
    if along and distance <= 1.01:
        return 0.1 if both_ways else 0.0
    if along:
        return 0.22 + 0.03 * min(distance, 6)
    return 0.12


def ends(
    e: dict[str, Any], frame: Frame, *, narrow: bool
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where an edge's curve starts and ends: a stub above-left into the node for a start,
    above-right out of it for an end, else from node to node."""
    run, rise = STUB / frame.px[0], STUB / frame.px[1]
    if e["kind"] == "start":
        x, y = frame.xy[e["to_touchpoint"]]
        return (x - run, y + rise), (x, y)
    if e["kind"] == "end":
        x, y = frame.xy[e["from_touchpoint"]]
        return (x, y), (x + run, y + rise)
    return frame.xy[e["from_touchpoint"]], frame.xy[e["to_touchpoint"]]


def curves_of(
    pm: ProcessMap, frame: Frame, *, narrow: bool
) -> list[tuple[list[float], list[float]]]:
    """The curve of each edge, in ``pm.edges.sort("journeys")`` order."""
    curves = []
    pairs = set(pm.edges.select("from_touchpoint", "to_touchpoint").iter_rows())
    for e in pm.edges.sort("journeys").iter_rows(named=True):
        a, b = ends(e, frame, narrow=narrow)
        stub = e["kind"] in ("start", "end")
        back = (e["to_touchpoint"], e["from_touchpoint"]) in pairs
        bend = 0.0 if stub else bend_of(a, b, narrow=narrow, both_ways=back)
        curves.append(curve_between(a, b, bend=bend, px=frame.px, most=40.0 if narrow else 120.0))
    return curves
