"""The marts' data dictionary, ``docs/marts.md``, generated so it cannot drift from the marts.

Three inputs: the published tables and their column types (a built warehouse), the header of
each mart's SQL model (``-- grain:`` and the notes under it; files in ``sql/marts`` without a
grain header, such as UPDATE statements, are not marts), and ``sql/marts/schema.yml``: per mart
its description and one example query, per column its meaning and how it is computed; marts
built in Python (the ``map_*`` tables of ``journeys compare``) give their grain there too.

``python -m journeys.docs`` builds the sample warehouse in a temporary folder and rewrites
``docs/marts.md``; ``--warehouse PATH`` documents an existing warehouse instead.
``tests/test_docs.py`` fails when the two disagree.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from journeys.errors import JourneysError
from journeys.warehouse import SQL_DIR, Warehouse

ROOT = SQL_DIR.parent
MARTS_SQL = SQL_DIR / "marts"
SCHEMA_FILE = MARTS_SQL / "schema.yml"
DOC_FILE = ROOT / "docs" / "marts.md"
REGENERATE = "python -m journeys.docs"


class DocsError(JourneysError):
    step = "docs"


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    description: str
    computed: str


@dataclass(frozen=True)
class MartDoc:
    """One mart's entry of ``schema.yml``."""

    name: str
    description: str
    example: str
    columns: tuple[ColumnDoc, ...]
    grain: str | None = None
    """Only for marts without a SQL model (the model header states it otherwise)."""
    built_by: str | None = None


@dataclass(frozen=True)
class ModelHeader:
    """The leading comment of a model file: its grain sentence and the notes after it."""

    grain: str
    notes: str


@dataclass(frozen=True)
class PublishedColumn:
    table: str
    name: str
    type: str


def load_schema_docs(path: Path = SCHEMA_FILE) -> tuple[MartDoc, ...]:
    """The marts documented in ``schema.yml``, in file order."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DocsError(f"{path}: cannot read it ({exc}); fix the YAML") from exc
    models = data.get("models")
    if not isinstance(models, list):
        raise DocsError(f"{path}: no `models:` list; list one entry per mart")
    return tuple(_mart_doc(path, i, m) for i, m in enumerate(models))


def _mart_doc(path: Path, index: int, raw: object) -> MartDoc:
    where = f"{path.name} models[{index}]"
    if not isinstance(raw, Mapping) or not raw.get("name"):
        raise DocsError(f"{where}: every model needs a `name:`")
    where = f"{path.name} model {raw['name']}"
    columns = []
    for j, col in enumerate(raw.get("columns") or []):
        if not isinstance(col, Mapping) or not col.get("name"):
            raise DocsError(f"{where} columns[{j}]: every column needs a `name:`")
        columns.append(
            ColumnDoc(
                name=str(col["name"]),
                description=_text(col.get("description")),
                computed=_text(col.get("computed")),
            )
        )
    return MartDoc(
        name=str(raw["name"]),
        description=_text(raw.get("description")),
        example=str(raw.get("example") or "").strip(),
        columns=tuple(columns),
        grain=_text(raw.get("grain")) or None,
        built_by=_text(raw.get("built_by")) or None,
    )


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def read_model_header(path: Path) -> ModelHeader | None:
    """The grain and notes of a model file; None when it has no ``-- grain:`` header."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].removeprefix(" ").rstrip())
    if not lines or not lines[0].lower().startswith("grain:"):
        return None
    grain = [lines[0][len("grain:") :].strip()]
    rest = lines[1:]
    # the grain is the first sentence: it may continue on the next lines
    while rest and rest[0].strip() and not grain[-1].endswith("."):
        grain.append(rest.pop(0).strip())
    return ModelHeader(grain=" ".join(grain), notes="\n".join(rest).strip("\n"))


def model_headers(folder: Path = MARTS_SQL) -> dict[str, ModelHeader]:
    """Mart name -> header, for every model in ``folder`` with a grain header."""
    headers = {}
    for path in sorted(folder.glob("*.sql")):
        header = read_model_header(path)
        if header is not None:
            headers[path.stem] = header
    return headers


def published_columns(wh: Warehouse) -> dict[str, list[PublishedColumn]]:
    """Mart name -> its columns with DuckDB types, as the warehouse holds them."""
    out: dict[str, list[PublishedColumn]] = {}
    for table, column, type_ in wh.query("queries/mart_columns").iter_rows():
        out.setdefault(table, []).append(PublishedColumn(table, column, type_))
    return out


def check_docs(
    published: Mapping[str, Sequence[PublishedColumn]],
    docs: Sequence[MartDoc],
    headers: Mapping[str, ModelHeader],
) -> list[str]:
    """Every problem that makes the data dictionary incomplete or wrong, one line each."""
    problems = []
    documented = {d.name: d for d in docs}
    for name in sorted(set(published) - set(documented)):
        problems.append(f"marts.{name}: published but not documented in {SCHEMA_FILE.name}")
    for name in sorted(set(documented) - set(published)):
        problems.append(f"marts.{name}: documented in {SCHEMA_FILE.name} but not published")
    for name in sorted(headers.keys() - published.keys()):
        problems.append(
            f"sql/marts/{name}.sql has a grain header but marts.{name} is not published"
        )
    seen = set()
    for doc in docs:
        if doc.name in seen:
            problems.append(f"marts.{doc.name}: documented twice in {SCHEMA_FILE.name}")
        seen.add(doc.name)
        if doc.name not in published:
            continue
        where = f"marts.{doc.name}"
        if not doc.description:
            problems.append(f"{where}: no description")
        if not doc.example:
            problems.append(f"{where}: no example query")
        if doc.name not in headers and not doc.grain:
            problems.append(f"{where}: no sql/marts/{doc.name}.sql header; give its `grain:`")
        if doc.name in headers and doc.grain:
            problems.append(f"{where}: `grain:` given twice (model header and schema.yml)")
        have = [c.name for c in published[doc.name]]
        named = [c.name for c in doc.columns]
        for col in have:
            if col not in named:
                problems.append(f"{where}.{col}: column not documented")
        for col in named:
            if col not in have:
                problems.append(f"{where}.{col}: documented but not in the mart")
        for col in sorted({c for c in named if named.count(c) > 1}):
            problems.append(f"{where}.{col}: documented twice")
        for column in doc.columns:
            if not column.description or not column.computed:
                problems.append(f"{where}.{column.name}: needs a description and `computed:`")
    return problems


