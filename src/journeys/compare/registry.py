"""The maps compare has written, kept in the warehouse (``marts.maps``) for the reports.

``journeys compare --map FILE`` records each map's name, version (a hash of its text), source
file and YAML text; ``journeys report`` without a configuration or ``--map`` draws a page for
every recorded map, so a first report needs no configuration file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import yaml

from journeys.compare.maps import JourneyMap, parse_map
from journeys.errors import CompareError
from journeys.warehouse import Warehouse

TABLE = "marts.maps"
COLUMNS = ("map_name", "map_version", "source", "definition", "compared_at")


def map_version(text: str) -> str:
    """The content hash a map's rows carry (the same text, the same version)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def maps_frame(maps: Sequence[JourneyMap], *, compared_at: datetime | None = None) -> pl.DataFrame:
    """One row per map: its name, version, source and definition (the file's text)."""
    when = compared_at or datetime.now(UTC)
    rows = []
    for journey_map in maps:
        text = Path(journey_map.source).read_text(encoding="utf-8")
        rows.append((journey_map.name, map_version(text), journey_map.source, text, when))
    return pl.DataFrame(
        rows,
        schema={
            "map_name": pl.String,
            "map_version": pl.String,
            "source": pl.String,
            "definition": pl.String,
            "compared_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )


def stored_maps(wh: Warehouse) -> tuple[JourneyMap, ...]:
    """Every map compare has recorded, by name."""
    if not wh.table_exists(TABLE):
        return ()
    frame = wh.read_table(TABLE, columns=["map_name", "source", "definition"]).sort("map_name")
    maps = []
    for name, source, definition in frame.iter_rows():
        try:
            maps.append(parse_map(yaml.safe_load(definition), source=source))
        except Exception as exc:  # recorded by an older compare: a message, not a traceback
            raise CompareError(
                f"{TABLE}: map '{name}' cannot be read back ({str(exc).splitlines()[0]}); "
                f"compare it again with `journeys compare --map {source}`"
            ) from None
    return tuple(maps)
