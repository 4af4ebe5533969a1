"""Choose and tidy the journeys to mine: a ``Selection`` of journeys with their events.

Filter by segment, status, channel (journeys that touch it) and date range (journeys that
start in it); group rare touchpoints into ``other``; rename touchpoints with regex rules. Label
changes rebuild the paths (``journeys_from_events``), so every measure of ``journeys.mining``
sees the tidied names. ``load_selection`` filters while reading the marts in batches, so only
the selected rows reach memory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from journeys.errors import BuildError
from journeys.mining.stats import journeys_from_events, require_columns
from journeys.warehouse import Warehouse

JOURNEY_COLUMNS = (
    "journey_id", "customer_key", "started_at", "ended_at", "n_steps", "variant_id", "path",
    "status", "segment", "value", "duration_seconds",
)  # fmt: skip
EVENT_COLUMNS = (
    "journey_id", "customer_key", "step_index", "touchpoint", "occurred_at", "channel",
)  # fmt: skip
OTHER = "other"


@dataclass(frozen=True)
class Selection:
    """Journeys (one row each, with ``path``) and their events (one row per step)."""

    journeys: pl.DataFrame
    events: pl.DataFrame

    @property
    def n_journeys(self) -> int:
        return self.journeys.height


@dataclass(frozen=True)
class LabelRule:
    """Touchpoints matching ``pattern`` (a regex, searched anywhere) are renamed ``name``."""

    pattern: str
    name: str

    def __post_init__(self) -> None:
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise BuildError(
                f"label rule '{self.pattern}' -> '{self.name}': not a regex ({exc}); "
                "escape special characters such as ( or +"
            ) from exc


def load_selection(
    wh: Warehouse,
    *,
    segments: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Selection:
    """Read the selected journeys and their events from ``marts.journeys`` / ``marts.events``."""
    for table in ("marts.journeys", "marts.events"):
        if not wh.table_exists(table):
            raise BuildError(f"{table}: table not found; run `journeys build` first")
    have = wh.columns("marts.journeys")
    journeys = (
        wh.scan_table("marts.journeys", columns=[c for c in JOURNEY_COLUMNS if c in have])
        .filter(_journey_predicate(segments, statuses, since, until))
        .collect()
    )
    ids = journeys["journey_id"].implode()
    events = (
        wh.scan_table("marts.events", columns=list(EVENT_COLUMNS))
        .filter(pl.col("journey_id").is_in(ids))
        .collect()
    )
    return filter_selection(Selection(journeys, events), channels=channels)


def filter_selection(
    selection: Selection,
    *,
    segments: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Selection:
    """Keep the journeys of these segments and statuses, that touch one of ``channels``, and
    that started in ``[since, until)``; ``None`` keeps everything on that axis."""
    journeys = selection.journeys.filter(_journey_predicate(segments, statuses, since, until))
    if channels is not None:
        require_columns(selection.events, ("journey_id", "channel"), what="events")
        touching = selection.events.filter(pl.col("channel").is_in(list(channels)))
        journeys = journeys.filter(pl.col("journey_id").is_in(touching["journey_id"].implode()))
    events = selection.events.filter(pl.col("journey_id").is_in(journeys["journey_id"].implode()))
    return Selection(journeys, events)


def _journey_predicate(
    segments: Sequence[str] | None,
    statuses: Sequence[str] | None,
    since: datetime | None,
    until: datetime | None,
) -> pl.Expr:
    predicate = pl.lit(True)
    if segments is not None:
        predicate &= pl.col("segment").is_in(list(segments))
    if statuses is not None:
        predicate &= pl.col("status").is_in(list(statuses))
    if since is not None:
        predicate &= pl.col("started_at") >= since
    if until is not None:
        predicate &= pl.col("started_at") < until
    return predicate


def relabel(selection: Selection, rules: Sequence[LabelRule]) -> Selection:
    """Rename touchpoints with the first matching rule (in order) and rebuild the paths."""
    if not rules:
        return selection
    name = pl.col("touchpoint")
    for rule in reversed(rules):
        name = (
            pl.when(pl.col("touchpoint").str.contains(rule.pattern))
            .then(pl.lit(rule.name))
            .otherwise(name)
        )
    return _with_events(selection, selection.events.with_columns(touchpoint=name))


def group_rare_touchpoints(
    selection: Selection,
    *,
    min_journeys: int | None = None,
    min_share: float | None = None,
    other: str = OTHER,
) -> Selection:
    """Rename touchpoints seen in fewer than ``min_journeys`` journeys (or in less than
    ``min_share`` of them) to ``other`` and rebuild the paths."""
    if min_journeys is None and min_share is None:
        raise BuildError(
            "group_rare_touchpoints: no threshold; pass min_journeys=20 or min_share=0.01"
        )
    threshold = max(min_journeys or 0, (min_share or 0.0) * selection.n_journeys)
    reach = selection.events.group_by("touchpoint").agg(pl.col("journey_id").n_unique().alias("n"))
    rare = reach.filter(pl.col("n") < threshold)["touchpoint"]
    if rare.is_empty():
        return selection
    events = selection.events.with_columns(
        touchpoint=pl.when(pl.col("touchpoint").is_in(rare.implode()))
        .then(pl.lit(other))
        .otherwise(pl.col("touchpoint"))
    )
    return _with_events(selection, events)


def _with_events(selection: Selection, events: pl.DataFrame) -> Selection:
    """New paths from relabelled events; the journeys' other columns are kept."""
    rebuilt = journeys_from_events(
        events.select(c for c in events.columns if c not in ("status", "segment"))
    )
    keep = [c for c in selection.journeys.columns if c not in rebuilt.columns or c == "journey_id"]
    journeys = selection.journeys.select(keep).join(rebuilt, on="journey_id", how="inner")
    return Selection(
        journeys.select(_ordered(journeys.columns, selection.journeys.columns)), events
    )


def _ordered(columns: Sequence[str], preferred: Sequence[str]) -> list[str]:
    first = [c for c in preferred if c in columns]
    return first + [c for c in columns if c not in first]
