"""A build whose inputs are the last finished build's (no file loaded since, the same settings,
maps and code) writes nothing again and publishes nothing again: it records itself and reports
the last build's counts. Any changed input builds for real (journeys/inputs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys import steps
from journeys.config import SessionSettings, Settings
from journeys.publish import open_work_file

ORDERS = Path(__file__).parent / "fixtures" / "orders.xes"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")
    steps.import_event_log(settings, ORDERS)
    return settings


def _state(settings: Settings) -> tuple[dict[str, list[str]], int, int]:
    """The work file's stored files by table, its builds, and the published catalogs."""
    with open_work_file(settings) as wh:
        files = {name: [f.file for f in fs] for name, fs in wh.stored_files().items()}
        return files, wh.count("raw.builds"), wh.published_count()


def test_a_build_of_the_same_inputs_changes_nothing_and_reports_the_same(settings: Settings):
    first = steps.build_marts(settings)
    files, builds, published = _state(settings)
    again = steps.build_marts(settings)
    assert (again.events, again.customers, again.journeys) == (
        first.events,
        first.customers,
        first.journeys,
    )
    assert first.journeys > 0 and again.rebuilt_customers == 0 and not again.full_rebuild
    assert again.summary() == first.summary().replace("full rebuild", "0 customers rebuilt")
    after, builds_after, published_after = _state(settings)
    assert after == files  # no mart written again
    assert builds_after == builds + 1  # recorded all the same (compare counts builds)
    assert published_after == published  # the published catalog was already current


def test_full_builds_again_even_with_the_same_inputs(settings: Settings):
    steps.build_marts(settings)
    files, _, _ = _state(settings)
    assert steps.build_marts(settings, full=True).full_rebuild
    assert _state(settings)[0]["marts.journeys"] != files["marts.journeys"]


def test_changed_settings_or_a_new_file_build_again(settings: Settings, tmp_path: Path):
    steps.build_marts(settings)
    files, _, _ = _state(settings)
    other = settings.replace(sessions=SessionSettings(gap_seconds=60))
    assert steps.build_marts(other).full_rebuild  # the session rules changed
    rebuilt, _, _ = _state(settings)
    assert rebuilt["marts.sessions"] != files["marts.sessions"]
    late = tmp_path / "late.csv"
    late.write_text(
        "case_id,activity,timestamp\norder-9001,Place order,2024-03-20T10:00:00+01:00\n"
    )
    steps.import_event_log(
        other, late, case_col="case_id", activity_col="activity", timestamp_col="timestamp"
    )
    result = steps.build_marts(other)
    assert result.rebuilt_customers == 1 and _state(settings)[0] != rebuilt


