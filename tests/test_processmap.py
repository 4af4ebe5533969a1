"""The process map: the rows of process_nodes.sql / process_edges.sql on marts.map_journeys, the
overlay of the map, the layout that keeps the designed order left to right, and the slider."""

from __future__ import annotations

import polars as pl

from builders import write_map_journeys
from journeys.compare.maps import parse_map
from journeys.report import inputs as read
from journeys.report.processfigure import process_figure
from journeys.report.processmap import LEVELS, designed_layers, process_map_data
from journeys.warehouse import Warehouse

MAP = parse_map(
    {
        "name": "m",
        "exit": ["Solved", "Survey"],
        "stages": [
            {"name": "Ask", "steps": [{"name": "Open", "next": ["Email", "Chat", "Phone"]}]},
            {
                "name": "Answer",
                "steps": [
                    {"name": "Email", "repeatable": True, "next": ["Solved"]},
                    {"name": "Chat", "next": ["Solved"]},
                    {"name": "Phone", "next": ["Solved"]},
                ],
            },
            {"name": "Close", "steps": [{"name": "Solved"}, {"name": "Survey"}]},
        ],
    },
    source="m.yaml",
)
PATHS = (
    [["Open", "Email", "Email", "Email", "Solved"]] * 6
    + [["Open", "Chat", "Solved"]] * 3
    + [["Open", "Chat", "Transfer", "Phone", "Solved"]] * 2
    + [["Transfer", "Solved"]]
)


def process_map(wh: Warehouse, paths=PATHS, journey_map=MAP):
    write_map_journeys(wh, paths)
    return process_map_data(
        read.process_nodes(wh, "m"),
        read.process_edges(wh, "m"),
        steps=journey_map.step_names,
        designed_edges=journey_map.edges(),
        entries=journey_map.start_steps,
        exits=journey_map.end_steps,
        repeatable=frozenset(s.name for s in journey_map.steps if s.repeatable),
    )


def test_designed_order_reads_left_to_right_and_alternatives_share_a_column():
    layers = designed_layers(MAP.step_names, MAP.edges())
    assert layers == {"Open": 0, "Email": 1, "Chat": 1, "Phone": 1, "Solved": 2, "Survey": 3}
    loop_back = designed_layers(("A", "B", "C"), frozenset({("A", "B"), ("B", "C"), ("C", "A")}))
    assert loop_back == {"A": 0, "B": 1, "C": 2}  # the edge back does not reorder the map


def test_nodes_count_journeys_and_collapse_repeats_into_a_loop(wh: Warehouse):
    nodes = read.process_nodes(wh_with(wh), "m")
    email = nodes.filter(pl.col("touchpoint") == "Email").row(0, named=True)
    assert (email["journeys"], email["visits"], email["repeats"], email["repeat_journeys"]) == (
        6,
        6,
        12,
        6,
    )
    solved = nodes.filter(pl.col("touchpoint") == "Solved").row(0, named=True)
    assert (solved["journeys"], solved["ends"], solved["starts"]) == (12, 12, 0)
    edges = read.process_edges(wh, "m")
    pairs = {(a, b): n for a, b, n, *_ in edges.iter_rows()}
    assert edges.filter(pl.col("from_touchpoint") == "Open")["median_seconds"].to_list() == [
        60.0,
        60.0,
    ]
    assert pairs[(None, "Open")] == 11 and pairs[(None, "Transfer")] == 1
    assert pairs[("Email", "Solved")] == 6 and ("Email", "Email") not in pairs
    assert pairs[("Solved", None)] == 12


def wh_with(wh: Warehouse) -> Warehouse:
    write_map_journeys(wh, PATHS)
    return wh


