"""suggest-map without --map: a first map discovered from the journeys."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl
import pytest
import yaml

from journeys.cli import main
from journeys.compare.conformance import compare_maps
from journeys.compare.discover import discover_map, round_up
from journeys.compare.maps import load_map
from journeys.compare.suggest import MIN_VARIANT_SHARE
from journeys.config import Settings
from journeys.errors import CompareError
from journeys.warehouse import Warehouse

SETTINGS = Settings(min_support=1)
# (path, journeys); waits between steps in minutes, per step entered
OBSERVED = [
    (["Open", "Assign", "Work", "Resolve", "Close"], 50),
    (["Open", "Work", "Resolve", "Close"], 20),
    (["Open", "Assign", "Work", "Work", "Resolve", "Close"], 15),
    (["Open", "Assign", "Escalate", "Work", "Resolve", "Close"], 10),
    (["Open", "Spam"], 5),
]
WAIT = {"Assign": 10, "Work": 90, "Escalate": 600, "Resolve": 30, "Close": 3 * 1440, "Spam": 1}


def load(
    wh: Warehouse, observed: list[tuple[list[str], int]] = OBSERVED, wait: dict[str, int] = WAIT
) -> None:
    journeys, events, pairs = [], [], {}
    for v, (path, count) in enumerate(observed):
        for k in range(count):
            jid = f"v{v}j{k:02d}"
            journeys.append((jid, f"ck_{jid}", f"v{v}", path, "completed", 0.0))
            t = 0
            for i, step in enumerate(path):
                t += wait.get(step, 0) * 60
                events.append((jid, i + 1, step, t, "web"))
        for a, b in zip(path, path[1:], strict=False):
            n, _ = pairs.get((a, b), (0, 0))
            pairs[(a, b)] = (n + count, wait.get(b, 0) * 60.0)
    wh.write_table(
        "marts.journeys",
        pl.DataFrame(
            journeys,
            schema=["journey_id", "customer_key", "variant_id", "path", "status", "value"],
            orient="row",
        ).with_columns(  # every journey starts at its first event, at second 0
            segment=pl.lit(None, pl.String), started_at=pl.lit(0).cast(pl.Datetime("us", "UTC"))
        ),
    )
    wh.write_table(
        "marts.events",
        pl.DataFrame(
            events,
            schema=["journey_id", "step_index", "touchpoint", "seconds", "channel"],
            orient="row",
        ).with_columns(occurred_at=pl.from_epoch("seconds").dt.replace_time_zone("UTC")),
    )
    wh.write_table(
        "marts.transitions",
        pl.DataFrame(
            [(a, b, n, s) for (a, b), (n, s) in pairs.items()],
            schema=["from_touchpoint", "to_touchpoint", "transitions", "median_seconds"],
            orient="row",
        ),
    )


def test_discovered_map_reaches_the_coverage_with_slas_and_stages(wh: Warehouse, tmp_path: Path):
    load(wh)
    out = tmp_path / "maps" / "first.yaml"
    summary = discover_map(wh, SETTINGS, coverage=0.9, out=out)
    assert "discovered 'first' from 100 journeys" in summary
    journey_map = load_map(out)
    assert journey_map.name == "first"
    assert "Spam" not in journey_map.step_names  # 5 %: beyond the coverage
    assert journey_map.step("Work").repeatable
    assert journey_map.step("Escalate").optional or ("Assign", "Work") in journey_map.edges()
    slas = {s.name: s.within_seconds for s in journey_map.steps}
    assert slas["Assign"] == 600 and slas["Resolve"] == 1800 and slas["Close"] == 3 * 86400
    assert slas["Open"] is None  # nothing leads into the first step
    # stages are cut at the longest waits, each named after its first step
    assert len(journey_map.stages) == 2
    assert journey_map.stages[1] == "Stage 2: Close"
    result = compare_maps(wh, SETTINGS, [out])
    assert (result.maps[0].conforming_share or 0) >= 0.9
    assert yaml.safe_load(out.read_text())["description"].startswith("Discovered from 100")


def test_a_median_wait_over_a_year_gets_no_sla_and_is_named(wh: Warehouse, tmp_path: Path):
    """A map's within: is at most 365d, and discovery wrote the observed median as it was: on
    pm4py's road-traffic fines log (credit collection about 550 days after the penalty)
    `journeys analyze` built everything, then refused its own draft ("'550d' is more than a
    year") and wrote no map."""
    load(wh, wait={**WAIT, "Close": 550 * 1440})
    out = tmp_path / "first.yaml"
    discover_map(wh, SETTINGS, coverage=0.9, out=out)
    journey_map = load_map(out)  # loads: no SLA beyond the format's limit
    slas = {s.name: s.within_seconds for s in journey_map.steps}
    assert slas["Close"] is None and slas["Resolve"] == 1800
    assert "over a year, the longest SLA a map holds: 'Close' (550d)." in " ".join(
        yaml.safe_load(out.read_text())["description"].split()
    )
    assert journey_map.stages[1] == "Stage 2: Close"  # still cut at the longest wait


@pytest.mark.parametrize(
    ("closed", "rejected", "stopped"),
    [(50, 35, 15), (60, 25, 15)],  # 35 > 0.6 x 50 (pm4py's filter); 25 <= 0.6 x 60, but 25%
)
def test_a_second_frequent_end_is_an_outcome_and_a_rarer_stop_a_drop_off(
    wh: Warehouse, tmp_path: Path, closed: int, rejected: int, stopped: int
):
    """Where journeys end is the log's to say (pm4py's end-activity filter, factor 0.6, or a
    fifth of the journeys; and most journeys that take it end there). pm4py's
    road-traffic log: a fine is paid (Create Fine, Payment) or sent to credit collection at the
    end of the most frequent sequence; only the latter was an end, so every paid fine was a
    drop-off and "unexpected 'Payment' after 'Create Fine'" topped the gaps. The same in its
    running example (compensation paid or the request rejected) and its reviewing log."""
    paid, refused = ["Open", "Assign", "Work", "Resolve", "Close"], ["Open", "Assign", "Reject"]
    load(wh, [(paid, closed), (refused, rejected), (["Open", "Assign"], stopped)])
    out = tmp_path / "first.yaml"
    summary = discover_map(wh, SETTINGS, coverage=0.99, out=out)
    journey_map = load_map(out)
    assert set(journey_map.exit) == {"Close", "Reject"}
    assert journey_map.goal is None  # which outcome is wanted the data cannot say
    assert (
        "; it ends at 'Reject' and 'Close', the ends many journeys reach: add the one you want "
        "as `goal:` and compare measures every gap by it"
    ) in summary
    assert ("Assign", "Reject") in journey_map.edges()
    assert "it explains 85.0% of the 100 journeys in its scope (target 99%); it ends at" in summary
    # the stops after 'Assign' (15%, under a fifth and pm4py's cut) stay drop-offs
    assert "every gap by it; 15 of the 15 journeys it does not explain end without" in summary
    (compared,) = compare_maps(wh, SETTINGS, [out]).maps
    assert compared.conforming == 85


def test_the_discovered_share_is_over_the_maps_own_scope_as_compare_counts(
    wh: Warehouse, tmp_path: Path
):
    """Three journeys touch only 'Escalate', a step the map adopts from a longer journey: they
    are in the discovered map's scope, not in the seed's (the most frequent journey's steps).
    suggest-map measured its share over the seed's scope (100 journeys), compare over the
    map's (103): on the real help-desk log "87.0% of the 4576 journeys in its scope" beside
    compare's 4580. Both count the map's own scope now."""
    load(wh, [*OBSERVED, (["Escalate"], 3)])
    out = tmp_path / "first.yaml"
    summary = discover_map(wh, SETTINGS, coverage=0.9, out=out)
    assert "Escalate" in load_map(out).step_names
    (compared,) = compare_maps(wh, SETTINGS, [out]).maps
    assert compared.journeys == 103
    share = compared.conforming / compared.journeys
    assert f"it explains {share:.1%} of the 103 journeys in its scope" in summary
    assert out.read_text().startswith(
        "# Discovered by `journeys suggest-map --coverage 0.9` from the 103 journeys in its scope."
    )


def test_a_discovered_map_short_of_its_target_says_why(wh: Warehouse, tmp_path: Path):
    """The 5 journeys that end at 'Spam' never reach the map's end: drop-offs, which a map of
    the intended journey does not take in, so 99 % cannot be reached. The summary said only
    "95.0% ... (target 99%)"; it says why now."""
    load(wh)
    summary = discover_map(wh, SETTINGS, coverage=0.99, out=tmp_path / "first.yaml")
    assert "it explains 95.0% of the 100 journeys in its scope (target 99%); 'Spam' (5%)" in (
        summary
    )  # an end that stops most of its journeys: named, for the user to tell outcome or not
    assert "as an `exit:` if it is an outcome; 5 of the 5 " in summary
    assert summary.splitlines()[0].endswith(
        "journeys it does not explain end without reaching its end (drop-offs, such as "
        "cancellations), which a map of the intended journey does not take in; compare reports "
        "them as drop-offs"
    )
    reached = discover_map(wh, SETTINGS, coverage=0.9, out=tmp_path / "second.yaml")
    assert "drop-offs" not in reached


# 150 journeys follow the backbone; 50 each take a detour of their own, as reworks do in a
# purchase-to-pay log ("Change Price", "Change Quantity", ... anywhere in the order)
BACKBONE = ["Open", "Assign", "Work", "Resolve", "Close"]
DETOURS = [
    (["Open", "Assign", f"Detour {i:02d}", "Work", "Resolve", "Close"], 1) for i in range(50)
]


def test_a_sequence_fewer_than_the_min_share_take_is_not_designed_in(wh: Warehouse, tmp_path: Path):
    """A log where a quarter of the journeys are variants of their own. Adopting sequences until
    80 % conform designed ten one-journey detours in; on a purchase-to-pay log of 3,000 orders
    (2,331 variants, 128 activities) it designed all 128 activities and 2,421 transitions, a map
    nobody can edit. Sequences fewer than 1 % of the journeys take (pm4py's variant coverage
    filter) stay departures, and the summary says so."""
    load(wh, [(BACKBONE, 150), *DETOURS])
    out = tmp_path / "first.yaml"
    summary = discover_map(wh, SETTINGS, coverage=0.8, out=out)
    assert load_map(out).step_names == tuple(BACKBONE)
    assert summary.splitlines()[0].endswith(
        "it explains 75.0% of the 200 journeys in its scope (target 80%); 50 of the 50 journeys "
        "it does not explain take one of 50 sequences that each fewer than 1% of the journeys "
        "take (--min-variant-share 0.01): too rare to design for, they stay departures, which "
        "compare ranks as gaps (--min-variant-share 0 adopts them)"
    )
    assert "(each taken by at least 1% of the journeys)" in out.read_text()
    # the detours left off are named at the top, for the reader to design one in
    head = out.read_text().split("\nname: ")[0]
    assert (
        "#   Detour 00: 1 journey (0%)\n" in head and "#   and 42 more (marts.touchpoints)" in head
    )
    # with no floor, the most frequent detours are adopted until 80 % conform, as before
    every = discover_map(wh, SETTINGS, coverage=0.8, out=out, min_share=0.0)
    assert "it explains 80.0%" in every and len(load_map(out).steps) == len(BACKBONE) + 10
    with pytest.raises(CompareError, match="--min-variant-share 1.5: must be between 0 and 1"):
        discover_map(wh, SETTINGS, coverage=0.8, out=None, min_share=1.5)


def test_a_left_off_name_cannot_break_out_of_its_comment(wh: Warehouse, tmp_path: Path):
    """A touchpoint name with a line break, listed in the comment of touchpoints left off,
    would put the rest of its name into the map as YAML."""
    load(wh, [(BACKBONE, 150), (["Open", "Assign", "X\nname: hijacked\r\n# ", "Close"], 1)])
    out = tmp_path / "first.yaml"
    discover_map(wh, SETTINGS, coverage=0.8, out=out)
    assert load_map(out).name == "first"
    assert "#   X name: hijacked #: 1 journey (1%)\n" in out.read_text()


def test_suggest_map_and_analyze_take_the_min_share(tmp_path: Path, capsys):
    """Through the commands, from a CSV written here: the flag reaches the discovery, and
    analyze discovers with the same default."""
    log = tmp_path / "orders.csv"
    lines = ["order,step,at"]
    for k, (path, n) in enumerate([(BACKBONE, 150), *DETOURS]):
        for j in range(n):
            lines += [f"o{k}-{j},{step},2026-03-0{1 + i} 10:00" for i, step in enumerate(path)]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    flags = ["--case-col", "order", "--activity-col", "step", "--timestamp-col", "at"]
    wh = str(tmp_path / "wh" / "j.duckdb")
    main(["--warehouse", wh, "analyze", str(log), *flags, "--map-out", str(tmp_path / "a.yaml")])
    assert load_map(tmp_path / "a.yaml").step_names == tuple(BACKBONE)
    capsys.readouterr()
    out = tmp_path / "b.yaml"
    main(["--warehouse", wh, "suggest-map", "--out", str(out), "--min-variant-share", "0"])
    assert len(load_map(out).steps) == len(BACKBONE) + 10
    assert "it explains 80.0%" in capsys.readouterr().out
    main(["suggest-map", "--help"])
    assert f"Default: {MIN_VARIANT_SHARE:g} when discovering" in " ".join(
        capsys.readouterr().out.split()
    )


def test_a_discovered_map_without_out_is_printed(wh: Warehouse):
    load(wh)
    text = discover_map(wh, SETTINGS, coverage=0.5, out=None, name="draft")
    assert "name: draft" in text and "stages:" in text


def test_discovery_needs_built_journeys(wh: Warehouse):
    with pytest.raises(CompareError, match="journeys build"):
        discover_map(wh, SETTINGS, coverage=0.8, out=None)


@pytest.mark.parametrize(
    ("seconds", "rounded"),
    [(0, 60), (61, 120), (3599, 3600), (3601, 7200), (2 * 86400 - 1, 2 * 86400),
     (2 * 86400 + 1, 3 * 86400), (None, None)],
)  # fmt: skip
def test_slas_are_rounded_up_to_a_whole_unit(seconds, rounded):
    assert round_up(seconds) == rounded


def test_a_log_without_a_frequent_sequence_gets_its_backbone(wh: Warehouse, tmp_path: Path):
    """pm4py's Sepsis log with one trace per variant: no sequence is taken by 1% of the
    journeys, so the seed was one journey picked among 846 equals, with 'Admission IC' (the
    ICU, 13% of the patients): 0% followed the map and "customers skip 'Admission IC'" was its
    best departure. The seed is now the touchpoints at least half the journeys take, in the
    order they usually come (mean fitness there 0.606 -> 0.653; BPI 2012's 0.380 -> 0.666)."""
    labs = ["CRP", "Leucocytes", "LacticAcid"]
    observed = []
    for order in itertools.permutations(labs):
        for extra in range(5):  # Leucocytes taken again, 1 to 5 times in a row
            tests = [x for lab in order for x in [lab] * (1 + extra * (lab == "Leucocytes"))]
            for iv in (["IV"], [], None):  # before the tests, after them, or not at all
                middle = (iv or []) + tests + (["IV"] if iv == [] else [])
                for end in (["Release"], ["Release", "Return ER"], ["Release", "Release B"]):
                    observed.append((["Register", "Triage", *middle, *end], 1))
    assert len({tuple(p) for p, _ in observed}) == len(observed) == 270
    load(wh, observed)
    out = tmp_path / "first.yaml"
    summary = discover_map(wh, SETTINGS, coverage=0.8, out=out)
    journey_map = load_map(out)
    names = journey_map.step_names
    assert set(names) == {"Register", "Triage", "CRP", "Leucocytes", "LacticAcid", "IV", "Release"}
    assert names[:2] == ("Register", "Triage") and names[-1] == "Release"
    assert journey_map.step("Leucocytes").repeatable and not journey_map.step("CRP").repeatable
    assert "no sequence is taken by 1% of the journeys, so its steps are the touchpoints at " in (
        summary
    )
    assert "at least 50% of them take, in the order they usually come" in " ".join(
        yaml.safe_load(out.read_text())["description"].split()
    )
    # a log with a frequent sequence keeps it as the seed, as before
    fresh = tmp_path / "second.yaml"
    with Warehouse() as other:
        load(other)
        assert "no sequence is taken" not in discover_map(other, SETTINGS, coverage=0.9, out=fresh)


def test_a_frequent_stop_that_most_journeys_go_on_from_is_a_drop_off(wh: Warehouse, tmp_path: Path):
    """An end a fifth of the journeys reach is an outcome only where most journeys that take it
    end: the sample's 14% who leave after viewing a product are 17% of those who view one,
    a p2p log's orders that stop after approval 3% of those approved. Here 30% stop after
    'Assign', which 100% take: they stay drop-offs, 'Assign' is no exit."""
    paid = ["Open", "Assign", "Work", "Resolve", "Close"]
    load(wh, [(paid, 70), (["Open", "Assign"], 30)])
    out = tmp_path / "first.yaml"
    discover_map(wh, SETTINGS, coverage=0.99, out=out)
    journey_map = load_map(out)
    assert journey_map.end_steps == ("Close",) and journey_map.goal is None


def test_an_end_too_rare_for_an_exit_is_named_for_the_user(wh: Warehouse, tmp_path: Path):
    """A recruiting log (ocel-standard.org's, flattened on its applications): 85% end at 'send
    rejection', 10% at 'offer accepted and hired', below a fifth and pm4py's cut, so the hires
    were drop-offs that "cost" rejections, and nothing told the reader. An end that most of its
    journeys stop at, and not an exit, is named in the summary and the description."""
    rejected, hired = ["Open", "Screen", "Reject"], ["Open", "Screen", "Interview", "Hire"]
    load(wh, [(rejected, 85), (hired, 10), (["Open", "Screen"], 5)])
    out = tmp_path / "first.yaml"
    summary = discover_map(wh, SETTINGS, coverage=0.8, out=out)
    note = (
        "'Hire' (10%) ends most journeys that reach it, and is a drop-off in this draft: add it "
        "to the map as an `exit:` if it is an outcome"
    )
    assert note in summary
    assert note in " ".join(yaml.safe_load(out.read_text())["description"].split())
    assert load_map(out).end_steps == ("Reject",)  # the draft itself is as before
    # 'Screen', where 5 stop, is taken by all 100: a drop-off, never named
    assert "'Screen'" not in summary.split("; ")[-1]


def test_a_map_discovered_from_one_journey_says_so_in_the_singular(wh: Warehouse, tmp_path: Path):
    """A first try with a two-event file: 'Discovered from 1 journeys', 'from 1 journeys: 2
    steps in 1 stage, 1 designed transitions'."""
    load(wh, observed=[(["Open", "Close"], 1)])
    out = tmp_path / "first.yaml"
    summary = discover_map(wh, SETTINGS, coverage=0.8, out=out)
    assert "from 1 journey: 2 steps in 1 stage, 1 designed transition; it explains" in summary
    description = " ".join(yaml.safe_load(out.read_text())["description"].split())
    assert description.startswith("Discovered from 1 journey by `journeys suggest-map")
