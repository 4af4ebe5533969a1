"""The "Effort and handoffs" and "Touchpoints that matter" sections of a map page, the
removal-effect chart (wide and narrow, one shown per screen width), and the index's line per
map (its worst handoff and its best-return touchpoint). The data is report/cx.py's; every piece
of data text goes through ``html_text`` or ``wrap_label``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl

from journeys.report.cx import (
    CxHeadline,
    CxInputs,
    best_return,
    handoff_table_data,
    top_touchpoint,
    touchpoint_chart_data,
    touchpoint_table_data,
    worst_handoff,
)
from journeys.report.figures import DESIGNED, FONT, NARROW_PLOT, OFF_MAP, figure_html, wrap_label
from journeys.report.sections import Section, legend, section
from journeys.report.templates import Cell, card, num_cell, own, table, text_cell
from journeys.report.text import counted, format_count, format_seconds, html_text, plotly_text
from journeys.report.units import format_amount, format_points, format_share

MAX_ROWS = 15
HANDOFF_HEADERS = [
    ("From team → to team", False), ("Handoffs", True), ("Missed", True), ("Late", True),
    ("Then a repeat contact", True), ("Then reopened", True), ("Handed straight back", True),
    ("Median wait", True), ("SLA", True),
]  # fmt: skip
CONTACTS = (("Then a repeat contact", True), ("Then reopened", True))
"""The columns of what followed a handoff, shown when the journeys hold contacts or reopenings."""
TOUCHPOINT_HEADERS = [
    ("#", True), ("Touchpoint", False), ("Stage", False), ("Journeys", True),
    ("Goal reached: with vs without", True), ("Removal effect", True),
    ("Goals credited", True), ("Total cost", True), ("Return", True),
]  # fmt: skip
NOTE = '<p class="note">{}</p>'


def effort(cx: CxInputs) -> Section:
    """Effort and handoffs of a map's journeys: cards, the worst handoff, the team pairs."""
    title = "Effort and handoffs"
    summary, handoffs = cx.effort, cx.handoffs
    if summary is None or handoffs is None:
        note = "No effort marts yet: <code>journeys build</code> writes them."
        return section("effort", title, "", NOTE.format(note))
    rows = handoff_table_data(handoffs)
    # no contact and no reopening (an imported log): no columns of zeros for them
    contacts = bool(summary["contacts"] or (rows.height and rows["reopened"].sum()))
    headers = HANDOFF_HEADERS if contacts else [h for h in HANDOFF_HEADERS if h not in CONTACTS]
    cells = [_handoff_cells(r, contacts) for r in rows.head(MAX_ROWS).iter_rows(named=True)]
    explain = (
        "How many teams the customers of this map pass through, and where a handoff from one "
        "team to the next is <i>missed</i>: the customer waited longer than the SLA (the map's "
        "<i>within</i> for that step, else the configured default inside one ticket, order or "
        "case), had to get in touch again about the same ticket or topic, or the ticket was "
        "reopened, before the next handoff. Handoffs from or to touchpoints the map ignores are "
        "left out. An imported log's teams are the column named with <code>import-log "
        "--team-col</code> (an XES log's <code>org:group</code>), such as its resources."
    )
    lead = (
        _worst_handoff_lead(worst_handoff(handoffs), contacts=contacts)
        if rows.height
        else _no_handoff(teams=bool(summary["teams_per_journey"]))
    )
    body = (
        _effort_cards(summary, rows)
        + lead
        + (table(headers, cells, id="handoff-table") if cells else "")
    )
    if rows.height > MAX_ROWS:
        body += NOTE.format(f"{rows.height - MAX_ROWS} more pairs in marts.journey_handoffs.")
    return section("effort", title, explain, body)


def _effort_cards(summary: Mapping[str, Any], rows: pl.DataFrame) -> str:
    handed, missed = int(rows["handoffs"].sum()), int(rows["missed"].sum())
    journeys = summary["journeys"] or 0
    with_repeat = summary["journeys_with_repeat"] or 0
    contacts = summary["contacts"] or 0
    cards = [
        card("Teams per journey", own(f"{summary['teams_per_journey'] or 0:.1f}")),
        card("Handoffs missed", own(format_share(missed / handed)) if handed else "–",
             sub=f"{format_count(missed)} of {counted(handed, 'handoff')}"),
    ]  # fmt: skip
    if not contacts:  # an imported log: no event is a customer's contact, nothing to repeat
        cards.append(card("Repeat contacts", "–", sub="no event here is a contact"))
        return f'<section class="cards">{"".join(cards)}</section>'
    cards += [
        card("Journeys with a repeat contact",
             own(format_share(with_repeat / journeys)) if journeys else "–",
             sub=f"{format_count(with_repeat)} of {counted(journeys, 'journey')}"),
        card("Repeat contacts", own(format_count(summary["repeat_contacts"] or 0)),
             sub=f"of {counted(contacts, 'contact')}"),
    ]  # fmt: skip
    return f'<section class="cards">{"".join(cards)}</section>'


