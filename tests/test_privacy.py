"""Privacy: no email, phone number or name of the sample leaves the raw layer.

The whole flow runs once on data/sample (Prefect, the session's test server). Every email,
phone number and name in customers.csv and the support exports, in all their messy spellings
and in normalised form, is then looked for in the published warehouse (every schema, table and
column, as text), the report pages, the Parquet export, and the flow run's logs (as Prefect
stored them and as they were emitted), artifacts, stored parameters and final message.

Identifiers are replaced by keyed hashes (``settings.salt``): another salt gives other customer
keys and other contact hashes, so a hash cannot be looked up without the key.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest
from plotly.offline import get_plotlyjs

from journeys import steps
from journeys.config import Settings, SourceSettings
from journeys.demo import SAMPLE_DIR, demo_settings
from journeys.export import export_marts
from journeys.publish import open_published, work_path

WORDS = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
EMAILS = re.compile(r"[^\s,;\"'<>()\[\]{}]+@[^\s,;\"'<>()\[\]{}]+")
DIGIT_RUNS = re.compile(r"[+(]?\d[\d\s().+/-]{6,}\d")


# -- what must not leak ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Identifiers:
    emails: frozenset[str]  # normalised: lower case, no spaces
    phones: frozenset[str]  # digits only, without a 00 prefix
    names: frozenset[tuple[str, ...]]  # lower-case word sequences: ("wim", "bernard")

    @property
    def phone_lengths(self) -> frozenset[int]:
        return frozenset(map(len, self.phones))


def norm_email(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def norm_phone(text: str) -> str:
    return re.sub(r"^00", "", re.sub(r"\D", "", text))


def sample_identifiers() -> Identifiers:
    crm = pl.read_csv(SAMPLE_DIR / "customers.csv", infer_schema=False)
    support = pl.concat(
        [
            pl.read_csv(path, infer_schema=False).select("email", "phone")
            for path in sorted(SAMPLE_DIR.rglob("support_interactions*.csv"))
        ]
    )
    emails = [e for e in [*crm["email"], *support["email"]] if e and e.strip()]
    phones = [p for p in [*crm["phone"], *support["phone"]] if p and p.strip()]
    names = [n for n in crm["name"] if n and n.strip()]
    assert len(emails) > 1000 and len(phones) > 800 and len(names) == 1000
    assert any(e != norm_email(e) for e in emails)  # the support export's messy spellings
    assert any(re.search(r"[\s()-]", p) for p in phones)
    return Identifiers(
        emails=frozenset(norm_email(e) for e in emails),
        phones=frozenset(norm_phone(p) for p in phones if len(norm_phone(p)) >= 8),
        names=frozenset(tuple(w.lower() for w in WORDS.findall(n)) for n in names),
    )


def leaks(text: str, ids: Identifiers) -> set[str]:
    """Every identifier found in ``text``, in any spelling: emails by their normal form (case
    and spaces ignored), phone numbers by their digits (separators, a 00 or + prefix ignored,
    also inside a longer run of digits), names as word sequences in any case and spacing."""
    found = {e for e in map(norm_email, EMAILS.findall(text)) if e in ids.emails}
    lengths = ids.phone_lengths
    for run in DIGIT_RUNS.findall(text):
        digits = norm_phone(run)
        found |= {
            digits[i : i + n]
            for n in lengths
            for i in range(len(digits) - n + 1)
            if digits[i : i + n] in ids.phones
        }
    words = [w.lower() for w in WORDS.findall(text)]
    pairs = set(zip(words, words[1:], strict=False))
    found |= {" ".join(n) for n in ids.names if len(n) == 2 and n in pairs}
    joined = " ".join(words)
    found |= {" ".join(n) for n in ids.names if len(n) != 2 and " ".join(n) in joined}
    return found


# -- one flow run on the sample, and everything it left -----------------------------------------


@dataclass(frozen=True)
class FlowRun:
    settings: Settings
    emitted_logs: str
    stored_logs: str
    artifacts: str
    parameters: str
    message: str
    summary: str
    export: Path


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def ids() -> Identifiers:
    return sample_identifiers()


@pytest.fixture(scope="module")
def flow_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> FlowRun:
    from pipelines.daily import journeys_daily
    from pipelines.params import DailyParams
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogHandler

    out = tmp_path_factory.mktemp("privacy")
    settings = demo_settings(
        warehouse=out / "warehouse" / "journeys.duckdb", reports=out / "reports"
    )
    capture = Capture()
    loggers = [logging.getLogger(n) for n in ("", "prefect", "prefect.flow_runs",
                                               "prefect.task_runs")]  # fmt: skip
    for logger in loggers:
        logger.addHandler(capture)
    try:
        state = journeys_daily(DailyParams(settings=settings), return_state=True)
        for handler in {h for lg in loggers for h in lg.handlers if isinstance(h, APILogHandler)}:
            handler.flush()  # the run's logs reach the server before they are read back
    finally:
        for logger in loggers:
            logger.removeHandler(capture)
    assert state.is_completed(), state.message
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
        flow_run = client.read_flow_run(run_id)
    assert logs and len(found) == 3
    with open_published(settings) as wh:
        export_marts(wh, out / "export")
    return FlowRun(
        settings=settings,
        emitted_logs="\n".join(capture.lines),
        stored_logs="\n".join(log.message for log in logs),
        artifacts="\n".join(f"{a.key} {a.description} {a.data}" for a in found),
        parameters=str(flow_run.parameters),
        message=str(state.message),
        summary=state.result().summary(),
        export=out / "export",
    )


def relation_text(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """Every column of ``relation`` (a table or a table function call) cast to text."""
    columns = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    return "\n".join(
        con.execute(
            f'SELECT string_agg(CAST("{c}" AS VARCHAR), chr(10)) FROM {relation}'
        ).fetchone()[0]  # type: ignore[index]
        or ""
        for c in columns
    )


def table_texts(database: Path) -> dict[str, str]:
    """Every table of every schema as text."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database()"
        ).fetchall()
        return {f"{s}.{t}": relation_text(con, f'"{s}"."{t}"') for s, t in tables}


