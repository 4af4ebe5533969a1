"""The one place unit tests build event and mart frames by hand.

- ``int_event`` / ``int_events_after``: rows of ``intermediate.int_events`` (the paths' input);
- ``Journey`` / ``journey_marts`` / ``write_journey_marts``: ``marts.journeys`` and
  ``marts.events`` for compare and the report, one journey at a time from its path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from journeys.compare.gaps import MAP_GAPS_SCHEMA
from journeys.compare.mapjourneys import MAP_JOURNEYS_SCHEMA
from journeys.paths import variant_id_of
from journeys.warehouse import Warehouse

T0 = datetime(2024, 1, 1, tzinfo=UTC)
INT_EVENTS_SCHEMA = {
    "case_id": pl.String,
    "team": pl.String,
    "system": pl.String,
    "channel": pl.String,
    "thread_id": pl.String,
    "topic": pl.String,
}
EVENTS_SCHEMA = {
    "journey_id": pl.String,
    "step_index": pl.Int64,
    "touchpoint": pl.String,
    "occurred_at": pl.Datetime("us", "UTC"),
    "channel": pl.String,
    "team": pl.String,
    "system": pl.String,
}
JOURNEYS_SCHEMA = {
    "journey_id": pl.String,
    "customer_key": pl.String,
    "started_at": pl.Datetime("us", "UTC"),
    "ended_at": pl.Datetime("us", "UTC"),
    "n_steps": pl.Int64,
    "variant_id": pl.String,
    "path": pl.List(pl.String),
    "status": pl.String,
    "segment": pl.String,
    "value": pl.Float64,
}


def int_event(
    customer: str, at: datetime, touchpoint: str, *, seq: int, **extra: Any
) -> dict[str, Any]:
    """One int_events row with defaults (web, no team or system, no value); ``extra`` overrides
    any column (case_id, channel, team, system, value, event_type, thread_id, topic…)."""
    row: dict[str, Any] = {
        "event_id": f"e{seq}",
        "source": "web",
        "customer_key": customer,
        "case_id": None,
        "occurred_at": at,
        "seq": seq,
        "event_type": touchpoint.lower(),
        "touchpoint": touchpoint,
        "channel": "web",
        "team": None,
        "system": None,
        "value": 0.0,
        "batch_id": "b1",
        "thread_id": None,
        "topic": None,
    }
    row.update(extra)
    return row


def int_events_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides=INT_EVENTS_SCHEMA)


def int_events_after(t0: datetime, *rows: tuple[Any, ...], first_seq: int = 0) -> pl.DataFrame:
    """int_events from rows ``(customer, seconds after t0, touchpoint[, {column: value}])``;
    seq is the row number from ``first_seq`` (the list order is the arrival order) unless the
    dict names it."""
    out = []
    for i, (customer, seconds, touchpoint, *extra) in enumerate(rows, start=first_seq):
        columns = dict(extra[0]) if extra else {}
        seq = columns.pop("seq", i)
        out.append(int_event(customer, after(t0, seconds), touchpoint, seq=seq, **columns))
    return int_events_frame(out)


def after(t0: datetime, seconds: float) -> datetime:
    return t0 + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Journey:
    """One journey of the mart builders: its id and path, everything else defaulted."""

    id: str
    path: Sequence[str]
    status: str = "completed"
    customer: str | None = None
    """Default ``ck_<id>``."""
    value: float = 0.0
    segment: str | None = None
    start: datetime = T0
    seconds: Sequence[float] | None = None
    """Seconds before each step, the first counted from ``start`` (default 60 each)."""
    channels: Sequence[str | None] | None = None
    """The channel of each step (default web)."""


def journey_marts(
    journeys: Iterable[Journey | Mapping[str, Any]],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``marts.journeys`` and ``marts.events`` frames of ``journeys`` (``Journey`` or the same
    fields as a dict): events in path order, step_index from 1, real variant ids."""
    rows, events = [], []
    for item in journeys:
        j = item if isinstance(item, Journey) else Journey(**item)
        n = len(j.path)
        seconds = j.seconds if j.seconds is not None else [60] * n
        channels = j.channels if j.channels is not None else ["web"] * n
        at, times = j.start, []
        for i, touchpoint in enumerate(j.path):
            at += timedelta(seconds=seconds[i])
            times.append(at)
            events.append((j.id, i + 1, touchpoint, at, channels[i], None, None))
        rows.append(
            (
                j.id,
                j.customer if j.customer is not None else f"ck_{j.id}",
                times[0] if times else j.start,
                times[-1] if times else j.start,
                n,
                variant_id_of(j.path),
                list(j.path),
                j.status,
                j.segment,
                j.value,
            )
        )
    return (
        pl.DataFrame(rows, schema=JOURNEYS_SCHEMA, orient="row"),
        pl.DataFrame(events, schema=EVENTS_SCHEMA, orient="row"),
    )


def write_journey_marts(
    wh: Warehouse, journeys: Iterable[Journey | Mapping[str, Any]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Write ``journey_marts(journeys)`` as marts.journeys and marts.events; return them."""
    frames = journey_marts(journeys)
    wh.write_table("marts.journeys", frames[0])
    wh.write_table("marts.events", frames[1])
    return frames


def map_gaps_frame(**columns: Sequence[Any]) -> pl.DataFrame:
    """marts.map_gaps rows from the given columns (lists of one length); gap_id defaults to the
    row number, the ranking to ``deviations``, every other column to NULL."""
    n = len(next(iter(columns.values())))
    defaults: dict[str, Sequence[Any]] = {"ranking": ["deviations"] * n, "gap_id": list(range(n))}
    data = {name: columns.get(name, defaults.get(name, [None] * n)) for name in MAP_GAPS_SCHEMA}
    return pl.DataFrame(data, schema=MAP_GAPS_SCHEMA)


def map_journeys_frame(
    paths: Sequence[Sequence[str]],
    *,
    map_name: str = "m",
    status: Sequence[str] | None = None,
    segment: Sequence[str | None] | None = None,
    period: Sequence[str | None] | None = None,
) -> pl.DataFrame:
    """marts.map_journeys rows, one per path (journey ``j<i>``), the rest defaulted."""
    n = len(paths)
    return pl.DataFrame(
        {
            "map_name": [map_name] * n,
            "map_version": ["v1"] * n,
            "journey_id": [f"j{i}" for i in range(n)],
            "customer_key": [f"ck_{i}" for i in range(n)],
            "variant_id": [variant_id_of(p) for p in paths],
            "path": [list(p) for p in paths],
            "status": list(status) if status is not None else ["completed"] * n,
            "segment": list(segment) if segment is not None else [None] * n,
            "period": list(period) if period is not None else ["2026-01"] * n,
            "is_conforming": [False] * n,
            "reached_outcome": [False] * n,
            "gap_ids": [[] for _ in range(n)],
        },
        schema=MAP_JOURNEYS_SCHEMA,
    )


def write_map_journeys(
    wh: Warehouse, paths: Sequence[Sequence[str]], **columns: Any
) -> pl.DataFrame:
    """marts.map_journeys of ``paths`` (see ``map_journeys_frame``), with marts.journeys and
    marts.events of the same journeys (events a minute apart); returns the map_journeys."""
    frame = map_journeys_frame(paths, **columns)
    write_journey_marts(wh, [Journey(id=f"j{i}", path=list(path)) for i, path in enumerate(paths)])
    wh.write_table("marts.map_journeys", frame)
    return frame
