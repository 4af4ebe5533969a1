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
ORDERS = Path(__file__).parent / "fixtures" / "milestones" / "orders.csv"
VISITOR = "1536875215.1772359100"


def _web(wh: Warehouse) -> list[dict[str, object]]:
    columns = ["event_id", *SHOWN, "order_id", "attributes"]
    return wh.read_table("raw.web", columns=columns).rows(named=True)


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
    assert attributes["ecommerce"]["transaction_id"] == "#1001"  # GA4's own structs kept
    assert purchase["order_id"] == "#1001"  # ecommerce.transaction_id: the order it made
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


SHOP = SourceSettings(
    column_map={"order_id": "Name", "customer_id": "Email", "amount": "Total"},
    milestones={"Created at": "order_placed", "Paid at": "payment_captured",
                "Fulfilled at": "order_shipped", "Cancelled at": "order_cancelled"},
)  # fmt: skip
GUEST_DAY = EXPORT.with_name("events_20260303.jsonl")
CRM = Path(__file__).parent / "fixtures" / "exports" / "customers.csv"


def _keys_after_build(
    web: list[Path], *, crm: bool = False
) -> tuple[dict[str, str], dict[str, str]]:
    """(web event id -> its customer key, order id -> its customer key) after loading ``web``
    and the order export (and the CRM) and building."""
    settings = Settings(sources={"web": GA4.sources["web"], "transactions": SHOP})
    with Warehouse() as wh:
        if crm:
            load_source(wh, settings, "customers", [CRM])
        load_source(wh, settings, "web", web)
        load_source(wh, settings, "transactions", [ORDERS])
        build_events(wh, settings)
        events = wh.read_table(
            "intermediate.int_events", columns=["event_id", "source", "customer_key"]
        )
        orders = wh.read_table("raw.transactions", columns=["event_id", "order_id"])
    keys = {e: k for e, _, k in events.iter_rows()}
    web_keys = {e: k for e, source, k in events.iter_rows() if source == "web"}
    return web_keys, {o: keys[e] for e, o in orders.iter_rows() if e in keys}


def test_a_guest_buyers_browsing_joins_the_order_its_purchase_made():
    """Carl never logs in: his GA4 purchase names order #1002 (ecommerce.transaction_id), so his
    visit is his order's customer's. A purchase GA4 wrote '(not set)' for names no order."""
    keys, orders = _keys_after_build([GUEST_DAY])
    carl = [event for event, key in keys.items() if key == orders["#1002"]]
    assert len(carl) == 3  # the two page views and the purchase
    assert orders["#1001"] != orders["#1002"]
    unset = {k for k in keys.values()} - set(orders.values())
    assert len(unset) == 1  # the (not set) buyer is a visitor of its own


def test_a_browser_that_bought_two_customers_orders_links_neither(tmp_path: Path):
    """A shared computer: one browser makes Ann's order #1001 and Carl's #1002. Linked through
    both orders, it would make Ann and Carl one customer."""
    lines = []
    for at, order in enumerate(("#1001", "#1002")):
        event = {"event_timestamp": str(1772535000000000 + at), "event_name": "purchase",
                 "user_pseudo_id": "9.9", "event_params": [],
                 "ecommerce": {"transaction_id": order}}  # fmt: skip
        lines.append(json.dumps(event))
    shared = tmp_path / "shared.jsonl"
    shared.write_text("\n".join(lines) + "\n")
    keys, orders = _keys_after_build([shared])
    assert orders["#1001"] != orders["#1002"]
    browser = {keys[e] for e in keys} - set(orders.values())
    assert len(browser) == 1  # the browser's two purchases: a visitor of its own


def test_a_login_and_a_guest_order_of_the_same_person_are_one_browser(tmp_path: Path):
    """Ann logs in as c-1001, and later checks out as a guest: her order names her by the
    address the CRM has for c-1001. One person, so her browser links to her, not nobody."""
    events = [
        {"event_timestamp": "1772359000000000", "event_name": "login", "user_id": "c-1001"},
        {"event_timestamp": "1772359100000000", "event_name": "page_view"},
        {"event_timestamp": "1772359200000000", "event_name": "purchase",
         "ecommerce": {"transaction_id": "#1001"}},
    ]  # fmt: skip
    day = tmp_path / "ann.jsonl"
    day.write_text("".join(json.dumps(e | {"user_pseudo_id": "5.5"}) + "\n" for e in events))
    keys, orders = _keys_after_build([day], crm=True)
    assert set(keys.values()) == {orders["#1001"]}


def test_a_new_user_loads_the_export_without_a_configuration(tmp_path: Path, capsys):
    """No journeys.yaml: the refusal says how, and --format ga4 loads it."""
    from journeys.cli import main

    argv = ["--warehouse", str(tmp_path / "wh" / "j.duckdb"), "ingest", "web", str(EXPORT)]
    assert main(argv) == 1
    assert "pass --format ga4 to journeys ingest" in capsys.readouterr().err
    assert main([*argv, "--format", "ga4"]) == 0
    assert "10 read, 6 accepted, 3 rejected, 1 duplicates" in capsys.readouterr().out
