"""The process map drawn with plotly: one scatter trace per edge (a curve with an arrowhead), one
trace of nodes and one of self-loops per slider level; the slider shows one level's traces.

Wide: the designed order runs left to right (x = column, y = lane). Narrow (phones): top to
bottom (x = lane, y = column), so the labels keep their room. Numbers come from the
ProcessMap as they are; only the geometry is computed here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import polars as pl

from journeys.report.figures import (
    DESIGNED,
    FONT,
    INK,
    OFF_MAP,
    UNREACHED,
    wrap_label,
)
from journeys.report.processgeometry import (
    MARGIN_B,
    MARGIN_T,
    POINTS,
    Extent,
    Frame,
    curves_of,
    frame_of,
    levels_extent,
)
from journeys.report.processmap import ProcessMap
from journeys.report.text import (
    counted,
    format_count,
    format_pct,
    format_seconds,
    in_number,
    plotly_text,
)

EDGE_COLOURS = {
    "designed": "rgba(29, 78, 216, 0.55)",
    "unused": "rgba(71, 85, 105, 0.75)",
    "off_map": "rgba(234, 88, 12, 0.65)",
    "start": "rgba(100, 116, 139, 0.55)",
    "end": "rgba(100, 116, 139, 0.55)",
}
EDGE_NAMES = {
    "designed": "designed transition",
    "unused": "designed transition nobody takes",
    "off_map": "off-map move",
    "start": "journeys start here",
    "end": "journeys end here",
}
NODE_COLOURS = {"designed": DESIGNED, "off_map": OFF_MAP, "unreached": UNREACHED}


def _node_size(journeys: int, total: int) -> float:
    return 12 + 22 * math.sqrt(journeys / total) if total else 12


def _edge_hover(e: dict[str, Any]) -> str:
    n = e["journeys"]
    if e["kind"] == "start":
        where = f"{counted(n, 'journey')} {in_number(n, 'starts', 'start')} at "
        where += plotly_text(e["to_touchpoint"])
    elif e["kind"] == "end":
        where = f"{counted(n, 'journey')} {in_number(n, 'ends', 'end')} at "
        where += plotly_text(e["from_touchpoint"])
    else:
        where = (
            f"{plotly_text(e['from_touchpoint'])} → {plotly_text(e['to_touchpoint'])}<br>"
            f"<b>{format_count(n)}</b> {in_number(n, 'journey')}"
        )
    median = e.get("median_seconds")
    timing = f", median {format_seconds(median)} between" if median is not None else ""
    return f"{where} ({format_pct(e['share'])}){timing}<br>{EDGE_NAMES[e['kind']]}"


def _edge_traces(
    pm: ProcessMap, curves: list[tuple[list[float], list[float]]]
) -> list[tuple[go.Scatter, int]]:
    """One trace per edge (``curves``: its geometry), with the highest level it is drawn at."""
    traces = []
    sizes = dict(zip(pm.nodes["touchpoint"], pm.nodes["journeys"].fill_null(0), strict=True))
    edges = pm.edges.sort("journeys").iter_rows(named=True)
    for e, (xs, ys) in zip(edges, curves, strict=True):
        stub = e["kind"] in ("start", "end")
        kind = e["kind"]
        colour = EDGE_COLOURS["designed"] if stub and e["on_map"] else EDGE_COLOURS[kind]
        width = 1.2 if kind == "unused" else 1.2 + 9 * math.sqrt(e["share"])
        target = e["to_touchpoint"]
        standoff = 0 if kind == "end" else _node_size(sizes.get(target, 0), pm.total_journeys) / 2
        arrow = max(8.0, width + 5)
        traces.append(
            (
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines+markers",
                    # the line stops where its arrowhead starts (plotly's automatic back-off
                    # would cut it at every point)
                    line={
                        "color": colour,
                        "width": width,
                        "dash": "dash" if kind == "unused" else "solid",
                        "backoff": [0.0] * POINTS + [standoff + 0.6 * arrow],
                    },
                    marker={
                        "symbol": "arrow",
                        "angleref": "previous",
                        "standoff": standoff,
                        "size": [0.0] * POINTS + [arrow],
                        "color": colour,
                    },
                    hoverinfo="text",
                    hovertext=_edge_hover(e),
                    showlegend=False,
                ),
                int(e["level"]),
            )
        )
    return traces


def _node_label(row: dict[str, Any], *, room: float, narrow: bool) -> str:
    """The name (wrapped to ``room`` px), the journeys and, when repeated, ↻ and the repeats
    (on a line of their own on a phone)."""
    name = wrap_label(row["label"], width_px=room)
    if row["kind"] == "unreached":
        return f"{name}<br><i>nobody</i>"
    count = format_count(row["journeys"])
    gap = "<br>" if narrow else " · "
    loop = f"{gap}↻{format_count(row['repeats'])}" if row.get("repeats") else ""
    return f"{name}<br><b>{count}</b>{loop}"


def _node_hover(row: dict[str, Any], total: int) -> str:
    where = {
        "designed": "a step of the map",
        "unreached": "a step of the map nobody reaches",
        "off_map": "not a step of the map",
    }[row["kind"]]
    text = (
        f"<b>{plotly_text(row['label'])}</b><br>{counted(row['journeys'], 'journey')} "
        f"({format_pct(row['journeys'] / max(total, 1))}) · {where}"
    )
    if row.get("repeats"):
        designed = "designed loop" if row.get("repeatable") else "not designed to repeat"
        text += (
            f"<br>↻ repeated {format_count(row['repeats'])} times in a row by "
            f"{counted(row['repeat_journeys'], 'journey')} ({designed})"
        )
    return text + (
        f"<br>{format_count(row.get('starts') or 0)} start here, "
        f"{format_count(row.get('ends') or 0)} end here"
    )


def _node_trace(pm: ProcessMap, frame: Frame, which: pl.Expr, *, narrow: bool) -> go.Scatter:
    rows = pm.nodes.filter(which).to_dicts()
    return go.Scatter(
        x=[frame.xy[r["touchpoint"]][0] for r in rows],
        y=[frame.xy[r["touchpoint"]][1] for r in rows],
        mode="markers+text",
        text=[_node_label(r, room=frame.room, narrow=narrow) for r in rows],
        textposition="bottom center",
        textfont={"size": 11 if narrow else 12, "color": "#0f172a", "family": FONT},
        marker={
            "size": [_node_size(r["journeys"] or 0, pm.total_journeys) for r in rows],
            "color": [NODE_COLOURS[r["kind"]] for r in rows],
            "line": {"color": "white", "width": 1.5},
        },
        hoverinfo="text",
        hovertext=[_node_hover(r, pm.total_journeys) for r in rows],
        showlegend=False,
        cliponaxis=False,
    )


def _loop_trace(pm: ProcessMap, frame: Frame, which: pl.Expr, *, designed: bool) -> go.Scatter:
    """A small loop on top of each node its journeys repeat in a row: blue for the map's
    repeatable steps (``designed``), orange for the others."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    repeating = which & (pl.col("repeats") > 0)
    for r in pm.nodes.filter(repeating & (pl.col("repeatable") == designed)).to_dicts():
        x, y = frame.xy[r["touchpoint"]]
        radius = _node_size(r["journeys"], pm.total_journeys) / 2
        for i in range(21):
            angle = math.pi * (-0.3 + 1.6 * i / 20)
            xs.append(x + 0.8 * radius * math.cos(angle) / frame.px[0])
            ys.append(y + radius * (1.6 + 0.8 * math.sin(angle)) / frame.px[1])
        xs.append(None)
        ys.append(None)
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        line={"color": DESIGNED if designed else OFF_MAP, "width": 1.6},
        hoverinfo="skip",
        showlegend=False,
    )


