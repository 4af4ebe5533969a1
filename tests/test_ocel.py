"""OCEL 2.0 logs (JSON, XML, SQLite) flattened on one object type."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from journeys.config import Settings
from journeys.errors import IngestError
from journeys.ingest.eventlog import import_log, log_format
from journeys.ingest.ocel import read_ocel
from journeys.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures"

XML = """<?xml version="1.0" encoding="UTF-8"?>
<log>
  <object-types>
    <object-type name="order"><attributes/></object-type>
    <object-type name="customer"><attributes/></object-type>
  </object-types>
  <event-types>
    <event-type name="place order">
      <attributes><attribute name="channel" type="string"/></attributes>
    </event-type>
    <event-type name="ship order"><attributes/></event-type>
  </event-types>
  <objects>
    <object id="o1" type="order"><attributes/></object>
    <object id="o2" type="order"><attributes/></object>
    <object id="c1" type="customer"><attributes/></object>
  </objects>
  <events>
    <event id="e1" type="place order" time="2024-01-01T10:00:00Z">
      <attributes><attribute name="channel">web</attribute></attributes>
      <objects>
        <relationship object-id="o1" qualifier="order"/>
        <relationship object-id="c1" qualifier="buyer"/>
      </objects>
    </event>
    <event id="e2" type="place order" time="2024-01-01T11:00:00+01:00">
      <attributes/>
      <objects>
        <relationship object-id="o2" qualifier="order"/>
        <relationship object-id="c1" qualifier="buyer"/>
      </objects>
    </event>
    <event id="e3" type="ship order" time="2024-01-02T09:00:00Z">
      <attributes/>
      <objects>
        <relationship object-id="o1" qualifier="order"/>
        <relationship object-id="o2" qualifier="order"/>
      </objects>
    </event>
  </events>
</log>
"""

# The same log in OCEL 1.0, as pm4py writes it (and ocel-standard.org's 1.0 logs are): the
# events name their objects (no qualifiers) and carry their values.
JSON_V1 = """{"ocel:global-event": {"ocel:activity": "__INVALID__"},
 "ocel:global-object": {"ocel:type": "__INVALID__"},
 "ocel:global-log": {"ocel:attribute-names": ["channel"],
                     "ocel:object-types": ["order", "customer"],
                     "ocel:version": "1.0", "ocel:ordering": "timestamp"},
 "ocel:events": {
  "e1": {"ocel:activity": "place order", "ocel:timestamp": "2024-01-01T10:00:00Z",
         "ocel:omap": ["o1", "c1"], "ocel:vmap": {"channel": "web"}},
  "e2": {"ocel:activity": "place order", "ocel:timestamp": "2024-01-01T11:00:00+01:00",
         "ocel:omap": ["o2", "c1"], "ocel:vmap": {}},
  "e3": {"ocel:activity": "ship order", "ocel:timestamp": "2024-01-02T09:00:00Z",
         "ocel:omap": ["o1", "o2"], "ocel:vmap": {}}},
 "ocel:objects": {"o1": {"ocel:type": "order", "ocel:ovmap": {}},
                  "o2": {"ocel:type": "order", "ocel:ovmap": {}},
                  "c1": {"ocel:type": "customer", "ocel:ovmap": {"segment": "b2b"}}}}
"""

XML_V1 = """<?xml version='1.0' encoding='UTF-8'?>
<log>
  <global scope="event"><string key="ocel:activity" value="__INVALID__"/></global>
  <global scope="log">
    <list key="attribute-names"><string key="attribute-name" value="channel"/></list>
    <list key="object-types">
      <string key="object-type" value="order"/><string key="object-type" value="customer"/>
    </list>
    <string key="version" value="1.0"/>
  </global>
  <events>
    <event>
      <string key="id" value="e1"/>
      <date key="timestamp" value="2024-01-01T10:00:00Z"/>
      <string key="activity" value="place order"/>
      <list key="omap">
        <string key="object-id" value="o1"/><string key="object-id" value="c1"/>
      </list>
      <list key="vmap"><string key="channel" value="web"/></list>
    </event>
    <event>
      <string key="id" value="e2"/>
      <date key="timestamp" value="2024-01-01T11:00:00+01:00"/>
      <string key="activity" value="place order"/>
      <list key="omap">
        <string key="object-id" value="o2"/><string key="object-id" value="c1"/>
      </list>
      <list key="vmap"/>
    </event>
    <event>
      <string key="id" value="e3"/>
      <date key="timestamp" value="2024-01-02T09:00:00Z"/>
      <string key="activity" value="ship order"/>
      <list key="omap">
        <string key="object-id" value="o1"/><string key="object-id" value="o2"/>
      </list>
      <list key="vmap"/>
    </event>
  </events>
  <objects>
    <object>
      <string key="id" value="o1"/><string key="type" value="order"/><list key="ovmap"/>
    </object>
    <object>
      <string key="id" value="o2"/><string key="type" value="order"/><list key="ovmap"/>
    </object>
    <object>
      <string key="id" value="c1"/><string key="type" value="customer"/><list key="ovmap"/>
    </object>
  </objects>
