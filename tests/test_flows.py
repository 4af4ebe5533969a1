"""pipelines/: the journeys-daily flow, its parameters, artifacts, retries and deployments.

Flow tests run under the one session-wide ``prefect_harness`` (tests/conftest.py), with
PREFECT_HOME and result storage in a fresh temporary folder per session. Tiny landing files are
written per test; steps owned elsewhere that a test does not exercise are replaced by small
fakes that write marts the same way (through ``open_work``), so the orchestration is what is
under test. ``test_daily_flow_runs_the_real_steps`` runs every real step end to end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import polars as pl
import pytest
import yaml
from pipelines import tasks
from pipelines.artifacts import DailyRun, summary_markdown, top_gaps
from pipelines.daily import journeys_daily, run_daily
from pipelines.params import REDACTED, DailyParams
from pipelines.serve import DAILY, MICRO, build_deployments, serve_deployments
from pydantic import ValidationError

from journeys import steps
from journeys.config import Settings, load_settings
from journeys.errors import ConfigError, IngestError, JourneysError
from journeys.publish import open_published, open_work, writer_lock
from journeys.runner import Runner

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "tests" / "maps" / "online_purchase.yaml"

CUSTOMERS = (
    "customer_id,email,phone,segment,created_at\n"
    "c1,ann@example.com,+49 151 1234567,new,2026-02-01T09:00:00Z\n"
    "c2,bob@example.com,,returning,2026-02-02T09:00:00Z\n"
)
TRANSACTIONS = (
    "event_id,customer_id,order_id,event_type,occurred_at,amount,currency\n"
    "t1,c1,o1,payment_captured,2026-03-01T10:20:00Z,40.00,EUR\n"
    "t2,c1,o1,order_shipped,2026-03-02T08:00:00Z,,EUR\n"
    "t3,c1,o1,order_delivered,2026-03-04T12:00:00Z,,EUR\n"
    "t4,c2,o2,payment_captured,not-a-time,10.00,EUR\n"
    "t5,c2,o2,payment_captured,2026-03-03T10:10:00Z,10.00,EUR\n"
)
WEB = (
    "event_id,anonymous_id,user_id,event_type,occurred_at,page_path,referrer,device\n"
    "w1,a1,c1,page_view,2026-03-01T10:00:00Z,/,,mobile\n"
    "w2,a1,c1,page_view,2026-03-01T10:05:00Z,/product/1,,mobile\n"
    "w3,a1,c1,add_to_cart,2026-03-01T10:10:00Z,/cart,,mobile\n"
    "w4,a2,c2,page_view,2026-03-03T10:00:00Z,/,,desktop\n"
    "w5,a2,c2,add_to_cart,2026-03-03T10:05:00Z,/cart,,desktop\n"
)
SUPPORT = (
    "event_id,ticket_id,email,phone,channel,team,system,category,event_type,occurred_at\n"
    "s1,k1,bob@example.com,,email,care,zendesk,billing,ticket_opened,2026-03-03T11:00:00Z\n"
)
MORE_TRANSACTIONS = (
    "event_id,customer_id,order_id,event_type,occurred_at,amount,currency\n"
    "t6,c3,o3,payment_captured,2026-03-05T10:00:00Z,25.00,EUR\n"
)
TOUCHPOINTS = [
    {
        "source": "web",
        "event_type": "page_view",
        "match": {"page_path": "/"},
        "touchpoint": "Visit site",
        "channel": "web",
    },  # noqa: E501
    {
        "source": "web",
        "event_type": "page_view",
        "match": {"page_path": "/product*"},
        "touchpoint": "View product",
        "channel": "web",
    },  # noqa: E501
    {"source": "web", "event_type": "add_to_cart", "touchpoint": "Add to cart", "channel": "web"},
    {"source": "transactions", "event_type": "payment_captured", "touchpoint": "Payment captured"},
    {"source": "transactions", "event_type": "order_shipped", "touchpoint": "Order shipped"},
    {"source": "transactions", "event_type": "order_delivered", "touchpoint": "Order delivered"},
]


def write_landing(root: Path) -> Path:
    """Four tiny sources, a map and a journeys.yaml under ``root``; returns the config file."""
    for source, text in (
        ("customers", CUSTOMERS),
        ("transactions", TRANSACTIONS),
        ("web", WEB),
        ("support", SUPPORT),
    ):
        folder = root / "landing" / source
        folder.mkdir(parents=True)
        (folder / f"{source}_2026-03-05.csv").write_text(text, encoding="utf-8")
    (root / "maps").mkdir()
    (root / "maps" / MAP.name).write_text(MAP.read_text(encoding="utf-8"), encoding="utf-8")
    config = {
        "warehouse": "warehouse/journeys.duckdb",
        "reports": "reports",
        "sources": {
            s: {"path": f"landing/{s}"} for s in ("customers", "transactions", "web", "support")
        },  # noqa: E501
        "touchpoints": TOUCHPOINTS,
        "maps": [f"maps/{MAP.name}"],
        "min_support": 1,
    }
    path = root / "journeys.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def deliver_more(root: Path) -> None:
    folder = root / "landing" / "transactions"
    (folder / "transactions_2026-03-06.csv").write_text(MORE_TRANSACTIONS, encoding="utf-8")


# -- fakes for the steps a test does not exercise ----------------------------------------------


@dataclass(frozen=True)
class FakeBuild:
    events: int
    customers: int
    journeys: int
    full_rebuild: bool = True

    def summary(self) -> str:
        return f"build: {self.events} events, {self.journeys} journeys (fake)"


@dataclass(frozen=True)
class FakeCompare:
    drift: pl.DataFrame = field(default_factory=pl.DataFrame)

    def summary(self) -> str:
        return "online-purchase: compared (fake)"


def fake_build(
    settings: Settings,
    *,
    full: bool = False,
    publish: bool = True,
    run_tasks: Runner | None = None,
) -> FakeBuild:
    """One journey per transactions customer, from what ingest really loaded into raw."""
    with open_work(settings, step="build", publish=publish) as wh:
        raw = wh.read_table("raw.transactions", columns=["customer_id"])
        customers = raw["customer_id"].unique().sort()
        wh.write_table(
            "marts.journeys",
            pl.DataFrame({"journey_id": [f"j_{c}" for c in customers], "customer_key": customers}),
        )
        return FakeBuild(events=raw.height, customers=customers.len(), journeys=customers.len())


def fake_compare(
    settings: Settings,
    maps: Any = (),
    *,
    publish: bool = True,
    full: bool = False,
    run_tasks: Any = None,
) -> FakeCompare:
    gaps = pl.DataFrame(
        {
            "map_name": ["online-purchase"] * 7 + ["returns"],
            "rank": [1, 2, 3, 4, 5, 6, None, 1],
            "gap_type": ["skipped_step"] * 6 + ["loop", "dropoff"],
            "from_step": ["Add to cart", "x", "x", "x", "x", "x", "x", "Return asked"],
            "to_step": ["mail ann@example.com", "y", "y", "y", "y", "y", "y", None],
            "journeys": [2, 2, 1, 1, 1, 1, 1, 3],
            "customers": [2, 2, 1, 1, 1, 1, 1, 3],
            "share": [0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25, 0.75],
            "value_at_risk": [40.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 12.5],
            "example_journey_ids": [["j_c1"]] * 8,
        }
    )
    with open_work(settings, step="compare", publish=publish) as wh:
        wh.write_table("marts.map_gaps", gaps)
    return FakeCompare()


def fake_reports(settings: Settings, out: Path | None = None) -> Path:
    with open_published(settings) as wh:
        journeys = wh.count("marts.journeys")
    index = Path(out or settings.reports) / "index.html"
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(f"<html>{journeys} journeys</html>", encoding="utf-8")
    return index


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "build_marts", fake_build)
    monkeypatch.setattr(steps, "compare_maps", fake_compare)
    monkeypatch.setattr(steps, "write_reports", fake_reports)


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ingest", "publish", "report"):
        original = getattr(tasks, name)
        monkeypatch.setattr(
            tasks, name, original.with_options(retry_delay_seconds=0, retry_jitter_factor=None)
        )


def artifacts_of(flow_run_id: UUID) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found}


def published_journeys(settings: Settings) -> list[str]:
    with open_published(settings) as wh:
        return sorted(wh.read_table("marts.journeys")["journey_id"].to_list())


# -- parameters ---------------------------------------------------------------------------------


def test_parameters_are_validated_and_become_settings(tmp_path: Path):
    config = write_landing(tmp_path)
    params = DailyParams(
        config=config, session_gap="45m", journey_horizon="7d", warehouse=tmp_path / "w.duckdb"
    )
    settings = params.to_settings()
    assert settings.sessions.gap_seconds == 45 * 60
    assert settings.sessions.max_seconds == Settings().sessions.max_seconds
    assert settings.journeys.horizon_seconds == 7 * 86400
    assert settings.warehouse == (tmp_path / "w.duckdb").resolve()
    assert settings.source("web").path == str((tmp_path / "landing" / "web").resolve())
    assert settings.maps == ((tmp_path / "maps" / MAP.name).resolve(),)

    from_env = DailyParams().to_settings(
        environ={"JOURNEYS_CONFIG": str(config), "JOURNEYS_WAREHOUSE": str(tmp_path / "e.duckdb")}
    )
    assert from_env.warehouse == (tmp_path / "e.duckdb").resolve()
    with pytest.raises(ConfigError, match=r"^\[config\] no configuration"):
        DailyParams().to_settings(environ={})
    with pytest.raises(ValidationError, match="session_gap: 'soon' is not a duration"):
        DailyParams(config=config, session_gap="soon")
    with pytest.raises(ValidationError, match="file not found"):
        DailyParams(config=tmp_path / "missing.yaml")


def test_settings_pass_through_and_the_salt_is_never_stored(tmp_path: Path):
    settings = load_settings(write_landing(tmp_path), salt="s3cret-salt")
    params = DailyParams(settings=settings)
    assert params.to_settings(environ={"JOURNEYS_WAREHOUSE": "/elsewhere.duckdb"}) == settings
    stored = params.model_dump(mode="json")  # what Prefect keeps as the flow run's parameters
    assert stored["settings"]["salt"] == REDACTED
    assert "s3cret-salt" not in str(stored)
    with pytest.raises(ValidationError, match="salt redacted"):
        DailyParams.model_validate(stored)


def test_retries_only_on_io_tasks_and_no_caching():
    from prefect.cache_policies import NONE

    for io in (tasks.ingest, tasks.publish, tasks.report):
        assert io.retries == tasks.IO_RETRIES and io.retry_condition_fn is tasks.retry_if_transient
        assert io.retry_delay_seconds == [30.0, 60.0, 120.0]
    for compute in (tasks.build, tasks.compare):
        assert compute.retries == 0
    for each in (tasks.ingest, tasks.build, tasks.compare, tasks.publish, tasks.report):
        assert each.cache_policy == NONE and each.persist_result is False
    assert tasks.is_transient(OSError("disk full"))
    assert not tasks.is_transient(IngestError("web.csv line 3: bad"))


def test_errors_leave_a_task_with_the_step_and_without_pii():
    error = tasks.clean_error(RuntimeError("no row for ann@example.com"), step="build")
    assert str(error).startswith("[build] unexpected RuntimeError: no row for [email]")
    error = tasks.clean_error(IngestError("web.csv line 3: phone +49 151 1234567"), step="ingest")
    assert isinstance(error, IngestError) and str(error) == "[ingest] web.csv line 3: phone [phone]"
    error = tasks.clean_error(JourneysError("sql/x.sql: boom", step="warehouse"), step="build")
    assert str(error) == "[build] warehouse error: sql/x.sql: boom"
    assert error.__cause__ is None


def test_task_logs_escape_control_characters_and_mask_contacts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A map or touchpoint name from delivered data reaches the Prefect log as text: no raw
    escape sequence (it would clear or retitle a terminal tailing the worker), no email."""

    class Lines:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def info(self, message: str) -> None:
            self.lines.append(message)

        error = info

    class Result:
        drift = pl.DataFrame()

        def summary(self) -> str:
            return "map \x1b[2J\x1b]0;title\x07 \u202eevil: mail jane@example.com"

    log = Lines()
    monkeypatch.setattr(tasks, "get_run_logger", lambda: log)
    monkeypatch.setattr(steps, "compare_maps", lambda *a, **k: Result())
    settings = Settings(warehouse=tmp_path / "wh.duckdb", maps=(tmp_path / "m.yaml",))
    tasks.compare.fn(settings)
    assert log.lines == ["map \\x1b[2J\\x1b]0;title\\x07 \\u202eevil: mail [email]"]


