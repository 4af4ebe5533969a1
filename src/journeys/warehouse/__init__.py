"""The only package that executes SQL.

Models live in ``sql/<layer>/<table>.sql``: a header comment stating the grain, then one SELECT.
``run_model("marts/events")`` materialises it as ``marts.events`` (``CREATE OR REPLACE TABLE``).
Values are bound as named parameters (``$horizon_seconds``); identifiers go through
``quote_ident``. Files under ``sql/ddl/`` are scripts (several statements, no parameters).

Modules: ``gateway`` (``Warehouse``: model and query files), ``tables`` (tables as a whole),
``storage`` (stored tables: Parquet files behind views, ADR 0004), ``connection`` (the DuckDB
connection and ``_run``), ``sqltext`` (reading, binding and quoting SQL text) and ``failures``
(the one-line messages).
"""

from __future__ import annotations

from journeys.warehouse.gateway import Warehouse
from journeys.warehouse.sqltext import SCHEMAS, SQL_DIR, quote_ident, read_sql, sql_path
from journeys.warehouse.storage import DATA_FILES, LOOSE_FILES, STORED_TABLES, StoredFile

__all__ = [
    "DATA_FILES",
    "LOOSE_FILES",
    "SCHEMAS",
    "SQL_DIR",
    "STORED_TABLES",
    "StoredFile",
    "Warehouse",
    "quote_ident",
    "read_sql",
    "sql_path",
]
