"""Partitioned path builds give exactly the marts of a one-process build.

The sample shop is loaded once; each test copies the loaded work file, builds it one way or the
other and compares every ``marts.*`` table, sorted by its key, column by column and type by type.
``test_dask_cluster_build_is_identical`` runs the partitions as mapped Prefect tasks on a local
Dask cluster of two worker processes (marked slow).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from journeys import build, steps
from journeys.config import Settings, load_settings
from journeys.paths.partitions import PartitionJob, PartitionResult, build_partition
from journeys.publish import work_path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
MARTS = (
    "events",
    "sessions",
    "journeys",
    "customers",
    "touchpoints",
    "transitions",
    "variants",
    "journey_effort",
    "journey_handoffs",
)
COMPARED = (
    "maps",
    "map_conformance",
    "map_steps",
    "map_gaps",
    "map_journeys",
    "touchpoint_impact",
    "map_gap_history",
    "map_drift",
)
IDENTITY = "intermediate.int_identity"


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("landing")
    for name in (
        "customers.csv",
        "transactions.csv",
        "web_events.jsonl",
        "support_interactions.csv",
    ):
        shutil.copy(SAMPLE / name, folder / name)
    shutil.copytree(SAMPLE / "late", folder / "late")
    shutil.copytree(SAMPLE / "maps", folder / "maps")
    shutil.copy(SAMPLE / "journeys.yaml", folder / "journeys.yaml")
    return folder


@pytest.fixture(scope="module")
def loaded(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A work file with the sample loaded (main delivery only; ``late/`` is left for later)."""
    settings = _settings(landing, tmp_path_factory.mktemp("loaded"), late=False)
    steps.ingest_landing(settings)
    return work_path(settings)


def _settings(landing: Path, folder: Path, *, late: bool = True, **overrides: object) -> Settings:
    settings = load_settings(landing / "journeys.yaml", warehouse=folder / "journeys.duckdb")
    if not late:
        sources = {
            name: src.replace(path=str(landing / Path(src.path or "").name.replace("**/", "")))
            for name, src in settings.sources.items()
        }
        settings = settings.replace(sources=sources)
    return settings.replace(**overrides)


