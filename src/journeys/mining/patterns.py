"""Patterns inside journeys: loops and rework, common sub-paths, drop-offs.

Each function takes a journeys frame with ``journey_id`` and ``path`` (``marts.journeys`` or a
``Selection``'s journeys) and returns one frame; nothing is read from the warehouse.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from journeys.errors import BuildError
from journeys.mining.stats import require_columns

SUBPATH_SEPARATOR = " > "


def _steps(journeys: pl.DataFrame) -> pl.DataFrame:
    """One row per step: journey_id, position (0-based), touchpoint."""
    require_columns(journeys, ("journey_id", "path"), what="journeys")
    return (
        journeys.select("journey_id", "path")
        .with_columns(position=pl.int_ranges(0, pl.col("path").list.len()))
        .explode("path", "position")
        .rename({"path": "touchpoint"})
    )


def find_loops(journeys: pl.DataFrame) -> pl.DataFrame:
    """Rework per touchpoint: how many journeys pass it more than once.

    Columns: touchpoint, journeys (with the touchpoint), journeys_with_repeat, share_repeated
    (of the journeys with it), extra_visits (visits beyond the first), self_loops (immediate
    repeats A -> A). Sorted by journeys_with_repeat, most first.
    """
    steps = _steps(journeys)
    per_journey = steps.group_by("journey_id", "touchpoint").agg(visits=pl.len())
    self_loops = (
        steps.sort("journey_id", "position")
        .filter(
            (pl.col("touchpoint") == pl.col("touchpoint").shift(1))
            & (pl.col("journey_id") == pl.col("journey_id").shift(1))
        )
        .group_by("touchpoint")
        .agg(self_loops=pl.len())
    )
    return (
        per_journey.group_by("touchpoint")
        .agg(
            journeys=pl.len(),
            journeys_with_repeat=(pl.col("visits") > 1).sum(),
            extra_visits=(pl.col("visits") - 1).sum(),
        )
        .join(self_loops, on="touchpoint", how="left")
        .with_columns(
            pl.col("self_loops").fill_null(0),
            share_repeated=pl.col("journeys_with_repeat") / pl.col("journeys"),
        )
        .select(
            "touchpoint",
            "journeys",
            "journeys_with_repeat",
            "share_repeated",
            "extra_visits",
            "self_loops",
        )  # fmt: skip
        .cast(
            {
                c: pl.Int64
                for c in ("journeys", "journeys_with_repeat", "extra_visits", "self_loops")
            }
        )
        .sort(["journeys_with_repeat", "touchpoint"], descending=[True, False])
    )


def common_subpaths(
    journeys: pl.DataFrame,
    *,
    min_length: int = 2,
    max_length: int = 4,
    min_journeys: int = 1,
) -> pl.DataFrame:
    """Contiguous sub-paths (n-grams) of ``min_length``..``max_length`` steps and their support.

    Columns: subpath (LIST), label ('A > B'), length, journeys (distinct journeys containing it:
    the support), support (journeys / all journeys), occurrences. Sorted by journeys, most first,
    then by the shorter and the alphabetically first sub-path.
    """
    if not 1 <= min_length <= max_length:
        raise BuildError(
            f"common_subpaths: lengths {min_length}..{max_length} are not a range; "
            "use 1 <= min_length <= max_length, e.g. 2..4"
        )
    steps = (
        _steps(journeys)
        .sort("journey_id", "position")
        .with_columns(steps=pl.len().over("journey_id"))
    )
    total = journeys.height
    frames = []
    for n in range(min_length, max_length + 1):
        shifted = [pl.col("touchpoint").shift(-k).over("journey_id") for k in range(n)]
        grams = steps.with_columns(subpath=pl.concat_list(shifted)).filter(
            pl.col("position") + n <= pl.col("steps")
        )
        frames.append(
            grams.group_by("subpath").agg(
                journeys=pl.col("journey_id").n_unique(), occurrences=pl.len()
            )
        )
    out = pl.concat(frames).filter(pl.col("journeys") >= min_journeys)
    return (
        out.with_columns(
            label=pl.col("subpath").list.join(SUBPATH_SEPARATOR),
            length=pl.col("subpath").list.len().cast(pl.Int64),
            support=pl.col("journeys") / max(total, 1),
        )
        .cast({"journeys": pl.Int64, "occurrences": pl.Int64})
        .select("subpath", "label", "length", "journeys", "support", "occurrences")
        .sort(["journeys", "length", "label"], descending=[True, False, False])
    )


def find_dropoffs(journeys: pl.DataFrame, *, goals: Sequence[str]) -> pl.DataFrame:
    """Where journeys stop without reaching a goal touchpoint.

    A drop-off is a journey that never reaches any of ``goals``, counted at its last
    touchpoint; journeys still ``in_flight`` are not drop-offs (they may still get there).
    Columns: touchpoint, journeys (passing it), dropoffs (ending there without a goal),
    dropoff_rate (dropoffs / journeys), share_of_dropoffs. Sorted by dropoffs, most first.
    """
    if not goals:
        raise BuildError("find_dropoffs: no goal touchpoint; pass goals=['Order delivered']")
    require_columns(journeys, ("journey_id", "path"), what="journeys")
    frame = journeys
    if "status" in frame.columns:
        frame = frame.filter(pl.col("status").fill_null("") != "in_flight")
    reached = pl.col("path").list.eval(pl.element().is_in(list(goals)).any()).list.first()
    dropped = frame.filter(~reached).select(touchpoint=pl.col("path").list.last())
    passing = _steps(frame).unique(["journey_id", "touchpoint"]).group_by("touchpoint").len()
    counts = dropped.group_by("touchpoint").agg(dropoffs=pl.len())
    total = max(dropped.height, 1)
    return (
        passing.rename({"len": "journeys"})
        .join(counts, on="touchpoint", how="left")
        .with_columns(pl.col("dropoffs").fill_null(0))
        .cast({"journeys": pl.Int64, "dropoffs": pl.Int64})
        .with_columns(
            dropoff_rate=pl.col("dropoffs") / pl.col("journeys"),
            share_of_dropoffs=pl.col("dropoffs") / total,
        )
        .filter(~pl.col("touchpoint").is_in(list(goals)))
        .sort(["dropoffs", "touchpoint"], descending=[True, False])
    )
