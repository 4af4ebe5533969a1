"""The gateway: ``Warehouse`` runs the model and query files of ``sql/`` (materialised as
tables or views, appended, run as statements and scripts, read as frames, rows or values)
over its tables (``tables.py``), stored tables (``storage.py``) and connection
(``connection.py``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import duckdb

from journeys.errors import WarehouseError
from journeys.warehouse.connection import _rows
from journeys.warehouse.failures import _failure
from journeys.warehouse.sqltext import (
    _DELETE,
    _bind,
    _label,
    _model_target,
    _strip_trailing,
    _without_comments,
    _without_line_comments,
    quote_ident,
    quote_part,
    read_sql,
)
from journeys.warehouse.storage import _view_sql
from journeys.warehouse.tables import Tables

if TYPE_CHECKING:
    import polars as pl

DDL_APPLIED = "SELECT 1 FROM raw.ddl_scripts WHERE script = $script AND sha256 = $sha256"
DDL_RECORD = "INSERT OR REPLACE INTO raw.ddl_scripts VALUES ($script, $sha256)"


class Warehouse(Tables):
    """A DuckDB warehouse file (or ``:memory:``), with the layered schemas created on open."""

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
        """Run a parameterless multi-statement script such as ``ddl/raw`` (``once``: an
        idempotent set-up, not run again on this connection, nor on a work file that has run
        this very text before: ``raw.ddl_scripts``; its macros alone cost about 50 ms a run)."""
        if once and model in self._scripts_run:
            return
        text = read_sql(model)
        recorded = once and self.data is not None and not self.read_only
        digest = hashlib.sha256(text.encode()).hexdigest()
        if recorded and self._run(DDL_APPLIED, {"script": model, "sha256": digest}):
            self._scripts_run.add(model)
            return
        with self.transaction():
            self._execute(text, None, model)  # one commit: 40 macros each committed take 50 ms
            if recorded:
                self._run(DDL_RECORD, {"script": model, "sha256": digest}, what=_label(model))
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

    def insert_select(
        self,
        target: str,
        source: str,
        *,
        columns: Sequence[str],
        where: str,
        order_by: str | None = None,
    ) -> int:
        """Append ``columns`` of temp/table ``source`` to ``target`` for rows where the boolean
        column ``where`` is true, in the order of column ``order_by`` if given; return the rows
        appended."""
        cols = ", ".join(quote_ident(c) for c in columns)
        order = f" ORDER BY {quote_ident(order_by)}" if order_by else ""
        before = self.count(target)
        self._execute(
            f"INSERT INTO {quote_ident(target)} ({cols}) SELECT {cols} FROM {quote_ident(source)} "
            f"WHERE {quote_ident(where)}{order}",
            None,
            f"insert into {target}",
        )
        return self.count(target) - before

    def drop_temp(self, *names: str) -> None:
        """Drop these temp tables and views, those that exist: outside a transaction each by
        name (a view made here as a view, any other name as a table: DuckDB's own rejects
        tables), without listing the catalog, which costs 7-10 ms on a work file just opened."""
        if self.in_transaction:  # a failed drop would abort it: drop only what is listed
            temps = {
                (r[0], r[1])
                for r in self._run(
                    "SELECT table_name, table_type FROM information_schema.tables "
                    "WHERE table_catalog = 'temp'"
                )
            }
        drops = []
        for name in names:
            target = f"temp.main.{quote_ident(name)}"
            if self.in_transaction:
                if (name, "VIEW") in temps:
                    drops.append(f"DROP VIEW {target}")
                elif (name, "LOCAL TEMPORARY") in temps or (name, "BASE TABLE") in temps:
                    drops.append(f"DROP TABLE {target}")
            elif name in self._temp_views:
                drops.append(f"DROP VIEW IF EXISTS {target}")
            else:
                drops.append(f"DROP TABLE IF EXISTS {target}")
        if drops:  # one statement, not a dozen (a file's load drops its temp tables twice)
            self._run("; ".join(drops), what=f"drop the temp tables {', '.join(names)}")
        for name in names:
            self._temp_views.discard(name)
            self._forget(name)

    def add_json_values(self, table: str, values: Mapping[str, tuple[str, str]]) -> None:
        """Add to temp table ``table`` a text column per ``values`` item: name -> (a JSON
        column of the table, a JSON path into it), NULL where the path names nothing."""
        params = {f"p{i}": path for i, (_, path) in enumerate(values.values())}
        added = ", ".join(
            f"json_extract_string({quote_ident(column)}, $p{i}) AS {quote_part(name)}"
            for i, (name, (column, _)) in enumerate(values.items())
        )
        target = quote_ident(table)
        self._run(
            f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT *, {added} FROM {target}",
            params,
            what=f"read nested values into {table}",
        )

    def create_temp_view(self, name: str, table: str) -> None:
        """A temp view aliasing ``table``, so one SQL file can serve several tables."""
        self._run(
            f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS SELECT * FROM {quote_ident(table)}"
        )
        self._temp_views.add(name)

    def file_view_temp(self, name: str, files: Sequence[str]) -> None:
        """``CREATE OR REPLACE TEMP VIEW name`` over Parquet files (a job's output)."""
        self._run(_view_sql(name, files, temp=True), what=f"read {name}")
        self._temp_views.add(name)

    def view_temp(self, name: str, model: str) -> None:
        """``CREATE OR REPLACE TEMP VIEW name AS`` a parameterless model's SELECT: for a step
        read once, which need not be copied into a table first."""
        body = _strip_trailing(read_sql(model))
        self._execute(f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS\n{body}", None, model)
        self._temp_views.add(name)

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
        """Every row of a (small) query file as tuples: no frame, so no polars import."""
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
        bookkeeping queries of every command, which need no frame (and so no polars)."""
        body = _strip_trailing(read_sql(model))
        rows = self._run(body, _bind(body, params, model), what=_label(model))
        return rows[0] if rows else None
