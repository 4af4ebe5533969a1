"""The sections of the report pages, as HTML strings: each with a title and one sentence on how
to read it. Every piece of data text goes through ``html_text`` (redacted and escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import plotly.graph_objects as go
import polars as pl

from journeys.report.charts import SankeyData
from journeys.report.figures import figure_html
from journeys.report.overview import QUALITY_COLUMNS, MapHeadline, quality_data
from journeys.report.templates import Cell, card, legend, num_cell, table, text_cell
from journeys.report.text import (
    format_count,
    format_money,
    format_pct,
    format_timestamp,
    html_text,
)

MAX_GAP_ROWS = 25
MAX_BATCH_ROWS = 40


def _period(first: datetime | None, last: datetime | None) -> str:
    return f"{format_timestamp(first)} to {format_timestamp(last)}"


def _journeys(n: int) -> str:
    return f"{format_count(n)} journey touches" if n == 1 else f"{format_count(n)} journeys touch"


def map_header(
    name: str,
    description: str,
    goal: str | None,
    first: datetime | None,
    last: datetime | None,
    built_at: datetime,
) -> str:
    goal_html = f"Goal: <b>{html_text(goal)}</b> · " if goal else ""
    return (
        '<header class="page"><nav><a href="index.html">← All journey maps</a></nav>'
        f"<h1>{html_text(name)}</h1>"
        + (f'<p class="lead">{html_text(description)}</p>' if description else "")
        + f'<p class="meta">{goal_html}Events from {_period(first, last)} · '
        f"report built {format_timestamp(built_at)}</p></header>"
    )


def format_impact(impact: float | None, unit: str | None) -> str:
    """A gap's signed impact: ``-1234.5`` value -> ``'−1,234.50'``; outcomes -> ``'+3.2 goals'``."""
    if impact is None:
        return "–"
    text = f"{impact:+,.1f} goals" if unit == "outcomes" else f"{impact:+,.2f}"
    return text.replace("-", "−")


def _headline_impact(headline: MapHeadline) -> str:
    if headline.impact is None:  # marts from before impact: the value at risk
        return format_money(headline.value_at_risk)
    return format_impact(headline.impact, headline.impact_unit)


def map_cards(headline: MapHeadline, *, outside: int) -> str:
    share = format_pct(headline.conforming_share)
    cards = [
        card("Journeys in this map's scope", format_count(headline.journeys)),
        card("Follow the map exactly", share if headline.conforming_share is not None else "–"),
        card("Top gap", html_text(headline.top_gap or "–"), small=True),
        card("Impact of the top gap", _headline_impact(headline)),
    ]
    note = (
        f'<p class="note">{_journeys(outside)} none of this map\'s steps (only other or '
        f"ignored touchpoints) and {'is' if outside == 1 else 'are'} left out, as in compare.</p>"
        if outside
        else ""
    )
    return f'<section class="cards">{"".join(cards)}</section>{note}'


def observed(figure: go.Figure, overall: SankeyData, *, top_k: int, filters: bool) -> str:
    if not overall.total_journeys:
        return (
            '<section id="observed"><h2>How customers really move</h2><p class="note">No journey '
            "in this map's scope yet: none touches one of its steps. Check that the map's step "
            "names match the touchpoint names in marts.events.</p></section>"
        )
    paths = overall.paths
    covered = float(paths["share"].sum()) if paths.height else 0.0
    unreached = (
        '<p class="unreached"><b>Designed steps nobody reached:</b> '
        + ", ".join(html_text(s) for s in overall.unreached)
        + "</p>"
        if overall.unreached
        else '<p class="note">Every designed step was reached by at least one journey.</p>'
    )
    rows = [
        [
            num_cell(str(r["rank"])),
            text_cell(" → ".join(r["path"])),
            num_cell(format_count(r["journeys"])),
            num_cell(format_pct(r["share"])),
        ]
        for r in paths.iter_rows(named=True)
    ]
    top_table = table([("#", True), ("Path", False), ("Journeys", True), ("Share", True)], rows)
    menu = (
        " Use the menu above the chart to show one customer segment or one start period."
        if filters
        else ""
    )
    return (
        '<section id="observed"><h2>How customers really move</h2>'
        '<p class="explain">Read left to right: each band is a group of journeys going from one '
        "step to the next (<i>1 · Visit site</i> is the first step), and its width is the number "
        "of journeys. Blue bands follow a transition the map designed, orange bands are flows the "
        f"map did not plan; the {top_k} most common paths are drawn in full and the rest flow "
        f"into <i>Other paths</i>. Hover a band for journeys, share and median time.{menu}</p>"
        + legend(top_k)
        + figure_html(figure, div_id="sankey")
        + unreached
        + f"<details><summary>The {paths.height} paths drawn, covering {format_pct(covered)} "
        f"of {format_count(overall.total_journeys)} journeys "
        f"({format_count(overall.other_journeys)} in Other paths)</summary>{top_table}</details>"
        "</section>"
    )


