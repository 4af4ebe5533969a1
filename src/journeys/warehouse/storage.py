"""Stored tables (ADR 0004): with a data folder, the marts and ``STORED_TABLES`` are Parquet
files behind views of the same names, listed in ``raw.data_files``; here they are written,
adopted, rewritten without deleted rows, merged, and pointed at, and a publish's files are
remembered. Every statement runs through the connection's ``_run``."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeGuard

from journeys.errors import WarehouseError, os_failure
from journeys.warehouse.connection import Connection, _rows
from journeys.warehouse.sqltext import (
    SCHEMAS,
    _bind,
    _label,
    _strip_trailing,
    enum_replace,
    quote_ident,
    quote_literal,
    read_sql,
)

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

STORED_TABLES = (
    "intermediate.int_events",
    "intermediate.int_customer_profiles",
    "intermediate.int_case_horizons",
    "intermediate.part_variants",
    "intermediate.part_subpaths",
    "intermediate.part_pairs",
    "intermediate.int_variant_durations",
    "intermediate.int_pair_times",
    "intermediate.compare_journeys",
    "intermediate.compare_changed",
    "intermediate.map_alignments",
    "intermediate.map_step_seconds",
    "intermediate.map_sla_breaches",
    "intermediate.map_channel_switches",
)
"""Tables outside ``marts`` that a warehouse with a data folder keeps as Parquet files."""
LOOSE_FILES = 8
"""A stored table's appended files (no partition, no key value) are merged beyond this many."""
DATA_FILES = "raw.data_files"
"""The work file's list of the Parquet files of each stored table (ADR 0004)."""
PARQUET = "FORMAT parquet, PARQUET_VERSION 'V2', DICTIONARY_SIZE_LIMIT 2048"
"""How DuckDB writes the warehouse's own Parquet files: version 2 encodes integers and times
as deltas and unique texts (ids, keys) with their lengths apart. int_events of 1M events, on
one thread: 0.43 → 0.37 s, 32.8 → 24.7 MB; DuckDB reads them as fast or faster, polars and
pyarrow read them too. ``journeys export`` writes version 1, which every tool reads.

A column of more than 2,048 distinct values in a row group (ids, keys: event, customer,
journey, session, case) is written without a dictionary: DuckDB otherwise builds one of up to
some 30,000 entries before it gives it up, for every such column of every row group. The
few-valued texts (touchpoints, channels, teams) keep theirs. ``build --full``, old and new
alternating on twin warehouses: 10M events 42.4 → 38.3 s (80.6 → 73.4 CPU-s, four pairs),
1M 3.72 → 3.55 s, 250,000 3.4 % less; the files 2-3 % larger; compare reads them as fast."""


class StoredFile(NamedTuple):
    """One Parquet file of a stored table: its path, rows and customer-hash part (or None)."""

    file: str
    rows: int
    part: int | None
    label: str | None = None
    """The value of the key column every row of the file has (``replace_rows``), if known."""