</log>
"""

SQLITE = """
CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);
CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);
CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT);
CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, ocel_qualifier TEXT);
CREATE TABLE event_map_type (ocel_type TEXT, ocel_type_map TEXT);
CREATE TABLE object_map_type (ocel_type TEXT, ocel_type_map TEXT);
CREATE TABLE event_PlaceOrder (ocel_id TEXT, ocel_time TIMESTAMP, channel TEXT);
CREATE TABLE event_ShipOrder (ocel_id TEXT, ocel_time TIMESTAMP);
INSERT INTO event VALUES ('e1', 'place order'), ('e2', 'place order'), ('e3', 'ship order');
INSERT INTO object VALUES ('o1', 'order'), ('o2', 'order'), ('c1', 'customer');
INSERT INTO event_object VALUES ('e1', 'o1', 'order'), ('e1', 'c1', 'buyer'),
    ('e2', 'o2', 'order'), ('e2', 'c1', 'buyer'), ('e3', 'o1', 'order'), ('e3', 'o2', 'order');
INSERT INTO event_map_type VALUES ('place order', 'PlaceOrder'), ('ship order', 'ShipOrder');
INSERT INTO event_PlaceOrder VALUES ('e1', '2024-01-01 10:00:00', 'web'),
    ('e2', '2024-01-01 10:00:00', NULL);
