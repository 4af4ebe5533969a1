"""The maps compare has written, kept in the warehouse (``marts.maps``) for the reports.

``journeys compare --map FILE`` records each map's name, version (a hash of its text) and YAML
text; ``journeys report`` without a configuration or ``--map`` draws a page for every recorded
map, so a first report needs no configuration file. The rows depend on the maps' text only (no
path, no time), so the same inputs publish the same mart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from journeys.compare.maps import JourneyMap, parse_map
from journeys.errors import CompareError
from journeys.warehouse import Warehouse
from journeys.yamltext import safe_load

TABLE = "marts.maps"
COLUMNS = ("map_name", "map_version", "definition")


def map_version(text: str) -> str:
    """The content hash a map's rows carry (the same text, the same version)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def maps_frame(maps: Sequence[JourneyMap]) -> pl.DataFrame:
    """One row per map: its name, version and definition (the file's text)."""
    rows = []
    for journey_map in maps:
        text = Path(journey_map.source).read_text(encoding="utf-8")
        rows.append((journey_map.name, map_version(text), text))
    return pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS, pl.String), orient="row")


def replace_maps(wh: Warehouse, maps: Sequence[JourneyMap]) -> None:
    """Record the compared maps in marts.maps (the report draws every recorded map)."""
    frame = maps_frame(maps)
    for name in frame["map_name"]:  # a stored mart: one file per map (Warehouse.replace_rows)
        one = frame.filter(pl.col("map_name") == name)
        wh.replace_rows(TABLE, one, column="map_name", value=name)


def stored_maps(wh: Warehouse) -> tuple[JourneyMap, ...]:
    """Every map compare has recorded, by name."""
    if not wh.table_exists(TABLE):
        return ()
    frame = wh.read_table(TABLE, columns=["map_name", "definition"]).sort("map_name")
    maps = []
    for name, definition in frame.iter_rows():
        source = f"{TABLE} '{name}'"
        try:
            maps.append(parse_map(safe_load(definition), source=source))
        except Exception as exc:  # recorded by an older compare: a message, not a traceback
            raise CompareError(
                f"{TABLE}: map '{name}' cannot be read back ({str(exc).splitlines()[0]}); "
                "compare its file again with `journeys compare --map FILE`"
            ) from None
    return tuple(maps)


def not_compared(wh: Warehouse, maps: Sequence[JourneyMap]) -> list[tuple[JourneyMap, str]]:
    """The maps of ``maps`` whose page shows no comparison of them as they are now, with why:
    compare never recorded one of that name, or recorded another version of it (the file was
    edited since): the report draws them all the same, its page says so."""
    recorded: dict[str, str] = {}
    if wh.table_exists(TABLE):
        recorded = dict(wh.read_table(TABLE, columns=["map_name", "map_version"]).iter_rows())
    found = []
    for journey_map in maps:
        version = recorded.get(journey_map.name)
        source = Path(journey_map.source)
        if version is None:
            found.append((journey_map, "is not compared yet, so its page shows no journeys"))
        elif source.is_file() and map_version(source.read_text(encoding="utf-8")) != version:
            found.append((journey_map, "changed since it was compared, so its page shows the "
                                        "comparison of the version before"))  # fmt: skip
    return found