class StoredTables(Connection):
    """The stored-table part of a ``Warehouse`` (which defines the two methods named below)."""

    if TYPE_CHECKING:  # the gateway's, which a stored table's steps call back

        def table_exists(self, table: str) -> bool: ...

        def run_model(self, model: str, **params: Any) -> int: ...

    def is_stored(self, table: str) -> bool:
        """Whether ``table`` is Parquet files behind a view (a warehouse with a data folder)."""
        return self.data is not None and (table.startswith("marts.") or table in STORED_TABLES)

    def stored_files(self, table: str | None = None) -> dict[str, list[StoredFile]]:
        """The files of each stored table (or of ``table``), in the order its view reads them."""
        if self._files is None:
            self.record_files()
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

    def described(self, table: str) -> list[tuple[str, str]]:
        """(column, type) of a stored table's view, described once until its files change (a
        compare read the same table's columns seven times)."""
        if table not in self._described:
            rows = self._run(f"DESCRIBE {quote_ident(table)}", what=f"columns of {table}")
            self._described[table] = [(r[0], r[1]) for r in rows]
        return list(self._described[table])

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
        return self.adopt_tables({table: files}, keep=keep)[table]

    def adopt_tables(
        self, tables: Mapping[str, Sequence[tuple[Path | str, int | None]]], *, keep: bool = False
    ) -> dict[str, int]:
        """``adopt_files`` for several tables at once (the marts of a path build): their files'
        rows read in one statement, recorded in one, their views defined in one script.
        Returns the rows of each table's ``files``."""
        names = [str(f) for files in tables.values() for f, _ in files]
        rows = dict(
            self._run(
                "SELECT file_name, num_rows FROM parquet_file_metadata($files)",
                {"files": names},
                what=f"read the files of {', '.join(tables)}",
            )
            if names
            else []
        )
        pointed, adopted = {}, {}
        for table, files in tables.items():
            found = [StoredFile(str(f), int(rows.get(str(f), 0)), part) for f, part in files]
            parts = {part for _, part in files}
            current = self.stored_files(table).get(table, []) if keep else []
            kept = [f for f in current if f.part not in parts]
            pointed[table] = sorted([*kept, *found], key=lambda f: (f.part is None, f.part or 0))
            adopted[table] = sum(f.rows for f in found)
        self._point_many(pointed)
        return adopted

    def share_files(self, table: str, source: str) -> bool:
        """Make stored ``table`` read the files ``source`` reads now, as they are: a data file
        is never changed once written (a step writes new ones), so ``table`` keeps these rows
        after ``source`` moves on, and the garbage collector keeps the files while either
        lists them. Nothing is copied. False (nothing done): one of the two is not stored, or
        ``source`` has no files."""
        files = self.stored_files(source).get(source, []) if self.is_stored(source) else []
        if not files or not self.is_stored(table):
            return False
        self._point(table, files)
        return True

    def store_parts(
        self,
        table: str,
        model: str,
        *,
        parts: int,
        key: str,
        texts: Mapping[str, Sequence[str]] | None = None,
        **params: Any,
    ) -> int:
        """Write a model's SELECT as the files of stored ``table``, one or more per hash bucket
        of column ``key`` (``hash(key) % parts``), in one pass; returns the rows written.
        ``texts``: as ``export_parts``."""
        if self.data is None:
            return self.run_model(model, **params)
        folder = self.new_data_file(table).with_suffix("")
        found = self.export_parts(model, folder, parts=parts, key=key, texts=texts, **params)
        return self.adopt_files(table, found)

    def export_parts(
        self,
        model: str,
        folder: Path,
        *,
        parts: int,
        key: str,
        texts: Mapping[str, Sequence[str]] | None = None,
        **params: Any,
    ) -> list[tuple[Path, int]]:
        """Write a model's SELECT as Parquet files under ``folder``, one or more per hash bucket
        of column ``key``, in one pass; returns (file, bucket) of each file (an empty result:
        one empty file of bucket 0, which keeps the columns). ``texts``: text columns written
        as ENUMs of every value they hold (``enum_replace``): the same Parquet column of text,
        encoded several times faster."""
        body = _strip_trailing(read_sql(model))
        bound = _bind(body, params, model)
        if texts:
            body = f"SELECT {enum_replace(texts)} FROM (\n{body}\n)"
        folder.parent.mkdir(parents=True, exist_ok=True)
        if parts == 1:  # one file: PARTITION_BY would cost about half as much again (10M rows)
            folder.mkdir(exist_ok=True)
            one = folder / "data_0.parquet"
            self._run(
                f"COPY ({body}) TO $journeys_out ({PARQUET})",
                {**bound, "journeys_out": str(one)},
                what=_label(model),
                writes=folder,
            )
            return [(one, 0)]
        select = f"SELECT *, hash({quote_ident(key)}) % {int(parts)} AS journeys_part FROM ({body})"
        self._run(
            f"COPY ({select}) TO $journeys_out ({PARQUET}, PARTITION_BY (journeys_part))",
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
                f"COPY (SELECT * FROM ({body}) LIMIT 0) TO $journeys_out ({PARQUET})",
                {**bound, "journeys_out": str(empty)},
                what=_label(model),
            )
            found = [(empty, 0)]
        return found

    def define_stored_view(
        self,
        table: str,
        files: Sequence[str],
        *,
        where: str | None = None,
        texts: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``CREATE OR REPLACE VIEW table`` over these Parquet files (a published catalog), of
        the rows ``where`` holds for (a SQL condition; None: every row); ``texts``: text
        columns read as ENUMs of the values listed (``enum_replace``)."""
        sql = _view_sql(table, files, where=where, texts=texts)
        try:
            self._run(sql, what=f"define {table}")
        except WarehouseError:
            if not self.table_exists(table):
                raise
            # a table of that name from a build before stored tables: replaced by the view
            self._run(f"DROP TABLE {quote_ident(table)}", what=f"drop {table}")
            self._run(sql, what=f"define {table}")

    def write_catalog(self, path: Path, tables: Mapping[str, Sequence[str]]) -> None:
        """A new DuckDB file at ``path`` holding the layered schemas and, for each table, a view
        over its Parquet files (a published catalog: ADR 0004), written through this connection
        (ATTACH, one transaction, DETACH, which checkpoints it): a second DuckDB instance took
        25-30 ms of every publishing command to start and close."""
        alias = quote_ident(CATALOG_ALIAS)
        self._run(f"ATTACH {quote_literal(str(path))} AS {alias}", what=f"create {path.name}")
        try:
            statements = [f"CREATE SCHEMA IF NOT EXISTS {alias}.{quote_ident(s)}" for s in SCHEMAS]
            statements += [
                _view_sql(f"{CATALOG_ALIAS}.{name}", files) for name, files in tables.items()
            ]
            self._run(
                ";\n".join(["BEGIN TRANSACTION", *statements, "COMMIT"]),
                what=f"define the views of {path.name}",
            )
        except WarehouseError:
            with suppress(WarehouseError):  # no transaction left open to roll back
                self._run("ROLLBACK")
            raise
        finally:
            self._run(f"DETACH {alias}", what=f"close {path.name}")

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

    def newest_published(self) -> list[str]:
        """The files the newest published catalog reads, as recorded (none: never published)."""
        rows = self._run(
            "SELECT file FROM raw.published_files "
            "WHERE generation = (SELECT max(generation) FROM raw.published_files)"
        )
        return [r[0] for r in rows]

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

    def relocate(self, old: Path, new: Path) -> None:
        """Point every stored table at its files in data folder ``new``: the work file's were
        written in ``old``, and its warehouse folder was moved or copied with its data folder
        (a file recorded outside ``old`` stays as it is). Raises WarehouseError naming both
        folders when files are not in ``new`` (the work file came without its data folder), and
        changes nothing then."""
        before, after = f"{old}{os.sep}", f"{new}{os.sep}"
        moved = {
            name: [
                f._replace(file=after + f.file[len(before) :]) if f.file.startswith(before) else f
                for f in files
            ]
            for name, files in self.stored_files().items()
        }
        files = [f.file for fs in moved.values() for f in fs]
        missing = [f for f in files if not os.path.exists(f)]
        if missing:
            raise WarehouseError(
                f"{self.path}: its data files were written in {old}, and {len(missing)} of "
                f"{len(files)} are not in {new} (such as {missing[0]}): the warehouse was moved "
                f"or copied without its data folder; copy {old} to {new}, then run again (if "
                f"{old} is gone, rebuild: move {new.parent} aside and load your files again "
                "with `journeys run`)"
            )
        viewed = {name: fs for name, fs in moved.items() if self.is_stored(name)}
        with self.transaction():
            if viewed:
                self._point_many(viewed)
            if len(viewed) < len(moved):  # a file only the published catalog reads (rejects)
                self._point_many({n: fs for n, fs in moved.items() if n not in viewed}, view=False)

    def referenced_files(self) -> list[str]:
        """Every data file a catalog refers to: the work file's and the last two published."""
        self.record_files()
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
        merge: bool = True,
    ) -> int:
        """Write a SELECT as a new Parquet file of ``table``; the file replaces the table's
        files or joins them (``append``: its columns cast to the table's, by name), or joins
        the files ``keep`` (the same cast). ``label``: the one key value of its rows;
        ``merge``: its value's appended files are merged when too many (``_compacted``)."""
        current = self._current_files(table, append=append, keep=keep)
        if current:
            cast = ", ".join(
                f"CAST({quote_ident(c)} AS {t}) AS {quote_ident(c)}"
                for c, t in self.described(table)
            )
            body = f"SELECT {cast} FROM (\n{body}\n)"
        file = self.new_data_file(table)
        bound = {**(params or {}), "journeys_out": str(file)}
        rows = _rows(
            self._run(
                f"COPY (\n{body}\n) TO $journeys_out ({PARQUET})",
                bound,
                what=_label(what),
                writes=file.parent,
            )
        )
        new = StoredFile(str(file), rows, None, label)
        self._add_file(table, current, new, view=view, merge=merge)
        return rows

    def _store_frame(
        self,
        table: str,
        frame: pl.DataFrame | pa.Table,
        what: str,
        *,
        append: bool = False,
        keep: Sequence[StoredFile] | None = None,
        label: str | None = None,
    ) -> int:
        """``_store`` of a polars frame, written by polars itself: two to three times faster
        than DuckDB's COPY of the frame (a compare's 40,000 map_journeys rows 33 -> 10 ms, a
        20-row mart 3.2 -> 1.7 ms), with the same Parquet types. A frame holding a type that
        polars writes otherwise (a Duration is an integer there, an INTERVAL in DuckDB's) goes
        through DuckDB, as does an Arrow table; so does a file that would join the table's files
        with other columns than theirs (they are cast to the table's, as ``_store`` casts
        them). Files of one ``label`` are merged when appends made too many (not the parts of a
        ``replace_rows``, written with ``keep``)."""
        current = self._current_files(table, append=append, keep=keep)
        merge = keep is None
        if not _is_polars_frame(frame) or not all(map(_written_alike, frame.schema.values())):
            with self._registered(frame) as view:
                body = f"SELECT * FROM {view}"
                return self._store(table, body, None, what, keep=current, label=label, merge=merge)
        file = self.new_data_file(table)
        try:
            frame.write_parquet(file, compression="snappy")
        except OSError as exc:
            raise WarehouseError(os_failure(file, exc, doing=f"{what}: write")) from None
        if current and not self._has_columns(table, frame, file):
            try:
                body = f"SELECT * FROM read_parquet({quote_literal(str(file))})"
                return self._store(table, body, None, what, keep=current, label=label, merge=merge)
            finally:
                file.unlink(missing_ok=True)
        new = StoredFile(str(file), frame.height, None, label)
        self._add_file(table, current, new, merge=merge)
        return frame.height

    def _current_files(
        self, table: str, *, append: bool, keep: Sequence[StoredFile] | None
    ) -> list[StoredFile]:
        """The files a new file of ``table`` joins: ``keep``, else its files when appending."""
        if keep is not None:
            return list(keep)
        return self.stored_files(table).get(table, []) if append else []

    def _has_columns(self, table: str, frame: pl.DataFrame, file: Path) -> bool:
        """Whether ``file`` (``frame`` as polars wrote it) has the columns of stored ``table``:
        looked at once per frame schema (a compare writes each map's rows of a mart in turn)."""
        columns = self.described(table)
        if self._frame_columns.get(table) == (frame.schema, columns):
            return True
        if _parquet_columns(frame.schema) == columns:  # as DuckDB reads polars' file
            self._frame_columns[table] = (frame.schema, columns)
            return True
        rows = self._run(
            "DESCRIBE SELECT * FROM read_parquet($f)", {"f": str(file)}, what=f"read {file}"
        )
        if [(r[0], r[1]) for r in rows] != columns:
            return False
        self._frame_columns[table] = (frame.schema, columns)
        return True

    def _add_file(
        self,
        table: str,
        current: list[StoredFile],
        new: StoredFile,
        *,
        view: bool = True,
        merge: bool = True,
    ) -> None:
        """``new`` joins ``current`` as the files of ``table`` (merged if too many: files of no
        key value always, those of ``new``'s with ``merge``)."""
        files = self._compacted(table, [*current, new], merge=merge)
        # the view takes its columns from its first file: the same one, and the new file cast
        # to them, the columns described before still hold (a compare wrote 14 such files)
        same = bool(current) and files[0].file == current[0].file
        self._point(table, files, view=view, same_columns=same)

    def _compacted(
        self, table: str, files: list[StoredFile], *, merge: bool = True
    ) -> list[StoredFile]:
        """``files``, with a run of the files of no partition and the new (last) file's key
        value merged into one when appends have made more than ``LOOSE_FILES`` of them (a
        micro-batch appends every few minutes; each file costs every reader a footer read). Which
        of them merge: ``_merge_run``; the merged file takes the run's place, so the value's rows
        keep their order."""
        label = files[-1].label
        loose = [f for f in files if f.part is None and f.label == label]
        if len(loose) <= LOOSE_FILES or (label is not None and not merge):
            return files
        first, end = _merge_run([f.rows for f in loose])
        merging = loose[first:end]
        merged = self.new_data_file(table)
        rows = _rows(
            self._run(
                f"COPY (SELECT * FROM read_parquet($files)) TO $journeys_out ({PARQUET})",
                {"files": [f.file for f in merging], "journeys_out": str(merged)},
                what=f"merge the files of {table}",
                writes=merged.parent,
            )
        )
        at = files.index(merging[0])  # the files before it are not merged
        kept = [f for f in files if f not in merging]
        return [*kept[:at], StoredFile(str(merged), rows, None, label), *kept[at:]]

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
                f"TO $journeys_out ({PARQUET})",
                {**(params or {}), "file": stored.file, "journeys_out": str(new)},
                what=f"delete from {table}",
                writes=new.parent,
            )
            # a file of one key value (replace_rows) still holds only that value's rows
            kept.append(StoredFile(str(new), _rows(left), stored.part, stored.label))
        self._point(table, kept, same_columns=True)  # each file as it was, less some rows

    def record_files(self) -> None:
        """Write the files ``_point_many`` has not yet written into raw.data_files."""
        tables, self._unrecorded = self._unrecorded, {}
        if not tables:
            return
        what = f"record the files of {', '.join(tables)}"
        # a delete and an insert, not INSERT OR REPLACE: its join and grouping set up hash
        # tables of ~20 MB for a few rows (8-10 ms of a small build's transaction)
        with self.transaction():
            self._run(
                f"DELETE FROM {DATA_FILES} WHERE list_contains($t, table_name)",
                {"t": list(tables)},
                what=what,
            )
            self._run(
                f"INSERT INTO {DATA_FILES} SELECT unnest($t), unnest($files), "
                "unnest($rows), unnest($parts), unnest($labels)",
                {
                    "t": list(tables),
                    "files": [[f.file for f in files] for files in tables.values()],
                    "rows": [[f.rows for f in files] for files in tables.values()],
                    "parts": [[f.part for f in files] for files in tables.values()],
                    "labels": [[f.label for f in files] for files in tables.values()],
                },
                what=what,
            )

    def _point(
        self,
        table: str,
        files: Sequence[StoredFile],
        *,
        view: bool = True,
        same_columns: bool = False,
    ) -> None:
        """Record ``files`` as the rows of stored ``table`` and point its view at them
        (``same_columns``: the view's columns are those ``described`` holds already)."""
        self._point_many({table: files}, view=view, same_columns=same_columns)

    def _point_many(
        self,
        tables: Mapping[str, Sequence[StoredFile]],
        *,
        view: bool = True,
        same_columns: bool = False,
    ) -> None:
        """Record each table's files as its rows and point the tables' views at them (one
        script; a table in a view's way is replaced one view at a time). In a transaction the
        records wait for ``record_files`` (before its commit, or a read of raw.data_files): one
        upsert of every table a step stored instead of one per table (1.7 ms each)."""
        self._unrecorded.update({table: list(files) for table, files in tables.items()})
        if not self.in_transaction:
            self.record_files()
        self.stored_changed = True
        for table, files in tables.items():
            if not same_columns:
                self._described.pop(table, None)
            if self._files is not None:
                self._files[table] = list(files)
        if not view:
            return
        script = ";\n".join(_view_sql(t, [f.file for f in files]) for t, files in tables.items())
        try:
            self._run(script, what=f"define {', '.join(tables)}")
        except WarehouseError:
            for table, files in tables.items():  # a table where a view belongs, or another
                self.define_stored_view(table, [f.file for f in files])  # failure named


