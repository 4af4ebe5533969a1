"""Plotly figures drawn from the pure chart data; no data logic lives here.

Every string handed to plotly goes through ``plotly_text`` (redacted, ``&``/``<``/``>`` escaped):
plotly.js renders a subset of HTML in labels, hover text and menus, and decodes entities, so the
escaped text shows exactly as typed and never as markup. The ``<br>`` this module inserts to wrap
a label is added after escaping.

Each chart comes in two sizes: ``wide`` for screens from ``NARROW_BELOW`` pixels and ``narrow``
for phones (the page shows one of them with a CSS media query), so labels are sized for the
width they are drawn at and never overlap.
"""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from journeys.errors import ReportError
from journeys.report.sankey import SankeyData
from journeys.report.text import format_count, format_pct, plotly_text, redact_text

# Blue and orange stay distinct for the common colour-vision deficiencies.
DESIGNED, OFF_MAP, NEUTRAL, UNREACHED = "#1d4ed8", "#ea580c", "#94a3b8", "#cbd5e1"
INK = "#334155"
LINK_COLOURS = {
    "designed": "rgba(29, 78, 216, 0.45)",
    "off_map": "rgba(234, 88, 12, 0.55)",
    "entry": "rgba(148, 163, 184, 0.30)",
    "exit": "rgba(148, 163, 184, 0.30)",
    "more": "rgba(148, 163, 184, 0.30)",
    "other": "rgba(148, 163, 184, 0.55)",
}
LINK_NAMES = {
    "designed": "designed transition",
    "off_map": "off-map move",
    "entry": "journey start",
    "exit": "journey end",
    "more": "goes on after the drawn steps",
    "other": "leaves the drawn paths",
}
NODE_COLOURS = {"start": INK, "more": "#cbd5e1", "other": "#64748b"}
END_COLOURS = {"completed": "#15803d", "abandoned": "#b91c1c", "in_flight": "#ca8a04"}
"""The End nodes by status (their labels are beside the chart, not on it)."""
END_KINDS = ("end", "more", "other")
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
NARROW_BELOW = 1200
"""Viewport width (px) below which the pages show the narrow charts."""
WIDE_PLOT, NARROW_PLOT = 1100, 340
"""The least plot width (px) each size is drawn for (the labels are wrapped to fit it)."""
CHAR_PX = 7.0
"""Width of a label character at the charts' 12 px font, generously."""