def test_summary_markdown_counts_and_top_five_gaps_per_map(tmp_path: Path):
    frame = pl.DataFrame(
        {
            "map_name": ["m"] * 7,
            "rank": [3, 1, 2, 4, 5, 6, None],
            "gap_type": ["loop"] * 7,
            "from_step": ["a|b", "ann@example.com", "x", "x", "x", "x", "x"],
            "to_step": ["c"] * 7,
            "journeys": [1] * 7,
            "customers": [1] * 7,
            "share": [0.123] * 7,
            "value_at_risk": [1234.5] * 7,
        }
    )
    top = top_gaps(frame)
    assert top["rank"].to_list() == [1, 2, 3, 4, 5]
    run = DailyRun(
        warehouse=tmp_path / "w.duckdb",
        ingest=tasks.IngestTotals(2, 1, 10, 7, 2, 1, 3),
        build=tasks.BuildTotals(7, 2, 4, False, "build: ok"),
        report_index=tmp_path / "reports" / "index.html",
    )
    text = summary_markdown(run, frame, at=datetime(2026, 3, 5, 6, tzinfo=UTC))
    assert "**7 loaded**" in text and "**2 rejected**" in text and "**3 late**" in text
    assert "**4 journeys**" in text and "incremental" in text
    assert "a\\|b" in text and "12.3%" in text and "1,234.50" in text
    assert "| Loop |" in text and "loop" not in text  # gap types by their report label
    assert "@" not in text and "[email]" in text
    assert (tmp_path / "reports" / "index.html").as_uri() in text
    assert "2026-03-05 06:00 UTC" in text
    assert "| 6 |" not in text  # only the top five


