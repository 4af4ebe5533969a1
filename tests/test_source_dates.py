"""A shop source's timestamps in the layout its system writes (a German ERP's 25.03.2026 10:15,
a US export's 03/25/2026 10:15 AM, Excel's day numbers): `date_format` under the source reads
them, as import-log's --date-format reads a log's. Without it every row was rejected with
"use ISO-8601", and no setting could load them."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.config import ConfigError, Settings, SourceSettings, load_settings
from journeys.ingest.load import load_source
from journeys.warehouse import Warehouse

ORDERS = (
    "event_id,customer_id,order_id,event_type,occurred_at,amount,currency\n"
    "t1,C1,1,order_placed,25.03.2026 10:15:00,10,EUR\n"
    "t2,C1,1,payment_captured,26.03.2026 08:00:00,10,EUR\n"
    "t3,C2,2,order_placed,03/25/2026 10:15 AM,10,EUR\n"
    "t4,C3,3,order_placed,46106.5,10,EUR\n"
)


def _load(tmp_path: Path, source: SourceSettings, text: str = ORDERS) -> tuple[list, list]:
    path = tmp_path / "orders.csv"
    path.write_text(text)
    with Warehouse() as wh:
        (batch,) = load_source(wh, Settings(sources={"transactions": source}), "transactions",
                               [path])  # fmt: skip
        loaded = wh._run(
            "SELECT event_id, strftime(occurred_at_utc, '%Y-%m-%d %H:%M') FROM raw.transactions "
            "ORDER BY event_id"
        )
        reasons = wh._run("SELECT row_number, reason FROM raw.rejects ORDER BY row_number")
    assert batch.rows_read == batch.rows_accepted + batch.rows_rejected
    return loaded, reasons


def test_without_a_date_format_each_row_names_the_setting_that_reads_it(tmp_path: Path):
    loaded, reasons = _load(tmp_path, SourceSettings())
    assert loaded == []
    fix = "for this source in the configuration"
    assert reasons == [
        (2, f"occurred_at is day first; set date_format: '%d.%m.%Y %H:%M:%S' {fix}"),
        (3, f"occurred_at is day first; set date_format: '%d.%m.%Y %H:%M:%S' {fix}"),
        (4, f"occurred_at is month first; set date_format: '%m/%d/%Y %I:%M %p' {fix}"),
        (5, "occurred_at is written as Excel day numbers (days since 1899-12-30); set "
            f"date_format: 'excel' {fix}"),
    ]  # fmt: skip


def test_the_date_format_reads_the_sources_layout_in_its_time_zone(tmp_path: Path):
    erp = SourceSettings(date_format="%d.%m.%Y %H:%M:%S", timezone="Europe/Berlin")
    loaded, reasons = _load(tmp_path, erp)
    assert loaded == [("t1", "2026-03-25 09:15"), ("t2", "2026-03-26 07:00")]
    assert [line for line, _ in reasons] == [4, 5]
    assert reasons[0][1] == (
        "occurred_at does not match the source's date_format '%d.%m.%Y %H:%M:%S'; it is month "
        "first; set date_format: '%m/%d/%Y %I:%M %p' for this source in the configuration"
    )
    loaded, _ = _load(tmp_path, SourceSettings(date_format="excel"))
    assert loaded == [("t4", "2026-03-25 12:00")]


def test_a_date_format_with_day_and_month_swapped_loads_nothing(tmp_path: Path):
    """Read month first, 03.04.2026 is 4 March: the rows with a day above 12 are rejected, and
    the rest would load with day and month swapped. The file is refused naming the layout."""
    path = tmp_path / "orders.csv"
    path.write_text(
        "\n".join(ORDERS.splitlines()[:3]).replace("25.03", "13.03").replace("26.03", "03.04")
    )
    settings = Settings(sources={"transactions": SourceSettings(date_format="%m.%d.%Y %H:%M:%S")})
    with Warehouse() as wh:
        (batch,) = load_source(wh, settings, "transactions", [path])
        assert wh.count("raw.transactions") == 0
    assert batch.refused and "set sources.transactions.date_format: '%d.%m.%Y %H:%M:%S'" in (
        batch.note
    )


def test_a_date_format_without_a_directive_is_refused(tmp_path: Path):
    config = tmp_path / "journeys.yaml"
    config.write_text("sources:\n  transactions: {date_format: DD.MM.YYYY}\n")
    with pytest.raises(ConfigError, match=r"'sources.transactions.date_format': 'DD.MM.YYYY' is"):
        load_settings(config)


def test_a_date_format_strptime_does_not_know_refuses_the_file_naming_the_setting(tmp_path: Path):
    """It failed every row's check inside DuckDB: 'run again; if it fails again, report this'."""
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS)
    settings = Settings(sources={"transactions": SourceSettings(date_format="%d.%Q.%Y")})
    with Warehouse() as wh:
        (batch,) = load_source(wh, settings, "transactions", [path])
    assert batch.refused and batch.note.startswith(
        "sources.transactions.date_format '%d.%Q.%Y': Failed to parse format specifier"
    )
    assert "use strptime directives" in batch.note


def test_the_full_timestamp_reason_is_written_only_when_a_row_needs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Binding the timestamp-reason macros cost more than the rest of a small file's check, so a
    second statement writes the reason after the check, only where a timestamp did not parse."""
    ran: list[str] = []
    execute = Warehouse.execute

    def spy(self: Warehouse, model: str, **params: object) -> None:
        ran.append(model)
        execute(self, model, **params)

    monkeypatch.setattr(Warehouse, "execute", spy)
    iso = (
        "event_id,customer_id,order_id,event_type,occurred_at,amount,currency\n"
        "t1,C1,1,order_placed,2026-03-25T10:15:00+01:00,10,EUR\n"
        "t2,C2,2,order_placed,2026-03-25 10:15:00,10,EUR\n"
    )
    loaded, reasons = _load(tmp_path, SourceSettings(), iso)
    assert [event for event, _ in loaded] == ["t1", "t2"]
    assert reasons == []
    assert "ingest/validate_events_ts" not in ran
    loaded, reasons = _load(tmp_path, SourceSettings())
    assert ran.count("ingest/validate_events_ts") == 1
    assert loaded == []
    assert len(reasons) == 4
    assert all(reason.startswith("occurred_at is ") for _, reason in reasons)
