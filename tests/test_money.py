"""Journey values in one currency, and rule or rate changes reaching every customer."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys import steps
from journeys.config import ConfigError, Settings, SourceSettings, TouchpointRule, load_settings
from journeys.errors import BuildError
from journeys.publish import open_published

HEADER = "event_id,customer_id,order_id,event_type,occurred_at,amount,currency\n"


def land(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "transactions.csv"
    path.write_text(HEADER + rows)
    return path


def values_by_order(settings: Settings) -> dict[str, float]:
    with open_published(settings) as wh:
        events = wh.read_table("marts.events", columns=["event_id", "journey_id", "value"])
    return dict(zip(events["event_id"], events["value"], strict=True))


ORDERS = (
    "t1,c1,o1,payment_captured,2026-03-01 10:00:00,100.00,EUR\n"
    "t2,c2,o2,payment_captured,2026-03-01 10:00:00,100.00,chf\n"
    "t3,c3,o3,payment_captured,2026-03-01 10:00:00,50.00,GBP\n"
    "t4,c3,o3,refund_issued,2026-03-02 10:00:00,10.00,GBP\n"
    "t5,c4,o4,payment_captured,2026-03-01 10:00:00,20.00,\n"
)


def test_amounts_are_converted_into_the_configured_currency(tmp_path: Path):
    settings = Settings(
        warehouse=tmp_path / "wh" / "journeys.duckdb",
        currency="EUR",
        exchange_rates={"CHF": 1.06, "GBP": 1.17},
    )
    steps.ingest_files(settings, "transactions", [land(tmp_path, ORDERS)])
    steps.build_marts(settings)
    value = values_by_order(settings)
    assert value["t1"] == pytest.approx(100.0)
    assert value["t2"] == pytest.approx(106.0)  # 'chf' is CHF
    assert (value["t3"], value["t4"]) == pytest.approx((58.5, -11.7))
    assert value["t5"] == pytest.approx(20.0)  # no currency: already in euros


def test_a_currency_without_a_rate_stops_the_build_naming_it_and_the_fix(tmp_path: Path):
    settings = Settings(
        warehouse=tmp_path / "wh" / "journeys.duckdb", currency="EUR", exchange_rates={"CHF": 1.06}
    )
    steps.ingest_files(settings, "transactions", [land(tmp_path, ORDERS)])
    with pytest.raises(BuildError) as caught:
        steps.build_marts(settings)
    message = str(caught.value)
    assert "GBP (2 payments) have no exchange rate to EUR" in message
    assert "exchange_rates: {GBP: <EUR per GBP>}" in message


def test_several_currencies_and_none_configured_is_an_error_not_a_sum(tmp_path: Path):
    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")
    steps.ingest_files(settings, "transactions", [land(tmp_path, ORDERS)])
    with pytest.raises(BuildError, match=r"amounts in GBP \(2 payments\), CHF \(1 payments\)"):
        steps.build_marts(settings)


def test_one_currency_needs_no_configuration(tmp_path: Path):
    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")
    rows = "t1,c1,o1,payment_captured,2026-03-01 10:00:00,12.50,GBP\n"
    steps.ingest_files(settings, "transactions", [land(tmp_path, rows)])
    steps.build_marts(settings)
    assert values_by_order(settings)["t1"] == pytest.approx(12.5)


def test_currency_settings_are_checked_with_the_field_and_the_fix(tmp_path: Path):
    config = tmp_path / "journeys.yaml"
    config.write_text("currency: euro\n")
    with pytest.raises(ConfigError, match="is not a currency code; write three letters"):
        load_settings(config)
    config.write_text("currency: EUR\nexchange_rates: {CHF: -1}\n")
    with pytest.raises(ConfigError, match=r"exchange_rates.CHF: -1 is not a positive number"):
        load_settings(config)


@pytest.mark.parametrize("change", ["touchpoint rule", "exchange rate"])
def test_a_changed_rule_or_rate_rebuilds_customers_without_new_events(tmp_path: Path, change):
    rule = TouchpointRule(source="transactions", event_type="payment_*", touchpoint="Paid")
    settings = Settings(
        warehouse=tmp_path / "wh" / "journeys.duckdb",
        currency="EUR",
        exchange_rates={"CHF": 1.06, "GBP": 1.17},
        touchpoints=(rule,),
    )
    steps.ingest_files(settings, "transactions", [land(tmp_path, ORDERS)])
    steps.build_marts(settings)
    if change == "touchpoint rule":
        changed = settings.replace(touchpoints=(rule.replace(touchpoint="Payment"),))
    else:
        changed = settings.replace(exchange_rates={"CHF": 1.0, "GBP": 1.2})
    result = steps.build_marts(changed)  # no new events at all
    assert result.full_rebuild and "full rebuild" in result.summary()
    with open_published(changed) as wh:
        events = wh.read_table("marts.events", columns=["event_id", "touchpoint", "value"])
    row = {r["event_id"]: r for r in events.iter_rows(named=True)}
    if change == "touchpoint rule":
        assert row["t1"]["touchpoint"] == "Payment"
    else:
        assert row["t2"]["value"] == pytest.approx(100.0)


MARKED = (
    't1,c1,o1,payment_captured,2026-03-01 10:00:00,"19,90 €",\n'  # a German shop's export
    't2,c1,o1,payment_captured,2026-03-01 11:00:00,"1 249,70 €",EUR\n'  # French grouping
    't3,c2,o2,payment_captured,2026-03-01 10:00:00,"CHF 1\'249,70",\n'  # Swiss grouping
    "t4,c2,o2,payment_captured,2026-03-01 11:00:00,EUR19,\n"
    't5,c3,o3,payment_captured,2026-03-01 10:00:00,"$19,90",\n'  # $: which dollar?
    't6,c3,o3,payment_captured,2026-03-01 11:00:00,"19,90 EUR",GBP\n'  # two currencies
    "t7,c4,o4,refund_issued,2026-03-01 11:00:00,19-,EUR\n"  # SAP's negative
)


def test_an_amount_marked_with_its_currency_is_read_in_it(tmp_path: Path):
    """'19,90 €' and '1 249,70 €' were 'not a number written with a decimal comma': every
    payment of an export that writes the currency beside the amount was rejected."""
    settings = Settings(
        warehouse=tmp_path / "wh" / "journeys.duckdb",
        currency="EUR",
        exchange_rates={"CHF": 1.06},
        sources={"transactions": SourceSettings(decimal=",")},
    )
    [batch] = steps.ingest_files(settings, "transactions", [land(tmp_path, MARKED)])
    steps.build_marts(settings)
    value = values_by_order(settings)
    assert value == pytest.approx({"t1": 19.9, "t2": 1249.7, "t3": 1249.7 * 1.06, "t4": 19.0})
    with open_published(settings) as wh:
        reasons = dict(wh._run("SELECT row_number, reason FROM raw.rejects"))
    assert batch.rows_rejected == 3
    assert reasons == {
        6: "amount is marked with a symbol of several currencies ($, ¥ or kr) and the currency "
        "column is empty; fill the currency column (USD, CAD, JPY, SEK ...)",
        7: "amount is marked EUR but the currency column names another currency; fix one of them",
        8: "amount is negative; send refunds as refund_issued with a positive amount",
    }
