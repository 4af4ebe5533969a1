"""The fix-first list: one map's ranked gaps, costly ones first, in the configured currency (or
in goals), helpful ones apart, drop-offs in the same list with the kind of loss they are.

Inputs are the rows of sql/queries/report/map_gaps.sql (marts.map_gaps), gap_segments.sql
(who each gap affects: marts.map_gaps.segments against the map's scope) and sla_delays.sql (how
late the late journeys were). Only ranked gaps
are listed; a gap that re-describes a ranked one (``same_behaviour_as``) is folded into its row
(``also``). Rows whose effect is ``harms`` are the costs, ordered by what they cost (the most
negative ``impact`` first, then journeys); ``helps`` are listed apart, the largest gain first;
the rest (no clear effect, or not measurable) last. Numbers are the marts' as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from journeys.report.units import format_share
from journeys.report.words import KINDS, goal_effect, loss_kind, outcome_name, what_happens

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

HARMS, HELPS = "harms", "helps"
LATE_OUTCOMES = "late_outcomes"
"""The ranking of the outcome step's own SLA breaches (their outcome measures are NULL)."""
NO_SEGMENT = "(no segment)"
OVER = 1.25
"""A segment is called out when its share of a gap's journeys is this many times its share
of every journey in scope (and at least a fifth of the gap's journeys)."""


@dataclass(frozen=True)
class FixList:
    """costs, helps, late, unclear: one row per listed gap (``ROW_SCHEMA``), in list order.
    ``late``: the outcome step itself later than its SLA (ranking ``late_outcomes``): every such
    journey reached the outcome, so the goal rate cannot price the delay."""

    costs: pl.DataFrame
    helps: pl.DataFrame
    late: pl.DataFrame
    unclear: pl.DataFrame
    unit: str | None
    """``value`` (money) or ``outcomes`` (goals): marts.map_gaps.impact_unit."""
    grain: str = "week"
    """The periods of the rows' trend lines (marts.map_gap_history.grain)."""
    timezone: str = "UTC"
    """Whose days and weeks those periods are (marts.map_gap_history.timezone)."""
    weighted: bool = False
    """The costs are value weighted (``ranking: value_weighted``; marts.map_gaps.value_weighted):
    each journey counts with its customer's weight."""

    @property
    def lists(self) -> tuple[pl.DataFrame, ...]:
        return (self.costs, self.helps, self.late, self.unclear)

    @property
    def examples(self) -> list[str]:
        """The example journeys the lists link to, in list order, each once."""
        ids: list[str] = []
        for frame in self.lists:
            for journey_id in frame["example"].to_list():
                if journey_id and journey_id not in ids:
                    ids.append(journey_id)
        return ids


def _segments(segments: pl.DataFrame) -> dict[int, list[dict[str, Any]]]:
    """gap_id -> its segments, most journeys first."""
    found: dict[int, list[dict[str, Any]]] = {}
    for row in segments.iter_rows(named=True):
        found.setdefault(int(row["gap_id"]), []).append(row)
    return found


def who(segments: Sequence[Mapping[str, Any]]) -> str:
    """Who a gap affects: the segments over-represented among its journeys (``OVER``; journeys
    without a segment count as one, often the customers nobody knows yet), else ``'All
    segments alike'``; ``''`` when the data has no segments at all."""
    if not segments or all(
        s["segment"] == NO_SEGMENT and float(s["share_of_scope"]) >= 1.0 for s in segments
    ):
        return ""
    share = {str(s["segment"]): float(s["share"]) for s in segments}
    base = {str(s["segment"]): float(s["share_of_scope"]) for s in segments}
    over = [name for name in share if share[name] >= 0.2 and share[name] >= OVER * base[name]]
    if not over:
        return "All segments alike"
    named = {NO_SEGMENT: "customers without a segment"}
    parts = [
        f"{named.get(name, name)}: {format_share(share[name])} of them "
        f"({format_share(base[name])} of all)"
        for name in over[:2]
    ]
    return "Mostly " + "; ".join(parts)


def _also(gaps: pl.DataFrame) -> dict[tuple[str, int], list[str]]:
    """(ranking, rank) -> what the gaps folded into it say."""
    folded: dict[tuple[str, int], list[str]] = {}
    for row in gaps.filter(pl.col("same_behaviour_as").is_not_null()).iter_rows(named=True):
        key = (str(row["ranking"]), int(row["same_behaviour_as"]))
        folded.setdefault(key, []).append(str(row["description"]))
    return folded


