"""Hostile content through every command: nothing executes, no page breaks, no other row changes.

Touchpoint names (event types), segments, page paths, a landing file name, a delivered column
and the map's name, stages and steps carry HTML and script, ``javascript:`` URLs, SQL fragments,
``$salt``, quotes, control and bidi characters, unicode and a 10 kB string. They go through
``journeys ingest``, ``build``, ``compare``, ``report``, ``export``, ``suggest-map`` and
``validate-map`` (the CLI, in process); the same landing data without the hostile customers is
built once more to show that the benign customers' rows are exactly the same.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
import yaml
from plotly.offline import get_plotlyjs

from journeys.cli import main
from journeys.compare.maps import load_map
from journeys.warehouse import Warehouse

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_URL = "javascript:alert(document.cookie)"
SQL = "'; DROP TABLE marts.events; --"
LONG = ("Long journey step " * 600).strip()  # about 10 kB (staging trims event types)
HOSTILE = [
    SCRIPT,
    IMG,
    JS_URL,
    SQL,
    "$salt",
    '" onmouseover="alert(1)" x="',
    "</textarea><svg onload=alert(1)>",
    "Ünïcödé ☃ 😀 \u202eevil\u202c {{7*7}} ${7*7}",
    "tab\tand\\backslash & ampersand;",
    "\x1b[2J\x1b]0;terminal title\x07 escape",
    LONG,
]
SEGMENTS = [IMG, SQL, '"quoted", segment']
MAP_NAME = f'{SCRIPT} & "Q" {SQL}'
BENIGN_CUSTOMERS = 8


@dataclass(frozen=True)
class Run:
    root: Path
    warehouse: Path
    out: str
    err: str


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def write_landing(root: Path, *, hostile: bool) -> None:
    """Benign customers c1..c8 in March first; hostile customers h0..h2 after them (appended
    rows and a later file, so the benign rows keep their arrival order), in February: their
    journeys are completed by the March cut-off (see the report: suggest-map and in-flight)."""
    land = root / "landing"
    for source in ("customers", "transactions", "web"):
        (land / source).mkdir(parents=True)
    crm = ["customer_id,email,phone,segment,created_at"]
    crm += [f"c{i},,,{'new' if i % 2 else 'returning'},2026-01-0{1 + i % 9}" for i in range(1, 9)]
    tx = ["event_id,customer_id,order_id,event_type,occurred_at,amount,currency"]
    web = []
    for i in range(1, BENIGN_CUSTOMERS + 1):
        day = f"2026-03-{i:02d}"
        tx += [
            f"t{i}a,c{i},o{i},order_placed,{day}T10:00:00Z,{i}0.5,EUR",
            f"t{i}b,c{i},o{i},payment_captured,{day}T10:01:00Z,{i}0.5,EUR",
        ]
        if i % 3:
            tx.append(f"t{i}c,c{i},o{i},order_shipped,{day}T18:00:00Z,,EUR")
        web.append(
            {
                "event_id": f"w{i}",
                "anonymous_id": f"a{i}",
                "user_id": f"c{i}",
                "event_type": "page_view",
                "occurred_at": f"{day}T09:59:00Z",
                "page_path": "/",
                "referrer": "",
                "device": "mobile",
            }  # fmt: skip
        )
    hostile_tx = ["event_id,customer_id,order_id,event_type,occurred_at,amount,currency,$salt"]
    if hostile:
        crm += [f"h{j},,,{_csv(segment)},2026-01-01" for j, segment in enumerate(SEGMENTS)]
        for j in range(3):  # h0 walks all hostile steps; h1, h2 skip some
            steps = HOSTILE if j == 0 else HOSTILE[j::2]
            for k, step in enumerate(steps):
                at = f"2026-02-0{j + 1}T10:{k:02d}:00Z"
                hostile_tx.append(f"x{j}-{k},h{j},o{j},{_csv(step)},{at},1,EUR,{_csv(SQL)}")
        hostile_tx += [  # garbage times that used to be accepted and break every build
            f"bad1,h0,o0,{_csv(SCRIPT)},infinity,1,EUR,x",
            f"bad2,h0,o0,{_csv(SCRIPT)},12026-03-01T10:00:00Z,1,EUR,x",
        ]
        web.append(
            {
                "event_id": "wh",
                "anonymous_id": "ah",
                "user_id": "h9",  # a visitor of its own: see the report on suggest-map
                "event_type": "page_view",
                "occurred_at": "2026-02-01T09:00:00Z",
                "page_path": JS_URL,
                "referrer": IMG,
                "device": SCRIPT,
                SQL: SCRIPT,
            }  # fmt: skip
        )
    (land / "customers" / "customers.csv").write_text("\n".join(crm) + "\n", encoding="utf-8")
    (land / "transactions" / "transactions.csv").write_text("\n".join(tx) + "\n", "utf-8")
    (land / "transactions" / f"zz_{IMG}.csv").write_text("\n".join(hostile_tx) + "\n", "utf-8")
    lines = "".join(json.dumps(w, ensure_ascii=False) + "\n" for w in web)
    (land / "web" / "web_events.jsonl").write_text(lines, encoding="utf-8")


def _csv(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def write_map(root: Path) -> Path:
    doc = {
        "name": MAP_NAME,
        "description": f"{IMG} described {JS_URL}",
        "owner": SQL,
        "stages": [
            {"name": SCRIPT, "steps": [{"name": s} for s in HOSTILE[:5]]},
            {"name": IMG, "steps": [{"name": s, "within": "1h"} for s in HOSTILE[5:]]},
        ],
    }
    path = root / "hostile-map.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def pipeline(root: Path, *, hostile: bool) -> Run:
    write_landing(root, hostile=hostile)
    warehouse = root / "warehouse" / "journeys.duckdb"
    outs, errs = [], []

    def run(*args: str) -> None:
        code, out, err = cli("--warehouse", str(warehouse), *args)
        assert code == 0, err
        outs.append(out)
        errs.append(err)

    for source in ("customers", "transactions", "web"):
        run("ingest", source, str(root / "landing" / source))
    run("build")
    if hostile:
        map_file = write_map(root)
        config = root / "journeys.yaml"  # the report draws the configured maps
        config.write_text(yaml.safe_dump({"maps": [map_file.name], "min_support": 1}), "utf-8")
        run("validate-map", str(map_file))
        run("compare", "--config", str(config))
        run("report", "--config", str(config), "--out", str(root / "reports"))
        run("export", "--out", str(root / "export"))
        suggested = root / "suggested.yaml"
        run("suggest-map", "--map", str(map_file), "--coverage", "1.0", "--out", str(suggested))
        run("validate-map", str(suggested))
    return Run(root, warehouse, "".join(outs), "".join(errs))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return pipeline(tmp_path_factory.mktemp("hostile"), hostile=True)


@pytest.fixture(scope="module")
def benign(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return pipeline(tmp_path_factory.mktemp("benign"), hostile=False)


def marts(run: Run, table: str) -> pl.DataFrame:
    with Warehouse(run.warehouse, read_only=True) as wh:
        return wh.read_table(f"marts.{table}")


# -- the data: stored as given, nothing executed, nothing else changed -----------------------


def test_hostile_names_are_stored_exactly_and_the_marts_survive(hostile: Run):
    touchpoints = set(marts(hostile, "touchpoints")["touchpoint"].to_list())
    assert set(HOSTILE) <= touchpoints  # the SQL fragment is a name, marts.events still exists
    segments = marts(hostile, "customers")["segment"].to_list()
    assert set(SEGMENTS) <= set(segments)
    events = marts(hostile, "events")
    assert events.filter(pl.col("touchpoint") == LONG).height == 2  # h0 and h2 pass it
    with Warehouse(hostile.warehouse, read_only=True) as wh:
        assert set(wh.tables("marts")) >= {"events", "journeys", "map_gaps", "map_conformance"}
    [gaps_map] = marts(hostile, "map_steps")["map_name"].unique().to_list()
    assert gaps_map == MAP_NAME


def test_garbage_timestamps_are_rejected_and_the_build_goes_on(hostile: Run):
    with Warehouse(hostile.root / "warehouse" / "journeys.work.duckdb", read_only=True) as wh:
        rejects = wh.read_table("raw.rejects")
        [attributes] = (
            wh.read_table("raw.transactions").filter(pl.col("event_id") == "x0-0")["attributes"]
        ).to_list()
    bad = rejects.filter(pl.col("raw").str.contains("bad[12]"))
    assert bad.height == 2 and bad["reason"].str.contains("is not a timestamp").all()
    assert json.loads(attributes) == {"$salt": SQL}  # a column named $salt is just a name
    assert "bad1" not in marts(hostile, "events")["event_id"].to_list()


def test_benign_customers_rows_are_exactly_as_without_the_hostile_ones(hostile: Run, benign: Run):
    columns = ["event_id", "customer_key", "journey_id", "session_id", "occurred_at", "seq",
               "step_index", "touchpoint", "value"]  # fmt: skip
    keys = marts(benign, "customers")["customer_key"]

    def benign_rows(run: Run, table: str, cols: list[str] | None = None) -> list[tuple]:
        frame = marts(run, table).filter(pl.col("customer_key").is_in(keys.implode()))
        return sorted(frame.select(cols or frame.columns).rows())

    assert marts(benign, "customers").height == BENIGN_CUSTOMERS
    assert benign_rows(hostile, "events", columns) == benign_rows(benign, "events", columns)
    journey_columns = ["journey_id", "customer_key", "started_at", "ended_at", "path", "value"]
    assert benign_rows(hostile, "journeys", journey_columns) == benign_rows(
        benign, "journeys", journey_columns
    )
    benign_steps = set(marts(benign, "touchpoints")["touchpoint"].to_list())
    transitions = {
        run.root: sorted(
            marts(run, "transitions")
            .filter(pl.col("from_touchpoint").is_in(list(benign_steps)))
            .select("from_touchpoint", "to_touchpoint", "transitions", "journeys", "customers")
            .rows()
        )
        for run in (hostile, benign)
    }
    assert transitions[hostile.root] == transitions[benign.root]


def test_export_and_suggested_map_keep_the_names_exactly(hostile: Run):
    exported = pl.read_parquet(hostile.root / "export" / "touchpoints.parquet")
    assert set(HOSTILE) <= set(exported["touchpoint"].to_list())
    suggested = load_map(hostile.root / "suggested.yaml")
    assert suggested.name == MAP_NAME
    assert set(suggested.step_names) <= set(HOSTILE) and SCRIPT in suggested.step_names
    assert "!!python" not in (hostile.root / "suggested.yaml").read_text(encoding="utf-8")


def test_command_output_carries_no_terminal_control_characters(hostile: Run):
    text = hostile.out + hostile.err
    assert MAP_NAME in text  # the names are shown ...
    assert not [c for c in text if ord(c) < 32 and c not in "\n\t"]  # ... never a raw control


# -- the pages: well-formed, the hostile text only ever escaped ---------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


class PageChecker(HTMLParser):
    """Tags must nest and close; collects tags, attributes and text (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: Counter[str] = Counter()
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        (self.scripts if self.stack and self.stack[-1] == "script" else self.text).append(data)


def check_page(path: Path) -> PageChecker:
    html = path.read_text(encoding="utf-8")
    checker = PageChecker()
    checker.feed(html)
    checker.close()
    assert checker.errors == [] and checker.stack == [], path.name
    return checker


def test_every_page_is_well_formed_and_runs_no_hostile_markup(hostile: Run):
    pages = sorted((hostile.root / "reports").glob("*.html"))
    assert len(pages) == 2  # index and the map's page
    library = get_plotlyjs()
    for path in pages:
        page = check_page(path)
        assert not {"img", "svg", "iframe", "object", "embed", "textarea"} & set(page.tags)
        for tag, name, value in page.attributes:
            assert not name.startswith("on"), (tag, name, value)
            if name in URL_ATTRIBUTES:
                assert not value.strip().lower().startswith("javascript:"), (tag, name, value)
        # every script is plotly's library or a figure plotly wrote, none of the hostile text
        for script in page.scripts:
            code = script.replace(library, "")
            assert SCRIPT not in code and IMG not in code and "</script" not in code.lower()
        html = path.read_text(encoding="utf-8").replace(library, "")
        for raw in (SCRIPT, IMG, "<svg onload", '" onmouseover="'):
            assert raw not in html, (path.name, raw)


def test_the_hostile_text_is_shown_as_text(hostile: Run):
    map_page = next(p for p in (hostile.root / "reports").glob("*.html") if p.name != "index.html")
    assert map_page.name.replace(".html", "").replace("-", "").isalnum()  # a safe file name
    text = "".join(check_page(map_page).text)
    assert MAP_NAME in text  # heading and title, escaped in the source, readable on the page
    assert SCRIPT in text and SQL in text  # the gap table names the hostile steps as text
    index = "".join(check_page(hostile.root / "reports" / "index.html").text)
    assert MAP_NAME in index and f"zz_{IMG}.csv" in index  # the data-quality table's file


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"salt: caf\xe9\n", "not UTF-8 text (byte 0xe9 at offset 9)"),
        (b"salt: " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b"sources: [\n", "line 2: not valid YAML"),
    ],
    ids=["latin-1", "deep", "unclosed"],
)
def test_a_broken_configuration_file_is_one_line(tmp_path: Path, body: bytes, expected: str):
    config = tmp_path / "journeys.yaml"
    config.write_bytes(body)
    code, out, err = cli("build", "--config", str(config))
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"[config] {config}") and expected in line