def process_figure(pm: ProcessMap, *, narrow: bool = False) -> go.Figure:
    """The process map, with a slider over ``pm.levels`` starting at ``pm.default_level``."""
    frame = frame_of(pm, narrow=narrow)
    curves = curves_of(pm, frame, narrow=narrow)
    extents = levels_extent(pm, frame, curves)
    first = extents[pm.default_level]
    figure = go.Figure()
    owners: list[int] = []  # per trace: the highest level it is drawn at
    for trace, top in _edge_traces(pm, curves):
        figure.add_trace(trace)
        owners.append(top)
    # the map's steps are drawn at every level; an off-map touchpoint up to its level (one
    # trace per level holds the off-map touchpoints of exactly that level)
    top_level = len(pm.levels) - 1
    groups = [(pl.col("kind") != "off_map", top_level)] + [
        ((pl.col("kind") == "off_map") & (pl.col("level") == i), i) for i in range(top_level + 1)
    ]
    for which, top in groups:
        if pm.nodes.filter(which).is_empty():
            continue
        for trace in (
            _loop_trace(pm, frame, which, designed=True),
            _loop_trace(pm, frame, which, designed=False),
            _node_trace(pm, frame, which, narrow=narrow),
        ):
            figure.add_trace(trace)
            owners.append(top)

    def visible(level: int) -> list[bool]:
        return [top >= level for top in owners]

    for drawn, show in zip(figure.data, visible(pm.default_level), strict=True):
        drawn.visible = show
    figure.update_layout(
        height=first.height,
        margin={"l": 4, "r": 4, "t": MARGIN_T, "b": MARGIN_B},
        font={"size": 12, "family": FONT},
        paper_bgcolor="white",
        plot_bgcolor="white",
        hovermode="closest",
        xaxis={"visible": False, "range": list(first.x), "fixedrange": True},
        yaxis={"visible": False, "range": list(first.y), "fixedrange": True},
        sliders=[_slider(pm, visible, extents, narrow=narrow)],
    )
    return figure


def _slider(
    pm: ProcessMap,
    visible: Callable[[int], list[bool]],
    extents: list[Extent],
    *,
    narrow: bool,
) -> dict[str, Any]:
    """Levels as slider steps: each shows the edges (and off-map touchpoints) at that level,
    in a figure as tall as they need (and as wide, when the lanes follow the slider)."""
    steps = [
        {
            "label": "all" if share == 0 else f"≥{share * 100:g}%",
            "method": "update",
            "args": [
                {"visible": visible(i)},
                {
                    "yaxis.range": list(extents[i].y),
                    "height": extents[i].height,
                    "xaxis.range": list(extents[i].x),
                },
            ],
        }
        for i, share in enumerate(pm.levels)
    ]
    prefix = "Moves shown: " if narrow else "Moves off the map, starts and ends shown: "
    return {
        "active": pm.default_level,
        "steps": steps,
        "x": 0.02,
        "len": 0.96,
        "y": 0.0,
        "yanchor": "top",
        "pad": {"t": 34, "b": 0},
        "currentvalue": {
            "prefix": prefix,
            "suffix": " of the journeys" if narrow else " of the journeys or more",
            "font": {"size": 12, "color": INK},
        },
        "font": {"size": 11},
    }
