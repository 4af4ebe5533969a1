"""Google Analytics 4's BigQuery export as the web source (``sources.web.format: ga4``;
fixtures/ga4: one day of a shop's export as ``bq extract`` writes it, JSON lines with its
integers as strings): the page, the referrer and the session are inside ``event_params``, and
there is no event id."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeys.build import build_events
from journeys.config import (
    Settings,
    SettingsError,
    SourceSettings,
    TouchpointRule,
    validate_settings,
)
from journeys.errors import IngestError
from journeys.ingest.load import load_file, load_source
from journeys.warehouse import Warehouse

EXPORT = Path(__file__).parent / "fixtures" / "ga4" / "events_20260301.jsonl"
GA4 = Settings(sources={"web": SourceSettings(format="ga4")})
SHOWN = ["anonymous_id", "user_id", "event_type", "occurred_at", "page_path", "referrer", "device"]
VISITOR = "1536875215.1772359100"


def _web(wh: Warehouse) -> list[dict[str, object]]:
    return wh.read_table("raw.web", columns=["event_id", *SHOWN, "attributes"]).rows(named=True)


def test_a_ga4_export_loads_as_web_events_with_its_parameters():
    with Warehouse() as wh:
        [result] = load_source(wh, GA4, "web", [EXPORT])
        rows = _web(wh)
        rejects = wh.read_table("raw.rejects", order_by=["row_number"]).rows(named=True)
    # 11 lines: 10 events, a blank last line; the daily and intraday copy of one is one event
    assert (result.rows_read, result.rows_accepted, result.duplicates) == (10, 6, 1)
    first, _, pricing, _, login, purchase, help_page = rows
    assert {k: first[k] for k in SHOWN} == {
        "anonymous_id": VISITOR, "user_id": None, "event_type": "session_start",
        "occurred_at": "1772359200123456", "page_path": "/", "referrer": None,
        "device": "desktop",
    }  # fmt: skip
    assert (pricing["page_path"], rows[1]["referrer"]) == ("/pricing", "https://www.google.com/")
    assert (login["user_id"], login["event_type"], help_page["device"]) == (
        "c-1001",
        "login",
        "mobile",
    )
    attributes = json.loads(str(purchase["attributes"]))
    assert attributes["ga_session_id"] == "1772359100"  # an int_value, as text
    assert attributes["value"] == "49.9" and attributes["currency"] == "EUR"  # a double_value
    assert attributes["page_location"] == "https://shop.example/checkout/done"
    assert attributes["user_properties"] == {"plan": "pro"}
    assert attributes["ecommerce"]["transaction_id"] == "T-88"  # GA4's own structs kept
    assert "event_params" not in attributes
    # every event its own id, the same event twice one (both copies kept in raw)
    assert len({r["event_id"] for r in rows}) == len(rows) - 1
    assert [(r["row_number"], r["reason"].split(";")[0]) for r in rejects] == [
        (8, "anonymous_id and user_id name nobody (empty, or a placeholder such as undefined "
            "or null)"),  # consent mode: a cookieless ping has no user_pseudo_id
        (9, "occurred_at is empty"),
        (10, "line is not valid JSON"),
    ]  # fmt: skip


def test_a_ga4_visitor_who_logs_in_is_one_customer_with_the_account():
    """Touchpoint rules test the page's path and any parameter by its key."""
    rules = [
        TouchpointRule(source="web", event_type="page_view", match={"page_title": "Returns"},
                       touchpoint="Read returns policy"),
        TouchpointRule(source="web", event_type="page_view", match={"page_path": "/pricing"},
                       touchpoint="View pricing"),
        TouchpointRule(source="web", event_type="purchase", match={"currency": "EUR"},
                       touchpoint="Buy in euros"),
    ]  # fmt: skip
    settings = Settings(sources=GA4.sources, touchpoints=tuple(rules))
    with Warehouse() as wh:
        load_source(wh, settings, "web", [EXPORT])
        build_events(wh, settings)
        events = wh.read_table(
            "intermediate.int_events", columns=["event_id", "customer_key", "touchpoint"]
        )
        web = wh.read_table("raw.web", columns=["event_id", "anonymous_id"])
    visitor = {e for e, a in web.iter_rows() if a == VISITOR}
    keys = {event: key for event, key, _ in events.iter_rows()}
    assert len({keys[e] for e in visitor}) == 1  # before and after the login
    assert len(set(keys.values())) == 2  # and the visitor on a phone
    named = sorted(t for _, _, t in events.iter_rows() if t in {r.touchpoint for r in rules})
    assert named == ["Buy in euros", "Read returns policy", "View pricing"]