CATALOG_ALIAS = "journeys_catalog"
"""The name a catalog being written is attached under (``write_catalog``)."""


def _merge_run(rows: Sequence[int]) -> tuple[int, int]:
    """Which of a table's files (their rows, oldest first) a merge takes: ``(first, end)``, the
    files ``first`` to ``end - 1``. The newest two neighbours of which the older holds at most
    twice the rows of the newer (files of like size merge, as a binary counter carries), and
    each older file before them that holds at most twice the rows taken; when each file holds
    more than twice the next one's rows, the two neighbours holding the fewest rows. A large
    old file is so written again only once the files after it hold half its rows, and a row a
    few times. Simulated on row counts (times each appended row is written again): 1,000 small
    appends to an empty table 4.4, after one file 100 times their total 4.5, 100,000 appends
    after a file of 10M rows 13.9; 100 micro-batches after a 10M-event compare's five files of a
    map's step seconds 8.6. Merging every loose file, as before, rewrote the oldest, largest one
    at every eighth append (62, 12,563, 1.26 million and 83 times): a map's kept step seconds of
    a 100M-event warehouse (8.75M rows) at every eighth micro-batch. Old files too unequal to
    merge that fill most of the places leave the newest few to merge at each append (seven such
    files each a tenth of the one before: 252 times)."""
    last = len(rows) - 2
    alike = (i for i in range(last, -1, -1) if rows[i] <= 2 * rows[i + 1])
    pair = next(alike, None)
    if pair is None:
        pair = min(range(last + 1), key=lambda i: rows[i] + rows[i + 1])
    first, held = pair, rows[pair] + rows[pair + 1]
    while first > 0 and rows[first - 1] <= 2 * held:
        first -= 1
        held += rows[first]
    return first, pair + 2