def test_the_overlay_types_every_edge_and_greys_unreached_steps(wh: Warehouse):
    pm = process_map(wh)
    kinds = {
        (a, b): k for a, b, k in pm.edges.select("from_touchpoint", "to_touchpoint", "kind").rows()
    }
    assert kinds[("Open", "Email")] == "designed"
    assert kinds[("Open", "Phone")] == "unused"  # designed, nobody takes it
    assert kinds[("Chat", "Transfer")] == "off_map"
    assert kinds[(None, "Open")] == "start" and kinds[("Solved", None)] == "end"
    on_map = dict(
        zip(
            pm.edges.filter(pl.col("kind").is_in(["start", "end"]))["to_touchpoint"].fill_null(
                "END"
            ),
            pm.edges.filter(pl.col("kind").is_in(["start", "end"]))["on_map"],
            strict=True,
        )
    )
    assert on_map["Open"] and not on_map["Transfer"]
    node = {r["touchpoint"]: r for r in pm.nodes.iter_rows(named=True)}
    assert node["Survey"]["kind"] == "unreached" and node["Survey"]["journeys"] == 0
    assert node["Transfer"]["kind"] == "off_map"
    assert node["Email"]["repeats"] == 12 and node["Email"]["repeatable"]


def test_off_map_touchpoints_sit_between_columns_and_apart(wh: Warehouse):
    many = PATHS + [["Open", "Chat", f"Extra {i}", "Solved"] for i in range(5)]
    pm = process_map(wh, many)
    off = pm.nodes.filter(pl.col("kind") == "off_map")
    assert off.height == 6
    assert all(layer % 1 == 0.5 for layer in off["layer"])  # never on a step's column
    steps = pm.nodes.filter(pl.col("kind") != "off_map")
    assert set(steps["lane"]) <= {-1.0, 0.0, 1.0}
    for lane, group in off.group_by("lane"):
        layers = sorted(group["layer"])
        assert all(b - a >= 1.0 for a, b in zip(layers, layers[1:], strict=False)), lane
        assert not set(steps.filter(pl.col("lane") == lane[0])["layer"]) & set(layers)


def test_the_slider_always_shows_the_map_and_hides_rare_moves(wh: Warehouse):
    pm = process_map(wh)
    top = len(LEVELS) - 1
    designed = pm.edges.filter(pl.col("kind").is_in(["designed", "unused"]))
    assert (designed["level"] == top).all()
    rare = pm.edges.filter(pl.col("from_touchpoint") == "Transfer")  # 2 and 1 of 12 journeys
    assert rare.sort("share")["level"].to_list() == [top - 1, top]  # below 10%, at or above
    assert pm.nodes.filter(pl.col("kind") != "off_map")["level"].unique().to_list() == [top]
    figure = process_figure(pm)
    slider = figure.layout.sliders[0]
    assert len(slider.steps) == len(LEVELS) and slider.active == pm.default_level
    shown = slider.steps[top].args[0]["visible"]
    assert 0 < sum(shown) < len(shown)  # the highest level hides something
    assert all(slider.steps[0].args[0]["visible"])  # the lowest shows everything
    narrow = process_figure(pm, narrow=True)

    def place(fig) -> dict[str, tuple[float, float]]:
        texts = [t for t in fig.data if t.mode == "markers+text"]
        nodes = next(t for t in texts if any(x.startswith("Open<br>") for x in t.text))
        names = [text.split("<br>")[0] for text in nodes.text]
        return dict(zip(names, zip(nodes.x, nodes.y, strict=True), strict=True))

    wide, tall = place(figure), place(narrow)
    assert wide["Open"][0] < wide["Email"][0] < wide["Solved"][0] < wide["Survey"][0]
    assert tall["Open"][1] > tall["Email"][1] > tall["Solved"][1] > tall["Survey"][1]


