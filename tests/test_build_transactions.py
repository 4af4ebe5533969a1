"""A build writes its stored tables in a few transactions: the tables of one transaction have
their files recorded in one statement, and a failure inside one leaves each of its tables (and
the list of builds) as the last build left them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from journeys.build import build_warehouse
from journeys.errors import WarehouseError
from journeys.publish import open_work
from test_cores import _ingested_week

EVENTS = ["intermediate.int_case_horizons", "intermediate.int_customer_profiles",
          "intermediate.int_events"]  # fmt: skip
MINING = ["marts.data_quality", "marts.touchpoints", "marts.transitions", "marts.variants"]


@pytest.mark.parametrize(
    ("method", "failing", "together"),
    [
        ("store_parts", "intermediate.int_case_horizons", EVENTS),
        ("run_model", "marts/data_quality", MINING),
    ],
)
def test_a_build_commits_each_group_of_stored_tables_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str, failing: str, together: list[str]
):
    settings = _ingested_week(tmp_path, seed=3)
    with open_work(settings, step="test") as wh:
        build_warehouse(wh, settings, full=True)

        def ours() -> dict[str, Any]:
            return {t: f for t, f in wh.stored_files().items() if t in together}

        before = ours()
        builds = wh._run("SELECT count(*) FROM raw.builds")[0][0]
        assert sorted(before) == together
        original = getattr(wh, method)

        def fails(name: str, *args: object, **kwargs: object) -> object:
            if name == failing:
                raise WarehouseError(f"{failing}: failed on purpose")
            return original(name, *args, **kwargs)

        monkeypatch.setattr(wh, method, fails)
        with pytest.raises(WarehouseError, match="on purpose"):
            build_warehouse(wh, settings, full=True)
        assert ours() == before
        assert wh._run("SELECT count(*) FROM raw.builds")[0][0] == builds
        monkeypatch.setattr(wh, method, original)

        recorded: list[str] = []
        run = wh._run

        def counted(sql: str, *args: object, **kwargs: object) -> object:
            if "INTO raw.data_files" in sql:
                recorded.append(str(kwargs.get("what")))
            return run(sql, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(wh, "_run", counted)
        build_warehouse(wh, settings, full=True)
        named = [r for r in recorded if together[-1] in r]
        assert len(named) == 1 and all(t in named[0] for t in together)
        assert ours() != before  # new files, recorded
        assert wh._run("SELECT count(*) FROM raw.builds")[0][0] == builds + 1


def test_a_small_build_commits_once_and_where_stitching_numbers_its_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # each commit of the work file costs about a millisecond: a build of a few thousand events
    # made ~35 of them, one per statement outside a transaction
    settings = _ingested_week(tmp_path, seed=3)
    with open_work(settings, step="test") as wh:
        commits: list[str] = []
        run = wh._run

        def counted(sql: str, *args: object, **kwargs: object) -> object:
            commits.extend("commit" for s in sql.split(";") if s.strip().upper() == "COMMIT")
            return run(sql, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(wh, "_run", counted)
        result = build_warehouse(wh, settings, full=True)
        assert result.journeys > 0 and result.stitched_customers > 0
        assert len(commits) == 2
