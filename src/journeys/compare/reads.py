"""What compare reads and checks before it compares: the marts it needs with their columns,
the maps' names, the steps no journey has, and the variants with their paths."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import polars as pl

from journeys.compare.maps import JourneyMap
from journeys.compare.scope import distinct_variants
from journeys.errors import CompareError
from journeys.warehouse import Warehouse

__all__ = ["check_unique", "missing_steps", "read_variants", "require"]


def missing_steps(journey_map: JourneyMap, touchpoints: Sequence[str]) -> tuple[str, ...]:
    """A warning for each map step that no journey has, naming the closest touchpoints (the
    same name in another case first), so a typo does not pass for a gap."""
    present = set(touchpoints)
    lowered: dict[str, list[str]] = {}
    for name in touchpoints:
        lowered.setdefault(name.casefold(), []).append(name)
    warnings = []
    for step in journey_map.step_names:
        if step in present:
            continue
        close = lowered.get(step.casefold(), [])
        if not close:  # else the closest names, compared without case
            similar = difflib.get_close_matches(step.casefold(), list(lowered), n=3, cutoff=0.6)
            close = [name for key in similar for name in lowered[key]]
        hint = (
            "did you mean " + " or ".join(f"'{c}'" for c in close[:3]) + "?"
            if close
            else "no touchpoint has a similar name"
        )
        warnings.append(f"'{step}' never occurs; {hint}")
    return tuple(warnings)


def check_unique(maps: Sequence[JourneyMap]) -> None:
    """Map names are unique: each names its rows in the marts."""
    seen: dict[str, str] = {}
    for m in maps:
        if m.name in seen:
            raise CompareError(
                f"{m.source}: name '{m.name}' is also the name of {seen[m.name]}; "
                "map names are unique, rename one of them"
            )
        seen[m.name] = m.source


def read_variants(wh: Warehouse) -> pl.DataFrame:
    """variant_id, path, journeys. The path comes from marts.variants when it has every variant
    (variant_id is content-addressed, md5 of the path, so the paths agree), else from
    marts.journeys (the paths of millions of journeys, read only when needed)."""
    counts = (
        wh.scan_table("marts.journeys", columns=["variant_id"])
        .group_by("variant_id")
        .agg(pl.len().alias("journeys"))
        .collect(engine="streaming")
    )
    if wh.table_exists("marts.variants"):
        paths = wh.read_table("marts.variants", columns=["variant_id", "path"])
        found = counts.join(paths.unique("variant_id"), on="variant_id", how="left")
        if found["path"].null_count() == 0:
            return found.select("variant_id", "path", "journeys")
    return distinct_variants(wh.scan_table("marts.journeys", columns=["variant_id", "path"]))


def require(wh: Warehouse, table: str, columns: Sequence[str]) -> None:
    """``table`` exists with ``columns``, else a CompareError naming the fix."""
    if not wh.table_exists(table):
        raise CompareError(f"{table} not found; run `journeys build` before `journeys compare`")
    missing = [c for c in columns if c not in wh.columns(table)]
    if missing:
        raise CompareError(
            f"{table}: column '{missing[0]}' is missing; rebuild with `journeys build --full`"
        )
