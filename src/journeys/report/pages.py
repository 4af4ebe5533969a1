"""The stakeholder reports: ``index.html`` and one self-contained page per assumptive map.

``write_reports(wh, settings, out)`` reads the marts, draws each map's page (observed Sankey with
the map overlaid, ranked gaps, designed funnel) and the index, and returns ``out/index.html``.
The marts are aggregated in DuckDB first (report/inputs.py): the pages' memory follows the
distinct paths and chart rows, not the number of journeys or events.
Pages work offline: plotly.js is embedded in every map page (``plotlyjs="inline"``, default: a
page mailed on its own still works) or written once beside them (``plotlyjs="shared"``). This is
the only report module that touches the map object; everything below it takes frames.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl
from plotly.offline import get_plotlyjs

from journeys.config import Settings
from journeys.errors import ReportError, os_failure
from journeys.report import inputs as read
from journeys.report import sections
from journeys.report.charts import (
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


def read_inputs(wh: Warehouse) -> ReportInputs:
    """Counts, time bounds and the small marts; ``marts.journeys`` is required."""
    read.journey_source(wh)  # names the fix when marts.journeys is missing
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

    spec: MapFrames
    slug: str
    html: str
    headline: MapHeadline


def freshness(inputs: ReportInputs) -> tuple[datetime | None, datetime | None]:
    """First and last event time (``marts.events.occurred_at``, else the journeys' bounds)."""
    return inputs.first_event, inputs.last_event


def render_map_page(
    spec: MapFrames,
    inputs: ReportInputs,
    wh: Warehouse,
    *,
    slug: str,
    built_at: datetime,
    top_k: int = 10,
    scripts: str = "",
) -> MapPage:
    """The page of one map: Sankey with overlay and filters, ranked gaps, designed funnel."""
    scope = spec.steps["step"].to_list()
    source = read.journey_source(wh)
    ignored = read.ignored_in_paths(wh, spec.ignore)
    scoped = read.journey_groups(wh, source, ignored=ignored, steps=scope)
    views = view_data(scoped)
    subsets = [filter_journeys(scoped, view) for view in views]
    layouts = [sankey_layout(subset, designed_steps=spec.steps, top_k=top_k) for subset in subsets]
    medians = read.link_seconds(
        wh, source, ignored=ignored, steps=scope, groups=scoped, views=views, layouts=layouts
    )
    sankeys = []
    for i, (view, subset) in enumerate(zip(views, subsets, strict=True)):
        data = sankey_data(
            subset,
            designed_steps=spec.steps,
            designed_edges=spec.edges,
            top_k=top_k,
            link_seconds=medians.filter(pl.col("view") == i),
        )
        sankeys.append((view, data))
    sankey = sankey_figure(sankeys, title=f"{spec.name}: observed journeys", top_k=top_k)
    steps = _for_map(inputs.map_steps, spec.name)
    compared = steps is not None and steps.height > 0  # compare writes a row per designed step
    steps = steps if compared else None
    gaps = _for_map(inputs.map_gaps, spec.name) if compared else None
    conformance = read.conformance_summary(wh, spec.name) if compared else None
    gap_rows = gap_table_data(gaps) if gaps is not None else None
    funnel = funnel_data(steps, designed_steps=spec.steps) if steps is not None else None
    in_scope = count_journeys(scoped)
    headline = headline_data(journeys=in_scope, conformance=None, gaps=gaps)
    if conformance is not None and conformance[0]:
        headline = dataclasses.replace(
            headline, journeys=conformance[0], conforming_share=conformance[1]
        )
    funnel_chart = None
    if funnel is not None:
        funnel_chart = funnel_figure(funnel, title=f"{spec.name}: designed funnel")
    first, last = freshness(inputs)
    examples = (
        read.journey_paths(wh, _example_ids(gap_rows))
        if gap_rows is not None
        else read.journey_paths(wh, [])
    )
    body = "".join(
        [
            sections.map_header(spec.name, spec.description, spec.goal, first, last, built_at),
            sections.map_cards(headline, outside=inputs.journeys - in_scope),
            sections.observed(sankey, sankeys[0][1], top_k=top_k, filters=len(sankeys) > 1),
            sections.gaps(gap_rows, examples),
            sections.funnel(funnel, funnel_chart),
            sections.footer(built_at),
        ]
    )
    html = page(
        title=html_text(f"{spec.name} · customer journeys"), body=body, head_scripts=scripts
    )
    return MapPage(spec=spec, slug=slug, html=html, headline=headline)


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
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out}: is a file, not a folder; pass --out a folder (made if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(os_failure(out, exc, doing="make the report folder")) from None
    scripts = plotly_scripts(out, plotlyjs) if specs else ""
    taken: set[str] = {"index"}
    pages = []
    for spec in specs:
        slug = slugify(spec.name, taken=taken)
        rendered = render_map_page(
            spec, inputs, wh, slug=slug, built_at=built_at, top_k=top_k, scripts=scripts
        )
        _write(out / f"{slug}.html", rendered.html)
        pages.append(rendered)
    index = out / "index.html"
    _write(index, render_index(pages, inputs, built_at=built_at))
    return index
