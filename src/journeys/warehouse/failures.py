"""The one-line messages of a failed statement or a warehouse file that does not open: what
ran, DuckDB's first line, and the fix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb


def _first_words(sql: str) -> str:
    words = " ".join(sql.split())
    return words if len(words) <= 60 else words[:57] + "..."


_FULL = ("No space left", "File too large", "Disk quota", "ENOSPC", "EFBIG")
_DENIED = ("Permission denied", "Read-only file system")


def _failure(what: str, exc: duckdb.Error, folder: Path | None) -> str:
    """``what: DuckDB's first line; the fix`` for a statement that failed writing in ``folder``."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    where = folder if folder is not None else "the temporary folder"
    if isinstance(exc, duckdb.OutOfMemoryException):
        fix = "set memory_limit and temp_directory in journeys.yaml (docs/configuration.md)"
    elif any(word in first for word in _FULL):
        fix = f"no room left to write in {where}; free disk space there and run again"
    elif any(word in first for word in _DENIED):
        fix = f"no permission to write in {where}; make the folder writable"
    elif isinstance(exc, duckdb.CatalogException | duckdb.BinderException):
        fix = (
            "a table or column it reads is missing or changed; rebuild with `journeys build --full`"
        )
    elif isinstance(exc, duckdb.IOException):
        fix = "check the path, free space and permissions, then run again"
    else:
        fix = "run again; if it fails again, report this line"
    return f"{what}: {first}; {fix}"


def _cannot_open(path: Path | None, exc: duckdb.Error, config: Mapping[str, Any]) -> str:
    """Why a warehouse file did not open, and what to do."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if path is not None and "WAL" in first:
        wal = path.with_name(path.name + ".wal")
        return (
            f"{path}: cannot open the warehouse: {wal} does not belong to it (a program wrote "
            "to this file and was stopped before it finished, and the file was replaced since); "
            f"move the log away (mv '{wal}' '{wal}.stale') and open it again; the next "
            "`journeys build` or `compare` publishes without it"
        )
    if "lock" in first.lower():
        return (
            f"{path}: cannot open the warehouse ({first}); another process is writing it, wait "
            "for it to finish"
        )
    if config and not isinstance(exc, duckdb.IOException):
        settings = ", ".join(f"{k}: {v}" for k, v in config.items())
        return (
            f"{path}: cannot open the warehouse with {settings} ({first}); fix the setting "
            "(memory_limit: e.g. 8GB, see docs/configuration.md)"
        )
    return _failure(f"{path}: cannot open the warehouse", exc, path.parent if path else None)
