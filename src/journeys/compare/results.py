"""What ``compare_maps`` returns: each map's headline numbers and the run's new drift events.

A module without polars at import: a compare whose inputs are the last finished compare's
(``compare/unchanged.py``) answers with these and loads no frame library to do it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from journeys.words import numbered

if TYPE_CHECKING:
    import polars as pl

TABLES = (
    "marts.map_conformance",
    "marts.map_steps",
    "marts.map_gaps",
    "marts.map_journeys",
    "marts.touchpoint_impact",
)
"""The marts compare writes a map's rows to (``update.write_rows``, in this order)."""


@dataclass(frozen=True)
class MapSummary:
    """Headline numbers of one map's comparison."""

    map_name: str
    source: str
    journeys: int
    """Journeys in the map's scope (touching at least one of its steps)."""
    out_of_scope: int
    variants: int
    conforming: int
    mean_fitness: float | None
    gaps: int
    ranked_gaps: int
    top_gap: str | None
    seconds: float
    warnings: tuple[str, ...] = ()
    """Map steps that never occur in the data, with the closest touchpoint names."""

    @property
    def conforming_share(self) -> float | None:
        return self.conforming / self.journeys if self.journeys else None

    def line(self) -> str:
        warnings = "".join(f"\n  warning: {w}" for w in self.warnings)
        if not self.journeys:
            return (
                f"{self.map_name}: no journey touches this map's steps "
                f"({numbered(self.out_of_scope, 'journey')} out of scope); check the step names"
            ) + warnings
        share = self.conforming_share or 0.0
        top = f"; top gap: {self.top_gap}" if self.top_gap else ""
        return (
            f"{self.map_name}: {numbered(self.journeys, 'journey')} "
            f"({numbered(self.variants, 'variant')}), {self.conforming} conforming ({share:.1%}), "
            f"mean fitness {self.mean_fitness:.3f}, {numbered(self.gaps, 'gap')} "
            f"({self.ranked_gaps} ranked){top}"
        ) + warnings


@dataclass(frozen=True)
class CompareResult:
    maps: tuple[MapSummary, ...]
    seconds: float
    found_drift: pl.DataFrame | None = None
    """The drift events this compare found that the marts did not hold before (None: none)."""
    changed: int | None = None
    """Journeys compared again (changed or gone since the last compare); None: all of them."""

    @property
    def drift(self) -> pl.DataFrame:
        """The new drift events (to alert on), as a frame: empty when there are none."""
        if self.found_drift is not None:
            return self.found_drift
        from journeys.compare.drift import empty_drift

        return empty_drift()

    def summary(self) -> str:
        lines = [m.line() for m in self.maps]
        redone = (
            "every journey" if self.changed is None else numbered(self.changed, "changed journey")
        )
        found = 0 if self.found_drift is None else self.found_drift.height
        lines.append(
            f"compare: {len(self.maps)} map(s), {redone}, {found} new drift "
            f"event(s) in {self.seconds:.1f}s -> " + ", ".join(TABLES)
        )
        return "\n".join(lines)