# -- the flow -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness", "fakes")
def test_daily_flow_runs_the_steps_in_order_and_leaves_artifacts(tmp_path: Path):
    config = write_landing(tmp_path)
    state = journeys_daily(DailyParams(config=config), return_state=True)
    assert state.is_completed(), state.message
    run: DailyRun = state.result()
    assert run.ingest == tasks.IngestTotals(
        files_loaded=4, files_skipped=0, rows_read=13, rows_loaded=12, rows_rejected=1,
        duplicates=0, late_events=0,
    )  # fmt: skip
    assert run.build is not None and run.build.journeys == 2
    settings = load_settings(config)
    assert run.published == settings.warehouse
    assert run.report_index == settings.reports / "index.html"
    assert published_journeys(settings) == ["j_c1", "j_c2"]

    found = artifacts_of(state.state_details.flow_run_id)
    assert set(found) == {"journeys-daily-summary", "journeys-gaps", "journeys-report"}
    summary = found["journeys-daily-summary"].data
    assert "completed" in summary and "**12 loaded**" in summary and "**1 rejected**" in summary
    assert "### online-purchase" in summary and "### returns" in summary
    table = found["journeys-gaps"].data
    assert '"gap_type": "dropoff"' in table and '"rank": 6' in table
    assert f"({run.report_index.resolve().as_uri()})" in found["journeys-report"].data
    for artifact in found.values():
        assert "@example.com" not in str(artifact.data) and "1234567" not in str(artifact.data)

    # the next day: files loaded before are skipped, the new one is loaded
    deliver_more(tmp_path)
    again = journeys_daily(DailyParams(config=config))
    assert (again.ingest.files_loaded, again.ingest.files_skipped) == (1, 4)
    assert published_journeys(settings) == ["j_c1", "j_c2", "j_c3"]


