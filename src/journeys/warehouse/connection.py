"""The warehouse's DuckDB connection: opening the file (schemas set up), closing and releasing
it, transactions, and running one statement with a one-line failure (``_run``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import duckdb

from journeys.errors import WarehouseError, os_failure
from journeys.warehouse.failures import _cannot_open, _failure, _first_words
from journeys.warehouse.sqltext import SCHEMAS, _label, quote_ident, read_sql

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

    from journeys.warehouse.storage import StoredFile

PARTITION_FLUSH_ROWS = 20_000
"""Rows a thread gathers for one partition of a ``PARTITION_BY`` write (``int_events`` in its
hash buckets, ``journeys export`` by month) before it hands them to the partition's file.
DuckDB's default, 524,288, holds up to that many rows of every partition on every thread:
``int_events`` of 10M events in 16 buckets on two threads, the statement alone, peak RSS 2,282
→ 819 MiB and 5.96–6.14 → 5.73–5.86 s under a 6 GB memory limit; under 450–600 MB (the
pressure a 100M build's 6 GB limit puts on it) 8.25–8.96 → 6.44–6.57 s (one file: 5.03 s).
``marts.events`` of 10M exported by month: 7.9–10.3 → 7.2–7.3 s, peak RSS 2,932 → 410 MiB.
10,000–50,000 rows measured alike, 122,880 as the default. The files' row groups are smaller
(46,000 rows against 122,880 at 10M) and read as fast."""


class Connection:
    """The DuckDB connection under a ``Warehouse``: opened with the layered schemas created,
    closed, released, in transactions; every statement runs through ``_run``."""

    # long: every field of a connection's state is declared here, with what it holds
    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        read_only: bool = False,
        threads: int | None = None,
        memory_limit: str | None = None,
        temp_directory: str | Path | None = None,
        data: str | Path | None = None,
        host: Connection | None = None,
    ) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        self._host = host
        """With a host: an in-memory database attached to the host's DuckDB, on a connection
        of its own (``_connect``), instead of a DuckDB of its own."""
        self._lane: str | None = None
        self._home = ""
        self.read_only = read_only
        self._scripts_run: set[str] = set()
        self.in_transaction = False
        """Whether ``transaction`` has begun one that has not ended (DuckDB does not nest them)."""
        self._preserve_order = True  # DuckDB's default; changed only by insertion_order()
        self._threads: int | None = None  # set only inside threads(): DuckDB's own otherwise
        if host is not None:  # the settings are the host's DuckDB's, shared
            self._preserve_order, self._threads = host._preserve_order, host._threads
        self.stored_changed = False
        """Whether this connection has changed any stored table's files (publish: whether the
        published catalog may already be current)."""
        self._existing: set[tuple[str, str]] = set()
        """(schema, name) of the tables and views last listed here, less those dropped since:
        ``table_exists`` lists them again only for a name it does not find."""
        self._listing_current = False
        """Whether no statement has run since ``_existing`` was listed whole: a name not in
        it is then not there, without listing again."""
        self._temp_views: set[str] = set()
        """The temp views made here (``drop_temp`` drops any other temp name as a table)."""
        self._described: dict[str, list[tuple[str, str]]] = {}
        """(column, type) of stored tables' views as described here, until their files change."""
        self._frame_columns: dict[str, tuple[object, list[tuple[str, str]]]] = {}
        """Per stored table, a polars schema whose Parquet file (written by polars) was found to
        have the table's described columns, with those columns: a frame of the same schema
        needs no look at its file (``_store_frame``)."""
        self._files: dict[str, list[StoredFile]] | None = None
        """raw.data_files as last read or written here (only this writer changes it): each
        stored table's files without a query per look-up; forgotten on rollback or reconnect."""
        self._unrecorded: dict[str, list[StoredFile]] = {}
        """Stored tables whose new files a transaction has not yet written into raw.data_files:
        written in one statement before the commit or a read of it (``Storage._point_many``)."""
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
        self._unrecorded = {}
        self._described = {}
        self._existing = set()
        self._listing_current = False
        self._temp_views = set()  # temp objects do not outlive the connection
        if self._host is not None:
            self._attach_to(self._host)
        else:
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
        # memory DuckDB frees goes back to the system in the background, not only when DuckDB
        # allocates again: a step that hands large results to polars (compare) keeps hundreds
        # of MiB less resident
        setup.append("SET allocator_background_threads = true")
        setup.append(f"SET partitioned_write_flush_threshold = {PARTITION_FLUSH_ROWS}")
        if not self._preserve_order:
            setup.append("SET preserve_insertion_order = false")
        if self._threads is not None:
            setup.append(f"SET threads = {int(self._threads)}")
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
    def _attach_to(self, host: Connection) -> None:
        """An in-memory database attached to ``host``'s DuckDB and used by a connection of its
        own: a new DuckDB builds its catalog of built-in functions (13 ms; a small build's path
        job paid it for 1,000 events), this costs 0.5 ms. Its tables are apart from the host's
        (every look-up here is of the connection's own catalog); its settings are shared."""
        self._con = host._con.cursor()
        self._home = str(self._con.execute("SELECT current_database()").fetchall()[0][0])
        self._lane = f"lane_{uuid.uuid4().hex[:12]}"
        lane = quote_ident(self._lane)
        self._con.execute(f"ATTACH ':memory:' AS {lane}; USE {lane}").fetchall()

    def close(self) -> None:
        if self._lane is not None:  # the host goes on: its catalog lets go of the lane's
            with suppress(duckdb.Error):
                self._con.execute(
                    f"USE {quote_ident(self._home)}; DETACH {quote_ident(self._lane)}"
                ).fetchall()
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record_files(self) -> None:
        """Write the stored tables' files a transaction has not yet recorded (``StoredTables``
        does; a bare connection stores none)."""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """What the block writes, committed together at its end (with the files it stored
        recorded), or not at all. Inside another transaction's block it is part of that one."""
        if self.in_transaction:
            yield
            return
        self._run("BEGIN TRANSACTION")
        self.in_transaction = True
        try:
            yield
            self.record_files()
            self.in_transaction = False
            self._run("COMMIT", what="commit the transaction")
        except BaseException:
            self.in_transaction = False
            self._unrecorded = {}
            self._files = None  # the catalog is as it was before the transaction
            self._described = {}
            self._existing = set()
            self._listing_current = False
            with suppress(WarehouseError):  # a failed COMMIT has rolled back already
                self._run("ROLLBACK")
            raise

    def commit_so_far(self) -> None:
        """Inside a transaction: commit what it wrote so far and go on in a new one. A table's
        rowids number its rows from 0 only once it is committed (DuckDB numbers the rows a
        transaction adds from 2**55 until then)."""
        if not self.in_transaction:
            return
        self.record_files()
        self._run("COMMIT; BEGIN TRANSACTION", what="commit the transaction")

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

    @contextmanager
    def threads(self, count: int | None) -> Iterator[None]:
        """Inside the block, DuckDB runs statements on ``count`` threads (None: as configured).
        One thread for small work: each statement's tasks otherwise wake the other cores, which
        costs more than they save on a few thousand rows (journeys/cores.py)."""
        if count is None or count == self._threads:
            yield
            return
        before = self._threads
        self._run(f"SET threads = {int(count)}")
        self._threads = count
        try:
            yield
        finally:
            restore = before or self._config.get("threads")
            self._run(f"SET threads = {int(restore)}" if restore else "RESET threads")
            self._threads = before

    @contextmanager
    def _registered(self, frame: pl.DataFrame | pa.Table) -> Iterator[str]:
        """A frame as a view of this connection for the block; yields its name."""
        view = f"_frame_{uuid.uuid4().hex}"
        # registered through the Arrow PyCapsule interface: no pyarrow import (0.1-0.15 s of
        # every command) for a frame that DuckDB reads as is
        stream = _ArrowStream(frame)
        self._con.register(view, stream)
        try:
            yield view
        finally:
            with suppress(duckdb.Error):  # an aborted transaction: the write's error tells why
                self._con.unregister(view)
            # inside a transaction DuckDB holds the registered object until the commit: without
            # the frame, so that every frame written in a long transaction is not kept in memory
            stream.release()

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
        self._listing_current = False  # it may create a table or view
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
            return _frame(self._con.sql(sql, params=dict(params) if params else None))
        except duckdb.Error as exc:
            raise WarehouseError(_failure(_label(where), exc, self._folder())) from exc

    def _folder(self) -> Path | None:
        return self.path.parent if self.path is not None else None


