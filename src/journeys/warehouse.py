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
from typing import Any, Literal

import duckdb
import polars as pl
import pyarrow as pa

from journeys.errors import WarehouseError, os_failure

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
SCHEMAS = ("raw", "staging", "intermediate", "marts")
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
    ) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        self.read_only = read_only
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
        try:
            self._con = duckdb.connect(
                str(self.path) if self.path else ":memory:", read_only=read_only, config=config
            )
        except duckdb.Error as exc:
            raise WarehouseError(_cannot_open(self.path, exc, config)) from exc
        self._run("SET TimeZone = 'UTC'")
        # a library draws no progress bars on stderr (Jupyter without ipywidgets refuses)
        with suppress(duckdb.InvalidInputException):
            self._con.execute("SET enable_progress_bar = false").fetchall()
        if not read_only:
            for schema in SCHEMAS:
                self._run(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")

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
        except BaseException:
            self._run("ROLLBACK")
            raise
        self._run("COMMIT", what="commit the transaction")

    @contextmanager
    def insertion_order(self, *, preserve: bool) -> Iterator[None]:
        """Inside the block, tables keep (or need not keep) the order rows were produced in.
        ``preserve=False`` lets DuckDB write in parallel and hold less in memory; use it only
        where every reader orders explicitly (the build: its models never rely on row order)."""
        before = self._run("SELECT current_setting('preserve_insertion_order')")[0][0]
        self._run(f"SET preserve_insertion_order = {'true' if preserve else 'false'}")
        try:
            yield
        finally:
            self._run(f"SET preserve_insertion_order = {'true' if before else 'false'}")

    # -- models --------------------------------------------------------------------------------
    def run_model(self, model: str, **params: Any) -> int:
        """Materialise ``sql/<layer>/<name>.sql`` as table ``<layer>.<name>``; return its rows."""
        layer, name = _model_target(model)
        body = _strip_trailing(read_sql(model))
        table = f"{quote_ident(layer)}.{quote_ident(name)}"
        self._execute(
            f"CREATE OR REPLACE TABLE {table} AS\n{body}", _bind(body, params, model), model
        )
        return self.count(f"{layer}.{name}")

    def run_view(self, model: str) -> None:
        """Define ``sql/<layer>/<name>.sql`` (parameterless) as view ``<layer>.<name>``, replacing
        a table of that name: for a model its readers scan once or twice, narrowly, where
        writing every row would cost more than computing it again."""
        layer, name = _model_target(model)
        body = _strip_trailing(read_sql(model))
        _bind(body, {}, model)  # a view cannot hold parameters
        if f"{layer}.{name}" in self.query("queries/base_tables", catalog=None)["name"]:
            self.drop_table(f"{layer}.{name}")  # written by builds before this one
        view = f"{quote_ident(layer)}.{quote_ident(name)}"
        self._execute(f"CREATE OR REPLACE VIEW {view} AS\n{body}", None, model)

    def append_model(self, model: str, **params: Any) -> int:
        """Append the SELECT of ``sql/<layer>/<name>.sql`` to the existing table ``<layer>.<name>``
        (columns matched by name); return the rows appended."""
        layer, _, name = model.partition("/")
        body = _strip_trailing(read_sql(model))
        table = f"{quote_ident(layer)}.{quote_ident(name)}"
        before = self.count(f"{layer}.{name}")
        self._execute(f"INSERT INTO {table} BY NAME\n{body}", _bind(body, params, model), model)
        return self.count(f"{layer}.{name}") - before

    def delete_keys(
        self, table: str, *, column: str, keys: str, also: Mapping[str, object] | None = None
    ) -> None:
        """Delete the rows of ``table`` whose ``column`` value is in the same column of ``keys``
        (and, with ``also``, whose columns equal those values: bound parameters)."""
        col, source = quote_ident(column), quote_ident(keys)
        where = [f"{col} IN (SELECT {col} FROM {source})"]
        params = {f"v{i}": value for i, value in enumerate((also or {}).values())}
        where += [f"{quote_ident(name)} = $v{i}" for i, name in enumerate(also or {})]
        self._execute(
            f"DELETE FROM {quote_ident(table)} WHERE {' AND '.join(where)}",
            params or None,
            f"delete from {table}",
        )

    def delete_where(self, table: str, *, column: str, value: object) -> None:
        """Delete the rows of ``table`` whose ``column`` equals ``value`` (a bound parameter)."""
        self._execute(
            f"DELETE FROM {quote_ident(table)} WHERE {quote_ident(column)} = $value",
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
        """Run one statement from ``sql/<model>.sql`` (an INSERT, DELETE or UPDATE)."""
        body = _strip_trailing(read_sql(model))
        self._execute(body, _bind(body, params, model), model)

    def run_script(self, model: str) -> None:
        """Run a parameterless multi-statement script such as ``ddl/raw``."""
        self._execute(read_sql(model), None, model)

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

    def view_temp(self, name: str, model: str) -> None:
        """``CREATE OR REPLACE TEMP VIEW name AS`` a parameterless model's SELECT: for a step
        read once, which need not be copied into a table first."""
        body = _strip_trailing(read_sql(model))
        self._execute(f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS\n{body}", None, model)

    def scalar(self, model: str, **params: Any) -> Any:
        """The single value of a one-row, one-column query file."""
        frame = self.query(model, **params)
        return frame.item() if frame.height else None

    # -- tables --------------------------------------------------------------------------------
    def table_exists(self, table: str) -> bool:
        schema, _, name = table.rpartition(".")
        rows = self._run(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = $schema AND table_name = $name",
            {"schema": schema or "main", "name": name},
        )
        return bool(rows[0][0])

    def columns(self, table: str) -> list[str]:
        schema, _, name = table.rpartition(".")
        found = self.query(
            "queries/table_columns", catalog=None, schema=schema or "main", name=name
        )
        return found["column_name"].to_list()

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
        cols = ", ".join(quote_ident(c) for c in columns) if columns else "*"
        order = f" ORDER BY {', '.join(quote_ident(c) for c in order_by)}" if order_by else ""
        return self._fetch(f"SELECT {cols} FROM {quote_ident(table)}{order}", None, f"read {table}")

    def scan_table(self, table: str, *, columns: Sequence[str] | None = None) -> pl.LazyFrame:
        """A lazy frame over a table: each collect reads it in batches (filters and projections
        apply per batch), so a large table never sits in memory whole."""
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
        view = f"_frame_{uuid.uuid4().hex}"
        data = frame.to_arrow() if isinstance(frame, pl.DataFrame) else frame
        self._con.register(view, data)
        try:
            target = quote_ident(table)
            if mode == "replace" or not self.table_exists(table):
                sql = f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {view}"
            else:
                sql = f"INSERT INTO {target} BY NAME SELECT * FROM {view}"
            self._run(sql, what=f"write {table}")
        finally:
            with suppress(duckdb.Error):  # an aborted transaction: the write's error tells why
                self._con.unregister(view)
        return data.num_rows

    @contextmanager
    def attached(self, other: Path, *, alias: str) -> Iterator[None]:
        """Another warehouse file, read-only, as catalog ``alias`` inside the block."""
        self._run(
            f"ATTACH $path AS {quote_ident(alias)} (READ_ONLY)",
            {"path": str(other)},
            what=f"attach {other}",
        )
        try:
            yield
        finally:
            self._run(f"DETACH {quote_ident(alias)}")

    def measure(self, table: str, measures: Sequence[str]) -> tuple[Any, ...]:
        """One row of aggregates over a table: ``measures`` are SQL expressions whose
        identifiers the caller quoted with ``quote_ident`` (publish.py's row fingerprints)."""
        sql = f"SELECT {', '.join(measures)} FROM {quote_ident(table)}"
        return self._run(sql, what=f"measure {table}")[0]

    def copy_table(self, source: str, target: str) -> None:
        """``CREATE OR REPLACE TABLE target AS SELECT * FROM source`` (``source`` may be in an
        attached catalog: ``catalog.schema.name``)."""
        self._run(
            f"CREATE OR REPLACE TABLE {quote_ident(target)} AS SELECT * FROM {quote_ident(source)}",
            what=f"copy {source} to {target}",
        )

    def drop_table(self, table: str) -> None:
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
            folder = self.path.parent if self.path is not None else None
            raise WarehouseError(_failure(_label(where), exc, folder)) from exc


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
        fix = "a table or column it reads is missing or changed; rebuild with `journeys build --full`"
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
