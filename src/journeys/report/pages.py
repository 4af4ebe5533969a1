"""The stakeholder reports: ``index.html`` and one self-contained page per assumptive map.

``write_reports(wh, settings, out)`` reads the marts, draws each map's page (observed Sankey with
the map overlaid, ranked gaps, designed funnel) and the index, and returns ``out/index.html``.
The marts are aggregated in DuckDB first (report/inputs.py): the pages' memory follows the
distinct paths and chart rows, not the number of journeys or events.
Pages work offline: plotly.js is embedded in every map page (``plotlyjs="inline"``, default: a
page mailed on its own still works) or written once beside them (``plotlyjs="shared"``). This is
the only report module that touches the map object (``JourneyMap``: its steps and edges as
frames, its ``ignore:`` globs resolved by ``JourneyMap.ignored``); everything below it takes
frames.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

from journeys.compare.maps import JourneyMap, load_map
from journeys.config import Settings
from journeys.errors import ReportError, os_failure
from journeys.report import inputs as read
from journeys.report import sections
from journeys.report.charts import (
    SankeyData,
    count_journeys,
    funnel_data,
    gap_table_data,
    sankey_data,
    sankey_layout,
)
from journeys.report.figures import funnel_figure, sankey_figure
from journeys.report.filters import filter_journeys, view_data
from journeys.report.overview import MapHeadline, headline_data
from journeys.report.templates import page
from journeys.report.text import html_text, slugify
from journeys.warehouse import Warehouse

PLOTLY_FILE = "plotly.min.js"


@dataclass(frozen=True)
class ReportInputs:
    """What every page shows from the marts; the map pages query the rest per map."""

    journeys: int
    """Journeys observed (rows of marts.journeys)."""
    first_event: datetime | None
    last_event: datetime | None
    map_steps: pl.DataFrame | None
    map_gaps: pl.DataFrame | None
    data_quality: pl.DataFrame | None
    published_at: datetime | None = None
    """When the marts were published (the warehouse file's modification time)."""


def load_maps(paths: Sequence[Path]) -> tuple[JourneyMap, ...]:
    """Load and validate each configured map file (``settings.maps``)."""
    return tuple(load_map(Path(p)) for p in paths)


def read_inputs(wh: Warehouse) -> ReportInputs:
    """Counts, time bounds and the small marts; ``marts.journeys`` and ``marts.events`` are
    required."""
    read.require_marts(wh)
    first, last = read.time_bounds(wh)
    return ReportInputs(
        journeys=read.count_rows(wh, read.JOURNEYS),
        first_event=first,
        last_event=last,
        map_steps=read.optional_table(wh, "marts.map_steps"),
        map_gaps=read.optional_table(wh, "marts.map_gaps"),
        data_quality=read.optional_table(wh, "marts.data_quality"),
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

    journey_map: JourneyMap
    slug: str
    html: str
    headline: MapHeadline


@dataclass(frozen=True)
class Observed:
    """The observed-journeys part of a map page: the Sankey of every view, and its journeys."""

    figure: go.Figure
    views: tuple[SankeyData, ...]
    """One Sankey per view (all journeys first, then segments and periods)."""
    in_scope: int


@dataclass(frozen=True)
class Compared:
    """What compare wrote for a map (all None when compare has not seen it)."""

    steps: pl.DataFrame | None
    gaps: pl.DataFrame | None
    conformance: tuple[int, float | None] | None


def observed_sankeys(wh: Warehouse, journey_map: JourneyMap, *, top_k: int) -> Observed:
    """The map's journeys grouped in DuckDB, drawn per view with their link medians."""
    designed = journey_map.steps_frame()
    scope = list(journey_map.step_names)
    ignored = journey_map.ignored(read.path_touchpoints(wh))
    groups = read.journey_groups(wh, ignored=ignored, steps=scope)
    views = view_data(groups)
    subsets = [filter_journeys(groups, view) for view in views]
    layouts = [sankey_layout(subset, designed_steps=designed, top_k=top_k) for subset in subsets]
    medians = read.link_seconds(
        wh, ignored=ignored, steps=scope, groups=groups, views=views, layouts=layouts
    )
    edges = journey_map.edges_frame()
    sankeys = [
        sankey_data(
            subset,
            designed_steps=designed,
            designed_edges=edges,
            top_k=top_k,
            link_seconds=medians.filter(pl.col("view") == i),
        )
        for i, subset in enumerate(subsets)
    ]
    figure = sankey_figure(
        list(zip(views, sankeys, strict=True)),
        title=f"{journey_map.name}: observed journeys",
        top_k=top_k,
    )
    return Observed(figure=figure, views=tuple(sankeys), in_scope=count_journeys(groups))


def compared(wh: Warehouse, inputs: ReportInputs, name: str) -> Compared:
    """The map's rows of map_steps and map_gaps and its conformance, when compare has seen it
    (compare writes a row per designed step)."""
    steps = _for_map(inputs.map_steps, name)
    if steps is None or steps.height == 0:
        return Compared(steps=None, gaps=None, conformance=None)
    return Compared(
        steps=steps,
        gaps=_for_map(inputs.map_gaps, name),
        conformance=read.conformance_summary(wh, name),
    )


def render_map_page(
    journey_map: JourneyMap,
    inputs: ReportInputs,
    wh: Warehouse,
    *,
    slug: str,
    built_at: datetime,
    top_k: int = 10,
    scripts: str = "",
) -> MapPage:
    """The page of one map: Sankey with overlay and filters, ranked gaps, designed funnel."""
    name = journey_map.name
    seen = observed_sankeys(wh, journey_map, top_k=top_k)
    done = compared(wh, inputs, name)
    gap_rows = gap_table_data(done.gaps) if done.gaps is not None else None
    funnel = None
    if done.steps is not None:
        funnel = funnel_data(done.steps, designed_steps=journey_map.steps_frame())
    headline = headline_data(journeys=seen.in_scope, conformance=None, gaps=done.gaps)
    if done.conformance is not None and done.conformance[0]:
        journeys, share = done.conformance
        headline = dataclasses.replace(headline, journeys=journeys, conforming_share=share)
    funnel_chart = None
    if funnel is not None:
        funnel_chart = funnel_figure(funnel, title=f"{name}: designed funnel")
    examples = read.journey_paths(wh, _example_ids(gap_rows) if gap_rows is not None else [])
    first, last = freshness(inputs)
    description = journey_map.description or ""
    body = "".join(
        [
            sections.map_header(name, description, journey_map.goal, first, last, built_at),
            sections.map_cards(headline, outside=inputs.journeys - seen.in_scope),
            sections.observed(seen.figure, seen.views[0], top_k=top_k, filters=len(seen.views) > 1),
            sections.gaps(gap_rows, examples),
            sections.funnel(funnel, funnel_chart),
            sections.footer(built_at),
        ]
    )
    html = page(title=html_text(f"{name} · customer journeys"), body=body, head_scripts=scripts)
    return MapPage(journey_map=journey_map, slug=slug, html=html, headline=headline)


def freshness(inputs: ReportInputs) -> tuple[datetime | None, datetime | None]:
    """First and last event time (``marts.events.occurred_at``)."""
    return inputs.first_event, inputs.last_event


def _example_ids(gap_rows: pl.DataFrame) -> list[str]:
    """Every example journey id the gap table may show (it looks their paths up)."""
    return gap_rows["examples"].explode().drop_nulls().unique().to_list()


def render_index(pages: Sequence[MapPage], inputs: ReportInputs, *, built_at: datetime) -> str:
    """The landing page: every map with its headline, data freshness and data quality."""
    first, last = freshness(inputs)
    body = "".join(
        [
            sections.index_header(),
            sections.index_cards(inputs.journeys, first, last, inputs.published_at, built_at),
            sections.map_list(
                [
                    (p.journey_map.name, p.journey_map.description or "", p.slug, p.headline)
                    for p in pages
                ]
            ),
            sections.quality(inputs.data_quality),
            sections.footer(built_at),
        ]
    )
    return page(title="Customer journeys · reports", body=body)


def _write(path: Path, text: str) -> None:
    """Write beside, then rename: a reader never opens half a page."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ReportError(os_failure(path, exc, doing="write the page")) from None


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
    maps: Sequence[JourneyMap] | None = None,
    built_at: datetime | None = None,
    top_k: int = 10,
    plotlyjs: Literal["inline", "shared"] = "inline",
) -> Path:
    """Write ``out/index.html`` and ``out/<map-slug>.html`` per map; return the index path.

    ``maps`` defaults to loading ``settings.maps``; ``built_at`` defaults to now (UTC).
    """
    journey_maps = tuple(maps) if maps is not None else load_maps(settings.maps)
    inputs = read_inputs(wh)
    built_at = built_at or datetime.now(UTC)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out}: is a file, not a folder; pass --out a folder (made if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(os_failure(out, exc, doing="make the report folder")) from None
    scripts = plotly_scripts(out, plotlyjs) if journey_maps else ""
    taken: set[str] = {"index"}
    pages = []
    for journey_map in journey_maps:
        slug = slugify(journey_map.name, taken=taken)
        rendered = render_map_page(
            journey_map, inputs, wh, slug=slug, built_at=built_at, top_k=top_k, scripts=scripts
        )
        _write(out / f"{slug}.html", rendered.html)
        pages.append(rendered)
    index = out / "index.html"
    _write(index, render_index(pages, inputs, built_at=built_at))
    return index
