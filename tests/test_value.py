"""Value-weighted gaps: who a gap affects by segment, the customers' weights from segments or a
CRM column, and ``ranking: value_weighted`` putting first the gap that VIPs suffer."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from builders import write_journey_marts
from journeys.build import build_warehouse
from journeys.compare.conformance import compare_map, compare_maps
from journeys.compare.maps import load_map, parse_map
from journeys.compare.value import attach_values, journey_values
from journeys.config import CustomerValue, Settings, load_settings
from journeys.errors import ConfigError
from journeys.ingest.load import load_source
from journeys.report.pages import write_reports
from journeys.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "effort"
MAP = parse_map(
    {"name": "abc", "goal": "C", "stages": [{"name": "S", "steps": ["A", "B", "C"]}]},
    source="abc.yaml",
)


def _rows() -> list[dict]:
    """120 conforming journeys (20 VIPs); 30 VIP journeys detour through X and 40 consumer
    journeys through Y, and all of those end at B without the goal."""
    rows = []
    for i in range(120):
        segment = "vip" if i < 20 else "consumer"
        rows.append({"id": f"ok{i:03}", "path": ["A", "B", "C"], "segment": segment, "value": 50.0})
    for i in range(30):
        rows.append(
            {"id": f"x{i:03}", "path": ["A", "X", "B"], "segment": "vip", "status": "abandoned"}
        )
    for i in range(40):
        rows.append(
            {
                "id": f"y{i:03}",
                "path": ["A", "Y", "B"],
                "segment": "consumer",
                "status": "abandoned",
            }
        )
    return rows


def _ranked(wh: Warehouse, settings: Settings) -> pl.DataFrame:
    journeys, events = wh.read_table("marts.journeys"), wh.read_table("marts.events")
    gaps = compare_map(
        MAP,
        journeys=journeys,
        events=events,
        min_support=1,
        values=journey_values(wh, settings),
        value_weighted=settings.ranking == "value_weighted",
    ).gaps
    return gaps.filter(
        (pl.col("gap_type") == "unexpected_step") & pl.col("rank").is_not_null()
    ).sort("rank")


def test_value_weighting_puts_the_vips_gap_first(wh: Warehouse):
    write_journey_marts(wh, _rows())
    plain = _ranked(wh, Settings(customer_value=CustomerValue(segments={"vip": 3})))
    # unweighted: 40 consumer journeys lose the goal, against 30 VIP journeys; each is compared
    # with the journeys that left A without it (the other detour's included)
    without_x, without_y = 120 / 160, 120 / 150
    assert plain["touchpoint"].to_list() == ["Y", "X"]
    assert not plain["value_weighted"].any()
    assert plain["value_at_risk"].to_list() == pytest.approx(
        [without_y * 40 * 50.0, without_x * 30 * 50.0]
    )
    weighted = _ranked(
        wh,
        Settings(customer_value=CustomerValue(segments={"vip": 3}), ranking="value_weighted"),
    )
    assert weighted["touchpoint"].to_list() == ["X", "Y"]
    assert weighted["value_weighted"].all()
    # weights relative to the mean over the 190 finished journeys: (50 VIPs x 3 + 140) / 190
    mean = (50 * 3 + 140) / 190
    x, y = weighted.row(0, named=True), weighted.row(1, named=True)
    assert x["customer_weight"] == pytest.approx(3 / mean)
    assert y["customer_weight"] == pytest.approx(1 / mean)
    assert x["value_at_risk"] == pytest.approx(without_x * 30 * 3 / mean * 50.0)
    assert y["value_at_risk"] == pytest.approx(without_y * 40 / mean * 50.0)
    assert x["impact"] == pytest.approx(-x["value_at_risk"])
    # the outcomes lost stay counted in journeys
    assert weighted["missed_outcomes"].to_list() == pytest.approx([without_x * 30, without_y * 40])


def test_each_gap_shows_who_it_affects_by_segment(wh: Warehouse):
    rows = _rows() + [{"id": "z1", "path": ["A", "X", "B"], "segment": None, "status": "abandoned"}]
    write_journey_marts(wh, rows)
    gaps = _ranked(wh, Settings())
    segments = dict(zip(gaps["touchpoint"], gaps["segments"].to_list(), strict=True))
    assert segments["X"] == [
        {"segment": "vip", "journeys": 30, "share": pytest.approx(30 / 31)},
        {"segment": None, "journeys": 1, "share": pytest.approx(1 / 31)},
    ]
    assert segments["Y"] == [{"segment": "consumer", "journeys": 40, "share": 1.0}]
    assert gaps["customer_weight"].to_list() == [1.0, 1.0]  # no customer_value: all weigh 1


def test_weights_from_a_crm_column():
    """Ben's lifetime value is 5000.50, Ana's 100; Cara has none and weighs the average."""
    settings = Settings(customer_value=CustomerValue(column="lifetime_value"))
    with Warehouse() as wh:
        for source, name in (("customers", "customers.csv"), ("support", "tickets.csv")):
            load_source(wh, settings, source, [FIXTURES / name])
        load_source(wh, settings, "transactions", [FIXTURES / "orders.csv"])
        build_warehouse(wh, settings)
        values = journey_values(wh, settings)
        segments = wh.read_table("marts.journeys", columns=["journey_id", "segment"])
    raw = values.join(segments, on="journey_id").sort("segment", "raw_weight", nulls_last=True)
    assert raw["raw_weight"].to_list() == [100.0, None, 5000.5]
    scoped = values.with_columns(finished=pl.lit(True))
    weights = attach_values(scoped, values, value_weighted=True)
    mean = (100.0 + 5000.5) / 2
    assert sorted(weights["weight"].to_list()) == pytest.approx([100.0 / mean, 1.0, 5000.5 / mean])
    assert weights["rank_weight"].equals(weights["weight"], check_names=False)


def test_compare_writes_the_segments_and_weights(wh: Warehouse, tmp_path: Path):
    write_journey_marts(wh, _rows())
    map_file = tmp_path / "abc.yaml"
    map_file.write_text(
        "name: abc\ngoal: C\nstages:\n  - name: S\n    steps: [A, B, C]\n", encoding="utf-8"
    )
    settings = Settings(customer_value=CustomerValue(segments={"vip": 3}), ranking="value_weighted")
    compare_maps(wh, settings, [map_file])
    gaps = wh.read_table("marts.map_gaps").filter(pl.col("ranking") == "deviations")
    top = gaps.filter(pl.col("rank") == 1).row(0, named=True)
    assert (top["touchpoint"], top["segments"][0]["segment"]) == ("X", "vip")
    assert top["customer_weight"] > 1 and top["value_weighted"]


def test_the_fix_first_list_says_its_costs_are_value_weighted_and_who_pays(
    wh: Warehouse, tmp_path: Path
):
    """Who comes from marts.map_gaps.segments: the 30 VIP journeys of the X detour are 100% of
    it and 50 of the 190 journeys (26%); the list names the weighting in its header."""
    write_journey_marts(wh, _rows())
    map_file = tmp_path / "abc.yaml"
    map_file.write_text(
        "name: abc\ngoal: C\nstages:\n  - name: S\n    steps: [A, B, C]\n", encoding="utf-8"
    )
    pages = {}
    for ranking in ("impact", "value_weighted"):
        settings = Settings(customer_value=CustomerValue(segments={"vip": 3}), ranking=ranking)
        compare_maps(wh, settings, [map_file])
        out = write_reports(wh, settings, tmp_path / ranking, maps=[load_map(map_file)])
        pages[ranking] = (out.parent / "abc.html").read_text(encoding="utf-8")

    def rows(page: str) -> list[str]:
        return page.split('id="fix-table"')[1].split("</table>")[0].split("</tr>")[1:-1]

    weighted, plain = rows(pages["value_weighted"]), rows(pages["impact"])
    assert '<th class="num">Cost, value weighted</th>' in pages["value_weighted"]
    assert "<b>Value weighted</b>" in pages["value_weighted"]
    detour = {"X": "go to &#x27;X&#x27;", "Y": "go to &#x27;Y&#x27;"}
    order = [next(k for k, v in detour.items() if v in r) for r in weighted if "go to" in r]
    assert order == ["X", "Y"]  # the VIPs' detour costs more once their weight counts
    assert [next(k for k, v in detour.items() if v in r) for r in plain if "go to" in r] == [
        "Y", "X"
    ]  # fmt: skip
    x = next(r for r in weighted if detour["X"] in r)
    assert 'data-label="Who">Mostly vip: 100% of them (26% of all)</td>' in x
    assert "Cost, value weighted" not in pages["impact"]
    assert "<b>Value weighted</b>" not in pages["impact"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("ranking: value_weighted\n", "ranking"),
        ("customer_value: {segments: {vip: 0}}\n", "customer_value.segments"),
        ("customer_value: {column: ltv, segments: {vip: 2}}\n", "customer_value.segments"),
        ("touchpoint_costs: {Phone support: -1}\n", "touchpoint_costs"),
        ("ranking: by_value\n", "ranking"),
    ],
)
def test_bad_value_settings_name_the_field(tmp_path: Path, text: str, field: str):
    config = tmp_path / "journeys.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"field '{field}'"):
        load_settings(config)