def test_a_build_that_stopped_half_way_is_not_taken_for_finished(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    steps.build_marts(settings)

    def stop(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed")

    changed = settings.replace(sessions=SessionSettings(gap_seconds=60))
    monkeypatch.setattr("journeys.paths.build_paths", stop)
    with pytest.raises(RuntimeError):
        steps.build_marts(changed)
    monkeypatch.undo()
    files, _, _ = _state(settings)
    # the original settings again: the inputs of the last finished build, but that build's
    # marts are no longer the warehouse's whole state, so it builds for real
    steps.build_marts(settings)
    assert _state(settings)[0]["marts.journeys"] != files["marts.journeys"]


def test_a_step_that_did_not_publish_is_published_by_the_next_unchanged_build(
    settings: Settings,
):
    steps.build_marts(settings, publish=False)
    _, _, published = _state(settings)
    assert published == 0
    steps.build_marts(settings)  # nothing new to build, but the marts were never published
    assert _state(settings)[2] == 1


def test_contacts_are_staged_again_only_when_their_inputs_change():
    """fixtures/phones: a hand-written CRM and two help desks' exports. The phone numbers and
    the customers' and tickets' staging tables are built again when a customer or support file
    is loaded, the settings change or one of the tables is gone, and only then."""
    from journeys.build import contact_staging
    from journeys.config import SourceSettings
    from journeys.ingest.load import load_source
    from journeys.ingest.raw import ensure_raw
    from journeys.warehouse import Warehouse

    phones = Path(__file__).parent / "fixtures" / "phones"
    settings = Settings(phone_region="DE")
    with Warehouse() as wh:
        ensure_raw(wh)
        load_source(wh, settings, "customers", [phones / "customers.csv"])
        load_source(wh, settings, "support", [phones / "support_de.csv"])
        assert contact_staging(wh, settings)
        parsed = wh.rows("queries/phone_values")
        table = sorted(wh._run("SELECT * FROM raw.phone_numbers"))
        assert len(table) == len(parsed) > 0
        tickets = wh.count("staging.stg_support")
        assert wh.count("staging.stg_customers") > 0 and tickets > 0
        assert not contact_staging(wh, settings)  # nothing loaded, the same settings
        assert sorted(wh._run("SELECT * FROM raw.phone_numbers")) == table
        load_source(wh, settings, "support", [phones / "support_us.csv"])
        assert contact_staging(wh, settings)  # a support file loaded
        assert wh.count("staging.stg_support") > tickets
        us = settings.replace(sources={"support": SourceSettings(phone_region="US")})
        assert contact_staging(wh, us)  # another region for the help desk
        assert not contact_staging(wh, us)
        wh.drop_table("raw.phone_numbers")
        assert contact_staging(wh, us)  # the table is gone: parsed again
        assert not contact_staging(wh, us)
        wh.drop_table("staging.stg_customers")
        assert contact_staging(wh, us)  # a staging table is gone: built again
        assert wh.count("staging.stg_customers") > 0
        salted = sorted(wh._run("SELECT email_key FROM staging.stg_customers"))
        assert contact_staging(wh, us.replace(salt="another"))  # keys change
        assert sorted(wh._run("SELECT email_key FROM staging.stg_customers")) != salted


def test_without_contact_files_the_contact_tables_are_written_empty_with_the_models_columns():
    """An imported log has no customer or support file: the staging tables are written empty
    without running their models, with the columns and types the models give them; the first
    customer file loaded builds them from the models."""
    from journeys.build import CONTACT_MODELS, EMPTY_CONTACTS, contact_staging
    from journeys.ingest.load import load_source
    from journeys.ingest.raw import ensure_raw
    from journeys.warehouse import Warehouse

    def described(wh: Warehouse) -> dict[str, dict[str, str]]:
        return {t: {c: k for c, k, *_ in wh._run(f"DESCRIBE {t}")} for t in EMPTY_CONTACTS}

    phones = Path(__file__).parent / "fixtures" / "phones"
    settings = Settings(phone_region="DE")
    with Warehouse() as wh:
        ensure_raw(wh)
        ran: list[str] = []
        run_models = wh.run_models

        def counted(models: tuple[str, ...], **params: object) -> dict[str, int]:
            ran.extend(models)
            return run_models(models, **params)

        wh.run_models = counted  # type: ignore[method-assign]
        assert contact_staging(wh, settings)
        assert ran == [] and described(wh) == EMPTY_CONTACTS
        assert wh.count("staging.stg_customers") == wh.count("staging.stg_support") == 0
        assert not contact_staging(wh, settings)
        load_source(wh, settings, "customers", [phones / "customers.csv"])
        load_source(wh, settings, "support", [phones / "support_de.csv"])
        assert contact_staging(wh, settings)
        assert ran == list(CONTACT_MODELS)
        assert described(wh) == EMPTY_CONTACTS  # the models' own columns
        assert wh.count("staging.stg_customers") > 0


def test_the_code_stamp_changes_with_any_module_or_sql_file_and_nothing_else(tmp_path, monkeypatch):
    import os

    from journeys import inputs

    package, sql = tmp_path / "pkg", tmp_path / "sql"
    for path in (package / "a.py", package / "sub" / "b.py", sql / "marts" / "c.sql"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    (package / "sub" / "notes.txt").write_text("n", encoding="utf-8")
    monkeypatch.setattr(inputs, "PACKAGE_DIR", package)
    monkeypatch.setattr(inputs, "SQL_DIR", sql)

    def stamp() -> str:
        inputs.code_stamp.cache_clear()
        return inputs.code_stamp()

    first = stamp()
    assert stamp() == first
    (package / "sub" / "notes.txt").write_text("other", encoding="utf-8")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert stamp() == first  # neither a module nor SQL
    (sql / "marts" / "c.sql").write_text("xy", encoding="utf-8")
    second = stamp()
    assert second != first
    os.utime(package / "sub" / "b.py", ns=(1, 1))
    assert stamp() not in (first, second)
    inputs.code_stamp.cache_clear()