def _copy(loaded: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(loaded, folder / loaded.name)


def _marts(settings: Settings) -> dict[str, pl.DataFrame]:
    keys = {
        "events": ["seq"],
        "sessions": ["session_id"],
        "journeys": ["journey_id"],
        "customers": ["customer_key"],
        "touchpoints": ["touchpoint"],
        "maps": ["map_name"],
        "map_conformance": ["map_name", "journey_id"],
        "map_steps": ["map_name", "step"],
        "map_gaps": ["map_name", "gap_type", "from_step", "to_step", "touchpoint", "detail"],
        "map_journeys": ["map_name", "journey_id"],
        "touchpoint_impact": ["map_name", "touchpoint"],
        "map_gap_history": ["map_name", "map_version", "period", "gap_id"],
        "map_drift": ["map_name", "period", "gap_id", "measure", "kind"],
        "journey_effort": ["journey_id"],
        "journey_handoffs": ["journey_id", "step_index"],
    }
    with duckdb.connect(str(work_path(settings)), read_only=True) as con:
        out = {}
        compared = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'maps'")
        for mart in MARTS + (COMPARED if compared.fetchall()[0][0] else ()):
            frame = con.sql(f"SELECT * FROM marts.{mart}").pl()
            out[mart] = frame.sort(keys.get(mart, frame.columns), nulls_last=True)
        out[IDENTITY] = con.sql(f"SELECT * FROM {IDENTITY}").pl().sort("node")
        return out


def assert_same_marts(a: Settings, b: Settings) -> None:
    left, right = _marts(a), _marts(b)
    assert left.keys() == right.keys()
    for mart in left:
        # the sample's few weeks hold no drift event: map_drift is compared, empty or not
        assert left[mart].height > 0 or mart == "map_drift", mart
        assert left[mart].schema == right[mart].schema, mart
        assert_frame_equal(left[mart], right[mart], check_exact=True), mart


def assert_grows_alike(single: Settings, other: Settings) -> None:
    """Load the late files into both; ``other``'s incremental build, which rebuilds some
    customers (not all), equals ``single``'s one-process full rebuild."""
    steps.ingest_landing(single)
    steps.ingest_landing(other)
    steps.build_marts(single, full=True, publish=False)
    result = steps.build_marts(other, publish=False)
    assert not result.full_rebuild and 0 < result.rebuilt_customers < result.customers
    assert_same_marts(single, other)


def test_partitioned_build_is_identical(loaded: Path, landing: Path, tmp_path: Path) -> None:
    single = _settings(landing, tmp_path / "single", late=False)
    parted = _settings(landing, tmp_path / "parted", late=False, partitions=5)
    for settings in (single, parted):
        _copy(loaded, tmp_path / settings.warehouse.parent.name)
        steps.build_marts(settings, full=True, publish=False)
    assert_same_marts(single, parted)
    assert not (tmp_path / "parted" / "journeys.duckdb.partitions").exists()


def test_int_events_written_with_enums_are_the_same(
    loaded: Path, landing: Path, tmp_path: Path
) -> None:
    """The sample shop's int_events written with its texts as ENUMs (two partitions, one job
    each): the same int_events, of text columns, and the same marts as written as text."""
    single = _settings(landing, tmp_path / "single", late=False, partitions=2)
    enums = _settings(landing, tmp_path / "enums", late=False, partitions=2)
    for settings in (single, enums):
        _copy(loaded, tmp_path / settings.warehouse.parent.name)
    seen: list[dict[str, list[str]]] = []
    with pytest.MonkeyPatch.context() as patch:
        _one_job(patch)
        steps.build_marts(single, full=True, publish=False)
        patch.setattr(build, "TEXT_ROWS", 1)
        texts = build.int_event_texts
        patch.setattr(build, "int_event_texts", lambda wh: seen.append(texts(wh)) or seen[-1])
        steps.build_marts(enums, full=True, publish=False)
    assert seen and {"web", "orders"} <= set(seen[0]["channel"])  # the model's own defaults
    assert set(seen[0]) >= {"source", "event_type", "touchpoint", "team", "system", "batch_id"}
    assert_same_marts(single, enums)
    events = []
    for settings in (single, enums):
        with duckdb.connect(str(work_path(settings)), read_only=True) as con:
            events.append(con.sql("SELECT * FROM intermediate.int_events").pl().sort("seq"))
    assert events[0].height > 1000 and events[0].schema == events[1].schema
    assert_frame_equal(events[0], events[1], check_exact=True)


def test_partitioned_incremental_build_is_identical(
    loaded: Path, landing: Path, tmp_path: Path
) -> None:
    """Late files after a partitioned build: the incremental partitioned rebuild of the touched
    customers equals a one-process full rebuild."""
    single = _settings(landing, tmp_path / "single")
    parted = _settings(landing, tmp_path / "parted", partitions=3)
    for settings in (single, parted):
        _copy(loaded, tmp_path / settings.warehouse.parent.name)
    steps.build_marts(parted, publish=False)
    assert_grows_alike(single, parted)


def test_changed_effort_rules_reach_every_partition(
    loaded: Path, landing: Path, tmp_path: Path
) -> None:
    """A shorter handoff SLA and no new events: each partition keeps its events and re-derives
    its effort (every customer), as a one-process full build with the new rule does."""
    single = _settings(landing, tmp_path / "single", late=False)
    parted = _settings(landing, tmp_path / "parted", late=False, partitions=3)
    for settings in (single, parted):
        _copy(loaded, tmp_path / settings.warehouse.parent.name)
    steps.build_marts(parted, publish=False)
    before = _marts(parted)["journey_effort"]["missed_handoffs"].sum()
    effort = single.effort.replace(handoff_sla_seconds=600)
    single, parted = (s.replace(effort=effort) for s in (single, parted))
    steps.build_marts(single, full=True, publish=False)
    result = steps.build_marts(parted, publish=False)
    assert not result.full_rebuild
    assert _marts(parted)["journey_effort"]["missed_handoffs"].sum() > before
    assert_same_marts(single, parted)


def test_split_by_channel_partitioned(loaded: Path, landing: Path, tmp_path: Path) -> None:
    single = _settings(landing, tmp_path / "single", late=False)
    sessions = single.sessions.replace(split_by_channel=True, max_seconds=600)
    single = single.replace(sessions=sessions)
    parted = single.replace(warehouse=tmp_path / "parted" / "journeys.duckdb", partitions=4)
    calls: list[list[PartitionJob]] = []

    def runner(function: Callable[[Any], Any], jobs: list[Any]) -> list[Any]:
        if function is build_partition:
            calls.append(list(jobs))
        return [function(job) for job in jobs]

    for settings in (single, parted):
        _copy(loaded, tmp_path / settings.warehouse.parent.name)
    steps.build_marts(single, full=True, publish=False)
    steps.build_marts(parted, full=True, publish=False, run_tasks=runner)
    assert [len(c) for c in calls] == [4]
    steps.compare_maps(single, publish=False)
    steps.compare_maps(parted, publish=False, run_tasks=runner)
    assert_same_marts(single, parted)


def test_cut_sessions_partitioned(loaded: Path, landing: Path, tmp_path: Path) -> None:
    """Sessions longer than max_seconds are cut after a partition has written its events
    straight into their file: the partition loads them back into a table, cuts them and writes
    them again, and deletes the first file. Same marts as one process."""
    single = _settings(landing, tmp_path / "single", late=False)
    single = single.replace(sessions=single.sessions.replace(max_seconds=600))
    parted = single.replace(warehouse=tmp_path / "parted" / "journeys.duckdb", partitions=3)
    for settings in (single, parted):
        _copy(loaded, tmp_path / settings.warehouse.parent.name)
        steps.build_marts(settings, full=True, publish=False)
    assert_same_marts(single, parted)
    events = _marts(parted)["events"]
    assert events.filter(pl.col("session_id").str.contains(r"\.2$")).height > 0  # cut ones
    with duckdb.connect(str(work_path(parted)), read_only=True) as con:
        listed = {f for (f,) in con.execute(
            "SELECT unnest(files) FROM raw.data_files WHERE table_name = 'marts.events'"
        ).fetchall()}  # fmt: skip
    on_disk = {
        str(f) for f in (tmp_path / "parted" / "journeys.data" / "marts" / "events").glob("*")
    }
    assert len(listed) == 3 and on_disk == listed


RAW = (
    "SELECT source, regexp_extract(file, '[^/]+/[^/]+$'), rows_read, rows_accepted, "
    "rows_rejected, duplicates, late_events, note FROM raw.manifest",
    "SELECT source, regexp_extract(file, '[^/]+/[^/]+$'), row_number, raw, reason FROM raw.rejects",
    "SELECT * EXCLUDE (_batch_id, _loaded_at, _file, _seq) FROM raw.web",
    "SELECT * EXCLUDE (_batch_id, _loaded_at, _file, _seq) FROM raw.transactions",
    "SELECT * EXCLUDE (_batch_id, _loaded_at, _file, _seq) FROM raw.support",
)


def raw_layer(settings: Settings) -> list[list[str]]:
    """The raw layer, order-free, without what names a run (batch ids, load times, paths)."""
    with duckdb.connect(str(work_path(settings)), read_only=True) as con:
        return [sorted(map(repr, con.execute(q).fetchall())) for q in RAW]


def test_ingest_as_jobs_loads_the_same_batches(landing: Path, tmp_path: Path) -> None:
    """Files read and checked by jobs (here in reverse order) and merged by the writer in
    delivery order give the raw layer of a one-process ingest: rows, duplicates across files,
    late events, rejects and their text."""
    single = _settings(landing, tmp_path / "single")
    parted = _settings(landing, tmp_path / "parted", partitions=3)
    ran: list[int] = []

    def backwards(function: Callable[[Any], Any], jobs: list[Any]) -> list[Any]:
        ran.append(len(jobs))
        return list(reversed([function(job) for job in reversed(jobs)]))

    steps.ingest_landing(single)
    batches = steps.ingest_landing(parted, run_tasks=backwards)
    assert ran == [6] and sum(b.duplicates for b in batches) > 0
    assert sum(b.rows_rejected for b in batches) > 0 and sum(b.late_events for b in batches) > 0
    assert raw_layer(single) == raw_layer(parted)
    again = steps.ingest_landing(parted, run_tasks=backwards)
    assert all(b.skipped for b in again)  # the manifest knows them
    assert not (tmp_path / "parted" / "journeys.duckdb.partitions").exists()


@pytest.mark.slow
def test_dask_cluster_build_is_identical(
    loaded: Path, landing: Path, tmp_path: Path, prefect_harness: None
) -> None:
    """Ingest and build as mapped Prefect tasks on a local Dask cluster (2 worker processes):
    the raw layer, int_identity and every mart as in one process."""
    from distributed import LocalCluster
    from pipelines.partitions import task_runner

    single = _settings(landing, tmp_path / "single", late=False)
    _copy(loaded, tmp_path / "single")
    steps.build_marts(single, full=True, publish=False)
    steps.compare_maps(single, publish=False)
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        parted = _settings(
            landing,
            tmp_path / "parted",
            late=False,
            partitions=4,
            dask_address=cluster.scheduler_address,
        )
        seen: list[PartitionResult] = []
        stages: list[str] = []
        runner = task_runner(parted)
        assert runner is not None

        def recording(function: Callable[[Any], Any], jobs: list[Any]) -> list[Any]:
            results = list(runner(function, jobs))
            stages.append(function.__name__)
            seen.extend(r for r in results if isinstance(r, PartitionResult))
            return results

        steps.ingest_landing(parted, run_tasks=recording)
        with pytest.MonkeyPatch.context() as patch:  # texts as ENUMs, decided by the writer
            from journeys.paths import partitions

            patch.setattr(partitions, "TEXT_EVENTS", 1)
            patch.setattr(build, "TEXT_ROWS", 1)
            steps.build_marts(parted, full=True, publish=False, run_tasks=recording)
        steps.compare_maps(parted, publish=False, run_tasks=recording)
    # the files, identity (rounds of label propagation), the events, the paths, the medians and
    # the maps' step timing all ran as tasks on the cluster
    ran = {
        "check_file",
        "label_step",
        "build_event_slice",
        "build_partition",
        "compute_medians",
        "time_partition",
    }
    assert ran <= set(stages)
    assert raw_layer(single) == raw_layer(parted)
    assert len(seen) == 4
    assert os.getpid() not in {r.pid for r in seen}
    assert len({r.pid for r in seen}) == 2  # both worker processes built partitions
    assert_same_marts(single, parted)
    with duckdb.connect(str(work_path(parted)), read_only=True) as con:
        split = con.execute(  # customers whose identifiers the partitions share between them
            f"SELECT count(*) FROM (SELECT customer_key FROM {IDENTITY} GROUP BY customer_key "
            "HAVING count(DISTINCT hash(node) % 4) > 1)"
        ).fetchone()[0]
    assert split > 100  # so stitching really had to join components across partitions


@pytest.mark.slow
def test_daily_flow_maps_partitions_on_threads(
    loaded: Path, landing: Path, tmp_path: Path, prefect_harness: None
) -> None:
    """``journeys-daily`` with ``partitions: 3`` (threads, the default task runner) builds the
    partitions as mapped tasks of the subflow and publishes the same marts."""
    from pipelines.daily import journeys_daily
    from pipelines.params import DailyParams
    from prefect.client.orchestration import get_client

    # no maps on either side: the flow skips compare, and the effort marts take no SLAs
    single = _settings(landing, tmp_path / "single", late=False, maps=())
    _copy(loaded, tmp_path / "single")
    steps.build_marts(single, full=True, publish=False)
    parted = _settings(
        landing, tmp_path / "parted", late=False, maps=(), reports=tmp_path / "reports"
    )
    _copy(loaded, tmp_path / "parted")
    state = journeys_daily(DailyParams(settings=parted, partitions=3, full=True), return_state=True)
    assert state.is_completed(), state.message
    assert_same_marts(single, parted)

    async def partition_runs() -> int:
        from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

        async with get_client() as client:
            runs = await client.read_task_runs(
                task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="build-partition"))
            )
        return sum(1 for r in runs if r.state is not None and r.state.is_completed())

    import asyncio

    assert asyncio.run(partition_runs()) >= 3