@pytest.mark.parametrize(
    ("setting", "field", "expected"),
    [
        ("sources: {support: {encoding: rot13}}", "sources.support.encoding", "text encoding"),
        ("sources: {support: {encoding: klingon}}", "sources.support.encoding", "utf-16"),
        ("sources: {support: {timezone: Mars/Base}}", "sources.support.timezone", "IANA name"),
        ("salt: ''", "salt", "set salt: to a secret per company"),
        ("salt: '   '", "salt", "hashed without a key"),
    ],
    ids=["rot13", "unknown-encoding", "timezone", "empty-salt", "blank-salt"],
)
def test_a_bad_setting_is_one_line_naming_its_field(
    tmp_path: Path, setting: str, field: str, expected: str
):
    """Issue #23: `encoding: rot13` ended ingest in a traceback, an unknown timezone in a SQL
    error, and an empty salt was accepted, leaving the identifier hashes unkeyed."""
    config = tmp_path / "journeys.yaml"
    config.write_text(f"warehouse: wh/journeys.duckdb\n{setting}\n", encoding="utf-8")
    support = tmp_path / "support.csv"
    support.write_text(
        "event_id,ticket_id,email,phone,channel,team,system,category,event_type,occurred_at\n"
        "s1,k1,,,phone,T,S,c,contact,2026-03-01 10:00:00\n",
        encoding="utf-8",
    )
    code, out, err = cli("ingest", "support", str(support), "--config", str(config))
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"[config] {config}: field '{field}'") and expected in line
