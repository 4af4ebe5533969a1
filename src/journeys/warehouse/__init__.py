"""The only package that executes SQL (``gateway.py``: the ``Warehouse``)."""

from __future__ import annotations

from journeys.warehouse.gateway import (
    DATA_FILES,
    LOOSE_FILES,
    SCHEMAS,
    SQL_DIR,
    STORED_TABLES,
    StoredFile,
    Warehouse,
    quote_ident,
    read_sql,
    sql_path,
)

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