def _examples(ids: Sequence[str], paths: dict[str, list[str]]) -> str:
    items = []
    for journey_id in ids:
        path = paths.get(journey_id)
        title = f' title="{html_text(" → ".join(path))}"' if path else ""
        items.append(f"<code{title}>{html_text(journey_id)}</code>")
    return " ".join(items)


def _points(value: float | None) -> str:
    """A rate difference in percentage points: ``-0.123`` -> ``'−12.3 pts'``."""
    if value is None:
        return "–"
    return f"{value * 100:+.1f} pts".replace("-", "−")


def _also(also: Sequence[str] | None, *, shown: int = 3) -> str:
    """The gaps folded into a ranked one (the same journeys), under its description."""
    if not also:
        return ""
    more = f" and {len(also) - shown} more" if len(also) > shown else ""
    listed = "; ".join(html_text(a) for a in also[:shown])
    return f'<br><small class="note">Same journeys: {listed}{more}</small>'


def _rank_label(row: dict) -> str:
    if row["rank"] is not None:
        return str(row["rank"])
    if row.get("same_behaviour_as") is not None:
        return f"= {row['same_behaviour_as']}"  # the same journeys as that ranked gap
    return "–"


def _gap_rows(frame: pl.DataFrame, paths: dict[str, list[str]]) -> list[list[Cell]]:
    widest = max(float(frame["share"].fill_null(0).max() or 0), 1e-9)
    rows = []
    for r in frame.iter_rows(named=True):
        bar = f'<span class="bar" style="width:{60 * (r["share"] or 0) / widest:.0f}px"></span>'
        low, high = r["ci_low"], r["ci_high"]
        interval = f"{_points(low)} to {_points(high)}" if low is not None else "–"
        rows.append(
            [
                num_cell(_rank_label(r)),
                Cell(f'<span class="tag">{html_text(r["gap"])}</span>'),
                Cell(html_text(r["what"]) + _also(r.get("also"))),
                Cell(bar + html_text(format_count(r["journeys"])), numeric=True),
                num_cell(format_pct(r["share"])),
                num_cell(format_count(r["customers"])),
                num_cell(
                    format_impact(r["net_impact"], r["impact_unit"])
                    if r["net_impact"] is not None
                    else format_money(r["value_at_risk"])
                ),
                text_cell(r["effect"] or "–"),
                num_cell(f"{format_pct(r['outcome_rate_with'])} vs "
                         f"{format_pct(r['outcome_rate_without'])}"),
                Cell(html_text(_points(r["impact"])) + f"<br><small>{html_text(interval)}</small>",
                     numeric=True),
                Cell(_examples(r["examples"] or [], paths)),
            ]
        )  # fmt: skip
    return rows


GAP_HEADERS = [
    ("#", True), ("Gap", False), ("What happens", False), ("Journeys", True), ("Share", True),
    ("Customers", True), ("Impact", True), ("Effect", False),
    ("Goal reached: with vs without", True), ("Difference (95% interval)", True),
    ("Example journeys", False),
]  # fmt: skip


