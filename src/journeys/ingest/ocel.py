"""OCEL 2.0 object-centric event logs (JSON, XML, SQLite), and OCEL 1.0 (JSON, XML), flattened
on one object type.

The standard flattening: for the chosen object type, every object is a case and holds every
event related to it; an event related to two objects of the type is in both cases. JSON and XML
are read with rustxes (JSON it cannot read, such as times without an offset, with Python's json
module), SQLite with Python's sqlite3 (the OCEL 2.0 relational schema:
``event``, ``object``, ``event_object``, ``event_map_type`` and one ``event_<type>`` table per
event type). OCEL 1.0, which many public logs still are (ocel-standard.org's recruiting and
order-management logs; pm4py reads and writes it), is read with Python's json module and the
standard library's XML parser: its events name their objects (``ocel:omap``; no qualifiers) and
carry their values (``ocel:vmap``). ``read_ocel`` returns ``case``, ``activity``, ``timestamp``
(text) and the event's attributes with ``ocel:eid`` and ``ocel:qualifier``, as text, in name
order.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError, iterparse

import polars as pl

from journeys.errors import IngestError
from journeys.ingest.contracts import read_head
from journeys.ingest.native import call_native
from journeys.ingest.xes import ISO_NAIVE, ISO_UTC, OFFSET
from journeys.ingest.xes_plain import text_frame

CASE, ACTIVITY, TIMESTAMP = "case", "activity", "timestamp"
RELATION_COLUMNS = ("ocel:eid", "ocel:oid", "ocel:type", "ocel:qualifier")
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class OcelLog:
    """The flattened events, and the object types the log holds (type -> objects)."""

    events: pl.DataFrame
    object_types: dict[str, int]
    log_events: int = 0
    """The log's events, in a case or not."""
    unrelated: int = 0
    """Events related to no object of the type: in no case (the standard flattening)."""
    unknown_objects: int = 0
    """Relationships naming an object the log's objects do not list (of no type): left out."""


def ocel_kind(path: Path) -> str | None:
    """``sqlite``, ``json`` or ``xml`` when the file looks like an OCEL 2.0 log, ``json1`` or
    ``xml1`` for OCEL 1.0, else None."""
    head = read_head(path, 1 << 14)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    text = head.lstrip()
    if text.startswith(b"{") and (b'"objectTypes"' in head or b'"eventTypes"' in head):
        return "json"
    if text.startswith(b"{") and (b'"ocel:global-log"' in head or b'"ocel:events"' in head):
        return "json1"
    if text.startswith(b"<") and (b"<object-types" in head or b"<event-types" in head):
        return "xml"
    if text.startswith(b"<") and (b'key="object-types"' in head or b'key="ocel:' in head):
        return "xml1"
    return None


def read_ocel(path: Path, *, object_type: str | None) -> OcelLog:
    """Flatten ``path`` on ``object_type``; without it (or with an unknown one) the error lists
    the log's object types."""
    kind = ocel_kind(path)
    if kind is None:
        raise IngestError(
            f"{path.name}: not an OCEL log (OCEL 2.0: JSON with objectTypes/eventTypes, XML with "
            "<object-types>, or SQLite; OCEL 1.0: JSON with ocel:events, XML with "
            "object-types); export it as OCEL 2.0. Nothing was loaded from it"
        )
    if kind in ("json1", "xml1"):
        events, relations, types = _read_v1(path, kind)
    elif kind == "sqlite":
        events, relations, types = _read_sqlite(path)
    elif kind == "json":
        try:
            events, relations, types = _read_rustxes(path, kind)
        except IngestError:  # rustxes stops at a time without an offset: read it here
            events, relations, types = _read_json(path)
    else:
        events, relations, types = _read_rustxes(path, kind)
    _check_type(path, object_type, types)
    related = (
        relations.filter(pl.col("ocel:type") == object_type)
        .select("ocel:eid", pl.col("ocel:oid").alias(CASE), "ocel:qualifier")
        .unique(["ocel:eid", CASE], keep="first", maintain_order=True)
    )
    in_cases = related.select("ocel:eid").unique().join(events, on="ocel:eid", how="semi")
    flat = related.join(events, on="ocel:eid", how="inner", maintain_order="left")
    first = [CASE, ACTIVITY, TIMESTAMP]
    rest = sorted(c for c in flat.columns if c not in first)
    flat = flat.select(first + rest).with_columns(pl.all().cast(pl.String))
    if flat.is_empty():
        raise IngestError(
            f"{path.name}: no event is related to an object of type '{object_type}'; "
            f"choose another --object-type ({_listing(types)})"
        )
    log_events = events["ocel:eid"].n_unique()
    return OcelLog(
        events=flat,
        object_types=types,
        log_events=log_events,
        unrelated=log_events - in_cases.height,
        unknown_objects=relations.filter(pl.col("ocel:type").is_null()).height,
    )