def _as_parquet(path: Path, lines: int = 7) -> None:
    """The export's events as GA4's Parquet export types them (integers as integers)."""
    value = pa.struct(
        [("string_value", pa.string()), ("int_value", pa.int64()),
         ("float_value", pa.float64()), ("double_value", pa.float64())]
    )  # fmt: skip
    schema = pa.schema(
        [("event_timestamp", pa.int64()), ("event_name", pa.string()),
         ("event_params", pa.list_(pa.struct([("key", pa.string()), ("value", value)]))),
         ("user_id", pa.string()), ("user_pseudo_id", pa.string()), ("stream_id", pa.string()),
         ("device", pa.struct([("category", pa.string())]))]
    )  # fmt: skip
    rows = []
    for line in EXPORT.read_text().splitlines()[:lines]:
        event = json.loads(line)
        for param in event["event_params"]:
            number = param["value"]["int_value"]
            param["value"]["int_value"] = None if number is None else int(number)
        event["event_timestamp"] = int(event["event_timestamp"])
        event["device"] = {"category": event["device"]["category"]}
        rows.append({name: event[name] for name in schema.names})
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def test_the_parquet_export_and_a_gzipped_copy_give_the_same_events(tmp_path: Path):
    parquet, packed = tmp_path / "events.parquet", tmp_path / "events.jsonl.gz"
    _as_parquet(parquet)
    packed.write_bytes(gzip.compress(EXPORT.read_bytes()))
    with Warehouse() as wh:
        load_source(wh, GA4, "web", [EXPORT])
        [again, copy] = load_source(wh, GA4, "web", [parquet, packed])
        rows = wh.read_table("raw.web", columns=["event_id", *SHOWN]).rows()
    assert (again.rows_read, again.rows_accepted, again.duplicates) == (7, 0, 7)
    assert (copy.rows_accepted, copy.duplicates) == (0, 7)
    assert len({row[0] for row in rows}) == 6  # raw keeps every delivered row, 21


def test_an_export_read_without_the_format_is_refused_naming_it(tmp_path: Path):
    with Warehouse() as wh, pytest.raises(IngestError, match="set format: ga4 for the web"):
        load_file(wh, Settings(), "web", EXPORT)


def test_only_the_web_source_reads_ga4():
    with pytest.raises(SettingsError, match=r"sources\.support\.format"):
        validate_settings({"sources": {"support": {"format": "ga4"}}})


def test_a_parameter_given_twice_keeps_its_first_value(tmp_path: Path):
    """A key twice in event_params (an export edited by hand) is not an error: the first."""
    value = {"string_value": None, "int_value": None, "float_value": None, "double_value": None}
    params = [
        {"key": "page_location", "value": value | {"string_value": "https://x.example/a"}},
        {"key": None, "value": value | {"string_value": "no key"}},
        {"key": "page_location", "value": value | {"string_value": "https://x.example/b"}},
    ]
    event = {"event_timestamp": "1772359200000000", "event_name": "page_view",
             "user_pseudo_id": "1.2", "event_params": params}  # fmt: skip
    path = tmp_path / "twice.jsonl"
    path.write_text(json.dumps(event) + "\n")
    with Warehouse() as wh:
        load_source(wh, GA4, "web", [path])
        [row] = _web(wh)
    assert row["page_path"] == "/a"
    assert json.loads(str(row["attributes"]))["page_location"] == "https://x.example/a"


def test_a_parquet_export_without_events_is_an_empty_delivery(tmp_path: Path):
    _as_parquet(tmp_path / "quiet_day.parquet", lines=0)
    with Warehouse() as wh:
        [result] = load_source(wh, GA4, "web", [tmp_path / "quiet_day.parquet"])
    assert (result.rows_read, result.note) == (0, "empty file, nothing to load")
