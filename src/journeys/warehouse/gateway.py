"""The only module that executes SQL.

Models live in ``sql/<layer>/<table>.sql``: a header comment stating the grain, then one SELECT.
``run_model("marts/events")`` materialises it as ``marts.events`` (``CREATE OR REPLACE TABLE``).
Values are bound as named parameters (``$horizon_seconds``); identifiers go through
``quote_ident``. Files under ``sql/ddl/`` are scripts (several statements, no parameters).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import duckdb
import polars as pl

from journeys.errors import WarehouseError, os_failure

if TYPE_CHECKING:
    import pyarrow as pa

SQL_DIR = Path(__file__).resolve().parents[3] / "sql"
SCHEMAS = ("raw", "staging", "intermediate", "marts")
STORED_TABLES = (
    "intermediate.int_events",
    "intermediate.int_customer_profiles",
    "intermediate.int_case_horizons",
    "intermediate.part_variants",
    "intermediate.part_subpaths",
    "intermediate.part_pairs",
    "intermediate.int_variant_durations",
    "intermediate.int_pair_times",
)
"""Tables outside ``marts`` that a warehouse with a data folder keeps as Parquet files."""
LOOSE_FILES = 8
"""A stored table's appended files (no partition, no key value) are merged beyond this many."""
DATA_FILES = "raw.data_files"
"""The work file's list of the Parquet files of each stored table (ADR 0004)."""
_PARAM = re.compile(r"(?<![:$\w])\$([A-Za-z_]\w*)")


def quote_ident(name: str) -> str:
    """Quote one identifier, or a dotted ``schema.table``, for DuckDB."""
    if not name:
        raise WarehouseError("empty identifier; name the table or column")
    parts = name.split(".") if "." in name and '"' not in name else [name]
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def sql_path(model: str) -> Path:
    path = SQL_DIR / f"{model}.sql"
    if not path.is_file():
        raise WarehouseError(f"sql/{model}.sql: model not found; check the model name")
    return path


def read_sql(model: str) -> str:
    return sql_path(model).read_text(encoding="utf-8")


def _strip_trailing(sql: str) -> str:
    return sql.strip().rstrip(";").strip()


def _bind(sql: str, params: Mapping[str, Any], model: str) -> dict[str, Any]:
    wanted = set(_PARAM.findall(_without_comments(sql)))
    missing = wanted - set(params)
    if missing:
        raise WarehouseError(
            f"{_label(model)}: parameter ${sorted(missing)[0]} was not given; pass it to the call"
        )
    return {k: params[k] for k in wanted}


_DELETE = re.compile(
    r"delete\s+from\s+(?P<table>[a-z_]\w*\.[a-z_]\w*)\s+where\s+(?P<condition>.+)",
    re.IGNORECASE | re.DOTALL,
)
"""A model file that deletes the rows of one table where a condition holds."""