@pytest.mark.usefixtures("prefect_harness", "fakes")
def test_a_failing_step_names_itself_and_keeps_the_published_marts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    config = write_landing(tmp_path)
    settings = load_settings(config)
    journeys_daily(DailyParams(config=config))
    assert published_journeys(settings) == ["j_c1", "j_c2"]

    def broken_build(
        settings: Settings, *, full: bool = False, publish: bool = True, **_: Any
    ) -> Any:
        with open_work(settings, step="build", publish=publish) as wh:
            wh.write_table("marts.journeys", pl.DataFrame({"journey_id": ["half"]}))
            raise RuntimeError("lost the thread at ann@example.com")

    deliver_more(tmp_path)
    monkeypatch.setattr(steps, "build_marts", broken_build)
    state = journeys_daily(DailyParams(config=config), return_state=True)
    assert state.is_failed()
    assert "[build] unexpected RuntimeError: lost the thread at [email]" in state.message
    with pytest.raises(JourneysError, match=r"^\[build\] unexpected RuntimeError"):
        state.result()
    assert published_journeys(settings) == ["j_c1", "j_c2"]  # readers still see yesterday
    summary = artifacts_of(state.state_details.flow_run_id)["journeys-daily-summary"].data
    assert "failed at build" in summary and "unchanged" in summary and "@" not in summary

    monkeypatch.setattr(steps, "build_marts", fake_build)
    run = journeys_daily(DailyParams(config=config))
    assert run.ok and run.ingest.files_loaded == 0  # loaded by the failed run, kept in raw
    assert published_journeys(settings) == ["j_c1", "j_c2", "j_c3"]


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_without_configuration_fails_clearly_and_still_leaves_a_summary(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv("JOURNEYS_CONFIG", raising=False)
    state = journeys_daily(return_state=True)
    assert state.is_failed() and "[config] no configuration" in state.message
    found = artifacts_of(state.state_details.flow_run_id)
    assert "failed at config" in found["journeys-daily-summary"].data
    assert "journeys-report" not in found


@pytest.mark.usefixtures("prefect_harness", "fakes", "quick_retries")
def test_transient_io_failures_are_retried_user_errors_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    config = write_landing(tmp_path)
    settings = load_settings(config)
    real_ingest, calls = steps.ingest_landing, []

    def flaky(settings: Settings, **options: Any) -> list[Any]:
        calls.append("flaky")
        if len(calls) == 1:
            raise OSError("NFS hiccup")
        return real_ingest(settings, **options)

    monkeypatch.setattr(steps, "ingest_landing", flaky)
    assert journeys_daily(DailyParams(config=config)).ok
    assert calls == ["flaky", "flaky"]

    def bad_file(settings: Settings, **options: Any) -> list[Any]:
        calls.append("bad")
        raise IngestError("web.csv line 3: occurred_at 'soon' is not a timestamp")

    monkeypatch.setattr(steps, "ingest_landing", bad_file)
    with pytest.raises(IngestError, match=r"^\[ingest\] web.csv line 3"):
        journeys_daily(DailyParams(config=config))
    assert calls.count("bad") == 1

    # another writer holds the warehouse: retried, then refused with one clear line
    monkeypatch.setattr(steps, "ingest_landing", real_ingest)
    with writer_lock(settings, step="build"), pytest.raises(JourneysError) as refused:
        journeys_daily(DailyParams(config=config))
    assert str(refused.value).startswith("[ingest] ")
    assert "another journeys run is writing it" in str(refused.value)


@pytest.mark.usefixtures("prefect_harness", "fakes")
def test_run_daily_returns_what_ran_and_where_the_report_is(tmp_path: Path):
    settings = load_settings(write_landing(tmp_path))
    text = run_daily(settings)
    assert "ingest: 4 file(s) loaded" in text
    assert f"report: {settings.reports / 'index.html'}" in text
    assert (settings.reports / "index.html").is_file()


@pytest.mark.usefixtures("prefect_harness")
def test_daily_flow_runs_the_real_steps(tmp_path: Path):
    config = write_landing(tmp_path)
    settings = load_settings(config)
    state = journeys_daily(DailyParams(config=config), return_state=True)
    assert state.is_completed(), state.message
    run: DailyRun = state.result()
    assert run.build is not None and run.build.journeys >= 2
    with open_published(settings) as wh:
        assert wh.count("marts.journeys") == run.build.journeys
        assert wh.table_exists("marts.map_gaps")
    assert run.report_index is not None and run.report_index.is_file()
    found = artifacts_of(state.state_details.flow_run_id)
    assert "online-purchase" in found["journeys-daily-summary"].data
    for artifact in found.values():
        assert "@example.com" not in str(artifact.data)


# -- deployments --------------------------------------------------------------------------------


def test_prefect_yaml_declares_the_served_deployments():
    from prefect.flows import load_flow_from_entrypoint

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    daily, micro = spec["deployments"]
    for declared, served in ((daily, DAILY), (micro, MICRO)):
        assert declared["name"] == served.name and declared["entrypoint"] == served.entrypoint
        assert declared["work_pool"]["name"] == served.work_pool
        assert declared["tags"] == list(served.tags)
        assert declared["description"] == served.description
        file, _, name = declared["entrypoint"].partition(":")
        assert load_flow_from_entrypoint(f"{ROOT / file}:{name}").name == served.name
    assert daily["schedules"] == [{"cron": DAILY.cron, "timezone": DAILY.timezone, "active": True}]
    assert daily["concurrency_limit"] == DAILY.concurrency_limit
    # micro: an interval, one run at a time, a run due while one runs is cancelled
    assert micro["schedules"] == [
        {"interval": MICRO.interval_seconds, "timezone": MICRO.timezone, "active": True}
    ]
    assert micro["concurrency_limit"] == {
        "limit": MICRO.concurrency_limit,
        "collision_strategy": MICRO.collision_strategy,
    }

    served_daily, served_micro = build_deployments()
    assert served_daily.name == DAILY.name
    assert served_daily.entrypoint == "pipelines.daily.journeys_daily"
    [schedule] = served_daily.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == (DAILY.cron, DAILY.timezone)
    assert served_micro.entrypoint == "pipelines.micro.journeys_micro"
    [schedule] = served_micro.schedules
    assert schedule.schedule.interval.total_seconds() == MICRO.interval_seconds
    assert served_micro.concurrency_limit == 1
    assert served_micro.concurrency_options.collision_strategy.value == "CANCEL_NEW"
    assert served_daily.parameters == {}  # the runs read $JOURNEYS_WAREHOUSE or the config's
    for elsewhere in build_deployments(warehouse=Path("/srv/w.duckdb")):  # journeys --warehouse
        assert elsewhere.parameters == {"params": {"warehouse": "/srv/w.duckdb"}}


def test_serve_needs_a_prefect_server():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(restore_defaults=[PREFECT_API_URL]),
        pytest.raises(JourneysError, match=r"^\[serve\] no Prefect server"),
    ):
        serve_deployments()