INSERT INTO event_ShipOrder VALUES ('e3', '2024-01-02 09:00:00');
"""


def _sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.executescript(SQLITE)
    con.close()
    return path


@pytest.mark.parametrize("kind", ["xml", "sqlite", "json1", "xml1"])
def test_flattening_on_orders_puts_a_shared_event_in_each_case(tmp_path: Path, kind: str):
    """OCEL 2.0, and OCEL 1.0 (JSON and XML), which pm4py and ocel-standard.org's recruiting log
    still use: refused before as "not an OCEL 2.0 log"."""
    if kind == "sqlite":
        path = _sqlite(tmp_path / "orders.sqlite")
    else:
        text = {"xml": XML, "json1": JSON_V1, "xml1": XML_V1}[kind]
        path = tmp_path / ("orders.jsonocel" if kind == "json1" else "orders.xmlocel")
        path.write_text(text)
    assert log_format(path) == "ocel"
    events = read_ocel(path, object_type="order").events.sort("case", "timestamp")
    rows = events.select("case", "activity", "ocel:eid").rows()
    assert rows == [
        ("o1", "place order", "e1"),
        ("o1", "ship order", "e3"),
        ("o2", "place order", "e2"),
        ("o2", "ship order", "e3"),
    ]
    customers = read_ocel(path, object_type="customer").events
    assert customers["case"].to_list() == ["c1", "c1"]
    placed = events.filter(pl.col("ocel:eid") == "e1").row(0, named=True)
    assert (placed["channel"], placed["timestamp"][:19].replace(" ", "T")) == (
        "web",
        "2024-01-01T10:00:00",
    )


def test_missing_or_unknown_object_type_lists_the_types(tmp_path: Path):
    path = tmp_path / "orders.json"
    shutil.copy(FIXTURES / "orders.ocel.json", path)
    for given, what in ((None, "--object-type is missing"), ("invoice", "'invoice' is not")):
        with pytest.raises(IngestError) as caught:
            read_ocel(path, object_type=given)
        assert what in str(caught.value)
        assert "item (10 objects), order (8 objects)" in str(caught.value)


def test_json_lines_stay_json_lines(tmp_path: Path):
    path = tmp_path / "events.json"
    path.write_text('{"case": "a", "activity": "x", "ts": "2024-01-01T00:00:00Z"}\n')
    assert log_format(path) == "jsonl"


def test_a_broken_ocel_file_is_one_line_error(tmp_path: Path):
    path = tmp_path / "orders.json"
    path.write_text('{"objectTypes": [], "eventTypes": [], "events": 3}')
    with pytest.raises(IngestError, match="not an OCEL 2.0 JSON log .its events, objects"):
        read_ocel(path, object_type="order")
    path.write_text('{"objectTypes": [], "eventTypes": [], "events": [{"id": "e1",')
    with pytest.raises(IngestError, match=r"not a readable OCEL 2.0 JSON file \(Expecting"):
        read_ocel(path, object_type="order")


def test_ocel_json_with_naive_times_is_read_in_the_timezone(wh: Warehouse, tmp_path: Path):
    """Times without an offset (Python's isoformat of a naive time), which rustxes cannot read (it
    stopped with "premature end of input", as if the file were cut off). Such a file is read
    with Python's json module: the same flattened events as the file with its offsets, the
    naive times read in --timezone."""
    aware = tmp_path / "aware.json"
    shutil.copy(FIXTURES / "orders.ocel.json", aware)
    naive = tmp_path / "naive.json"
    naive.write_text(aware.read_text().replace('Z"', '"'))
    assert naive.read_text() != aware.read_text()
    key = ["case", "activity", "ocel:eid"]
    expected = read_ocel(aware, object_type="order").events.select(key).sort(key)
    assert read_ocel(naive, object_type="order").events.select(key).sort(key).equals(expected)
    import_log(wh, Settings(), naive, object_type="order", timezone="Europe/Amsterdam")
    first = wh.read_table("raw.log").sort("occurred_at_utc").row(0, named=True)
    assert (first["occurred_at"], str(first["occurred_at_utc"])) == (
        "2024-05-01T09:00:00",
        "2024-05-01 07:00:00+00:00",  # 09:00 in Amsterdam, summer time
    )


def test_a_warehouse_holds_one_object_type(wh: Warehouse, tmp_path: Path):
    """The same OCEL file, imported again flattened on another object type, was "already
    loaded" (its items silently not imported), and an unknown type was "already loaded" too.
    Items beside orders would mix two kinds of journeys in every mart and map: the other type
    is refused with a warehouse of its own to use, an unknown one with the log's types, and a
    second file on the warehouse's type still loads."""
    path = tmp_path / "orders.json"
    shutil.copy(FIXTURES / "orders.ocel.json", path)
    first = import_log(wh, Settings(), path, object_type="order")
    assert first.batch.rows_accepted > 0
    assert import_log(wh, Settings(), path, object_type="order").batch.skipped
    with pytest.raises(IngestError) as other:
        import_log(wh, Settings(), path, object_type="item")
    assert str(other.value) == (
        "[ingest] orders.json: this warehouse holds OCEL journeys of object type 'order' "
        f"(orders.json, batch {first.batch.batch_id}); flattened on 'item' the cases are other "
        "objects, whose journeys would mix with those in every mart and map. Import it into a "
        "warehouse of its own: `journeys --warehouse orders-item/journeys.duckdb import-log "
        "orders.json --object-type item`. Nothing was loaded"
    )
    with pytest.raises(IngestError, match="'invoice' is not an object type"):
        import_log(wh, Settings(), path, object_type="invoice")
    assert wh.count("raw.manifest") == 1
    again = tmp_path / "orders-next.json"
    shutil.copy(path, again)
    assert not import_log(wh, Settings(), again, object_type="order").batch.skipped


