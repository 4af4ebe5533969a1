"""Shared fixtures: an in-memory warehouse, the real help-desk log, the sample data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL_DATA = SHARED / "data" / "real"
SAMPLE = ROOT / "data" / "sample"

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture
def wh():
    from journeys.warehouse import Warehouse

    with Warehouse() as warehouse:
        yield warehouse


@pytest.fixture(scope="session")
def helpdesk_csv() -> Path:
    path = REAL_DATA / "helpdesk.csv"
    if not path.exists():
        pytest.skip(f"{path} is missing: the shared real data sits beside the checkout")
    return path
