"""Ingest on the sample: batches reconcile with the ground truth, reloads change nothing,
re-deliveries are deduplicated and anonymous browsing is stitched to the customer who logs in."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import polars as pl
import pytest

from conftest import SAMPLE
from journeys.build import build_events
from journeys.config import load_settings
from journeys.ingest.load import load_landing, load_source
from journeys.warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLE / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Warehouse, list]:
    settings = load_settings(SAMPLE / "journeys.yaml")
    wh = Warehouse(tmp_path_factory.mktemp("sample") / "w.duckdb")
    batches = load_landing(wh, settings)
    build_events(wh, settings)
    yield wh, batches
    wh.close()


def test_every_batch_reconciles_with_the_ground_truth(loaded, truth):
    wh, batches = loaded
    by_file = {str(Path(b.file).relative_to(SAMPLE)): b for b in batches}
    assert set(by_file) == set(truth["counts"]["rows"]) | {"customers.csv"}
    for name, rows in truth["counts"]["rows"].items():
        assert by_file[name].rows_read == rows
    for b in batches:
        assert b.rows_read == b.rows_accepted + b.rows_rejected + b.duplicates
    quality = truth["data_quality"]
    for name, ids in quality["duplicates"].items():
        assert by_file[name].duplicates == len(ids)
    for name, ids in quality["late_events"].items():
        assert by_file[name].late_events == len(ids)
        assert by_file[name].duplicates == len(quality["redelivered_duplicates"][name])
    rejects = wh.read_table("raw.rejects")
    assert rejects.height == len(quality["malformed_rows"])


def test_loading_the_same_folder_again_changes_nothing(loaded):
    wh, _ = loaded
    settings = load_settings(SAMPLE / "journeys.yaml")
    before = {t: wh.read_table(f"raw.{t}") for t in ("transactions", "web", "support", "rejects")}
    again = load_landing(wh, settings)
    assert again and all(b.skipped for b in again)
    for table, frame in before.items():
        assert wh.read_table(f"raw.{table}").equals(frame)


def test_shuffled_partly_duplicated_redelivery_adds_no_event(loaded, tmp_path: Path):
    wh, _ = loaded
    lines = (SAMPLE / "transactions.csv").read_text().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    rng = random.Random(3)
    resent = rng.sample(rows, 500) + rng.sample(rows, 100)
    rng.shuffle(resent)
    (tmp_path / "redelivery.csv").write_text(header + "".join(resent))
    before = wh.read_table("intermediate.int_events").sort("seq")
    settings = load_settings(SAMPLE / "journeys.yaml")
    [batch] = load_source(wh, settings, "transactions", [tmp_path / "redelivery.csv"])
    assert batch.rows_accepted == 0
    assert batch.duplicates + batch.rows_rejected == 600
    build_events(wh, settings)
    assert wh.read_table("intermediate.int_events").sort("seq").equals(before)


def test_anonymous_browsing_is_stitched_to_the_customer_who_logs_in(loaded, truth):
    wh, _ = loaded
    expected = truth["behaviours"]["anonymous_then_login"]["anonymous_to_customer"]
    identity = wh.read_table("intermediate.int_identity")
    key = dict(zip(identity["node"], identity["customer_key"], strict=True))
    for anonymous_id, customer_id in expected.items():
        assert key[f"a:{anonymous_id}"] == key[f"c:{customer_id}"]
    # and those anonymous events now belong to the customer
    events = wh.read_table("intermediate.int_events").filter(pl.col("source") == "web")
    assert events.filter(~pl.col("is_stitched")).height < events.height


def test_sample_copy_loads_from_any_folder(tmp_path: Path):
    copy = tmp_path / "landing"
    shutil.copytree(SAMPLE, copy)
    settings = load_settings(copy / "journeys.yaml")
    with Warehouse() as wh:
        batches = load_landing(wh, settings)
    assert sum(b.rows_accepted for b in batches if b.source != "customers") > 20000