def render_marts_doc(
    published: Mapping[str, Sequence[PublishedColumn]],
    docs: Sequence[MartDoc],
    headers: Mapping[str, ModelHeader],
) -> str:
    """The Markdown data dictionary (raises DocsError listing every problem first)."""
    problems = check_docs(published, docs, headers)
    if problems:
        raise DocsError(
            f"{SCHEMA_FILE}: the marts and their docs disagree; fix these, then run "
            f"`{REGENERATE}`:\n  " + "\n  ".join(problems)
        )
    out = [
        "# Marts: the data dictionary",
        "",
        f"<!-- Generated by `{REGENERATE}` from the `-- grain:` headers of sql/marts/*.sql,",
        "     sql/marts/schema.yml and the column types of the built sample warehouse.",
        "     Do not edit by hand: edit those, then regenerate (tests/test_docs.py checks). -->",
        "",
        "The published warehouse (`warehouse/journeys.duckdb` by default) holds these marts in",
        "schema `marts`: views over their Parquet files in `warehouse/journeys.data/` (ADR 0004).",
        "Open it read-only (`duckdb -readonly warehouse/journeys.duckdb`, or",
        "`duckdb.connect(path, read_only=True)`): a run never blocks you, and you keep reading the",
        "snapshot you opened while newer ones are published (its files stay an hour, and until",
        "the next publish). Times are `TIMESTAMPTZ` in UTC (run",
        "`SET TimeZone = 'UTC'` to see them so). Inside a journey, events are ordered by",
        "`occurred_at`, then `seq` (arrival order); `step_index` follows that order.",
        "`journeys export --format parquet --out DIR` writes every mart as Parquet.",
        "Questions analysts ask first, as SQL: [analysts.md](analysts.md).",
        "",
        "| mart | grain |",
        "|---|---|",
    ]
    for doc in docs:
        grain = headers[doc.name].grain if doc.name in headers else doc.grain
        out.append(f"| [`marts.{doc.name}`](#marts{doc.name}) | {_cell(grain or '')} |")
    for doc in docs:
        out.extend(_render_mart(doc, published[doc.name], headers.get(doc.name)))
    return "\n".join(out) + "\n"


def _render_mart(
    doc: MartDoc, columns: Sequence[PublishedColumn], header: ModelHeader | None
) -> list[str]:
    grain = header.grain if header else doc.grain
    source = f"`sql/marts/{doc.name}.sql`" if header else (doc.built_by or "")
    out = [
        "",
        f"## marts.{doc.name}",
        "",
        f"**Grain:** {grain}  ",
        f"**Built by:** {source}",
        "",
        doc.description,
        "",
    ]
    if header and header.notes:
        out += [f"Model notes (the header of `sql/marts/{doc.name}.sql`):", "", "```text"]
        out += [header.notes, "```", ""]
    by_name = {c.name: c for c in doc.columns}
    out += ["| column | type | meaning | how it is computed |", "|---|---|---|---|"]
    for col in columns:
        text = by_name[col.name]
        out.append(
            f"| `{col.name}` | {col.type} | {_cell(text.description)} | {_cell(text.computed)} |"
        )
    out += ["", "Example:", "", "```sql", doc.example, "```"]
    return out


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def marts_doc(warehouse_path: Path) -> str:
    """The data dictionary of the warehouse at ``warehouse_path`` (opened read-only)."""
    with Warehouse(warehouse_path, read_only=True) as wh:
        published = published_columns(wh)
    return render_marts_doc(published, load_schema_docs(), model_headers())


def write_marts_doc(warehouse_path: Path, out: Path = DOC_FILE) -> Path:
    """Rewrite ``out`` (default ``docs/marts.md``) from the warehouse and the model docs."""
    text = marts_doc(warehouse_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def build_sample_warehouse(out: Path) -> Path:
    """Ingest, build and compare ``data/sample`` into ``out``; return the published warehouse."""
    from journeys import steps
    from journeys.demo import demo_settings

    settings = demo_settings(
        warehouse=out / "warehouse" / "journeys.duckdb", reports=out / "reports"
    )
    steps.ingest_landing(settings)
    steps.build_marts(settings)
    steps.compare_maps(settings)
    return Path(settings.warehouse)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=REGENERATE,
        description="Rewrite docs/marts.md, the marts' data dictionary.",
        epilog="Example: python -m journeys.docs --warehouse warehouse/journeys.duckdb",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="document this published warehouse (default: build the sample in a temp folder)",
    )
    parser.add_argument("--out", type=Path, default=DOC_FILE, help="default: docs/marts.md")
    args = parser.parse_args(argv)
    try:
        if args.warehouse is not None:
            written = write_marts_doc(args.warehouse, args.out)
        else:
            with tempfile.TemporaryDirectory(prefix="journeys-docs-") as tmp:
                written = write_marts_doc(build_sample_warehouse(Path(tmp)), args.out)
    except JourneysError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"docs: wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
