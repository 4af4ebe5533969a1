"""Tables as a whole: whether one exists, its columns, reading, scanning and writing frames,
renaming and dropping, Parquet export and load, and replacing or deleting some of its rows;
a stored table (``storage.py``) through its files."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import duckdb

from journeys.errors import WarehouseError
from journeys.warehouse.connection import _rows
from journeys.warehouse.sqltext import (
    _bind,
    _label,
    _strip_trailing,
    enum_replace,
    quote_ident,
    read_sql,
)
from journeys.warehouse.storage import DATA_FILES, PARQUET, StoredTables, _is_polars_frame

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa


class Tables(StoredTables):
    """The table operations of a ``Warehouse``."""

    def table_exists(self, table: str) -> bool:
        if self.is_stored(table):  # a stored table is listed (and its view made) in one step
            return table in self.stored_files()
        schema, _, name = table.rpartition(".")
        key = (schema or "main", name)
        if key in self._existing:
            return True
        if self._listing_current:  # listed whole, and nothing has run since
            return False
        if self.in_transaction:  # where a failed probe would abort the transaction
            return self._listed(key)
        # one name looked up by reading none of its rows: the first listing of every table
        # and view on a connection reads each one's catalog entry, 6-8 ms on a work file just
        # opened (a name not found costs that once too: its "did you mean" looks at them all)
        try:
            self._con.execute(f"SELECT 1 FROM {quote_ident(table)} LIMIT 0").fetchall()
        except duckdb.CatalogException as exc:
            text = str(exc)
            named = (f"with name {name} does not exist", f'with name "{table}" does not exist')
            if "LINE 1:" in text and any(n in text for n in named):
                return False  # the name (or its schema) itself: the error points into the probe
            return self._listed(key)  # a view missing its own tables: the listing says
        except duckdb.Error:
            pass  # there, though it cannot be read now (a view over files that moved)
        self._existing.add(key)
        return True

    def _listed(self, key: tuple[str, str]) -> bool:
        """Whether (schema, name) is among every table and view (temp ones too), listed in one
        look-up and remembered."""
        rows = self._run(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog IN (current_database(), 'temp')"
        )  # not an attached catalog's (a published catalog, another job's lane)
        self._existing = {(r[0], r[1]) for r in rows}
        self._listing_current = True
        return key in self._existing

    def columns(self, table: str) -> list[str]:
        """The column names of a table or view, in order (none: no such table)."""
        if not self.table_exists(table):  # (a missing one would abort a transaction)
            return []
        if self.is_stored(table):  # DESCRIBE: a third of duckdb_columns()' time on such a view
            return [column for column, _ in self.described(table)]
        # the table's own columns, bound without reading a row: duckdb_columns() lists every
        # column of every table and view (7 ms the first time on a connection)
        try:
            return list(self._con.sql(f"SELECT * FROM {quote_ident(table)} LIMIT 0").columns)
        except duckdb.Error as exc:
            raise WarehouseError(f"columns of {table}: {str(exc).splitlines()[0]}") from exc

    def tables(self, schema: str) -> list[str]:
        rows = self._run(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $schema "
            "AND table_catalog = current_database() ORDER BY table_name",
            {"schema": schema},
        )
        return [r[0] for r in rows]

    def columns_of(self, relation: str) -> list[str]:
        """Column names of any table or temp table, in order."""
        return list(self._con.sql(f"SELECT * FROM {quote_ident(relation)} LIMIT 0").columns)

    def count(self, table: str) -> int:
        if self.is_stored(table):  # its files' rows, as recorded when they were written
            files = self.stored_files(table).get(table)
            if files is not None:
                return sum(f.rows for f in files)
        return int(
            self._run(f"SELECT count(*) FROM {quote_ident(table)}", what=f"count {table}")[0][0]
        )

    def read_table(
        self,
        table: str,
        *,
        columns: Sequence[str] | None = None,
        order_by: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        if self.is_stored(table):  # its Parquet files, read by polars directly (in parallel)
            files = [f.file for f in self.stored_files(table).get(table, [])]
            if files:
                import polars as pl  # only where a frame is read: not on every command's path

                frame = pl.read_parquet(files, columns=list(columns) if columns else None)
                return frame.sort(list(order_by)) if order_by else frame
        cols = ", ".join(quote_ident(c) for c in columns) if columns else "*"
        order = f" ORDER BY {', '.join(quote_ident(c) for c in order_by)}" if order_by else ""
        return self._fetch(f"SELECT {cols} FROM {quote_ident(table)}{order}", None, f"read {table}")

    def scan_table(self, table: str, *, columns: Sequence[str] | None = None) -> pl.LazyFrame:
        """A lazy frame over a table: each collect reads it in batches (filters and projections
        apply per batch), so a large table never sits in memory whole."""
        if self.is_stored(table):  # its Parquet files, scanned by polars itself
            files = [f.file for f in self.stored_files(table).get(table, [])]
            if files:
                import polars as pl

                frame = pl.scan_parquet(files)
                return frame.select(list(columns)) if columns else frame
        cols = ", ".join(quote_ident(c) for c in columns) if columns else "*"
        try:
            lazy: pl.LazyFrame = self._con.sql(f"SELECT {cols} FROM {quote_ident(table)}").pl(
                lazy=True
            )
            return lazy
        except duckdb.Error as exc:
            raise WarehouseError(f"{table}: {str(exc).splitlines()[0]}") from exc

    def temp_from_frame(self, name: str, model: str, relation: str, frame: pl.DataFrame) -> int:
        """``CREATE OR REPLACE TEMP TABLE name AS`` a model file's SELECT, which reads ``frame``
        as ``relation``: DuckDB scans the frame where it is, with no file written and read
        back. Returns the rows of ``name``."""
        body = _strip_trailing(read_sql(model))
        with self._registered(frame) as view:
            self._run(
                f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS\n"
                f"WITH {quote_ident(relation)} AS (SELECT * FROM {view})\n"
                f"SELECT * FROM (\n{body}\n)",
                what=model,
            )
        return self.count(name)

    def write_table(
        self,
        table: str,
        frame: pl.DataFrame | pa.Table,
        *,
        mode: Literal["replace", "append"] = "replace",
        through_file: bool = False,
        label: str | None = None,
    ) -> int:
        """Write a frame as ``table`` (replace) or append it (columns matched by name).
        ``through_file``: a large frame written inside a long transaction goes through a
        Parquet file, which DuckDB writes into the database file as it reads it; the rows of
        a frame scanned directly stay in memory until the transaction commits. ``label``: the
        one key value of every row (``replace_rows``'s column), recorded with a stored table's
        file so that ``delete_where`` of that value drops the file without reading it."""
        folder = self._stage_folder() if through_file and not self.is_stored(table) else None
        if folder is not None and _is_polars_frame(frame):
            return self._write_through_file(table, frame, folder, mode=mode)
        append = mode == "append" and self.table_exists(table)
        if self.is_stored(table):
            return self._store_frame(table, frame, f"write {table}", append=append, label=label)
        with self._registered(frame) as view:
            target = quote_ident(table)
            if append:
                self._run(
                    f"INSERT INTO {target} BY NAME SELECT * FROM {view}", what=f"write {table}"
                )
            else:
                sql = f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {view}"
                self._run(sql, what=f"write {table}")
        return len(frame)  # rows, of a polars frame or an Arrow table

    def write_rows(
        self, table: str, columns: Mapping[str, str], rows: Sequence[Sequence[Any]]
    ) -> int:
        """Write ``rows`` (Python values in the order of ``columns``: name -> DuckDB type) as
        ``table``, in one statement: for the small tables a step makes from its settings (rules,
        rates, an empty scope), which need no frame library. Returns the rows written."""
        params = {f"c{i}": [row[i] for row in rows] for i in range(len(columns))}
        select = ", ".join(
            f"unnest(CAST($c{i} AS {kind}[])) AS {quote_ident(name)}"
            for i, (name, kind) in enumerate(columns.items())
        )
        if self.is_stored(table):
            self._store(table, f"SELECT {select}", params, f"write {table}")
        else:
            sql = f"CREATE OR REPLACE TABLE {quote_ident(table)} AS SELECT {select}"
            self._run(sql, params, what=f"write {table}")
        return len(rows)

    def write_arrays(self, table: str, arrays: Mapping[str, Any]) -> None:
        """Write NumPy arrays of equal length (column name -> array) as ``table``: DuckDB scans
        them as they are (no frame, no Arrow conversion)."""
        view = f"_arrays_{uuid.uuid4().hex}"
        self._con.register(view, dict(arrays))
        try:
            sql = f"CREATE OR REPLACE TABLE {quote_ident(table)} AS SELECT * FROM {view}"
            self._run(sql, what=f"write {table}")
        finally:
            with suppress(duckdb.Error):  # an aborted transaction: the write's error tells why
                self._con.unregister(view)

    def _stage_folder(self) -> Path | None:
        """Where ``write_table(through_file=True)`` puts its file: the data folder, else the
        warehouse file's folder (None in memory: the frame is scanned directly)."""
        return self.data or (self.path.parent if self.path is not None else None)

    def _write_through_file(
        self, table: str, frame: pl.DataFrame, folder: Path, *, mode: Literal["replace", "append"]
    ) -> int:
        folder.mkdir(parents=True, exist_ok=True)
        staged = folder / f".stage-{uuid.uuid4().hex}.parquet"
        try:
            frame.write_parquet(staged, compression="lz4", statistics=False)
            self.load_parquet(table, [staged], mode=mode)
        finally:
            staged.unlink(missing_ok=True)
        return frame.height

    def rename_table(self, table: str, name: str) -> None:
        """Rename ``schema.table`` to ``schema.name``, replacing a table of that name."""
        schema = table.partition(".")[0]
        self.drop_table(f"{schema}.{name}")
        self._run(
            f"ALTER TABLE {quote_ident(table)} RENAME TO {quote_ident(name)}",
            what=f"rename {table}",
        )
        self._forget(table)

    def drop_view(self, view: str) -> None:
        self._run(f"DROP VIEW IF EXISTS {quote_ident(view)}", what=f"drop {view}")
        self._forget(view)

    def _forget(self, table: str) -> None:
        """``table`` was dropped: ``table_exists`` no longer finds it listed."""
        schema, _, name = table.rpartition(".")
        self._existing.discard((schema or "main", name))

    def drop_table(self, table: str) -> None:
        if self.is_stored(table):
            self._run(f"DROP VIEW IF EXISTS {quote_ident(table)}", what=f"drop {table}")
            self._unrecorded.pop(table, None)
            self._run(f"DELETE FROM {DATA_FILES} WHERE table_name = $t", {"t": table}, what=table)
            self.stored_changed = True
            self._described.pop(table, None)
            if self._files is not None:
                self._files.pop(table, None)
        else:
            self._run(f"DROP TABLE IF EXISTS {quote_ident(table)}", what=f"drop {table}")
            self._forget(table)

    def export_parquet(
        self,
        table: str,
        path: Path,
        *,
        month_of: str | None = None,
        texts: Mapping[str, Sequence[str]] | None = None,
        lists: Collection[str] = (),
        portable: bool = False,
    ) -> None:
        """Write a table as one Parquet file, or as a folder partitioned by month of a column.
        ``texts`` (one file): text columns (``lists``: lists of texts) written as ENUMs of
        every value they hold, ``enum_replace``: the same Parquet columns, encoded faster.
        ``portable``: Parquet version 1, which every tool reads (``journeys export``), not the
        warehouse's own files' version (``PARQUET``)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        options = "FORMAT parquet" if portable else PARQUET
        if month_of is None:
            self._run(
                f"COPY (SELECT {enum_replace(texts or {}, lists)} FROM {quote_ident(table)}) "
                f"TO $path ({options})",
                {"path": str(path)},
                what=f"export {table} to {path}",
                writes=path.parent,
            )
            return
        self._run(
            f"COPY (SELECT *, strftime({quote_ident(month_of)}, '%Y-%m') AS month "
            f"FROM {quote_ident(table)}) TO $path "
            f"({options}, PARTITION_BY (month), OVERWRITE_OR_IGNORE true)",
            {"path": str(path)},
            what=f"export {table} to {path}",
            writes=path.parent,
        )

    def export_model_parquet(
        self,
        model: str,
        path: Path,
        *,
        partition_by: str | None = None,
        texts: Mapping[str, Sequence[str]] | None = None,
        lists: Collection[str] = (),
        **params: Any,
    ) -> int:
        """Write the SELECT of ``sql/<model>.sql`` as Parquet: one file, or a folder with one
        ``<column>=<value>/`` sub-folder per value of ``partition_by`` (written in one pass);
        return the rows written. ``texts`` and ``lists``: as ``export_parquet``'s."""
        body = _strip_trailing(read_sql(model))
        bound = _bind(body, params, model)
        if texts:
            body = f"SELECT {enum_replace(texts, lists)} FROM (\n{body}\n)"
        options = PARQUET
        if partition_by is not None:
            options += f", PARTITION_BY ({quote_ident(partition_by)}), OVERWRITE_OR_IGNORE true"
        path.parent.mkdir(parents=True, exist_ok=True)
        bound = {**bound, "out_path": str(path)}
        return _rows(
            self._run(
                f"COPY ({body}) TO $out_path ({options})",
                bound,
                what=f"{_label(model)} to {path}",
                writes=path.parent,
            )
        )

    def export_model_lines(self, model: str, out: Path, **params: Any) -> None:
        """Write the one text column of ``sql/<model>.sql``'s SELECT to ``out`` as lines, as
        they are (no header, quotes or escapes)."""
        body = _strip_trailing(read_sql(model))
        bound = {**_bind(body, params, model), "out_path": str(out)}
        self._run(
            f"COPY ({body}) TO $out_path "
            "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER E'\\x1f')",
            bound,
            what=f"{_label(model)} to {out}",
            writes=out.parent,
        )

    def load_parquet(
        self,
        table: str,
        paths: Sequence[Path],
        *,
        mode: Literal["replace", "append"] = "replace",
    ) -> int:
        """Create ``table`` from Parquet files (replace) or append them (columns matched by
        name); return the rows read (the statement's own count: no count of the table before
        and after)."""
        files = [str(p) for p in paths]
        source = "read_parquet($files, hive_partitioning = false)"
        target = quote_ident(table)
        if mode == "replace" or not self.table_exists(table):
            sql = f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {source}"
        else:
            sql = f"INSERT INTO {target} BY NAME SELECT * FROM {source}"
        return _rows(self._run(sql, {"files": files}, what=f"load {table}"))

    # -- rows ----------------------------------------------------------------------------------
    def delete_keys(
        self, table: str, *, column: str, keys: str, also: Mapping[str, object] | None = None
    ) -> None:
        """Delete the rows of ``table`` whose ``column`` value is in the same column of ``keys``
        (and, with ``also``, whose columns equal those values: bound parameters)."""
        col, source = quote_ident(column), quote_ident(keys)
        where = [f"{col} IN (SELECT {col} FROM {source})"]
        params = {f"v{i}": value for i, value in enumerate((also or {}).values())}
        where += [f"{quote_ident(name)} = $v{i}" for i, name in enumerate(also or {})]
        condition = " AND ".join(where)
        if self.is_stored(table):
            self._delete_stored(table, condition, params or None)
            return
        self._execute(
            f"DELETE FROM {quote_ident(table)} WHERE {condition}",
            params or None,
            f"delete from {table}",
        )

    def replace_rows(
        self,
        table: str,
        frame: pl.DataFrame | Iterable[pl.DataFrame],
        *,
        column: str,
        value: str,
    ) -> None:
        """Make ``frame`` the rows of ``table`` whose ``column`` is ``value`` (every row of
        ``frame`` has it), keeping the others: one compared map's rows among all maps'. A stored
        table keeps each value's rows in their own files, so only that value's file changes:
        one new file, and the catalog row and view written once. ``frame`` may be an iterable
        of frames, written one after another (a file each), so that a large result is built and
        held one part at a time."""
        frames = [frame] if _is_polars_frame(frame) else cast("Iterable[pl.DataFrame]", frame)
        if not self.is_stored(table):
            if self.table_exists(table):
                self.delete_where(table, column=column, value=value)
            for part in frames:
                self.write_table(table, part, mode="append")
                del part  # before the next is built
            return
        files = self.stored_files(table).get(table, [])
        if any(f.label is None for f in files):  # files holding any value's rows: rewritten
            self.delete_where(table, column=column, value=value)  # without this value's
            files = self.stored_files(table).get(table, [])
        kept = [f for f in files if f.label != value]
        for part in frames:
            self._store_frame(table, part, f"write {table}", keep=kept, label=value)
            kept = self.stored_files(table).get(table, [])
            del part  # before the next is built

    def delete_where(self, table: str, *, column: str, value: object) -> None:
        """Delete the rows of ``table`` whose ``column`` equals ``value`` (a bound parameter).
        A stored table whose every file has a key value (``replace_rows``, ``write_table``'s
        ``label``: always ``column``'s) loses that value's files, none of them read, and its
        empty files (the one ``_delete_stored`` leaves when every row goes)."""
        condition = f"{quote_ident(column)} = $value"
        if self.is_stored(table):
            files = self.stored_files(table).get(table, [])
            # another value's files stay; an unlabelled empty file (no one's rows) goes
            kept = [f for f in files if f.label != value and (f.label is not None or f.rows)]
            if kept and all(f.label is not None or not f.rows for f in files):  # one file left
                if len(kept) < len(files):  # for the view's columns, which stay the same
                    self._point(table, kept, same_columns=True)
                return
            self._delete_stored(table, condition, {"value": value})
            return
        self._execute(
            f"DELETE FROM {quote_ident(table)} WHERE {condition}",
            {"value": value},
            f"delete from {table}",
        )