def _no_handoff(*, teams: bool) -> str:
    """Not "none missed": there is no handoff at all, and without teams, how a log gets them."""
    if teams:
        return NOTE.format("No handoff between teams in this map's journeys.")
    return NOTE.format(
        "No handoff between teams in this map's journeys: no event names a team. For an "
        "imported log, name the column of who handled each event with <code>journeys "
        "import-log --team-col</code>."
    )


def _worst_handoff_lead(worst: Mapping[str, Any] | None, *, contacts: bool = True) -> str:
    if not worst:
        return NOTE.format("No handoff in this map's journeys was missed.")
    followed = (
        f", {format_count(worst['repeated'])} followed by a repeat contact, "
        f"{format_count(worst['reopened'])} by a reopened ticket"
        if contacts
        else ""
    )
    return (
        f'<p class="lead">The worst handoff: <b>{html_text(worst["pair"])}</b>, '
        + own(
            f"{format_count(worst['missed'])} of {format_count(worst['handoffs'])} missed "
            f"({format_share(worst['missed_share'])}): {format_count(worst['late'])} late"
            f"{followed}; median wait {format_seconds(worst['median_wait_seconds'])}."
        )
        + "</p>"
    )


def _handoff_cells(r: Mapping[str, Any], contacts: bool = True) -> list[Cell]:
    sla = r["sla_seconds"]
    followed = (
        [num_cell(format_count(r["repeated"])), num_cell(format_count(r["reopened"]))]
        if contacts
        else []
    )
    return [
        text_cell(r["pair"]), num_cell(format_count(r["handoffs"])),
        Cell(f"{own(format_count(r['missed']))} <small>({format_share(r['missed_share'])})"
             "</small>", numeric=True),
        num_cell(format_count(r["late"])), *followed, num_cell(format_count(r["bounced"])),
        num_cell(format_seconds(r["median_wait_seconds"])),
        num_cell(format_seconds(sla) if sla is not None else "none"),
    ]  # fmt: skip


def touchpoints(cx: CxInputs, *, currency: str | None) -> Section:
    """The touchpoints that carry the map's outcome: removal effects (a chart in two sizes),
    like-with-like rates, cost and return."""
    title = "Touchpoints that matter"
    impact = cx.touchpoints
    if impact is None or not impact.height:
        note = "No touchpoint impact for this map yet: <code>journeys compare</code> writes it."
        return section("touchpoints", title, "", NOTE.format(note))
    rows = touchpoint_table_data(impact)
    # the first MAX_ROWS by rank, and every priced one after them (the best return is named)
    shown = pl.concat([rows.head(MAX_ROWS), rows.slice(MAX_ROWS).filter(pl.col("cost") >= 0)])
    cells = [_touchpoint_cells(r, currency) for r in shown.iter_rows(named=True)]
    explain = (
        "Which touchpoints, on the map or not, make the difference to the goal. <i>Removal "
        "effect</i>: the share of goals lost if journeys could not pass through the touchpoint, "
        "from a Markov chain of how journeys move (the standard of marketing attribution); "
        "<i>goals credited</i> shares the goals out by it. <i>Goal reached</i> compares "
        "journeys with the touchpoint and without it that reached the same stage of the map, "
        "the difference in percentage points with its 95% interval. <i>Return</i>: the value "
        "credited per unit of the touchpoint's cost. A high removal effect says the goal runs "
        "through the touchpoint, not that more of it brings more goals."
    )
    chart = touchpoint_chart_data(impact)
    body = _touchpoint_lead(impact)
    if chart.height:
        wide = figure_html(touchpoint_figure(chart), div_id="touchpoint-chart-wide")
        narrow = figure_html(
            touchpoint_figure(chart, narrow=True), div_id="touchpoint-chart-narrow"
        )
        body += (
            legend([("sw-designed", "a step of the map"), ("sw-offmap", "not on the map")])
            + f'<div class="only-wide">{wide}</div><div class="only-narrow">{narrow}</div>'
        )
    body += table(TOUCHPOINT_HEADERS, cells, id="touchpoint-table")
    if rows.height > shown.height:
        body += NOTE.format(f"{rows.height - shown.height} more in marts.touchpoint_impact.")
    return section("touchpoints", title, explain, body)


def _touchpoint_lead(impact: pl.DataFrame) -> str:
    top, best = top_touchpoint(impact), best_return(impact)
    lead = (
        f'<p class="lead"><b>{html_text(top["touchpoint"])}</b> carries the most of the goal: '
        f"without it {own(format_share(top['removal_effect']))} of the goal would be lost."
        if top
        else '<p class="lead">No touchpoint carries the goal.'
    )
    if best:
        return lead + (
            f" Best return on its cost: <b>{html_text(best['touchpoint'])}</b>, "
            f"{own(_ratio(best['return_on_cost']))} in value per unit spent.</p>"
        )
    if impact["cost"].drop_nulls().len():
        return lead + " The map's goal carries no money, so costs give no return in value.</p>"
    return lead + " Give <code>touchpoint_costs</code> in the configuration to see returns.</p>"