# -- the scans ------------------------------------------------------------------------------------


def test_the_scanner_finds_identifiers_in_any_spelling(ids: Identifiers):
    crm = pl.read_csv(SAMPLE_DIR / "customers.csv", infer_schema=False).row(0, named=True)
    first, last = crm["name"].split(" ", 1)
    local, domain = crm["email"].split("@")
    digits = norm_phone(crm["phone"])
    email, phone, name = crm["email"].lower(), digits, f"{first} {last}".lower()
    assert leaks(f"<td>{local.upper()}@{domain} </td>", ids) == {email, name}  # name inside
    assert leaks(f"call 00{digits[:3]} {digits[3:6]}-{digits[6:]} now", ids) == {phone}
    assert leaks(f"id 77{digits}01", ids) == {phone}
    assert leaks(f"{first.upper()}   {last}", ids) == leaks(f"{first}\n{last}", ids) == {name}
    assert not leaks("Order placed 1,234.50 ck_3de62b5ed0a1 2026-03-01 10:00:00+00", ids)


@pytest.mark.slow
def test_no_identifier_in_any_published_table(flow_run: FlowRun, ids: Identifiers):
    texts = table_texts(flow_run.settings.warehouse)
    assert {"marts.events", "marts.customers", "marts.journeys", "marts.map_gaps"} <= set(texts)
    found = {table: leaks(text, ids) for table, text in texts.items()}
    assert {t: sorted(f)[:5] for t, f in found.items() if f} == {}


@pytest.mark.slow
def test_the_scanner_does_find_them_in_the_work_file(flow_run: FlowRun, ids: Identifiers):
    """The raw layer keeps the delivered rows (and only the writer opens it): the scan of the
    published file would find them if they were there."""
    texts = table_texts(work_path(flow_run.settings))
    assert len(leaks(texts["raw.customers"], ids)) > 2000
    assert leaks(texts["raw.support"], ids)
    assert not leaks(texts["staging.stg_customers"] + texts["staging.stg_support"], ids)


