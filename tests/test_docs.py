"""The analysts' documentation cannot rot: docs/marts.md matches the marts and schema.yml, every
example query (schema.yml, docs/analysts.md) runs on the sample, and the Parquet export reads
back with polars and pyarrow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from conftest import ROOT
from journeys.docs import (
    DOC_FILE,
    MARTS_SQL,
    REGENERATE,
    ColumnDoc,
    DocsError,
    MartDoc,
    ModelHeader,
    PublishedColumn,
    check_docs,
    load_schema_docs,
    marts_doc,
    model_headers,
    published_columns,
    read_model_header,
    render_marts_doc,
)
from journeys.export import export_marts
from journeys.warehouse import Warehouse
from sample_fixtures import sample_warehouse

ANALYSTS_DOC = ROOT / "docs" / "analysts.md"
EXPECTED_MARTS = {
    "events", "customers", "sessions", "journeys", "touchpoints", "transitions", "variants",
    "map_conformance", "map_steps", "map_gaps", "data_quality", "journey_effort",
    "journey_handoffs", "touchpoint_impact",
}  # fmt: skip


@pytest.fixture(scope="module")
def warehouse() -> Path:
    return sample_warehouse()


@pytest.fixture(scope="module")
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    connection.execute("SET TimeZone = 'UTC'")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def published(warehouse: Path) -> dict[str, list[PublishedColumn]]:
    with Warehouse(warehouse, read_only=True) as wh:
        return published_columns(wh)


def sql_blocks(markdown: str) -> list[str]:
    return [b.strip() for b in re.findall(r"^```sql\n(.*?)^```", markdown, re.M | re.S)]


# -- the generator on tiny inputs ----------------------------------------------------------------
def _doc(name: str, *columns: str, grain: str | None = "one row per thing.") -> MartDoc:
    cols = tuple(ColumnDoc(c, f"the {c}", f"count of {c}") for c in columns)
    return MartDoc(name, "A mart.", "SELECT 1", cols, grain=grain, built_by="python")


def _published(name: str, *columns: str) -> dict[str, list[PublishedColumn]]:
    return {name: [PublishedColumn(name, c, "BIGINT") for c in columns]}


def test_check_names_every_undocumented_or_stale_mart_and_column():
    published = _published("a", "x", "y") | _published("b", "z")
    docs = [_doc("a", "x", "gone"), _doc("c", "w")]
    problems = check_docs(published, docs, {})
    assert problems == [
        "marts.b: published but not documented in schema.yml",
        "marts.c: documented in schema.yml but not published",
        "marts.a.y: column not documented",
        "marts.a.gone: documented but not in the mart",
    ]
    assert check_docs(_published("a", "x"), [_doc("a", "x")], {}) == []


def test_check_wants_a_grain_meaning_and_computation():
    published = _published("a", "x")
    bare = MartDoc("a", "", "", (ColumnDoc("x", "the x", ""),))
    problems = check_docs(published, [bare], {})
    assert "marts.a: no description" in problems
    assert "marts.a: no example query" in problems
    assert "marts.a: no sql/marts/a.sql header; give its `grain:`" in problems
    assert "marts.a.x: needs a description and `computed:`" in problems
    header = {"a": ModelHeader("one row per a.", ""), "gone": ModelHeader("one row.", "")}
    problems = check_docs(published, [_doc("a", "x")], header)
    assert problems == [
        "sql/marts/gone.sql has a grain header but marts.gone is not published",
        "marts.a: `grain:` given twice (model header and schema.yml)",
    ]


def test_render_refuses_an_incomplete_dictionary_and_lists_columns_in_table_order():
    with pytest.raises(DocsError, match=r"marts\.a\.y: column not documented"):
        render_marts_doc(_published("a", "x", "y"), [_doc("a", "x")], {})
    text = render_marts_doc(_published("a", "y", "x"), [_doc("a", "x", "y")], {})
    assert text.index("| `y` | BIGINT | the y | count of y |") < text.index("| `x` |")
    assert "**Grain:** one row per thing." in text


def test_model_header_grain_runs_to_the_end_of_its_first_sentence(tmp_path: Path):
    model = tmp_path / "m.sql"
    model.write_text(
        "-- grain: one row per thing: every thing of a,\n-- plus b.\n-- x: a note.\n--\n"
        "-- more.\nSELECT 1\n-- not header\n"
    )
    assert read_model_header(model) == ModelHeader("one row per thing: every thing of a, plus b.",
                                                    "x: a note.\n\nmore.")  # fmt: skip
    update = tmp_path / "u.sql"
    update.write_text("-- Moves rows.\nUPDATE t SET a = 1\n")
    assert read_model_header(update) is None


def test_update_statements_in_sql_marts_are_not_marts():
    headers = model_headers()
    updates = {p.stem for p in (MARTS_SQL / "updates").glob("*.sql")}
    assert updates and not updates & headers.keys()
    assert {"events", "journeys", "variants"} <= headers.keys()


# -- the sample warehouse --------------------------------------------------------------------------
@pytest.mark.slow
def test_every_published_mart_and_column_is_documented(published):
    assert published.keys() >= EXPECTED_MARTS
    problems = check_docs(published, load_schema_docs(), model_headers())
    assert not problems, "sql/marts/schema.yml is out of step:\n" + "\n".join(problems)


@pytest.mark.slow
def test_docs_marts_md_is_up_to_date(warehouse: Path):
    expected = marts_doc(warehouse)
    current = DOC_FILE.read_text(encoding="utf-8") if DOC_FILE.exists() else ""
    assert current == expected, f"docs/marts.md is out of date; run `{REGENERATE}`"


@pytest.mark.slow
@pytest.mark.parametrize("mart", sorted(EXPECTED_MARTS))
def test_every_mart_example_query_returns_rows(con, mart: str):
    doc = next(d for d in load_schema_docs() if d.name == mart)
    assert f"marts.{mart}" in doc.example
    rows = con.execute(doc.example).fetchall()
    assert rows, f"the example query of marts.{mart} returned no rows on the sample"


@pytest.mark.slow
def test_analysts_doc_queries_run_on_the_sample(con):
    blocks = sql_blocks(ANALYSTS_DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    for block in blocks:
        result = con.execute(block)
        rows = result.fetchall()
        assert rows, f"docs/analysts.md: this query returned no rows on the sample:\n{block}"
        assert all(len(r) == len(result.description) for r in rows)


@pytest.mark.slow
def test_analysts_doc_queries_answer_their_questions(con):
    """Spot checks that the five answers are what they claim, not just non-empty."""
    common, gaps, slow, switches, customer = sql_blocks(ANALYSTS_DOC.read_text("utf-8"))[:5]
    top = con.sql(common).pl()
    assert top["rank"].to_list() == list(range(1, top.height + 1))
    assert top["journeys"].is_sorted(descending=True)
    gap_rows = con.sql(gaps).pl()
    assert gap_rows["rank"].drop_nulls().len() == gap_rows.height
    slowest = con.sql(slow).pl()
    assert slowest["median_hours"].is_sorted(descending=True)
    switched = con.sql(switches).pl()
    assert (switched["from_channel"] != switched["to_channel"]).all()
    steps = con.sql(customer).pl()
    assert steps["customer_key"].n_unique() == 1
    assert steps["occurred_at"].is_sorted()
    assert steps["journey_id"].n_unique() >= 2, "pick a customer with several journeys"


@pytest.mark.slow
def test_parquet_export_reads_with_polars_and_pyarrow(warehouse: Path, tmp_path: Path):
    with Warehouse(warehouse, read_only=True) as wh:
        counts = {t: wh.count(f"marts.{t}") for t in wh.tables("marts")}
        # a low threshold so the larger marts take the partitioned (folder by month) shape too
        result = export_marts(wh, tmp_path, partition_rows=5_000)
    partitioned = {t for t, _, p in result.tables if p}
    assert "events" in partitioned and "variants" not in partitioned
    assert {t for t, _, _ in result.tables} == counts.keys()
    assert counts.keys() >= EXPECTED_MARTS
    for table, rows in counts.items():
        if table in partitioned:
            frame = pl.read_parquet(tmp_path / table / "**/*.parquet", hive_partitioning=True)
            arrow = pq.read_table(tmp_path / table, partitioning="hive")
        else:
            frame = pl.read_parquet(tmp_path / f"{table}.parquet")
            arrow = pq.read_table(tmp_path / f"{table}.parquet")
        assert frame.height == arrow.num_rows == rows, table
        assert set(frame.columns) == set(arrow.column_names)
    events = pl.read_parquet(tmp_path / "events" / "**/*.parquet", hive_partitioning=True)
    assert events.schema["occurred_at"] == pl.Datetime("us", "UTC")
    assert events["month"].n_unique() >= 2
    variants = pq.read_table(tmp_path / "variants.parquet").to_pydict()
    assert abs(sum(variants["share"]) - 1.0) < 1e-9
