"""The stakeholder reports: ``index.html`` and one page per assumptive map, built to answer one
question first: what do we fix first?

``write_reports(wh, settings, out)`` reads the marts through sql/queries/report/ (inputs.py),
builds each map's page from its sections (the fix-first list, the journey as a process map, the
funnel by stage, the most common paths, example journeys) and the index, and returns
``out/index.html``. plotly.js is written once per folder (``plotly.min.js``) and every page
loads it from beside itself: the folder works offline and a page stays small.

This module holds the map (``JourneyMap``: its steps, stages and designed edges); the scope of
each map's journeys is compare's, read from ``marts.map_journeys``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from plotly.offline import get_plotlyjs

from journeys.compare.maps import JourneyMap, load_map
from journeys.config import Settings
from journeys.errors import ReportError, os_failure
from journeys.report import cxsections, sections
from journeys.report import inputs as read
from journeys.report.cx import CxHeadline, CxInputs, cx_headline, read_cx
from journeys.report.figures import figure_html, sankey_figure
from journeys.report.fixfirst import FixList, fix_first_data
from journeys.report.fixtable import fix_first
from journeys.report.overview import MapHeadline, index_cards, index_header, map_list, quality
from journeys.report.processfigure import process_figure
from journeys.report.processmap import process_map_data
from journeys.report.sankey import SankeyData, choose_depth, sankey_data
from journeys.report.stages import stage_funnel_data, stage_index
from journeys.report.templates import page
from journeys.report.text import html_text, slugify
from journeys.report.timeline import anchors, timeline_html
from journeys.report.trends import trend_data
from journeys.report.units import format_impact
from journeys.report.words import outcome_name
from journeys.warehouse import Warehouse

PLOTLY_FILE = "plotly.min.js"
MAX_SEGMENTS, MAX_PERIODS = 6, 6
"""Sankey views beside all journeys: the largest segments and the latest start months."""
WIDE_COLUMN, NARROW_COLUMN = 7, 4
"""The most nodes a column of the wide / narrow Sankey may hold (its depth shrinks to fit)."""


@dataclass(frozen=True)
class Context:
    """What every page of one report shares."""

    currency: str | None
    built_at: datetime
    first_event: datetime | None
    last_event: datetime | None
    journeys: int
    compared: bool
    handoff_sla_seconds: int
    """``effort.handoff_sla_seconds``: a handoff's SLA inside one thread where the map gives
    none."""
    published_at: datetime | None = None


@dataclass(frozen=True)
class MapPage:
    html: str
    headline: MapHeadline
    cx: CxHeadline | None = None
    """Its worst handoff and best-return touchpoint, for the index (report/cx.py)."""


def load_maps(paths: Sequence[Path]) -> tuple[JourneyMap, ...]:
    """Load and validate each configured map file (``settings.maps``)."""
    return tuple(load_map(Path(p)) for p in paths)


def _modified(path: Path | None) -> datetime | None:
    if path is None or not path.exists():
        return None
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def read_context(wh: Warehouse, settings: Settings, built_at: datetime) -> Context:
    read.require_marts(wh)
    first, last = read.time_bounds(wh)
    return Context(
        currency=settings.currency,
        built_at=built_at,
        first_event=first,
        last_event=last,
        journeys=read.count_rows(wh, read.JOURNEYS),
        compared=read.compared(wh),
        published_at=_modified(wh.path),
        handoff_sla_seconds=settings.effort.handoff_sla_seconds,
    )


def _sankeys(
    wh: Warehouse, m: JourneyMap, *, depth: int, coverage: float
) -> tuple[list[tuple[str, SankeyData]], SankeyData]:
    """The wide Sankey's views (all journeys, then segments and start months, at the depth
    that fits all journeys) and the narrow Sankey of all journeys."""
    steps, edges = frozenset(m.step_names), m.edges()

    def drawn(links: pl.DataFrame, at: int) -> SankeyData:
        return sankey_data(
            links, designed_steps=steps, designed_edges=edges, depth=at, coverage=coverage
        )

    def query(
        at: int, share: float, segment: str | None = None, period: str | None = None
    ) -> pl.DataFrame:
        return read.sankey_links(
            wh, m.name, depth=at, coverage=share, segment=segment, period=period
        )

    wide_depth, wide_share, links = choose_depth(
        query, max_depth=depth, max_column=WIDE_COLUMN, coverage=coverage
    )
    narrow_depth, _, narrow = choose_depth(
        query, max_depth=min(depth, 4), max_column=NARROW_COLUMN, coverage=coverage
    )
    views = [("All journeys", drawn(links, wide_depth))]
    found = read.map_views(wh, m.name)
    segments = found.filter(pl.col("kind") == "segment").head(MAX_SEGMENTS)
    periods = found.filter(pl.col("kind") == "period").sort("value").tail(MAX_PERIODS)
    if segments.height > 1:
        views += [
            (f"Segment: {v}", drawn(query(wide_depth, wide_share, segment=v), wide_depth))
            for v in segments["value"]
        ]
    if periods.height > 1:
        views += [
            (f"Started {v}", drawn(query(wide_depth, wide_share, period=v), wide_depth))
            for v in periods["value"]
        ]
    return views, drawn(narrow, narrow_depth)


def _fix_list(wh: Warehouse, m: JourneyMap) -> FixList:
    history = read.gap_trends(wh, m.name)
    return fix_first_data(
        read.map_gaps(wh, m.name),
        segments=read.gap_segments(wh, m.name),
        delays=_delays(wh, m),
        goal=m.goal,
        exits=m.exit,
        trends=trend_data(history),
        grain=history["grain"][0] if history.height else "week",
        timezone=history["timezone"][0] if history.height else "UTC",
    )


def _delays(wh: Warehouse, m: JourneyMap) -> pl.DataFrame:
    return read.sla_delays(
        wh, m.name, steps=m.step_names, within=[s.within_seconds for s in m.steps]
    )


def _stages(wh: Warehouse, m: JourneyMap, in_scope: int) -> pl.DataFrame:
    funnel = read.stage_funnel(
        wh,
        m.name,
        steps=m.step_names,
        stage_index=stage_index(m.stages, [s.stage for s in m.steps]),
    )
    return stage_funnel_data(funnel, read.map_steps(wh, m.name), stages=m.stages, in_scope=in_scope)


def _timelines(wh: Warehouse, m: JourneyMap, fixes: FixList, links: dict[str, str]) -> list[str]:
    ids = list(links)
    events = read.example_events(wh, m.name, ids)
    rows = pl.concat(fixes.lists)
    caption: dict[str, str] = {}
    for r in rows.iter_rows(named=True):
        if r["example"] in links and r["example"] not in caption:
            caption[r["example"]] = str(r["what"])
    gap_points = _gap_points(wh, m, rows)
    return [
        timeline_html(
            i,
            events,
            steps=set(m.step_names),
            marked=gap_points.get(i, set()),
            anchor=links[i],
            caption=caption.get(i, ""),
        )
        for i in ids
    ]


def _gap_points(wh: Warehouse, m: JourneyMap, rows: pl.DataFrame) -> dict[str, set[str]]:
    """Per example journey, the touchpoints its gap is about (marked on its timeline)."""
    gaps = read.map_gaps(wh, m.name).select(
        "gap_id", "gap_type", "from_step", "to_step", "touchpoint"
    )
    about = {}
    for g in gaps.iter_rows(named=True):
        if g["gap_type"] == "unexpected_step":
            about[g["gap_id"]] = {g["touchpoint"]}
        elif g["gap_type"] == "dropoff":
            about[g["gap_id"]] = {g["from_step"]}
        else:
            about[g["gap_id"]] = {t for t in (g["to_step"],) if t}
    points: dict[str, set[str]] = {}
    for r in rows.iter_rows(named=True):
        if r["example"] and r["example"] not in points:
            points[r["example"]] = about.get(r["gap_id"], set())
    return points


def _process_section(wh: Warehouse, m: JourneyMap) -> sections.Section:
    pm = process_map_data(
        read.process_nodes(wh, m.name),
        read.process_edges(wh, m.name),
        steps=m.step_names,
        designed_edges=m.edges(),
        entries=m.start_steps,
        exits=m.end_steps,
        repeatable=frozenset(s.name for s in m.steps if s.repeatable),
    )
    return sections.process_map(
        pm,
        figure_html(process_figure(pm), div_id="process-map-wide"),
        figure_html(process_figure(pm, narrow=True), div_id="process-map-narrow"),
        entry=m.entry,
    )


def _sankey_section(
    wh: Warehouse, m: JourneyMap, *, depth: int, coverage: float
) -> sections.Section:
    views, narrow = _sankeys(wh, m, depth=depth, coverage=coverage)
    return sections.sankey(
        views[0][1],
        figure_html(sankey_figure(views, title=m.name), div_id="sankey-wide"),
        figure_html(
            sankey_figure([("All journeys", narrow)], title=m.name, narrow=True),
            div_id="sankey-narrow",
        ),
        narrow_data=narrow,
        filters=len(views) > 1,
    )


def map_sections(
    m: JourneyMap,
    wh: Warehouse,
    ctx: Context,
    *,
    in_scope: int,
    depth: int,
    coverage: float,
    cx: CxInputs | None = None,
) -> tuple[list[sections.Section], dict[str, object] | None]:
    """The sections of a compared map's page, in order, and the first row of its fix-first
    list (None when no gap has a clear cost). Later sections slot in here. ``cx``: the map's
    effort and touchpoint rows (read when not given)."""
    fixes = _fix_list(wh, m)
    cx = cx if cx is not None else read_cx(wh, m, handoff_sla_seconds=ctx.handoff_sla_seconds)
    links = anchors(fixes.examples)
    outcome = outcome_name(m.goal, m.exit)
    parts = [
        fix_first(fixes, outcome=outcome, currency=ctx.currency, anchors=links),
        _process_section(wh, m),
        sections.stage_funnel(_stages(wh, m, in_scope), in_scope=in_scope),
        cxsections.effort(cx),
        cxsections.touchpoints(cx, currency=ctx.currency),
        _sankey_section(wh, m, depth=depth, coverage=coverage),
        sections.examples(_timelines(wh, m, fixes, links)),
    ]
    return parts, (fixes.costs.row(0, named=True) if fixes.costs.height else None)


def render_map_page(
    m: JourneyMap,
    wh: Warehouse,
    ctx: Context,
    *,
    slug: str,
    depth: int = 10,
    coverage: float = 0.8,
    scripts: str = "",
) -> MapPage:
    """The page of one map: header, cards, then its sections (``map_sections``)."""
    summary = read.map_summary(wh, m.name) if ctx.compared else None
    outcome = outcome_name(m.goal, m.exit)
    top = cx = time_to = None
    cards = ""
    if summary is None or not summary.journeys:
        parts = [_not_compared(m, ctx)]
    else:
        cx = read_cx(wh, m, handoff_sla_seconds=ctx.handoff_sla_seconds)
        time_to = read.outcome_time(wh, m.name, m.outcomes)
        parts, top = map_sections(
            m, wh, ctx, in_scope=summary.journeys, depth=depth, coverage=coverage, cx=cx
        )
        cards = sections.map_cards(
            summary,
            outcome=outcome,
            top=top,
            currency=ctx.currency,
            outside=ctx.journeys - summary.journeys,
            time_to=time_to,
        )
    header = sections.map_header(
        name=m.name,
        description=m.description or "",
        owner=m.owner,
        goal=m.goal,
        first=ctx.first_event,
        last=ctx.last_event,
        built_at=ctx.built_at,
        toc=parts,
    )
    body = header + cards + "".join(p.html for p in parts) + sections.footer(ctx.built_at)
    html = page(title=html_text(f"{m.name} · customer journeys"), body=body, head_scripts=scripts)
    return MapPage(
        html=html,
        headline=_headline(
            m, slug, summary, top, ctx.currency, time_to["median_seconds"] if time_to else None
        ),
        cx=cx_headline(cx) if cx is not None else None,
    )


def _headline(
    m: JourneyMap,
    slug: str,
    summary: read.MapSummary | None,
    top: dict[str, object] | None,
    currency: str | None,
    time_to_goal: float | None = None,
) -> MapHeadline:
    cost = None
    if top is not None:
        cost = format_impact(top["impact"], top["impact_unit"], currency=currency)  # type: ignore[arg-type]
    return MapHeadline(
        name=m.name,
        description=m.description or "",
        slug=slug,
        journeys=summary.journeys if summary else 0,
        conforming_share=summary.conforming_share if summary else None,
        outcome_rate=summary.outcome_rate if summary else None,
        fix_first=str(top["what"]) if top else None,
        cost=cost,
        time_to_goal=time_to_goal,
    )


def _not_compared(m: JourneyMap, ctx: Context) -> sections.Section:
    why = (
        "compare has not run on this warehouse yet"
        if not ctx.compared
        else "compare has not seen this map, or no journey touches one of its steps"
    )
    return sections.section(
        "not-compared",
        "Not compared yet",
        "",
        f'<p class="note">No journey of this map to show: {why}. Run <code>journeys compare'
        "</code> with this map, then <code>journeys report</code>; if it still shows nothing, "
        f"check that the map's step names ({sections.quoted(list(m.step_names)[:3])}, …) "
        "match the touchpoint names in marts.events.</p>",
    )


def render_index(pages: Sequence[MapPage], ctx: Context, data_quality: pl.DataFrame | None) -> str:
    """The landing page: every map with its headline, data freshness and data quality."""
    body = "".join(
        [
            index_header(),
            index_cards(
                ctx.journeys, ctx.first_event, ctx.last_event, ctx.published_at, ctx.built_at
            ),
            map_list([p.headline for p in pages]),
            cxsections.index_line([(p.headline.name, p.headline.slug, p.cx) for p in pages]),
            quality(data_quality),
            sections.footer(ctx.built_at),
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


def write_reports(
    wh: Warehouse,
    settings: Settings,
    out: Path,
    *,
    maps: Sequence[JourneyMap] | None = None,
    built_at: datetime | None = None,
    depth: int = 10,
    coverage: float = 0.8,
) -> Path:
    """Write ``out/index.html``, ``out/<map-slug>.html`` per map and ``out/plotly.min.js``;
    return the index path. ``maps`` defaults to loading ``settings.maps``; ``built_at`` to now
    (UTC); ``depth`` is the most steps the Sankey draws and ``coverage`` the share of journeys
    its paths must cover."""
    journey_maps = tuple(maps) if maps is not None else load_maps(settings.maps)
    ctx = read_context(wh, settings, built_at or datetime.now(UTC))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out}: is a file, not a folder; pass --out a folder (made if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(os_failure(out, exc, doing="make the report folder")) from None
    if journey_maps:
        _write(out / PLOTLY_FILE, get_plotlyjs())
    scripts = f'<script src="{PLOTLY_FILE}"></script>'
    taken: set[str] = {"index"}
    pages = []
    for m in journey_maps:
        slug = slugify(m.name, taken=taken)
        rendered = render_map_page(
            m, wh, ctx, slug=slug, depth=depth, coverage=coverage, scripts=scripts
        )
        _write(out / f"{slug}.html", rendered.html)
        pages.append(rendered)
    index = out / "index.html"
    _write(index, render_index(pages, ctx, read.data_quality(wh)))
    return index
