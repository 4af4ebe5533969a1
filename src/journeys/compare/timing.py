"""What the events say about a map's steps: time from the previous step, SLAs, channel switches.

Each in-scope journey's events on map steps are read in journey order (``step_index``, which
follows the ordering rule: occurred_at, then seq), and each is paired with the previous map step
of the same journey. Events are scanned lazily and, for many journeys, in several passes (one per
slice of the journey keys), so memory stays bounded at 100M events; only small results are kept:
the seconds per step (for medians), the SLA breaches and the unplanned channel switches.

Channel switch rule: consecutive map steps on different observed channels, where the map names a
channel for at least one of them and at least one was observed off its designed channel (a
switch the map designs, a web step then a store step, is not a gap).
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass

import polars as pl

from journeys.compare.maps import JourneyMap
from journeys.compare.scope import EVENT_COLUMNS

PART_JOURNEYS = 200_000
"""Journeys per pass over the events."""


@dataclass(frozen=True)
class StepTiming:
    seconds: pl.DataFrame
    """step, seconds_from_previous: one row per map-step event with a previous map step."""
    breaches: pl.DataFrame
    """jx, step: journeys with an occurrence of the step later than its ``within``."""
    switches: pl.DataFrame
    """jx, prev_step, step, prev_channel, channel: unplanned channel switches."""


def time_steps(
    journey_map: JourneyMap,
    events: pl.DataFrame | pl.LazyFrame,
    journeys: pl.DataFrame,
    *,
    part_journeys: int = PART_JOURNEYS,
) -> StepTiming:
    """Timing, SLA breaches and channel switches of ``journeys`` (scope_journeys(), sorted by
    journey_id) on the map. Each pass reads one range of journey ids: a range filter the
    warehouse applies itself, so a pass reads only its own events."""
    parts = max(1, math.ceil(journeys.height / part_journeys))
    size = max(1, math.ceil(journeys.height / parts))
    ids = journeys["journey_id"]
    pieces = []
    for start in range(0, max(journeys.height, 1), size):
        keys = journeys.lazy().slice(start, size).select("journey_id", "jx")
        source = events.lazy()
        if parts > 1:
            last = min(start + size, journeys.height) - 1
            source = source.filter(
                (pl.col("journey_id") >= pl.lit(ids[start]))
                & (pl.col("journey_id") <= pl.lit(ids[last]))
            )
        pieces.append(_time_part(journey_map, source, keys))
    return StepTiming(*(pl.concat([p[i] for p in pieces]) for i in range(3)))


def _time_part(
    journey_map: JourneyMap, events: pl.LazyFrame, keys: pl.LazyFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    names = list(journey_map.step_names)
    step_type = pl.Enum(names)
    within = {s.name: s.within_seconds for s in journey_map.steps}
    same = pl.col("journey") == pl.col("journey").shift(1)
    # No join with the journeys here (the slow part at scale): a journey without events on map
    # steps is out of scope by definition, so these events are the in-scope journeys' events.
    frame = (
        events.select(*EVENT_COLUMNS)
        # equalities rather than is_in: the warehouse applies them itself while scanning
        .filter(functools.reduce(operator.or_, [pl.col("touchpoint") == pl.lit(n) for n in names]))
        .select(
            "journey_id",
            "step_index",
            pl.col("touchpoint").cast(step_type).alias("step"),
            "occurred_at",
            pl.col("channel").cast(pl.Categorical),
        )
        .collect(engine="streaming")
        # each journey's events together, in step order: any code of the journey will do as
        # the first key, and sorting integer codes is several times cheaper than the ids
        .with_columns(journey=pl.col("journey_id").cast(pl.Categorical).to_physical())
        .sort("journey", "step_index")
        .select(
            "journey_id",
            "step",
            "channel",
            prev_step=pl.when(same).then(pl.col("step").shift(1)),
            prev_channel=pl.when(same).then(pl.col("channel").shift(1)),
            seconds_from_previous=pl.when(same).then(
                (pl.col("occurred_at") - pl.col("occurred_at").shift(1)).dt.total_milliseconds()
                / 1000.0
            ),
        )
    )
    seconds = frame.filter(pl.col("seconds_from_previous").is_not_null()).select(
        "step", "seconds_from_previous"
    )
    breaches = (
        frame.filter(
            pl.col("seconds_from_previous")
            > pl.col("step").replace_strict(within, return_dtype=pl.Int64)
        )
        .select("journey_id", "step")
        .unique()
    )
    switches = _unplanned_switches(journey_map, frame)
    keys = keys.collect()
    return (
        seconds,
        breaches.join(keys, on="journey_id").select("jx", "step"),
        switches.join(keys, on="journey_id").select(
            "jx", "prev_step", "step", "prev_channel", "channel"
        ),
    )


def _unplanned_switches(journey_map: JourneyMap, frame: pl.DataFrame) -> pl.DataFrame:
    designed = {s.name: s.channel for s in journey_map.steps}
    if not any(designed.values()):
        return frame.select("journey_id", "prev_step", "step", "prev_channel", "channel").clear()
    switched = frame.filter(
        pl.col("prev_channel").is_not_null()
        & pl.col("channel").is_not_null()
        & (pl.col("prev_channel") != pl.col("channel"))
    ).select(
        "journey_id",
        "prev_step",
        "step",
        pl.col("prev_channel").cast(pl.String),
        pl.col("channel").cast(pl.String),
    )
    plan_prev = pl.col("prev_step").replace_strict(designed, return_dtype=pl.String)
    plan_this = pl.col("step").replace_strict(designed, return_dtype=pl.String)
    return switched.filter(
        (plan_prev.is_not_null() | plan_this.is_not_null())
        & (
            (pl.coalesce(plan_prev, "prev_channel") != pl.col("prev_channel"))
            | (pl.coalesce(plan_this, "channel") != pl.col("channel"))
        )
    ).unique()
