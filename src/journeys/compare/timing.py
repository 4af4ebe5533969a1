"""What the events say about a map's steps: time from the previous step, SLAs, channel switches.

Each in-scope journey's events on map steps are read in journey order (``step_index``, which
follows the ordering rule: occurred_at, then seq), and each is paired with the previous map step
of the same journey. The warehouse returns nearly every journey's events together and in order
already, so only the few that are not get sorted (``_in_journey_order``). Events are scanned
lazily and, for many journeys, in several passes (one per slice of the journey keys), so memory
stays bounded at 100M events; only small results are kept: the seconds per step (for medians),
the SLA breaches and the unplanned channel switches.

Channel switch rule: consecutive map steps on different observed channels, where the map names a
channel for at least one of them and at least one was observed off its designed channel (a
switch the map designs, a web step then a store step, is not a gap).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from journeys.compare.maps import JourneyMap
from journeys.compare.scope import EVENT_COLUMNS
from journeys.warehouse import Warehouse

PART_JOURNEYS = 200_000
"""Journeys per pass over the events."""


@dataclass(frozen=True)
class StepTiming:
    seconds: pl.DataFrame
    """step, seconds_from_previous: one row per map-step event with a previous map step."""
    breaches: pl.DataFrame
    """jx, step, seconds: journeys with an occurrence of the step later than its ``within``,
    and the longest such wait from the previous step (seconds)."""
    switches: pl.DataFrame
    """jx, prev_step, step, prev_channel, channel: unplanned channel switches."""


def time_steps(
    journey_map: JourneyMap,
    events: pl.DataFrame | pl.LazyFrame | Warehouse,
    journeys: pl.DataFrame,
    *,
    part_journeys: int = PART_JOURNEYS,
    listed: bool = False,
    keep: Callable[[pl.DataFrame], None] | None = None,
) -> StepTiming:
    """Timing, SLA breaches and channel switches of ``journeys`` (scope_journeys(), sorted by
    journey_id) on the map. ``events``: marts.events columns, or the warehouse holding them
    (read with sql/queries/map_step_events.sql, cheaper than a lazy frame over the table).
    Each pass reads one range of journey ids: a range filter the warehouse applies itself, so a
    pass reads only its own events. ``listed``: read, in one pass, only the events of the
    journeys in ``intermediate.compare_changed`` (a micro-batch's; ``events`` is the
    warehouse). ``keep`` is handed each pass's seconds with their journey_id (journey_id, step,
    seconds_from_previous), which StepTiming then does not hold (its seconds are empty: at 100M
    events they are 80M rows); without ``keep`` StepTiming holds them without the journey_id."""
    if listed:
        part_journeys = max(journeys.height, 1)
    parts = max(1, math.ceil(journeys.height / part_journeys))
    size = max(1, math.ceil(journeys.height / parts))
    ids = journeys["journey_id"]
    pieces = []
    for start in range(0, max(journeys.height, 1), size):
        keys = journeys.lazy().slice(start, size).select("journey_id", "jx")
        bounds = None
        if parts > 1:
            bounds = (ids[start], ids[min(start + size, journeys.height) - 1])
        events_on_steps = _read_events(journey_map, events, bounds, listed=listed)
        seconds, breaches, switches = _time_part(journey_map, events_on_steps, keys)
        if keep is not None:
            keep(seconds)
            seconds = seconds.clear()
        pieces.append((seconds.drop("journey_id"), breaches, switches))
    return StepTiming(*(pl.concat([p[i] for p in pieces]) for i in range(3)))


def _read_events(
    journey_map: JourneyMap,
    events: pl.DataFrame | pl.LazyFrame | Warehouse,
    bounds: tuple[str, str] | None,
    *,
    listed: bool = False,
) -> pl.DataFrame:
    """journey_id, step_index, step (an Enum of the map's steps), occurred_at, channel: the
    events on the map's steps, of the journeys with ids in ``bounds`` (all when None).
    No join with the journeys here (the slow part at scale): a journey without events on map
    steps is out of scope by definition, so these events are the in-scope journeys' events."""
    names = list(journey_map.step_names)
    step_type = pl.Enum(names)
    if isinstance(events, Warehouse):
        first, last = bounds or (None, None)
        if listed:
            found = events.query("queries/map_step_events_listed", steps=names)
        else:
            found = events.query("queries/map_step_events", steps=names, first=first, last=last)
        return found.select(
            "journey_id",
            "step_index",
            pl.Series(names, dtype=step_type).gather(found["step_code"]).alias("step"),
            "occurred_at",
            "channel",
        )
    source = events.lazy().select(*EVENT_COLUMNS)
    if bounds is not None:
        source = source.filter(
            (pl.col("journey_id") >= pl.lit(bounds[0]))
            & (pl.col("journey_id") <= pl.lit(bounds[1]))
        )
    return (
        # equalities rather than is_in: the warehouse applies them itself while scanning
        source.filter(
            functools.reduce(operator.or_, [pl.col("touchpoint") == pl.lit(n) for n in names])
        )
        .select(
            "journey_id",
            "step_index",
            pl.col("touchpoint").cast(step_type).alias("step"),
            "occurred_at",
            "channel",
        )
        .collect(engine="streaming")
    )


def _time_part(
    journey_map: JourneyMap, events_on_steps: pl.DataFrame, keys: pl.LazyFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    timed = [_time_events(journey_map, f) for f in _in_journey_order(events_on_steps)]
    seconds, breaches, switches = (pl.concat(p) for p in zip(*timed, strict=True))
    key_frame = keys.collect()
    return (
        seconds,
        breaches.join(key_frame, on="journey_id").select("jx", "step", "seconds"),
        switches.join(key_frame, on="journey_id").select(
            "jx", "prev_step", "step", "prev_channel", "channel"
        ),
    )


def _in_journey_order(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """The events, with ``same``: the event follows the previous one of its journey, in step
    order. The warehouse mostly returns each journey's events together and in step order
    (marts.events is written journey by journey), so the frame is used as it is, except for the
    journeys that are not (in several runs, or out of step order inside one): their events get
    ``same`` false there and come again, sorted, in a second, small frame. Cheaper than sorting
    all the events."""
    ids = frame["journey_id"]
    same = (ids == ids.shift(1)).fill_null(False)
    runs = frame.select(
        run=(~same).cum_sum() - 1,
        # a step at or before the previous one of the same run: the run is out of order
        backwards=same & (pl.col("step_index") <= pl.col("step_index").shift(1)),
    )
    # a journey in several runs, or a run out of order: its runs are irregular
    irregular = ids.filter(~same).is_duplicated()
    backwards = runs.filter("backwards")["run"]
    if backwards.len():
        irregular = irregular.scatter(backwards, True)
    if not irregular.any():
        return [frame.with_columns(same=same)]
    rows = irregular.gather(runs["run"])
    # each journey's events together, in step order: any code of the journey will do as the
    # first key, and sorting integer codes is several times cheaper than the ids (this matters
    # when the warehouse returns many journeys out of order)
    again = frame.filter(rows).sort(
        pl.col("journey_id").cast(pl.Categorical).to_physical(), "step_index"
    )
    return [
        frame.with_columns(same=same & ~rows),
        again.with_columns(
            same=(pl.col("journey_id") == pl.col("journey_id").shift(1)).fill_null(False)
        ),
    ]


def _time_events(
    journey_map: JourneyMap, frame: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """seconds, breaches (journey_id, step) and switches of one frame of _in_journey_order().
    Each event where ``same`` is paired with the row before it; the few pairs that make a
    breach or a switch are gathered by row number."""
    same = frame["same"]
    elapsed = frame.select(
        (pl.col("occurred_at") - pl.col("occurred_at").shift(1)).dt.total_milliseconds() / 1000.0
    ).to_series()
    seconds = pl.DataFrame(
        {
            "journey_id": frame["journey_id"].filter(same),
            "step": frame["step"].filter(same),
            "seconds_from_previous": elapsed.filter(same),
        }
    )
    # the step's within, by the step's code (steps are an Enum in file order)
    within = pl.Series([s.within_seconds for s in journey_map.steps], dtype=pl.Int64)
    late = (elapsed > within.gather(frame["step"].to_physical())).fill_null(False) & same
    breaches = (
        frame.select("journey_id", "step")
        .with_columns(seconds=elapsed)
        .filter(late)
        .group_by("journey_id", "step")
        .agg(pl.col("seconds").max())
    )
    return seconds, breaches, _unplanned_switches(journey_map, frame)


def _pairs(frame: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """journey_id, prev_step, step, prev_channel, channel of the ``rows`` (each the event after
    another of its journey) of a frame of _in_journey_order()."""
    at = rows.fill_null(False).arg_true()
    this = frame.select("journey_id", "step", "channel")[at]
    prev = frame.select(prev_step="step", prev_channel="channel")[at - 1]
    return pl.concat([this, prev], how="horizontal").select(
        "journey_id", "prev_step", "step", "prev_channel", "channel"
    )


def _unplanned_switches(journey_map: JourneyMap, frame: pl.DataFrame) -> pl.DataFrame:
    designed = {s.name: s.channel for s in journey_map.steps}
    channel = frame["channel"]
    changed = frame["same"] & (channel != channel.shift(1))  # null when either is null
    if not any(designed.values()):
        changed = changed.clear(frame.height)
    switched = _pairs(frame, changed)
    plan_prev = pl.col("prev_step").replace_strict(designed, return_dtype=pl.String)
    plan_this = pl.col("step").replace_strict(designed, return_dtype=pl.String)
    return switched.filter(
        (plan_prev.is_not_null() | plan_this.is_not_null())
        & (
            (pl.coalesce(plan_prev, "prev_channel") != pl.col("prev_channel"))
            | (pl.coalesce(plan_this, "channel") != pl.col("channel"))
        )
    ).unique()
