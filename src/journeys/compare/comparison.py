"""One map's comparison: the rows it writes (MapComparison) and the per-journey tables built
from the alignments per variant.

``marts.map_conformance`` and ``marts.map_journeys`` have a row per journey in scope (8.75M
for one map at 100M events). They are never built whole for the writer: ``MapComparison.frames``
builds them in parts of ``WRITE_JOURNEYS`` journeys, each written before the next is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import polars as pl

from journeys.compare.alignment import align_variants
from journeys.compare.gaps import Gaps
from journeys.compare.history import GapInputs
from journeys.compare.mapjourneys import map_journeys, map_paths
from journeys.compare.maps import JourneyMap
from journeys.compare.results import MapSummary
from journeys.compare.update import PER_JOURNEY

__all__ = [
    "WRITE_JOURNEYS",
    "MapComparison",
    "MapSummary",
    "align_journeys",
    "conformance_rows",
    "per_journey",
    "to_align",
]


WRITE_JOURNEYS = 250_000
"""Journeys per part of map_conformance and map_journeys: each part is built and written before
the next, so a map's rows are never all in memory (MapComparison.frames)."""


@dataclass(frozen=True)
class MapComparison:
    """One map's result: the rows of the marts it writes and its summary. The two tables with
    a row per journey (``conformance``, ``journeys``) are built when asked for, from the
    alignments per variant and the journeys in scope, so a writer holds one of them at a time."""

    journey_map: JourneyMap
    steps: pl.DataFrame
    gaps: pl.DataFrame
    summary: MapSummary
    touchpoints: pl.DataFrame
    """The rows of marts.touchpoint_impact (attribution.py)."""
    inputs: GapInputs
    """What the gaps were found from (for the gap history)."""
    members: pl.DataFrame
    """gap_id, jx: which journeys have which gap (Gaps.members)."""

    @property
    def conformance(self) -> pl.DataFrame:
        """The rows of marts.map_conformance."""
        return self._rows("conformance", self.inputs.scoped)

    @property
    def journeys(self) -> pl.DataFrame:
        """The rows of marts.map_journeys."""
        return self._rows("journeys", self.inputs.scoped)

    def frames(self, part: str, *, size: int | None = None) -> Iterator[pl.DataFrame]:
        """The rows of ``part`` (an attribute named in ``PARTS``): the tables with a row per
        journey in parts of ``size`` (default WRITE_JOURNEYS) journeys in scope, in order, each
        built when asked for."""
        if part not in PER_JOURNEY:
            yield getattr(self, part)
            return
        size = size or WRITE_JOURNEYS
        scoped = self.inputs.scoped
        paths = map_paths(self.journey_map, self.inputs.variants) if part == "journeys" else None
        for start in range(0, max(scoped.height, 1), size):
            yield self._rows(part, scoped.slice(start, size), paths=paths)

    def _rows(
        self, part: str, scoped: pl.DataFrame, *, paths: pl.DataFrame | None = None
    ) -> pl.DataFrame:
        """The rows of a per-journey ``part`` for ``scoped``, a slice of the journeys in scope
        (``paths``: map_paths(), for map_journeys)."""
        aligned = self.inputs.aligned
        if part == "conformance":
            return conformance_rows(self.journey_map, scoped, aligned)
        members = self.members
        if scoped.height < self.inputs.scoped.height:  # a slice: its jx are one range
            first, last = (scoped["jx"][0], scoped["jx"][-1]) if scoped.height else (0, -1)
            members = members.filter(pl.col("jx").is_between(first, last))
        return map_journeys(
            self.journey_map,
            scoped,
            self.inputs.variants,
            per_journey(scoped, aligned, ["is_conforming"]),
            Gaps(table=self.gaps, members=members),
            paths=paths,
        )


def to_align(scoped: pl.DataFrame, variants: pl.DataFrame) -> pl.DataFrame:
    """variant_id, complete, path: each distinct (variant, finished) of the in-scope journeys,
    aligned once (in-flight ones get a prefix alignment)."""
    return (
        scoped.select("variant_id", pl.col("finished").alias("complete"))
        .unique()
        .join(variants.select("variant_id", "path"), on="variant_id")
        .sort("variant_id", "complete")
    )


def per_journey(scoped: pl.DataFrame, aligned: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``columns`` of each in-scope journey's alignment (its variant's, finished or not), one
    row per journey of ``scoped`` in its order."""
    return (
        scoped.select("variant_id", "finished")
        .join(
            aligned.select("variant_id", "complete", *columns),
            left_on=["variant_id", "finished"],
            right_on=["variant_id", "complete"],
            how="left",
            maintain_order="left",
        )
        .select(columns)
    )


def conformance_rows(
    journey_map: JourneyMap, scoped: pl.DataFrame, aligned: pl.DataFrame
) -> pl.DataFrame:
    """The rows of ``marts.map_conformance``: each journey in scope (``scoped``:
    scope_journeys()) with its variant's alignment (``aligned``: align_variants() of
    ``_to_align``), in the order of ``scoped``."""
    return (
        scoped.select("journey_id", "customer_key", "variant_id", "status", "finished")
        .join(
            aligned.drop("moves"),
            left_on=["variant_id", "finished"],
            right_on=["variant_id", "complete"],
            how="left",
            maintain_order="left",
        )
        .select(pl.lit(journey_map.name).alias("map_name"), pl.all().exclude("finished"))
    )


def align_journeys(
    journey_map: JourneyMap,
    scoped: pl.DataFrame,
    variants: pl.DataFrame,
    *,
    align: Callable[[JourneyMap, pl.DataFrame], pl.DataFrame] = align_variants,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Align each distinct (variant, finished) of the in-scope journeys once and spread the
    results to one row per journey. ``scoped``: scope_journeys(); ``variants``:
    scope_variants(); ``align``: align_variants, or a cache's (MapCache.align). Returns the
    alignments (with their moves) and the rows of ``marts.map_conformance``."""
    aligned = align(journey_map, to_align(scoped, variants))
    return aligned, conformance_rows(journey_map, scoped, aligned)
