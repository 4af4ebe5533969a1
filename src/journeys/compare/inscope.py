"""Reading the journeys a map is about: the rows of marts.journeys whose variant is in the map's
scope (scope.py), with their customers' weights (value.py), ready for ``scope_journeys``.

Compare reads them map by map instead of holding every journey for every map: at 100M events
marts.journeys has 10.5M rows, and a map's scope is read with a filter on its variants, so only
the map's rows are ever in memory (the file is scanned once more per map).
"""

from __future__ import annotations

import polars as pl

from journeys.compare.maps import JourneyMap
from journeys.compare.scope import (
    BREAKDOWN_COLUMNS,
    JOURNEY_COLUMNS,
    prepare_journeys,
    scope_variants,
)
from journeys.compare.value import raw_weights
from journeys.config import Settings
from journeys.warehouse import Warehouse

__all__ = ["read_in_scope"]


def read_in_scope(
    wh: Warehouse, settings: Settings, journey_map: JourneyMap, variants: pl.DataFrame
) -> pl.DataFrame:
    """prepare_journeys() of the rows of marts.journeys whose variant is in the map's scope
    (``variants``: read_variants()), with ``raw_weight`` (value.raw_weights), sorted by
    journey_id: for scope_journeys, the same rows in the same order as from every journey."""
    wanted = [c for c in JOURNEY_COLUMNS if c != "path"]  # paths: once per variant
    wanted += BREAKDOWN_COLUMNS
    in_scope = scope_variants(journey_map, variants)["variant_id"]
    frame = (
        wh.scan_table("marts.journeys", columns=list(dict.fromkeys(wanted)))
        .filter(pl.col("variant_id").is_in(in_scope.implode()))
        .collect()
    )
    frame = frame.with_columns(raw_weights(wh, settings, frame))  # the customers' weights
    return prepare_journeys(frame, settings.drift.timezone)
