"""The raw layer's tables (``sql/ddl/raw.sql``, the events' in ``sql/ddl/raw_events.sql``) and
the SQL macros the ingest checks and the staging models use (``sql/ddl/macros.sql``).

A module of its own, without the readers of ``load.py``: the build creates them too, and a
build that finds nothing new to do should not load the file readers (NumPy) to learn it.
"""

from __future__ import annotations

from journeys.warehouse import Warehouse


def ensure_raw(wh: Warehouse) -> None:
    """Create the raw tables and the SQL macros the staging models use (idempotent)."""
    wh.run_script("ddl/raw", once=True)
    wh.run_script("ddl/raw_events", once=True)
    wh.run_script("ddl/macros", once=True)