def _without_line_comments(sql: str) -> str:
    """The SQL without its ``--`` comment lines (a DELETE file's header)."""
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def _without_comments(sql: str) -> str:
    """The SQL with string literals and quoted identifiers emptied and comments removed (a
    one-pass scanner): a delivered column named ``"$salt"`` is a name, not a parameter."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            j = i + 1
            while j < n and not (sql[j] == ch and (j + 1 >= n or sql[j + 1] != ch)):
                j += 2 if sql[j] == ch else 1
            out.append(ch * 2)
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _model_target(model: str) -> tuple[str, str]:
    """(layer, name) of the table or view that model ``<layer>/<name>`` defines."""
    layer, _, name = model.partition("/")
    if layer not in SCHEMAS or not name:
        raise WarehouseError(f"sql/{model}.sql: models live in sql/<{'|'.join(SCHEMAS)}>/")
    return layer, name


class StoredFile(NamedTuple):
    """One Parquet file of a stored table: its path, rows and customer-hash part (or None)."""

    file: str
    rows: int
    part: int | None
    label: str | None = None
    """The value of the key column every row of the file has (``replace_rows``), if known."""


class Warehouse:
    """A DuckDB warehouse file (or ``:memory:``), with the layered schemas created on open."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        read_only: bool = False,
        threads: int | None = None,
        memory_limit: str | None = None,
        temp_directory: str | Path | None = None,
        data: str | Path | None = None,
    ) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        self.read_only = read_only
        self._scripts_run: set[str] = set()
        self._preserve_order = True  # DuckDB's default; changed only by insertion_order()
        self._files: dict[str, list[StoredFile]] | None = None
        """raw.data_files as last read or written here (only this writer changes it): each
        stored table's files without a query per look-up; forgotten on rollback or reconnect."""
        self.data = Path(data).resolve() if data is not None else None
        """The data folder: with it, the marts (and ``STORED_TABLES``) are Parquet files there,
        behind views of the same names (ADR 0004); without it, DuckDB tables as always."""
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        if temp_directory:
            config["temp_directory"] = str(temp_directory)
        if self.path is not None and not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WarehouseError(os_failure(self.path, exc, doing="make its folder")) from None
        if self.path is not None and read_only and not self.path.exists():
            raise WarehouseError(f"{self.path}: warehouse not found; run `journeys build` first")
        self._config = config
        self._connect()

    def _connect(self) -> None:
        self._files = None
        try:
            self._con = duckdb.connect(
                str(self.path) if self.path else ":memory:",
                read_only=self.read_only,
                config=self._config,
            )
        except duckdb.Error as exc:
            raise WarehouseError(_cannot_open(self.path, exc, self._config)) from exc
        # a library draws no progress bars on stderr (Jupyter without ipywidgets refuses)
        with suppress(duckdb.InvalidInputException):
            self._con.execute("SET enable_progress_bar = false").fetchall()
        setup = ["SET TimeZone = 'UTC'"]  # one script: each statement costs about a millisecond
        if not self._preserve_order:
            setup.append("SET preserve_insertion_order = false")
        if not self.read_only:
            setup += [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(s)}" for s in SCHEMAS]
            if self.data is not None:
                setup.append(read_sql("ddl/data_files"))
                self._scripts_run.add("ddl/data_files")
        self._run(";\n".join(setup), what="open the warehouse")

    @contextmanager
    def released(self) -> Iterator[None]:
        """Close the file for the block, after a checkpoint, and open it again after: jobs in
        other processes may then open it read-only (the writer lock, a separate file, stays
        held). Temp tables do not survive it."""
        self._run("CHECKPOINT", what="checkpoint the warehouse")
        self._con.close()
        try:
            yield
        finally:
            self._connect()

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._run("BEGIN TRANSACTION")
        try:
            yield
            self._run("COMMIT", what="commit the transaction")
        except BaseException:
            self._files = None  # the catalog is as it was before the transaction
            with suppress(WarehouseError):  # a failed COMMIT has rolled back already
                self._run("ROLLBACK")
            raise

    @contextmanager
    def insertion_order(self, *, preserve: bool) -> Iterator[None]:
        """Inside the block, tables keep (or need not keep) the order rows were produced in.
        ``preserve=False`` lets DuckDB write in parallel and hold less in memory; use it only
        where every reader orders explicitly (the build: its models never rely on row order)."""
        before = self._preserve_order
        if preserve == before:
            yield
            return
        self._run(f"SET preserve_insertion_order = {'true' if preserve else 'false'}")
        self._preserve_order = preserve
        try:
            yield
        finally:
            self._run(f"SET preserve_insertion_order = {'true' if before else 'false'}")
            self._preserve_order = before

    # -- models --------------------------------------------------------------------------------
    def run_model(self, model: str, **params: Any) -> int:
        """Materialise ``sql/<layer>/<name>.sql`` as table ``<layer>.<name>``; return its rows."""
        layer, name = _model_target(model)
        body = _strip_trailing(read_sql(model))
        bound = _bind(body, params, model)
        if self.is_stored(f"{layer}.{name}"):
            return self._store(f"{layer}.{name}", body, bound, model, append=False)
        table = f"{quote_ident(layer)}.{quote_ident(name)}"
        return _rows(
            self._run(f"CREATE OR REPLACE TABLE {table} AS\n{body}", bound, what=_label(model))
        )

    def run_view(self, model: str, *, name: str | None = None) -> None:
        """Define ``sql/<layer>/<name>.sql`` (parameterless) as view ``<layer>.<name>`` (or
        ``<layer>.<name>`` given), replacing a table of that name: for a model its readers scan
        once or twice, narrowly, where writing every row would cost more than computing it."""
        layer, own = _model_target(model)
        name = name or own
        body = _strip_trailing(read_sql(model))
        _bind(body, {}, model)  # a view cannot hold parameters
        view = f"{quote_ident(layer)}.{quote_ident(name)}"
        sql = f"CREATE OR REPLACE VIEW {view} AS\n{body}"
        try:  # one statement in the usual case (no catalog look-up first)
            self._execute(sql, None, model)
        except WarehouseError:
            if not self.table_exists(f"{layer}.{name}"):
                raise
            self.drop_table(f"{layer}.{name}")  # a table of that name (another build's way)
            self._execute(sql, None, model)

    def append_model(self, model: str, **params: Any) -> int:
        """Append the SELECT of ``sql/<layer>/<name>.sql`` to the existing table ``<layer>.<name>``
        (columns matched by name); return the rows appended."""
        layer, _, name = model.partition("/")
        body = _strip_trailing(read_sql(model))
        bound = _bind(body, params, model)
        if self.is_stored(f"{layer}.{name}"):
            return self._store(f"{layer}.{name}", body, bound, model, append=True)
        table = f"{quote_ident(layer)}.{quote_ident(name)}"
        return _rows(self._run(f"INSERT INTO {table} BY NAME\n{body}", bound, what=_label(model)))

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

    def replace_rows(self, table: str, frame: pl.DataFrame, *, column: str, value: str) -> None:
        """Make ``frame`` the rows of ``table`` whose ``column`` is ``value`` (every row of
        ``frame`` has it), keeping the others: one compared map's rows among all maps'. A stored
        table keeps each value's rows in their own files, so only that value's file changes:
        one new file, and the catalog row and view written once."""
        if not self.is_stored(table):
            if self.table_exists(table):
                self.delete_where(table, column=column, value=value)
            self.write_table(table, frame, mode="append")
            return
        files = self.stored_files(table).get(table, [])
        if any(f.label is None for f in files):  # files holding any value's rows: rewritten
            self.delete_where(table, column=column, value=value)  # without this value's
            files = self.stored_files(table).get(table, [])
        others = [f for f in files if f.label != value]
        with self._registered(frame) as view:
            body = f"SELECT * FROM {view}"
            self._store(table, body, None, f"write {table}", keep=others, label=value)

    def delete_where(self, table: str, *, column: str, value: object) -> None:
        """Delete the rows of ``table`` whose ``column`` equals ``value`` (a bound parameter)."""
        condition = f"{quote_ident(column)} = $value"
        if self.is_stored(table):
            self._delete_stored(table, condition, {"value": value})
            return
        self._execute(
            f"DELETE FROM {quote_ident(table)} WHERE {condition}",
            {"value": value},
            f"delete from {table}",
        )

    def run_models(self, models: Sequence[str], **params: Any) -> dict[str, int]:
        return {model: self.run_model(model, **params) for model in models}

    def query(self, model: str, **params: Any) -> pl.DataFrame:
        """Run the SELECT in ``sql/<model>.sql`` and return its rows."""
        body = _strip_trailing(read_sql(model))
        return self._fetch(body, _bind(body, params, model), model)

    def execute(self, model: str, **params: Any) -> None:
        """Run one statement from ``sql/<model>.sql`` (an INSERT, DELETE or UPDATE). A
        ``delete from <table> where ...`` of a stored table rewrites the files holding the rows
        (ADR 0004); a stored table takes no other statement."""
        body = _strip_trailing(read_sql(model))
        bound = _bind(body, params, model)
        found = _DELETE.fullmatch(_without_comments(body).strip())
        if found and self.is_stored(found["table"]):
            where = _DELETE.fullmatch(_without_line_comments(body).strip())
            assert where is not None  # the same statement, its literals kept
            self._delete_stored(found["table"], where["condition"], bound)
            return
        self._execute(body, bound, model)

    def run_script(self, model: str, *, once: bool = False) -> None:
        """Run a parameterless multi-statement script such as ``ddl/raw`` (``once``: not again
        on this connection: an idempotent set-up a command would otherwise repeat per file)."""
        if once and model in self._scripts_run:
            return
        self._execute(read_sql(model), None, model)
        self._scripts_run.add(model)

    def materialize_temp(
        self,
        name: str,
        model: str,
        *,
        inputs: Mapping[str, str] | None = None,
        **params: Any,
    ) -> int:
        """``CREATE OR REPLACE TEMP TABLE name AS`` a model file's SELECT.

        ``inputs`` maps a relation the model reads to another model that computes it, so both
        run as one statement (``WITH relation AS (model) ...``) instead of materializing it.
        """
        body = _strip_trailing(read_sql(model))
        if inputs:
            ctes = ",\n".join(
                f"{quote_ident(relation)} AS (\n{_strip_trailing(read_sql(source))}\n)"
                for relation, source in inputs.items()
            )
            body = f"WITH {ctes}\nSELECT * FROM (\n{body}\n)"
        self._execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS\n{body}",
            _bind(body, params, model),
            model,
        )
        return self.count(name)

    def insert_select(self, target: str, source: str, *, columns: Sequence[str], where: str) -> int:
        """Append ``columns`` of temp/table ``source`` to ``target`` for rows where the boolean
        column ``where`` is true; return the rows appended."""
        cols = ", ".join(quote_ident(c) for c in columns)
        before = self.count(target)
        self._execute(
            f"INSERT INTO {quote_ident(target)} ({cols}) SELECT {cols} FROM {quote_ident(source)} "
            f"WHERE {quote_ident(where)}",
            None,
            f"insert into {target}",
        )
        return self.count(target) - before

    def drop_temp(self, *names: str) -> None:
        temps = {
            (r[0], r[1])
            for r in self._run(
                "SELECT table_name, table_type FROM information_schema.tables "
                "WHERE table_catalog = 'temp'"
            )
        }
        for name in names:
            if (name, "VIEW") in temps:
                self._run(f"DROP VIEW temp.{quote_ident(name)}")
            elif (name, "LOCAL TEMPORARY") in temps or (name, "BASE TABLE") in temps:
                self._run(f"DROP TABLE temp.{quote_ident(name)}")

    def create_temp_view(self, name: str, table: str) -> None:
        """A temp view aliasing ``table``, so one SQL file can serve several tables."""
        self._run(
            f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS SELECT * FROM {quote_ident(table)}"
        )

    def file_view_temp(self, name: str, files: Sequence[str]) -> None:
        """``CREATE OR REPLACE TEMP VIEW name`` over Parquet files (a job's output)."""
        listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        self._run(
            f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS "
            f"SELECT * FROM read_parquet([{listed}], hive_partitioning = false)",
            what=f"read {name}",
        )

    def view_temp(self, name: str, model: str) -> None:
        """``CREATE OR REPLACE TEMP VIEW name AS`` a parameterless model's SELECT: for a step
        read once, which need not be copied into a table first."""
        body = _strip_trailing(read_sql(model))
        self._execute(f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS\n{body}", None, model)

    def scalar(self, model: str, **params: Any) -> Any:
        """The single value of a one-row, one-column query file (None when it has no row)."""
        row = self.row(model, **params)
        return row[0] if row else None

    def record(self, model: str, **params: Any) -> dict[str, Any]:
        """The first row of a query file as a dict by column name (empty when it has none)."""
        body = _strip_trailing(read_sql(model))
        bound = _bind(body, params, model)
        try:
            cursor = self._con.execute(body, bound or None)
            names = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
        except duckdb.Error as exc:
            raise WarehouseError(_failure(_label(model), exc, self._folder())) from exc
        return dict(zip(names, rows[0], strict=True)) if rows else {}

    def rows(self, model: str, **params: Any) -> list[tuple[Any, ...]]:
        """Every row of a (small) query file as tuples: no frame, so no pyarrow import."""
        body = _strip_trailing(read_sql(model))
        return self._run(body, _bind(body, params, model), what=_label(model))

    def arrays(self, model: str, **params: Any) -> dict[str, Any]:
        """A query file's columns as NumPy arrays (numeric results such as graph links: no
        Arrow or polars conversion on the way)."""
        body = _strip_trailing(read_sql(model))
        bound = _bind(body, params, model)
        try:
            return dict(self._con.execute(body, bound or None).fetchnumpy())
        except duckdb.Error as exc:
            raise WarehouseError(_failure(_label(model), exc, self._folder())) from exc

    def row(self, model: str, **params: Any) -> tuple[Any, ...] | None:
        """The first row of a query file as a tuple (None when it has none): for the small
        bookkeeping queries of every command, which need no frame (and so no pyarrow)."""
        body = _strip_trailing(read_sql(model))
        rows = self._run(body, _bind(body, params, model), what=_label(model))
        return rows[0] if rows else None

    # -- tables --------------------------------------------------------------------------------
    def table_exists(self, table: str) -> bool:
        if self.is_stored(table):  # a stored table is listed (and its view made) in one step
            return table in self.stored_files()
        schema, _, name = table.rpartition(".")
        rows = self._run(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = $schema AND table_name = $name",
            {"schema": schema or "main", "name": name},
        )
        return bool(rows[0][0])

    def columns(self, table: str) -> list[str]:
        """The column names of a table or view, in order (none: no such table)."""
        if self.is_stored(table):  # DESCRIBE: a third of duckdb_columns()' time on such a view
            if not self.table_exists(table):  # (and a missing one would abort a transaction)
                return []
            return [r[0] for r in self._run(f"DESCRIBE {quote_ident(table)}")]
        schema, _, name = table.rpartition(".")
        rows = self._run(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = $s AND table_name = $n ORDER BY column_index",
            {"s": schema or "main", "n": name},
            what=f"columns of {table}",
        )
        return [r[0] for r in rows]  # none: no such table

    def tables(self, schema: str) -> list[str]:
        rows = self._run(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $schema "
            "ORDER BY table_name",
            {"schema": schema},
        )
        return [r[0] for r in rows]

    def columns_of(self, relation: str) -> list[str]:
        """Column names of any table or temp table, in order."""
        return list(self._con.sql(f"SELECT * FROM {quote_ident(relation)} LIMIT 0").columns)

    def count(self, table: str) -> int:
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

    def write_table(
        self,
        table: str,
        frame: pl.DataFrame | pa.Table,
        *,
        mode: Literal["replace", "append"] = "replace",
    ) -> int:
        """Write a frame as ``table`` (replace) or append it (columns matched by name)."""
        with self._registered(frame) as view:
            target = quote_ident(table)
            append = mode == "append" and self.table_exists(table)
            if self.is_stored(table):
                self._store(table, f"SELECT * FROM {view}", None, f"write {table}", append=append)
            elif append:
                self._run(
                    f"INSERT INTO {target} BY NAME SELECT * FROM {view}", what=f"write {table}"
                )
            else:
                sql = f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {view}"
                self._run(sql, what=f"write {table}")
        return frame.height if isinstance(frame, pl.DataFrame) else frame.num_rows

    @contextmanager
    def _registered(self, frame: pl.DataFrame | pa.Table) -> Iterator[str]:
        """A frame as a view of this connection for the block; yields its name."""
        view = f"_frame_{uuid.uuid4().hex}"
        # registered through the Arrow PyCapsule interface: no pyarrow import (0.1-0.15 s of
        # every command) for a frame that DuckDB reads as is
        self._con.register(view, _ArrowStream(frame))
        try:
            yield view
        finally:
            with suppress(duckdb.Error):  # an aborted transaction: the write's error tells why
                self._con.unregister(view)

    def rename_table(self, table: str, name: str) -> None:
        """Rename ``schema.table`` to ``schema.name``, replacing a table of that name."""
        schema = table.partition(".")[0]
        self.drop_table(f"{schema}.{name}")
        self._run(
            f"ALTER TABLE {quote_ident(table)} RENAME TO {quote_ident(name)}",
            what=f"rename {table}",
        )

    def drop_view(self, view: str) -> None:
        self._run(f"DROP VIEW IF EXISTS {quote_ident(view)}", what=f"drop {view}")

    def drop_table(self, table: str) -> None:
        if self.is_stored(table):
            self._run(f"DROP VIEW IF EXISTS {quote_ident(table)}", what=f"drop {table}")
            self._run(f"DELETE FROM {DATA_FILES} WHERE table_name = $t", {"t": table}, what=table)
            if self._files is not None:
                self._files.pop(table, None)
        else:
            self._run(f"DROP TABLE IF EXISTS {quote_ident(table)}", what=f"drop {table}")

    def export_parquet(self, table: str, path: Path, *, month_of: str | None = None) -> None:
        """Write a table as one Parquet file, or as a folder partitioned by month of a column."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if month_of is None:
            self._run(
                f"COPY (SELECT * FROM {quote_ident(table)}) TO $path (FORMAT parquet)",
                {"path": str(path)},
                what=f"export {table} to {path}",
                writes=path.parent,
            )
            return
        self._run(
            f"COPY (SELECT *, strftime({quote_ident(month_of)}, '%Y-%m') AS month "
            f"FROM {quote_ident(table)}) TO $path "
            "(FORMAT parquet, PARTITION_BY (month), OVERWRITE_OR_IGNORE true)",
            {"path": str(path)},
            what=f"export {table} to {path}",
            writes=path.parent,
        )

    def export_model_parquet(
        self, model: str, path: Path, *, partition_by: str | None = None, **params: Any
    ) -> None:
        """Write the SELECT of ``sql/<model>.sql`` as Parquet: one file, or a folder with one
        ``<column>=<value>/`` sub-folder per value of ``partition_by`` (written in one pass)."""
        body = _strip_trailing(read_sql(model))
        options = "FORMAT parquet"
        if partition_by is not None:
            options += f", PARTITION_BY ({quote_ident(partition_by)}), OVERWRITE_OR_IGNORE true"
        path.parent.mkdir(parents=True, exist_ok=True)
        bound = {**_bind(body, params, model), "out_path": str(path)}
        self._run(
            f"COPY ({body}) TO $out_path ({options})",
            bound,
            what=f"{_label(model)} to {path}",
            writes=path.parent,
        )

    def load_parquet(
        self,
        table: str,
        paths: Sequence[Path],
        *,
        mode: Literal["replace", "append"] = "replace",
    ) -> int:
        """Create ``table`` from Parquet files (replace) or append them (columns matched by
        name); return the rows read."""
        files = [str(p) for p in paths]
        source = "read_parquet($files, hive_partitioning = false)"
        target = quote_ident(table)
        before = 0 if mode == "replace" or not self.table_exists(table) else self.count(table)
        if mode == "replace" or not self.table_exists(table):
            sql = f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {source}"
        else:
            sql = f"INSERT INTO {target} BY NAME SELECT * FROM {source}"
        self._execute(sql, {"files": files}, f"load {table}")
        return self.count(table) - before

    # -- stored tables (ADR 0004) --------------------------------------------------------------
    def is_stored(self, table: str) -> bool:
        """Whether ``table`` is Parquet files behind a view (a warehouse with a data folder)."""
        return self.data is not None and (table.startswith("marts.") or table in STORED_TABLES)

    def stored_files(self, table: str | None = None) -> dict[str, list[StoredFile]]:
        """The files of each stored table (or of ``table``), in the order its view reads them."""
        if self._files is None:
            rows = self._run(
                f"SELECT table_name, files, rows, parts, labels FROM {DATA_FILES} "
                "ORDER BY table_name",
                what="read the data files",
            )
            self._files = {
                name: [StoredFile(*f) for f in zip(files, rows, parts, labels, strict=True)]
                for name, files, rows, parts, labels in rows
            }
        return {
            name: list(self._files[name])
            for name in sorted(self._files)
            if table is None or name == table
        }

    def new_data_file(self, table: str, *, part: int | None = None) -> Path:
        """A fresh path for one Parquet file of ``table`` in the data folder (not yet written)."""
        if self.data is None:
            raise WarehouseError(f"{table}: this warehouse keeps no data files")
        schema, _, name = table.partition(".")
        folder = self.data / schema / name
        folder.mkdir(parents=True, exist_ok=True)
        tag = "" if part is None else f"p{part:05d}-"
        return folder / f"{tag}{uuid.uuid4().hex[:16]}.parquet"

    def adopt_files(
        self, table: str, files: Sequence[tuple[Path | str, int | None]], *, keep: bool = False
    ) -> int:
        """Make Parquet files already written in the data folder (by partitions: (file, part))
        the rows of stored ``table``; ``keep``: the table's current files of other parts stay.
        Nothing is copied. Returns the rows of ``files``."""
        names = [str(f) for f, _ in files]
        rows = dict(
            self._run(
                "SELECT file_name, num_rows FROM parquet_file_metadata($files)",
                {"files": names},
                what=f"read the files of {table}",
            )
            if names
            else []
        )
        found = [StoredFile(str(f), int(rows.get(str(f), 0)), part) for f, part in files]
        parts = {part for _, part in files}
        kept = [f for f in self.stored_files(table).get(table, []) if keep and f.part not in parts]
        self._point(table, sorted([*kept, *found], key=lambda f: (f.part is None, f.part or 0)))
        return sum(f.rows for f in found)

    def store_parts(self, table: str, model: str, *, parts: int, key: str, **params: Any) -> int:
        """Write a model's SELECT as the files of stored ``table``, one or more per hash bucket
        of column ``key`` (``hash(key) % parts``), in one pass; returns the rows written."""
        if self.data is None:
            return self.run_model(model, **params)
        folder = self.new_data_file(table).with_suffix("")
        found = self.export_parts(model, folder, parts=parts, key=key, **params)
        return self.adopt_files(table, found)

    def export_parts(
        self, model: str, folder: Path, *, parts: int, key: str, **params: Any
    ) -> list[tuple[Path, int]]:
        """Write a model's SELECT as Parquet files under ``folder``, one or more per hash bucket
        of column ``key``, in one pass; returns (file, bucket) of each file (an empty result:
        one empty file of bucket 0, which keeps the columns)."""
        body = _strip_trailing(read_sql(model))
        bound = _bind(body, params, model)
        folder.parent.mkdir(parents=True, exist_ok=True)
        if parts == 1:  # one file: PARTITION_BY would cost about half as much again (10M rows)
            folder.mkdir(exist_ok=True)
            one = folder / "data_0.parquet"
            self._run(
                f"COPY ({body}) TO $journeys_out (FORMAT parquet)",
                {**bound, "journeys_out": str(one)},
                what=_label(model),
                writes=folder,
            )
            return [(one, 0)]
        select = f"SELECT *, hash({quote_ident(key)}) % {int(parts)} AS journeys_part FROM ({body})"
        self._run(
            f"COPY ({select}) TO $journeys_out (FORMAT parquet, PARTITION_BY (journeys_part))",
            {**bound, "journeys_out": str(folder)},
            what=_label(model),
            writes=folder.parent,
        )
        found = [
            (file, int(file.parent.name.partition("=")[2]))
            for file in sorted(folder.glob("journeys_part=*/*.parquet"))
        ]
        if not found:
            empty = folder / "empty.parquet"
            folder.mkdir(parents=True, exist_ok=True)
            self._run(
                f"COPY (SELECT * FROM ({body}) LIMIT 0) TO $journeys_out (FORMAT parquet)",
                {**bound, "journeys_out": str(empty)},
                what=_label(model),
            )
            found = [(empty, 0)]
        return found

    def define_stored_view(self, table: str, files: Sequence[str]) -> None:
        """``CREATE OR REPLACE VIEW table`` over these Parquet files (a published catalog)."""
        listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        sql = (
            f"CREATE OR REPLACE VIEW {quote_ident(table)} AS "
            f"SELECT * FROM read_parquet([{listed}], hive_partitioning = false)"
        )
        try:
            self._run(sql, what=f"define {table}")
        except WarehouseError:
            if not self.table_exists(table):
                raise
            # a table of that name from a build before stored tables: replaced by the view
            self._run(f"DROP TABLE {quote_ident(table)}", what=f"drop {table}")
            self._run(sql, what=f"define {table}")

    def store_model(self, table: str, model: str, *, view: bool = True) -> int:
        """Write a parameterless model's SELECT as the one file of ``table`` (``view=False``: a
        file only a published catalog reads, such as the masked ``raw.rejects``)."""
        body = _strip_trailing(read_sql(model))
        return self._store(table, body, _bind(body, {}, model), model, append=False, view=view)

    def record_published(self, files: Sequence[str], *, keep_seconds: int) -> None:
        """Remember the files a new published catalog reads. The catalogs before it stay
        remembered (their readers keep their snapshot) while they are the previous one or
        younger than ``keep_seconds``; older ones are forgotten (their files become garbage)."""
        self._run(
            "INSERT INTO raw.published_files SELECT next, now(), unnest($files) FROM "
            "(SELECT coalesce(max(generation), 0) + 1 AS next FROM raw.published_files)",
            {"files": list(files)},
            what="record the published files",
        )
        self._run(
            "DELETE FROM raw.published_files WHERE generation < "
            "(SELECT max(generation) - 1 FROM raw.published_files) "
            "AND published_at < now() - to_seconds($keep)",
            {"keep": keep_seconds},
        )

    def published_count(self) -> int:
        """How many published catalogs' files this work file remembers."""
        return int(self._run("SELECT count(DISTINCT generation) FROM raw.published_files")[0][0])

    def view_files(self) -> list[str]:
        """Every Parquet file the views of this catalog read (a published catalog's files)."""
        rows = self._run("SELECT sql FROM duckdb_views() WHERE NOT internal AND sql IS NOT NULL")
        found = []
        for (sql,) in rows:
            found += [f.replace("''", "'") for f in re.findall(r"'((?:[^']|'')+\.parquet)'", sql)]
        return found

    def referenced_files(self) -> list[str]:
        """Every data file a catalog refers to: the work file's and the last two published."""
        rows = self._run(
            f"SELECT unnest(files) FROM {DATA_FILES} UNION SELECT file FROM raw.published_files"
        )
        return [r[0] for r in rows]

    def _store(
        self,
        table: str,
        body: str,
        params: Mapping[str, Any] | None,
        what: str,
        *,
        append: bool = False,
        view: bool = True,
        keep: Sequence[StoredFile] | None = None,
        label: str | None = None,
    ) -> int:
        """Write a SELECT as a new Parquet file of ``table``; the file replaces the table's
        files or joins them (``append``: its columns cast to the table's, by name), or joins
        the files ``keep`` (the same cast). ``label``: the one key value of its rows."""
        if keep is not None:
            current = list(keep)
        else:
            current = self.stored_files(table).get(table, []) if append else []
        if current:
            described = self._run(f"DESCRIBE {quote_ident(table)}", what=f"columns of {table}")
            cast = ", ".join(
                f"CAST({quote_ident(c)} AS {t}) AS {quote_ident(c)}" for c, t, *_ in described
            )
            body = f"SELECT {cast} FROM (\n{body}\n)"
        file = self.new_data_file(table)
        bound = {**(params or {}), "journeys_out": str(file)}
        rows = _rows(
            self._run(
                f"COPY (\n{body}\n) TO $journeys_out (FORMAT parquet)",
                bound,
                what=_label(what),
                writes=file.parent,
            )
        )
        files = self._compacted(table, [*current, StoredFile(str(file), rows, None, label)])
        self._point(table, files, view=view)
        return rows

    def _compacted(self, table: str, files: list[StoredFile]) -> list[StoredFile]:
        """``files``, with the files of no partition and no key value merged into one when
        appends have made more than ``LOOSE_FILES`` of them (a micro-batch appends every few
        minutes; each file costs every reader a footer read)."""
        loose = [f for f in files if f.part is None and f.label is None]
        if len(loose) <= LOOSE_FILES:
            return files
        merged = self.new_data_file(table)
        rows = _rows(
            self._run(
                "COPY (SELECT * FROM read_parquet($files)) TO $journeys_out (FORMAT parquet)",
                {"files": [f.file for f in loose], "journeys_out": str(merged)},
                what=f"merge the files of {table}",
                writes=merged.parent,
            )
        )
        return [*(f for f in files if f not in loose), StoredFile(str(merged), rows, None)]

    def _delete_stored(self, table: str, condition: str, params: Mapping[str, Any] | None) -> None:
        """Rewrite the files of ``table`` holding rows where ``condition`` is true, without
        them (DELETE's rule: a row where it is NULL stays); other files stay as they are."""
        files = self.stored_files(table).get(table, [])
        hits = dict(
            self._run(
                f"SELECT filename, count(*) FROM read_parquet($files, filename = true) "
                f"WHERE ({condition}\n) GROUP BY filename",
                {**(params or {}), "files": [f.file for f in files]},
                what=f"delete from {table}",
            )
        )
        kept: list[StoredFile] = []
        for stored in files:
            hit = hits.get(stored.file)
            if not hit:
                kept.append(stored)
                continue
            if hit == stored.rows and (kept or stored is not files[-1]):
                continue  # every row goes, and other files keep the columns: the file goes
            new = self.new_data_file(table, part=stored.part)
            left = self._run(
                f"COPY (SELECT * FROM read_parquet($file) WHERE ({condition}\n) IS NOT TRUE) "
                "TO $journeys_out (FORMAT parquet)",
                {**(params or {}), "file": stored.file, "journeys_out": str(new)},
                what=f"delete from {table}",
                writes=new.parent,
            )
            # a file of one key value (replace_rows) still holds only that value's rows
            kept.append(StoredFile(str(new), _rows(left), stored.part, stored.label))
        self._point(table, kept)

    def _point(self, table: str, files: Sequence[StoredFile], *, view: bool = True) -> None:
        """Record ``files`` as the rows of stored ``table`` and point its view at them."""
        self._run(
            f"INSERT OR REPLACE INTO {DATA_FILES} VALUES ($t, $files, $rows, $parts, $labels)",
            {
                "t": table,
                "files": [f.file for f in files],
                "rows": [f.rows for f in files],
                "parts": [f.part for f in files],
                "labels": [f.label for f in files],
            },
            what=f"record the files of {table}",
        )
        if self._files is not None:
            self._files[table] = list(files)
        if view:
            self.define_stored_view(table, [f.file for f in files])

    # -- internals -----------------------------------------------------------------------------
    def _run(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        what: str | None = None,
        writes: Path | None = None,
    ) -> list[tuple[Any, ...]]:
        """Execute and drain (duckdb 2 keeps a connection busy until its result is fetched).
        A failure is a WarehouseError naming what ran (``what``: a model file, an operation on
        a table; by default the statement's first words) and the fix (naming the folder it
        ``writes`` to, by default the warehouse's)."""
        try:
            return self._con.execute(sql, dict(params) if params else None).fetchall()
        except duckdb.Error as exc:
            folder = writes or (self.path.parent if self.path is not None else None)
            raise WarehouseError(_failure(what or _first_words(sql), exc, folder)) from exc

    def _execute(self, sql: str, params: Mapping[str, Any] | None, where: str) -> None:
        """Run a statement; ``where``: the model it comes from, or what it does."""
        self._run(sql, params, what=_label(where))

    def _fetch(self, sql: str, params: Mapping[str, Any] | None, where: str) -> pl.DataFrame:
        try:
            frame: pl.DataFrame = self._con.sql(sql, params=dict(params) if params else None).pl()
            return frame
        except duckdb.Error as exc:
            raise WarehouseError(_failure(_label(where), exc, self._folder())) from exc

    def _folder(self) -> Path | None:
        return self.path.parent if self.path is not None else None


def _rows(result: list[tuple[Any, ...]]) -> int:
    """The row count a CREATE TABLE AS, INSERT, DELETE or COPY statement returns."""
    return int(result[0][0]) if result and result[0] and result[0][0] is not None else 0


class _ArrowStream:
    """A frame seen only as an Arrow stream (``__arrow_c_stream__``), so DuckDB scans it
    without converting it through pyarrow."""

    def __init__(self, frame: pl.DataFrame | pa.Table) -> None:
        self._frame = frame

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._frame.__arrow_c_stream__(requested_schema)


def _label(where: str) -> str:
    """``sql/<model>.sql`` for a model name, else ``where`` as given (``delete from x``)."""
    return f"sql/{where}.sql" if (SQL_DIR / f"{where}.sql").is_file() else where


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
