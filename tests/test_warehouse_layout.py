"""The work file's tables and columns are those of its format (``WAREHOUSE_FORMAT``).

A step never reads around a table of another version's columns: a work file of another format is
refused with the rebuild (publish.StaleWarehouse). That holds only if every change of a table's
columns raises the format, so the columns of the sample warehouse's work file (ingested, built
and compared) are recorded in tests/warehouse_layout.txt under the format they belong to. A
change of columns with the same format fails here, naming the fix.

Record the layout again after raising the format: ``python tests/test_warehouse_layout.py``.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import duckdb

from journeys.config import Settings
from journeys.publish import WAREHOUSE_FORMAT, work_path

LAYOUT = Path(__file__).with_name("warehouse_layout.txt")
SCHEMAS = ("raw", "staging", "intermediate", "marts")
RECORD = "python tests/test_warehouse_layout.py"


def layout_of(warehouse: Path) -> list[str]:
    """``format N``, then one line per column of the work file beside ``warehouse``: schema,
    table (or view over stored files), column and type, sorted."""
    work = work_path(Settings(warehouse=warehouse))
    with duckdb.connect(str(work), read_only=True) as con:
        rows = con.execute(
            "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns()"
            " WHERE database_name = current_database() AND schema_name IN ?"
            " ORDER BY ALL",
            [list(SCHEMAS)],
        ).fetchall()
    return [f"format {WAREHOUSE_FORMAT}", *(" ".join(row) for row in rows)]


def test_the_work_files_columns_are_those_recorded_for_its_format():
    from sample_fixtures import sample_warehouse

    found = layout_of(sample_warehouse())
    recorded = LAYOUT.read_text().splitlines()
    assert len(found) > 100  # every schema's tables, not an empty catalog
    assert any(line.startswith("intermediate.map_step_seconds ") for line in found)
    if found[1:] != recorded[1:]:
        changes = "\n".join(difflib.unified_diff(recorded, found, "recorded", "built", n=0))
        assert found[0] != recorded[0], (
            f"the work file's columns changed and WAREHOUSE_FORMAT is still {WAREHOUSE_FORMAT}: "
            f"raise it in src/journeys/publish.py (older work files are then refused with the "
            f"rebuild), then record the layout: {RECORD}\n{changes}"
        )
    assert found == recorded, f"record the layout of format {WAREHOUSE_FORMAT}: {RECORD}"


def main() -> int:
    """Build the sample warehouse and write its work file's layout to ``LAYOUT``."""
    sys.path.insert(0, str(Path(__file__).parent))
    from sample_fixtures import sample_warehouse

    LAYOUT.write_text("\n".join(layout_of(sample_warehouse())) + "\n")
    print(f"{LAYOUT}: format {WAREHOUSE_FORMAT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