def _check_type(path: Path, object_type: str | None, types: dict[str, int]) -> None:
    if object_type in types:
        return
    if not types:
        raise IngestError(f"{path.name}: the OCEL log has no objects; nothing to import")
    what = "is missing" if object_type is None else f"'{object_type}' is not an object type"
    raise IngestError(
        f"{path.name}: --object-type {what}; each object of that type becomes a case. "
        f"The log's object types: {_listing(types)}"
    )


def _listing(types: dict[str, int]) -> str:
    ranked = sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{name} ({n:,} object{'s' if n != 1 else ''})" for name, n in ranked)


def _read_rustxes(path: Path, kind: str) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    import rustxes

    reader = rustxes.import_ocel_json if kind == "json" else rustxes.import_ocel_xml
    tables = call_native(path, f"OCEL 2.0 {kind.upper()}", lambda: reader(str(path)))
    raw_events, objects = tables["events"], tables["objects"]
    if raw_events.is_empty():
        raise IngestError(f"{path.name}: the OCEL log has no events; nothing to import")
    # rustxes reads a time without an offset as UTC; written naive, the importer's --timezone
    # applies (as for XES). JSON times without one never get here (_read_json).
    layout = ISO_NAIVE if kind == "xml" and _naive_xml(path) else ISO_UTC
    events = raw_events.rename({"ocel:activity": ACTIVITY}).with_columns(
        pl.col("ocel:timestamp").dt.strftime(layout).alias(TIMESTAMP)
    )
    events = events.drop("ocel:timestamp")
    relations = tables["relations"].select(RELATION_COLUMNS)
    counts = objects.group_by("ocel:type").len()
    return events, relations, dict(counts.iter_rows())


_EVENT_TIME = re.compile(rb'<event\s[^>]*?\btime="([^"]*)"')


def _naive_xml(path: Path) -> bool:
    """Whether the OCEL XML file's first event time has no offset (then all are local times).
    The events follow the objects, so the file is read until the first event, a MiB at a
    time."""
    carry = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            found = _EVENT_TIME.search(carry + chunk)
            if found:
                return not OFFSET.search(found.group(1).strip())
            carry = (carry + chunk)[-4096:]
    return False


def _read_json(path: Path) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """An OCEL 2.0 JSON file read with Python's json module, times as written (the importer
    parses them: naive ones in --timezone): for the files rustxes 0.2.11 cannot read, such as
    those whose times carry no offset (Python's isoformat of a naive datetime writes them so)."""
    try:
        with path.open(encoding="utf-8") as handle:
            log = json.load(handle)
        types_of = {str(o["id"]): str(o["type"]) for o in log.get("objects", [])}
        rows: list[dict[str, str | None]] = []
        links: list[tuple[str, str, str | None, str | None]] = []
        for event in log.get("events", []):
            eid = str(event["id"])
            row: dict[str, str | None] = {
                "ocel:eid": eid,
                ACTIVITY: str(event["type"]),
                TIMESTAMP: str(event["time"]),
            }
            for attribute in event.get("attributes") or []:
                value = attribute.get("value")
                row[str(attribute["name"])] = None if value is None else str(value)
            rows.append(row)
            for link in event.get("relationships") or []:
                oid = str(link["objectId"])
                links.append((eid, oid, types_of.get(oid), link.get("qualifier")))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(
            f"{path.name}: not a readable OCEL 2.0 JSON file ({exc}); check the file is "
            "complete. Nothing was loaded from it"
        ) from None
    except KeyError as exc:
        raise IngestError(
            f"{path.name}: not an OCEL 2.0 JSON log (an event, object or relationship without "
            f"its {exc} field); export it as OCEL 2.0. Nothing was loaded from it"
        ) from None
    except (TypeError, AttributeError):
        raise IngestError(
            f"{path.name}: not an OCEL 2.0 JSON log (its events, objects or relationships are "
            "not lists of JSON objects); export it as OCEL 2.0. Nothing was loaded from it"
        ) from None
    if not rows:
        raise IngestError(f"{path.name}: the OCEL log has no events; nothing to import")
    events = text_frame(rows, list(dict.fromkeys(key for row in rows for key in row)))
    relations = pl.DataFrame(links, schema={c: pl.String for c in RELATION_COLUMNS}, orient="row")
    return events, relations, dict(Counter(types_of.values()))