def test_ocel_xml_with_naive_times_is_read_in_the_timezone(wh: Warehouse, tmp_path: Path):
    """rustxes reads an OCEL XML time without an offset as UTC, so --timezone was ignored (every
    time an hour off in Amsterdam's winter). Like an XES file, a file whose events carry no
    offset is read in --timezone; a file whose times carry one is not."""
    naive = tmp_path / "naive.xml"
    naive.write_text(XML.replace('Z"', '"').replace('+01:00"', '"'))
    import_log(wh, Settings(), naive, object_type="order", timezone="Europe/Amsterdam")
    times = wh.read_table("raw.log").sort("occurred_at_utc")["occurred_at_utc"]
    assert [str(t) for t in times] == [
        "2024-01-01 09:00:00+00:00",  # 10:00 in Amsterdam
        "2024-01-01 10:00:00+00:00",
        "2024-01-02 08:00:00+00:00",
        "2024-01-02 08:00:00+00:00",  # the ship event, in both orders' cases
    ]
    aware = read_ocel(_written(tmp_path / "aware.xml", XML), object_type="order").events
    assert aware.sort("timestamp")["timestamp"].to_list()[0] == "2024-01-01T10:00:00.000000Z"


def _written(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


EXTRA_XML = """    <event id="e4" type="ship order" time="2024-01-03T09:00:00Z">
      <attributes/>
      <objects><relationship object-id="o9" qualifier="order"/></objects>
    </event>
  </events>"""
EXTRA_SQLITE = """
INSERT INTO event VALUES ('e4', 'ship order');
INSERT INTO event_object VALUES ('e4', 'o9', 'order');
INSERT INTO event_ShipOrder VALUES ('e4', '2024-01-03 09:00:00');
"""
JSON = """{"objectTypes": [{"name": "order", "attributes": []},
                    {"name": "customer", "attributes": []}],
 "eventTypes": [{"name": "place order", "attributes": []},
                {"name": "ship order", "attributes": []}],
 "objects": [{"id": "o1", "type": "order"}, {"id": "o2", "type": "order"},
             {"id": "c1", "type": "customer"}],
 "events": [
  {"id": "e1", "type": "place order", "time": "2024-01-01T10:00:00Z",
   "relationships": [{"objectId": "o1", "qualifier": "order"},
                     {"objectId": "c1", "qualifier": "buyer"}]},
  {"id": "e2", "type": "place order", "time": "2024-01-01T10:00:00Z",
   "relationships": [{"objectId": "o2", "qualifier": "order"},
                     {"objectId": "c1", "qualifier": "buyer"}]},
  {"id": "e3", "type": "ship order", "time": "2024-01-02T09:00:00Z",
   "relationships": [{"objectId": "o1", "qualifier": "order"},
                     {"objectId": "o2", "qualifier": "order"}]},
  {"id": "e4", "type": "ship order", "time": "2024-01-03T09:00:00Z",
   "relationships": [{"objectId": "o9", "qualifier": "order"}]}]}
"""


@pytest.mark.parametrize("kind", ["xml", "sqlite", "json"])
def test_events_in_no_case_are_counted_and_said(wh: Warehouse, tmp_path: Path, kind: str):
    """The standard flattening leaves out the events related to no object of the type, and an
    event related only to an object the log does not list (o9: a broken export) is in no case
    either. Both were left out without a word ("3 read, 3 accepted" of a 4-event log); now the
    import says how many of the log's events are in no case, and how many relationships name
    an object the log does not list."""
    if kind == "xml":
        path = tmp_path / "orders.xml"
        path.write_text(XML.replace("  </events>", EXTRA_XML))
    elif kind == "sqlite":
        path = _sqlite(tmp_path / "orders.sqlite")
        with sqlite3.connect(path) as con:
            con.executescript(EXTRA_SQLITE)
        con.close()
    else:
        path = tmp_path / "orders.json"
        path.write_text(JSON)
    customers = read_ocel(path, object_type="customer")
    assert (customers.unrelated, customers.unknown_objects) == (2, 1)  # e3, e4; o9
    orders = read_ocel(path, object_type="order")
    assert (orders.unrelated, orders.unknown_objects) == (1, 1)  # e4
    assert sorted(set(orders.events["ocel:eid"])) == ["e1", "e2", "e3"]
    result = import_log(wh, Settings(), path, object_type="order")
    assert result.batch.rows_accepted == 4  # e3 in both orders' cases
    assert (  # the SQLite log's times are naive: a note on them follows
        "; 1 of the log's 4 events relate to no order and are in no case (each order is a "
        "case; --object-type flattens the log on another type); 1 relationship(s) name an "
        "object that the log's objects do not list (no type): left out; export the log again "
        "with its objects"
    ) in result.summary()