def _view_sql(
    table: str,
    files: Sequence[str],
    *,
    where: str | None = None,
    temp: bool = False,
    texts: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """``CREATE OR REPLACE [TEMP] VIEW table`` reading these Parquet files in list order (only
    the rows ``where`` holds for, when given; ``texts``: as ``enum_replace``)."""
    listed = ", ".join(quote_literal(str(f)) for f in files)
    return (
        f"CREATE OR REPLACE {'TEMP ' if temp else ''}VIEW {quote_ident(table)} AS "
        f"SELECT {enum_replace(texts or {})} "
        f"FROM read_parquet([{listed}], hive_partitioning = false)"
        + (f" WHERE {where}" if where else "")
    )


def _written_alike(kind: pl.DataType) -> bool:
    """Whether polars writes a column of this type to Parquet as DuckDB does (every type but a
    Duration, at any depth; an Object or Null column DuckDB does not take). Read by class name:
    the steps that write no frame never import polars."""
    if type(kind).__name__ in ("Duration", "Object", "Null", "Unknown"):
        return False
    inner = getattr(kind, "inner", None)  # List, Array
    if inner is not None and not _written_alike(inner):
        return False
    return all(_written_alike(field.dtype) for field in getattr(kind, "fields", None) or [])


_READ_AS = {
    "String": "VARCHAR",
    "Boolean": "BOOLEAN",
    "Int8": "TINYINT",
    "Int16": "SMALLINT",
    "Int32": "INTEGER",
    "Int64": "BIGINT",
    "UInt8": "UTINYINT",
    "UInt16": "USMALLINT",
    "UInt32": "UINTEGER",
    "UInt64": "UBIGINT",
    "Float32": "FLOAT",
    "Float64": "DOUBLE",
    "Date": "DATE",
}
"""The DuckDB type of a Parquet column polars wrote from a column of this type (read by class
name, as ``_written_alike``); a type not listed is asked of the file."""


def _read_as(kind: pl.DataType) -> str | None:
    """The DuckDB type of a column of ``kind`` in a Parquet file polars wrote (lists of the
    listed types too), or None where only the file can say."""
    name = type(kind).__name__
    if name == "List":
        inner = _read_as(kind.inner)  # type: ignore[attr-defined]
        return None if inner is None else f"{inner}[]"
    return _READ_AS.get(name)


def _parquet_columns(schema: Mapping[str, pl.DataType]) -> list[tuple[str, str]] | None:
    """(column, DuckDB type) of the Parquet file polars writes of a frame of ``schema``, where
    every type is one ``_read_as`` knows (None otherwise): saves a DESCRIBE of the file."""
    columns = []
    for name, kind in schema.items():
        read = _read_as(kind)
        if read is None:
            return None
        columns.append((name, read))
    return columns


def _is_polars_frame(frame: object) -> TypeGuard[pl.DataFrame]:
    """Whether ``frame`` is a polars DataFrame, without importing polars (a small build never
    loads it)."""
    return type(frame).__name__ == "DataFrame" and type(frame).__module__.startswith("polars")