def _frame(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """A query's result as a polars frame, read from its Arrow stream by polars itself.

    DuckDB's ``.pl()`` converts through pyarrow, whose import (30 ms) every command that reads
    a frame paid. The stream is DuckDB's same Arrow export, so the types are the same. It is
    handed to polars' own reader, not to ``pl.DataFrame(relation)``: that constructor's checks
    leave DuckDB's module behind at the interpreter's end, and DuckDB's bindings then print
    "nanobind: leaked 27 instances" at every exit of a process that read a frame (its memory
    does not grow: 1,000 reads of 100,000 rows kept the same RSS). polars' reader is not public
    API; where a polars release renames it, ``.pl()`` reads the frame as before, as it does an
    INTERVAL, which polars' reader cannot hold (it panics where ``.pl()`` raises)."""
    frame: pl.DataFrame
    if any("INTERVAL" in str(kind) for kind in relation.types):
        frame = relation.pl()
        return frame
    import polars as pl

    try:
        from polars._plr import PySeries
        from polars._utils.wrap import wrap_df
    except ImportError:  # pragma: no cover - another polars
        frame = relation.pl()
        return frame
    try:
        frame = wrap_df(PySeries.from_arrow_c_stream(relation).struct_unnest())
    except pl.exceptions.ComputeError as exc:  # DuckDB failed while polars read its batches
        raise _streamed_failure(exc) from None
    return frame


_STREAMED = "got external error: "
"""How polars words an error the Arrow stream's producer (DuckDB) raised while it was read."""
_DUCKDB_ERRORS: dict[str, type[duckdb.Error]] = {
    "Out of Memory Error": duckdb.OutOfMemoryException,
    "IO Error": duckdb.IOException,
    "Conversion Error": duckdb.ConversionException,
    "Invalid Input Error": duckdb.InvalidInputException,
    "Constraint Error": duckdb.ConstraintException,
    "Permission Error": duckdb.PermissionException,
    "Interrupt Error": duckdb.InterruptException,
}


def _streamed_failure(exc: Exception) -> Exception:
    """DuckDB's own exception for an error it raised in a later batch of a result polars read
    (the first batch's errors reach the caller as DuckDB raised them), so that the failure is
    the one line with its fix that ``.pl()`` gave (an out-of-memory one names memory_limit)."""
    text = str(exc)
    if not text.startswith(_STREAMED):
        return exc
    message = text[len(_STREAMED) :]
    return _DUCKDB_ERRORS.get(message.split(":", 1)[0], duckdb.Error)(message)


def _rows(result: list[tuple[Any, ...]]) -> int:
    """The row count a CREATE TABLE AS, INSERT, DELETE or COPY statement returns."""
    return int(result[0][0]) if result and result[0] and result[0][0] is not None else 0


class _ArrowStream:
    """A frame seen only as an Arrow stream (``__arrow_c_stream__``), so DuckDB scans it
    without converting it through pyarrow."""

    def __init__(self, frame: pl.DataFrame | pa.Table) -> None:
        self._frame: pl.DataFrame | pa.Table | None = frame

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        if self._frame is None:
            raise WarehouseError("a frame was read after its statement ended")
        return self._frame.__arrow_c_stream__(requested_schema)

    def release(self) -> None:
        """Let go of the frame (DuckDB may hold this object longer than the statement)."""
        self._frame = None
