"""Plotly figures drawn from the pure chart data (charts.py); no data logic lives here.

Every string handed to plotly goes through ``plotly_text`` (redacted, ``&``/``<``/``>`` escaped):
plotly.js renders a subset of HTML in labels, hover text and menus, and decodes entities, so the
escaped text shows exactly as typed and never as markup.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from journeys.errors import ReportError
from journeys.report.charts import SankeyData
from journeys.report.filters import JourneyView
from journeys.report.text import format_count, format_pct, format_seconds, plotly_text

# Blue and orange stay distinct for the common colour-vision deficiencies.
DESIGNED, OFF_MAP, NEUTRAL = "#1d4ed8", "#ea580c", "#94a3b8"
LINK_COLOURS = {
    "designed": "rgba(29, 78, 216, 0.45)",
    "off_map": "rgba(234, 88, 12, 0.55)",
    "entry": "rgba(148, 163, 184, 0.30)",
    "exit": "rgba(148, 163, 184, 0.30)",
    "other": "rgba(148, 163, 184, 0.45)",
}
LINK_NAMES = {
    "designed": "designed transition",
    "off_map": "off-map flow",
    "entry": "journey start",
    "exit": "journey end",
    "other": "leaves the top paths",
}
NODE_COLOURS = {"start": "#334155", "end": "#475569", "other": NEUTRAL}
MAX_LABEL = 38
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d"]}


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _node_colour(kind: str, is_designed: bool) -> str:
    if kind == "step":
        return DESIGNED if is_designed else OFF_MAP
    return NODE_COLOURS.get(kind, NEUTRAL)


def _node_note(row: dict) -> str:
    """Fixed words and a count: no customer text, so nothing to redact or escape."""
    if row["kind"] == "step":
        where = "designed step" if row["is_designed"] else "not a step of the map"
        return f"{where}; {format_count(row['dropoff'])} journeys end here"
    if row["kind"] == "other":
        return "journeys outside the top paths continue here"
    return ""


def sankey_trace(data: SankeyData, *, visible: bool = True, name: str = "") -> go.Sankey:
    """One Sankey trace: nodes coloured designed/off-map, links coloured by their kind."""
    nodes = data.nodes.to_dicts()
    links = data.links.to_dicts()
    return go.Sankey(
        name=plotly_text(name),
        visible=visible,
        arrangement="snap",
        node={
            "label": [plotly_text(_short(n["label"])) for n in nodes],
            "color": [_node_colour(n["kind"], n["is_designed"]) for n in nodes],
            "pad": 14,
            "thickness": 16,
            "line": {"color": "white", "width": 0.5},
            "customdata": [
                [
                    plotly_text(n["label"]),
                    format_count(n["journeys"]),
                    format_pct(n["share"]),
                    _node_note(n),
                ]
                for n in nodes
            ],
            "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]} journeys "
            "(%{customdata[2]})<br>%{customdata[3]}<extra></extra>",
        },
        link={
            "source": [link["source"] for link in links],
            "target": [link["target"] for link in links],
            "value": [link["journeys"] for link in links],
            "color": [LINK_COLOURS[link["kind"]] for link in links],
            "customdata": [
                [
                    plotly_text(link["source_label"]),
                    plotly_text(link["target_label"]),
                    format_count(link["journeys"]),
                    format_pct(link["share"]),
                    format_seconds(link["median_seconds"]),
                    LINK_NAMES[link["kind"]],
                ]
                for link in links
            ],
            "hovertemplate": "%{customdata[0]} → %{customdata[1]}<br><b>%{customdata[2]}</b> "
            "journeys (%{customdata[3]} of all)<br>median time between the steps: "
            "%{customdata[4]}<extra>%{customdata[5]}</extra>",
        },
    )


def sankey_height(views: Sequence[SankeyData]) -> int:
    """Tall enough for the busiest column of any view, within 460..1100 px."""
    busiest = 1
    for data in views:
        if data.nodes.height:
            counts = data.nodes.group_by("position").len()["len"]
            busiest = max(busiest, int(counts.max()))
    return min(1100, max(460, 38 * busiest + 160))


def sankey_figure(
    views: Sequence[tuple[JourneyView, SankeyData]], *, title: str, top_k: int
) -> go.Figure:
    """One trace per view; a dropdown (plotly ``updatemenus``) shows one view at a time."""
    drawn = [(view, data) for view, data in views if data.total_journeys > 0]
    figure = go.Figure()
    for i, (view, data) in enumerate(drawn):
        figure.add_trace(sankey_trace(data, visible=i == 0, name=view.label))
    figure.update_layout(
        title={"text": plotly_text(title), "x": 0.0, "xanchor": "left", "font": {"size": 16}},
        height=sankey_height([data for _, data in drawn]),
        margin={"l": 10, "r": 10, "t": 90 if len(drawn) > 1 else 50, "b": 10},
        font={"size": 12, "family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
        paper_bgcolor="white",
    )
    if not drawn:
        figure.add_annotation(text="No journeys in this map's scope yet.", showarrow=False)
        return figure
    if len(drawn) > 1:
        buttons = [
            {
                "label": f"{plotly_text(view.label)} ({format_count(data.total_journeys)})",
                "method": "update",
                "args": [
                    {"visible": [j == i for j in range(len(drawn))]},
                    {"title.text": plotly_text(f"{title} · {view.label}")},
                ],
            }
            for i, (view, data) in enumerate(drawn)
        ]
        figure.update_layout(
            updatemenus=[
                {
                    "buttons": buttons,
                    "direction": "down",
                    "x": 0.0,
                    "xanchor": "left",
                    "y": 1.0,
                    "yanchor": "bottom",
                    "pad": {"b": 8},
                    "showactive": True,
                    "bgcolor": "#f8fafc",
                }
            ]
        )
        figure.update_layout(title={"y": 0.99, "yanchor": "top"})
    return figure


def funnel_figure(funnel: pl.DataFrame, *, title: str) -> go.Figure:
    """The designed steps in map order, bars as wide as the journeys that reached each step."""
    rows = funnel.to_dicts()
    labels = [f"{i + 1}. {plotly_text(_short(r['step']))}" for i, r in enumerate(rows)]
    figure = go.Figure(
        go.Funnel(
            y=labels,
            x=[r["journeys_reached"] or 0 for r in rows],
            marker={"color": [DESIGNED if r["journeys_reached"] else NEUTRAL for r in rows]},
            textinfo="value+percent initial",
            connector={"fillcolor": "#e2e8f0", "line": {"width": 0}},
            customdata=[
                [
                    plotly_text(r["step"]),
                    format_pct(r.get("conversion_from_previous")),
                    format_seconds(r.get("median_seconds_from_previous")),
                    format_count(r.get("sla_breaches")),
                ]
                for r in rows
            ],
            hovertemplate="<b>%{customdata[0]}</b><br>%{x:,} journeys reached it<br>"
            "from the previous step: %{customdata[1]}, median %{customdata[2]}<br>"
            "SLA breaches: %{customdata[3]}<extra></extra>",
        )
    )
    figure.update_layout(
        title={"text": plotly_text(title), "x": 0.0, "xanchor": "left", "font": {"size": 16}},
        height=min(900, max(300, 44 * len(rows) + 110)),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font={"size": 12, "family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    return figure


def figure_html(figure: go.Figure, *, div_id: str) -> str:
    """The figure as a ``<div>`` plus its script; plotly.js itself is loaded once by the page."""
    return pio.to_html(
        figure, config=CONFIG, include_plotlyjs=False, full_html=False, div_id=div_id
    )


def export_static(
    figure: go.Figure, path: Path, *, width: int = 1400, height: int | None = None
) -> Path:
    """Write a PNG (or SVG/PDF by suffix) with the optional kaleido package and Chromium."""
    if importlib.util.find_spec("kaleido") is None:
        raise ReportError(
            f"{path}: static export needs the optional kaleido package; install it with "
            "`pip install kaleido` (it drives a local Chromium), or share the HTML page instead"
        )
    if not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")):
        raise ReportError(
            f"{path}: static export needs Chromium; install it (e.g. `apt-get install chromium`) "
            "or share the HTML page instead"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        pio.write_image(figure, path, width=width, height=height or figure.layout.height)
    except Exception as exc:  # kaleido reports browser problems with many exception types
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReportError(f"{path}: static export failed ({reason}); check Chromium") from exc
    return path