def gaps(gap_rows: pl.DataFrame | None, journeys: pl.DataFrame) -> str:
    head = '<section id="gaps"><h2>Where reality differs from the map</h2>'
    if gap_rows is None:
        return (
            head + '<p class="note">No gaps yet: run <code>journeys compare</code>.</p></section>'
        )
    deviation = pl.col("ranking") == "deviations"
    ranked = gap_rows.filter(pl.col("ranked") & deviation)
    shown = ranked.head(MAX_GAP_ROWS)
    dropoffs = gap_rows.filter(pl.col("ranked") & (pl.col("ranking") == "dropoffs"))
    dropoffs = dropoffs.head(MAX_GAP_ROWS)
    late = gap_rows.filter(pl.col("ranked") & (pl.col("ranking") == "late_outcomes"))
    rest = gap_rows.filter(~pl.col("ranked"))
    wanted = (
        pl.concat([shown["examples"], dropoffs["examples"], late["examples"], rest["examples"]])
        .explode()
        .drop_nulls()
        .unique()
    )
    found = journeys.filter(pl.col("journey_id").is_in(wanted.implode()))
    paths = dict(zip(found["journey_id"].to_list(), found["path"].to_list(), strict=True))
    body = (
        table(GAP_HEADERS, _gap_rows(shown, paths), id="gap-table")
        if shown.height
        else '<p class="note">No gap affects enough journeys to be ranked.</p>'
    )
    more = (
        f'<p class="note">{len(ranked) - len(shown)} more ranked gaps in marts.map_gaps.</p>'
        if len(ranked) > len(shown)
        else ""
    )
    if dropoffs.height:
        more += (
            "<h3>Where journeys leave the map</h3>"
            '<p class="explain">Drop-offs, the goal step skipped, and leaving after an off-map '
            "step: journeys that ended without the goal, so their goal rate is 0 by definition. "
            "They are ranked apart, by the goals they cost; the designed funnel below shows the "
            "same leaks step by step.</p>"
            + table(GAP_HEADERS, _gap_rows(dropoffs, paths), id="dropoff-table")
        )
    if late.height:
        more += (
            "<h3>Late at the outcome</h3>"
            '<p class="explain">The outcome step itself came later than its SLA. Every one of '
            "these journeys reached the outcome, so the goal rate cannot show what the delay "
            "costs: they are listed apart, with how late they were, not as <i>no effect</i>."
            "</p>" + table(GAP_HEADERS, _gap_rows(late.head(MAX_GAP_ROWS), paths), id="late-table")
        )
    if rest.height:
        more += (
            f"<details><summary>{rest.height} gaps not ranked: the same journeys as a ranked "
            "gap (<i>= n</i>), too few journeys, or designed transitions nobody took</summary>"
            + table(GAP_HEADERS, _gap_rows(rest.head(MAX_GAP_ROWS), paths), id="unranked-gaps")
            + "</details>"
        )
    return (
        head + '<p class="explain">Each row is a way journeys depart from the map, the biggest '
        "first, whether it costs or helps; one behaviour is one row (a detour seen as a step, a "
        "transition and a channel switch is ranked once). <i>Goal reached</i> compares the share "
        "of finished journeys reaching the map's goal with the gap and without it, among "
        "journeys that reached the same step of the map; the difference comes with its 95% "
        "interval. <i>Effect</i> is <i>harms</i> or <i>helps</i> when that interval is below or "
        "above 0, else <i>no clear effect</i> (ranked after the clear ones). <i>Impact</i> is "
        "the goal outcomes the gap costs (−) or brings (+), in value when the map's journeys "
        "carry value, else in goals: a large positive one is a path the map should adopt. Hover "
        "an example journey id for its path.</p>" + body + more + "</section>"
    )


def funnel(frame: pl.DataFrame | None, figure: go.Figure | None) -> str:
    head = '<section id="funnel"><h2>The designed funnel</h2>'
    if frame is None or figure is None:
        return (
            head + '<p class="note">No funnel yet: run <code>journeys compare</code>.</p></section>'
        )
    rows = [
        [
            text_cell(r["step"]),
            num_cell(format_count(r["journeys_reached"])),
            num_cell(format_pct(r["conversion_from_previous"])),
            num_cell(format_pct(r["share_of_entry"])),
            num_cell(format_count(r["sla_breaches"])),
        ]
        for r in frame.iter_rows(named=True)
    ]
    headers = [
        ("Step", False), ("Journeys reached", True), ("From previous step", True),
        ("Of the first step", True), ("SLA breaches", True),
    ]  # fmt: skip
    return (
        head + '<p class="explain">The map\'s steps in designed order, each bar as wide as the '
        "journeys that reached the step; grey bars are steps nobody reached.</p>"
        + figure_html(figure, div_id="funnel-chart")
        + "<details><summary>Funnel as a table</summary>"
        + table(headers, rows, id="funnel-table")
        + "</details></section>"
    )


