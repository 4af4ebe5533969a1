"""The sample warehouse (data/sample ingested, built and compared), built once per test process
and shared by the analyst-facing tests (test_docs.py, test_notebooks.py)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path


@cache
def sample_warehouse() -> Path:
    """The published sample warehouse (marts only), in a folder removed at exit."""
    from journeys.docs import build_sample_warehouse

    folder = Path(tempfile.mkdtemp(prefix="journeys-sample-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return build_sample_warehouse(folder)
