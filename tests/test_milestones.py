"""A help desk's or a shop's export of one row per ticket or order, a time column per milestone
(``sources.<source>.milestones``; fixtures/milestones: a Zendesk-style ticket export and its next
day's, a Shopify-style order export): each filled time column is an event of that ticket or
order, each row's other columns its attributes, and every row is an event or a reason."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from journeys.build import build_events
from journeys.config import Settings, SettingsError, SourceSettings, validate_settings
from journeys.ingest.load import load_file, load_source
from journeys.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "milestones"
TICKETS = SourceSettings(
    timezone="Europe/Berlin",
    column_map={"ticket_id": "Id", "email": "Requester email", "team": "Group", "channel": "Via"},
    milestones={"Created at": "ticket_created", "Assigned at": "ticket_assigned",
                "Solved at": "ticket_solved"},
)  # fmt: skip
DESK = Settings(sources={"support": TICKETS})


def _events(wh: Warehouse, source: str = "support") -> list[tuple[str, str, datetime]]:
    rows = wh.read_table(
        f"raw.{source}",
        columns=["event_id", "event_type", "occurred_at_utc", "_is_duplicate"],
        order_by=["_seq"],
    )
    return [(i, t, at) for i, t, at, dup in rows.iter_rows() if not dup]


def test_each_filled_time_column_is_an_event_of_its_ticket():
    with Warehouse() as wh:
        [result] = load_source(wh, DESK, "support", [FIXTURES / "tickets.csv"])
        events = _events(wh)
        raw = wh.read_table("raw.support", columns=["ticket_id", "team", "channel", "attributes"])
        rejects = wh.read_table("raw.rejects", order_by=["row_number"]).rows(named=True)
    # 5 rows: 3 + 1 + 2 events, a row without a time, a row with two bad times and one good
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (10, 7, 3)
    assert result.note.startswith("5 row(s), an event per filled milestone")
    assert events[:4] == [
        ("1041:ticket_created:2026-03-02 09:12:44", "ticket_created",
         datetime(2026, 3, 2, 8, 12, 44, tzinfo=UTC)),  # Berlin's wall clock, in UTC
        ("1041:ticket_assigned:2026-03-02 09:40:01", "ticket_assigned",
         datetime(2026, 3, 2, 8, 40, 1, tzinfo=UTC)),
        ("1041:ticket_solved:2026-03-03 16:05:10", "ticket_solved",
         datetime(2026, 3, 3, 15, 5, 10, tzinfo=UTC)),
        ("1042:ticket_created:2026-03-04 11:00:00", "ticket_created",
         datetime(2026, 3, 4, 10, 0, tzinfo=UTC)),
    ]  # fmt: skip
    assert [e[1] for e in events[4:]] == ["ticket_created", "ticket_assigned", "ticket_assigned"]
    first = raw.row(0, named=True)
    assert (first["ticket_id"], first["team"], first["channel"]) == (
        "1041",
        "Order support",
        "email",
    )
    attributes = json.loads(first["attributes"])
    assert attributes["Subject"] == "Where is my order?" and "Solved at" not in attributes
    assert sorted((r["row_number"], r["reason"]) for r in rejects) == [
        (5, "every milestone column (Created at, Assigned at, Solved at) is empty; every event "
            "needs its time"),
        (6, "Created at is not a timestamp; use YYYY-MM-DD HH:MM:SS (source timezone) or "
            "ISO-8601"),
        (6, "Solved at is not a timestamp; use YYYY-MM-DD HH:MM:SS (source timezone) or "
            "ISO-8601"),
    ]  # fmt: skip
    assert rejects[1]["raw"] == rejects[2]["raw"] and '"Id":"1045"' in rejects[1]["raw"]


def test_the_next_days_export_adds_only_the_new_milestones(tmp_path: Path):
    """A ticket export repeats every ticket updated since: a ticket's milestones already loaded
    are duplicates, the ones filled since are its new events."""
    again = tmp_path / "tickets_copy.csv"
    shutil.copy(FIXTURES / "tickets.csv", again)
    with Warehouse() as wh:
        load_source(wh, DESK, "support", [FIXTURES / "tickets.csv"])
        copy, next_day = load_source(
            wh, DESK, "support", [again, FIXTURES / "tickets_next_day.csv"]
        )
        events = _events(wh)
    assert (copy.rows_accepted, copy.duplicates) == (0, 7)
    assert (next_day.rows_accepted, next_day.duplicates) == (2, 3)
    assert [e[0] for e in events[-2:]] == [
        "1042:ticket_assigned:2026-03-05 09:00:00", "1042:ticket_solved:2026-03-05 14:30:00"
    ]  # fmt: skip


def test_a_ticket_is_one_journey_of_its_milestones_in_time_order():
    with Warehouse() as wh:
        load_source(wh, DESK, "support", [FIXTURES / "tickets.csv"])
        build_events(wh, DESK)
        events = wh.read_table(
            "intermediate.int_events", columns=["event_id", "customer_key", "seq"]
        )
    assert events.height == 7 and events["seq"].n_unique() == 7  # one place per event
    by_ticket = {}
    for event_id, key, _ in events.iter_rows():
        by_ticket.setdefault(event_id.split(":")[0], set()).add(key)
    assert all(len(keys) == 1 for keys in by_ticket.values())  # a ticket is its requester's


def test_an_order_export_pays_its_total_once():
    """A Shopify-style order export: Created at, Paid at and Cancelled at; the total is the
    payment's (its other events carry no value), and a row of a further line item has no
    time of its own."""
    shop = SourceSettings(
        column_map={"order_id": "Name", "customer_id": "Email", "amount": "Total"},
        milestones={"Created at": "order_placed", "Paid at": "payment_captured",
                    "Fulfilled at": "order_shipped", "Cancelled at": "order_cancelled"},
    )  # fmt: skip
    settings = Settings(sources={"transactions": shop})
    with Warehouse() as wh:
        [result] = load_source(wh, settings, "transactions", [FIXTURES / "orders.csv"])
        build_events(wh, settings)
        values = wh.read_table("intermediate.int_events", columns=["event_type", "value"])
        reasons = wh.read_table("raw.rejects")["reason"].to_list()
    assert (result.rows_accepted, result.rows_rejected) == (6, 1)
    paid = {t: v for t, v in values.iter_rows() if v}
    assert sorted(values["event_type"].to_list()) == sorted(
        ["order_placed", "payment_captured", "order_shipped"] * 1
        + ["order_placed", "payment_captured", "order_cancelled"]
    )
    assert sum(values["value"].to_list()) == pytest.approx(49.90 + 19.90)
    assert set(paid) == {"payment_captured"}
    assert reasons == [
        "every milestone column (Created at, Paid at, Fulfilled at, Cancelled at) on this "
        "further row of its order (an export of line items fills them on one row only) is "
        "empty; every event needs its time"
    ]


def test_a_milestone_column_the_file_lacks_refuses_it_naming_the_setting(tmp_path: Path):
    settings = Settings(
        sources={"support": SourceSettings(
            column_map=TICKETS.column_map, milestones={"Closed at": "ticket_closed"}
        )}
    )  # fmt: skip
    with (
        Warehouse() as wh,
        pytest.raises(
            Exception, match=r"^\[ingest\] tickets\.csv: .*milestone 'Closed at' \(sources\."
        ),
    ):
        load_file(wh, settings, "support", FIXTURES / "tickets.csv")


@pytest.mark.parametrize(
    ("source", "field"),
    [
        ({"milestones": {"Created at": "x"}}, "sources.web.milestones"),
        ({"milestones": {"A": "x"}, "column_map": {"event_id": "Id"}}, "sources.web"),
    ],
)
def test_milestones_only_where_a_row_is_a_ticket_or_an_order(source: dict, field: str):
    with pytest.raises(SettingsError, match=field.replace(".", r"\.")):
        validate_settings({"sources": {"web": source}})


def test_two_milestones_of_one_event_are_refused():
    twice = {"milestones": {"Solved at": "ticket_closed", "Closed at": "ticket_closed"}}
    with pytest.raises(SettingsError, match="ticket_closed is the event of two columns"):
        validate_settings({"sources": {"support": twice}})
    mapped = {"milestones": {"Solved at": "ticket_solved"}, "column_map": {"occurred_at": "T"}}
    with pytest.raises(SettingsError, match=r"sources\.support\.column_map"):
        validate_settings({"sources": {"support": mapped}})


def test_a_milestone_column_named_twice_is_refused_naming_it(tmp_path: Path):
    twice = tmp_path / "twice.csv"
    twice.write_text("Id,Created at,created at,Requester email\n1,2026-03-01 10:00:00,x,a@b.c\n")
    settings = Settings(
        sources={"support": SourceSettings(
            column_map={"ticket_id": "Id"}, milestones={"Created at": "ticket_created"}
        )}
    )  # fmt: skip
    with (
        Warehouse() as wh,
        pytest.raises(
            Exception, match=r"^\[ingest\] twice\.csv: .* the milestone 'Created at' is not"
        ),
    ):
        load_file(wh, settings, "support", twice)