@pytest.mark.slow
def test_no_identifier_in_the_report_pages(flow_run: FlowRun, ids: Identifiers):
    library = get_plotlyjs()
    pages = sorted(Path(flow_run.settings.reports).rglob("*"))
    assert sum(p.suffix == ".html" for p in pages) == 3  # the index and the two maps' pages
    for page in (p for p in pages if p.is_file()):
        text = page.read_text(encoding="utf-8").replace(library, "")
        assert not leaks(text, ids), page.name


@pytest.mark.slow
def test_no_identifier_in_the_parquet_export(flow_run: FlowRun, ids: Identifiers):
    files = sorted(flow_run.export.rglob("*.parquet"))
    assert len(files) >= 8
    for file in files:
        with duckdb.connect() as con:
            text = relation_text(con, "read_parquet('" + str(file).replace("'", "''") + "')")
        assert text.count("\n") > 0 and not leaks(text, ids), file.name


@pytest.mark.slow
def test_no_identifier_in_logs_artifacts_parameters_or_messages(
    flow_run: FlowRun, ids: Identifiers
):
    assert "ingest:" in flow_run.stored_logs and "build:" in flow_run.emitted_logs
    for what in ("emitted_logs", "stored_logs", "artifacts", "parameters", "message", "summary"):
        assert not leaks(getattr(flow_run, what), ids), what
    assert flow_run.settings.salt not in flow_run.parameters  # stored as <redacted>


# -- keyed hashes --------------------------------------------------------------------------------


def build_with_salt(root: Path, salt: str, *, folder: str = "") -> dict[str, list[str]]:
    land = root / "landing"
    land.mkdir(parents=True, exist_ok=True)
    (land / "customers.csv").write_text(
        "customer_id,email,phone,segment,created_at\n"
        "c1,Ann@Example.com,+49 151 1234567,new,2026-01-01\n"
        "c2,bob@example.com,,new,2026-01-02\n",
        encoding="utf-8",
    )
    (land / "support.csv").write_text(
        "event_id,ticket_id,email,phone,channel,team,system,category,event_type,occurred_at\n"
        "s1,k1, ann@example.COM ,,email,T1,Desk,billing,ticket_opened,2026-03-01 10:00:00\n"
        "s2,k2,,0049-151-1234567,phone,T1,Desk,billing,ticket_opened,2026-03-02 10:00:00\n"
        "s3,k3,carol@example.com,,email,T1,Desk,billing,ticket_opened,2026-03-03 10:00:00\n",
        encoding="utf-8",
    )
    settings = Settings(
        warehouse=root / (folder or salt) / "journeys.duckdb",
        salt=salt,
        sources={
            "customers": SourceSettings(path=str(land / "customers.csv")),
            "support": SourceSettings(path=str(land / "support.csv")),
        },
    )
    steps.ingest_landing(settings)
    steps.build_marts(settings)
    with duckdb.connect(str(work_path(settings)), read_only=True) as con:
        hashes = [r[0] for r in con.execute(
            "SELECT email_key FROM staging.stg_support WHERE email_key IS NOT NULL "
            "UNION ALL SELECT phone_key FROM staging.stg_support WHERE phone_key IS NOT NULL "
            "ORDER BY 1").fetchall()]  # fmt: skip
    with open_published(settings) as wh:
        events = wh.read_table("marts.events", columns=["event_id", "customer_key"])
    keys = dict(events.rows())
    return {"keys": [keys[e] for e in ("s1", "s2", "s3")], "hashes": hashes}


def test_hashes_are_keyed_by_the_salt(tmp_path: Path):
    one = build_with_salt(tmp_path, "salt-one")
    again = build_with_salt(tmp_path / "again", "salt-one")
    other = build_with_salt(tmp_path, "salt-two")
    assert one == again  # deterministic: the same salt, the same keys and hashes
    # Ann's email and phone, spelled differently in support, stitch to her CRM key ...
    assert one["keys"][0] == one["keys"][1] != one["keys"][2]
    # ... and another salt gives other keys and other hashes for the very same people
    assert not set(one["keys"]) & set(other["keys"])
    assert not set(one["hashes"]) & set(other["hashes"])
    assert other["keys"][0] == other["keys"][1]
    # a hash cannot be looked up without the salt: not the plain digest of the contact
    plain = {hashlib.sha256(f"e:{e}".encode()).hexdigest() for e in ("ann@example.com",)}
    plain |= {hashlib.sha256(b"ann@example.com").hexdigest()}
    assert not plain & set(one["hashes"])


