"""Shared fixtures: an in-memory warehouse, the real help-desk log, the sample data."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL_DATA = SHARED / "data" / "real"
SAMPLE = ROOT / "data" / "sample"

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Prefect: a fresh home and result storage per session (no old caches, profiles or results),
# set before anything imports prefect; a slow first server start on a busy machine is fine.
_PREFECT_HOME = tempfile.mkdtemp(prefix="journeys-prefect-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_LOCAL_STORAGE_PATH"] = os.path.join(_PREFECT_HOME, "storage")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


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


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server (SQLite in a temp folder) for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=None):
        yield
