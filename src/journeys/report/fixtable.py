"""The fix-first section: the costs, the gains and the unclear departures of one map, each a
table whose rows say what happens, what kind of loss it is, who it affects, what it costs and
how sure we are, with an example journey (drawn at the end of the page). SLA breaches carry
their delay distribution."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from journeys.report.fixfirst import FixList
from journeys.report.sections import Section, section
from journeys.report.templates import Cell, num_cell, own, table
from journeys.report.text import format_count, format_seconds, html_text
from journeys.report.trends import trend_svg
from journeys.report.units import format_impact, format_points, format_share
from journeys.report.words import KINDS


def _cost_cell(row: Mapping[str, Any], currency: str | None) -> Cell:
    impact = row["impact"]
    text = format_impact(impact, row["impact_unit"], currency=currency)
    sign = "neg" if text.startswith("−") else "pos" if text.startswith("+") else ""
    return Cell(f'<span class="cost {sign}">{own(text)}</span>', numeric=True)


def delay_html(delay: Mapping[str, float] | None) -> str:
    """How late the late journeys were: a bar split by multiples of the limit, and words."""
    if not delay or not delay.get("breaches"):
        return ""
    parts = [
        ("d1", "up_to_1_5x", "up to 1.5×"),
        ("d2", "up_to_2x", "1.5–2×"),
        ("d3", "up_to_4x", "2–4×"),
        ("d4", "over_4x", "over 4×"),
    ]
    total = int(delay["breaches"])
    spans = "".join(
        f'<span class="{cls}" style="width:{100 * int(delay[key]) / total:.1f}%" '
        f'title="{label} the limit: {int(delay[key])}"></span>'
        for cls, key, label in parts
        if delay[key]
    )
    counts = ", ".join(f"{label}: {int(delay[key])}" for _, key, label in parts if delay[key])
    return (
        f'<div class="dist" aria-label="delay distribution">{spans}</div><small>Late by '
        f"(× the {own(format_seconds(delay['within_seconds']))} limit) {counts}; median "
        f"wait {own(format_seconds(delay['median_seconds']))}, 90% within "
        f"{own(format_seconds(delay['p90_seconds']))}</small>"
    )


def _what_cell(row: Mapping[str, Any]) -> Cell:
    parts = [html_text(row["what"])]
    if row["effect_text"]:
        parts.append(f"<br><small>{html_text(row['effect_text'])}</small>")
    also = row.get("also") or []
    if also:
        listed = "; ".join(html_text(a) for a in also[:2])
        more = f" and {len(also) - 2} more" if len(also) > 2 else ""
        parts.append(f"<br><small>The same journeys: {listed}{more}</small>")
    parts.append(delay_html(row.get("delay")))
    return Cell("".join(parts))


def _rates_cell(row: Mapping[str, Any]) -> Cell:
    with_, without = row["outcome_rate_with"], row["outcome_rate_without"]
    if with_ is None or without is None:
        return Cell("<small>not measured</small>")
    low, high = row["ci_low"], row["ci_high"]
    interval = f" ({format_points(low)} to {format_points(high)})" if low is not None else ""
    return Cell(
        f"{format_share(with_)} vs {format_share(without)}<br>"
        f"<small>{own(format_points(with_ - without) + interval)}</small>",
        numeric=True,
    )


def _journeys_cell(row: Mapping[str, object], grain: str, timezone: str) -> Cell:
    """How many journeys, their share, and the gap's trend line (share per period)."""
    trend = trend_svg(
        row["trend_periods"] or [],  # type: ignore[arg-type]
        row["trend_shares"] or [],  # type: ignore[arg-type]
        grain=grain,
        timezone=timezone,
        open_periods=row["trend_open"] or [],  # type: ignore[arg-type]
    )
    return Cell(
        f"{format_count(row['journeys'])}<br><small>{format_share(row['share'])}</small>"  # type: ignore[arg-type]
        + (f"<br>{trend}" if trend else ""),
        numeric=True,
    )


def _fix_rows(
    frame: pl.DataFrame,
    *,
    currency: str | None,
    anchors: Mapping[str, str],
    grain: str,
    timezone: str,
    segments: bool = True,
) -> list[list[Cell]]:
    rows = []
    for r in frame.iter_rows(named=True):
        example = r["example"]
        link = (
            f'<a class="example" href="#{anchors[example]}" title="{html_text(example)}">'
            f"journey {anchors[example].removeprefix('example-')}</a>"
            if example in anchors
            else "–"
        )
        who = [Cell(html_text(r["who"]) if r["who"] else "<small>no segments in the data</small>")]
        rows.append(
            [
                num_cell(str(r["order"])),
                _what_cell(r),
                Cell(f'<span class="tag k-{r["kind"]}">{html_text(r["kind_label"])}</span>'),
                _journeys_cell(r, grain, timezone),
                *(who if segments else []),
                _cost_cell(r, currency),
                _rates_cell(r),
                Cell(link),
            ]
        )
    return rows


