"""Patterns inside journeys: loops and rework, common sub-paths, drop-offs.

Each function takes a journeys frame with ``journey_id`` and ``path`` (``marts.journeys`` or a
``Selection``'s journeys) and returns one frame; nothing is read from the warehouse. Steps are
handled as integer codes (journey row, touchpoint code), so millions of journeys stay fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from journeys.errors import BuildError
from journeys.mining.stats import require_columns

SUBPATH_SEPARATOR = " > "


@dataclass(frozen=True)
class _Steps:
    """One row per step: journey (row number in the journeys frame), position (0-based), code
    (index of the touchpoint in ``names``); rows in journey order, then step order."""

    frame: pl.DataFrame
    names: tuple[str, ...]

    def decode(self, codes: pl.Expr) -> pl.Expr:
        """Touchpoint names for a column of codes."""
        return codes.replace_strict(range(len(self.names)), self.names, return_dtype=pl.String)


def _steps(journeys: pl.DataFrame) -> _Steps:
    require_columns(journeys, ("journey_id", "path"), what="journeys")
    names = tuple(
        journeys.select(pl.col("path").explode().drop_nulls().unique().sort())["path"].to_list()
    )
    frame = (
        journeys.select(
            journey=pl.int_range(pl.len(), dtype=pl.UInt32),
            code=pl.col("path").cast(pl.List(pl.Enum(names))),
        )
        .with_columns(position=pl.int_ranges(0, pl.col("code").list.len(), dtype=pl.UInt32))
        .explode("code", "position")
        .drop_nulls("code")
        .with_columns(pl.col("code").to_physical().cast(pl.Int64))
    )
    return _Steps(frame, names)


def find_loops(journeys: pl.DataFrame) -> pl.DataFrame:
    """Rework per touchpoint: how many journeys pass it more than once.

    Columns: touchpoint, journeys (with the touchpoint), journeys_with_repeat, share_repeated
    (of the journeys with it), extra_visits (visits beyond the first), self_loops (immediate
    repeats A -> A). Sorted by journeys_with_repeat, most first.
    """
    steps = _steps(journeys)
    frame = steps.frame
    per_journey = frame.group_by("journey", "code").agg(visits=pl.len())
    repeat = (pl.col("code") == pl.col("code").shift(1)) & (
        pl.col("journey") == pl.col("journey").shift(1)
    )
    self_loops = frame.filter(repeat).group_by("code").agg(self_loops=pl.len())
    counts = ("journeys", "journeys_with_repeat", "extra_visits", "self_loops")
    return (
        per_journey.group_by("code")
        .agg(
            journeys=pl.len(),
            journeys_with_repeat=(pl.col("visits") > 1).sum(),
            extra_visits=(pl.col("visits") - 1).sum(),
        )
        .join(self_loops, on="code", how="left")
        .with_columns(
            pl.col("self_loops").fill_null(0),
            share_repeated=pl.col("journeys_with_repeat") / pl.col("journeys"),
            touchpoint=steps.decode(pl.col("code")),
        )
        .cast({c: pl.Int64 for c in counts})
        .select("touchpoint", "journeys", "journeys_with_repeat", "share_repeated", *counts[2:])
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
    steps = _steps(journeys)
    base = len(steps.names) + 1
    if base**max_length >= 2**62:
        raise BuildError(
            f"common_subpaths: {base - 1} touchpoints are too many for {max_length}-step "
            "sub-paths; group rare touchpoints first (group_rare_touchpoints) or lower max_length"
        )
    # a journey's rows are contiguous and in step order: a plain shift stays inside the journey
    # whenever position + n <= its number of steps (filtered after shifting)
    frame = steps.frame.with_columns(steps=pl.len().over("journey"))
    frames = []
    for n in range(min_length, max_length + 1):
        key = pl.lit(0, pl.Int64)
        for k in range(n):
            key = key * base + pl.col("code").shift(-k) + 1
        frames.append(
            frame.with_columns(key=key)
            .filter(pl.col("position") + n <= pl.col("steps"))
            .group_by("key")
            .agg(journeys=pl.col("journey").n_unique(), occurrences=pl.len())
            .with_columns(length=pl.lit(n, pl.Int64))
        )
    found = pl.concat(frames).filter(pl.col("journeys") >= min_journeys)
    names = [
        [steps.names[code - 1] for code in _digits(key, base)] for key in found["key"].to_list()
    ]
    return (
        found.with_columns(subpath=pl.Series(names, dtype=pl.List(pl.String)))
        .with_columns(
            label=pl.col("subpath").list.join(SUBPATH_SEPARATOR),
            support=pl.col("journeys") / max(journeys.height, 1),
        )
        .cast({"journeys": pl.Int64, "occurrences": pl.Int64})
        .select("subpath", "label", "length", "journeys", "support", "occurrences")
        .sort(["journeys", "length", "label"], descending=[True, False, False])
    )


def _digits(key: int, base: int) -> list[int]:
    out = []
    while key:
        key, digit = divmod(key, base)
        out.append(digit)
    return out[::-1]


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
    steps = _steps(frame)
    goal_codes = [i for i, name in enumerate(steps.names) if name in set(goals)]
    per_journey = steps.frame.group_by("journey").agg(
        reached=pl.col("code").is_in(goal_codes).any(), last=pl.col("code").last()
    )
    dropped = per_journey.filter(~pl.col("reached")).group_by(code="last").agg(dropoffs=pl.len())
    passing = steps.frame.unique(["journey", "code"]).group_by("code").agg(journeys=pl.len())
    return (
        passing.join(dropped, on="code", how="left")
        .filter(~pl.col("code").is_in(goal_codes))
        .with_columns(pl.col("dropoffs").fill_null(0))
        .cast({"journeys": pl.Int64, "dropoffs": pl.Int64})
        .with_columns(
            touchpoint=steps.decode(pl.col("code")),
            dropoff_rate=pl.col("dropoffs") / pl.col("journeys"),
            share_of_dropoffs=pl.col("dropoffs") / max(int(dropped["dropoffs"].sum()), 1),
        )
        .select("touchpoint", "journeys", "dropoffs", "dropoff_rate", "share_of_dropoffs")
        .sort(["dropoffs", "touchpoint"], descending=[True, False])
    )
