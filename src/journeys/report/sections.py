"""The sections of a map page, as HTML: each a titled ``Section`` saying how to read it, with
words taken from the map and the data. Every piece of data text goes through ``html_text``.

A page is a list of sections (pages.py); a new section is one more function here and one more
entry in that list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from journeys.report.figures import END_COLOURS, END_KINDS, INK, NODE_COLOURS
from journeys.report.inputs import MapSummary
from journeys.report.processmap import ProcessMap
from journeys.report.sankey import MIN_DEPTH, SankeyData
from journeys.report.templates import bar, card, own
from journeys.report.text import (
    counted,
    format_count,
    format_seconds,
    format_timestamp,
    html_text,
    in_number,
    prose_html,
)
from journeys.report.units import format_impact, format_share
from journeys.words import listed, numbered


@dataclass(frozen=True)
class Section:
    """One part of a page: its anchor, title (for the table of contents) and HTML."""

    id: str
    title: str
    html: str


def section(id: str, title: str, explain: str, body: str) -> Section:
    """A ``<section>`` with a heading, one paragraph on how to read it, and its body."""
    lead = f'<p class="explain">{explain}</p>' if explain else ""
    return Section(id, title, f'<section id="{id}"><h2>{title}</h2>{lead}{body}</section>')


def quoted(names: Sequence[str]) -> str:
    """``'A'``, ``'A' and 'B'``, ``'A', 'B' and 'C'`` (escaped)."""
    return listed([f"<i>{html_text(n)}</i>" for n in names])


def map_header(
    *,
    name: str,
    description: str,
    owner: str | None,
    goal: str | None,
    first: datetime | None,
    last: datetime | None,
    built_at: datetime,
    toc: Sequence[Section],
) -> str:
    goal_html = f"Goal: <b>{html_text(goal)}</b> · " if goal else ""
    owner_html = f"Owner: {html_text(owner)} · " if owner else ""
    links = "".join(f'<a href="#{s.id}">{s.title}</a>' for s in toc)
    return (
        '<header class="page"><nav class="top"><a href="index.html">← All journey maps</a></nav>'
        f"<h1>{html_text(name)}</h1>"
        + (f'<p class="lead">{prose_html(description)}</p>' if description else "")
        + f'<p class="meta">{goal_html}{owner_html}Events from {format_timestamp(first)} to '
        f"{format_timestamp(last)} · report built {format_timestamp(built_at)}</p>"
        f'<nav class="toc">{links}</nav></header>'
    )


def map_cards(
    summary: MapSummary,
    *,
    outcome: str,
    top: Mapping[str, Any] | None,
    currency: str | None,
    outside: int,
    time_to: Mapping[str, Any] | None = None,
) -> str:
    """The headline cards; ``time_to``: ``read.outcome_time`` (first event to the outcome)."""
    cards = [
        card(
            "Journeys in this map's scope",
            format_count(summary.journeys),
            sub=counted(summary.customers, "customer"),
        ),
        card(
            "Follow the map exactly",
            format_share(summary.conforming_share),
            sub=counted(summary.conforming, "journey"),
        ),
        card(
            f"Reach {html_text(outcome)}",
            format_share(summary.outcome_rate),
            sub=f"of {counted(summary.finished, 'finished journey')}",
        ),
    ]
    if time_to is not None and time_to["journeys"]:
        cards.append(
            card(
                f"Time to {html_text(outcome)}",
                own(format_seconds(time_to["median_seconds"])),
                sub=f"median · 90% within {own(format_seconds(time_to['p90_seconds']))}",
            )
        )
    if top is not None:
        cost = format_impact(top["impact"], top["impact_unit"], currency=currency)
        cards.append(
            card(
                "Fix first",
                f'<a href="#fix-first">{html_text(top["what"])}</a>',
                small=True,
                sub=f"costs {own(cost)} · {counted(top['journeys'], 'journey')}",
                cls="fix",
            )
        )
    note = (
        f'<p class="note">Left out: {counted(outside, "other journey")}, touching none of this '
        "map's steps.</p>"
        if outside
        else ""
    )
    return f'<section class="cards">{"".join(cards)}</section>{note}'


def legend(items: Sequence[tuple[str, str]]) -> str:
    spans = "".join(
        f'<span><span class="swatch {cls}"></span>{html_text(text)}</span>' for cls, text in items
    )
    return f'<div class="legend" aria-label="legend">{spans}</div>'


def process_map(pm: ProcessMap, wide: str, narrow: str, *, entry: Sequence[str]) -> Section:
    unreached = pm.nodes.filter(pl.col("kind") == "unreached")["touchpoint"].to_list()
    off = pm.nodes.filter(pl.col("kind") == "off_map").sort("journeys", descending=True)
    unused = pm.edges.filter(pl.col("kind") == "unused").height
    starts = pm.edges.filter(pl.col("kind") == "start")
    at_entry = int(starts.filter(pl.col("on_map"))["journeys"].sum())
    facts = [
        f"{format_count(at_entry)} of the {counted(pm.total_journeys, 'journey')} "
        f"{in_number(at_entry, 'starts', 'start')} where "
        f"the map does ({quoted(entry)})."
    ]
    if off.height:
        facts.append(
            f"{numbered(off.height + pm.hidden_touchpoints, 'touchpoint')} "
            f"{in_number(off.height + pm.hidden_touchpoints, 'is', 'are')} not on the map; "
            "the busiest: "
            f"{quoted(off['touchpoint'].head(3).to_list())}."
        )
    if unused:
        facts.append(
            f"{numbered(unused, 'designed transition')} {in_number(unused, 'is', 'are')} never "
            "taken (dashed)."
        )
    if unreached:
        facts.append(f"Designed steps nobody reaches (grey): {quoted(unreached)}.")
    if pm.hidden_edges:
        facts.append(
            f"{counted(pm.hidden_edges, 'rarer move')}, each taken by fewer than "
            f"{pm.levels[0] * 100:g}% of the journeys, "
            f"{in_number(pm.hidden_edges, 'is', 'are')} not drawn"
            + (
                f", nor {counted(pm.hidden_touchpoints, 'touchpoint')} only they reach"
                if pm.hidden_touchpoints
                else ""
            )
            + " (marts.map_journeys holds every path)."
        )
    explain = (
        "Each circle is a touchpoint, as big as the journeys passing it; each arrow a move "
        "from one to the next, as thick as the journeys taking it. The map's steps read left "
        "to right in its designed order (top to bottom on a phone). Short grey arrows show "
        "where journeys start (into a circle) and end (out of it), blue where the map expects "
        "it. ↻ counts a touchpoint repeated in a row. Use the slider to show rarer moves. "
        + " ".join(facts)
    )
    body = (
        legend(
            [
                ("sw-designed", "designed transition"),
                ("sw-offmap", "move off the map"),
                ("sw-unused", "designed, nobody takes it"),
                ("sw-neutral", "start or end"),
                ("sw-unreached", "step nobody reaches"),
            ]
        )
        + f'<div class="only-wide">{wide}</div><div class="only-narrow">{narrow}</div>'
    )
    return section("process-map", "The journey as customers walk it", explain, body)


def stage_funnel(stages: pl.DataFrame | None, *, in_scope: int) -> Section:
    title = "Funnel by stage"
    if stages is None or stages.is_empty():
        return section(
            "funnel",
            title,
            "",
            '<p class="note">No funnel yet: run <code>journeys compare</code>.</p>',
        )
    blocks = []
    for row in stages.iter_rows(named=True):
        conversion = (
            f" · {format_share(row['conversion'])} of the previous stage's journeys came on "
            f"(median {own(format_seconds(row['median_seconds']))})"
            if row["conversion"] is not None
            else ""
        )
        steps = "".join(
            f"<span>{html_text(s['step'])}: {format_count(s['journeys_reached'])}"
            + (f" · {format_count(s['sla_breaches'])} late" if s["sla_breaches"] else "")
            + "</span>"
            + bar(
                s["share"],
                cls="" if s["journeys_reached"] else "grey",
                label=f"{format_share(s['share'])} of the journeys",
            )
            for s in row["steps"]
        )
        blocks.append(
            f'<div class="stage" data-stage="{html_text(row["stage"])}"><div class="head">'
            f'<span class="name">{html_text(row["stage"])}</span><span class="fig">'
            f"<b>{format_count(row['reached'])}</b> {in_number(row['reached'], 'journey')}, "
            f"{format_share(row['share'])}"
            f"{conversion}</span></div>{bar(row['share'])}"
            f'<div class="bars steps">{steps}</div></div>'
        )
    explain = (
        f"The map's stages in order. A stage counts each of the {counted(in_scope, 'journey')} "
        "once, whichever of its steps they took (alternatives are grouped), so no share "
        "exceeds 100%. Each stage says how many of the previous stage's journeys came on to it, "
        "and how long that took; its steps are listed under it, with the journeys that reached "
        "each (and how many of them came later than the step's time limit, <i>late</i>)."
    )
    return section("funnel", title, explain, "".join(blocks))


def sankey(
    data: SankeyData | None,
    wide: str,
    narrow: str,
    *,
    narrow_data: SankeyData | None,
    filters: bool,
) -> Section:
    title = "The most common paths"
    if data is None or not data.total_journeys:
        return section(
            "paths", title, "", '<p class="note">No journey in this map\'s scope yet.</p>'
        )
    small = (
        f' On a phone, the first <span data-depth="{narrow_data.depth}">'
        f"{narrow_data.drawn_depth}</span> {in_number(narrow_data.drawn_depth, 'step')}: they "
        f"cover {format_share(narrow_data.covered)}."
        if narrow_data is not None
        else ""
    )
    menu = (
        " On a wide screen, the menu shows one segment or start month at a time." if filters else ""
    )
    reach = (
        f"The first {numbered(data.depth, 'step')} of every journey "
        f"{in_number(data.depth, 'is', 'are')} drawn"
        if data.continues
        else f"Journeys are drawn step by step (at most {numbered(data.drawn_depth, 'step')} here)"
    )
    explain = (
        "Read left to right: each band is a group of journeys going from one step to the next, "
        "as wide as its journeys; a step done several times in a row counts once. "
        f"{reach}; the most common paths "
        f'cover <b data-covered="{data.covered:.4f}" data-depth="{data.depth}">'
        f"{format_share(data.covered)}</b> of the "
        f"{counted(data.total_journeys, 'journey')} (target: at least "
        f"{format_share(data.coverage_target)}{_short_of(data)}); the other "
        f"{format_count(data.other_journeys)} flow into <i>Other paths</i> where they leave the "
        f"drawn ones. Blue bands follow the map, orange ones do not.{small}{menu}"
    )
    body = (
        f'<div class="only-wide">{wide}{end_legend(data)}</div>'
        f'<div class="only-narrow">{narrow}'
        f"{end_legend(narrow_data) if narrow_data is not None else ''}</div>"
    )
    return section("paths", title, explain, body)


def _short_of(data: SankeyData) -> str:
    """Why the drawn paths cover less than the target: only then does ``choose_depth`` draw
    fewer, to show MIN_DEPTH steps or more (the paths asked for reach their share otherwise)."""
    if data.covered >= data.coverage_target:
        return ""
    return (
        f", which the journeys' many different paths reach only fewer than {MIN_DEPTH} steps deep"
    )


def end_legend(data: SankeyData) -> str:
    """The last column's nodes (End by status, Continues, Other paths) named with their colour
    and journeys: they carry no label on the chart."""
    ends = data.nodes.filter(pl.col("kind").is_in(list(END_KINDS))).sort("node")
    items = "".join(
        f'<span><span class="swatch node" style="background:{_end_colour(r)}"></span>'
        f"{html_text(r['label'])}: <b>{format_count(r['journeys'])}</b></span>"
        for r in ends.iter_rows(named=True)
    )
    return f'<div class="legend ends" aria-label="the last column"><b>Last column:</b>{items}</div>'


def _end_colour(node: Mapping[str, Any]) -> str:
    if node["kind"] == "end":
        return END_COLOURS.get(str(node["status"]), INK)
    return NODE_COLOURS[str(node["kind"])]


def examples(timelines: Sequence[str]) -> Section:
    explain = (
        "One journey for each row of the lists above: every event in order with its channel, "
        "team and system, and the wait since the previous event. Blue: a step of the map; "
        "orange: off the map; grey: a touchpoint the map ignores; shaded: where the gap is."
    )
    body = "".join(timelines) or '<p class="note">No example journeys.</p>'
    return section("examples", "Example journeys", explain, body)


def footer(built_at: datetime) -> str:
    return (
        f"<footer>Built {format_timestamp(built_at)} by <code>journeys report</code>. Works "
        "offline; no data leaves this folder. Emails and phone numbers are never shown.</footer>"
    )
