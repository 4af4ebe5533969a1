"""What a map page and the index say about effort and the touchpoints that matter: read from
``marts.journey_effort``, ``marts.journey_handoffs`` and ``marts.touchpoint_impact`` over the
map's journeys (``marts.map_journeys``) with the queries of ``sql/queries/report/``
(map_effort, map_handoffs, touchpoint_impact), shaped by pure ``*_data`` functions. The HTML and
the chart are ``report/cxsections.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from journeys.compare.maps import JourneyMap, handoff_slas
from journeys.warehouse import Warehouse

EFFORT = ("marts.journey_effort", "marts.journey_handoffs")
IMPACT = "marts.touchpoint_impact"
CHART_ROWS = 12


@dataclass(frozen=True)
class CxInputs:
    """One map's effort and touchpoint rows (None: the mart is missing, so the page says what
    to run)."""

    effort: dict[str, Any] | None
    handoffs: pl.DataFrame | None
    touchpoints: pl.DataFrame | None


@dataclass(frozen=True)
class CxHeadline:
    """The index line of a map: its worst handoff and its touchpoint with the best return."""

    worst_handoff: dict[str, Any] | None
    best_return: dict[str, Any] | None
    top_touchpoint: dict[str, Any] | None
    no_return: str = "no costs given"
    """Why there is no return: no touchpoint has a cost, or the map's goal carries no value."""


def read_cx(wh: Warehouse, m: JourneyMap, *, handoff_sla_seconds: int) -> CxInputs:
    """The map's effort summary, handoffs per team pair and touchpoint impact (the journeys
    of ``marts.map_journeys``; handoffs from or to a touchpoint the map ignores left out)."""
    effort = handoffs = touchpoints = None
    if all(wh.table_exists(t) for t in EFFORT):
        effort = wh.query("queries/report/map_effort", map_name=m.name).row(0, named=True)
        handoffs = map_handoffs(wh, m, handoff_sla_seconds=handoff_sla_seconds)
    if wh.table_exists(IMPACT):
        touchpoints = wh.query("queries/report/touchpoint_impact", map_name=m.name)
    return CxInputs(effort=effort, handoffs=handoffs, touchpoints=touchpoints)


def map_handoffs(wh: Warehouse, m: JourneyMap, *, handoff_sla_seconds: int) -> pl.DataFrame:
    """The map's handoffs per team pair, late and missed by the map's own ``within``s (else
    ``handoff_sla_seconds`` inside one thread): the map compared with ``--map`` as much as a
    configured one, whose SLAs the build knew."""
    slas = handoff_slas([m])
    return wh.query(
        "queries/report/map_handoffs",
        map_name=m.name,
        sla_from=[a for a, _, _ in slas],
        sla_to=[b for _, b, _ in slas],
        sla_seconds=[seconds for _, _, seconds in slas],
        handoff_sla_seconds=handoff_sla_seconds,
    )


def handoff_table_data(handoffs: pl.DataFrame) -> pl.DataFrame:
    """One row per team pair, most missed first: pair (``'Tier 1 → Logistics'``), the counts,
    missed_share, median_wait_seconds, sla_seconds."""
    return handoffs.with_columns(
        pair=pl.col("from_team") + " → " + pl.col("to_team"),
        missed_share=pl.col("missed") / pl.col("handoffs"),
    ).sort(["missed", "handoffs", "pair"], descending=[True, True, False])


def worst_handoff(handoffs: pl.DataFrame | None) -> dict[str, Any] | None:
    """The team pair with the most missed handoffs (ties: the larger share, then the table's
    order), or None when none was missed."""
    if handoffs is None:
        return None
    rows = handoff_table_data(handoffs).filter(pl.col("missed") > 0)
    if not rows.height:
        return None
    ordered = rows.sort(["missed", "missed_share"], descending=True, maintain_order=True)
    return ordered.row(0, named=True)  # ties: the table's order (more handoffs, then by name)


def touchpoint_table_data(impact: pl.DataFrame) -> pl.DataFrame:
    """The map's touchpoints ranked by removal effect (the outcome touchpoints last), with
    ``difference`` = outcome_rate_with - outcome_rate_without."""
    return impact.with_columns(
        difference=pl.col("outcome_rate_with") - pl.col("outcome_rate_without")
    ).sort(["rank", "touchpoint"], nulls_last=True)


def best_return(impact: pl.DataFrame | None) -> dict[str, Any] | None:
    """The touchpoint with the highest return on its cost (None without costs)."""
    if impact is None or "return_on_cost" not in impact.columns:
        return None
    priced = impact.filter(pl.col("return_on_cost").is_not_null())
    if not priced.height:
        return None
    return priced.sort(["return_on_cost", "touchpoint"], descending=[True, False]).row(
        0, named=True
    )


def top_touchpoint(impact: pl.DataFrame | None) -> dict[str, Any] | None:
    """The touchpoint carrying the most of the outcome (rank 1), or None."""
    if impact is None:
        return None
    ranked = impact.filter(pl.col("rank") == 1)
    return ranked.row(0, named=True) if ranked.height else None


def cx_headline(inputs: CxInputs) -> CxHeadline:
    impact = inputs.touchpoints
    priced = impact is not None and impact["cost"].drop_nulls().len() > 0
    return CxHeadline(
        worst_handoff=worst_handoff(inputs.handoffs),
        best_return=best_return(impact),
        top_touchpoint=top_touchpoint(impact),
        no_return="its goal carries no money" if priced else "no costs given",
    )


def touchpoint_chart_data(impact: pl.DataFrame, *, top: int = CHART_ROWS) -> pl.DataFrame:
    """touchpoint, removal_effect, designed, attributed_outcomes: the ``top`` ranked
    touchpoints, the largest first."""
    return (
        impact.filter(pl.col("rank").is_not_null())
        .sort("rank")
        .head(top)
        .select("touchpoint", "removal_effect", "designed", "attributed_outcomes")
    )