def footer(built_at: datetime) -> str:
    return (
        f"<footer>Built {format_timestamp(built_at)} by <code>journeys report</code>. Works "
        "offline; no data leaves this file. Emails and phone numbers are never shown.</footer>"
    )


def index_header() -> str:
    return (
        '<header class="page"><h1>Customer journeys</h1><p class="lead">How customers really '
        "move, beside the journeys we designed for them. Open a map to see its flows, its gaps "
        "ranked by impact, and its funnel.</p></header>"
    )


def index_cards(
    journeys: int,
    first: datetime | None,
    last: datetime | None,
    published: datetime | None,
    built_at: datetime,
) -> str:
    cards = [
        card("Journeys observed", format_count(journeys)),
        card("First event", format_timestamp(first), small=True),
        card("Last event", format_timestamp(last), small=True),
        card("Marts published", format_timestamp(published), small=True),
        card("Report built", format_timestamp(built_at), small=True),
    ]
    return f'<section class="cards">{"".join(cards)}</section>'


def map_list(maps: Sequence[tuple[str, str, str, MapHeadline]]) -> str:
    head = '<section id="maps"><h2>Journey maps</h2>'
    if not maps:
        return head + (
            '<p class="note">No maps configured: list map files under <code>maps:</code> in the '
            "configuration, then run <code>journeys compare</code> and "
            "<code>journeys report</code>."
            "</p></section>"
        )
    rows = [
        [
            Cell(f'<a href="{slug}.html">{html_text(name)}</a>'),
            text_cell(description),
            num_cell(format_count(h.journeys)),
            num_cell(format_pct(h.conforming_share)),
            text_cell(h.top_gap or "–"),
            num_cell(_headline_impact(h)),
        ]
        for name, description, slug, h in maps
    ]
    headers = [
        ("Map", False), ("What it describes", False), ("Journeys", True),
        ("Follow the map", True), ("Top gap", False), ("Its impact", True),
    ]  # fmt: skip
    return (
        head
        + '<p class="explain">One row per assumptive journey map: how many journeys it covers, '
        "the share that follow it exactly, and its most important gap.</p>"
        + table(headers, rows, id="map-table")
        + "</section>"
    )


def quality(data_quality: pl.DataFrame | None) -> str:
    head = '<section id="quality"><h2>Data quality</h2>'
    if data_quality is None:
        return head + '<p class="note">No load statistics (marts.data_quality) yet.</p></section>'
    totals = quality_data(data_quality)
    rows = [
        [text_cell(r["source"]), num_cell(format_count(r["batches"]))]
        + [num_cell(format_count(r[c])) for c in QUALITY_COLUMNS]
        + [num_cell(format_pct(r["reject_rate"]))]
        for r in totals.iter_rows(named=True)
    ]
    names = ("Rows read", "Accepted", "Rejected", "Duplicates", "Late events", "Unstitched")
    headers = [("Source", False), ("Batches", True)] + [(n, True) for n in names]
    headers.append(("Rejected share", True))
    recent = data_quality.sort("batch_id", descending=True).head(MAX_BATCH_ROWS)
    batch_rows = [
        [text_cell(r["batch_id"]), text_cell(r["source"]), text_cell(r["file"])]
        + [num_cell(format_count(r[c])) for c in QUALITY_COLUMNS]
        for r in recent.iter_rows(named=True)
    ]
    batch_headers = [("Batch", False), ("Source", False), ("File", False)]
    batch_headers += [(n, True) for n in names]
    return (
        head + '<p class="explain">Rows loaded per source: rejected rows are kept in raw.rejects '
        "with the reason; unstitched events could not be tied to a known customer.</p>"
        + table(headers, rows, id="quality-table")
        + f"<details><summary>The {len(recent)} most recent load batches</summary>"
        + table(batch_headers, batch_rows)
        + "</details></section>"
    )