def wrap_label(label: str, *, width_px: float, lines: int = 2) -> str:
    """A label escaped for plotly and wrapped on word boundaries to ``width_px``, at most
    ``lines`` lines (the last shortened with an ellipsis)."""
    chars = max(4, int(width_px // CHAR_PX))
    # redacted before it is cut: a wrapped or shortened email is no longer found
    wrapped = textwrap.wrap(redact_text(label), width=chars, break_long_words=False) or [""]
    if len(wrapped) > lines:
        rest = " ".join(wrapped[lines - 1 :])
        wrapped = wrapped[: lines - 1] + [rest[: chars - 1] + "…"]
    # a word a little longer than the room stays whole; a much longer one is cut
    wrapped = [w if len(w) <= chars + 2 else w[: chars - 1] + "…" for w in wrapped]
    return "<br>".join(plotly_text(line) for line in wrapped)


def label_px(label: str, *, width_px: float, lines: int = 2) -> float:
    """How wide (px) ``wrap_label`` draws ``label`` in ``width_px``: its longest line."""
    wrapped = wrap_label(label, width_px=width_px, lines=lines).split("<br>")
    return max(len(html.unescape(line)) for line in wrapped) * CHAR_PX


def _node_colour(node: dict[str, Any]) -> str:
    if node["kind"] == "step":
        return DESIGNED if node["is_designed"] else OFF_MAP
    if node["kind"] == "end":
        return END_COLOURS.get(str(node["status"]), INK)
    return NODE_COLOURS.get(node["kind"], NEUTRAL)


def _node_note(row: dict[str, Any]) -> str:
    """Fixed words and counts: no customer text, so nothing to redact or escape."""
    if row["kind"] == "step":
        where = "a step of the map" if row["is_designed"] else "not a step of the map"
        return f"{where}; {format_count(row['ending'])} leave the drawing here"
    if row["kind"] == "other":
        return "journeys whose first steps are not a drawn path"
    if row["kind"] == "more":
        return "drawn paths that go on after the last column"
    return ""


def _columns(data: SankeyData) -> int:
    """The Sankey's columns: Start, the step positions drawn, and the end column."""
    positions = data.nodes.filter(data.nodes["kind"] == "step")["position"]
    # Series.max() is typed as any Python literal; an Int64 column's max is an int or None
    return int(positions.max() or 0) + 2  # type: ignore[arg-type]


def sankey_trace(
    data: SankeyData, *, visible: bool = True, name: str = "", narrow: bool = False
) -> go.Sankey:
    """One Sankey trace: nodes coloured designed/off-map, bands coloured by their kind. The
    end column (End, Continues, Other paths) has no labels on the chart: plotly writes the
    last column's labels over the column before it; its colours are named beside the chart
    (``END_COLOURS``) and in the hover."""
    nodes = data.nodes.to_dicts()
    links = data.links.to_dicts()
    label_px = (NARROW_PLOT if narrow else WIDE_PLOT) / (_columns(data) - 1) - 22
    return go.Sankey(
        name=plotly_text(name),
        visible=visible,
        arrangement="snap",
        node={
            "label": [
                "" if n["kind"] in END_KINDS else wrap_label(n["label"], width_px=label_px)
                for n in nodes
            ],
            "color": [_node_colour(n) for n in nodes],
            "pad": 22 if narrow else 18,
            "thickness": 10 if narrow else 14,
            "line": {"color": "white", "width": 0.5},
            "customdata": [
                [
                    plotly_text(n["label"]),
                    format_count(n["journeys"]),
                    format_pct(n["journeys"] / max(data.total_journeys, 1)),
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
            "customdata": [[format_pct(link["share"]), LINK_NAMES[link["kind"]]] for link in links],
            "hovertemplate": "%{source.customdata[0]} → %{target.customdata[0]}<br>"
            "<b>%{value:,}</b> journeys (%{customdata[0]} of all)<extra>%{customdata[1]}</extra>",
        },
        textfont={"size": 11 if narrow else 12, "color": "#0f172a", "family": FONT},
    )


SANKEY_BOTTOM = {False: 8, True: 22}
"""Px below the Sankey's plot (wide, narrow): room for the lower half of a two-line label."""


def sankey_height(views: Sequence[SankeyData], *, narrow: bool = False) -> int:
    """Tall enough for the busiest column of any view, its pads and two-line labels."""
    busiest = 1
    for data in views:
        nodes = data.nodes.filter(data.nodes["kind"] != "start")
        if nodes.height:
            column = nodes["position"].fill_null(data.depth + 1)
            busiest = max(busiest, int(column.value_counts()["count"].max()))  # type: ignore[arg-type]
    per_node = 56 if narrow else 50
    return min(1400, max(380, per_node * busiest + 90))


def _step_headers(columns: int, *, narrow: bool) -> list[dict[str, Any]]:
    """``Step 1`` .. above the step columns (plotly spreads the columns evenly)."""
    return [
        {
            "text": str(k) if narrow else f"Step {k}",
            "x": k / (columns - 1),
            "y": 1.0,
            "xref": "paper",
            "yref": "paper",
            "yanchor": "bottom",
            "xanchor": "center",
            "showarrow": False,
            "font": {"size": 11, "color": "#475569"},
        }
        for k in range(1, columns - 1)
    ]


def sankey_figure(
    views: Sequence[tuple[str, SankeyData]], *, title: str, narrow: bool = False
) -> go.Figure:
    """One trace per view; a dropdown (plotly ``updatemenus``) shows one view at a time."""
    drawn = [(label, data) for label, data in views if data.total_journeys > 0]
    figure = go.Figure()
    for i, (label, data) in enumerate(drawn):
        figure.add_trace(sankey_trace(data, visible=i == 0, name=label, narrow=narrow))
    menu = len(drawn) > 1
    figure.update_layout(
        height=sankey_height([d for _, d in drawn], narrow=narrow),
        # narrow labels wrap to two lines, centred on their node: a sliver of a node at the
        # bottom of a column ('Change Price (1)', 1% of a purchase-to-pay log) put half of its
        # second line below the plot
        margin={"l": 4, "r": 4, "t": 72 if menu else 28, "b": SANKEY_BOTTOM[narrow]},
        font={"size": 12, "family": FONT},
        paper_bgcolor="white",
        meta={"title": plotly_text(title)},
    )
    if not drawn:
        figure.add_annotation(text="No journeys in this map's scope yet.", showarrow=False)
        return figure
    figure.update_layout(annotations=_step_headers(_columns(drawn[0][1]), narrow=narrow))
    if menu:
        buttons = [
            {
                "label": f"{plotly_text(label)} ({format_count(data.total_journeys)})",
                "method": "restyle",
                "args": [{"visible": [j == i for j in range(len(drawn))]}],
            }
            for i, (label, data) in enumerate(drawn)
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
                    "pad": {"b": 26},
                    "showactive": True,
                    "bgcolor": "#f8fafc",
                }
            ]
        )
    return figure


def figure_html(figure: go.Figure, *, div_id: str) -> str:
    """The figure as a ``<div>`` plus its script; plotly.js itself is loaded once by the page.
    The wrapper plotly gives the figure's height is freed, so a figure that grows (the process
    map's slider) pushes the page down instead of spilling over what follows."""
    html = pio.to_html(
        figure, config=CONFIG, include_plotlyjs=False, full_html=False, div_id=div_id
    )
    return re.sub(r'^<div style="height:\d+px; width:100%;">', "<div>", html, count=1)


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
