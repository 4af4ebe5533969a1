"""Example journeys drawn as timelines: each event with its touchpoint, channel, team and system,
when it happened and how long after the previous one; steps of the map, touchpoints off it and
touchpoints the map ignores are told apart, and the gap the journey illustrates is marked.

From sql/queries/report/example_events.sql. Journey ids are pseudonymous keys, never contact
details; every text still goes through ``html_text``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from html import escape
from typing import Any

import polars as pl

from journeys.report.text import format_seconds, format_timestamp, html_text, identifier_html
from journeys.words import numbered


def anchors(journey_ids: Sequence[str]) -> dict[str, str]:
    """journey id -> the page anchor of its timeline (``example-1``, ...)."""
    return {journey_id: f"example-{i + 1}" for i, journey_id in enumerate(journey_ids)}


def _where(row: Mapping[str, Any], steps: Collection[str]) -> tuple[str, str]:
    """(css class, words) of an event: on the map, off it, or ignored by it."""
    if not row["in_scope"]:
        return "ignored", "ignored by this map"
    if row["touchpoint"] in steps:
        return "", "step of the map"
    return "off", "not on the map"


def _event(row: Mapping[str, Any], steps: Collection[str], marked: Collection[str]) -> str:
    cls, where = _where(row, steps)
    if row["touchpoint"] in marked and cls != "ignored":
        cls = (cls + " hit").strip()
    wait = row["wait_seconds"]
    # times and waits are the report's own formatting: escaped, never redacted (a date's
    # digits would pass for a phone number)
    after = f'<span class="wait">+{escape(format_seconds(wait))}</span>' if wait is not None else ""
    who = " · ".join(html_text(row[c]) for c in ("channel", "team", "system") if row[c])
    detail = f"<br><small>{who}</small>" if who else ""
    when = format_timestamp(row["occurred_at"]).replace(" UTC", "")
    return (
        f'<li class="{cls}"><span class="when">{escape(when)}{after}</span>'
        f"<span><b>{html_text(row['touchpoint'])}</b> <small>({where})</small>{detail}</span></li>"
    )


def timeline_html(
    journey_id: str,
    events: pl.DataFrame,
    *,
    steps: Collection[str],
    marked: Collection[str] = (),
    anchor: str,
    caption: str = "",
) -> str:
    """One journey's timeline: a list of its events in order (``events`` holds its rows), under
    a summary line naming what it is an example of (``caption``: a fix-first row's words), so
    a reader scanning the folded list knows which journey is which."""
    rows = events.filter(pl.col("journey_id") == journey_id).sort("step_index").to_dicts()
    if not rows:
        return ""
    total = rows[-1]["occurred_at"] - rows[0]["occurred_at"]
    span = format_seconds(total.total_seconds())
    items = "".join(_event(r, steps, marked) for r in rows)
    number = anchor.removeprefix("example-")
    facts = f"<code>{identifier_html(journey_id)}</code>: {numbered(len(rows), 'event')} over "
    facts += escape(span)
    summary = (
        f"Journey {number}: {html_text(caption)} <small>{facts}</small>"
        if caption
        else f"Journey {number} · {facts}"
    )
    return (
        f'<details id="{anchor}" class="example"><summary>{summary}</summary>'
        f'<ol class="timeline">{items}</ol></details>'
    )