def test_summary_links_a_relative_report_index_as_an_absolute_file_uri(tmp_path: Path, monkeypatch):
    """Settings default to reports/ (relative); the summary used to fail on as_uri()."""
    monkeypatch.chdir(tmp_path)
    run = DailyRun(
        warehouse=Path("w.duckdb"),
        ingest=tasks.IngestTotals(0, 0, 0, 0, 0, 0, 0),
        build=tasks.BuildTotals(0, 0, 0, False, "build: ok"),
        report_index=Path("reports") / "index.html",
    )
    empty = pl.DataFrame(schema={"map_name": pl.String, "rank": pl.Int64})
    text = summary_markdown(run, empty, at=datetime(2026, 3, 5, 6, tzinfo=UTC))
    assert (tmp_path / "reports" / "index.html").as_uri() in text


def test_ingest_totals_count_refused_and_all_rejected_files_apart():
    from journeys.ingest.load import BatchResult

    batches = [
        BatchResult("b1", "web", "a.jsonl", rows_read=5, rows_accepted=4, rows_rejected=1),
        BatchResult("b2", "web", "b.jsonl", skipped=True, note="already loaded in batch b0"),
        BatchResult("b3", "web", "c.jsonl", refused=True, note="not a JSON lines file"),
        BatchResult("b4", "web", "d.jsonl", rows_read=2, rows_rejected=2),
    ]
    totals = tasks.IngestTotals.of(batches)
    assert (totals.files_loaded, totals.files_skipped, totals.files_refused) == (2, 1, 1)
    assert totals.files_all_rejected == 1
    assert (totals.rows_read, totals.rows_loaded, totals.rows_rejected) == (7, 4, 3)
    assert "1 refused, 1 with every row rejected" in totals.line()
