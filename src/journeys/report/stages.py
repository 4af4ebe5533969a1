"""The funnel by stage: the map's stages in order, alternatives of a stage counted once.

From sql/queries/report/stage_funnel.sql (per stage: journeys that reached it, their share of
the journeys in scope, conversion from the previous stage and the median time it took) and
map_steps.sql (the steps of each stage with the journeys that reached them and those later than
the step's SLA). A share is of the
journeys in scope, so it never exceeds 100%; a conversion counts the journeys that reached the
previous stage and then this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

STAGE_SCHEMA: dict[str, PolarsDataType] = {
    "stage": pl.String,
    "reached": pl.Int64,
    "share": pl.Float64,
    "came_from_previous": pl.Int64,
    "moved_on": pl.Int64,
    "conversion": pl.Float64,
    "median_seconds": pl.Float64,
    "steps": pl.List(
        pl.Struct(
            {
                "step": pl.String,
                "journeys_reached": pl.Int64,
                "share": pl.Float64,
                "sla_breaches": pl.Int64,
            }
        )
    ),
}


def stage_index(stages: Sequence[str], step_stages: Sequence[str]) -> list[int]:
    """Each step's stage number (1 = the map's first stage), for stage_funnel.sql."""
    number = {stage: i + 1 for i, stage in enumerate(stages)}
    return [number[s] for s in step_stages]


def stage_funnel_data(
    funnel: pl.DataFrame, steps: pl.DataFrame, *, stages: Sequence[str], in_scope: int
) -> pl.DataFrame:
    """One row per stage (``STAGE_SCHEMA``): ``funnel`` from stage_funnel.sql, ``steps`` from
    map_steps.sql, ``stages`` the map's stage names in order, ``in_scope`` its journeys."""
    by_stage: dict[str, list[dict[str, object]]] = {}
    for row in steps.sort("position").iter_rows(named=True):
        by_stage.setdefault(str(row["stage"]), []).append(
            {
                "step": row["step"],
                "journeys_reached": int(row["journeys_reached"] or 0),
                "share": (row["journeys_reached"] or 0) / in_scope if in_scope else 0.0,
                "sla_breaches": int(row["sla_breaches"] or 0),
            }
        )
    rows = []
    for row in funnel.sort("stage_index").iter_rows(named=True):
        stage = stages[int(row["stage_index"]) - 1]
        came, moved = row["came_from_previous"], row["moved_on"]
        rows.append(
            {
                "stage": stage,
                "reached": int(row["reached"]),
                "share": float(row["share"] or 0.0),
                "came_from_previous": came,
                "moved_on": moved,
                "conversion": moved / came if came else None,
                "median_seconds": row["median_seconds"],
                "steps": by_stage.get(stage, []),
            }
        )
    return pl.DataFrame(rows, schema=STAGE_SCHEMA) if rows else pl.DataFrame(schema=STAGE_SCHEMA)
