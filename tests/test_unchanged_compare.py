"""A compare whose inputs are the last finished compare's (the build's marts, the maps' text, the
settings, the code) reports that compare and writes nothing (compare/unchanged.py); any changed
input compares again."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys import steps
from journeys.config import Settings
from journeys.publish import open_work_file

ORDERS = Path(__file__).parent / "fixtures" / "orders.xes"
MAP = """\
name: orders
goal: Ship
entry: [Place order]
exit: [Ship]
stages:
  - name: Order
    steps:
      - name: Place order
      - name: Check credit
  - name: Fulfil
    steps:
      - name: Pick items
      - name: Ship
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    map_file = tmp_path / "orders.yaml"
    map_file.write_text(MAP)
    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb", maps=(map_file,))
    steps.import_event_log(settings, ORDERS)
    steps.build_marts(settings)
    return settings


def _map_files(settings: Settings) -> dict[str, list[str]]:
    with open_work_file(settings) as wh:
        return {
            name: [f.file for f in files]
            for name, files in wh.stored_files().items()
            if name.startswith(("marts.map", "marts.touchpoint_impact"))
        }


def _uncompared(settings: Settings) -> int:
    with open_work_file(settings) as wh:
        return int(wh.scalar("queries/compare/uncompared_builds"))


def test_the_same_inputs_report_the_last_compare_and_write_nothing(settings: Settings):
    first = steps.compare_maps(settings)
    files = _map_files(settings)
    assert files and first.maps[0].journeys == 10
    steps.build_marts(settings)  # nothing new: no mart written, a build recorded
    assert _uncompared(settings) == 1
    again = steps.compare_maps(settings)
    assert [m.line() for m in again.maps] == [m.line() for m in first.maps]
    assert again.changed == 0 and again.drift.is_empty()
    assert "0 changed journeys, 0 new drift event(s)" in again.summary()
    assert _map_files(settings) == files
    assert _uncompared(settings) == 0  # journeys-micro has no build left to compare


def test_a_changed_map_or_full_compares_again(settings: Settings):
    steps.compare_maps(settings)
    files = _map_files(settings)
    assert steps.compare_maps(settings, full=True).changed is None  # every journey again
    after_full = _map_files(settings)
    assert after_full["marts.map_journeys"] != files["marts.map_journeys"]
    map_file = settings.maps[0]
    map_file.write_text(MAP.replace("      - name: Check credit\n", ""))
    result = steps.compare_maps(settings)
    assert result.maps[0].journeys == 10
    assert _map_files(settings)["marts.map_journeys"] != after_full["marts.map_journeys"]


def test_a_compare_that_stopped_half_way_is_not_taken_for_finished(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    steps.compare_maps(settings)
    files = _map_files(settings)

    def stop(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr("journeys.compare.conformance.compare_maps", stop)
    with pytest.raises(RuntimeError):
        steps.compare_maps(settings, full=True)  # stops after it began writing
    monkeypatch.undo()
    steps.compare_maps(settings)  # the same inputs, but no finished compare recorded them
    assert _map_files(settings)["marts.map_journeys"] != files["marts.map_journeys"]