def test_task_runner_and_params_choose_the_runner(tmp_path: Path) -> None:
    """Threads by default, prefect-dask for an address; the flow parameters set both."""
    from pipelines.params import DailyParams
    from pipelines.partitions import task_runner, task_runner_for
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    base = Settings(warehouse=tmp_path / "journeys.duckdb")
    assert task_runner(base) is None  # one partition: the plain build
    assert isinstance(task_runner_for(base.replace(partitions=4)), ThreadPoolTaskRunner)
    remote = base.replace(partitions=4, dask_address="tcp://10.0.0.5:8786")
    assert isinstance(task_runner_for(remote), DaskTaskRunner)
    settings = DailyParams(
        settings=base, partitions=6, dask_address="tcp://10.0.0.5:8786"
    ).to_settings()
    assert (settings.partitions, settings.dask_address) == (6, "tcp://10.0.0.5:8786")
    with pytest.raises(ValueError):
        DailyParams(settings=base, partitions=0)


@pytest.fixture
def lanes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every partition of a full in-process build split into three lanes, however small."""
    from journeys.paths import partitions

    monkeypatch.setattr(partitions, "LANE_EVENTS", 1)
    monkeypatch.setattr(partitions, "TEXT_EVENTS", 1)  # and their texts read as ENUMs
    monkeypatch.setattr(build, "TEXT_ROWS", 1)  # int_events' texts written as ENUMs
    monkeypatch.setattr(partitions, "available_cores", lambda: 3)


def _one_job(patch: pytest.MonkeyPatch) -> None:
    """The reference build: one job per partition, every text read and written as text."""
    from journeys.paths import partitions

    patch.setattr(partitions, "LANE_EVENTS", 10**12)
    patch.setattr(partitions, "TEXT_EVENTS", 10**12)
    patch.setattr(build, "TEXT_ROWS", 10**12)


def test_lanes_build_and_then_grow_identically(
    loaded: Path, landing: Path, tmp_path: Path, lanes: None
) -> None:
    """A full build in lanes (two partitions, three lanes each, on threads) equals the one-job
    build; late files after it rebuild the touched customers incrementally from the lanes'
    files, and that equals a one-process full rebuild too."""
    single = _settings(landing, tmp_path / "single")
    laned = _settings(landing, tmp_path / "laned", partitions=2)
    for settings in (single, laned):
        _copy(loaded, tmp_path / settings.warehouse.parent.name)

    with pytest.MonkeyPatch.context() as patch:
        _one_job(patch)  # the reference: no lanes
        steps.build_marts(single, full=True, publish=False)
    steps.build_marts(laned, full=True, publish=False)
    assert_same_marts(single, laned)
    with duckdb.connect(str(work_path(laned)), read_only=True) as con:
        files = con.sql(
            "SELECT part, count(*) FROM (SELECT unnest(parts) AS part FROM raw.data_files "
            "WHERE table_name = 'marts.events') GROUP BY part ORDER BY part"
        ).fetchall()
    assert files == [(0, 3), (1, 3)]  # a file per lane, recorded as its partition's
    with pytest.MonkeyPatch.context() as patch:  # the reference again without lanes (an
        _one_job(patch)  # incremental job has none anyway)
        assert_grows_alike(single, laned)


def test_lanes_of_the_help_desk_log_build_its_marts(
    helpdesk_csv: Path, tmp_path: Path, lanes: None
) -> None:
    """The real help-desk log (a case is a journey, its agents the teams), built in lanes and in
    one job: every path, effort and mining mart holds the same rows."""
    from journeys.build import build_warehouse
    from journeys.ingest.eventlog import import_log
    from journeys.paths import partitions
    from journeys.publish import open_work

    built = {}
    for name, lane_events in (("one", 10**12), ("lanes", 1)):
        settings = Settings(warehouse=str(tmp_path / name / "journeys.duckdb"))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(partitions, "LANE_EVENTS", lane_events)
            patch.setattr(partitions, "TEXT_EVENTS", lane_events)
            patch.setattr(build, "TEXT_ROWS", lane_events)
            with open_work(settings, step="build", publish=False) as wh:
                import_log(wh, settings, helpdesk_csv, case_col="case_id",
                           activity_col="activity", timestamp_col="timestamp",
                           team_col="resource")  # fmt: skip
                build_warehouse(wh, settings)
                built[name] = {
                    mart: wh._run(f"SELECT * FROM marts.{mart} ORDER BY ALL") for mart in MARTS
                }
                if name == "lanes":
                    assert len(wh.stored_files()["marts.events"]) == 3
    for mart in MARTS:
        assert built["one"][mart] == built["lanes"][mart], mart
        assert built["one"][mart], mart  # its agents' handoffs too (--team-col resource)


HOSTILE_TEXTS = """case_id,activity,timestamp,channel
c1,O'Brien's call,2026-03-02T09:00:00Z,phone
c1,"Zahlung – bestätigt",2026-03-02T09:05:00Z,
c1,a,2026-03-02T09:06:00Z,Phone
c2,A,2026-03-02T10:00:00Z,web
c2,b,2026-03-02T10:01:00Z,web
c2,B,2026-03-02T10:02:00Z,phone
c2,"x, y",2026-03-02T10:03:00Z,"chat, live"
c3,export.parquet,2026-03-03T08:00:00Z,web
c3,Ünterschrift,2026-03-03T08:30:00Z,phone
c3,📞 call,2026-03-03T09:00:00Z,Phone
c3,z,2026-03-03T09:00:00Z,
c4,Z,2026-03-04T12:00:00Z,web
c4,O'Brien's call,2026-03-04T12:00:01Z,phone
c4,a,2026-03-04T13:00:00Z,phone
c5,"O'Brien's call",2026-03-05T07:00:00Z,web
"""


def test_texts_read_as_enums_give_the_same_marts(tmp_path: Path, lanes: None) -> None:
    """A hand-written log of awkward names (quotes, commas, case, accents, an emoji, a name
    ending in .parquet, no channel), built in lanes whose events' texts are read as ENUMs and
    in one job as text: the same rows and the same (text) types in every mart, and the ENUMs
    listed every value in text order."""
    from journeys.build import build_warehouse
    from journeys.ingest.eventlog import import_log
    from journeys.publish import open_work
    from journeys.warehouse import storage

    log = tmp_path / "awkward.csv"
    log.write_text(HOSTILE_TEXTS, encoding="utf-8")
    listed: list[dict[str, list[str]]] = []
    define = storage.StoredTables.define_stored_view

    def spied(self: Any, table: str, files: Any, **kw: Any) -> None:
        if kw.get("texts"):
            listed.append(kw["texts"])
        define(self, table, files, **kw)

    built, types = {}, {}
    for name in ("one", "lanes"):
        settings = Settings(warehouse=tmp_path / name / "journeys.duckdb")
        with pytest.MonkeyPatch.context() as patch:
            if name == "one":
                _one_job(patch)
            patch.setattr(storage.StoredTables, "define_stored_view", spied)
            with open_work(settings, step="build", publish=False) as wh:
                import_log(wh, settings, log, case_col="case_id", activity_col="activity",
                           timestamp_col="timestamp", channel_col="channel")  # fmt: skip
                build_warehouse(wh, settings)
                built[name] = {m: wh._run(f"SELECT * FROM marts.{m} ORDER BY ALL") for m in MARTS}
                types[name] = {m: wh.described(f"marts.{m}") for m in MARTS}
    for mart in MARTS:
        assert built["one"][mart] == built["lanes"][mart], mart
        assert types["one"][mart] == types["lanes"][mart], mart
    assert built["lanes"]["events"] and "VARCHAR" in dict(types["lanes"]["events"]).values()
    assert not any("ENUM" in t for m in MARTS for _, t in types["lanes"][m])
    assert len(listed) == 3  # one per lane
    steps_listed = listed[0]["touchpoint"]
    assert steps_listed == listed[0]["event_type"] == sorted(steps_listed)
    assert {"O'Brien's call", "Zahlung – bestätigt", "x, y", "export.parquet", "📞 call"} <= set(
        steps_listed
    )
    assert steps_listed.index("A") < steps_listed.index("B") < steps_listed.index("a")
    # channels are read in lower case, as the help desk's are: 'Phone' and 'phone' are one
    assert listed[0]["channel"] == ["chat, live", "phone", "web"]


def test_only_a_full_large_job_is_split_into_lanes_with_shares_of_memory() -> None:
    from journeys.paths.partitions import LANE_EVENTS, _share, in_lanes
    from journeys.paths.rules import PathRules

    def job(part: int, **kw: Any) -> PartitionJob:
        fields: dict[str, Any] = {
            "part": part, "parts": 2, "data": Path("."), "events": ("e.parquet",),
            "profiles": (), "horizons": (), "rules": PathRules.of(Settings()),
            "effort": None, "cutoff": None,
        }  # fmt: skip
        return PartitionJob(**(fields | kw))

    big, small = 2 * LANE_EVENTS, LANE_EVENTS - 1
    jobs = in_lanes(
        [job(0, memory_limit="6GB"), job(1), job(2, full=False)],
        {0: big, 1: small, 2: big},
        cores=4,
    )
    assert [(j.part, j.lane, j.lanes, j.threads, j.memory_limit) for j in jobs] == [
        (0, 0, 2, 2, "3000000000B"),
        (0, 1, 2, 2, "3000000000B"),
        (1, 0, 1, None, None),  # too small to split
        (2, 0, 1, None, None),  # incremental: keeps its files, rebuilds a few customers
    ]
    assert jobs[1].lane_filter() == "(hash(customer_key) // 2) % 2 = 1"
    assert jobs[2].lane_filter() is None
    assert _share("1.5 GiB", 3) == f"{int(1.5 * 2**30) // 3}B"
    assert _share("512MB", 2) == "256000000B" and _share(None, 2) is None
    assert _share("3 gigabytes", 2) == "1500000000B"  # every size the settings accept
    unread = in_lanes([job(0, memory_limit="80%")], {0: big}, cores=2)
    assert [(j.lanes, j.memory_limit) for j in unread] == [(1, "80%")]  # not split: kept whole


def test_lanes_with_channel_sessions_then_compare(
    loaded: Path, landing: Path, tmp_path: Path, lanes: None
) -> None:
    """Sessions split by channel and cut at ten minutes, built in lanes (one partition, three
    lanes), then both sample maps compared: every mart and map mart equals the one-job build's."""
    from journeys.paths import partitions

    single = _settings(landing, tmp_path / "single", late=False)
    sessions = single.sessions.replace(split_by_channel=True, max_seconds=600)
    single = single.replace(sessions=sessions)
    laned = single.replace(warehouse=tmp_path / "laned" / "journeys.duckdb")
    for settings in (single, laned):
        _copy(loaded, tmp_path / settings.warehouse.parent.name)
    with pytest.MonkeyPatch.context() as patch:
        _one_job(patch)  # the reference: no lanes
        steps.build_marts(single, full=True, publish=False)
    calls: list[list[PartitionJob]] = []
    run_lanes = partitions.run_lanes

    def counted(function: Callable[[Any], Any], jobs: Any) -> Any:
        calls.append(list(jobs))
        return run_lanes(function, jobs)

    with pytest.MonkeyPatch.context() as patch:
        import journeys.paths.build as paths_build

        patch.setattr(paths_build, "run_lanes", counted)
        steps.build_marts(laned, full=True, publish=False)
    assert [[(j.part, j.lane, j.lanes, j.threads) for j in c] for c in calls] == [
        [(0, 0, 3, 1), (0, 1, 3, 1), (0, 2, 3, 1)]
    ]
    steps.compare_maps(single, publish=False)
    steps.compare_maps(laned, publish=False)
    assert_same_marts(single, laned)


def test_a_small_build_runs_its_path_job_in_the_writers_duckdb(
    loaded: Path, landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small build's path job ran in an in-memory DuckDB of its own (13 ms to build its
    catalog of built-in functions: `build --full` of 1,000 events 0.51 s against the 0.5 s
    target). It runs in a database attached to the writer's DuckDB now; the marts are the same
    as a job in a DuckDB of its own builds (as a large build's jobs still do)."""
    host, own = _settings(landing, tmp_path / "host"), _settings(landing, tmp_path / "own")
    _copy(loaded, tmp_path / "host")
    _copy(loaded, tmp_path / "own")
    opened: list[str] = []
    connect = duckdb.connect

    def counted(database: str = ":memory:", *args: Any, **kwargs: Any) -> Any:
        opened.append(str(database))
        return connect(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", counted)
    steps.build_marts(host, full=True, publish=False)
    assert opened and ":memory:" not in opened  # the work file only
    monkeypatch.setattr(duckdb, "connect", connect)
    monkeypatch.setattr("journeys.paths.build.ONE_THREAD_ROWS", 0)  # a job's own DuckDB
    steps.build_marts(own, full=True, publish=False)
    assert_same_marts(host, own)
