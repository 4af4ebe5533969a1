"""Effort per journey (marts.journey_effort, marts.journey_handoffs): hand-written journeys
(fixtures/effort: a CRM, an order export and a help-desk export) with known handoffs, missed
handoffs, repeat contacts and waits give the exact counts; a map's SLA overrides the default;
an incremental build gives what a full one does."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from journeys.build import build_warehouse
from journeys.compare.maps import handoff_slas, parse_map
from journeys.config import EffortSettings, Settings, TouchpointRule
from journeys.ingest.load import load_source
from journeys.paths.effort import build_effort
from journeys.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "effort"
HOUR, DAY = 3600, 86400
ORDER_TEAMS = {
    "order_placed": ("Order placed", "E-commerce"),
    "payment_captured": ("Payment captured", "Payments"),
    "order_shipped": ("Order shipped", "Logistics"),
    "order_delivered": ("Order delivered", "Logistics"),
}
SUPPORT = {
    "ticket_opened": "Ticket opened",
    "contact": "Contact",
    "ticket_transferred": "Ticket transferred",
    "ticket_resolved": "Ticket resolved",
    "ticket_reopened": "Ticket reopened",
}
EFFORT = ["teams", "handoffs", "missed_handoffs", "late_handoffs", "bounced_handoffs"]
CONTACTS = ["contacts", "repeat_contacts", "reopens", "waiting_seconds"]


def _settings(**effort: object) -> Settings:
    rules = [
        TouchpointRule(source="transactions", event_type=kind, touchpoint=name, team=team)
        for kind, (name, team) in ORDER_TEAMS.items()
    ] + [TouchpointRule(source="support", event_type=k, touchpoint=n) for k, n in SUPPORT.items()]
    return Settings(touchpoints=tuple(rules), effort=EffortSettings(**effort))  # type: ignore[arg-type]


def _load(wh: Warehouse, settings: Settings, *, tickets: str = "tickets.csv") -> None:
    for source, name in (
        ("customers", "customers.csv"),
        ("transactions", "orders.csv"),
        ("support", tickets),
    ):
        load_source(wh, settings, source, [FIXTURES / name])


def _effort(wh: Warehouse) -> dict[str, dict[str, object]]:
    """The effort of each customer's one journey, by the customer's first email letter."""
    effort = wh.read_table("marts.journey_effort")
    names = (
        wh.read_table("marts.events", columns=["journey_id", "event_id"])
        .filter(pl.col("event_id").is_in(["S1", "T1", "S20"]))
        .with_columns(who=pl.col("event_id").replace({"S1": "ana", "T1": "ben", "S20": "cara"}))
    )
    rows = effort.join(names, on="journey_id").sort("who")
    return {r["who"]: r for r in rows.iter_rows(named=True)}


@pytest.fixture
def built() -> Warehouse:
    settings = _settings()
    with Warehouse() as wh:
        _load(wh, settings)
        build_warehouse(wh, settings)
        yield wh


def test_the_worked_example_of_the_docs(built: Warehouse):
    """docs/marts.md (journey_effort): one ticket, transferred to Logistics and straight back."""
    ana = _effort(built)["ana"]
    assert {k: ana[k] for k in EFFORT + CONTACTS} == {
        "teams": 2,
        "handoffs": 2,
        "missed_handoffs": 2,  # the first: a repeat contact follows; the second: 27h > 1d
        "late_handoffs": 1,
        "bounced_handoffs": 1,
        "contacts": 2,
        "repeat_contacts": 1,
        "reopens": 0,
        "waiting_seconds": 4 * HOUR + 27 * HOUR,
    }


def test_an_order_a_call_and_a_reopened_ticket(built: Warehouse):
    ben = _effort(built)["ben"]
    assert {k: ben[k] for k in EFFORT + CONTACTS} == {
        "teams": 4,  # E-commerce, Payments, Logistics, Billing
        "handoffs": 4,
        # Payments -> Logistics waited 3 days in one order (over the 1d default); Logistics ->
        # Billing is followed by two repeat contacts and a reopening; the others are fine
        "missed_handoffs": 2,
        "late_handoffs": 1,
        "bounced_handoffs": 1,  # Billing -> Logistics after Logistics -> Billing
        "contacts": 3,
        # the ticket repeats the call on the same topic (23h); the contact after the reopening
        # repeats the ticket's first contact (47h)
        "repeat_contacts": 2,
        "reopens": 1,
        "waiting_seconds": 60 + 3 * DAY + (2 * HOUR + 59 * 60) + 22 * HOUR,
    }
    handoffs = built.read_table("marts.journey_handoffs", order_by=["occurred_at"]).filter(
        pl.col("journey_id") == ben["journey_id"]
    )
    assert handoffs.select(
        "from_team", "to_team", "same_thread", "is_late", "is_missed"
    ).rows() == [
        ("E-commerce", "Payments", True, False, False),
        ("Payments", "Logistics", True, True, True),
        # a call three hours after the parcel left is not a wait for anybody: no SLA
        ("Logistics", "Billing", False, False, True),
        ("Billing", "Logistics", False, False, False),
    ]
    assert handoffs["sla_seconds"].to_list() == [DAY, DAY, None, None]


def test_the_repeat_window_includes_its_end(built: Warehouse):
    """Cara calls about one product three times: 7 days apart (a repeat: the window is 7d),
    then 8 days later (not a repeat)."""
    cara = _effort(built)["cara"]
    assert (cara["contacts"], cara["repeat_contacts"], cara["handoffs"]) == (3, 1, 0)


def test_the_effort_columns_of_the_journeys_mart(built: Warehouse):
    journeys = built.read_table("marts.journeys").join(
        built.read_table("marts.journey_effort"), on="journey_id"
    )
    assert journeys.height == 3
    assert journeys["n_teams"].to_list() == journeys["teams"].to_list()
    assert journeys["n_team_handoffs"].to_list() == journeys["handoffs"].to_list()
    assert journeys["n_missed_handoffs"].to_list() == journeys["missed_handoffs"].to_list()
    assert journeys["n_repeat_contacts"].to_list() == journeys["repeat_contacts"].to_list()
    assert journeys["n_contacts"].sum() == 8


def test_a_narrower_window_and_named_contacts():
    settings = _settings(repeat_window_seconds="1d", contact_touchpoints=["Contact"])
    with Warehouse() as wh:
        _load(wh, settings)
        build_warehouse(wh, settings)
        effort = _effort(wh)
    assert effort["ben"]["repeat_contacts"] == 1  # the 47h one is outside a 1d window
    assert effort["cara"]["repeat_contacts"] == 0


def test_a_maps_sla_overrides_the_default(built: Warehouse):
    """The online map promises shipping within 4 days of payment: the 3-day wait is on time;
    a map promising 2 days makes it late again."""
    for within, late in (("4d", 0), ("2d", 1)):
        shop = parse_map(
            {
                "name": "shop",
                "stages": [
                    {
                        "name": "Buy",
                        "steps": [
                            {"name": "Order placed"},
                            {"name": "Payment captured"},
                            {"name": "Order shipped", "within": within},
                            {"name": "Order delivered"},
                        ],
                    }
                ],
            },
            source="shop.yaml",
        )
        build_effort(built, _settings(), full=False, maps=[shop])
        assert _effort(built)["ben"]["late_handoffs"] == late
    slas = handoff_slas([shop])
    assert {s for _, to, s in slas if to == "Order shipped"} == {2 * DAY}


def test_an_incremental_build_gives_what_a_full_build_gives(tmp_path: Path):
    """Ben's reopened ticket arrives a day late: the second build rebuilds only his effort."""
    settings = _settings()
    head = (FIXTURES / "tickets.csv").read_text().splitlines()
    early = tmp_path / "tickets_1.csv"
    late = tmp_path / "tickets_2.csv"
    keep = [line for line in head[1:] if not line.startswith(("S14,", "S15,", "S16,"))]
    early.write_text("\n".join([head[0], *keep]) + "\n")
    late.write_text(
        "\n".join([head[0], *[h for h in head if h.startswith(("S14,", "S15,", "S16,"))]]) + "\n"
    )
    with Warehouse() as inc, Warehouse() as full:
        for wh in (inc, full):
            load_source(wh, settings, "customers", [FIXTURES / "customers.csv"])
            load_source(wh, settings, "transactions", [FIXTURES / "orders.csv"])
            load_source(wh, settings, "support", [early])
        build_warehouse(inc, settings)
        assert _effort(inc)["ben"]["reopens"] == 0
        for wh in (inc, full):
            load_source(wh, settings, "support", [late])
        build_warehouse(inc, settings)
        build_warehouse(full, settings, full=True)
        for table in ("marts.journey_effort", "marts.journey_handoffs"):
            a = inc.read_table(
                table, order_by=["journey_id"] + (["step_index"] if "handoffs" in table else [])
            )
            b = full.read_table(
                table, order_by=["journey_id"] + (["step_index"] if "handoffs" in table else [])
            )
            assert a.equals(b), table
        assert _effort(inc)["ben"]["reopens"] == 1