def fix_first_data(
    gaps: pl.DataFrame,
    *,
    segments: pl.DataFrame,
    delays: pl.DataFrame,
    goal: str | None,
    exits: Sequence[str],
    trends: pl.DataFrame | None = None,
    grain: str = "week",
    timezone: str = "UTC",
) -> FixList:
    """The map's ranked gaps as the three lists of the page (see the module docstring), each
    row with its trend (``trends``: trends.trend_data() of the gap history, periods of
    ``grain``; none without)."""
    outcome = outcome_name(goal, exits)
    by_gap = _segments(segments)
    also = _also(gaps)
    late_by_step = {str(r["step"]): r for r in delays.iter_rows(named=True)}
    trend = {} if trends is None else {r[0]: (r[1], r[2], r[4]) for r in trends.iter_rows()}
    rows = []
    for r in gaps.filter(pl.col("rank").is_not_null()).iter_rows(named=True):
        delay = late_by_step.get(str(r["to_step"])) if r["gap_type"] == "sla_breach" else None
        rows.append(
            {
                **{c: r[c] for c in MEASURED},
                **_words(r, outcome),
                "who": who(by_gap.get(int(r["gap_id"]), [])),
                "examples": list(r["example_journey_ids"] or []),
                "also": also.get((str(r["ranking"]), int(r["rank"])), []),
                "delay": dict(delay) if delay else None,
                **dict(zip(TREND, trend.get(r["gap_id"], ([], [], [])), strict=True)),
            }
        )
    frame = pl.DataFrame(rows, schema=ROW_SCHEMA) if rows else pl.DataFrame(schema=ROW_SCHEMA)
    units = gaps["impact_unit"].drop_nulls().unique().to_list()
    by_cost = ["impact", "journeys", "gap_id"]
    late = pl.col("ranking") == LATE_OUTCOMES
    lists = [
        frame.filter(pl.col("effect") == HARMS).sort(
            by_cost, descending=[False, True, False], nulls_last=True
        ),
        frame.filter(pl.col("effect") == HELPS).sort(
            by_cost, descending=[True, True, False], nulls_last=True
        ),
        frame.filter(late).sort(["journeys", "gap_id"], descending=[True, False]),
        frame.filter(~pl.col("effect").is_in([HARMS, HELPS]).fill_null(True) & ~late).sort(
            ["journeys", "gap_id"], descending=[True, False]
        ),
    ]
    costs, helps, lates, unclear = _with_examples(lists)
    return FixList(
        costs=costs,
        helps=helps,
        late=lates,
        unclear=unclear,
        unit=units[0] if len(units) == 1 else None,
        grain=grain,
        timezone=timezone,
        weighted=bool(gaps["value_weighted"].any()),
    )


MEASURED = (
    "gap_id", "ranking", "rank", "gap_type", "effect", "journeys", "share", "customers",
    "impact", "impact_unit", "outcome_rate_with", "outcome_rate_without", "ci_low", "ci_high",
)  # fmt: skip
"""The columns of marts.map_gaps a list row shows as they are."""


def _words(row: Mapping[str, Any], outcome: str) -> dict[str, str]:
    kind = loss_kind(row)
    return {
        "kind": kind,
        "kind_label": KINDS[kind][0],
        "what": what_happens(row, outcome=outcome),
        "effect_text": goal_effect(row, outcome=outcome),
    }


def _with_examples(lists: Sequence[pl.DataFrame]) -> list[pl.DataFrame]:
    """Numbered lists, each row with one ``example``: the first of its gap's example journeys
    no earlier row shows (else its first), so the timelines show different journeys."""
    used: set[str] = set()
    out = []
    for frame in lists:
        chosen = []
        for candidates in frame["examples"].to_list():
            fresh = [c for c in candidates or [] if c not in used]
            pick = (fresh or candidates or [None])[0]
            if pick:
                used.add(pick)
            chosen.append(pick)
        out.append(
            _numbered(
                frame.with_columns(example=pl.Series(chosen, dtype=pl.String)).drop("examples")
            )
        )
    return out


def _numbered(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index("order", offset=1).with_columns(pl.col("order").cast(pl.Int64))


DELAY = pl.Struct(
    {
        "step": pl.String,
        "within_seconds": pl.Int64,
        "breaches": pl.Int64,
        "median_seconds": pl.Float64,
        "p90_seconds": pl.Float64,
        "up_to_1_5x": pl.Int64,
        "up_to_2x": pl.Int64,
        "up_to_4x": pl.Int64,
        "over_4x": pl.Int64,
    }
)
ROW_SCHEMA: dict[str, PolarsDataType] = {
    "gap_id": pl.Int64,
    "ranking": pl.String,
    "rank": pl.Int64,
    "gap_type": pl.String,
    "kind": pl.String,
    "kind_label": pl.String,
    "what": pl.String,
    "effect_text": pl.String,
    "who": pl.String,
    "effect": pl.String,
    "journeys": pl.Int64,
    "share": pl.Float64,
    "customers": pl.Int64,
    "impact": pl.Float64,
    "impact_unit": pl.String,
    "outcome_rate_with": pl.Float64,
    "outcome_rate_without": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "examples": pl.List(pl.String),
    "also": pl.List(pl.String),
    "delay": DELAY,
    "trend_periods": pl.List(pl.Date),
    "trend_shares": pl.List(pl.Float64),
    "trend_open": pl.List(pl.Boolean),
}
TREND = ("trend_periods", "trend_shares", "trend_open")
"""One row before it is listed (then ``examples`` becomes one ``example`` and ``order``, its
number in the list, is added)."""