def _ratio(value: float | None) -> str:
    return f"{value:,.1f}" if value is not None else "–"


def _touchpoint_cells(r: Mapping[str, Any], currency: str | None) -> list[Cell]:
    tag = (
        '<span class="tag ok">step</span>' if r["designed"] else '<span class="tag">off map</span>'
    )
    return [
        num_cell(str(r["rank"]) if r["rank"] is not None else "goal"),
        Cell(f"{html_text(r['touchpoint'])} {tag}"),
        text_cell(r["stage"] or "–"),
        num_cell(format_count(r["journeys_with"])),
        _rates_cell(r),
        num_cell(format_share(r["removal_effect"])),
        num_cell(_ratio(r["attributed_outcomes"])),
        num_cell(format_amount(r["total_cost"], currency=currency)),
        num_cell(_ratio(r["return_on_cost"])),
    ]


def _rates_cell(r: Mapping[str, Any]) -> Cell:
    with_, without = r["outcome_rate_with"], r["outcome_rate_without"]
    if with_ is None or without is None:
        return Cell("<small>not measured</small>", numeric=True)
    low, high = r["ci_low"], r["ci_high"]
    interval = f" ({format_points(low)} to {format_points(high)})" if low is not None else ""
    return Cell(
        f"{own(format_share(with_))} vs {own(format_share(without))}<br>"
        f"<small>{own(format_points(with_ - without) + interval)}</small>",
        numeric=True,
    )


def touchpoint_figure(data: pl.DataFrame, *, narrow: bool = False) -> go.Figure:
    """Horizontal bars of the removal effects (``touchpoint_chart_data``), the largest on top;
    blue a step of the map, orange a touchpoint the map lacks. ``narrow``: for a phone, the
    labels wrapped to a third of the plot."""
    rows = data.reverse()  # plotly draws the first bar at the bottom
    label_px = NARROW_PLOT / 3 if narrow else 320
    hover = [
        f"<b>{plotly_text(t)}</b><br>removal effect {format_share(effect)}<br>"
        f"{_ratio(outcomes)} goals credited"
        for t, effect, outcomes in zip(
            rows["touchpoint"], rows["removal_effect"], rows["attributed_outcomes"], strict=True
        )
    ]
    figure = go.Figure(
        go.Bar(
            x=rows["removal_effect"].to_list(),
            y=[wrap_label(t, width_px=label_px) for t in rows["touchpoint"]],
            orientation="h",
            marker_color=[DESIGNED if d else OFF_MAP for d in rows["designed"]],
            hovertext=hover,
            hoverinfo="text",
        )
    )
    axis_title = "Goal lost without it" if narrow else "Share of the goal lost without it"
    figure.update_layout(
        height=90 + (40 if narrow else 30) * max(rows.height, 1),
        margin={"l": 4, "r": 16, "t": 10, "b": 50},
        font={"size": 11 if narrow else 12, "family": FONT},
        xaxis={"title": {"text": axis_title}, "range": [0, 1], "tickformat": ".0%",
               "gridcolor": "#e2e8f0"},
        yaxis={"automargin": True},
        bargap=0.3,
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=False,
    )  # fmt: skip
    return figure


def index_line(maps: Sequence[tuple[str, str, CxHeadline | None]]) -> str:
    """Per map (name, slug, its CxHeadline): its worst handoff and its best-return touchpoint
    (without costs, the touchpoint carrying the most of the goal, saying why)."""
    shown = [(name, slug, h) for name, slug, h in maps if h is not None]
    if not shown:
        return ""
    rows = [_index_cells(name, slug, h) for name, slug, h in shown]
    headers = [
        ("Map", False), ("Worst handoff", False), ("Missed", True),
        ("Touchpoint with the best return", False), ("Why", False),
    ]  # fmt: skip
    return (
        '<section id="effort-index"><h2>Handoffs and touchpoints</h2><p class="explain">Per map, '
        "the team-to-team handoff missed most often (a wait over its SLA, a repeat contact or a "
        "reopened ticket after it) and the touchpoint with the best return on its cost (without "
        "costs: the one carrying the most of the goal).</p>"
        + table(headers, rows, id="effort-index-table")
        + "</section>"
    )


def _index_cells(name: str, slug: str, h: CxHeadline) -> list[Cell]:
    worst, best = h.worst_handoff, h.best_return or h.top_touchpoint
    if h.best_return:
        why = f"return {_ratio(h.best_return['return_on_cost'])} per unit of cost"
    elif best:
        why = f"removal effect {format_share(best['removal_effect'])} ({h.no_return})"
    else:
        why = "–"
    return [
        Cell(f'<a href="{html_text(slug)}.html#effort">{html_text(name)}</a>'),
        text_cell(worst["pair"] if worst else "–"),
        num_cell(
            f"{format_count(worst['missed'])} of {format_count(worst['handoffs'])}"
            if worst
            else "–"
        ),
        text_cell(best["touchpoint"] if best else "–"),
        Cell(own(why)),
    ]