def fix_headers(
    money: str, *, kind: str = "Kind of loss", segments: bool = True
) -> list[tuple[str, bool]]:
    """The lists' columns; ``segments``: the data has customer segments (else no Who column)."""
    return [
        ("#", True),
        ("What happens", False),
        (kind, False),
        ("Journeys", True),
        *([("Who", False)] if segments else []),
        (money, True),
        ("Goal reached: with vs without", True),
        ("Example", False),
    ]


def _explain(fixes: FixList, *, outcome: str, currency: str | None, segments: bool = True) -> str:
    """How to read the list, in the unit it is in, naming only the kinds of loss it holds."""
    if fixes.unit == "value":
        unit = (
            f"in {html_text(currency) if currency else 'journey value'}: the goals these "
            "journeys miss against comparable journeys that reached the same step, at the "
            "average value of a journey that reaches it"
        )
    else:
        unit = (
            "in goals: how many more of these journeys would reach it if they did as well as "
            "comparable journeys that reached the same step"
        )
    present = {kind for frame in fixes.lists for kind in frame["kind"]}
    lead = (
        f"Where journeys depart from the map and reach {html_text(outcome)} less often, the "
        f"biggest cost first ({unit})."
    )
    if not present:  # nothing listed: no legend for columns the page does not show
        return lead
    kinds = "; ".join(
        f"<b>{label}</b>, {words}" for kind, (label, words) in KINDS.items() if kind in present
    )
    weighted = (
        " <b>Value weighted</b> (<code>ranking: value_weighted</code>): each journey counts "
        "with its customer's weight (<code>customer_value</code>, 1 = the map's average "
        "journey), so what valuable customers lose costs more and ranks higher."
        if fixes.weighted
        else ""
    )
    return (
        f"{lead}{weighted} <i>Kind of loss</i>: {kinds}. "
        + (
            "<i>Who</i>: the customer segments the departure hits more than the map's journeys "
            "as a whole. "
            if segments
            else ""
        )
        + "<i>Goal reached</i> compares these journeys with comparable ones, the difference in "
        "percentage points with its 95% interval. The example is one such journey, drawn at "
        "the end of the page."
    )


def fix_first(
    fixes: FixList | None,
    *,
    outcome: str,
    currency: str | None,
    anchors: Mapping[str, str],
    max_rows: int = 15,
) -> Section:
    """The costs, then what works better, the late goals and (folded) the unclear ones."""
    if fixes is None:
        note = '<p class="note">No gaps yet: run <code>journeys compare</code>.</p>'
        return section("fix-first", "What to fix first", "", note)

    # no customer segments anywhere (an imported log): no Who column saying so on every row
    segments = any(bool(w) for frame in fixes.lists for w in frame["who"])

    def listed(frame: pl.DataFrame, money: str, id: str, *, kind: str = "Kind") -> str:
        rows = _fix_rows(
            frame.head(max_rows),
            currency=currency,
            anchors=anchors,
            grain=fixes.grain,
            timezone=fixes.timezone,
            segments=segments,
        )
        return table(fix_headers(money, kind=kind, segments=segments), rows, id=id)

    cost = "Cost, value weighted" if fixes.weighted else "Cost"
    body = (
        listed(fixes.costs, cost, "fix-table", kind="Kind of loss")
        if fixes.costs.height
        else '<p class="note">No gap has a clear cost.</p>'
    )
    if fixes.costs.height > max_rows:
        body += f'<p class="note">{fixes.costs.height - max_rows} more in marts.map_gaps.</p>'
    if fixes.helps.height:
        body += (
            '<h3>What works better than the map</h3><p class="explain">Departures after '
            f"which journeys reach {html_text(outcome)} more often: paths the map could adopt."
            "</p>" + listed(fixes.helps, "Gain", "helps-table")
        )
    if fixes.late.height:
        body += (
            '<h3>Late at the goal</h3><p class="explain">The goal step itself came later than '
            "the map allows. Every one of these journeys reached the goal, so the goal rate "
            "cannot say what the delay costs: they are listed with how late they were.</p>"
            + listed(fixes.late, "Impact", "late-table")
        )
    if fixes.unclear.height:
        body += (
            f"<details><summary>{fixes.unclear.height} more departures with no clear effect on "
            "the goal</summary>" + listed(fixes.unclear, "Impact", "unclear-table") + "</details>"
        )
    explain = _explain(fixes, outcome=outcome, currency=currency, segments=segments)
    return section("fix-first", "What to fix first", explain, body)