def test_on_a_phone_rare_touchpoints_do_not_squeeze_the_map(wh: Warehouse):
    """A purchase-to-pay log's 120 rare reworks ('Change Price (7)') each took a lane across
    the phone: 344 px over 120 lanes, so the map's own labels ran into the rework beside them
    at the slider's first position, which shows one rework. The lanes across now are those the
    first position shows; moving the slider to rarer moves widens the view."""
    rare = [["Open", "Chat", f"Rework {i:02d}", "Solved"] for i in range(40)]
    pm = process_map(wh, PATHS * 20 + rare)  # each rework: 1 of 280 journeys
    narrow = process_figure(pm, narrow=True)
    shown = narrow.layout.sliders[0].steps[pm.default_level].args[1]["xaxis.range"]
    every = narrow.layout.sliders[0].steps[0].args[1]["xaxis.range"]  # "all"
    assert list(narrow.layout.xaxis.range) == shown
    lanes = pm.nodes.filter(pl.col("level") >= pm.default_level)["lane"]
    assert 344 / (shown[1] - shown[0]) * (lanes.max() - lanes.min()) >= 48 * 3  # 4 lanes
    assert every[1] - every[0] > 10 * (shown[1] - shown[0])  # all 40 reworks: wider
    # the sample's few off-map touchpoints keep one width at every position
    few = process_figure(process_map(wh), narrow=True).layout.sliders[0].steps
    assert len({tuple(step.args[1]["xaxis.range"]) for step in few}) == 1


def test_the_rarest_moves_of_a_sprawling_log_are_left_off_the_slider(wh: Warehouse):
    """A purchase-to-pay log's 2,400 moves were all drawn at the slider's "all", about 1 KB
    each per layout: a 5 MB page. The slider now starts at the lowest share drawing at most
    MAX_DRAWN_EDGES optional moves; the others, and touchpoints only they reach, are counted."""
    from journeys.report.processmap import MAX_DRAWN_EDGES

    rare = [
        ["Open", f"Rework {i:03d}", "Chat", f"Rework {i + 1:03d}", "Solved"] for i in range(200)
    ]
    pm = process_map(wh, PATHS * 100 + rare)  # each rework move: 1 of 1,400 journeys
    optional = pm.edges.filter(~pl.col("kind").is_in(["designed", "unused"]))
    assert pm.levels[0] > 0 and len(pm.levels) < len(LEVELS)
    assert optional.height <= MAX_DRAWN_EDGES and pm.hidden_edges >= 400
    assert pm.hidden_touchpoints == 201  # every rework, each reached only by rare moves
    assert not pm.nodes["touchpoint"].str.starts_with("Rework").any()
    assert (pm.edges["level"] >= 0).all() and pm.default_level < len(pm.levels)
    figure = process_figure(pm, narrow=True)
    assert [s.label for s in figure.layout.sliders[0].steps][0] != "all"
    # a map of few moves keeps every position, "all" first
    few = process_map(wh)
    assert few.levels == LEVELS and few.hidden_edges == 0 and few.hidden_touchpoints == 0


def test_a_long_name_on_the_last_column_stays_inside_the_plot(wh: Warehouse):
    """pm4py's road-traffic log ends at 'Send for Credit Collection': 60 px beside the last
    column held half of a short name, and the right half of this one was cut off at 1440 px
    (the browser's clipping check named it). The room beside the first and last columns is now
    half their widest name when that is more."""
    fines = parse_map(
        {
            "name": "m",
            "stages": [
                {
                    "name": "Fine",
                    "steps": ["Create Fine", "Send Fine", "Send for Credit Collection"],
                }
            ],
        },
        source="m.yaml",
    )
    pm = process_map(wh, [["Create Fine", "Send Fine", "Send for Credit Collection"]] * 5, fines)
    wide = process_figure(pm, narrow=False)
    low, high = wide.layout.xaxis.range
    px = 1100 / (high - low)  # the least width the wide plot is drawn at
    last = max(x for trace in wide.data if trace.mode and "text" in trace.mode for x in trace.x)
    assert (high - last) * px >= len("Send for Credit Collection") * 7 / 2