def test_changing_the_salt_rekeys_every_customer_on_the_next_build(tmp_path: Path):
    before = build_with_salt(tmp_path, "old-salt", folder="wh")
    after = build_with_salt(tmp_path, "new-salt", folder="wh")  # same warehouse, incremental
    assert after == build_with_salt(tmp_path / "fresh", "new-salt")
    with open_published(Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")) as wh:
        published = {
            key
            for table in ("marts.events", "marts.journeys", "marts.customers")
            for key in wh.read_table(table)["customer_key"].to_list()
        }
    assert set(after["keys"]) <= published
    assert not published & set(before["keys"])  # no customer left under the old key


def test_a_rejected_crm_row_is_published_without_its_raw_text(tmp_path: Path):
    """The published raw.rejects masks emails and phones in the raw text; a CRM row also holds
    names (and addresses, companies) that no mask recognises, so its raw text stays behind."""
    crm = tmp_path / "crm.csv"
    crm.write_text(
        "customer_id,email,phone,segment,created_at,name\n"
        ",wim@example.org,030 1234567,new,2026-01-01,Wim Bernard\n"
        "c2,,,new,not-a-date,Julia Jansen\n",
        encoding="utf-8",
    )
    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")
    steps.ingest_files(settings, "customers", [crm])
    steps.build_marts(settings)
    with open_published(settings) as wh:
        rejects = wh.read_table("raw.rejects", order_by=["row_number"])
    assert rejects["row_number"].to_list() == [2, 3] and rejects["raw"].null_count() == 2
    assert rejects["reason"][1] == "created_at is not a date; use YYYY-MM-DD"
    text = "\n".join(str(v) for v in rejects.rows())
    assert "Bernard" not in text and "Jansen" not in text and "1234567" not in text


def test_reject_reasons_name_the_column_never_the_value(tmp_path: Path):
    """A value in the wrong column can be anyone's email, phone or name: the reason names the
    column and the problem (issue #23: `created_at 'grace.h@corp.example' is not a date` reached
    the published file); the raw text beside it is masked there."""
    files = {
        "customers": "customer_id,email,phone,segment,created_at\nc1,,,new,grace.h@corp.example\n",
        "transactions": "event_id,customer_id,order_id,event_type,occurred_at,amount,currency\n"
        "t1,c1,o1,order_placed,+49 30 1234567,1,EUR\n"
        "t2,c1,o1,order_placed,2026-03-01T10:00:00Z,grace.h@corp.example,EUR\n"
        "t3,c1,o1,order_placed,2026-03-01T10:00:00Z,-0301234567,EUR\n",
        "web": "event_id,anonymous_id,user_id,event_type,occurred_at\n"
        "w1,a1,,page_view,Grace Hopper\n",
        "support": "event_id,ticket_id,email,phone,channel,team,system,category,event_type,"
        "occurred_at\ns1,k1,,,phone,T,S,c,contact,grace.h@corp.example\n",
    }
    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")
    for source, text in files.items():
        path = tmp_path / f"{source}.csv"
        path.write_text(text, encoding="utf-8")
        steps.ingest_files(settings, source, [path])
    log = tmp_path / "log.csv"
    log.write_text("case,act,ts\nk1,open,grace.h@corp.example\n", encoding="utf-8")
    steps.import_event_log(settings, log, case_col="case", activity_col="act", timestamp_col="ts")
    steps.build_marts(settings)
    with open_published(settings) as wh:
        reasons = wh.read_table("raw.rejects")["reason"].to_list()
    assert len(reasons) == 7
    for reason in reasons:
        assert not {"grace", "Grace", "Hopper", "1234567"} & set(re.findall(r"\w+", reason))
        assert "'" not in reason
