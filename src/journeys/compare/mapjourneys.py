"""marts.map_journeys: each journey in a map's scope as compare saw it, the contract the
report reads (docs/reports.md). One row per (map, journey in scope): its path after the map's
``ignore:``, status for the map, segment, start month, whether it conforms and reached the
outcome, and the ids of its gaps (``marts.map_gaps.gap_id``), so every figure of a report is a
query on the marts and the report never works out the scope again.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from journeys.compare.deviations import GapType
from journeys.compare.gaps import Gaps
from journeys.compare.maps import JourneyMap
from journeys.compare.registry import map_version as text_version

MAP_JOURNEYS_SCHEMA = {
    "map_name": pl.String,
    "map_version": pl.String,
    "journey_id": pl.String,
    "customer_key": pl.String,
    "variant_id": pl.String,
    "path": pl.List(pl.String),
    "status": pl.String,
    "segment": pl.String,
    "period": pl.String,
    "is_conforming": pl.Boolean,
    "reached_outcome": pl.Boolean,
    "gap_ids": pl.List(pl.Int64),
}


def map_journeys(
    journey_map: JourneyMap,
    scoped: pl.DataFrame,
    variants: pl.DataFrame,
    conformance: pl.DataFrame,
    gaps: Gaps,
    *,
    paths: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The rows of marts.map_journeys: one per journey in the map's scope (``scoped``, in its
    order), with its path after the map's ``ignore:`` (per variant), its status for the map,
    segment, period, whether it conforms (``conformance``, the same rows in the same order),
    whether it reached the outcome, and the ids of its gaps (sorted; share_drift never listed).
    ``paths``: map_paths() of the variants, when several parts of the journeys are asked for."""
    if paths is None:
        paths = map_paths(journey_map, variants)
    # share_drift is left out: which side of the expected share a journey is on depends on the
    # other journeys, so listing it would change the rows of journeys that did not change
    listed = gaps.table.filter(pl.col("gap_type") != GapType.SHARE_DRIFT).select("gap_id")
    # sorted once, then grouped in that order: each journey's ids come out sorted (half the
    # time of sorting inside every group: 0.26 against 0.53 s for 2.6M (journey, gap) rows)
    gap_ids = (
        gaps.members.join(listed, on="gap_id", how="semi")
        .sort("jx", "gap_id")
        .group_by("jx", maintain_order=True)
        .agg(pl.col("gap_id").cast(pl.Int64).alias("gap_ids"))
        .with_columns(pl.col("jx").cast(scoped.schema["jx"]))
    )
    frame = (
        scoped.with_columns(is_conforming=conformance["is_conforming"])
        .join(paths, on="vx", how="left", maintain_order="left")
        .join(gap_ids, on="jx", how="left", maintain_order="left")
        .with_columns(pl.col("gap_ids").fill_null(pl.lit([], dtype=pl.List(pl.Int64))))
    )
    return frame.select(
        map_name=pl.lit(journey_map.name),
        map_version=pl.lit(map_version(journey_map)),
        journey_id="journey_id",
        customer_key="customer_key",
        variant_id="variant_id",
        path="path",
        status="status",
        segment="segment",
        period="period",
        is_conforming="is_conforming",
        reached_outcome="outcome",
        gap_ids="gap_ids",
    ).cast(MAP_JOURNEYS_SCHEMA)  # type: ignore[arg-type]


def map_paths(journey_map: JourneyMap, variants: pl.DataFrame) -> pl.DataFrame:
    """vx, path: each variant's path after the map's ``ignore:``."""
    touchpoints = variants["path"].explode().drop_nulls().unique().to_list()
    ignored = list(journey_map.ignored(touchpoints))
    return variants.select(
        "vx",
        path=pl.col("path").list.eval(pl.element().filter(~pl.element().is_in(ignored)))
        if ignored
        else pl.col("path"),
    )


def map_version(journey_map: JourneyMap) -> str:
    """The map's content hash, as marts.maps records it (``registry.map_version`` of its file's
    text); for a map not read from a file, of its parsed content."""
    source = Path(journey_map.source)
    if source.is_file():
        return text_version(source.read_text(encoding="utf-8"))
    content = [
        journey_map.name, journey_map.goal, journey_map.ignore, journey_map.entry,
        journey_map.exit, journey_map.steps_frame().rows(), sorted(journey_map.edges()),
        journey_map.expected_shares().rows(),
    ]  # fmt: skip
    return text_version(json.dumps(content, default=str))
