"""The stakeholder reports: ``index.html`` and one self-contained page per assumptive map.

``write_reports(wh, settings, out)`` reads the marts, draws each map's page (observed Sankey with
the map overlaid, ranked gaps, designed funnel) and the index, and returns ``out/index.html``.
Pages work offline: plotly.js is embedded in every map page (``plotlyjs="inline"``, default: a
page mailed on its own still works) or written once beside them (``plotlyjs="shared"``). This is
the only report module that touches the map object; everything below it takes frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl
from plotly.offline import get_plotlyjs

from journeys.config import Settings
from journeys.errors import ReportError
from journeys.report import sections
from journeys.report.charts import (
    funnel_data,
    gap_table_data,
    sankey_data,
    scoped_journeys,
    step_times,
)
from journeys.report.figures import funnel_figure, sankey_figure
from journeys.report.filters import filter_journeys, view_data
from journeys.report.overview import MapHeadline, headline_data
from journeys.report.templates import page
from journeys.report.text import html_text, slugify
from journeys.warehouse import Warehouse

JOURNEY_COLUMNS = ("journey_id", "customer_key", "started_at", "ended_at", "path", "status")
EVENT_COLUMNS = ("journey_id", "step_index", "touchpoint", "occurred_at")
PLOTLY_FILE = "plotly.min.js"


@dataclass(frozen=True)
class MapFrames:
    """What the report needs from one assumptive map, as frames (see ``map_frames``)."""

    name: str
    description: str
    goal: str | None
    ignore: tuple[str, ...]
    steps: pl.DataFrame
    """step, stage, position, optional, ... (JourneyMap.steps_frame())."""
    edges: pl.DataFrame
    """from_step, to_step (JourneyMap.edges_frame())."""


@dataclass(frozen=True)
class ReportInputs:
    """The marts the report reads; optional ones are None when not built yet."""

    journeys: pl.DataFrame
    events: pl.DataFrame | None
    conformance: pl.DataFrame | None
    map_steps: pl.DataFrame | None
    map_gaps: pl.DataFrame | None
    data_quality: pl.DataFrame | None
    published_at: datetime | None = None
    """When the marts were published (the warehouse file's modification time)."""


def map_frames(journey_map: Any) -> MapFrames:
    """Frames of a ``journeys.compare.maps.JourneyMap``."""
    return MapFrames(
        name=str(journey_map.name),
        description=str(getattr(journey_map, "description", None) or ""),
        goal=getattr(journey_map, "goal", None),
        ignore=tuple(getattr(journey_map, "ignore", None) or ()),
        steps=pl.DataFrame(journey_map.steps_frame()),
        edges=pl.DataFrame(journey_map.edges_frame()),
    )


def load_maps(paths: Sequence[Path]) -> tuple[MapFrames, ...]:
    """Load and validate each configured map file (``settings.maps``)."""
    if not paths:
        return ()
    from journeys.compare.maps import load_map

    return tuple(map_frames(load_map(Path(p))) for p in paths)


def _optional(wh: Warehouse, table: str) -> pl.DataFrame | None:
    return wh.read_table(table) if wh.table_exists(table) else None


def read_inputs(wh: Warehouse) -> ReportInputs:
    """Read the marts; ``marts.journeys`` is required, the others are shown when present."""
    if not wh.table_exists("marts.journeys"):
        where = wh.path or "the warehouse"
        raise ReportError(f"{where}: marts.journeys not found; run `journeys build` first")
    have = wh.columns("marts.journeys")
    wanted = [c for c in (*JOURNEY_COLUMNS, "value", "segment") if c in have]
    journeys = wh.read_table("marts.journeys", columns=wanted, order_by=["journey_id"])
    crm = "marts.customers"
    if (
        "segment" not in have
        and "customer_key" in have
        and wh.table_exists(crm)
        and "segment" in wh.columns(crm)
    ):
        segments = wh.read_table(crm, columns=["customer_key", "segment"])
        journeys = journeys.join(segments, on="customer_key", how="left")
    events = None
    if wh.table_exists("marts.events"):
        events = wh.read_table("marts.events", columns=list(EVENT_COLUMNS))
    return ReportInputs(
        journeys=journeys,
        events=events,
        conformance=_optional(wh, "marts.map_conformance"),
        map_steps=_optional(wh, "marts.map_steps"),
        map_gaps=_optional(wh, "marts.map_gaps"),
        data_quality=_optional(wh, "marts.data_quality"),
        published_at=_modified(wh.path),
    )


def _modified(path: Path | None) -> datetime | None:
    if path is None or not path.exists():
        return None
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _for_map(frame: pl.DataFrame | None, name: str) -> pl.DataFrame | None:
    if frame is None or "map_name" not in frame.columns:
        return None
    return frame.filter(pl.col("map_name") == name)


@dataclass(frozen=True)
class MapPage:
    """One rendered map page and its index headline."""

    spec: MapFrames
    slug: str
    html: str
    headline: MapHeadline


def freshness(inputs: ReportInputs) -> tuple[datetime | None, datetime | None]:
    """First and last event time (``marts.events.occurred_at``, else the journeys' bounds)."""
    if inputs.events is not None and inputs.events.height:
        stamps = inputs.events["occurred_at"]
        return stamps.min(), stamps.max()
    if "started_at" in inputs.journeys.columns and inputs.journeys.height:
        last = "ended_at" if "ended_at" in inputs.journeys.columns else "started_at"
        return inputs.journeys["started_at"].min(), inputs.journeys[last].max()
    return None, None


def render_map_page(
    spec: MapFrames,
    inputs: ReportInputs,
    *,
    slug: str,
    built_at: datetime,
    top_k: int = 10,
    scripts: str = "",
) -> MapPage:
    """The page of one map: Sankey with overlay and filters, ranked gaps, designed funnel."""
    scope = spec.steps["step"].to_list()
    scoped = scoped_journeys(inputs.journeys, ignore=spec.ignore, steps=scope)
    times = step_times(inputs.events, ignore=spec.ignore) if inputs.events is not None else None
    sankeys = []
    for view in view_data(scoped):
        subset = filter_journeys(scoped, view)
        data = sankey_data(
            subset,
            designed_steps=spec.steps,
            designed_edges=spec.edges,
            top_k=top_k,
            ignore=spec.ignore,
            step_seconds=times,
        )
        sankeys.append((view, data))
    sankey = sankey_figure(sankeys, title=f"{spec.name}: observed journeys", top_k=top_k)
    steps = _for_map(inputs.map_steps, spec.name)
    compared = steps is not None and steps.height > 0  # compare writes a row per designed step
    steps = steps if compared else None
    gaps = _for_map(inputs.map_gaps, spec.name) if compared else None
    conformance = _for_map(inputs.conformance, spec.name) if compared else None
    gap_rows = gap_table_data(gaps) if gaps is not None else None
    funnel = funnel_data(steps, designed_steps=spec.steps) if steps is not None else None
    headline = headline_data(journeys=scoped.height, conformance=conformance, gaps=gaps)
    funnel_chart = None
    if funnel is not None:
        funnel_chart = funnel_figure(funnel, title=f"{spec.name}: designed funnel")
    first, last = freshness(inputs)
    body = "".join(
        [
            sections.map_header(spec.name, spec.description, spec.goal, first, last, built_at),
            sections.map_cards(headline, outside=inputs.journeys.height - scoped.height),
            sections.observed(sankey, sankeys[0][1], top_k=top_k, filters=len(sankeys) > 1),
            sections.gaps(gap_rows, inputs.journeys),
            sections.funnel(funnel, funnel_chart),
            sections.footer(built_at),
        ]
    )
    html = page(
        title=html_text(f"{spec.name} · customer journeys"), body=body, head_scripts=scripts
    )
    return MapPage(spec=spec, slug=slug, html=html, headline=headline)


def render_index(pages: Sequence[MapPage], inputs: ReportInputs, *, built_at: datetime) -> str:
    """The landing page: every map with its headline, data freshness and data quality."""
    first, last = freshness(inputs)
    body = "".join(
        [
            sections.index_header(),
            sections.index_cards(
                inputs.journeys.height, first, last, inputs.published_at, built_at
            ),
            sections.map_list(
                [(p.spec.name, p.spec.description, p.slug, p.headline) for p in pages]
            ),
            sections.quality(inputs.data_quality),
            sections.footer(built_at),
        ]
    )
    return page(title="Customer journeys · reports", body=body)


def _write(path: Path, text: str) -> None:
    """Write beside, then rename: a reader never opens half a page."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def plotly_scripts(out: Path, mode: Literal["inline", "shared"]) -> str:
    """The ``<script>`` loading plotly.js offline: inline, or one shared file beside the pages."""
    if mode == "shared":
        _write(out / PLOTLY_FILE, get_plotlyjs())
        return f'<script src="{PLOTLY_FILE}"></script>'
    if mode != "inline":
        raise ReportError(f"plotlyjs={mode!r}: use 'inline' or 'shared'")
    return f'<script type="text/javascript">{get_plotlyjs()}</script>'


def write_reports(
    wh: Warehouse,
    settings: Settings,
    out: Path,
    *,
    maps: Sequence[MapFrames] | None = None,
    built_at: datetime | None = None,
    top_k: int = 10,
    plotlyjs: Literal["inline", "shared"] = "inline",
) -> Path:
    """Write ``out/index.html`` and ``out/<map-slug>.html`` per map; return the index path.

    ``maps`` defaults to loading ``settings.maps``; ``built_at`` defaults to now (UTC).
    """
    specs = tuple(maps) if maps is not None else load_maps(settings.maps)
    inputs = read_inputs(wh)
    built_at = built_at or datetime.now(UTC)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scripts = plotly_scripts(out, plotlyjs) if specs else ""
    taken: set[str] = {"index"}
    pages = []
    for spec in specs:
        slug = slugify(spec.name, taken=taken)
        rendered = render_map_page(
            spec, inputs, slug=slug, built_at=built_at, top_k=top_k, scripts=scripts
        )
        _write(out / f"{slug}.html", rendered.html)
        pages.append(rendered)
    index = out / "index.html"
    _write(index, render_index(pages, inputs, built_at=built_at))
    return index