def _read_v1(path: Path, kind: str) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """An OCEL 1.0 log (JSON or XML): each event's id, activity, time (as written: a naive one
    is read in --timezone), objects and values; each object's type."""
    try:
        found = _v1_json(path) if kind == "json1" else _v1_xml(path)
    except (json.JSONDecodeError, UnicodeDecodeError, ParseError) as exc:
        raise IngestError(
            f"{path.name}: not a readable OCEL 1.0 file ({exc}); check the file is complete. "
            "Nothing was loaded from it"
        ) from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise IngestError(
            f"{path.name}: not an OCEL 1.0 log (an event or object without its id, activity, "
            f"timestamp or type: {exc!r}); export it again. Nothing was loaded from it"
        ) from None
    events, objects = found
    types_of = {oid: kind_ for oid, kind_ in objects}
    rows: list[dict[str, str | None]] = []
    links: list[tuple[str, str, str | None, str | None]] = []
    for eid, activity, time, omap, vmap in events:
        row: dict[str, str | None] = {"ocel:eid": eid, ACTIVITY: activity, TIMESTAMP: time}
        row.update({name: None if value is None else str(value) for name, value in vmap.items()})
        rows.append(row)
        links += [(eid, oid, types_of.get(oid), None) for oid in dict.fromkeys(omap)]
    if not rows:
        raise IngestError(f"{path.name}: the OCEL log has no events; nothing to import")
    frame = text_frame(rows, list(dict.fromkeys(key for row in rows for key in row)))
    relations = pl.DataFrame(links, schema={c: pl.String for c in RELATION_COLUMNS}, orient="row")
    return frame, relations, dict(Counter(types_of.values()))


V1Event = tuple[str, str, str, list[str], dict[str, Any]]
"""An OCEL 1.0 event: id, activity, time as written, its objects' ids, its values."""


def _v1_json(path: Path) -> tuple[list[V1Event], list[tuple[str, str]]]:
    with path.open(encoding="utf-8") as handle:
        log = json.load(handle)
    events = [
        (
            str(eid),
            str(e["ocel:activity"]),
            str(e["ocel:timestamp"]),
            [str(o) for o in e.get("ocel:omap") or []],
            dict(e.get("ocel:vmap") or {}),
        )
        for eid, e in (log.get("ocel:events") or {}).items()
    ]
    objects = [
        (str(oid), str(o["ocel:type"])) for oid, o in (log.get("ocel:objects") or {}).items()
    ]
    return events, objects


def _v1_xml(path: Path) -> tuple[list[V1Event], list[tuple[str, str]]]:
    """``<event>`` and ``<object>`` elements of an OCEL 1.0 XML log, read as they end (the
    standard library's parser, as ``xes_plain`` reads XES)."""
    events: list[V1Event] = []
    objects: list[tuple[str, str]] = []
    for _, element in iterparse(path, events=("end",)):
        if element.tag not in ("event", "object"):
            continue
        keys = {child.get("key"): child for child in element}
        if element.tag == "event":
            omap, vmap = keys.get("omap"), keys.get("vmap")
            events.append(
                (
                    str(keys["id"].get("value")),
                    str(keys["activity"].get("value")),
                    str(keys["timestamp"].get("value")),
                    [str(o.get("value")) for o in (omap if omap is not None else [])],
                    {str(v.get("key")): v.get("value") for v in (vmap if vmap is not None else [])},
                )
            )
        else:
            objects.append((str(keys["id"].get("value")), str(keys["type"].get("value"))))
        element.clear()
    return events, objects


def _read_sqlite(path: Path) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise IngestError(f"{path.name}: not a readable SQLite file ({exc})") from exc
    try:
        types = dict(con.execute("SELECT ocel_type, count(*) FROM object GROUP BY 1").fetchall())
        relations = pl.DataFrame(
            con.execute(
                "SELECT eo.ocel_event_id, eo.ocel_object_id, o.ocel_type, eo.ocel_qualifier "
                "FROM event_object AS eo LEFT JOIN object AS o ON o.ocel_id = eo.ocel_object_id"
            ).fetchall(),
            schema=["ocel:eid", "ocel:oid", "ocel:type", "ocel:qualifier"],
            orient="row",
        ).with_columns(pl.all().cast(pl.String))
        parts = []
        for activity, suffix in con.execute("SELECT ocel_type, ocel_type_map FROM event_map_type"):
            table = '"' + f"event_{suffix}".replace('"', '""') + '"'
            cursor = con.execute(f"SELECT * FROM {table}")  # noqa: S608 - a quoted table name
            names = [d[0] for d in cursor.description]
            frame = pl.DataFrame(
                cursor.fetchall(), schema=names, orient="row", infer_schema_length=None
            )
            parts.append(
                frame.with_columns(
                    pl.all().cast(pl.String), pl.lit(activity).alias(ACTIVITY)
                ).rename({"ocel_id": "ocel:eid", "ocel_time": TIMESTAMP})
            )
    except sqlite3.Error as exc:
        raise IngestError(
            f"{path.name}: not an OCEL 2.0 SQLite log ({exc}); it needs the tables event, "
            "object, event_object and event_map_type. Nothing was loaded from it"
        ) from exc
    finally:
        con.close()
    if not parts:
        raise IngestError(f"{path.name}: the OCEL log has no events; nothing to import")
    return pl.concat(parts, how="diagonal_relaxed"), relations, types
